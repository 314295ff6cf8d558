"""Sweeps: sweep files, designs, the store, determinism, failures and replay, analysis.

Every sweep here runs a tiny field (20 entrants a year for 3 years) so each run
takes a few milliseconds. The Dask tests are in test_sweep_dask.py and the
SIGKILL test in test_sweep_kill.py.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from careersim import cli
from careersim.config.sweeps import evaluate_expression
from careersim.experiments.sweep import (
    PoolExecutor,
    SerialExecutor,
    Store,
    load_sweep_file,
    point_count,
    points_table,
    read_results,
    run_key,
    run_sweep,
)
from careersim.experiments.sweep.discovery import grow_tree, tree_rules
from careersim.experiments.sweep.executors import FAULT_ENV
from careersim.experiments.sweep.sensitivity import variance_split
from careersim.experiments.sweep.store import LEDGER
from careersim.reporting.sweep_page import write_analysis

TINY_BASE = """\
extends: baseline
name: tiny
population:
  entrants_per_year: 20
run:
  horizon: 3 years
initial:
  leads: 5
  phd_students: 5
  independents: 5
  contributors: 5
phd:
  advisors: 10
"""

DEFAULT_BODY = """\
factors:
  - path: independent.mentor_hours
    range: [0, 1 hour per week]
    role: lever
  - path: grants.grant_length
    levels: [1 year, 2 years]
design: {kind: grid, levels: 3}
replications: 2
seed: 7
outcomes:
  - field_lead_years_before_arrival
  - claim_C3_holds
  - field_safety_lead_years_before_arrival / field_lead_years_before_arrival > 0.4
"""


def write_sweep(folder: Path, body: str = DEFAULT_BODY, name: str = "tiny-sweep") -> Path:
    """Write ``tiny.yaml`` and a sweep file over it into ``folder``; returns the sweep file."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tiny.yaml").write_text(TINY_BASE)
    path = folder / f"{name}.yaml"
    path.write_text(f"# Question: a test sweep.\nname: {name}\nbase: tiny.yaml\n" + textwrap.dedent(body))
    return path


_REFERENCE: dict[str, pd.DataFrame] = {}


def reference(tmp_path: Path, sweep_file: Path) -> pd.DataFrame:
    """The table of an uninterrupted serial run of a sweep file (computed once per content)."""
    text = sweep_file.read_text()
    if text not in _REFERENCE:
        out = tmp_path / "reference"
        run_sweep(load_sweep_file(sweep_file), out, SerialExecutor())
        _REFERENCE[text] = read_results([out])
    return _REFERENCE[text].copy()


# ---------------------------------------------------------------------------
# sweep files
# ---------------------------------------------------------------------------


def test_sweep_file_values_are_canonical_units(tmp_path):
    sweep = load_sweep_file(write_sweep(tmp_path))
    mentor, grant = sweep.factors
    assert (mentor.low, mentor.high, mentor.unit, mentor.role) == (0.0, 1.0, "hours per week", "lever")
    assert grant.levels == (1.0, 2.0) and grant.role == "uncertainty"
    assert sweep.replications == 2 and sweep.seed == 7 and sweep.design.seed == 7
    assert [o.name for o in sweep.outcomes][:2] == ["field_lead_years_before_arrival", "claim_C3_holds"]
    assert sweep.outcomes[2].names == ("field_safety_lead_years_before_arrival", "field_lead_years_before_arrival")
    assert sweep.base.population.entrants_per_year == 20


def test_shipped_sweeps_load_and_open_with_a_question():
    folder = Path(__file__).resolve().parents[1] / "scenarios" / "sweeps"
    files = sorted(folder.glob("*.yaml"))
    assert {f.stem for f in files} >= {"mentorship-x-grant-length", "timelines-x-track", "sobol-baseline"}
    for f in files:
        assert f.read_text().startswith("# Question:"), f
        sweep = load_sweep_file(f)
        assert sweep.base.population.entrants_per_year <= 100
        # a few minutes on two cores at 100 entrants a year (the Sobol sweep: 2,048 runs, about 2 minutes)
        assert point_count(sweep.design, sweep.factors) * sweep.replications <= 2048


def test_mix_share_rescales_the_other_shares(tmp_path):
    body = """\
    factors:
      - path: population.track_mix.phd
        range: [0.2, 0.8]
        rescale_others: true
    design: {kind: grid, levels: 3}
    outcomes: [p_lead]
    """
    sweep = load_sweep_file(write_sweep(tmp_path, body))
    scenario = sweep.scenario_at({"population.track_mix.phd": 0.8})
    mix = scenario.population.track_mix
    assert mix.phd == 0.8
    assert mix.independent == pytest.approx(0.2 * 25 / 60) and mix.contributor == pytest.approx(0.2 * 35 / 60)


