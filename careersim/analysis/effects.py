"""Paired effects of one scenario against another on common random numbers.

Each outcome metric is summarised as the mean paired difference with a 95%
interval (:func:`careersim.core.stats.paired_difference`) and the share of
replications in which the alternative is better, with the direction of
"better" declared per metric in :data:`METRICS`; effects per group use
:data:`GROUP_METRICS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from careersim.core.codes import EXIT_REASONS, RESOURCES, TRACKS
from careersim.core.stats import paired_difference


@dataclass(frozen=True)
class Metric:
    """An outcome metric: its label, how to show it, and which direction is better.

    ``better`` is +1 if higher is better, -1 if lower is better and 0 where
    neither is (then ``share_better`` reports the share of replications in
    which the alternative is higher).
    """

    label: str
    unit: str  # "share" (shown in %, differences in percentage points), "years", "count", "ratio"
    better: int


def _metrics() -> dict[str, Metric]:
    m: dict[str, Metric] = {
        "p_lead": Metric("Chance of holding a lead role within the window (all entrants)", "share", +1),
    }
    for tr in TRACKS:
        m[f"p_lead_{tr}"] = Metric(f"Chance of holding a lead role within the window ({tr} track)", "share", +1)
    m.update(
        {
            "lead_years_before_arrival_per_entrant": Metric("Lead-years before arrival per entrant", "years", +1),
            "safety_lead_years_before_arrival_per_entrant": Metric(
                "Safety-relevant lead-years before arrival per entrant", "years", +1
            ),
            "field_lead_years_before_arrival": Metric("Lead-years before arrival, whole field", "years", +1),
            "field_safety_lead_years_before_arrival": Metric(
                "Safety-relevant lead-years before arrival, whole field", "years", +1
            ),
            "new_leads": Metric("Entrants who became leads", "count", +1),
            "leads_at_end": Metric("Leads at the horizon", "count", +1),
            "median_years_to_lead": Metric("Median years to a first lead role (where reached)", "years", -1),
        }
    )
    for tr in TRACKS:
        m[f"median_years_to_lead_{tr}"] = Metric(
            f"Median years to a first lead role ({tr} track, where reached)", "years", -1
        )
    for r in EXIT_REASONS:
        m[f"exit_{r}"] = Metric(f"Share of entrants who left: {r.replace('_', ' ')}", "share", -1)
        m[f"n_exit_{r}"] = Metric(f"Entrants who left: {r.replace('_', ' ')} (whole field)", "count", -1)
    for r in RESOURCES:
        m[f"util_{r}"] = Metric(f"Utilisation of {r.replace('_', ' ')}", "share", 0)
        m[f"excess_{r}"] = Metric(f"Unmet demand for {r.replace('_', ' ')} per unit of capacity", "ratio", -1)
    return m


#: every metric compared, in the order reports show them
METRICS: dict[str, Metric] = _metrics()

#: group metrics compared per group: (column, label, unit)
GROUP_METRICS = {
    "p_lead": Metric("Chance of holding a lead role within the window", "share", +1),
    "lead_years": Metric("Lead-years before arrival per person", "years", +1),
    "safety_lead_years": Metric("Safety-relevant lead-years before arrival per person", "years", +1),
}


def _paired(base: np.ndarray, alt: np.ndarray, better: int) -> dict[str, Any]:
    d = paired_difference(base, alt, higher_is_better=better >= 0)
    ok = np.isfinite(base) & np.isfinite(alt)
    d["base_mean"] = float(np.mean(base[ok])) if ok.any() else float("nan")
    d["alt_mean"] = float(np.mean(alt[ok])) if ok.any() else float("nan")
    if better == 0:
        d["share_higher"] = d.pop("share_better")
        d["share_better"] = float("nan")
    return d


#: whole-field totals computed from a replication's per-person metrics: key -> (share column, count column)
DERIVED = {f"n_exit_{r}": (f"exit_{r}", "entrants") for r in EXIT_REASONS}


def _with_derived(reps: pd.DataFrame) -> pd.DataFrame:
    """``reps`` with the whole-field totals of :data:`DERIVED` added where their parts are present."""
    extra = {
        k: pd.to_numeric(reps[a], errors="coerce") * pd.to_numeric(reps[b], errors="coerce")
        for k, (a, b) in DERIVED.items()
        if k not in reps and a in reps and b in reps
    }
    return reps.assign(**extra) if extra else reps


def _aligned(base: pd.DataFrame, alt: pd.DataFrame, col: str) -> tuple[np.ndarray, np.ndarray]:
    b = base.set_index("replication")[col] if col in base else pd.Series(dtype=float)
    a = alt.set_index("replication")[col] if col in alt else pd.Series(dtype=float)
    idx = sorted(set(base["replication"]) | set(alt["replication"]))
    return (
        pd.to_numeric(b.reindex(idx), errors="coerce").to_numpy(dtype=float),
        pd.to_numeric(a.reindex(idx), errors="coerce").to_numpy(dtype=float),
    )


def metric_effects(base_reps: pd.DataFrame, alt_reps: pd.DataFrame) -> dict[str, dict]:
    """Paired difference (alt - base) of every metric in :data:`METRICS` present in both."""
    base_reps, alt_reps = _with_derived(base_reps), _with_derived(alt_reps)
    out = {}
    for key, m in METRICS.items():
        if key not in base_reps.columns or key not in alt_reps.columns:
            continue
        b, a = _aligned(base_reps, alt_reps, key)
        out[key] = _paired(b, a, m.better)
    return out


def group_effects(base_groups: pd.DataFrame, alt_groups: pd.DataFrame) -> list[dict]:
    """Paired differences per group of each group metric, total first."""
    rows = []
    keys = base_groups[["kind", "group"]].drop_duplicates().itertuples(index=False, name=None)
    for kind, group in keys:
        b = base_groups[(base_groups["kind"] == kind) & (base_groups["group"] == group)]
        a = alt_groups[(alt_groups["kind"] == kind) & (alt_groups["group"] == group)]
        row: dict[str, Any] = {
            "kind": kind,
            "group": group,
            "n_base": float(b["n"].mean()) if len(b) else 0.0,
            "n_alt": float(a["n"].mean()) if len(a) else 0.0,
        }
        for col, m in GROUP_METRICS.items():
            bb, aa = _aligned(b, a, col)
            row[col] = _paired(bb, aa, m.better)
        rows.append(row)
    return rows
