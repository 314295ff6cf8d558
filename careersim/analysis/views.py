"""What a report shows, gathered from a run folder or a running experiment.

A *view* of one scenario's results is a plain dict::

    name, description, sha256, role        # identity ("base", "alternative" or "run")
    scenario                               # the Scenario
    summary                                # the content of summary.json
    replications                           # DataFrame, one row per replication
    curves                                 # DataFrame track, years, value, low, high (or None)
    ts                                     # monthly series summarised over replications (or None)
    flows                                  # DataFrame from_state, to_state, mean (or None)
    groups                                 # per-replication group metrics (or None)
    missing                                # names of result files that were not found

Run reports build it from the files in a run folder; comparisons build one per
scenario from the experiment and store it in ``comparison.json`` (so a report
can be redrawn from that file alone).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from careersim.analysis.groups import group_metrics, per_replication_value
from careersim.config.scenarios import ScenarioError, load_scenario
from careersim.config.schema import Scenario, baseline
from careersim.core.files import read_results_json, unreadable

#: monthly series the report draws: key -> label (how each is computed is in _series)
SERIES = {
    "grant_queue": "Grant applications waiting for review",
    "reviewer_utilisation": "Grantmaker time in use",
    "advisor_utilisation": "PhD advisor slots in use",
    "ready_waiting": "Lead-ready researchers without a lead role",
    "vacancies": "Unfilled lead openings",
    "n_lead": "Research leads",
    "positions": "Lead positions (the sources' capacity)",
    "outside_leads": "Leads hired from outside the simulated field",
    "openings_growth": "Lead openings in the past year from growth of the sources' positions",
    "openings_replacement": "Lead openings in the past year from replacement (a holder left or a role ended)",
    "mentor_hours_supplied": "Mentor hours a week the leads supply",
    "mentor_hours_asked": "Mentor hours a week asked of the leads",
    "mentor_met": "Share of the mentor hours asked that the leads' time covers",
}
PERCENT_SERIES = {"reviewer_utilisation", "advisor_utilisation", "mentor_met"}


def _series(ts: pd.DataFrame) -> dict[str, pd.Series]:
    out: dict[str, pd.Series] = {}
    if "grant_queue" in ts:
        out["grant_queue"] = ts["grant_queue"].astype(float)
    if "reviewer_utilisation" in ts:
        out["reviewer_utilisation"] = ts["reviewer_utilisation"].astype(float)
    if "advisor_slots_used" in ts and "advisor_slots" in ts:
        out["advisor_utilisation"] = ts["advisor_slots_used"].astype(float) / ts["advisor_slots"].astype(float).clip(
            lower=1
        )
    for key in (
        "ready_waiting",
        "vacancies",
        "n_lead",
        "positions",
        "outside_leads",
        "mentor_hours_supplied",
        "mentor_hours_asked",
    ):
        if key in ts:
            out[key] = ts[key].astype(float)
    for key, col in (("openings_growth", "opened_growth"), ("openings_replacement", "opened_replacement")):
        if col in ts:  # the past twelve months' openings, within each replication
            x = ts[col].astype(float)
            by = ts["replication"] if "replication" in ts else pd.Series(0, index=ts.index)
            out[key] = x.groupby(by, sort=False).transform(lambda v: v.rolling(12, min_periods=1).sum())
    if "mentor_hours_given" in ts and "mentor_hours_asked" in ts:
        asked = ts["mentor_hours_asked"].astype(float)
        out["mentor_met"] = (ts["mentor_hours_given"].astype(float) / asked.where(asked > 0)).fillna(1.0)
    return out


def summarise_timeseries(ts: pd.DataFrame) -> dict:
    """Monthly mean and 2.5%-97.5% range over replications of each series in :data:`SERIES`."""
    series = _series(ts)
    frame = pd.DataFrame({"year": ts["year"].astype(float).round(6), **series})
    g = frame.groupby("year", sort=True)
    out: dict[str, Any] = {"year": [float(y) for y in g.size().index], "series": {}}
    for key in series:
        out["series"][key] = {
            "mean": g[key].mean().to_numpy().tolist(),
            "low": g[key].quantile(0.025).to_numpy().tolist(),
            "high": g[key].quantile(0.975).to_numpy().tolist(),
        }
    starts = []
    if "policies" in ts:
        first = ts[ts["replication"] == ts["replication"].min()] if "replication" in ts else ts
        prev: set[str] = set()
        for year, pol in zip(first["year"], first["policies"].astype(str)):
            now = {p for p in pol.split(",") if p}
            for name in sorted(now - prev):
                starts.append({"name": name, "year": float(year), "event": "start"})
            for name in sorted(prev - now):
                starts.append({"name": name, "year": float(year), "event": "end"})
            prev = now
    out["policy_changes"] = starts
    return out


def summarise_flows(flows: pd.DataFrame, n_replications: int) -> pd.DataFrame:
    """Mean moves per replication between states (pairs absent in a replication count as 0)."""
    n = max(1, int(n_replications))
    t = flows.groupby(["from_state", "to_state"], observed=True)["count"].sum().reset_index()
    t["mean"] = t["count"] / n
    return t[["from_state", "to_state", "mean"]].sort_values(["from_state", "to_state"]).reset_index(drop=True)


def interventions_of(scenario: Scenario) -> list[dict]:
    return [
        {
            "name": iv.name,
            "kind": iv.kind,
            "start": float(iv.start),
            "end": None if iv.end is None else float(iv.end),
            "set": dict(iv.set),
            "scale": dict(iv.scale),
        }
        for iv in scenario.interventions
    ]


def scenario_view(
    *,
    scenario: Scenario,
    summary: dict,
    replications: pd.DataFrame,
    curves: pd.DataFrame | None,
    timeseries: pd.DataFrame | None,
    flows: pd.DataFrame | None,
    groups: pd.DataFrame | None,
    role: str = "run",
    missing: list[str] | None = None,
) -> dict:
    n = len(replications) if replications is not None else 0
    return {
        "name": summary.get("scenario", scenario.name),
        "description": summary.get("description", scenario.description) or "",
        "sha256": (summary.get("provenance") or {}).get("scenario_sha256") or scenario.hash(),
        "role": role,
        "scenario": scenario,
        "summary": summary,
        "replications": replications if replications is not None else pd.DataFrame({"replication": []}),
        "curves": curves,
        "ts": summarise_timeseries(timeseries) if timeseries is not None and len(timeseries) else None,
        "flows": summarise_flows(flows, n) if flows is not None else None,
        "groups": groups,
        "interventions": interventions_of(scenario),
        "missing": list(missing or []),
    }


# ---------------------------------------------------------------------------
# run folders
# ---------------------------------------------------------------------------


def _read_parquet(path: Path, columns: list[str] | None = None) -> pd.DataFrame | None:
    if not path.exists():
        return None
    try:
        if columns is not None:  # a file, or a folder of parts (a Parquet dataset)
            import pyarrow.dataset as ds

            have = set(ds.dataset(str(path), format="parquet").schema.names)
            columns = [c for c in columns if c in have]
        return pd.read_parquet(path, columns=columns)
    except (OSError, ValueError) as exc:  # pyarrow's errors are ValueErrors (ArrowInvalid) or OSErrors
        raise unreadable(path, "a Parquet table", exc) from None


AGENT_COLUMNS = [
    "replication",
    "entrant",
    "track",
    "background",
    "entry_year",
    "years_to_lead",
    "lead_years_before_arrival",
    "safety_lead_years_before_arrival",
]


def load_run(out_dir: Path) -> dict:
    """The view of a run folder written by ``careersim run``."""
    out_dir = Path(out_dir)
    summary = read_results_json(out_dir / "summary.json")
    missing = []
    scen_file = out_dir / "scenario.yaml"
    scenario = None
    if scen_file.exists():
        try:
            scenario = load_scenario(scen_file)
        except ScenarioError:  # written by another version of careersim
            missing.append("a readable scenario.yaml (the assumptions table shows the baseline instead)")
    else:
        missing.append("scenario.yaml (the assumptions table shows the baseline instead)")
    if scenario is None:
        scenario = _stand_in(summary)
    tables = {}
    for name in ("replications", "curves", "timeseries", "flows"):
        tables[name] = _read_parquet(out_dir / f"{name}.parquet")
        if tables[name] is None:
            missing.append(f"{name}.parquet")
    reps = tables["replications"]
    groups = _read_parquet(out_dir / "groups.parquet")
    if groups is None:  # a run folder from before groups.parquet: compute from the agents
        agents = _read_parquet(out_dir / "agents.parquet", AGENT_COLUMNS)
        if agents is None:
            missing.append("groups.parquet (or agents.parquet, to compute it from)")
        elif reps is not None and set(AGENT_COLUMNS) <= set(agents.columns):
            horizon = per_replication_value(scenario, reps, "run.horizon", 20.0)
            window = per_replication_value(scenario, reps, "run.claims_window", 10.0)
            groups = group_metrics(agents, horizon, window)
    return scenario_view(
        scenario=scenario,
        summary=summary,
        replications=reps,
        curves=tables["curves"],
        timeseries=tables["timeseries"],
        flows=tables["flows"],
        groups=groups,
        role="run",
        missing=missing,
    )


# ---------------------------------------------------------------------------
# JSON round trip (comparison.json)
# ---------------------------------------------------------------------------


def _records(df: pd.DataFrame | None) -> dict | None:
    if df is None:
        return None
    out = {}
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            out[c] = (
                [None if (isinstance(v, float) and not np.isfinite(v)) else v for v in s.astype(float).tolist()]
                if not pd.api.types.is_integer_dtype(s)
                else s.astype(int).tolist()
            )
        else:
            out[c] = s.astype(str).tolist()
    return out


def _frame(d: dict | None) -> pd.DataFrame | None:
    if d is None:
        return None
    df = pd.DataFrame(d)
    for c in df.columns:
        if df[c].dtype == object:
            conv = pd.to_numeric(df[c], errors="coerce")
            if conv.notna().sum() == df[c].notna().sum():  # all numbers (or nulls)
                df[c] = conv.astype(float)
    return df


def view_to_json(view: dict) -> dict:
    return {
        "name": view["name"],
        "description": view["description"],
        "sha256": view["sha256"],
        "role": view["role"],
        "scenario": view["scenario"].normalised(),
        "summary": view["summary"],
        "replications": _records(view["replications"]),
        "curves": _records(view["curves"]),
        "ts": view["ts"],
        "flows": _records(view["flows"]),
        "groups": _records(view["groups"]),
        "interventions": view["interventions"],
    }


def _stand_in(summary: dict) -> Scenario:
    return baseline().model_copy(
        update={
            "name": summary.get("scenario") or summary.get("name") or "?",
            "description": summary.get("description") or "",
        }
    )


def view_from_json(d: dict) -> dict:
    missing = []
    try:
        scenario = Scenario.model_validate(d["scenario"])
    except Exception:  # noqa: BLE001 - a scenario stored by another version of careersim
        scenario = _stand_in(d)
        missing.append(f"a readable scenario for {d.get('name')} (the assumptions table shows the baseline instead)")
    return {
        "name": d["name"],
        "description": d.get("description") or "",
        "sha256": d["sha256"],
        "role": d.get("role", "alternative"),
        "scenario": scenario,
        "summary": d["summary"],
        "replications": _frame(d.get("replications"))
        if d.get("replications") is not None
        else pd.DataFrame({"replication": []}),
        "curves": _frame(d.get("curves")),
        "ts": d.get("ts"),
        "flows": _frame(d.get("flows")),
        "groups": _frame(d.get("groups")),
        "interventions": d.get("interventions") or interventions_of(scenario),
        "missing": missing,
    }
