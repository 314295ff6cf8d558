"""A finished replication's tidy tables, read from the engine's arrays and records.

* ``agents``: one row per researcher (entrants and the existing field);
* ``events``: every state transition (agent, time, from, to, reason);
* ``timeseries``: one row per month (counts per state, queues, utilisation);
* the institutions' tables: grant applications, the grant office's months,
  admission rounds, programme cohorts and hiring rounds.

Nothing here reads or writes files.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import pandas as pd

from careersim.core.clock import TICKS_PER_YEAR
from careersim.core.codes import (
    BACKGROUND_NAMES,
    EVENT_NAMES,
    EXIT_NAMES,
    KIND_NAMES,
    SOURCE_NAMES,
    STATE_NAMES,
    T_INITIAL,
    TRACK_NAMES,
)
from careersim.core.compiled import njit
from careersim.core.stats import unique_inverse
from careersim.engine.field import FieldModel
from careersim.engine.layout import (
    ADVISOR,
    BACKGROUND,
    ENTRY,
    EXE2,
    EXIT_REASON,
    EXIT_TICK,
    F_COLLAB,
    F_EVER_PHD,
    F_EXPOSED,
    F_HAS_PHD,
    F_PROGRAMME,
    F_SAFE_ADVISOR,
    FLAGS,
    KIND,
    LEAD_PRE,
    LEAD_SAFE_PRE,
    LEAD_SRC,
    LEAD_TICK,
    LEAD_YEARS,
    LEGIB,
    LR,
    PHD_END,
    PHD_READY,
    PHD_START,
    PID,
    PROG_END,
    READY,
    RECORD,
    RESIL,
    SDIR,
    SKILL0,
    SKILL_NAMES,
    SMOT,
    STATE,
    TRACK,
)

_CATEGORIES = {
    names: pd.CategoricalDtype(list(names))
    for names in (BACKGROUND_NAMES, TRACK_NAMES, KIND_NAMES, STATE_NAMES, EXIT_NAMES, SOURCE_NAMES, EVENT_NAMES)
}


def _coded(codes: np.ndarray, names: tuple[str, ...]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, dtype=_CATEGORIES[names])


GRANT_OUTCOMES = {1: "funded", 0: "rejected", 2: "no_money", -1: "withdrawn", -2: "left_while_queued", -3: "open"}


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
        **{
            name: f[name]
            for name in ("learning_rate", "self_direction", "resilience", "safety_motivation", "legibility")
        },
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
        **{
            name: f[name]
            for name in (
                "years_to_ready",
                "phd_years_to_ready",
                "phd_start_year",
                "phd_end_year",
                "years_observed",
                "lead_years",
                "lead_years_before_arrival",
                "safety_lead_years_before_arrival",
                "track_record",
                "execution_at_2_years",
            )
        },
    }
    for name in SKILL_NAMES:
        cols[name] = f[name]
        cols[f"initial_{name}"] = f[f"initial_{name}"]
    # track history summary from the event log: the sequence of states visited
    cols["path"], cols["transitions"] = _paths(w.LOG[: int(w.nlog[0])], n)
    return cols


_FLOAT_COLUMNS = (
    "entry_year",
    "learning_rate",
    "self_direction",
    "resilience",
    "safety_motivation",
    "legibility",
    "advisor_quality",
    "programme_end_year",
    "exit_year",
    "years_to_lead",
    "years_to_ready",
    "phd_years_to_ready",
    "phd_start_year",
    "years_observed",
    "lead_years",
    "lead_years_before_arrival",
    "safety_lead_years_before_arrival",
    "track_record",
    "execution_at_2_years",
    *SKILL_NAMES,
    *(f"initial_{name}" for name in SKILL_NAMES),
    "phd_end_year",
)
_BOOL_COLUMNS = ("entrant", "ever_phd", "has_phd", "advisor_safety", "outside_exposure", "programme", "collaborator")
_INT_COLUMNS = (
    "person_id",
    "cohort",
    "background",
    "track",
    "contributor_kind",
    "final_state",
    "exit_reason",
    "lead_source",
)


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
        fl[27, r] = (I[r, PHD_END] - b) / TICKS_PER_YEAR if (flags & F_EVER_PHD) != 0 and I[r, PHD_END] >= 0 else nan
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


def _from_time_zero(cols: dict, b: int) -> dict:
    """Records (columns with a ``tick``) from time zero on, ``b`` the burn-in in ticks:
    the burn-in's are left out and ticks count from time zero."""
    if not cols or "tick" not in cols:
        return cols
    tick = np.asarray(cols["tick"])
    keep = tick >= b
    if b == 0 and keep.all():
        return cols
    idx = np.flatnonzero(keep)
    out = {k: (v[idx] if isinstance(v, np.ndarray) else [v[j] for j in idx]) for k, v in cols.items()}
    out["tick"] = tick[idx] - b
    return out


def timeseries_columns(model: FieldModel) -> dict:
    """The columns of :func:`timeseries_table`: the months from time zero on (the burn-in's
    are left out)."""
    cols = model.series_columns()
    b = model.burn_in
    cols = _from_time_zero(cols, b)
    tick = cols.pop("tick")
    return {"tick": tick, "year": tick / TICKS_PER_YEAR, **cols}


def institution_columns(model: FieldModel) -> dict[str, dict]:
    """The columns of the institutions' monthly and per-round records, by table, from time
    zero on (ticks count from there; the burn-in's records are left out)."""
    b = model.burn_in
    return {
        "grant_months": _from_time_zero(model.grants.month_columns(), b),
        "admissions": _from_time_zero(_records(model.admissions.history), b),
        "programme": _from_time_zero(_records(model.programme.history), b),
        "hiring": _from_time_zero(model.hiring.columns(), b),
    }


class Tables(Mapping):
    """Named tables, each a pandas DataFrame built when it is first read: building one costs
    about a millisecond, and most replications' institution tables are never read. Holds
    each table's columns (or a module-level function and its arguments that build it), not
    the finished field, so keeping the tables keeps no engine state alive."""

    def __init__(self, sources: dict[str, dict | tuple]):
        self._sources = sources
        self._built: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        table = self._built.get(name)
        if table is None:
            source = self._sources[name]
            table = source[0](*source[1:]) if isinstance(source, tuple) else pd.DataFrame(source)
            self._built[name] = table
        return table

    def __iter__(self):
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)

    def __repr__(self) -> str:
        return f"Tables({', '.join(self._sources)})"


def _applications_table(apps: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "agent": apps[:, 0].astype(np.int64),
            "submit": apps[:, 1],
            "start": apps[:, 2],
            "decided": apps[:, 3],
            "outcome": pd.Series(apps[:, 4].astype(np.int64)).map(GRANT_OUTCOMES).array,
        }
    )


def institution_tables(model: FieldModel, columns: dict[str, dict] | None = None) -> Tables:
    """The institutions' tables from time zero on (:class:`Tables`, each built when first
    read): grant applications submitted since (their ticks counted from time zero) and
    :func:`institution_columns`."""
    apps = model.grants.applications()
    if model.burn_in:
        apps = apps[apps[:, 1] >= model.burn_in].copy()
        apps[:, 1:4] -= model.burn_in
    columns = institution_columns(model) if columns is None else columns
    return Tables({"grant_applications": (_applications_table, apps), **columns})
