"""One replication: a pure function of (scenario, seed) returning tidy tables.

``simulate(scenario, seed, replication=0)`` draws the replication's parameter
values, builds the field, runs it and returns a :class:`Replication` with

* ``agents``: one row per researcher (entrants and the existing field);
* ``events``: every state transition (agent, time, from, to, reason);
* ``timeseries``: one row per month (counts per state, queues, utilisation);
* ``summary``: a flat dict of outcome metrics;
* ``parameters``: the parameter values drawn for this replication.

Nothing here reads or writes files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
from numba import njit

from .model.field import FieldModel
from .model.kernel import TICKS_PER_YEAR
from .model.params import draw_parameters, uncertain_parameters
from .model.population import transposed
from .model.state import (
    ADVISOR, BACKGROUND, BACKGROUND_NAMES, ENTRY, EVENT_NAMES, EXIT_NAMES, EXIT_REASON, EXIT_TICK,
    F_EVER_PHD, F_EXPOSED, F_HAS_PHD, F_PROGRAMME, F_SAFE_ADVISOR, FLAGS, KIND, KIND_NAMES, LEAD_PRE,
    LEAD_SAFE_PRE, LEAD_SRC, LEAD_TICK, LEAD_YEARS, LEGIB, LR, PHD_READY, PHD_START, PID,
    READY, RECORD, RESIL, SDIR, SKILL0, SKILL_NAMES, SMOT, SOURCE_NAMES, STATE, STATE_NAMES, T_INITIAL,
    TRACK, TRACK_NAMES, F_COLLAB, EXE2, PROG_END,
)
from .claims import Columns, as_columns, flatten, followed_for, select, share_within, single_run_claims
from .rng import Streams
from .scenario import Scenario
from .stats import km_median, unique_inverse

TRACKS = ("phd", "independent", "contributor")
# categorical types of the coded columns, built once (building one per column and
# replication costs more than the column itself)
_CATEGORIES = {names: pd.CategoricalDtype(list(names)) for names in (
    BACKGROUND_NAMES, TRACK_NAMES, KIND_NAMES, STATE_NAMES, EXIT_NAMES, SOURCE_NAMES, EVENT_NAMES)}


def _coded(codes: np.ndarray, names: tuple[str, ...]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, dtype=_CATEGORIES[names])
GRANT_OUTCOMES = {1: "funded", 0: "rejected", 2: "no_money", -1: "withdrawn", -2: "left_while_queued", -3: "open"}


@dataclass
class Replication:
    agents: pd.DataFrame
    events: pd.DataFrame
    timeseries: pd.DataFrame
    summary: dict
    parameters: dict
    institutions: dict = field(default_factory=dict)


def simulate(scenario: Scenario, seed: int, replication: int = 0) -> Replication:
    """Run one replication of ``scenario`` with root ``seed``."""
    streams = Streams(seed, replication)
    values = draw_parameters(scenario, streams)
    arrival_draw = scenario.timelines.arrival
    if hasattr(arrival_draw, "ppf"):  # the arrival has its own stream (M9)
        values["timelines.arrival"] = float(arrival_draw.ppf(streams.generator("arrival").random()))
    model = FieldModel(values, list(scenario.interventions), streams).run()
    agent_cols, event_cols = agents_columns(model), events_columns(model)
    agents = pd.DataFrame(agent_cols, copy=False)  # the columns are fresh arrays: no copy into blocks
    events = pd.DataFrame(event_cols)
    ts_cols = timeseries_columns(model)
    ts = pd.DataFrame(ts_cols)
    drawn = {k: values[k] for k in uncertain_parameters(scenario)}
    drawn["timelines.arrival"] = values["timelines.arrival"]
    inst_cols = institution_columns(model)
    inst = institution_tables(model, inst_cols)
    # the summary and the claims share the conversions of the agents' columns, and read
    # them (as the bottleneck metrics do the others) before they became tables
    cols = Columns(agent_cols)
    summary = summarise_replication(cols, ts_cols, inst_cols, values, model)
    summary.update(flatten(single_run_claims(cols, Columns(event_cols), values["run.horizon"],
                                             values["run.claims_window"])))
    return Replication(agents=agents, events=events, timeseries=ts, summary=summary,
                       parameters=drawn, institutions=inst)


# ---------------------------------------------------------------------------
def _years(ticks, origin):
    out = (ticks - origin) / TICKS_PER_YEAR
    return np.where(ticks >= 0, out, np.nan)


def agents_table(model: FieldModel) -> pd.DataFrame:
    """One row per researcher (entrants and the existing field)."""
    return pd.DataFrame(agents_columns(model), copy=False)  # the columns are fresh arrays: no copy into blocks


def agents_columns(model: FieldModel) -> dict:
    """The columns of :func:`agents_table`: numpy arrays and Categoricals."""
    w = model.world
    n = w.n
    # the state arrays hold one row per agent: read them column by column
    F, I = transposed(w.F[:n]).T, transposed(w.I[:n]).T
    b = model.burn_in
    entry = I[:, ENTRY]
    flags = I[:, FLAGS]
    adv = I[:, ADVISOR]
    has_adv = adv >= 0
    adv_q = np.where(has_adv, model.advisors.quality[np.maximum(adv, 0)], np.nan)
    lead_t = I[:, LEAD_TICK]
    cols = {
        "agent": np.arange(n),
        "person_id": I[:, PID],
        "cohort": np.where(I[:, TRACK] == T_INITIAL, -1, (entry - b) // TICKS_PER_YEAR),
        "entry_year": (entry - b) / TICKS_PER_YEAR,
        "entrant": (I[:, TRACK] != T_INITIAL) & (entry >= b),
        "background": _coded(I[:, BACKGROUND], BACKGROUND_NAMES),
        "track": _coded(I[:, TRACK], TRACK_NAMES),
        "contributor_kind": _coded(I[:, KIND], KIND_NAMES),
        "learning_rate": F[:, LR],
        "self_direction": F[:, SDIR],
        "resilience": F[:, RESIL],
        "safety_motivation": F[:, SMOT],
        "legibility": F[:, LEGIB],
        "ever_phd": (flags & F_EVER_PHD) != 0,
        "has_phd": (flags & F_HAS_PHD) != 0,
        "advisor_quality": adv_q,
        "advisor_safety": np.where(has_adv, (flags & F_SAFE_ADVISOR) != 0, False),
        "outside_exposure": (flags & F_EXPOSED) != 0,
        "programme": (flags & F_PROGRAMME) != 0,
        "programme_end_year": np.where(I[:, PROG_END] >= 0, (I[:, PROG_END] - b) / TICKS_PER_YEAR, np.nan),
        "collaborator": (flags & F_COLLAB) != 0,
        "final_state": _coded(I[:, STATE], STATE_NAMES),
        "exit_reason": _coded(I[:, EXIT_REASON], EXIT_NAMES),
        "exit_year": _years(I[:, EXIT_TICK], b),
        "years_to_lead": np.where(lead_t >= 0, (lead_t - entry) / TICKS_PER_YEAR, np.nan),
        "lead_source": _coded(np.where(lead_t >= 0, I[:, LEAD_SRC], -1), SOURCE_NAMES),
        "years_to_ready": np.where(I[:, READY] >= 0, (I[:, READY] - entry) / TICKS_PER_YEAR, np.nan),
        "phd_years_to_ready": np.where(I[:, PHD_READY] >= 0, (I[:, PHD_READY] - I[:, PHD_START]) / TICKS_PER_YEAR, np.nan),
        "phd_start_year": np.where((flags & F_EVER_PHD) != 0, (I[:, PHD_START] - b) / TICKS_PER_YEAR, np.nan),
        "years_observed": (model.T - np.maximum(entry, 0)) / TICKS_PER_YEAR,
        "lead_years": F[:, LEAD_YEARS],
        "lead_years_before_arrival": F[:, LEAD_PRE],
        "safety_lead_years_before_arrival": F[:, LEAD_SAFE_PRE],
        "track_record": F[:, RECORD],
        "execution_at_2_years": np.where(model.T - entry > 2 * TICKS_PER_YEAR, F[:, EXE2], np.nan),
    }
    for j, name in enumerate(SKILL_NAMES):
        cols[name] = F[:, j]
        cols[f"initial_{name}"] = F[:, SKILL0 + j]
    # track history summary from the event log: the sequence of states visited
    cols["path"], cols["transitions"] = _paths(w.LOG[: int(w.nlog[0])], n)
    return cols


def _paths(ev: np.ndarray, n: int):
    """Each agent's sequence of distinct consecutive states, as text like
    'phd_applicant>phd>contributor>lead' (a categorical: few distinct paths),
    and each agent's number of transitions."""
    code, counts = _path_codes(ev, n)
    uniq, inverse = unique_inverse(code)
    labels = [_path_label(key) for key in uniq.tolist()]
    return pd.Categorical.from_codes(inverse, categories=labels), counts


