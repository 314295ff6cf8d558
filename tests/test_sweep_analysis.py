"""The analysis of sweeps against cases whose answer is known.

Sobol' indices of the Ishigami function, Morris effects of a linear model, a
pure-noise outcome (chance dominates), the variance split under common random
numbers, infinite values, PRIM boxes of a known box, regret and satisficing of
a table worked by hand. The model is replaced by a formula over the design's
unit coordinates, so no simulation runs here (the sweep file is read with the
formula's name as its only metric).
"""

from __future__ import annotations

import math
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from careersim.config.sweeps import read_sweep_file
from careersim.experiments.sweep.designs import points_table
from careersim.experiments.sweep.discovery import prim_boxes
from careersim.experiments.sweep.robustness import robustness
from careersim.experiments.sweep.runner import design_keys, manifest_for
from careersim.experiments.sweep.sensitivity import (
    MIN_PARAMETER_SHARE,
    analyze,
    index_warnings,
    variance_split,
)
from careersim.reporting.sweep_page import analysis_lines, render_report

PATHS = [
    "population.backgrounds.masters.execution",
    "population.backgrounds.masters.idea_generation",
    "population.backgrounds.masters.idea_evaluation",
]


def synthetic(
    tmp_path: Path,
    design: str,
    formula,
    replications: int = 2,
    noise: float = 0.0,
    shared: float = 0.0,
    seed: int = 3,
    seeding: str = "common",
):
    """(analysis, table, manifest) of a sweep over three unit-range factors whose outcome ``y`` is
    ``formula(u)`` of the unit coordinates plus noise particular to each run (sd ``noise``) and
    noise shared by every point of a replication (sd ``shared``)."""
    factors = "".join(f"  - {{path: {p}, range: [0, 1]}}\n" for p in PATHS)
    path = tmp_path / "s.yaml"
    path.write_text(
        textwrap.dedent("""\
        name: synthetic
        base: baseline
        factors:
        """)
        + factors
        + f"design: {design}\nreplications: {replications}\nseeding: {seeding}\noutcomes: [y]\n"
    )
    sweep = read_sweep_file(path, ["y"])
    points = points_table(sweep)
    manifest = manifest_for(sweep, points)
    keys = design_keys(manifest["factors"], points, replications, manifest["base_sha256"], manifest["seed"])
    keys = keys.drop_duplicates("key").reset_index(drop=True)
    u = points[[f"u:{p}" for p in PATHS]].to_numpy()
    rng = np.random.default_rng(seed)
    rep_noise = rng.normal(0, shared, replications) if shared else np.zeros(replications)
    rows = []
    for k in keys.itertuples():
        y = formula(u[k.point]) + (rng.normal(0, noise) if noise else 0.0) + rep_noise[k.replication]
        rows.append(
            {
                "point": k.point,
                "replication": k.replication,
                "key": k.key,
                "seed": 1,
                **{p: float(points.loc[k.point, p]) for p in PATHS},
                "y": y,
                "error": None,
            }
        )
    table = pd.DataFrame(rows)
    return analyze(table, manifest, points), table, manifest


def ishigami(u, a=7.0, b=0.1):
    x = -math.pi + 2 * math.pi * np.asarray(u)
    return math.sin(x[0]) + a * math.sin(x[1]) ** 2 + b * x[2] ** 4 * math.sin(x[0])


def test_sobol_indices_of_the_ishigami_function(tmp_path):
    # analytic values for a = 7, b = 0.1 (Ishigami & Homma 1990; Saltelli et al. 2008)
    s1 = [0.3139, 0.4424, 0.0]
    st = [0.5576, 0.4424, 0.2437]
    analysis, _, _ = synthetic(tmp_path, "{kind: saltelli, points: 1024}", ishigami, noise=0.01)
    e = analysis["outcomes"]["y"]
    assert e["attribution"]["verdict"] == "parameters" and e["method"] == "sobol"
    for i, row in enumerate(e["indices"]):
        assert row["S1"] == pytest.approx(s1[i], abs=max(0.05, row["S1_conf"])), row
        assert row["ST"] == pytest.approx(st[i], abs=max(0.05, row["ST_conf"])), row
    assert e["convergence"]["verdict"] in ("converged", "ranking stable")
    assert e["convergence"]["top_factor_stable"]
    assert analysis["library_warnings"] == []


