"""Paired comparisons of scenarios on common random numbers.

``compare(base, alternatives, replications, seed, workers)`` runs every
scenario with the same root seed, so replication ``r`` of each scenario draws
from the same random streams: the entrants, their traits and the arrival year
match, and the difference ``alternative - base`` in replication ``r`` is the
effect of the change, not of chance. Each outcome metric is summarised as the
mean paired difference with a 95% interval
(:func:`careersim.core.stats.paired_difference`) and the share of replications in
which the alternative is better, with the direction of "better" declared per
metric in :data:`METRICS`.

Effects are also computed per group (intended starting track, background and
the existing field), from each replication's agents, so that a policy that
helps one group by displacing another shows as such.

``write_comparison`` writes ``comparison.json`` (everything the report needs,
so ``careersim report`` can redraw it without re-running) and ``report.html``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
from numba import njit

from careersim.analysis.claims import followed_for
from careersim.config.schema import Scenario, get_path
from careersim.core.stats import paired_difference

TRACKS = ("phd", "independent", "contributor")
BACKGROUNDS = ("undergraduate", "masters", "industry_engineer", "phd_elsewhere")
EXIT_REASONS = ("burnout", "funding_ran_out", "left_for_other_work", "no_lead_opening")
RESOURCES = ("advisor_slots", "grantmaker_time", "money", "programme_places", "lead_openings")

COMPARISON_FORMAT = "careersim-comparison/1"


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
    m.update({
        "lead_years_before_arrival_per_entrant": Metric("Lead-years before arrival per entrant", "years", +1),
        "safety_lead_years_before_arrival_per_entrant": Metric("Safety-relevant lead-years before arrival per entrant", "years", +1),
        "field_lead_years_before_arrival": Metric("Lead-years before arrival, whole field", "years", +1),
        "field_safety_lead_years_before_arrival": Metric("Safety-relevant lead-years before arrival, whole field", "years", +1),
        "new_leads": Metric("Entrants who became leads", "count", +1),
        "leads_at_end": Metric("Leads at the horizon", "count", +1),
        "median_years_to_lead": Metric("Median years to a first lead role (where reached)", "years", -1),
    })
    for tr in TRACKS:
        m[f"median_years_to_lead_{tr}"] = Metric(f"Median years to a first lead role ({tr} track, where reached)", "years", -1)
    for r in EXIT_REASONS:
        m[f"exit_{r}"] = Metric(f"Share of entrants who left: {r.replace('_', ' ')}", "share", -1)
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


# ---------------------------------------------------------------------------
# per-replication group metrics
# ---------------------------------------------------------------------------


def per_replication_value(scenario: Scenario, reps: pd.DataFrame | None, path: str, default: float) -> dict[int, float]:
    """A parameter's value in each replication (drawn values where it is a distribution)."""
    value = get_path(scenario, path)
    col = f"param.{path}"
    if reps is not None and col in reps.columns:
        return {int(r): float(v) for r, v in zip(reps["replication"], reps[col])}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        fixed = float(value)
    elif hasattr(value, "mean"):
        fixed = float(value.mean())
    else:
        fixed = float(default)
    if reps is None:
        return {}
    return {int(r): fixed for r in reps["replication"]}


def group_metrics(agents: pd.DataFrame, horizon: dict[int, float] | float, window: dict[int, float] | float) -> pd.DataFrame:
    """Per replication and group: lead chance within the window and lead-years before arrival.

    Groups are ``all`` entrants, each intended starting ``track``, each
    ``background``, and the ``existing`` field (researchers present at time
    zero, for lead-years only). The lead chance is the share holding a lead
    role within ``window`` years of entry among entrants whose cohort is
    observed that long (entry at most ``horizon - window``), as the run's
    ``p_lead``; lead-years are per person in the group.

    Returns columns ``replication, kind, group, n, n_observed, p_lead,
    lead_years, safety_lead_years``.
    """
    return complete_groups(group_rows(agents, horizon, window))


