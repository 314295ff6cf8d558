"""Calibration: statistics, targets files, the loss, common random numbers,
recovery of known parameters, and the ``calibrate`` command's outputs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from careersim.experiments import calibrate as cal
from careersim import cli
from careersim.config.scenarios import load_scenario
from careersim.analysis.replication import Replication

from .conftest import tiny

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ROOT / "scenarios" / "calibration" / "targets.yaml"


# -- statistics on hand-made replications -----------------------------------------


def fake_rep(events: list[tuple], kinds: dict[int, str] | None = None, **inst) -> Replication:
    ev = pd.DataFrame(events, columns=["agent", "tick", "from_state", "to_state", "reason"])
    ev["year"] = ev["tick"] / 48
    n = int(ev["agent"].max()) + 1 if len(ev) else 1
    kinds = kinds or {}
    agents = pd.DataFrame({"agent": range(n), "contributor_kind": [kinds.get(i, "nonprofit") for i in range(n)],
                           "programme": False, "exit_year": np.nan})
    return Replication(agents=agents, events=ev, timeseries=pd.DataFrame(), summary={"p_lead": 0.25, "label": "x"},
                       parameters={}, institutions=inst)


def test_phd_statistics_follow_their_definitions() -> None:
    rep = fake_rep([
        (0, 0, "phd_applicant", "phd", "admitted"), (0, 240, "phd", "contributor", "graduated"),    # 5 years
        (1, 48, "phd_applicant", "phd", "admitted"), (1, 100, "phd", "exited", "exit"),             # dropped out
        (2, 480, "phd_applicant", "phd", "admitted"), (2, 696, "phd", "unfunded", "graduated"),     # 4.5 years
        (3, 600, "phd_applicant", "phd", "admitted"), (3, 888, "phd", "contributor", "graduated"),  # 6 years, too late for 10-year share
        (4, 10, "phd", "contributor", "graduated"),                                                 # existing field: no start
    ], kinds={0: "industry", 3: "academic", 4: "industry"})
    stat = cal.STATISTICS
    assert stat["phd_completion_share"](rep, 20.0, {"years": 10}) == pytest.approx(2 / 3)
    assert stat["phd_completion_share"](rep, 20.0, {"years": 4.9}) == pytest.approx(1 / 4)  # agent 2 of agents 0-3
    assert stat["phd_median_years"](rep, 20.0) == pytest.approx(5.0)
    assert stat["phd_industry_share"](rep, 20.0) == pytest.approx(2 / 4)  # agents 0 and 4 of 4 graduates
    assert stat["summary"](rep, 20.0, {"key": "p_lead"}) == 0.25
    assert math.isnan(stat["summary"](rep, 20.0, {"key": "label"}))


def test_grant_and_programme_statistics_follow_their_definitions() -> None:
    apps = pd.DataFrame({"agent": [0, 1, 2, 3, 4, 5], "submit": [0.0, 0, 4, 4, 8, 8],
                         "start": [0.0, 0, 4, 4, 8, np.nan], "decided": [8.0, 12, 16, 8, np.nan, np.nan],
                         "outcome": ["funded", "rejected", "no_money", "funded", "withdrawn", "open"]})
    prog = pd.DataFrame({"tick": [4, 28], "applicants": [100, 50], "insiders": [20, 10], "places": [10, 10], "admitted": [4, 1]})
    rep = fake_rep([(0, 0, "waiting", "unfunded", "entry")], grant_applications=apps, programme=prog)
    stat = cal.STATISTICS
    assert stat["grant_funded_share"](rep, 5.0) == pytest.approx(2 / 4)
    assert stat["grant_funded_share"](rep, 5.0, {"count_no_money": False}) == pytest.approx(2 / 3)
    # delays in months: 2, 3, 3, 1 -> median 2.5, mean 2.25
    assert stat["grant_decision_months"](rep, 5.0) == pytest.approx(2.5)
    assert stat["grant_decision_months"](rep, 5.0, {"mean": True}) == pytest.approx(2.25)
    assert stat["programme_acceptance_rate"](rep, 5.0) == pytest.approx(20 / 150)
    assert stat["programme_acceptance_rate"](rep, 5.0, {"insiders_only": True}) == pytest.approx(5 / 30)


def test_every_statistic_is_defined_on_a_real_replication() -> None:
    from careersim.analysis.replication import simulate

    rep = simulate(tiny(**{"run.horizon": 6.0}), 3, 0)
    for name, spec in cal.STATISTICS.items():
        options = {"key": "entrants"} if name == "summary" else {"years": 1} if "years" in spec.options else {}
        value = spec(rep, 6.0, options)
        assert math.isfinite(value), name


# -- targets files --------------------------------------------------------------------


def test_the_shipped_targets_load_with_sources() -> None:
    targets = cal.load_targets(TARGETS)
    assert len(targets) >= 6
    assert all(t.source and t.sd > 0 for t in targets)
    assert {t.statistic for t in targets} <= set(cal.STATISTICS)
    ranged = next(t for t in targets if t.range is not None)
    assert ranged.sd == pytest.approx((ranged.range[1] - ranged.range[0]) / 2 / 1.959964, rel=1e-5)


def test_a_range_without_value_uses_its_midpoint() -> None:
    (t,) = cal.parse_targets("targets:\n  - statistic: grant_funded_share\n    range: [0.1, 0.3]\n    source: x\n")
    assert t.value == pytest.approx(0.2) and t.name == "grant_funded_share"


BAD_TARGETS = [
    ("targets:\n  - statistic: grant_funded_shares\n    value: 0.2\n    sd: 0.05\n    source: x\n",
     "t.yaml:2: targets[0].statistic: unknown statistic 'grant_funded_shares' (did you mean 'grant_funded_share'?"),
    ("targets:\n  - statistic: grant_funded_share\n    value: 0.2\n    sd: -1\n    source: x\n",
     "t.yaml:4: targets[0].sd: got -1 (expected a positive number)"),
    ("targets:\n  - statistic: grant_funded_share\n    value: 0.2\n    range: [0.3, 0.1]\n    source: x\n",
     "t.yaml:4: targets[0].range: got [0.3, 0.1] (expected [low, high] with low < high"),
    ("targets:\n  - statistic: grant_funded_share\n    value: 0.2\n    sd: 0.1\n",
     "t.yaml:2: targets[0]: missing 'source'"),
    ("targets:\n  - statistic: grant_funded_share\n    value: 0.2\n    source: x\n",
     "t.yaml:2: targets[0]: missing uncertainty (expected 'sd: NUMBER' or 'range: [low, high]')"),
    ("targets:\n  - statistic: grant_funded_share\n    value: 0.2\n    sd: 0.1\n    source: x\n    wieght: 2\n",
     "t.yaml:6: targets[0]: unknown key 'wieght' (did you mean 'weight'?"),
    ("targets:\n  - statistic: phd_completion_share\n    options: {yeras: 10}\n    value: 0.5\n    sd: 0.1\n    source: x\n",
     "t.yaml:3: targets[0].options: 'phd_completion_share' has no option 'yeras' (did you mean 'years'?"),
    ("targets:\n  - statistic: grant_funded_share\n    value: high\n    sd: 0.1\n    source: x\n",
     "t.yaml:3: targets[0].value: got 'high' (expected a finite number)"),
    ("targets:\n  - statistic: grant_funded_share\n    value: 0.2\n    sd: 0.1\n    source: x\n    weight: 0\n",
     "t.yaml:1: targets: every target has weight 0"),
    ("targets:\n  - statistic: grant_funded_share\n   value: 0.2\n", "t.yaml:3: invalid YAML"),
    ("", "t.yaml:1: the file is empty"),
    ("- 1\n- 2\n", "t.yaml:1: the top level is a list (expected a mapping"),
    ("target:\n  - statistic: x\n", "t.yaml:1: unknown key 'target' (did you mean 'targets'?"),
    ("targets: []\n", "t.yaml:1: targets: expected a non-empty list"),
    ("a: &x {statistic: grant_funded_share}\ntargets:\n  - *x\n", "t.yaml:3: YAML aliases"),
    ("targets:\n  - !!python/object:os.system {}\n", "t.yaml:2: targets[0]: unsupported YAML tag"),
]


@pytest.mark.parametrize("text, expected", BAD_TARGETS, ids=range(len(BAD_TARGETS)))
def test_bad_targets_exit_2_with_located_messages(
    text: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("t.yaml").write_text(text)
    assert cli.main(["calibrate", "t.yaml", "--scenario", str(ROOT / "tests" / "data" / "tiny.yaml"),
                     "--params", "grants.base_acceptance", "--out", "out", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert expected in err, err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.yaml"]


def test_bad_parameters_and_bounds_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["calibrate", str(TARGETS), "--scenario", str(ROOT / "tests" / "data" / "tiny.yaml"), "--out", str(tmp_path / "o")]
    cases = [
        (["--params", "grants.base_acceptence"], "did you mean 'grants.base_acceptance'?"),
        (["--params", "phd.lead_rule"], "is not a numeric scenario parameter"),
        (["--params", "grants.base_acceptance", "--bounds", "grants.base_acceptance=0.2:1.5"], "leaves the parameter's allowed range"),
        (["--params", "grants.base_acceptance", "--bounds", "grants.base_acceptance=0.5"], "expected PATH=LOW:HIGH"),
        (["--params", "grants.base_acceptance", "--bounds", "phd.duration=3:6"], "is not among --params"),
        (["--params", "grants.base_acceptance", "--budget", "2"], "--budget 2 is too small"),
    ]
    for extra, expected in cases:
        assert cli.main(base + extra) == 2
        err = capsys.readouterr().err
        assert expected in err and "Traceback" not in err, err
    assert not (tmp_path / "o").exists()


def test_bounds_come_from_the_schema_or_the_base_value() -> None:
    base = tiny()
    acc, dur = cal.free_parameters(base, ["grants.base_acceptance", "phd.duration"])
    assert (acc.lo, acc.hi, acc.log) == (0.0, 1.0, False)
    d0 = base.phd.duration  # a parameter without an upper bound ranges over [base/4, base*4], log-scaled
    assert (dur.lo, dur.hi, dur.log) == (pytest.approx(d0 / 4), pytest.approx(d0 * 4), True)
    (dur,) = cal.free_parameters(base, ["phd.duration"], cal.parse_bounds(["phd.duration=6 months:8 years"]))
    assert (dur.lo, dur.hi) == (0.5, 8.0)
    assert dur.value(dur.unit_of(3.0)) == pytest.approx(3.0)


# -- the loss and common random numbers -------------------------------------------------


SMALL = {"run.horizon": 4.0}


def _targets_at(values: np.ndarray, sd: float = 0.05) -> list[cal.Target]:
    names = ("grant_funded_share", "programme_acceptance_rate")
    return [cal.Target(name=n, statistic=n, options={}, value=float(np.nanmean(values[:, k])), sd=sd, source="model")
            for k, n in enumerate(names)]


def _probe_targets() -> list[cal.Target]:
    return [cal.Target(name=n, statistic=n, options={}, value=0.5, sd=0.1, source="probe")
            for n in ("grant_funded_share", "programme_acceptance_rate")]


def test_loss_is_zero_when_the_model_matches_and_grows_with_the_gap() -> None:
    base = tiny(**SMALL)
    params = cal.free_parameters(base, ["grants.base_acceptance"])
    with cal.Evaluator(base, params, _probe_targets(), seed=5, replications=2, workers=1) as ev:
        (stats,) = ev.run([None])
    targets = _targets_at(stats)
    assert cal.loss(stats, targets) == 0.0
    moved = [t if k else cal.Target(**{**t.__dict__, "value": t.value + 0.1}) for k, t in enumerate(targets)]
    assert cal.loss(stats, moved) == pytest.approx((0.1 / 0.05) ** 2)
    report_only = [cal.Target(**{**t.__dict__, "weight": 0.0}) if k == 0 else t for k, t in enumerate(moved)]
    assert cal.loss(stats, report_only) == 0.0
    assert cal.loss(None, targets) == math.inf


def test_common_random_numbers_same_candidate_same_loss_for_any_workers() -> None:
    base = tiny(**SMALL)
    params = cal.free_parameters(base, ["grants.base_acceptance"])
    targets = _probe_targets()
    cand = {"grants.base_acceptance": 0.3}
    with cal.Evaluator(base, params, targets, seed=5, replications=2, workers=1) as ev1:
        a, a_again = ev1.run([cand, {"grants.base_acceptance": 0.3}])
        assert ev1.simulations == 2  # the repeat came from the cache
    with cal.Evaluator(base, params, targets, seed=5, replications=2, workers=2) as ev2:
        (b,) = ev2.run([cand])
    np.testing.assert_array_equal(a, b)
    assert cal.loss(a, targets) == cal.loss(a_again, targets) == cal.loss(b, targets)
    with cal.Evaluator(base, params, targets, seed=6, replications=2, workers=1) as ev3:
        (c,) = ev3.run([cand])
    assert not np.array_equal(a, c)  # the seed matters, and is the same for every candidate


def test_fit_recovers_known_parameters_from_synthetic_targets() -> None:
    """Targets generated by the model at a known point; the fit starts elsewhere.

    Tolerance: grants.base_acceptance within 0.05 and programme.outside_applicants
    within 20% of the truth (the model's outputs are noisy step functions of both;
    seeds 11-13 recover them within 0.013 and 7%), and the reported 95% regions
    contain the truth.
    """
    base = tiny(**SMALL)
    truth = {"grants.base_acceptance": 0.2, "programme.outside_applicants": 60.0}
    params = cal.free_parameters(base, list(truth), {"grants.base_acceptance": (0.05, 0.9), "programme.outside_applicants": (5, 200)})
    probe = _probe_targets()
    with cal.Evaluator(base, params, probe, seed=11, replications=3, workers=1) as ev:
        (at_truth,) = ev.run([truth])
    targets = _targets_at(at_truth, sd=0.02)
    result = cal.fit(base, targets, params, replications=3, seed=11, budget=30, workers=1)
    got = result.best.values
    assert result.loss_before > 10 * max(result.loss_after, 0.1)
    assert abs(got["grants.base_acceptance"] - 0.2) <= 0.05, got
    assert abs(got["programme.outside_applicants"] / 60.0 - 1) <= 0.20, got
    unc = result.uncertainty()
    for path, value in got.items():
        assert unc[path]["low"] <= value <= unc[path]["high"]
        assert unc[path]["low"] <= truth[path] <= unc[path]["high"]
    assert len(result.candidates) == 30


def test_differential_evolution_stays_within_its_budget() -> None:
    base = tiny(**SMALL)
    params = cal.free_parameters(base, ["grants.base_acceptance"])
    targets = [cal.Target(name="f", statistic="grant_funded_share", options={}, value=0.2, sd=0.05, source="x")]
    result = cal.fit(base, targets, params, replications=1, seed=2, budget=12, workers=1, method="differential-evolution")
    assert 4 <= len(result.candidates) <= 12
    assert result.loss_after <= result.loss_before
    assert {c.phase for c in result.candidates} <= {"base", "evolve"}


def test_every_statistic_is_documented() -> None:
    doc = (ROOT / "docs" / "calibration.md").read_text()
    for name, spec in cal.STATISTICS.items():
        assert f"`{name}`" in doc, name
        for option in spec.options:
            assert f"`{option}`" in doc, (name, option)


# -- the command -------------------------------------------------------------------------


def test_cli_writes_a_fitted_scenario_that_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "base.yaml").write_text(
        f"extends: {ROOT / 'tests' / 'data' / 'tiny.yaml'}\nname: tiny-base\nrun: {{horizon: 4 years}}\n"
        "programme: {places: 4, outside_applicants: 20}\n")
    (tmp_path / "t.yaml").write_text(
        "targets:\n"
        "  - {statistic: grant_funded_share, range: [0.12, 0.3], source: 'LTFF, 2019-2021'}\n"
        "  - {statistic: programme_acceptance_rate, value: 0.07, range: [0.05, 0.15], source: 'MATS <script>'}\n"
        "  - {statistic: field_growth, value: 0.21, sd: 0.05, source: McAleese, weight: 0}\n")
    argv = ["calibrate", "t.yaml", "--scenario", "base.yaml", "--params", "grants.base_acceptance,programme.outside_applicants",
            "--replications", "2", "--budget", "8", "--seed", "3", "--workers", "1", "--out", "reports/fit", "--quiet"]
    assert cli.main(argv) == 0
    out = tmp_path / "reports" / "fit"
    assert capsys.readouterr().out.strip() == str(Path("reports") / "fit")
    assert sorted(p.name for p in out.iterdir()) == ["fit.json", "fitted-full.yaml", "fitted.yaml", "report.html"]
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["fit"]  # no partial folders left
    fitted_text = (out / "fitted.yaml").read_text()
    assert "extends: \"../../base.yaml\"" in fitted_text
    fitted = load_scenario(out / "fitted.yaml")
    data = json.loads((out / "fit.json").read_text())
    assert fitted.hash() == data["provenance"]["fitted_scenario_sha256"]
    assert load_scenario(out / "fitted-full.yaml").hash() == fitted.hash()
    for p in data["parameters"]:
        node = fitted
        for part in p["path"].split("."):
            node = getattr(node, part)
        assert node == pytest.approx(p["fitted"])
        assert p["interval_95"][0] <= p["fitted"] <= p["interval_95"][1]
    assert data["provenance"]["seed"] == 3 and data["provenance"]["replications"] == 2
    assert len(data["history"]) == 8 and data["loss_after"] <= data["loss_before"]
    row = data["targets"][0]
    assert row["source"] == "LTFF, 2019-2021" and row["before"]["n"] == 2
    assert row["after"]["mean_low"] <= row["after"]["mean"] <= row["after"]["mean_high"]
    html = (out / "report.html").read_text()
    assert "MATS &lt;script&gt;" in html and "<script>" not in html  # autoescaped
    assert "data:image/png;base64," in html
    # a second run replaces the earlier calibration; a foreign folder is refused
    assert cli.main(argv) == 0
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    capsys.readouterr()
    assert cli.main(argv[:-3] + ["--out", "mine", "--quiet"]) == 2
    assert "not a calibration" in capsys.readouterr().err
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep"


def test_calibrate_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["calibrate", "--help"]) == 0
    assert "example:" in capsys.readouterr().out