def test_morris_effects_of_a_linear_model_are_its_slopes(tmp_path):
    analysis, _, _ = synthetic(
        tmp_path, "{kind: morris, trajectories: 20, levels: 4}", lambda u: 3 * u[0] + 1 * u[1], replications=2
    )
    e = analysis["outcomes"]["y"]
    assert e["method"] == "morris"
    mu_star = [r["mu_star"] for r in e["indices"]]
    assert mu_star == pytest.approx([3.0, 1.0, 0.0], abs=1e-9)  # elementary effects of a plane are its slopes
    assert e["convergence"]["verdict"] == "converged" and e["convergence"]["max_change"] == pytest.approx(0, abs=1e-9)


def test_a_pure_noise_outcome_says_chance_dominates(tmp_path):
    analysis, table, manifest = synthetic(
        tmp_path, "{kind: saltelli, points: 64}", lambda u: 0.0, noise=1.0, replications=3
    )
    e = analysis["outcomes"]["y"]
    assert e["attribution"]["verdict"] == "chance dominates"
    assert e["attribution"]["high"] < MIN_PARAMETER_SHARE
    assert e["indices"] == [] and e["method"] is None
    text = "\n".join(analysis_lines(analysis))
    assert "Chance dominates" in text and " ST " not in text
    html = render_report(analysis, table, manifest, str(tmp_path))
    assert "Chance dominates" in html and '<th scope="col">ST</th>' not in html


def test_one_replication_shows_indices_with_a_warning(tmp_path):
    analysis, _, _ = synthetic(tmp_path, "{kind: lhs, points: 40}", lambda u: u[0], replications=1)
    e = analysis["outcomes"]["y"]
    assert e["attribution"]["verdict"] == "unknown" and e["indices"]
    assert "one replication per point" in e["attribution"]["text"]


def test_the_variance_split_sets_aside_chance_shared_by_every_point():
    rng = np.random.default_rng(5)
    points, reps = 400, 40
    effect = rng.normal(0, 1.0, points)  # the parameters: variance 1
    shared = rng.normal(0, 3.0, reps)  # a replication's own draws (when AI arrives): variance 9
    y = effect[:, None] + shared[None, :] + rng.normal(0, 0.5, (points, reps))  # particular chance: 0.25
    point = np.repeat(np.arange(points), reps)
    replication = np.tile(np.arange(reps), points)
    v = variance_split(point, y.ravel(), replication, resamples=200)
    assert v["method"] == "two-way"
    assert v["point_chance_variance"] == pytest.approx(0.25, rel=0.05)
    assert v["parameter_variance"] == pytest.approx(1.0, rel=0.15)
    assert v["shared_chance_variance"] == pytest.approx(9.0, rel=0.5)
    assert v["parameter_share"] < 0.15  # most of a run's variance is shared chance...
    assert v["means_parameter_share"] > 0.99  # ...which cancels out between points
    assert v["means_parameter_share_low"] <= v["means_parameter_share"] <= v["means_parameter_share_high"]
    one_way = variance_split(point, y.ravel())  # without the replications' alignment, chance swamps it
    assert one_way["means_parameter_share"] < 0.9


def test_infinite_and_undefined_values_are_counted_and_never_warn(tmp_path):
    def formula(u):
        return u[0] if u[1] > 0.1 else math.inf  # a ratio over zero in part of the space

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        analysis, _, _ = synthetic(tmp_path, "{kind: lhs, points: 60}", formula, noise=0.01)
    e = analysis["outcomes"]["y"]
    assert e["values"]["infinite"] > 0 and e["values"]["infinite"] % 2 == 0  # both replications of a point
    assert e["values"]["finite"] + e["values"]["infinite"] == 120
    assert "infinite" in e["nonfinite_note"]
    assert math.isfinite(e["mean"]) and analysis["library_warnings"] == []
    assert "design is incomplete" not in (e.get("note") or "")


def test_index_warnings_flag_estimates_that_cannot_be_right():
    rows = [
        {"label": "a", "S1": 0.5, "S1_conf": 0.1, "ST": 0.4, "ST_conf": 0.1},
        {"label": "b", "S1": -0.05, "S1_conf": 0.2, "ST": 0.3, "ST_conf": 0.05},
        {"label": "c", "S1": 0.2, "S1_conf": 0.05, "ST": 0.3, "ST_conf": 0.05},
    ]
    texts = index_warnings("sobol", rows)
    assert [r["flags"] for r in rows] == [["S1>ST"], ["S1<0", "S1 interval"], []]
    assert any(t.startswith("S1 is above ST for a") for t in texts)
    assert any("Negative estimates (S1 of b)" in t for t in texts)
    assert any("wider than the estimate for 1 of 6 indices (S1 of b)" in t for t in texts)


