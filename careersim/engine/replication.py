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

from careersim.engine.field import FieldModel
from careersim.engine.kernel import TICKS_PER_YEAR
from careersim.engine.parameters import draw_parameters
from careersim.engine.layout import (
    ADVISOR, BACKGROUND, BACKGROUND_NAMES, ENTRY, EVENT_NAMES, EXIT_NAMES, EXIT_REASON, EXIT_TICK,
    F_EVER_PHD, F_EXPOSED, F_HAS_PHD, F_PROGRAMME, F_SAFE_ADVISOR, FLAGS, KIND, KIND_NAMES, LEAD_PRE,
    LEAD_SAFE_PRE, LEAD_SRC, LEAD_TICK, LEAD_YEARS, LEGIB, LR, PHD_READY, PHD_START, PID,
    READY, RECORD, RESIL, SDIR, SKILL0, SKILL_NAMES, SMOT, SOURCE_NAMES, STATE, STATE_NAMES, T_INITIAL,
    TRACK, TRACK_NAMES, F_COLLAB, EXE2, PROG_END,
)
from careersim.analysis.claims import Columns, as_columns, flatten, followed_for, select, share_within, single_run_claims
from careersim.core.rng import Streams
from careersim.config.schema import Scenario
from careersim.core.stats import km_median, unique_inverse

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
    uncertain: list[str] = []
    values = draw_parameters(scenario, streams, uncertain)
    arrival_draw = scenario.timelines.arrival
    if hasattr(arrival_draw, "ppf"):  # the arrival has its own stream (M9)
        values["timelines.arrival"] = float(arrival_draw.ppf(streams.generator("arrival").random()))
    model = FieldModel(values, list(scenario.interventions), streams).run()
    agent_cols, event_cols = agents_columns(model), events_columns(model)
    agents = pd.DataFrame(agent_cols, copy=False)  # the columns are fresh arrays: no copy into blocks
    events = pd.DataFrame(event_cols)
    ts_cols = timeseries_columns(model)
    ts = pd.DataFrame(ts_cols)
    drawn = {k: values[k] for k in uncertain}
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
def agents_table(model: FieldModel) -> pd.DataFrame:
    """One row per researcher (entrants and the existing field)."""
    return pd.DataFrame(agents_columns(model), copy=False)  # the columns are fresh arrays: no copy into blocks


def agents_columns(model: FieldModel) -> dict:
    """The columns of :func:`agents_table`: numpy arrays and Categoricals."""
    w = model.world
    n = w.n
    fl, bo, it = _agent_arrays(w.F, w.I, n, model.burn_in, model.T, model.advisors.quality)
    f = dict(zip(_FLOAT_COLUMNS, fl))
    b = dict(zip(_BOOL_COLUMNS, bo))
    i = dict(zip(_INT_COLUMNS, it))
    cols = {
        "agent": np.arange(n),
        "person_id": i["person_id"],
        "cohort": i["cohort"],
        "entry_year": f["entry_year"],
        "entrant": b["entrant"],
        "background": _coded(i["background"], BACKGROUND_NAMES),
        "track": _coded(i["track"], TRACK_NAMES),
        "contributor_kind": _coded(i["contributor_kind"], KIND_NAMES),
        **{name: f[name] for name in ("learning_rate", "self_direction", "resilience", "safety_motivation", "legibility")},
        "ever_phd": b["ever_phd"],
        "has_phd": b["has_phd"],
        "advisor_quality": f["advisor_quality"],
        "advisor_safety": b["advisor_safety"],
        "outside_exposure": b["outside_exposure"],
        "programme": b["programme"],
        "programme_end_year": f["programme_end_year"],
        "collaborator": b["collaborator"],
        "final_state": _coded(i["final_state"], STATE_NAMES),
        "exit_reason": _coded(i["exit_reason"], EXIT_NAMES),
        "exit_year": f["exit_year"],
        "years_to_lead": f["years_to_lead"],
        "lead_source": _coded(i["lead_source"], SOURCE_NAMES),
        **{name: f[name] for name in ("years_to_ready", "phd_years_to_ready", "phd_start_year", "years_observed",
                                      "lead_years", "lead_years_before_arrival", "safety_lead_years_before_arrival",
                                      "track_record", "execution_at_2_years")},
    }
    for name in SKILL_NAMES:
        cols[name] = f[name]
        cols[f"initial_{name}"] = f[f"initial_{name}"]
    # track history summary from the event log: the sequence of states visited
    cols["path"], cols["transitions"] = _paths(w.LOG[: int(w.nlog[0])], n)
    return cols


