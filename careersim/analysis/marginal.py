"""The marginal value of each scarce resource over replications, and which one binds.

Reads the per-replication paired changes written by
:func:`careersim.experiments.marginal.marginal_runs` (``marginal_<key>_new_leads``,
``marginal_<key>_safety_lead_years``, ``marginal_<key>_step``) and gives, per
resource, the mean change with its 95% interval (Student-t over the replications
that ran it: the interval of the mean paired difference), in one unit: per
``step`` more of the capacity (a change measured with a larger whole-unit step is
scaled down in proportion, and says so), and per $1M spent over the run where the
resource has a cost (:func:`careersim.config.resources.step_cost`).

The *binding constraint* is the resource with the largest mean marginal value in
new leads, provided its interval lies above zero; otherwise no resource clearly
binds ("none").
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from careersim.config.resources import NOT_MODELLED, RESOURCES, capacity, cost_source, step_cost
from careersim.config.schema import Scenario
from careersim.core.stats import mean_ci
from careersim.core.text import MIN_REPLICATIONS

#: words for a family of resources
FAMILY_LABELS = {"lead_openings": "lead positions"}

__all__ = ["marginal_summary", "MEASURES"]

#: the outcomes of a marginal value: column suffix -> words
MEASURES = {
    "new_leads": "new leads (entrants who became leads)",
    "safety_lead_years": "safety-relevant lead-years before arrival (whole field)",
}


def _ci(x: np.ndarray) -> dict[str, Any]:
    """Mean and interval of paired changes, with the shares of replications in which the
    change is above zero (more is better) and exactly zero."""
    c = mean_ci(x)
    n = len(x)
    return {
        "value": c["value"],
        "low": c["low"],
        "high": c["high"],
        "n": c["n"],
        "share_better": float(np.mean(x > 0)) if n else math.nan,
        "share_equal": float(np.mean(x == 0)) if n else math.nan,
    }


def _scaled(d: dict, k: float) -> dict:
    out = dict(d)
    for key in ("value", "low", "high"):
        out[key] = d[key] * k if d[key] == d[key] else d[key]
    if k < 0:
        out["low"], out["high"] = out["high"], out["low"]
    return out


def _first_capacity(scenario: Scenario, path: str) -> float:
    """The capacity in units at the start, or when an intervention first provides it."""
    for t in [0.0] + sorted(float(iv.start) for iv in scenario.interventions):
        c = capacity(scenario, path, t)
        if c > 0:
            return c
    return 0.0


def _per_step(reps: pd.DataFrame, row: dict, step: float) -> np.ndarray:
    """A measured resource's paired change in new leads in each replication, per ``step``."""
    return reps[f"marginal_{row['key']}_new_leads"].to_numpy(dtype=float) * (step / row["step_taken"])


def _tied(reps: pd.DataFrame, measured: list[dict], best: dict, step: float) -> list[dict]:
    """The measured resources not told apart from ``best``: the interval of the paired difference
    (best's change minus theirs, per step, replication by replication) includes zero."""
    top = _per_step(reps, best, step)
    out = []
    for row in measured:
        if row is best:
            continue
        d = top - _per_step(reps, row, step)
        c = mean_ci(d[np.isfinite(d)])
        if c["n"] >= 2 and c["low"] <= 0:
            out.append({"key": row["key"], "difference": {k: c[k] for k in ("value", "low", "high", "n")}})
    return out


def binding_label(binding: str, tied: list[dict], rows: list[dict]) -> str:
    """Words for what binds: the resource; its family (e.g. lead positions) when every resource not told
    apart from it is of that family; else the resource "or" those not told apart from it."""
    by = {r["key"]: r for r in rows}
    if binding not in by:
        return {"none": "none clearly"}.get(binding, binding.replace("_", " "))
    top = by[binding]
    if not tied:
        return top["label"]
    family = top["family"]
    if family != top["key"] and all(by[t["key"]]["family"] == family for t in tied):
        return f"{FAMILY_LABELS.get(family, family.replace('_', ' '))} (the sources are not told apart)"
    if len(tied) > 2:
        return f"{top['label']} or {len(tied)} other resources (not told apart)"
    return f"{top['label']} or {' or '.join(by[t['key']]['label'] for t in tied)} (not told apart)"


def marginal_summary(reps: pd.DataFrame, scenario: Scenario, step: float) -> dict:
    """Per resource: status, the step taken, its cost, and the marginal values (per ``step``
    and per $1M) with intervals; the binding constraint and the share of replications in
    which each resource added the most leads."""
    rows = []
    for r in RESOURCES:
        col = f"marginal_{r.key}_new_leads"
        row: dict[str, Any] = {
            "key": r.key,
            "label": r.label,
            "family": r.family_key,
            "lever": r.lever,
            "unit": r.unit,
            "how": r.how,
        }
        if col not in reps or not np.isfinite(reps[col].to_numpy(dtype=float)).any():
            row["status"] = "absent"
            rows.append(row)
            continue
        taken = float(np.nanmean(reps[f"marginal_{r.key}_step"].to_numpy(dtype=float)))
        k = step / taken if taken > 0 else math.nan
        row["status"] = "measured"
        row["step_taken"] = taken
        row["capacity"] = _first_capacity(scenario, r.units_path)
        row["step_units"] = step * row["capacity"]
        row["rescaled"] = not math.isclose(taken, step, rel_tol=1e-9)
        cost = step_cost(scenario, r, step)
        row["cost_of_step"] = cost if math.isfinite(cost) else None
        row["cost_source"] = cost_source(r.cost) if r.cost else ""
        for suffix in MEASURES:
            x = reps[f"marginal_{r.key}_{suffix}"].to_numpy(dtype=float)
            d = _scaled(_ci(x[np.isfinite(x)]), k)
            row[suffix] = d
            row[f"{suffix}_per_million"] = _scaled(d, 1e6 / cost) if cost and math.isfinite(cost) and cost > 0 else None
        rows.append(row)
    measured = [row for row in rows if row["status"] == "measured"]
    n = int(reps["binding_constraint"].notna().sum()) if "binding_constraint" in reps else 0
    best = max(measured, key=lambda row: row["new_leads"]["value"], default=None)
    # with fewer paired replications than an interval needs, nothing is named as binding
    clear = best is not None and n >= MIN_REPLICATIONS and best["new_leads"]["low"] > 0
    binding = best["key"] if clear else "none"
    tied = _tied(reps, measured, best, step) if binding != "none" else []
    shares = {}
    if "binding_constraint" in reps:
        b = reps["binding_constraint"].dropna().astype(str)
        shares = {k: float(v) for k, v in b.value_counts(normalize=True).items()}
    return {
        "step": step,
        "replications": n,
        "measures": MEASURES,
        "resources": rows,
        "not_modelled": dict(NOT_MODELLED),
        "binding": binding,
        "tied": tied,
        "binding_label": "too few paired replications to tell"
        if n < MIN_REPLICATIONS
        else binding_label(binding, tied, rows),
        "share_of_replications": shares,
        "definition": (
            f"paired change (same seed and replication) in each outcome when one capacity alone is raised by "
            f"{100 * step:g}%, mean over {n} replications with the 95% interval of the mean; per $1M: the same "
            "change divided by what the step costs over the run in millions of US dollars. The binding "
            "constraint is the resource with the largest mean change in new leads, if its interval lies "
            "above zero; resources whose paired difference from it (per step, in the same replications) has "
            "an interval including zero are not told apart from it."
        ),
    }