@lru_cache(maxsize=1 << 16)
def _path_label(key: int) -> str:
    """The text of a path coded by :func:`_path_codes` (the same few recur in every replication)."""
    digits = []
    while key > 1:  # the leading 1 marks where the path starts
        key, d = divmod(key, 8)
        digits.append(d)
    return ">".join(STATE_NAMES[d] for d in reversed(digits))


@njit(cache=True)
def _path_codes(ev, n):
    """Paths as base-8 digits (states < 8) after a leading 1, at most 20 states (longer
    ones truncated; 8**20 < 2**63), from the event log (in time order per agent);
    repeated consecutive states count once."""
    counts = np.zeros(n, dtype=np.int64)
    last = np.full(n, -1, dtype=np.int64)
    code = np.ones(n, dtype=np.int64)
    length = np.zeros(n, dtype=np.int64)
    for k in range(len(ev)):
        a, s = ev[k, 0], ev[k, 3]
        counts[a] += 1
        if s != last[a]:
            last[a] = s
            if length[a] < 20:
                code[a] = code[a] * 8 + s
                length[a] += 1
    return code, counts


def events_table(model: FieldModel) -> pd.DataFrame:
    """Every state transition: agent, time, from, to, reason."""
    return pd.DataFrame(events_columns(model))


def events_columns(model: FieldModel) -> dict:
    """The columns of :func:`events_table`: numpy arrays and Categoricals."""
    w = model.world
    ev = w.LOG[: int(w.nlog[0])]
    tick = ev[:, 1] - model.burn_in
    return {
        "agent": ev[:, 0],
        "tick": tick,
        "year": tick / TICKS_PER_YEAR,
        "from_state": _coded(ev[:, 2], STATE_NAMES),
        "to_state": _coded(ev[:, 3], STATE_NAMES),
        "reason": _coded(ev[:, 4], EVENT_NAMES),
    }