_FLOAT_COLUMNS = ("entry_year", "learning_rate", "self_direction", "resilience", "safety_motivation", "legibility",
                  "advisor_quality", "programme_end_year", "exit_year", "years_to_lead", "years_to_ready",
                  "phd_years_to_ready", "phd_start_year", "years_observed", "lead_years", "lead_years_before_arrival",
                  "safety_lead_years_before_arrival", "track_record", "execution_at_2_years",
                  *SKILL_NAMES, *(f"initial_{name}" for name in SKILL_NAMES))
_BOOL_COLUMNS = ("entrant", "ever_phd", "has_phd", "advisor_safety", "outside_exposure", "programme", "collaborator")
_INT_COLUMNS = ("person_id", "cohort", "background", "track", "contributor_kind", "final_state", "exit_reason",
                "lead_source")


@njit(cache=True)
def _agent_arrays(F, I, n, b, T, quality):
    """The agents table's float, boolean and integer (int32, category codes among them)
    columns, in the orders of ``_FLOAT_COLUMNS``, ``_BOOL_COLUMNS`` and ``_INT_COLUMNS``,
    as rows of three arrays, in one pass over the first ``n`` rows of the state arrays
    (``b`` the burn-in, ``T`` the last tick, ``quality`` the advisors'). Times are in
    years: from the end of the burn-in, from entry or from the PhD start; NaN when the
    event has not happened."""
    fl = np.empty((len(_FLOAT_COLUMNS), n))
    bo = np.empty((len(_BOOL_COLUMNS), n), dtype=np.bool_)
    it = np.empty((len(_INT_COLUMNS), n), dtype=np.int32)
    nan = np.nan
    for r in range(n):
        entry = I[r, ENTRY]
        flags = I[r, FLAGS]
        adv = I[r, ADVISOR]
        lead_t = I[r, LEAD_TICK]
        initial = I[r, TRACK] == T_INITIAL
        fl[0, r] = (entry - b) / TICKS_PER_YEAR
        fl[1, r], fl[2, r], fl[3, r], fl[4, r], fl[5, r] = F[r, LR], F[r, SDIR], F[r, RESIL], F[r, SMOT], F[r, LEGIB]
        fl[6, r] = quality[adv] if adv >= 0 else nan
        fl[7, r] = (I[r, PROG_END] - b) / TICKS_PER_YEAR if I[r, PROG_END] >= 0 else nan
        fl[8, r] = (I[r, EXIT_TICK] - b) / TICKS_PER_YEAR if I[r, EXIT_TICK] >= 0 else nan
        fl[9, r] = (lead_t - entry) / TICKS_PER_YEAR if lead_t >= 0 else nan
        fl[10, r] = (I[r, READY] - entry) / TICKS_PER_YEAR if I[r, READY] >= 0 else nan
        fl[11, r] = (I[r, PHD_READY] - I[r, PHD_START]) / TICKS_PER_YEAR if I[r, PHD_READY] >= 0 else nan
        fl[12, r] = (I[r, PHD_START] - b) / TICKS_PER_YEAR if (flags & F_EVER_PHD) != 0 else nan
        fl[13, r] = (T - max(entry, 0)) / TICKS_PER_YEAR
        fl[14, r] = F[r, LEAD_YEARS]
        fl[15, r] = F[r, LEAD_PRE]
        fl[16, r] = F[r, LEAD_SAFE_PRE]
        fl[17, r] = F[r, RECORD]
        fl[18, r] = F[r, EXE2] if T - entry > 2 * TICKS_PER_YEAR else nan
        for j in range(4):  # skills now and at entry
            fl[19 + j, r] = F[r, j]
            fl[23 + j, r] = F[r, SKILL0 + j]
        bo[0, r] = not initial and entry >= b
        bo[1, r] = (flags & F_EVER_PHD) != 0
        bo[2, r] = (flags & F_HAS_PHD) != 0
        bo[3, r] = adv >= 0 and (flags & F_SAFE_ADVISOR) != 0
        bo[4, r] = (flags & F_EXPOSED) != 0
        bo[5, r] = (flags & F_PROGRAMME) != 0
        bo[6, r] = (flags & F_COLLAB) != 0
        it[0, r] = I[r, PID]
        it[1, r] = -1 if initial else (entry - b) // TICKS_PER_YEAR
        it[2, r] = I[r, BACKGROUND]
        it[3, r] = I[r, TRACK]
        it[4, r] = I[r, KIND]
        it[5, r] = I[r, STATE]
        it[6, r] = I[r, EXIT_REASON]
        it[7, r] = I[r, LEAD_SRC] if lead_t >= 0 else -1
    return fl, bo, it


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