BAD = [
    # (sweep body, the line the error names, text the message must contain)
    (
        "factors:\n  - path: independent.mentor_hour\n    range: [0, 1]\ndesign: {kind: grid}\noutcomes: [p_lead]\n",
        5,
        "factors[0].path: 'independent.mentor_hour' is not a scenario parameter (did you mean 'independent.mentor_hours'?)",
    ),
    (
        "factors:\n  - path: grants.grant_length\n    range: [3 years, 1 year]\ndesign: {kind: grid}\noutcomes: [p_lead]\n",
        6,
        "factors[0].range: low 3 is not below high 1",
    ),
    (
        "factors:\n  - path: grants.grant_length\n    range: [1, 3]\ndesign: {kind: latin}\noutcomes: [p_lead]\n",
        7,
        "design.kind: got 'latin'",
    ),
    (
        "factors:\n  - path: grants.grant_length\n    range: [1, 3]\ndesign: {kind: saltelli, points: 100}\noutcomes: [p_lead]\n",
        7,
        "design.points: got 100 (expected a power of 2 such as 64 or 128",
    ),
    (
        "factors:\n  - path: grants.grant_length\n    range: [1, 3]\ndesign: {kind: grid}\noutcomes: [p_lead, p_led_phd]\n",
        8,
        "outcomes[1]: 'p_led_phd' is not a metric of a replication (did you mean 'p_lead_phd'?)",
    ),
    (
        "factors:\n  - path: independent.focus_match_share\n    range: [0.5, 1.5]\ndesign: {kind: grid}\noutcomes: [p_lead]\n",
        6,
        "factors[0].range: the value 1.5 is not valid for independent.focus_match_share",
    ),
    (
        "factors:\n  - path: population.track_mix.phd\n    range: [0.2, 0.6]\ndesign: {kind: grid}\noutcomes: [p_lead]\n",
        6,
        "factors[0].range: the value 0.2 is not valid for population.track_mix.phd: population: track_mix: shares "
        "must add up to 1; they add up to 0.8; add 'rescale_others: true'",
    ),
    (
        "factors:\n  - path: grants.grant_length\n    range: [1, 3]\ndesign: {kind: grid}\noutcomes: [p_lead]\nreplicatons: 3\n",
        9,
        "replicatons: unknown key 'replicatons' (did you mean 'replications'?)",
    ),
    (
        "factors:\n  - path: grants.grant_length\n    range: [1, 3]\ndesign: {kind: grid}\noutcomes: ['__import__(\"os\")']\n",
        8,
        "outcomes[0]: '__import__(\"os\")' uses a call of __import__(), which outcome expressions do not allow",
    ),
    (
        "factors:\n  - path: grants.grant_length\n    range: [1, 3]\n    levels: [1, 2]\ndesign: {kind: grid}\noutcomes: [p_lead]\n",
        5,
        "factors[0]: gives range and levels (expected exactly one of",
    ),
    (
        "factors:\n  - path: grants.grant_length\n    range: [1, 3]\ndesign: {kind: lhs}\noutcomes: [p_lead]\n",
        7,
        "design: a lhs design needs 'points:'",
    ),
    (
        "factors: []\ndesign: {kind: grid}\noutcomes: [p_lead]\n",
        4,
        "factors: got an empty list (expected a non-empty list",
    ),
    (
        "factors:\n  - path: grants.grant_length\n    range: [1, 3]\ndesign: {kind: grid}\noutcomes: []\n",
        8,
        "outcomes: got an empty list (expected a non-empty list of metric names or expressions)",
    ),
    (
        "factors:\n  - path: grants.grant_length\n    range: [1, 3]\ndesign: {kind: grid}\noutcomes: ['p_lead ** 9']\n",
        8,
        "outcomes[0]: 'p_lead ** 9' uses the operator **, which outcome expressions do not allow",
    ),
    (
        "factors:\n  - path: grants.grant_length\n    range: [1, 3]\ndesign: {kind: grid}\noutcomes: ['p_lead.real']\n",
        8,
        "outcomes[0]: 'p_lead.real' uses an attribute ('.real'), which outcome expressions do not allow",
    ),
    (
        "factors:\n  - path: learning.dose_response\n    range: [0, 1]\ndesign: {kind: grid}\noutcomes: [p_lead]\n",
        6,
        "factors[0].range: 'learning.dose_response' is not a number, so it takes 'levels:' (expected levels such as 'saturating', 'linear', 'threshold')",
    ),
]