def test_prim_finds_a_known_box():
    rng = np.random.default_rng(1)
    x = rng.random((3000, 3))
    hit = ((x[:, 0] > 0.6) & (x[:, 1] <= 0.3)).astype(float)
    factors = [{"path": f"f{i}", "label": f"f{i}", "unit": ""} for i in range(3)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = prim_boxes(x, hit, factors)
    box = out["boxes"][0]
    assert out["of_interest"] == "it holds" and out["share_of_interest"] == pytest.approx(0.12, abs=0.02)
    assert box["density"] > 0.9 and box["coverage"] > 0.8
    limits = {r["factor"]: r for r in box["restrictions"] if r["significant"]}
    assert set(limits) == {"f0", "f1"}
    assert limits["f0"]["low"] == pytest.approx(0.6, abs=0.03) and limits["f0"]["high"] is None
    assert limits["f1"]["high"] == pytest.approx(0.3, abs=0.03) and limits["f1"]["low"] is None
    assert out["trajectory"][0]["coverage"] == 1.0 and len(out["trajectory"]) > 5


def test_prim_looks_for_the_rarer_answer():
    rng = np.random.default_rng(2)
    x = rng.random((1000, 2))
    holds = (x[:, 0] > 0.2).astype(float)  # holds in 80%: the interesting runs are where it fails
    out = prim_boxes(x, holds, [{"path": "a", "unit": ""}, {"path": "b", "unit": ""}])
    assert out["of_interest"] == "it fails"
    assert out["boxes"][0]["restrictions"][0]["high"] == pytest.approx(0.2, abs=0.03)


def _lever_table():
    # y(a, u) = u, y(b, u) = 2.5, y(c, u) = 5 - u at uncertainty points u = 1..4, two replications each
    rows = []
    for lever, f in (("a", lambda u: u), ("b", lambda u: 2.5), ("c", lambda u: 5 - u)):
        for u in (1, 2, 3, 4):
            for r in (0, 1):
                rows.append({"lever": lever, "world": float(u), "y": f(u) + (0.25 if r else -0.25)})
    return pd.DataFrame(rows)


FACTORS = [
    {"path": "lever", "label": "policy", "role": "lever", "kind": "categorical", "levels": ["a", "b", "c"]},
    {"path": "world", "label": "world", "role": "uncertainty", "unit": ""},
]


def test_regret_and_satisficing_of_a_table_worked_by_hand():
    t = _lever_table()
    out = robustness(t, FACTORS, t["y"].to_numpy(), {"goal": "maximize", "threshold": 2.5}, binary=False)
    by = {s["setting"]["lever"]: s for s in out["settings"]}
    # best per world: 4 (c), 3 (c), 3 (a), 4 (a); regrets: a [3, 1, 0, 0], b [1.5, .5, .5, 1.5], c [0, 0, 1, 3]
    assert {k: (v["max_regret"], v["mean_regret"]) for k, v in by.items()} == {
        "a": (3.0, 1.0),
        "b": (1.5, 1.0),
        "c": (3.0, 1.0),
    }  # exact: every value is a multiple of 1/4
    assert [s["setting"]["lever"] for s in out["settings"]][0] == "b"  # the smallest worst-case regret
    assert {k: v["satisficing"] for k, v in by.items()} == {"a": 0.5, "b": 1.0, "c": 0.5}
    assert {k: v["best_at"] for k, v in by.items()} == {"a": 2, "b": 0, "c": 2}
    assert out["uncertainty_points_used"] == 4 and "policy b" in out["text"]
    low = robustness(t, FACTORS, t["y"].to_numpy(), {"goal": "minimize"}, binary=False)
    # lowest per world: 1 (a), 2 (a), 2 (c), 1 (c); regrets: a [0, 0, 1, 3], b [1.5, .5, .5, 1.5], c [3, 1, 0, 0]
    assert {s["setting"]["lever"]: s["max_regret"] for s in low["settings"]} == {"a": 3.0, "b": 1.5, "c": 3.0}


def test_regret_needs_a_goal_and_every_lever_setting_at_every_uncertainty_point():
    t = _lever_table()
    assert "Give this outcome a goal" in robustness(t, FACTORS, t["y"].to_numpy(), {}, binary=False)["text"]
    gappy = t[~((t["lever"] == "b") & (t["world"] >= 3))]
    out = robustness(gappy, FACTORS, gappy["y"].to_numpy(), {"goal": "maximize"}, binary=False)
    assert out["uncertainty_points_used"] == 2 and "left out" in out["text"]
    assert robustness(t, FACTORS[:1], t["y"].to_numpy(), {"goal": "maximize"}, binary=False) is None
