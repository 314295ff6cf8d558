"""Lead chances and lead-years per group of people, per replication.

Groups are ``all`` entrants, each intended starting ``track``, each
``background``, and the ``existing`` field (researchers present at time zero),
so that a policy that helps one group by displacing another shows as such.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from careersim.analysis.claims import followed_for
from careersim.config.schema import Scenario, get_path
from careersim.core.codes import BACKGROUNDS, TRACKS
from careersim.core.compiled import njit


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


def group_metrics(
    agents: pd.DataFrame, horizon: dict[int, float] | float, window: dict[int, float] | float
) -> pd.DataFrame:
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


def group_rows(
    agents: pd.DataFrame, horizon: dict[int, float] | float, window: dict[int, float] | float
) -> pd.DataFrame:
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
    return pd.DataFrame(
        {
            "replication": cols["replication"].astype(reps.dtype),
            "kind": pd.Series(cols["kind"], dtype=object).astype(str),  # text, as pandas makes it
            "group": pd.Series(cols["group"], dtype=object).astype(str),
            "n": n,
            "n_observed": n_obs.astype(int),
            "p_lead": p_lead,
            "lead_years": lead_years,
            "safety_lead_years": safety,
        }
    )


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
    return out.sort_values(
        ["kind", "group", "replication"],
        key=lambda s: s.map(_group_order) if s.name in ("kind", "group") else s,
        kind="stable",
    ).reset_index(drop=True)


_ORDER = {
    k: i for i, k in enumerate(("all", "track", "background", "existing") + TRACKS + BACKGROUNDS + ("existing field",))
}


def _group_order(v):
    return _ORDER.get(v, len(_ORDER))