# numpy types of columns holding only Python values of one of these types: what
# pandas infers for them
_INFERRED = {int: np.int64, float: np.float64, bool: np.bool_}


def _records(rows: list[dict]) -> dict:
    """Columns of a list of same-keyed dicts (what ``pd.DataFrame(rows)`` would
    build, without its per-row inference): a column of only ints, only floats or
    only bools as a numpy array, any other as a list for pandas to infer."""
    cols = {}
    for k in rows[0] if rows else ():
        values = [r[k] for r in rows]
        types = set(map(type, values))
        kind = _INFERRED.get(types.pop()) if len(types) == 1 else None
        cols[k] = values if kind is None else np.array(values, dtype=kind)
    return cols


def timeseries_table(model: FieldModel) -> pd.DataFrame:
    return pd.DataFrame(timeseries_columns(model))


def timeseries_columns(model: FieldModel) -> dict:
    """The columns of :func:`timeseries_table`."""
    cols = model.series_columns()
    tick = cols.pop("tick") - model.burn_in
    return {"tick": tick, "year": tick / TICKS_PER_YEAR, **cols}


def institution_columns(model: FieldModel) -> dict[str, dict]:
    """The columns of the institutions' monthly and per-round records, by table."""
    return {
        "grant_months": model.grants.month_columns(),
        "admissions": _records(model.admissions.history),
        "programme": _records(model.programme.history),
        "hiring": model.hiring.columns(),
    }


def institution_tables(model: FieldModel, columns: dict[str, dict] | None = None) -> dict:
    apps = model.grants.applications()
    columns = institution_columns(model) if columns is None else columns
    return {
        "grant_applications": pd.DataFrame({
            "agent": apps[:, 0].astype(np.int64), "submit": apps[:, 1], "start": apps[:, 2], "decided": apps[:, 3],
            "outcome": pd.Series(apps[:, 4].astype(np.int64)).map(GRANT_OUTCOMES).array,
        }),
        **{name: pd.DataFrame(cols) for name, cols in columns.items()},
    }


