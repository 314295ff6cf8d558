"""Paired comparisons: common random numbers, paired differences, effects per group, comparison.json."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from careersim import cli
from careersim.analysis.effects import GROUP_METRICS, METRICS, group_effects, metric_effects
from careersim.analysis.groups import group_metrics
from careersim.analysis.views import view_from_json, view_to_json
from careersim.config.schema import baseline
from careersim.core.files import jsonable
from careersim.experiments import experiment
from careersim.experiments.compare import compare


def tiny(**changes):
    """A small field for six years; the lead-chance window is 3 years so some cohorts are observed that long."""
    base = {
        "population.entrants_per_year": 40,
        "run.horizon": 6.0,
        "run.claims_window": 3.0,
        "initial.leads": 5,
        "initial.phd_students": 8,
        "initial.independents": 6,
        "initial.contributors": 10,
        "phd.advisors": 10,
    }
    base.update(changes)
    return baseline().with_changes(base)


def with_policy(sc, kind="multi_year_grants", start=1.0, name=""):
    data = sc.model_dump()
    data["interventions"] = [{"kind": kind, "start": start, "name": name}]
    return type(sc).model_validate(data)


@pytest.fixture(scope="module")
def same():
    """The tiny scenario compared with itself."""
    return compare(tiny(), [tiny()], replications=3, seed=5, workers=1, policy_claims=0)


@pytest.fixture(scope="module")
def policy():
    base = tiny()
    return compare(base, [with_policy(base)], replications=3, seed=5, workers=1, policy_claims=0)


def test_identical_scenarios_give_zero_differences(same: dict) -> None:
    comp = same["comparisons"][0]
    assert comp["effects"], "no metrics compared"
    compared = []
    for key, e in comp["effects"].items():
        if e["n"] == 0:
            continue  # metric undefined in every replication (e.g. a median never reached)
        assert 1 <= e["n"] <= 3, key  # defined where the median is reached: paired where both are
        assert e["value"] == 0.0, key
        assert e["low"] == 0.0 and e["high"] == 0.0, key
        if METRICS[key].better != 0:
            assert e["share_better"] == 0.0, key
        assert e["share_equal"] == 1.0, key
        compared.append(key)
    # the headline metrics are defined in every replication, so they were compared
    assert {"p_lead", "p_lead_phd", "new_leads", "lead_years_before_arrival_per_entrant"} <= set(compared)
    groups = 0
    for g in comp["groups"]:
        for col in GROUP_METRICS:
            e = g[col]
            if e["n"]:
                assert e["value"] == 0.0 and e["share_better"] == 0.0, (g["group"], col)
                groups += 1
    assert groups >= len(GROUP_METRICS) * 4  # at least the total and the three tracks


def test_scenarios_share_the_seed_and_replications() -> None:
    calls = []
    real = experiment.run

    def spy(scenario, replications, seed, workers, progress, **options):
        calls.append((scenario.name, replications, seed))
        return real(scenario, replications, seed, workers, progress, **options)

    a, b = tiny(), with_policy(tiny()).model_copy(update={"name": "alt"})
    compare(a, [b], replications=2, seed=11, workers=1, run=spy, policy_claims=0)
    assert [c[1:] for c in calls] == [(2, 11), (2, 11)]
    assert [c[0] for c in calls] == ["baseline", "alt"]


def test_common_random_numbers_pair_the_arrival_draws(policy: dict) -> None:
    base, alt = policy["scenarios"]
    # the arrival year has its own random stream, so replication r draws it identically in both scenarios
    assert base["replications"]["arrival_years"] == alt["replications"]["arrival_years"]
    assert base["replications"]["entrants"] == alt["replications"]["entrants"]


def test_metrics_declare_which_direction_is_better() -> None:
    assert METRICS["p_lead"].better == 1
    assert METRICS["lead_years_before_arrival_per_entrant"].better == 1
    assert METRICS["safety_lead_years_before_arrival_per_entrant"].better == 1
    assert METRICS["exit_funding_ran_out"].better == -1
    assert METRICS["median_years_to_lead"].better == -1
    assert all(m.better in (-1, 0, 1) for m in METRICS.values())
    for key in ("p_lead", "p_lead_phd", "new_leads", "leads_at_end", "exit_burnout"):
        assert key in METRICS


def test_paired_effects_follow_the_direction() -> None:
    base = pd.DataFrame(
        {"replication": [0, 1, 2, 3], "p_lead": [0.1, 0.2, 0.3, 0.4], "exit_burnout": [0.1, 0.1, 0.1, 0.1]}
    )
    alt = pd.DataFrame(
        {"replication": [0, 1, 2, 3], "p_lead": [0.2, 0.3, 0.3, 0.5], "exit_burnout": [0.05, 0.2, 0.1, 0.0]}
    )
    eff = metric_effects(base, alt)
    assert eff["p_lead"]["value"] == pytest.approx(0.075)
    assert eff["p_lead"]["share_better"] == pytest.approx(0.75)  # strictly better in 3 of 4
    assert eff["exit_burnout"]["share_better"] == pytest.approx(0.5)  # lower is better: 0.05 and 0.0
    assert eff["p_lead"]["base_mean"] == pytest.approx(0.25) and eff["p_lead"]["alt_mean"] == pytest.approx(0.325)


def test_group_metrics_agree_with_the_run_metrics(policy: dict) -> None:
    for sc in policy["scenarios"]:
        view = view_from_json(sc)
        g = view["groups"]
        reps = view["replications"].set_index("replication")
        allg = g[g["kind"] == "all"].set_index("replication")
        np.testing.assert_allclose(allg["p_lead"], reps.loc[allg.index, "p_lead"], equal_nan=True)
        np.testing.assert_allclose(allg["lead_years"], reps.loc[allg.index, "lead_years_before_arrival_per_entrant"])
        for tr in ("phd", "independent", "contributor"):
            t = g[(g["kind"] == "track") & (g["group"] == tr)].set_index("replication")
            np.testing.assert_allclose(t["p_lead"], reps.loc[t.index, f"p_lead_{tr}"], equal_nan=True)
        assert set(g["kind"]) >= {"all", "track", "background", "existing"}


def test_group_effects_sit_beside_the_total(policy: dict) -> None:
    groups = policy["comparisons"][0]["groups"]
    assert groups[0]["kind"] == "all"
    assert {g["group"] for g in groups if g["kind"] == "track"} == {"phd", "independent", "contributor"}
    assert {g["group"] for g in groups if g["kind"] == "background"} == {
        "undergraduate",
        "masters",
        "industry_engineer",
        "phd_elsewhere",
    }


def test_group_metrics_window_counts_only_observed_cohorts() -> None:
    agents = pd.DataFrame(
        {
            "replication": [0, 0, 0, 0],
            "entrant": [True, True, True, False],
            "track": ["phd", "phd", "phd", "initial_field"],
            "background": ["masters"] * 4,
            "entry_year": [0.0, 1.0, 5.0, 0.0],
            "years_to_lead": [2.0, np.nan, 0.5, 0.0],
            "lead_years_before_arrival": [1.0, 0.0, 0.5, 4.0],
            "safety_lead_years_before_arrival": [0.5, 0.0, 0.25, 2.0],
        }
    )
    g = group_metrics(agents, horizon=6.0, window=3.0)
    row = g[(g["kind"] == "track") & (g["group"] == "phd")].iloc[0]
    assert row["n_observed"] == 2  # the entrant of year 5 is not observed for 3 years
    assert row["p_lead"] == pytest.approx(0.5)
    assert row["lead_years"] == pytest.approx(0.5)  # 1.5 lead-years over 3 entrants
    ex = g[g["kind"] == "existing"].iloc[0]
    assert ex["lead_years"] == pytest.approx(4.0) and np.isnan(ex["p_lead"])
    empty = g[(g["kind"] == "track") & (g["group"] == "independent")].iloc[0]
    assert empty["n"] == 0 and np.isnan(empty["p_lead"])


def test_group_effects_pair_by_replication() -> None:
    def frame(vals):
        return pd.DataFrame(
            {
                "replication": [0, 1],
                "kind": "all",
                "group": "all",
                "n": 10,
                "n_observed": 10,
                "p_lead": vals,
                "lead_years": vals,
                "safety_lead_years": vals,
            }
        )

    out = group_effects(frame([0.1, 0.3]), frame([0.2, 0.3]))
    assert out[0]["p_lead"]["value"] == pytest.approx(0.05)
    assert out[0]["p_lead"]["share_better"] == pytest.approx(0.5)


def test_comparison_json_round_trips(policy: dict) -> None:
    data = json.loads(json.dumps(jsonable(policy), allow_nan=False))  # as write_comparison stores it
    assert data["format"].startswith("careersim-comparison/")
    prov = data["provenance"]
    assert prov["seed"] == 5 and prov["replications"] == 3
    assert [s["name"] for s in prov["scenarios"]] == ["baseline", "baseline"]
    assert all(len(s["scenario_sha256"]) == 64 for s in prov["scenarios"])
    assert prov["scenarios"][0]["scenario_sha256"] != prov["scenarios"][1]["scenario_sha256"]
    for sc in data["scenarios"]:
        view = view_from_json(sc)
        assert view["scenario"].hash() == sc["sha256"]
        again = view_to_json(view)
        assert again["summary"] == sc["summary"]


def _yaml(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


TINY_YAML = """\
extends: baseline
name: {name}
run: {{horizon: 6 years, claims_window: 3 years}}
population: {{entrants_per_year: 40}}
initial: {{leads: 5, phd_students: 8, independents: 6, contributors: 10}}
phd: {{advisors: 10}}
"""


def test_compare_command_writes_comparison_and_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    base = _yaml(tmp_path / "base.yaml", TINY_YAML.format(name="small"))
    alt = _yaml(
        tmp_path / "alt.yaml",
        TINY_YAML.format(name="small-grants") + "interventions:\n  - kind: multi_year_grants\n    start: 1 year\n",
    )
    assert cli.main(["compare", str(base), str(alt), "-n", "2", "--workers", "1", "--quiet"]) == 0
    out = tmp_path / "reports" / "compare-small-vs-small-grants"
    assert capsys.readouterr().out.strip() == str(Path("reports") / "compare-small-vs-small-grants" / "report.html")
    assert sorted(p.name for p in out.iterdir()) == ["comparison.json", "report.html"]
    data = json.loads((out / "comparison.json").read_text())
    assert data["base"] == "small" and data["alternatives"] == ["small-grants"]
    assert not [p for p in (tmp_path / "reports").iterdir() if p.name.startswith(".")]  # no partial folders
    # an unrelated folder is never replaced
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    assert cli.main(["compare", str(base), str(alt), "-n", "2", "--workers", "1", "--out", str(other), "-q"]) == 2
    assert "not a careersim comparison" in capsys.readouterr().err
    assert (other / "notes.txt").read_text() == "mine"


def test_compare_command_needs_an_alternative(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["compare", "baseline"]) == 2
    assert "ALT" in capsys.readouterr().err


def test_run_folder_groups_match_the_agents_and_old_folders_still_load(tmp_path: Path) -> None:
    """Workers compute each replication's group metrics; the saved table equals
    group_metrics over agents.parquet, and a folder without groups.parquet (written
    by an earlier careersim) gets them from the agents instead."""
    from careersim.analysis.groups import per_replication_value
    from careersim.analysis.views import load_run

    sc = tiny()
    exp = experiment.run(sc, replications=3, seed=2, workers=1, policy_claims=0, spool_dir=tmp_path / "spool")
    out = tmp_path / "out"
    out.mkdir()
    experiment.write_results(exp, out)
    saved = pd.read_parquet(out / "groups.parquet")
    reps = pd.read_parquet(out / "replications.parquet")
    direct = group_metrics(
        pd.read_parquet(out / "agents.parquet"),
        per_replication_value(sc, reps, "run.horizon", 20.0),
        per_replication_value(sc, reps, "run.claims_window", 10.0),
    )
    pd.testing.assert_frame_equal(saved, direct)
    (out / "groups.parquet").unlink()
    old = load_run(out)
    pd.testing.assert_frame_equal(old["groups"].reset_index(drop=True), saved)


def _group_rows_pandas(
    agents: pd.DataFrame, horizon: dict[int, float] | float, window: dict[int, float] | float
) -> pd.DataFrame:
    """The straightforward pandas version of :func:`careersim.experiments.compare.group_rows`."""
    cols = [
        "replication",
        "entrant",
        "track",
        "background",
        "entry_year",
        "years_to_lead",
        "lead_years_before_arrival",
        "safety_lead_years_before_arrival",
    ]
    a = agents[cols].copy()
    reps = a["replication"].to_numpy()

    def per_rep(value, name):
        if isinstance(value, dict):  # looked up once per replication, not once per person
            keys = np.unique(reps)
            vals = np.array([value.get(int(r), np.nan) for r in keys], dtype=float)
            return vals[np.searchsorted(keys, reps)]
        return np.full(len(a), float(value))

    h = per_rep(horizon, "horizon")
    w = per_rep(window, "window")
    ytl = a["years_to_lead"].to_numpy(dtype=float)
    a["observed"] = a["entry_year"].to_numpy(dtype=float) <= h - w + 1e-9
    a["lead_within"] = np.nan_to_num(ytl, nan=np.inf) <= w + 1e-9
    a["lead_within_obs"] = a["observed"] & a["lead_within"]

    ent = a[a["entrant"].astype(bool)]
    parts = []
    for kind, key in (("all", None), ("track", "track"), ("background", "background")):
        if key is None:
            g = ent.assign(_g="all").groupby(["replication", "_g"], observed=True)
        else:
            g = ent.assign(_g=ent[key].astype("category")).groupby(["replication", "_g"], observed=True)
        t = g.agg(
            n=("entrant", "size"),
            n_observed=("observed", "sum"),
            leads=("lead_within_obs", "sum"),
            ly=("lead_years_before_arrival", "sum"),
            sly=("safety_lead_years_before_arrival", "sum"),
        ).reset_index()
        t["kind"] = kind
        parts.append(t)
    existing = a[~a["entrant"].astype(bool)]
    if len(existing):
        t = (
            existing.assign(_g="existing field")
            .groupby(["replication", "_g"], observed=True)
            .agg(
                n=("entrant", "size"),
                ly=("lead_years_before_arrival", "sum"),
                sly=("safety_lead_years_before_arrival", "sum"),
            )
            .reset_index()
        )
        t["n_observed"] = 0
        t["leads"] = 0
        t["kind"] = "existing"
        parts.append(t)
    for t in parts:  # group labels as plain text
        t["_g"] = t["_g"].astype(str)
    out = pd.concat(parts, ignore_index=True).rename(columns={"_g": "group"})
    with np.errstate(invalid="ignore", divide="ignore"):
        out["p_lead"] = np.where(out["n_observed"] > 0, out["leads"] / out["n_observed"].clip(lower=1), np.nan)
        out["lead_years"] = out["ly"] / out["n"].clip(lower=1)
        out["safety_lead_years"] = out["sly"] / out["n"].clip(lower=1)
    out["n_observed"] = out["n_observed"].astype(int)
    return out[["replication", "kind", "group", "n", "n_observed", "p_lead", "lead_years", "safety_lead_years"]]


def test_group_rows_equal_the_pandas_groupby() -> None:
    """Group rows come from a compiled pass; rows, order, labels, counts and
    dtypes must be a pandas groupby's, and sums equal to rounding."""
    from careersim import simulate
    from careersim.analysis.groups import group_rows

    frames = [simulate(baseline(), seed=5, replication=r).agents.assign(replication=r) for r in range(2)]
    both = pd.concat(frames, ignore_index=True)
    plain = frames[0].astype({"track": str, "background": str})  # labels as text: categories sorted
    for agents, horizon, window in [(frames[0], 20.0, 10.0), (both, {0: 20.0, 1: 12.0}, 5.0), (plain, 20.0, 10.0)]:
        got, want = group_rows(agents, horizon, window), _group_rows_pandas(agents, horizon, window)
        assert list(got.dtypes) == list(want.dtypes)
        pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-13, atol=0.0)