def group_rows(agents: pd.DataFrame, horizon: dict[int, float] | float, window: dict[int, float] | float) -> pd.DataFrame:
    """:func:`group_metrics` without the rows for empty groups: tables for
    separate replications can be concatenated and completed once.

    Rows come in blocks (all entrants, by track, by background, the existing
    field), each sorted by replication and then by the group's category order,
    with only the groups that have people, as a pandas ``groupby(...,
    observed=True)`` would give them (tested against a pandas reference).
    Sums of lead-years are compensated (Kahan) sums in row order: within an
    ulp or two of exact, and the same whatever library versions are installed."""
    reps = agents["replication"].to_numpy()
    entrant = agents["entrant"].to_numpy().astype(bool)

    def per_rep(value):
        if isinstance(value, dict):  # looked up once per replication, not once per person
            keys = np.unique(reps)
            vals = np.array([value.get(int(r), np.nan) for r in keys], dtype=float)
            return vals[np.searchsorted(keys, reps)]
        return np.full(len(agents), float(value))

    h, w = per_rep(horizon), per_rep(window)
    ytl = agents["years_to_lead"].to_numpy(dtype=float)
    observed = followed_for(agents["entry_year"].to_numpy(dtype=float), h, w)
    leads = observed & (np.nan_to_num(ytl, nan=np.inf) <= w + 1e-9)
    ly = agents["lead_years_before_arrival"].to_numpy(dtype=float)
    sly = agents["safety_lead_years_before_arrival"].to_numpy(dtype=float)

    def block(rows, kind, codes, labels):
        """One block: groups (replication, code) of ``rows``, in sorted order."""
        keep = codes >= 0  # a missing label belongs to no group
        rows, c = rows[keep], codes[keep]
        r = reps[rows]
        u_rep, rep_idx = np.unique(r, return_inverse=True)
        key = rep_idx.astype(np.int64) * max(1, len(labels)) + c
        u_key, g = np.unique(key, return_inverse=True)
        g = g.astype(np.int64).reshape(-1)
        k = len(u_key)
        return {
            "replication": u_rep[u_key // max(1, len(labels))],
            "group": np.asarray(labels, dtype=object)[u_key % max(1, len(labels))],
            "kind": np.full(k, kind, dtype=object),
            "n": np.bincount(g, minlength=k).astype(np.int64),
            "n_observed": np.bincount(g, weights=observed[rows], minlength=k).astype(np.int64),
            "leads": np.bincount(g, weights=leads[rows], minlength=k).astype(np.int64),
            "ly": _kahan_sums(g, ly[rows], k),
            "sly": _kahan_sums(g, sly[rows], k),
        }

    ent = np.flatnonzero(entrant)
    parts = [block(ent, "all", np.zeros(len(ent), dtype=np.int64), ["all"])]
    for kind in ("track", "background"):
        col = agents[kind]
        cat = col.cat if isinstance(col.dtype, pd.CategoricalDtype) else col.astype("category").cat
        parts.append(block(ent, kind, cat.codes.to_numpy()[ent].astype(np.int64), [str(x) for x in cat.categories]))
    existing = np.flatnonzero(~entrant)
    if len(existing):
        b = block(existing, "existing", np.zeros(len(existing), dtype=np.int64), ["existing field"])
        b["n_observed"] = np.zeros_like(b["n"])
        b["leads"] = np.zeros_like(b["n"])
        parts.append(b)
    cols = {c: np.concatenate([p[c] for p in parts]) for c in parts[0]}
    n, n_obs = cols["n"], cols["n_observed"]
    with np.errstate(invalid="ignore", divide="ignore"):
        p_lead = np.where(n_obs > 0, cols["leads"] / np.maximum(n_obs, 1), np.nan)
        lead_years = cols["ly"] / np.maximum(n, 1)
        safety = cols["sly"] / np.maximum(n, 1)
    return pd.DataFrame({
        "replication": cols["replication"].astype(reps.dtype),
        "kind": pd.Series(cols["kind"], dtype=object).astype(str),  # text, as pandas makes it
        "group": pd.Series(cols["group"], dtype=object).astype(str),
        "n": n, "n_observed": n_obs.astype(int), "p_lead": p_lead, "lead_years": lead_years, "safety_lead_years": safety,
    })


@njit(cache=True)
def _kahan_sums(g, v, k):
    """Per-group sums of ``v`` (rows in order, NaN skipped), compensated (Kahan)."""
    sumx = np.zeros(k)
    comp = np.zeros(k)
    for i in range(len(g)):
        val = v[i]
        if val != val:
            continue
        lab = g[i]
        y = val - comp[lab]
        t = sumx[lab] + y
        comp[lab] = t - sumx[lab] - y
        if comp[lab] != comp[lab]:  # an infinite value: no compensation
            comp[lab] = 0.0
        sumx[lab] = t
    return sumx


def complete_groups(df: pd.DataFrame) -> pd.DataFrame:
    """Add rows for (replication, group) pairs with no people, so groups pair up across scenarios."""
    reps = sorted(df["replication"].unique())
    keys = [("all", "all")] + [("track", t) for t in TRACKS] + [("background", b) for b in BACKGROUNDS]
    keys += [k for k in df[["kind", "group"]].drop_duplicates().itertuples(index=False, name=None) if k not in keys]
    full = pd.DataFrame([(r, k, g) for r in reps for k, g in keys], columns=["replication", "kind", "group"])
    out = full.merge(df, on=["replication", "kind", "group"], how="left")
    out["n"] = out["n"].fillna(0).astype(int)
    out["n_observed"] = out["n_observed"].fillna(0).astype(int)
    return out.sort_values(["kind", "group", "replication"], key=lambda s: s.map(_group_order) if s.name in ("kind", "group") else s,
                           kind="stable").reset_index(drop=True)


_ORDER = {k: i for i, k in enumerate(("all", "track", "background", "existing") + TRACKS + BACKGROUNDS + ("existing field",))}


def _group_order(v):
    return _ORDER.get(v, len(_ORDER))


# ---------------------------------------------------------------------------
# paired effects
# ---------------------------------------------------------------------------


def _paired(base: np.ndarray, alt: np.ndarray, better: int) -> dict[str, Any]:
    d = paired_difference(base, alt, higher_is_better=better >= 0)
    ok = np.isfinite(base) & np.isfinite(alt)
    d["base_mean"] = float(np.mean(base[ok])) if ok.any() else float("nan")
    d["alt_mean"] = float(np.mean(alt[ok])) if ok.any() else float("nan")
    if better == 0:
        d["share_higher"] = d.pop("share_better")
        d["share_better"] = float("nan")
    return d


def _aligned(base: pd.DataFrame, alt: pd.DataFrame, col: str) -> tuple[np.ndarray, np.ndarray]:
    b = base.set_index("replication")[col] if col in base else pd.Series(dtype=float)
    a = alt.set_index("replication")[col] if col in alt else pd.Series(dtype=float)
    idx = sorted(set(base["replication"]) | set(alt["replication"]))
    return (pd.to_numeric(b.reindex(idx), errors="coerce").to_numpy(dtype=float),
            pd.to_numeric(a.reindex(idx), errors="coerce").to_numpy(dtype=float))


def metric_effects(base_reps: pd.DataFrame, alt_reps: pd.DataFrame) -> dict[str, dict]:
    """Paired difference (alt - base) of every metric in :data:`METRICS` present in both."""
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
        row: dict[str, Any] = {"kind": kind, "group": group,
                               "n_base": float(b["n"].mean()) if len(b) else 0.0,
                               "n_alt": float(a["n"].mean()) if len(a) else 0.0}
        for col, m in GROUP_METRICS.items():
            bb, aa = _aligned(b, a, col)
            row[col] = _paired(bb, aa, m.better)
        rows.append(row)
    return rows


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
        "curves": pd.concat([pd.DataFrame({"track": tr, "years": c["grid"], "value": c["value"], "low": c["low"], "high": c["high"]})
                             for tr, c in curves.items()], ignore_index=True),
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
    from careersim.experiments import experiment
    from careersim.experiments.experiment import summary_json
    from careersim.reporting.views import scenario_view, view_to_json

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
            scenario=sc, summary=summary_json(exp), replications=tables["replications"], curves=tables["curves"],
            timeseries=tables["timeseries"], flows=tables["flows"], groups=groups,
            role="base" if i == 0 else "alternative",
        )
        views.append(view)
        del exp
    prov = experiment.provenance(base, seed, replications)
    prov.pop("scenario_sha256", None)
    prov["wall_seconds"] = round(time.time() - started, 3)
    prov["scenarios"] = [{"role": v["role"], "name": v["name"], "scenario_sha256": v["sha256"]} for v in views]
    comparisons = []
    for v in views[1:]:
        comparisons.append({
            "base": views[0]["name"],
            "alternative": v["name"],
            "effects": metric_effects(views[0]["replications"], v["replications"]),
            "groups": group_effects(views[0]["groups"], v["groups"]),
        })
    return {
        "format": COMPARISON_FORMAT,
        "base": views[0]["name"],
        "alternatives": [v["name"] for v in views[1:]],
        "provenance": prov,
        "metrics": {k: {"label": m.label, "unit": m.unit, "higher_is_better": (None if m.better == 0 else m.better > 0)}
                    for k, m in METRICS.items()},
        "group_metrics": {k: {"label": m.label, "unit": m.unit, "higher_is_better": m.better > 0} for k, m in GROUP_METRICS.items()},
        "comparisons": comparisons,
        "scenarios": [view_to_json(v) for v in views],
    }


def clean_json(o: Any) -> Any:
    """JSON-safe values: NaN and infinities become null, numpy scalars plain numbers."""
    if isinstance(o, dict):
        return {str(k): clean_json(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [clean_json(v) for v in o]
    if isinstance(o, np.ndarray):
        return [clean_json(v) for v in o.tolist()]
    if isinstance(o, (bool, np.bool_)):
        return bool(o)
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (float, np.floating)):
        f = float(o)
        return f if np.isfinite(f) else None
    return o


def write_comparison(data: dict, out_dir: Path) -> None:
    """Write ``comparison.json`` and ``report.html`` into ``out_dir`` (the caller makes it atomic)."""
    from careersim.reporting.pages import render_comparison

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "comparison.json").write_text(json.dumps(clean_json(data), indent=1, allow_nan=False) + "\n", encoding="utf-8")
    render_comparison(out_dir)


def default_out_dir(base: Scenario, alternatives: Sequence[Scenario]) -> Path:
    import re

    def slug(name: str) -> str:
        return re.sub(r"[^\w.-]+", "-", name).strip(".-") or "scenario"

    return Path("reports") / ("compare-" + slug(base.name) + "-vs-" + "-".join(slug(a.name) for a in alternatives))