# ---------------------------------------------------------------------------
def summarise_replication(agents, ts, inst: dict, values: dict, model: FieldModel) -> dict:
    """The replication's outcome metrics; ``agents`` is the agents table or its :class:`Columns`,
    ``ts`` and ``inst`` the time series and institution tables or their columns."""
    horizon = values["run.horizon"]
    window = values["run.claims_window"]
    col = as_columns(agents)
    e = col.where("entrant")
    full = followed_for(e["entry_year"], horizon, window)  # cohorts observed for the whole window
    on_track = {tr: e["track"] == tr for tr in TRACKS}
    n_ent = len(e["entrant"])
    out: dict = {"arrival_years": model.arrival_years, "entrants": n_ent, "simpy_wakeups": model.wakeups}
    out["p_lead"] = share_within(e["years_to_lead"][full], window)
    for tr in TRACKS:
        out[f"p_lead_{tr}"] = share_within(e["years_to_lead"][full & on_track[tr]], window)
    for tr in TRACKS:
        out[f"p_ready_{tr}"] = share_within(e["years_to_ready"][full & on_track[tr]], window)
        m = on_track[tr]
        out[f"exit_funding_ran_out_{tr}"] = float(np.mean(e["exit_reason"][m] == "funding_ran_out")) if m.any() else float("nan")
    dur, obs = _time_to_lead(e["years_to_lead"], e["exit_year"], e["entry_year"], horizon)
    out["median_years_to_lead"] = km_median(dur, obs) if len(dur) else float("nan")
    for tr in TRACKS:
        m = on_track[tr]
        out[f"median_years_to_lead_{tr}"] = km_median(*select(m, dur, obs)) if m.any() else float("nan")
    n = max(1, n_ent)
    out["lead_years_before_arrival_per_entrant"] = float(e["lead_years_before_arrival"].sum() / n)
    out["safety_lead_years_before_arrival_per_entrant"] = float(e["safety_lead_years_before_arrival"].sum() / n)
    out["field_lead_years_before_arrival"] = float(col["lead_years_before_arrival"].sum())
    out["field_safety_lead_years_before_arrival"] = float(col["safety_lead_years_before_arrival"].sum())
    out["leads_at_end"] = int((col["final_state"] == "lead").sum())
    out["new_leads"] = int(np.isfinite(e["years_to_lead"]).sum())
    for reason in EXIT_NAMES[1:]:
        out[f"exit_{reason}"] = float(np.mean(e["exit_reason"] == reason)) if n_ent else float("nan")
    out.update(bottlenecks(ts, inst, values))
    return out


def _time_to_lead(ytl: np.ndarray, exit_year: np.ndarray, entry_year: np.ndarray, horizon: float):
    observed = np.isfinite(ytl)
    exit_after = exit_year - entry_year
    censor = np.where(np.isfinite(exit_after), exit_after, horizon - entry_year)
    dur = np.where(observed, ytl, np.maximum(censor, 0.0))
    return dur, observed


def bottlenecks(ts, inst: dict, values: dict) -> dict:
    """Utilisation and excess demand of each scarce resource, and which binds.

    excess demand = unserved demand per unit of capacity; a resource *binds*
    when it is nearly fully used (utilisation >= 0.9) and has the largest
    excess demand among such resources. ``ts`` and the tables in ``inst`` may be
    DataFrames or dicts of columns.
    """
    res: dict[str, dict] = {}

    def cols(table, *names: str) -> list[np.ndarray]:
        return [np.asarray(table[c], dtype=np.float64) for c in names]

    def rows(table) -> int:
        return len(table) if isinstance(table, pd.DataFrame) else len(next(iter(table.values()), ()))

    adm = inst["admissions"]
    if rows(adm):
        applicants, admitted, slots = cols(adm, "applicants", "admitted", "slots")
        used, avail = cols(ts, "advisor_slots_used", "advisor_slots")
        res["advisor_slots"] = {
            "utilisation": float(np.mean(used / np.maximum(avail, 1))),
            "excess_demand": float(np.mean((applicants - admitted) / np.maximum(slots, 1))),
        }
    gm = inst["grant_months"]
    if rows(gm):
        busy, queue, accepted, short, funded, budget = cols(gm, "reviewer_busy", "queue", "accepted", "money_short",
                                                           "funded", "budget")
        res["grantmaker_time"] = {
            "utilisation": float(np.mean(np.minimum(busy, 1))),
            "excess_demand": float(np.mean(queue / max(1.0, values["grants.reviewers"] * 4 / (values["grants.review_time"] * TICKS_PER_YEAR)))),
        }
        dec = accepted.sum() + short.sum()
        res["money"] = {
            "utilisation": float(np.mean(np.minimum(funded / np.maximum(budget, 1e-9), 1))),
            "excess_demand": float(short.sum() / dec) if dec else 0.0,
        }
    pr = inst["programme"]
    if rows(pr):
        filled, places, insiders, admitted = cols(pr, "filled", "places", "insiders", "admitted")
        res["programme_places"] = {
            "utilisation": float(np.mean(filled / np.maximum(places, 1))),
            "excess_demand": float(np.mean(np.maximum(insiders - admitted, 0) / np.maximum(places, 1))),
        }
    hi = inst["hiring"]
    if rows(hi):
        filled, vac, cand = cols(hi, "filled", "vacancies", "candidates")
        vac = np.maximum(vac, 1)
        res["lead_openings"] = {
            "utilisation": float(np.mean(filled / vac)),
            "excess_demand": float(np.mean(np.maximum(cand - filled, 0) / vac)),
        }
    binding = None
    best = -1.0
    for name, r in res.items():
        if r["utilisation"] >= 0.9 and r["excess_demand"] > best:
            best, binding = r["excess_demand"], name
    out = {f"util_{k}": v["utilisation"] for k, v in res.items()}
    out.update({f"excess_{k}": v["excess_demand"] for k, v in res.items()})
    out["binding_constraint"] = binding or "none"
    return out