@pytest.mark.parametrize("body, line, text", BAD, ids=[b[2][:40] for b in BAD])
def test_bad_sweep_files_give_located_exit_2_errors(tmp_path, capsys, monkeypatch, body, line, text):
    monkeypatch.chdir(tmp_path)
    path = write_sweep(tmp_path, body, name="bad")
    status = cli.main(["sweep", str(path), "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert status == 2
    assert "Traceback" not in err
    assert f"bad.yaml:{line}: {text}" in err, err
    assert not (tmp_path / "out").exists()


def test_missing_base_is_located(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: s\nbase: nowhere.yaml\nfactors:\n  - {path: grants.grant_length, range: [1, 3]}\n"
        "design: {kind: grid}\noutcomes: [p_lead]\n"
    )
    assert cli.main(["sweep", str(path)]) == 2
    assert "s.yaml:2: base: cannot find 'nowhere.yaml'" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# designs
# ---------------------------------------------------------------------------

DESIGNS = """\
factors:
  - path: grants.grant_length
    range: [0.5, 3]
  - path: exits.leave
    range: [0.01, 0.1]
    scale: log
  - path: phd.advisors
    distribution: "uniform(5, 15)"
  - path: learning.dose_response
    levels: [saturating, linear]
design: {design}
outcomes: [p_lead]
"""


@pytest.mark.parametrize(
    "design, n",
    [
        ("{kind: grid, levels: 3}", 3 * 3 * 3 * 2),
        ("{kind: random, points: 50}", 50),
        ("{kind: lhs, points: 40}", 40),
        ("{kind: sobol, points: 32}", 32),
        ("{kind: saltelli, points: 16}", 16 * (4 + 2)),
        ("{kind: morris, trajectories: 5, levels: 4}", 5 * (4 + 1)),
    ],
)
def test_designs_have_the_right_shape_and_ranges(tmp_path, design, n):
    sweep = load_sweep_file(write_sweep(tmp_path, DESIGNS.format(design=design)))
    table = points_table(sweep)
    assert len(table) == n == point_count(sweep.design, sweep.factors)
    assert list(table["point"]) == list(range(n))
    assert table["grants.grant_length"].between(0.5, 3).all()
    assert table["exits.leave"].between(0.01, 0.1 + 1e-12).all()
    advisors = table["phd.advisors"]
    assert advisors.between(5, 15).all() and (advisors == advisors.round()).all()  # a count: whole numbers
    assert set(table["learning.dose_response"]) <= {"saturating", "linear"}
    units = table[[c for c in table if c.startswith("u:")]].to_numpy()
    assert ((units >= 0) & (units <= 1)).all()
    again = points_table(load_sweep_file(write_sweep(tmp_path, DESIGNS.format(design=design))))
    pd.testing.assert_frame_equal(table, again)  # deterministic given the seed


def test_lhs_is_stratified_and_log_scale_is_geometric(tmp_path):
    sweep = load_sweep_file(write_sweep(tmp_path, DESIGNS.format(design="{kind: lhs, points: 20}")))
    table = points_table(sweep)
    for path in ("grants.grant_length", "exits.leave"):
        u = table[f"u:{path}"].to_numpy()
        assert sorted(np.floor(u * 20).astype(int)) == list(range(20))
    u = table["u:exits.leave"].to_numpy()
    assert np.allclose(table["exits.leave"], 0.01 * (0.1 / 0.01) ** u)


def test_grid_covers_every_combination(tmp_path):
    sweep = load_sweep_file(write_sweep(tmp_path))
    table = points_table(sweep)
    combos = set(zip(table["independent.mentor_hours"], table["grants.grant_length"]))
    assert combos == {(m, g) for m in (0.0, 0.5, 1.0) for g in (1.0, 2.0)}


# ---------------------------------------------------------------------------
# running: determinism, shards, resume, chunks
# ---------------------------------------------------------------------------


def test_table_has_one_row_per_run_with_keys_and_factors(tmp_path):
    path = write_sweep(tmp_path)
    sweep = load_sweep_file(path)
    out = tmp_path / "out"
    run = run_sweep(sweep, out, SerialExecutor(), chunk_rows=5)
    table = read_results([out])
    assert (run.planned, run.done, run.failed, run.skipped) == (12, 12, 0, 0)
    assert list(table.columns[:6]) == [
        "point",
        "replication",
        "key",
        "seed",
        "independent.mentor_hours",
        "grants.grant_length",
    ]
    assert list(zip(table["point"], table["replication"])) == [(p, r) for p in range(6) for r in range(2)]
    assert table["error"].isna().all() and (table["seed"] == 7).all()
    assert table["key"].is_unique
    row = table.iloc[3]
    values = {
        "independent.mentor_hours": row["independent.mentor_hours"],
        "grants.grant_length": row["grants.grant_length"],
    }
    assert row["key"] == run_key(sweep.base_hash, values, int(row["replication"]), 7)
    assert len(list((out / "chunks").glob("chunk-*.parquet"))) == 2  # flushed once 5 rows are waiting
    assert {"p_lead", "claim_C3_holds", "util_grantmaker_time"} <= set(table.columns)


def test_one_worker_and_two_workers_give_identical_tables(tmp_path):
    path = write_sweep(tmp_path)
    ref = reference(tmp_path, path)
    run_sweep(load_sweep_file(path), tmp_path / "pool", PoolExecutor(2), chunk_rows=3)
    pd.testing.assert_frame_equal(read_results([tmp_path / "pool"]), ref)


def test_shards_in_one_folder_or_separate_folders_merge_to_the_same_table(tmp_path):
    path = write_sweep(tmp_path)
    ref = reference(tmp_path, path)
    sweep = load_sweep_file(path)
    for i in range(3):
        run = run_sweep(sweep, tmp_path / "same", SerialExecutor(), shard=(i, 3))
        assert run.points == 2
        run_sweep(sweep, tmp_path / f"part{i}", SerialExecutor(), shard=(i, 3))
    pd.testing.assert_frame_equal(read_results([tmp_path / "same"]), ref)
    pd.testing.assert_frame_equal(read_results([tmp_path / f"part{i}" for i in range(3)]), ref)


def test_rerun_skips_done_runs_and_resume_completes_identically(tmp_path):
    path = write_sweep(tmp_path)
    ref = reference(tmp_path, path)
    sweep = load_sweep_file(path)
    out = tmp_path / "out"
    run_sweep(sweep, out, SerialExecutor(), shard=(0, 2))  # half the points
    resumed = run_sweep(sweep, out, PoolExecutor(2), resume=True)
    assert (resumed.skipped, resumed.done) == (6, 6)
    again = run_sweep(sweep, out, SerialExecutor())
    assert (again.skipped, again.done) == (12, 0)
    pd.testing.assert_frame_equal(read_results([out]), ref)


def test_more_replications_reuse_the_stored_ones(tmp_path):
    path = write_sweep(tmp_path)
    out = tmp_path / "out"
    run_sweep(load_sweep_file(path), out, SerialExecutor())
    path.write_text(path.read_text().replace("replications: 2", "replications: 3"))
    run = run_sweep(load_sweep_file(path), out, SerialExecutor())
    assert (run.skipped, run.done) == (12, 6)
    assert len(read_results([out])) == 18


def test_a_different_sweep_in_the_same_folder_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_sweep(tmp_path)
    assert cli.main(["sweep", str(path), "--out", "out", "--quiet", "--workers", "1"]) == 0
    path.write_text(path.read_text().replace("seed: 7", "seed: 8"))
    capsys.readouterr()
    assert cli.main(["sweep", str(path), "--out", "out", "--quiet", "--workers", "1"]) == 2
    assert "holds the results of a different sweep" in capsys.readouterr().err
    assert cli.main(["sweep", str(path), "--out", "elsewhere", "--resume", "--quiet"]) == 2
    assert "holds no sweep to resume" in capsys.readouterr().err


def test_torn_ledger_lines_and_uncommitted_chunks_are_ignored(tmp_path):
    path = write_sweep(tmp_path)
    ref = reference(tmp_path, path)
    out = tmp_path / "out"
    sweep = load_sweep_file(path)
    run_sweep(sweep, out, SerialExecutor(), chunk_rows=4)
    ledger = out / LEDGER
    lines = [line for line in ledger.read_text().splitlines() if line.strip()]
    # a crash after the rename but before the ledger line: the last chunk is on disk but not committed
    ledger.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][: len(lines[-1]) // 2])
    (out / "chunks" / ".tmp-chunk-partial.parquet").write_bytes(b"PAR1 torn")
    assert len(read_results([out])) == 8
    run = run_sweep(sweep, out, SerialExecutor())
    assert run.done == 4  # only the uncommitted runs are redone
    pd.testing.assert_frame_equal(read_results([out]), ref)
    assert read_results([out])["key"].is_unique


# ---------------------------------------------------------------------------
# failures and replay
# ---------------------------------------------------------------------------

INVALID_COMBINATIONS = """\
factors:
  - path: phd.industry_share
    levels: [0.5, 0.85]
  - path: phd.independent_share
    levels: [0.0, 0.3]
design: {kind: grid}
replications: 2
outcomes: [new_leads]
"""


def test_failed_runs_are_recorded_and_do_not_stop_the_sweep(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_sweep(tmp_path, INVALID_COMBINATIONS)
    assert cli.main(["sweep", str(path), "--out", "out", "--workers", "2"]) == 0
    assert "(2 failed)" in capsys.readouterr().out
    table = read_results([tmp_path / "out"])
    failed = table[table["error"].notna()]
    assert len(table) == 8 and list(failed["point"]) == [3, 3]  # 0.95 + 0.3 > 1
    assert "industry_share + phd.independent_share must be at most 1" in failed["error"].iloc[0]
    assert failed["entrants"].isna().all() and table.loc[table["error"].isna(), "entrants"].notna().all()
    key = failed["key"].iloc[0]
    assert cli.main(["replay", "out", key[:10]]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "must be at most 1" in err and "point 3, replication 0" in err
    # failed runs are kept, not retried, unless asked
    assert run_sweep(load_sweep_file(path), tmp_path / "out", SerialExecutor()).done == 0
    assert run_sweep(load_sweep_file(path), tmp_path / "out", SerialExecutor(), retry_failed=True).done == 2


def test_an_engine_failure_is_kept_with_its_seed_and_replays_alone(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_sweep(tmp_path)
    monkeypatch.setenv(FAULT_ENV, "4/1")
    assert cli.main(["sweep", str(path), "--out", "out", "--workers", "2", "--quiet"]) == 0
    table = read_results([tmp_path / "out"])
    bad = table[table["error"].notna()]
    assert list(zip(bad["point"], bad["replication"])) == [(4, 1)] and bad["seed"].iloc[0] == 7
    assert "injected test fault at point 4, replication 1" in bad["error"].iloc[0]
    key = bad["key"].iloc[0]
    capsys.readouterr()
    assert cli.main(["replay", "out", key]) == 1
    assert "injected test fault" in capsys.readouterr().err
    monkeypatch.delenv(FAULT_ENV)
    assert cli.main(["replay", "out", key, "--json"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["entrants"] > 0
    assert "The stored run had failed; this replay worked." in captured.err
    good = table[table["error"].isna()]["key"].iloc[0]
    assert cli.main(["replay", "out", good[:8]]) == 0
    assert "The replay matches the stored result." in capsys.readouterr().err
    assert cli.main(["replay", "out", "zzzzzz"]) == 2
    assert cli.main(["replay", "out", "abc"]) == 2


# ---------------------------------------------------------------------------
# analysis
# ---------------------------------------------------------------------------


def test_expressions_compare_and_propagate_missing_values():
    table = pd.DataFrame({"a": [0.1, 0.5, np.nan], "b": [0.2, 0.2, 0.2], "s": ["x", "y", None]})
    assert np.array_equal(evaluate_expression("a - b > 0", table), [0.0, 1.0, np.nan], equal_nan=True)
    assert np.array_equal(evaluate_expression("s == 'y'", table), [0.0, 1.0, np.nan], equal_nan=True)
    assert np.allclose(evaluate_expression("abs(b - a) * 2", table)[:2], [0.2, 0.6])


def test_variance_split_recovers_known_components():
    rng = np.random.default_rng(3)
    points, reps = 400, 8
    effect = rng.normal(0, 2.0, points)  # between-point variance 4
    y = np.repeat(effect, reps) + rng.normal(0, 1.0, points * reps)  # within-point variance 1
    v = variance_split(np.repeat(np.arange(points), reps), y)
    assert v["within_point_variance"] == pytest.approx(1.0, rel=0.05)
    assert v["parameter_variance"] == pytest.approx(4.0, rel=0.15)
    assert v["parameter_share"] == pytest.approx(0.8, abs=0.03)


def test_tree_finds_the_box_where_a_claim_holds():
    rng = np.random.default_rng(1)
    x = rng.random((2000, 3))
    y = ((x[:, 0] > 0.6) & (x[:, 1] <= 0.3)).astype(float)
    rules = tree_rules(grow_tree(x, y, max_depth=2), [{"path": f"f{i}", "unit": ""} for i in range(3)])
    best = rules[0]
    assert best["share"] == 1.0
    assert re.fullmatch(
        r"Where f0 > 0\.(59|6)\d* and f1 ≤ 0\.(29|3)\d*, it holds in 100% of runs \(\d+ runs\)\.", best["text"]
    ), best["text"]


@pytest.mark.parametrize(
    "design, method, keys",
    [
        ("{kind: saltelli, points: 8}", "sobol", {"S1", "S1_conf", "ST", "ST_conf"}),
        ("{kind: morris, trajectories: 5, levels: 4}", "morris", {"mu_star", "mu_star_conf", "sigma"}),
        ("{kind: lhs, points: 16}", "given-data", {"S1", "S1_conf", "PAWN_median"}),
    ],
)
def test_analyze_writes_indices_variance_regions_and_report(tmp_path, capsys, monkeypatch, design, method, keys):
    monkeypatch.chdir(tmp_path)
    body = f"""\
    factors:
      - path: exits.leave
        range: [0.01, 0.3]
        role: lever
      - path: positions.adjacent_org
        range: [2, 12]
    design: {design}
    replications: 1
    outcomes: [exit_left_for_other_work, claim_C3_holds]
    """
    path = write_sweep(tmp_path, body)
    run_sweep(load_sweep_file(path), tmp_path / "out", PoolExecutor(2))
    assert cli.main(["analyze", "out"]) == 0
    printed = capsys.readouterr().out
    assert "exit_left_for_other_work" in printed and "Report: out/report.html" in printed
    # the terminal says what the page says: indices with a convergence verdict, or why there are none
    assert "convergence:" in printed or "chance dominates" in printed or "too uncertain" in printed
    analysis = json.loads((tmp_path / "out" / "analysis.json").read_text())
    exits = analysis["outcomes"]["exit_left_for_other_work"]
    assert exits["method"] == method
    assert [r["factor"] for r in exits["indices"]] == ["exits.leave", "positions.adjacent_org"]
    assert keys <= set(exits["indices"][0])
    main = {"sobol": "ST", "morris": "mu_star", "given-data": "S1"}[method]
    assert exits["indices"][0][main] > exits["indices"][1][main]  # leaving is driven by the hazard of leaving
    assert {"within_point_variance", "between_point_variance"} <= set(exits["variance"])
    assert analysis["runs"]["completed"] == analysis["runs"]["expected"]
    claim = analysis["outcomes"]["claim_C3_holds"]
    assert claim["binary"] and claim["regions"]["rules"]
    html = (tmp_path / "out" / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 3 and "<script" not in html
    assert "Provenance" in html and "tiny-sweep" in html


def test_report_escapes_text_from_the_sweep_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_sweep(tmp_path, DEFAULT_BODY + "description: <script>alert(1)</script>\n")
    run_sweep(load_sweep_file(path), tmp_path / "out", SerialExecutor())
    _, report, _ = write_analysis([tmp_path / "out"], tmp_path / "elsewhere" / "r.html")
    html = report.read_text()
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert (tmp_path / "elsewhere" / "analysis.json").exists()


def test_analyze_works_on_an_incomplete_saltelli_sweep(tmp_path):
    body = """\
    factors:
      - {path: exits.leave, range: [0.01, 0.3]}
      - {path: positions.growth, range: [0.0, 0.2]}  # not a count: counts are rounded, and equal points run once
    design: {kind: saltelli, points: 8}
    replications: 1
    outcomes: [exit_left_for_other_work]
    """
    path = write_sweep(tmp_path, body)
    run_sweep(load_sweep_file(path), tmp_path / "out", SerialExecutor(), shard=(0, 2))
    _, _, analysis = write_analysis([tmp_path / "out"])
    exits = analysis["outcomes"]["exit_left_for_other_work"]
    assert exits["method"] == "given-data" and "incomplete" in exits["note"]
    assert analysis["runs"]["missing"] == 16


def test_store_refuses_a_folder_of_other_files(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    path = write_sweep(tmp_path)
    assert cli.main(["sweep", str(path), "--out", "busy", "--quiet"]) == 2
    assert "not a careersim sweep" in capsys.readouterr().err
    assert cli.main(["analyze", "busy"]) == 2
    assert "is not a sweep's output folder" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "busy").iterdir()] == ["notes.txt"]  # nothing written there
    assert (tmp_path / "busy" / "notes.txt").read_text() == "mine"


def test_a_retried_failure_that_works_replaces_the_failure(tmp_path, monkeypatch):
    path = write_sweep(tmp_path)
    ref = reference(tmp_path, path)
    out = tmp_path / "out"
    monkeypatch.setenv(FAULT_ENV, "1/0,2/1")
    assert run_sweep(load_sweep_file(path), out, SerialExecutor()).failed == 2
    monkeypatch.delenv(FAULT_ENV)
    assert run_sweep(load_sweep_file(path), out, SerialExecutor()).done == 0  # failures are kept...
    assert run_sweep(load_sweep_file(path), out, SerialExecutor(), retry_failed=True).done == 2  # ...unless retried
    pd.testing.assert_frame_equal(read_results([out]), ref)
    assert Store(out).completed() == {k: False for k in ref["key"]}


def test_ctrl_c_keeps_the_finished_runs(tmp_path, monkeypatch):
    import careersim.experiments.sweep.executors as ex

    path = write_sweep(tmp_path)
    ref = reference(tmp_path, path)
    out = tmp_path / "out"
    real, calls = ex.run_one, []

    def interrupted(*args):
        calls.append(args)
        if len(calls) == 7:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(ex, "run_one", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(load_sweep_file(path), out, SerialExecutor(), chunk_rows=100, flush_seconds=1e9)
    assert len(read_results([out])) == 6  # the six runs before the interrupt were committed on the way out
    monkeypatch.setattr(ex, "run_one", real)
    run_sweep(load_sweep_file(path), out, SerialExecutor(), resume=True)
    pd.testing.assert_frame_equal(read_results([out]), ref)


def test_independent_seeding_gives_each_point_its_own_seed(tmp_path):
    path = write_sweep(tmp_path, DEFAULT_BODY + "seeding: independent\n")
    sweep = load_sweep_file(path)
    run_sweep(sweep, tmp_path / "a", SerialExecutor())
    run_sweep(sweep, tmp_path / "b", PoolExecutor(2), shard=(0, 2))
    run_sweep(sweep, tmp_path / "b", PoolExecutor(2), shard=(1, 2))
    a = read_results([tmp_path / "a"])
    assert a.groupby("point")["seed"].nunique().eq(1).all() and a["seed"].nunique() == 6
    pd.testing.assert_frame_equal(read_results([tmp_path / "b"]), a)


def test_analyze_a_sweep_with_no_committed_runs(tmp_path):
    path = write_sweep(tmp_path)
    out = tmp_path / "out"
    run_sweep(load_sweep_file(path), out, SerialExecutor())
    (out / LEDGER).write_text("")
    _, report, analysis = write_analysis([out])
    assert analysis["runs"] == {"expected": 12, "completed": 0, "failed": 0, "missing": 12}
    assert "0 of 12 runs complete" in report.read_text()


def test_dry_run_prints_the_plan_and_writes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_sweep(tmp_path)
    assert cli.main(["sweep", str(path), "--dry-run", "--out", "out"]) == 0
    printed = capsys.readouterr().out
    assert "6 points × 2 replications = 12 runs" in printed and "independent.mentor_hours (lever)" in printed
    assert not (tmp_path / "out").exists()


def test_a_worker_process_that_dies_is_recorded_and_the_rest_completes(tmp_path, monkeypatch):
    path = write_sweep(tmp_path)
    ref = reference(tmp_path, path)
    monkeypatch.setenv(FAULT_ENV, "3/1!")  # this run ends its worker process, every time
    out = tmp_path / "out"
    run = run_sweep(load_sweep_file(path), out, PoolExecutor(2))
    assert (run.done, run.failed) == (12, 1)
    table = read_results([out])
    bad = table[table["error"].notna()]
    assert list(zip(bad["point"], bad["replication"])) == [(3, 1)]
    assert "worker process running this run died" in bad["error"].iloc[0]
    good = table["error"].isna()
    pd.testing.assert_frame_equal(table[good].reset_index(drop=True), ref[good.to_numpy()].reset_index(drop=True))


# ---------------------------------------------------------------------------
# the Python API
# ---------------------------------------------------------------------------


def test_the_python_api_runs_resumes_and_loads_tidy_tables(tmp_path):
    import careersim.experiments.sweep.api as api

    path = write_sweep(tmp_path)
    out = tmp_path / "out"
    res = api.sweep(path, out, workers=1)
    assert (res.run.planned, res.run.done) == (12, 12)
    ref = reference(tmp_path, path)
    exp = res.experiments
    assert list(exp.columns) == [
        "point",
        "replication",
        "key",
        "seed",
        "independent.mentor_hours",
        "grants.grant_length",
    ]
    pd.testing.assert_frame_equal(exp, ref[exp.columns].reset_index(drop=True))
    outcomes = res.outcomes
    assert list(outcomes.columns) == [
        "field_lead_years_before_arrival",
        "claim_C3_holds",
        "field_safety_lead_years_before_arrival / field_lead_years_before_arrival > 0.4",
    ]
    assert len(outcomes) == len(exp) == 12
    np.testing.assert_array_equal(outcomes["field_lead_years_before_arrival"], ref["field_lead_years_before_arrival"])
    experiments, arrays = res.results()  # EMA Workbench's (experiments, {outcome: array}) pair
    assert set(arrays) == set(outcomes.columns) and all(len(a) == len(experiments) for a in arrays.values())
    again = api.sweep(load_sweep_file(path), out)  # resumable: nothing left to run
    assert again.run.done == 0 and again.run.skipped == 12
    loaded = api.load_sweep(out)
    pd.testing.assert_frame_equal(loaded.table, res.table)
    analysis = loaded.analyze()
    indices = analysis.to_df()
    assert {"outcome", "factor", "S1"} <= set(indices.columns)
    variance = analysis.variance.to_df()
    assert list(variance["outcome"]) == list(outcomes.columns) and "verdict" in variance
    shown = variance["verdict"].isin(["parameters", "unknown"])  # two factors each where indices are shown
    assert len(indices) == 2 * shown.sum() and set(indices["outcome"]) == set(variance["outcome"][shown])
    assert set(analysis.convergence.to_df()["outcome"]) == set(outcomes.columns)
    assert analysis["claim_C3_holds"]["binary"]
    assert "tiny-sweep" in repr(loaded)


def test_the_api_refuses_a_folder_of_another_sweep(tmp_path):
    import careersim.experiments.sweep.api as api
    from careersim.experiments.sweep import StoreError

    api.sweep(write_sweep(tmp_path / "a"), tmp_path / "out", workers=1)
    other = write_sweep(tmp_path / "b", DEFAULT_BODY.replace("seed: 7", "seed: 8"))
    with pytest.raises(StoreError, match="different sweep"):
        api.sweep(other, tmp_path / "out", workers=1)


# ---------------------------------------------------------------------------
# the declared format: validation, JSON Schema and reference page from one declaration
# ---------------------------------------------------------------------------


def test_the_loader_takes_keys_choices_and_defaults_from_the_declared_format():
    from careersim.config import sweeps
    from careersim.config.sweep_format import DESIGN_MODELS, FactorSpec, SweepFile, field_names

    assert sweeps.TOP_KEYS == field_names(SweepFile) and "outcomes" in sweeps.TOP_KEYS
    assert sweeps.FACTOR_KEYS == field_names(FactorSpec)
    assert sweeps.DESIGN_KINDS == ("grid", "random", "lhs", "sobol", "saltelli", "morris") == tuple(DESIGN_MODELS)
    assert sweeps.DESIGN_SETTINGS["morris"] == {"trajectories": None, "levels": 4}
    assert sweeps.DESIGN_SETTINGS["grid"] == {"levels": 5}
    assert sweeps.ROLES == ("uncertainty", "lever") and sweeps.GOALS == ("maximize", "minimize")


@pytest.mark.parametrize(
    "outcome, line, text",
    [
        ("{expr: p_lead, goal: max}", 8, "outcomes[0].goal: got 'max' (expected 'maximize' or 'minimize')"),
        ("{expr: p_lead, threshold: high}", 8, "outcomes[0].threshold: got 'high' (expected a number)"),
        ("{expr: p_lead, gaol: maximize}", 8, "outcomes[0].gaol: unknown key 'gaol' (did you mean 'goal'?)"),
    ],
)
def test_outcome_goals_and_thresholds_are_checked(tmp_path, capsys, monkeypatch, outcome, line, text):
    monkeypatch.chdir(tmp_path)
    body = (
        f"factors:\n  - path: grants.grant_length\n    range: [1, 3]\ndesign: {{kind: grid}}\noutcomes: [{outcome}]\n"
    )
    path = write_sweep(tmp_path, body, name="bad")
    assert cli.main(["sweep", str(path), "--dry-run"]) == 2
    assert f"bad.yaml:{line}: {text}" in capsys.readouterr().err


def test_goals_reach_the_manifest_and_the_analysis(tmp_path):
    body = (
        DEFAULT_BODY.replace("  - claim_C3_holds\n", "  - {expr: claim_C3_holds, goal: maximize}\n")
        .replace(
            "  - field_lead_years_before_arrival\n",
            "  - {expr: field_lead_years_before_arrival, goal: maximize, threshold: 1}\n",
        )
        .replace("    levels: [1 year, 2 years]\n", "    levels: [1 year, 2 years]\n    role: uncertainty\n")
    )
    sweep = load_sweep_file(write_sweep(tmp_path, body))
    assert [(o.goal, o.threshold) for o in sweep.outcomes] == [("maximize", 1.0), ("maximize", None), (None, None)]
    assert sweep.to_json()["outcome_goals"] == {
        "field_lead_years_before_arrival": {"goal": "maximize", "threshold": 1.0},
        "claim_C3_holds": {"goal": "maximize"},
    }
    run_sweep(sweep, tmp_path / "out", SerialExecutor())
    _, _, analysis = write_analysis([tmp_path / "out"])
    robust = analysis["outcomes"]["field_lead_years_before_arrival"]["robustness"]
    assert robust["levers"] == ["independent.mentor_hours"] and robust["uncertainties"] == ["grants.grant_length"]
    assert len(robust["settings"]) == 3 and robust["uncertainty_points_used"] == 2
    assert min(s["max_regret"] for s in robust["settings"]) >= 0 and "satisficing" in robust["settings"][0]
    assert analysis["outcomes"]["claim_C3_holds"]["robustness"]["threshold"] == 0.5  # a yes/no outcome's default
    assert "prim" in analysis["outcomes"]["field_lead_years_before_arrival"]  # a thresholded outcome


def test_the_shipped_sweeps_fit_the_declared_format():
    import yaml

    from careersim.config.sweep_format import SweepFile

    for f in sorted((Path(__file__).resolve().parents[1] / "scenarios" / "sweeps").glob("*.yaml")):
        SweepFile.model_validate(yaml.safe_load(f.read_text()))


def test_the_json_schema_comes_from_the_declared_format():
    from careersim.config.sweep_format import sweep_json_schema

    schema = sweep_json_schema()
    assert schema["required"] == ["base", "factors", "design", "outcomes"]
    assert schema["additionalProperties"] is False
    design = schema["properties"]["design"]
    assert design["discriminator"]["propertyName"] == "kind"
    assert set(design["discriminator"]["mapping"]) == {"grid", "random", "lhs", "sobol", "saltelli", "morris"}
    factor = schema["$defs"]["FactorSpec"]
    assert factor["properties"]["role"]["enum"] == ["uncertainty", "lever"]
    assert factor["oneOf"] == [{"required": ["range"]}, {"required": ["levels"]}, {"required": ["distribution"]}]
    assert all(p.get("description") for p in schema["properties"].values())
    json.dumps(schema)  # plain JSON


def test_the_sweep_reference_page_is_up_to_date():
    from careersim.reporting import sweep_reference

    assert sweep_reference.main(["--check"]) == 0, "run `python -m careersim.reporting.sweep_reference`"
    text = sweep_reference.SWEEPS_MD.read_text()
    from careersim.config.sweep_format import SweepFile

    for key, info in SweepFile.model_fields.items():  # every key with its description
        assert f"| `{key}` |" in text and info.description.split(".")[0] in text


def test_a_factor_the_posterior_fits_is_refused(tmp_path, capsys, monkeypatch):
    """A factor on a parameter the base draws from a posterior would be replaced in every run."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "fitted.yaml"
    path.write_text(
        "# Question: a test sweep.\nname: fitted\nbase: baseline\nfactors:\n  - path: phd.duration\n"
        "    range: [4, 6]\ndesign: {kind: grid}\noutcomes: [p_lead]\n"
    )
    status = cli.main(["sweep", str(path), "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err
    assert (
        "fitted.yaml:5: factors[0].path: phd.duration is fitted by the base scenario's calibration posterior" in err
    ), err
    assert not (tmp_path / "out").exists()


def test_analyze_out_writes_only_a_report_file_it_may_replace(tmp_path, capsys, monkeypatch):
    """``analyze --out`` takes a .html file name: a folder, a file careersim did not write (the
    report or the analysis.json beside it) or an unwritable place is refused before any work, and
    nothing is written; its own earlier report and analysis are replaced."""
    monkeypatch.chdir(tmp_path)
    run_sweep(load_sweep_file(write_sweep(tmp_path)), tmp_path / "out", SerialExecutor())
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.txt").write_text("my thesis")
    (mine / "notes.html").write_text("<p>mine</p>")
    refused = {
        "mine/thesis.txt": "mine/thesis.txt exists and is not a careersim sweep report",
        "mine/notes.html": "mine/notes.html exists and is not a careersim sweep report",
        "mine": "--out: mine is a folder (expected a file name such as mine/report.html)",
        "mine/report.txt": "expected a file name ending in .html",
        "/proc/x/report.html": "cannot make the output file /proc/x/report.html",
    }
    for out, message in refused.items():
        assert cli.main(["analyze", "out", "--out", out, "--quiet"]) == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err
    assert sorted(p.name for p in mine.iterdir()) == ["notes.html", "thesis.txt"]
    assert (mine / "thesis.txt").read_text() == "my thesis"
    assert not (tmp_path / "analysis.json").exists()
    # an analysis.json beside the report that careersim did not write is kept too
    (mine / "analysis.json").write_text('{"mine": 1}')
    assert cli.main(["analyze", "out", "--out", "mine/report.html", "--quiet"]) == 2
    assert "mine/analysis.json exists and is not an analysis careersim wrote" in capsys.readouterr().err
    assert not (mine / "report.html").exists()
    # a new place, then the same place again: its own files are replaced
    for _ in range(2):
        assert cli.main(["analyze", "out", "--out", "sens/report.html", "--quiet"]) == 0
        assert sorted(p.name for p in (tmp_path / "sens").iterdir()) == ["analysis.json", "report.html"]


def test_analyze_of_a_damaged_sweep_folder_is_a_located_error(tmp_path, capsys, monkeypatch):
    """A damaged chunk or points table is named with what was expected, never shown; nothing is written."""
    monkeypatch.chdir(tmp_path)
    run_sweep(load_sweep_file(write_sweep(tmp_path)), tmp_path / "out", SerialExecutor())
    chunk = sorted((tmp_path / "out" / "chunks").iterdir())[0]
    intact = chunk.read_bytes()
    chunk.write_bytes(b"\x00garbage")
    assert cli.main(["analyze", "out", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"out/chunks/{chunk.name}: cannot read it (not a Parquet table; expected a chunk of the sweep's runs" in err
    assert "Traceback" not in err and not (tmp_path / "out" / "report.html").exists()
    chunk.write_bytes(intact)
    manifest = tmp_path / "out" / "manifest.json"
    kept = manifest.read_text()
    for text, said in (("[1]", "got a list"), ("{}", "got no 'identity'")):
        manifest.write_text(text)
        assert cli.main(["analyze", "out", "--quiet"]) == 2
        err = capsys.readouterr().err
        assert f"manifest.json: expected a JSON object written by careersim, {said}" in err and "Traceback" not in err
    manifest.write_text(kept)
    (tmp_path / "out" / "points.parquet").unlink()
    assert cli.main(["analyze", "out", "--quiet"]) == 2
    assert "points.parquet: cannot read it (it is missing; expected the sweep's points" in capsys.readouterr().err


def test_a_value_the_reader_refuses_is_reported_once(tmp_path, capsys, monkeypatch):
    """NaN and infinity in a range are each refused where they are; the range is not refused again as empty."""
    monkeypatch.chdir(tmp_path)
    body = (
        "factors:\n  - path: grants.grant_length\n    range: [.nan, .inf]\ndesign: {kind: grid}\noutcomes: [p_lead]\n"
    )
    path = write_sweep(tmp_path, body, name="bad")
    assert cli.main(["sweep", str(path), "--dry-run"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [
        "bad.yaml:6: factors[0].range[0]: got .nan (expected a finite number such as 0.5)",
        "bad.yaml:6: factors[0].range[1]: got .inf (expected a finite number such as 0.5)",
    ], lines


def test_a_refused_value_does_not_hide_the_other_problems_around_it(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    body = (
        "factors:\n  - path: grants.grant_length\n    range: [.nan, 3]\n    levels: [1, 2]\n"
        "design: {kind: grid}\noutcomes: [p_lead]\nbogus: .nan\n"
    )
    path = write_sweep(tmp_path, body, name="bad")
    assert cli.main(["sweep", str(path), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml:6: factors[0].range[0]: got .nan" in err
    assert "factors[0]: gives range and levels" in err
    assert "bogus: unknown key 'bogus'" in err
