"""Paired comparisons of scenarios on common random numbers.

``compare(base, alternatives, replications, seed, workers)`` runs every
scenario with the same root seed, so replication ``r`` of each scenario draws
from the same random streams: the entrants, their traits and the arrival year
match, and the difference ``alternative - base`` in replication ``r`` is the
effect of the change, not of chance (:mod:`careersim.analysis.effects`), also per
group of people (:mod:`careersim.analysis.groups`).

Each alternative also gets its cost against the base over the run
(:func:`careersim.config.resources.scenario_cost`: the resources it adds at their
unit costs, plus what its interventions state) and, where it has one, its
effects on new leads and safety-relevant lead-years per $1M.

``write_comparison`` writes ``comparison.json`` (everything the report needs,
so ``careersim report`` can redraw it without re-running).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from careersim.analysis.effects import GROUP_METRICS, METRICS, group_effects, metric_effects
from careersim.analysis.groups import group_metrics, per_replication_value
from careersim.analysis.views import scenario_view, view_to_json
from careersim.config.resources import Cost, scenario_cost
from careersim.config.schema import Scenario
from careersim.core.files import write_json
from careersim.experiments import experiment
from careersim.experiments.experiment import summary_json

COMPARISON_FORMAT = "careersim-comparison/1"


# ---------------------------------------------------------------------------
# running
# ---------------------------------------------------------------------------


@dataclass
class ComparisonResult:
    data: dict  # the content of comparison.json


def experiment_tables(exp) -> dict[str, pd.DataFrame]:
    """An experiment's result tables in the layout of the run folder's Parquet files."""
    curves = exp.curves()
    return {
        "replications": exp.replications,
        "timeseries": exp.timeseries,
        "curves": pd.concat(
            [
                pd.DataFrame({"track": tr, "years": c["grid"], "value": c["value"], "low": c["low"], "high": c["high"]})
                for tr, c in curves.items()
            ],
            ignore_index=True,
        ),
        "flows": pd.concat([r.flows.assign(replication=r.replication) for r in exp.results], ignore_index=True),
    }


def compare(
    base: Scenario,
    alternatives: Sequence[Scenario],
    replications: int = 20,
    seed: int = 1,
    workers: int | None = None,
    progress: bool = False,
    run=None,
    **run_options: Any,
) -> dict:
    """Run ``base`` and each alternative with the same seed; return the comparison data.

    ``run`` defaults to :func:`careersim.experiments.experiment.run` (tests may pass a
    stand-in with the same signature); ``run_options`` are passed on to it
    (e.g. ``policy_claims=0`` to skip the counterfactual runs behind C6 and C8).
    """
    if not alternatives:
        raise ValueError("compare needs at least one alternative scenario")
    run = run or experiment.run
    started = time.time()
    views = []
    for i, sc in enumerate([base, *alternatives]):
        exp = run(sc, replications, seed, workers, progress, **run_options)
        tables = experiment_tables(exp)
        horizon = per_replication_value(sc, tables["replications"], "run.horizon", 20.0)
        window = per_replication_value(sc, tables["replications"], "run.claims_window", 10.0)
        groups = group_metrics(exp.agents, horizon, window)
        view = scenario_view(
            scenario=sc,
            summary=summary_json(exp),
            replications=tables["replications"],
            curves=tables["curves"],
            timeseries=tables["timeseries"],
            flows=tables["flows"],
            groups=groups,
            role="base" if i == 0 else "alternative",
        )
        views.append(view)
        del exp
    prov = experiment.provenance(base, seed, replications)
    prov.pop("scenario_sha256", None)
    prov["wall_seconds"] = round(time.time() - started, 3)
    prov["scenarios"] = [{"role": v["role"], "name": v["name"], "scenario_sha256": v["sha256"]} for v in views]
    comparisons = []
    for sc, v in zip(alternatives, views[1:]):
        effects = metric_effects(views[0]["replications"], v["replications"])
        cost = scenario_cost(sc, base)
        comparisons.append(
            {
                "base": views[0]["name"],
                "alternative": v["name"],
                "kind": sc.kind,
                "effects": effects,
                "groups": group_effects(views[0]["groups"], v["groups"]),
                "cost": cost_json(cost),
                "per_million": per_million(effects, cost),
            }
        )
    return {
        "format": COMPARISON_FORMAT,
        "base": views[0]["name"],
        "alternatives": [v["name"] for v in views[1:]],
        "provenance": prov,
        "metrics": {
            k: {"label": m.label, "unit": m.unit, "higher_is_better": (None if m.better == 0 else m.better > 0)}
            for k, m in METRICS.items()
        },
        "group_metrics": {
            k: {"label": m.label, "unit": m.unit, "higher_is_better": m.better > 0} for k, m in GROUP_METRICS.items()
        },
        "comparisons": comparisons,
        "scenarios": [view_to_json(v) for v in views],
    }


#: the effects given per $1M of a policy's cost
PER_MILLION = ("new_leads", "field_safety_lead_years_before_arrival")


def cost_json(cost: Cost) -> dict:
    """A scenario's cost against the base, as stored in comparison.json."""
    return {
        "stated": cost.stated,
        "total": cost.total,
        "per_year": cost.per_year,
        "years": cost.years,
        "sources": list(cost.sources),
        "assumption": cost.assumption,
        "parts": [{"what": w, "total": d} for w, d in cost.parts],
    }


def per_million(effects: dict, cost: Cost) -> dict:
    """The effects of :data:`PER_MILLION` per $1M of ``cost`` over the run (mean and interval
    divided by the cost in millions); empty where the cost is not stated or not positive."""
    if not cost.stated or not cost.total > 0:
        return {}
    k = 1e6 / cost.total
    out = {}
    for key in PER_MILLION:
        e = effects.get(key)
        if e:
            out[key] = {
                **{f: (e[f] * k if e.get(f) is not None else None) for f in ("value", "low", "high")},
                "n": e.get("n"),
            }
    return out


def write_comparison(data: dict, out_dir: Path) -> None:
    """Write ``comparison.json`` into ``out_dir`` (the caller makes it atomic; the page is
    :func:`careersim.reporting.pages.render_comparison`)."""
    write_json(Path(out_dir) / "comparison.json", data, indent=1)


def default_out_dir(base: Scenario, alternatives: Sequence[Scenario]) -> Path:
    import re

    def slug(name: str) -> str:
        return re.sub(r"[^\w.-]+", "-", name).strip(".-") or "scenario"

    return Path("reports") / ("compare-" + slug(base.name) + "-vs-" + "-".join(slug(a.name) for a in alternatives))
