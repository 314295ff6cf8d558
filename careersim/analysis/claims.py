"""The essays' claims C1-C9 as explicit statistics of a replication's results.

Each function takes one replication's ``agents`` and ``events`` tables (and,
for the claims about policies, the paired results of a counterfactual run)
and returns a :class:`ClaimResult`: a primary statistic, whether the claim
holds in this replication, and the parts it is built from.

Over replications a claim is *judged* (:func:`judge`): each of its conditions
(:data:`CONDITIONS`: a statistic or part, a comparison and a threshold) is
compared with the central 95% interval of that quantity over the
replications, which spans chance, the AI arrival and whatever parameter
uncertainty the scenario draws (a calibration's posterior included). A
condition *holds* when the whole interval satisfies it, *fails* when none of
it does, and is *undecided* when the interval straddles the threshold (or
fewer than three replications give the quantity: no range to judge on); the
claim holds when every condition holds, fails when any fails, and is
undecided otherwise. The share of replications in which the claim holds is
reported beside the verdict, never used for it.

Nothing here looks at parameters to decide an outcome: every statistic is
computed from what the simulated researchers did. Tracks are compared as
*intended starting tracks* (intention to treat) and "within N years" counts
from entry, as the brief defines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from careersim.core.codes import TRACKS
from careersim.core.stats import km_median
from careersim.core.text import MIN_REPLICATIONS

CLAIM_TEXT = {
    "C1": "For median-trait entrants with a bachelor's or master's background, the 10-year chance of holding a lead role is highest when the PhD is the intended starting track.",
    "C2": "Independent researchers' outcomes depend most on self-direction: the gap in 10-year lead chance between the top and bottom fifths by self-direction is largest for independent research, and the top tenth reaches at least 80% of the average PhD entrant's chance.",
    "C3": "Contributors gain execution fastest in their first 2 years; fewer than 2% become leads within 10 years without a PhD; those who start a PhD after 1-3 years reach at least 80% of direct entrants' lead chance within 10 years of starting it.",
    "C4": "The median time from PhD start to lead readiness is about 4-5 years; among PhD starters who hold a lead role within 12 years, the median time to the first role is 5-7 years.",
    "C5": "For people starting a PhD now, lead-years before a 5-year arrival are near zero per entrant (< 0.1); before a 10-year arrival, a PhD-route lead has on average about 3-5 lead-years.",
    "C6": "A mentor of typical advisor quality for an hour every other week closes a substantial share (at least a third) of independent researchers' gap to PhD entrants in 10-year readiness.",
    "C7": "Students of top-quartile advisors have at least twice the 10-year lead chance of students of bottom-quartile advisors.",
    "C8": "Multi-year grants with faster decisions (B) cut funding-related exits of independent researchers; an agenda-agnostic org (C) raises the number of leads; B raises leads only where grantmaker time is the binding constraint.",
    "C9": "PhD-trained leads whose advisor was not safety-interested and who had no outside exposure have lower impact judgement, and contribute fewer safety-relevant lead-years per lead-year, than those with either.",
}
#: each claim in a few words, for tables with little room
CLAIM_SHORT = {
    "C1": "the PhD route gives the best 10-year lead chance",
    "C2": "independents depend most on self-direction",
    "C3": "contributors rarely lead without a PhD",
    "C4": "PhD start to lead-ready in 4-5 years",
    "C5": "few lead-years before a 5-year arrival",
    "C6": "a mentor closes a third of independents' gap",
    "C7": "top advisors' students twice as likely to lead",
    "C8": "multi-year grants cut funding exits",
    "C9": "safety-aware advisors or exposure raise impact judgement",
}
SOURCES = {
    "C1": "001",
    "C2": "000, 001",
    "C3": "001",
    "C4": "001",
    "C5": "001",
    "C6": "001",
    "C7": "001",
    "C8": "001 comments",
    "C9": "001",
}


DEFINITIONS = {
    "C8": "change in independent researchers' funding-related exits under multi-year grants with faster decisions (B); holds if B cuts them, an agenda-agnostic org (C) adds leads, and B adds leads exactly when grantmaker time is the binding constraint, measured causally: the resource whose 10% increase adds the most leads in the replication, on the same random numbers",
    "C6": "share of independent researchers' gap to PhD entrants in 10-year readiness closed by a mentor of typical advisor quality for an hour every other week; holds if at least a third. The change in lead chances (with displacement of others) is reported beside it",
    "C1": "PhD arm's 10-year lead chance minus the larger of the other arms', among entrants with a bachelor's or master's background and learning rate and self-direction in the middle half",
    "C2": "gap (top fifth minus bottom fifth by self-direction) in 10-year lead chance for independent research minus the largest gap in the other tracks; holds if positive and the top tenth of independents reach 80% of the PhD arm's chance",
    "C3": "share of contributor-arm entrants holding a lead role within 10 years without having started a PhD first; holds if below 2%, contributors gain execution fastest in 2 years, and contributors who start a PhD after 1-3 years reach 80% of direct PhD starters' 10-year chance (from PhD start; not judged when fewer than 5 such people)",
    "C4": "Kaplan-Meier median years from PhD start to lead readiness (exits and the horizon censor); holds if within 3.5-5.5 and the median time to a first lead role, among PhD starters leading within 12 years, is 5-7",
    "C5": "lead-years before an arrival 5 years from now per PhD-arm entrant of the first cohort; holds if below 0.1 and, before an arrival 10 years from now, those of them who lead have 3-5 lead-years on average",
    "C7": "10-year lead chance (from PhD start) of students of top-quartile advisors divided by that of bottom-quartile advisors' students; holds if at least 2. Beside it (part ratio_random_assignment, in the replications that run the paired counterfactuals) the same ratio when admitted students are placed with advisors at random on the same random numbers: the advisor's effect without the selection of the best applicants for the best advisors",
    "C9": "mean impact judgement of PhD-trained leads with a safety-interested advisor or outside exposure minus that of leads with neither; holds if positive and their lead-years are more safety-relevant",
}


@dataclass
class ClaimResult:
    statistic: float
    holds: bool | None
    parts: dict = field(default_factory=dict)
    definition: str = ""


def _nan_or(x):
    return float(x) if x == x else float("nan")


def followed_for(start, horizon, window):
    """Whether people who started at ``start`` (years) are observed for ``window``
    years before the horizon (so a share within the window can be counted)."""
    return start <= horizon - window + 1e-9


_FLOAT_MAX = float(np.finfo(float).max)


def share_within(ytl: np.ndarray, years: float) -> float:
    """Share of people whose time (NaN: never) is at most ``years``; NaN for nobody."""
    if len(ytl) == 0:
        return float("nan")
    limit = years + 1e-9
    if not abs(limit) < _FLOAT_MAX:  # no finite limit: NaN counts as +inf, and +-inf as the largest floats
        return float(np.mean(np.nan_to_num(ytl, nan=np.inf) <= limit))
    return float(np.count_nonzero(ytl <= limit) / len(ytl))  # NaN (never) compares False


class Labels:
    """A categorical column as integer codes: ``labels == "phd"`` compares codes, not strings."""

    def __init__(self, codes: np.ndarray, categories: list):
        self.codes = codes
        self.categories = categories

    @classmethod
    def of(cls, s: pd.Series) -> Labels:
        return cls(s.array.codes, s.array.categories.tolist())

    def __eq__(self, label) -> np.ndarray:  # type: ignore[override]
        if label not in self.categories:
            return np.zeros(len(self.codes), dtype=bool)
        return self.codes == self.categories.index(label)

    def __getitem__(self, index) -> Labels:
        return Labels(self.codes[index], self.categories)

    def __len__(self) -> int:
        return len(self.codes)

    __hash__ = None  # type: ignore[assignment]


def column(s):
    """A column (a Series, or the numpy array or Categorical a table is built from) as a
    numpy array, or as :class:`Labels` when categorical."""
    if isinstance(s, np.ndarray):
        return s
    if isinstance(s, pd.Categorical):
        return Labels(s.codes, s.categories.tolist())
    return Labels.of(s) if isinstance(s.dtype, pd.CategoricalDtype) else s.to_numpy()


class Columns:
    """A table's columns as :func:`column` gives them, each converted once, when
    first asked for. The table is a DataFrame, or the mapping of columns it is built
    from (numpy arrays and Categoricals), read without going through pandas.

    ``where(name)`` views the rows where the boolean column ``name`` is true
    (say the entrants); it selects through this table's conversions and is itself
    built once, so the summaries and every claim share both.
    """

    def __init__(self, df):
        self._get = lambda name: column(df[name])
        self._cache: dict = {}
        self._views: dict[str, Columns] = {}

    def __getitem__(self, name: str):
        try:
            return self._cache[name]
        except KeyError:
            value = self._cache[name] = self._get(name)
            return value

    def where(self, name: str) -> Columns:
        if name not in self._views:
            mask = self[name].astype(bool)
            view = self._views[name] = Columns.__new__(Columns)
            view._get = lambda c: self[c][mask]
            view._cache, view._views = {}, {}
        return self._views[name]


def as_columns(table) -> Columns:
    """``table`` (a DataFrame or :class:`Columns`) as :class:`Columns`."""
    return table if isinstance(table, Columns) else Columns(table)


def select(mask: np.ndarray, *arrays) -> list:
    """Each of ``arrays`` where ``mask`` holds, through one index array (taking by
    index is several times faster than masking when the rows are scattered)."""
    rows = np.flatnonzero(mask)
    return [a[rows] for a in arrays]


def _columns(table, *names: str) -> list:
    table = as_columns(table)
    return [table[c] for c in names]


def c1(ent, horizon, window) -> ClaimResult:
    entry, bg, lr, sd, track, ytl = _columns(
        ent, "entry_year", "background", "learning_rate", "self_direction", "track", "years_to_lead"
    )
    obs = followed_for(entry, horizon, window)
    lr_q = np.quantile(lr[obs], [0.25, 0.75]) if obs.any() else (np.nan, np.nan)
    sd_q = np.quantile(sd[obs], [0.25, 0.75]) if obs.any() else (np.nan, np.nan)
    mid = (
        obs
        & ((bg == "undergraduate") | (bg == "masters"))
        & (lr >= lr_q[0])
        & (lr <= lr_q[1])
        & (sd >= sd_q[0])
        & (sd <= sd_q[1])
    )
    p = {tr: share_within(ytl[mid & (track == tr)], window) for tr in TRACKS}
    stat = p["phd"] - max(p["independent"], p["contributor"])
    return ClaimResult(
        stat, bool(stat > 0) if stat == stat else None, {f"p_{k}": v for k, v in p.items()}, DEFINITIONS["C1"]
    )


def c2(ent, horizon, window) -> ClaimResult:
    entry, sd, track, ytl = _columns(ent, "entry_year", "self_direction", "track", "years_to_lead")
    obs = followed_for(entry, horizon, window)
    gaps, top10 = {}, float("nan")
    for tr in TRACKS:
        m = obs & (track == tr)
        d_sd, d_ytl = select(m, sd, ytl)
        if len(d_sd) < 10:
            gaps[tr] = float("nan")
            continue
        q20, q80, q90 = np.quantile(d_sd, [0.2, 0.8, 0.9])
        gaps[tr] = share_within(d_ytl[d_sd >= q80], window) - share_within(d_ytl[d_sd <= q20], window)
        if tr == "independent":
            top10 = share_within(d_ytl[d_sd >= q90], window)
    p_phd = share_within(ytl[obs & (track == "phd")], window)
    ratio = top10 / p_phd if p_phd and p_phd == p_phd and p_phd > 0 else float("nan")
    stat = gaps["independent"] - max(gaps["phd"], gaps["contributor"])
    holds = None if stat != stat or ratio != ratio else bool(stat > 0 and ratio >= 0.8)
    return ClaimResult(
        stat,
        holds,
        {**{f"gap_{k}": v for k, v in gaps.items()}, "top_tenth_independent_over_phd": ratio},
        DEFINITIONS["C2"],
    )


def c3(ent, horizon, window) -> ClaimResult:
    entry, track, ytl, exe2, exe0, phd_start, ever = _columns(
        ent,
        "entry_year",
        "track",
        "years_to_lead",
        "execution_at_2_years",
        "initial_execution",
        "phd_start_year",
        "ever_phd",
    )
    ever = ever.astype(bool)
    gain, gain_2y = {}, exe2 - exe0
    for tr in TRACKS:
        g = gain_2y[track == tr]
        g = g[~np.isnan(g)]
        gain[tr] = float(g.mean()) if len(g) else float("nan")
    fastest = gain["contributor"] > max(gain["phd"], gain["independent"])
    con = followed_for(entry, horizon, window) & (track == "contributor")
    if con.any():
        t_lead, ever_con, before_con = select(con, ytl, ever, phd_start - entry)
        t_lead = np.nan_to_num(t_lead, nan=np.inf)
        without = ~ever_con | (t_lead < before_con)
        share = float(np.mean((t_lead <= window + 1e-9) & without))
    else:
        share = float("nan")
    before = phd_start - entry
    started = followed_for(phd_start, horizon, window)
    later = (track == "contributor") & ever & (before >= 1) & (before <= 3) & started
    direct = (track == "phd") & ever & (before <= 1) & started
    from_start = ytl + (entry - phd_start)  # years from PhD start to a lead role
    n_later = int(later.sum())
    p_later = share_within(from_start[later], window) if n_later >= 5 else float("nan")
    p_direct = share_within(from_start[direct], window)
    ratio = p_later / p_direct if p_direct and p_direct == p_direct and p_direct > 0 else float("nan")
    parts = {
        **{f"execution_gain_2y_{k}": v for k, v in gain.items()},
        "contributors_lead_without_phd": share,
        "later_phd_over_direct": ratio,
        "n_later_phd": n_later,
    }
    holds = bool(fastest and share < 0.02 and (ratio != ratio or ratio >= 0.8))
    return ClaimResult(share, holds, parts, DEFINITIONS["C3"])


def c4(ent, horizon) -> ClaimResult:
    entry, ytl, ytr, phd_start, ever, exit_year = _columns(
        ent, "entry_year", "years_to_lead", "years_to_ready", "phd_start_year", "ever_phd", "exit_year"
    )
    m = ever.astype(bool) & ~np.isnan(phd_start) & (phd_start >= 0)
    if m.sum() < 5:
        return ClaimResult(float("nan"), None, {}, "")
    entry, ytl, ytr, phd_start, exit_year = select(m, entry, ytl, ytr, phd_start, exit_year)
    ready = ytr + entry - phd_start
    observed = ~np.isnan(ready) & (ready >= 0)
    exit_after = exit_year - phd_start
    cens = np.where(~np.isnan(exit_after), exit_after, horizon - phd_start)
    dur = np.where(observed, np.clip(ready, 0, None), np.maximum(cens, 0))
    med_ready = km_median(dur, observed)
    early = followed_for(phd_start, horizon, 12)
    lead_e = (ytl + entry - phd_start)[early]
    lead_e = lead_e[lead_e <= 12]  # NaN (never a lead) compares False
    med_lead = float(np.median(lead_e)) if len(lead_e) >= 3 else float("nan")
    holds = (
        None
        if med_ready != med_ready
        else bool(3.5 <= med_ready <= 5.5 and (med_lead != med_lead or 5 <= med_lead <= 7))
    )
    return ClaimResult(
        _nan_or(med_ready),
        holds,
        {"median_years_phd_start_to_ready": _nan_or(med_ready), "median_years_to_first_lead_role_within_12": med_lead},
        DEFINITIONS["C4"],
    )


def lead_years_before(events: pd.DataFrame, agents: pd.DataFrame, arrival: float, horizon: float = np.inf) -> pd.Series:
    """Each agent's years in a lead role before ``arrival`` (years from time zero).

    Lead spells are read from the transitions: a spell starts with a move into
    ``lead`` and ends with the next move out of it (or at the horizon). The
    existing field's leads hold their role from time zero. Nothing is counted
    before time zero (in a burn-in) or after the horizon.
    """
    return pd.Series(_LeadSpells(events, agents).before(min(arrival, horizon)), index=agents["agent"].to_numpy())


class _LeadSpells:
    """Lead spells read once from the transitions, for totals before any arrival time.

    ``events`` and ``agents`` are DataFrames or :class:`Columns`."""

    def __init__(self, events, agents):
        to_state, from_state, a, y = _columns(events, "to_state", "from_state", "agent", "year")
        lead_source, final_state = _columns(agents, "lead_source", "final_state")
        to_lead = to_state == "lead"
        sel = to_lead | (from_state == "lead")
        a, y, is_start = a[sel], y[sel], to_lead[sel]
        order = np.lexsort((y, a))
        a, y, is_start = a[order], y[order], is_start[order]
        self.n = n = len(final_state)
        if len(a):
            nxt_same = np.zeros(len(a), dtype=bool)
            nxt_same[:-1] = (a[1:] == a[:-1]) & ~is_start[1:]
            end = np.full(len(a), np.inf)
            end[:-1] = np.where(nxt_same[:-1], y[1:], np.inf)
            s_idx = np.flatnonzero(is_start)
            self.start_agent, self.start, self.end = a[s_idx], y[s_idx], end[s_idx]
            # an end with no start before it: an existing-field lead, in role since time zero
            first = np.ones(len(a), dtype=bool)
            first[1:] = a[1:] != a[:-1]
            orphan = first & ~is_start
            self.orphan_agent, self.orphan_end = a[orphan], y[orphan]
        self.any_events = len(a) > 0
        init = (lead_source == "initial") & (final_state == "lead")
        has_events = np.zeros(n, dtype=bool)
        has_events[a] = True
        self.init_only = init & ~has_events

    def before(self, arrival: float) -> np.ndarray:
        total = np.zeros(self.n)
        if self.any_events:
            # a spell begun in the burn-in counts from time zero
            np.add.at(
                total, self.start_agent, np.clip(np.minimum(self.end, arrival) - np.maximum(self.start, 0.0), 0, None)
            )
            np.add.at(total, self.orphan_agent, np.clip(np.minimum(self.orphan_end, arrival), 0, None))
        total[self.init_only] += max(arrival, 0.0)
        return total


def c5(ent, events, agents, horizon) -> ClaimResult:
    track, entry, agent = _columns(ent, "track", "entry_year", "agent")
    cohort0 = agent[(track == "phd") & (entry < 1.0)]
    if len(cohort0) == 0 or horizon < 10:
        return ClaimResult(float("nan"), None, {}, "")
    spells = _LeadSpells(events, agents)
    ids = _columns(agents, "agent")[0]
    # in a replication's agents table the agent is the row number: no lookup needed
    row = cohort0 if np.array_equal(ids, np.arange(len(ids))) else pd.Index(ids).get_indexer(cohort0)
    ly5 = spells.before(min(5.0, horizon))[row]
    ly10 = spells.before(min(10.0, horizon))[row]
    per_entrant_5 = float(np.mean(ly5))
    leaders10 = ly10[ly10 > 0]
    per_lead_10 = float(np.mean(leaders10)) if len(leaders10) else float("nan")
    holds = bool(per_entrant_5 < 0.1 and (per_lead_10 == per_lead_10 and 3.0 <= per_lead_10 <= 5.0))
    return ClaimResult(
        per_entrant_5,
        holds,
        {"lead_years_before_5y_per_entrant": per_entrant_5, "lead_years_before_10y_per_lead": per_lead_10},
        DEFINITIONS["C5"],
    )


def c7(ent, horizon, window) -> ClaimResult:
    entry, ytl, phd_start, ever, aq = _columns(
        ent, "entry_year", "years_to_lead", "phd_start_year", "ever_phd", "advisor_quality"
    )
    m = ever.astype(bool) & ~np.isnan(aq) & followed_for(phd_start, horizon, window)
    if m.sum() < 20:
        return ClaimResult(float("nan"), None, {}, "")
    aq, from_start = select(m, aq, ytl + (entry - phd_start))
    q25, q75 = np.quantile(aq, [0.25, 0.75])
    top = share_within(from_start[aq >= q75], window)
    bottom = share_within(from_start[aq <= q25], window)
    ratio = top / bottom if bottom > 0 else (float("inf") if top > 0 else float("nan"))
    holds = None if ratio != ratio else bool(ratio >= 2.0)
    return ClaimResult(ratio, holds, {"p_top_quartile": top, "p_bottom_quartile": bottom}, DEFINITIONS["C7"])


def c9(agents) -> ClaimResult:
    has_phd, ytl, aq, safe_adv, exposed, imp_j, ly, ly_pre, sly_pre = _columns(
        agents,
        "has_phd",
        "years_to_lead",
        "advisor_quality",
        "advisor_safety",
        "outside_exposure",
        "impact_judgement",
        "lead_years",
        "lead_years_before_arrival",
        "safety_lead_years_before_arrival",
    )
    leads = has_phd.astype(bool) & ~np.isnan(ytl) & ~np.isnan(aq)
    safe_adv, exposed = safe_adv.astype(bool), exposed.astype(bool)
    neither = leads & ~safe_adv & ~exposed
    either = leads & (safe_adv | exposed)
    if neither.sum() < 3 or either.sum() < 3:
        return ClaimResult(float("nan"), None, {}, "")
    imp_either, imp_neither = float(np.mean(imp_j[either])), float(np.mean(imp_j[neither]))
    imp = float(imp_either - imp_neither)

    def per_lead_year(m):
        sly_m, ly_pre_m, ly_m = select(m, sly_pre, ly_pre, ly)
        return float(sly_m.sum() / max(ly_pre_m.sum(), 1e-12)) if ly_m.sum() > 0 else float("nan")

    rel_either, rel_neither = per_lead_year(either), per_lead_year(neither)
    holds = bool(imp > 0 and (rel_either != rel_either or rel_neither != rel_neither or rel_either > rel_neither))
    return ClaimResult(
        imp,
        holds,
        {
            "impact_judgement_either": imp_either,
            "impact_judgement_neither": imp_neither,
            "safety_share_of_lead_years_either": rel_either,
            "safety_share_of_lead_years_neither": rel_neither,
        },
        DEFINITIONS["C9"],
    )


def single_run_claims(agents, events: pd.DataFrame, horizon: float, window: float) -> dict[str, ClaimResult]:
    """The claims computable from one scenario's replication (all but C6 and C8).

    ``agents`` is the agents table or its :class:`Columns` (shared with the summary)."""
    agents, events = as_columns(agents), as_columns(events)
    ent = agents.where("entrant")
    return {
        "C1": c1(ent, horizon, window),
        "C2": c2(ent, horizon, window),
        "C3": c3(ent, horizon, window),
        "C4": c4(ent, horizon),
        "C5": c5(ent, events, agents, horizon),
        "C7": c7(ent, horizon, window),
        "C9": c9(agents),
    }


# ---------------------------------------------------------------------------
# verdicts over replications
# ---------------------------------------------------------------------------

#: the verdicts a claim or a condition can get
VERDICTS = ("holds", "fails", "undecided")


@dataclass(frozen=True)
class Condition:
    """One part of a claim: ``quantity`` (per-replication values, from the replications' columns
    through ``col(name)``) compared with ``threshold`` by ``op`` (``>``, ``>=``, ``<``, ``<=``, or
    ``between`` a pair, ends included). ``optional``: where the quantity is undefined in every
    replication the condition is left out rather than left undecided (as the claim's own
    statistic leaves it out, e.g. C3's later PhD starters when fewer than 5)."""

    label: str
    quantity: Callable[[Callable[[str], np.ndarray]], np.ndarray]
    op: str
    threshold: float | tuple[float, float]
    optional: bool = False

    def text(self) -> str:
        if self.op == "between":
            lo, hi = self.threshold  # type: ignore[misc]
            return f"{self.label} between {lo:g} and {hi:g}"
        return f"{self.label} {self.op} {self.threshold:.4g}"


def _part(key: str, part: str):
    return lambda col: col(f"claim_{key}_part_{part}")


def _stat(key: str):
    return lambda col: col(f"claim_{key}_stat")


def _c3_execution_margin(col):
    return col("claim_C3_part_execution_gain_2y_contributor") - np.maximum(
        col("claim_C3_part_execution_gain_2y_phd"), col("claim_C3_part_execution_gain_2y_independent")
    )


def _c8_b_matches_binding(col):
    d = col("claim_C8_part_delta_new_leads_B")
    binds = col("claim_C8_part_grantmaker_time_binds")
    out = ((d > 0) == (binds > 0.5)).astype(float)
    return np.where(np.isnan(d) | np.isnan(binds), np.nan, out)


def _c9_safety_share_gap(col):
    return col("claim_C9_part_safety_share_of_lead_years_either") - col(
        "claim_C9_part_safety_share_of_lead_years_neither"
    )


#: each claim's conditions: the thresholds of the claim functions above and of
#: :func:`careersim.experiments.experiment.paired_policy_claims`, judged on intervals
CONDITIONS: dict[str, tuple[Condition, ...]] = {
    "C1": (Condition("PhD arm's 10-year lead chance minus the best other arm's", _stat("C1"), ">", 0.0),),
    "C2": (
        Condition("self-direction gap of independents minus the largest other gap", _stat("C2"), ">", 0.0),
        Condition(
            "top tenth of independents' lead chance over the PhD arm's",
            _part("C2", "top_tenth_independent_over_phd"),
            ">=",
            0.8,
        ),
    ),
    "C3": (
        Condition("contributors' 2-year execution gain minus the faster other track's", _c3_execution_margin, ">", 0.0),
        Condition("share of contributors leading within 10 years without a PhD", _stat("C3"), "<", 0.02),
        Condition(
            "later PhD starters' lead chance over direct starters'",
            _part("C3", "later_phd_over_direct"),
            ">=",
            0.8,
            optional=True,
        ),
    ),
    "C4": (
        Condition("median years from PhD start to readiness", _stat("C4"), "between", (3.5, 5.5)),
        Condition(
            "median years to a first lead role, PhD starters leading within 12 years",
            _part("C4", "median_years_to_first_lead_role_within_12"),
            "between",
            (5.0, 7.0),
            optional=True,
        ),
    ),
    "C5": (
        Condition("lead-years before a 5-year arrival per PhD entrant", _stat("C5"), "<", 0.1),
        Condition(
            "lead-years before a 10-year arrival per PhD-route lead",
            _part("C5", "lead_years_before_10y_per_lead"),
            "between",
            (3.0, 5.0),
        ),
    ),
    "C6": (
        Condition(
            "share of independents' readiness gap closed by mentoring (above 1: mentored independents overtake PhD entrants)",
            _stat("C6"),
            ">=",
            1 / 3,
        ),
    ),
    "C7": (Condition("top- over bottom-quartile advisors' students' lead chance", _stat("C7"), ">=", 2.0),),
    "C8": (
        Condition("change in independents' funding exits under B", _stat("C8"), "<", 0.0),
        Condition("change in new leads under C", _part("C8", "delta_new_leads_C"), ">", 0.0),
        Condition("B adds leads exactly when grantmaker time binds (1 = yes)", _c8_b_matches_binding, ">=", 1.0),
    ),
    "C9": (
        Condition("impact judgement, safety-aware minus neither", _stat("C9"), ">", 0.0),
        Condition(
            "safety-relevant share of lead-years, safety-aware minus neither",
            _c9_safety_share_gap,
            ">",
            0.0,
            optional=True,
        ),
    ),
}

#: the rule :func:`judge` applies, in words (reports and summary.json)
VERDICT_RULE = (
    "holds when the central 95% interval of every condition's statistic over the replications (chance, the AI "
    "arrival and the parameter uncertainty the scenario draws) lies on the claim's side of its threshold; fails "
    "when any condition's interval lies wholly on the other side; undecided otherwise, and with fewer than "
    f"{MIN_REPLICATIONS} replications giving the statistic. The share of replications in which the claim holds is "
    "shown beside the verdict and not used for it."
)

_BIG = float(np.finfo(float).max)


def interval_95(values) -> tuple[float, float, int]:
    """Central 95% interval of the defined values (NaN dropped; infinities kept as the largest floats)."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return float("nan"), float("nan"), 0
    x = np.clip(x, -_BIG, _BIG)
    lo, hi = np.quantile(x, [0.025, 0.975])
    return float(lo), float(hi), int(x.size)


def condition_verdict(op: str, threshold, lo: float, hi: float) -> str:
    """The verdict of one condition from its interval [lo, hi]."""
    if op == "between":
        a, b = threshold
        if a <= lo and hi <= b:
            return "holds"
        if hi < a or lo > b:
            return "fails"
        return "undecided"
    t = float(threshold)
    inside = {">": lambda v: v > t, ">=": lambda v: v >= t, "<": lambda v: v < t, "<=": lambda v: v <= t}[op]
    if inside(lo) and inside(hi):
        return "holds"
    if not inside(lo) and not inside(hi):
        return "fails"
    return "undecided"


def judge(key: str, col: Callable[[str], np.ndarray]) -> dict:
    """The verdict of claim ``key`` over replications: ``verdict`` (holds, fails, undecided, or None
    when nothing could be judged) and each condition's interval and verdict. ``col(name)`` gives a
    column of the replications (NaN where a replication did not compute it)."""
    parts = []
    for c in CONDITIONS.get(key, ()):
        try:
            values = np.asarray(c.quantity(col), dtype=float)
        except (KeyError, ValueError):
            values = np.full(0, np.nan)
        lo, hi, n = interval_95(values)
        if n == 0:
            verdict = None if c.optional else "undecided"
        elif n < MIN_REPLICATIONS:  # one or two values make no range to judge a claim on
            verdict = "undecided"
        else:
            verdict = condition_verdict(c.op, c.threshold, lo, hi)
        parts.append({"condition": c.text(), "low": lo, "high": hi, "n": n, "verdict": verdict})
    judged = [p["verdict"] for p in parts if p["verdict"] is not None]
    if not judged or all(p["n"] == 0 for p in parts):
        overall = None
    elif "fails" in judged:
        overall = "fails"
    elif all(v == "holds" for v in judged):
        overall = "holds"
    else:
        overall = "undecided"
    return {"verdict": overall, "conditions": parts}


def flatten(claims: dict[str, ClaimResult]) -> dict:
    out = {}
    for k, c in claims.items():
        out[f"claim_{k}_stat"] = c.statistic
        out[f"claim_{k}_holds"] = float(c.holds) if c.holds is not None else float("nan")
        for pk, pv in c.parts.items():
            out[f"claim_{k}_part_{pk}"] = pv
    return out
