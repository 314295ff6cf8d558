"""Researchers as arrays: creating the existing field and the entrants.

Rows are ordered by entry: the existing field first (present at time zero),
then entrants in order of their entry tick, so the researchers who have
entered by any tick are the prefix ``0..n-1``. Each row carries a *person id*
(``PID``) that keys every random draw about that person: entrant ``k`` has
person id ``k`` in every scenario, and existing-field researchers have ids
from ``2**30`` on, so changing the size of the existing field does not change
any entrant's draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtri

from careersim.core.clock import TICKS_PER_MONTH, TICKS_PER_YEAR
from careersim.core.codes import (
    APPLICANT,
    BACKGROUND_NAMES,
    CONTRIBUTOR,
    E_ENTRY,
    E_FUNDED,
    INDEPENDENT,
    K_ACADEMIC,
    LEAD,
    PHD,
    S_INITIAL,
    T_CONTRIBUTOR,
    T_INDEPENDENT,
    T_INITIAL,
    T_PHD,
    UNFUNDED,
    WAITING,
)
from careersim.core.compiled import njit
from careersim.core.distributions import Beta, Truncated
from careersim.core.rng import Streams, agent_hash, uniform_at
from careersim.engine.kernel import move_counted
from careersim.engine.layout import (
    ADVISOR,
    BACKGROUND,
    COHORT,
    ENTRY,
    EVL,
    EXE,
    EXE2,
    EXIT_TICK,
    F_ACCOUNT,
    F_COLLAB,
    F_CUTLOSS,
    F_EVER_PHD,
    F_FOCUS,
    F_HAS_PHD,
    F_PHD_INTENT,
    F_PLAN,
    F_REFUSE_PAY,
    F_SAFE_ADVISOR,
    F_UPSKILL,
    F_WANTS_GRANT,
    FIRST_FUNDED,
    FLAGS,
    FUND_END,
    GEN,
    HANDS_KEY,
    KIND,
    LEAD_SRC,
    LEAD_TICK,
    LEGIB,
    LR,
    MOTIV,
    N_PS,
    NF,
    NI,
    PHD_END,
    PHD_PROG,
    PHD_READY,
    PHD_START,
    PID,
    PROG_END,
    PROGRAMME_MODES,
    PS_ADVISOR_QUALITY,
    PS_FUNDED_TICKS,
    PS_MENTOR_HOURS,
    PS_MENTOR_QUALITY,
    PS_PHD_AFTER,
    PS_PROGRAMME,
    READY,
    RECORD,
    RESIL,
    SDIR,
    SETTINGS,
    SINCE,
    SKILL0,
    SMOT,
    STATE,
    TRACK,
    WAIT_SINCE,
    WELL,
)

INITIAL_PID_BASE = 1 << 30

# 'choice' rule: probability of each intended track by background (phd, independent, contributor).
CHOICE_TABLE = np.array(
    [
        [0.50, 0.15, 0.35],  # undergraduate
        [0.50, 0.20, 0.30],  # masters
        [0.15, 0.25, 0.60],  # industry engineer
        [0.30, 0.50, 0.20],  # phd elsewhere
    ]
)


# a researcher's row before anything is drawn: no advisor, readiness, lead role, exit,
# wait, grant, programme or PhD yet (-1); no hands-on cache or two-year skill yet (NaN)
BLANK_I = np.zeros(NI, dtype=np.int32)
BLANK_I[
    [
        ADVISOR,
        READY,
        LEAD_TICK,
        LEAD_SRC,
        EXIT_TICK,
        WAIT_SINCE,
        FIRST_FUNDED,
        PHD_READY,
        PHD_START,
        PHD_END,
        PROG_END,
        FUND_END,
        SETTINGS,
    ]
] = -1
BLANK_F = np.zeros(NF, dtype=np.float64)
BLANK_F[[EXE2, HANDS_KEY]] = np.nan


@dataclass
class Agents:
    F: np.ndarray  # (N, NF) float columns
    I: np.ndarray  # (N, NI) int columns
    n_initial: int
    entry_ticks: np.ndarray  # entry tick of every row (sorted)


@dataclass
class Advisors:
    quality: np.ndarray
    safe: np.ndarray  # int8 0/1
    active_from: np.ndarray  # tick from which the advisor takes students
    # each advisor's uniform for safety interest: interested while it is below the live
    # phd.safety_interested_share (the field re-reads the share when a policy changes it)
    u_safe: np.ndarray | None = None


def entrant_schedule(values: dict, total_ticks: int) -> np.ndarray:
    """Entry ticks of all entrants (sorted): yearly cohorts, spread monthly or not, growing
    from ``population.entrants_per_year`` at time zero (after the burn-in; fewer before)."""
    e0 = values["population.entrants_per_year"]
    g = values["population.entrant_growth"]
    b = values["run.burn_in"]
    years = int(math.ceil(total_ticks / TICKS_PER_YEAR))
    ticks: list[np.ndarray] = []
    if values["population.single_cohort"]:
        return np.zeros(int(round(e0)), dtype=np.int64)
    for y in range(years):
        n = int(round(e0 * (1.0 + g) ** (y - b)))
        if values["population.intake"] == "yearly":
            ticks.append(np.full(n, y * TICKS_PER_YEAR, dtype=np.int64))
        else:
            per_month = np.full(12, n // 12, dtype=np.int64)
            per_month[: n % 12] += 1
            ticks.append(np.repeat(y * TICKS_PER_YEAR + 4 * np.arange(12), per_month))
    out = np.concatenate(ticks) if ticks else np.zeros(0, dtype=np.int64)
    return out[out < total_ticks]


_LOGIT_GRID = np.linspace(-28.0, 28.0, 8193)
_U_GRID = 1.0 / (1.0 + np.exp(-_LOGIT_GRID))
_TABLES: dict[str, np.ndarray] = {}


def _ppf(dist, u):
    """Inverse CDF of a trait distribution at many uniforms.

    The inverse CDF is tabulated at 8,193 logit-spaced points and interpolated
    linearly in logit(u): exact at the nodes, and within 1e-6 elsewhere for the
    shipped beta-distributed traits (5e-5 far in the lognormal's tails; a test
    bounds both), at a fraction of the cost of evaluating it per person. The table
    is used for populations of 4,096 or more, and at any size for the beta family,
    whose exact inverse (an incomplete-beta inverse) costs about a third of a
    microsecond a value; smaller populations of other families are evaluated exactly.
    """
    u = np.asarray(u, dtype=np.float64)
    if u.size < 4096 and not _costly_ppf(dist):
        return np.asarray(dist.ppf(u), dtype=np.float64)
    key = dist.describe()
    table = _TABLES.get(key)
    if table is None:
        if len(_TABLES) >= 256:  # sweeps over trait distributions: keep the newest
            del _TABLES[next(iter(_TABLES))]
        table = _TABLES[key] = np.asarray(dist.ppf(_U_GRID), dtype=np.float64)
    x = np.log(u) - np.log1p(-u)
    return _interp_grid(x, _LOGIT_GRID, table)


def _costly_ppf(dist) -> bool:
    """Whether ``dist``'s exact inverse CDF is slow to evaluate: the beta family's,
    also inside a truncation."""
    while isinstance(dist, Truncated):
        dist = dist.base
    return isinstance(dist, Beta)


@njit(cache=True)
def _interp_grid(x, xp, fp):
    """``np.interp(x, xp, fp)`` for an evenly spaced ``xp``, with the same values bit
    for bit: the bracket is found by arithmetic (then checked against ``xp``), not by
    a binary search, and the value follows numpy's formula and special cases."""
    n = len(xp)
    lo, step = xp[0], (xp[n - 1] - xp[0]) / (n - 1)
    slopes = np.empty(n - 1)
    for k in range(n - 1):
        slopes[k] = (fp[k + 1] - fp[k]) / (xp[k + 1] - xp[k])
    out = np.empty(len(x))
    for i in range(len(x)):
        v = x[i]
        if np.isnan(v):
            out[i] = v
            continue
        if v < xp[0]:
            out[i] = fp[0]
            continue
        if v > xp[n - 1]:
            out[i] = fp[n - 1]
            continue
        j = min(max(int((v - lo) / step), 0), n - 1)
        while j > 0 and xp[j] > v:
            j -= 1
        while j < n - 1 and xp[j + 1] <= v:
            j += 1
        if j == n - 1 or xp[j] == v:
            out[i] = fp[j]
            continue
        slope = slopes[j]
        r = slope * (v - xp[j]) + fp[j]
        if np.isnan(r):
            r = slope * (v - xp[j + 1]) + fp[j + 1]
            if np.isnan(r) and fp[j] == fp[j + 1]:
                r = fp[j]
        out[i] = r
    return out


@njit(cache=True)
def _uniform_table(key, agents, tick, slots):
    """``uniform(key, agents[k], tick, slots[i])`` at ``[i, k]``: all of a person's draws
    at one tick from one pass (the agent's hash computed once)."""
    out = np.empty((len(slots), len(agents)))
    for k in range(len(agents)):
        h = agent_hash(key, agents[k])
        for i in range(len(slots)):
            out[i, k] = uniform_at(h, tick, slots[i])
    return out


# trait flags drawn at entry (uniform slots 10, 11, ...): bit and the share that has it
TRAIT_FLAGS = (
    (F_FOCUS, "independent.focus_match_share"),
    (F_COLLAB, "independent.collaboration_share"),
    (F_PLAN, "independent.plan_feedback_share"),
    (F_ACCOUNT, "independent.accountability_share"),
    (F_CUTLOSS, "independent.cut_losses_share"),
    (F_UPSKILL, "independent.upskilling_share"),
    (F_PHD_INTENT, "contributor.phd_intent_share"),
    (F_REFUSE_PAY, "contributor.pay_cut_refusal"),
)
_TRAIT_SLOTS = np.array([0, 1, 2, 3, 4] + [10 + k for k in range(len(TRAIT_FLAGS))], dtype=np.int64)
_SKILL_SLOTS = np.arange(30, 34, dtype=np.int64)


@njit(cache=True)
def _flag_bits(u, shares, bits):
    """Per person (column of ``u``), the OR of ``bits[i]`` over the ``i`` with ``u[i] < shares[i]``."""
    out = np.zeros(u.shape[1], dtype=np.int64)
    for i in range(u.shape[0]):
        for k in range(u.shape[1]):
            if u[i, k] < shares[i]:
                out[k] |= bits[i]
    return out


def _traits(F, I, rows, pids, values, streams: Streams):
    """Traits and trait flags of ``rows`` (an index array or a slice) with person ids ``pids``."""
    u = _uniform_table(np.uint64(streams.key("traits")), np.asarray(pids, dtype=np.int64), 0, _TRAIT_SLOTS)
    F[rows, LR] = _ppf(values["population.traits.learning_rate"], u[0])
    F[rows, SDIR] = _ppf(values["population.traits.self_direction"], u[1])
    F[rows, RESIL] = _ppf(values["population.traits.resilience"], u[2])
    F[rows, SMOT] = _ppf(values["population.traits.safety_motivation"], u[3])
    F[rows, LEGIB] = _ppf(values["population.traits.legibility"], u[4])
    I[rows, FLAGS] = _flag_bits(
        u[5:],
        np.array([float(values[path]) for _, path in TRAIT_FLAGS]),
        np.array([bit for bit, _ in TRAIT_FLAGS], dtype=np.int64),
    )
    F[rows, WELL] = values["exits.wellbeing_base"] + values["exits.wellbeing_resilience"] * F[rows, RESIL]
    F[rows, MOTIV] = values["exits.motivation_base"] + values["exits.motivation_safety"] * F[rows, SMOT]


def _skills(F, rows, pids, background, values, streams: Streams, boost=None):
    """Starting skills and track record of ``rows`` (an index array or a slice) from their
    backgrounds, with person ids ``pids``."""
    spread = values["population.backgrounds.skill_spread"]
    z = ndtri(_uniform_table(np.uint64(streams.key("traits")), np.asarray(pids, dtype=np.int64), 0, _SKILL_SLOTS))
    for j, skill in enumerate(("execution", "idea_generation", "idea_evaluation", "impact_judgement")):
        base = np.array([values[f"population.backgrounds.{b}.{skill}"] for b in BACKGROUND_NAMES])[background]
        v = base + spread * z[j] + (boost[j] if boost is not None else 0.0)
        F[rows, EXE + j] = np.clip(v, 0.0, 0.95)
    rec = np.array([values[f"population.backgrounds.{b}.track_record"] for b in BACKGROUND_NAMES])[background]
    F[rows, RECORD] = rec
    F[rows, SKILL0 : SKILL0 + 4] = F[rows, EXE : EXE + 4]


def _pick(u, shares):
    shares = np.asarray(shares, dtype=np.float64)
    cum = np.cumsum(shares / shares.sum())
    cum[-1] = 1.0 + 1e-12
    return np.searchsorted(cum, u, side="right").astype(np.int64)


def make_advisors(values: dict, streams: Streams, total_ticks: int) -> Advisors:
    g = values["phd.advisor_growth"]
    b = values["run.burn_in"]  # phd.advisors is the number at time zero, after the burn-in
    years = int(math.ceil(total_ticks / TICKS_PER_YEAR))
    base = int(round(values["phd.advisors"]))
    counts = [int(round(base * (1 + g) ** (y - b))) for y in range(years + 1)]
    n0 = counts[0]
    n_max = max(counts)
    active_from = np.zeros(n_max, dtype=np.int64)
    prev = n0
    for y in range(1, years + 1):
        c = counts[y]
        if c > prev:
            active_from[prev:c] = y * TICKS_PER_YEAR
            prev = c
    active_from[prev:] = 10**9
    gen = streams.generator("advisors")
    u = gen.random((n_max, 2))
    quality = _ppf(values["phd.advisor_quality"], u[:, 0])
    safe = (u[:, 1] < values["phd.safety_interested_share"]).astype(np.int8)
    return Advisors(quality=quality, safe=safe, active_from=active_from, u_safe=u[:, 1].copy())


def make_agents(values: dict, streams: Streams, total_ticks: int, advisors: Advisors) -> Agents:
    entry = entrant_schedule(values, total_ticks)
    n_lead = int(round(values["initial.leads"]))
    n_phd = int(round(values["initial.phd_students"]))
    n_ind = int(round(values["initial.independents"]))
    n_con = int(round(values["initial.contributors"]))
    n_init = n_lead + n_phd + n_ind + n_con
    N = n_init + len(entry)
    # every row starts as the same blank row. The columns are written one by one below,
    # so the arrays are built column-major and turned row-major (as the monthly step
    # reads them) at the end, in one pass.
    F = np.empty((N, NF), dtype=np.float64, order="F")
    F[:] = BLANK_F
    I = np.empty((N, NI), dtype=np.int32, order="F")  # 4-byte columns: half the memory traffic of the monthly step
    I[:] = BLANK_I

    # -- the existing field -----------------------------------------------------------
    init_rows = np.arange(n_init)
    init_pids = INITIAL_PID_BASE + init_rows
    I[init_rows, PID] = init_pids
    I[init_rows, TRACK] = T_INITIAL
    I[init_rows, COHORT] = -1
    I[init_rows, ENTRY] = 0
    _traits(F, I, init_rows, init_pids, values, streams)
    bg = _pick(streams.u("traits", init_pids, 0, 20), _background_shares(values))
    I[init_rows, BACKGROUND] = bg
    u_stage = streams.u("traits", init_pids, 0, 21)
    groups = np.repeat(np.arange(4), [n_lead, n_phd, n_ind, n_con])
    # leads: strong skills, mostly PhD-trained
    r = init_rows[groups == 0]
    _skills(F, r, init_pids[r], bg[r], values, streams, boost=(0.4, 0.55, 0.55, 0.35))
    F[r, RECORD] = 5.0 + 10.0 * u_stage[r]
    I[r, STATE] = LEAD
    I[r, LEAD_SRC] = S_INITIAL
    I[r, LEAD_TICK] = 0
    I[r, READY] = 0
    I[r, FLAGS] |= np.where(u_stage[r] < 0.8, F_HAS_PHD, 0)
    # PhD students at every stage of their degree
    r = init_rows[groups == 1]
    dur = values["phd.duration"]
    years_in = u_stage[r] * dur
    _skills(F, r, init_pids[r], np.full(len(r), 1), values, streams, boost=None)
    F[r, GEN] = np.minimum(0.95, F[r, GEN] + 0.08 * years_in)
    F[r, EVL] = np.minimum(0.95, F[r, EVL] + 0.08 * years_in)
    F[r, EXE] = np.minimum(0.95, F[r, EXE] + 0.06 * years_in)
    F[r, RECORD] = F[r, RECORD] + 1.0 * years_in
    I[r, STATE] = PHD
    I[r, PHD_START] = -np.round(years_in * TICKS_PER_YEAR).astype(np.int64)
    F[r, PHD_PROG] = u_stage[r]  # the thesis done so far at the reference pace
    I[r, FLAGS] |= F_EVER_PHD
    _assign_initial_advisors(I, r, advisors, values, streams)
    # independents, funded for part of a year
    r = init_rows[groups == 2]
    _skills(F, r, init_pids[r], bg[r], values, streams, boost=(0.1, 0.12, 0.12, 0.15))
    I[r, STATE] = INDEPENDENT
    I[r, FUND_END] = np.maximum(4, np.round(u_stage[r] * values["grants.grant_length"] * TICKS_PER_YEAR)).astype(
        np.int64
    )
    I[r, FIRST_FUNDED] = 0
    unpaid = r[int(max(0.0, values["grants.budget"])) :]  # more independents than the money pays for
    I[unpaid, STATE] = UNFUNDED
    I[unpaid, FUND_END] = 0
    I[unpaid, FLAGS] |= F_WANTS_GRANT
    F[r, RECORD] += 1.0
    # contributors of every kind
    r = init_rows[groups == 3]
    _skills(F, r, init_pids[r], bg[r], values, streams, boost=(0.2, 0.05, 0.08, 0.05))
    I[r, STATE] = CONTRIBUTOR
    I[r, KIND] = _pick(streams.u("track", init_pids[r], 0, 1), _kind_shares(values))
    I[r, SINCE] = -np.round(u_stage[r] * 3 * TICKS_PER_YEAR).astype(np.int64)

    # -- entrants -------------------------------------------------------------------------
    rows = slice(n_init, N)  # consecutive rows: column writes without index arrays
    draw_entrants(F, I, rows, np.arange(len(entry), dtype=np.int64), entry, values, streams)
    F, I = np.ascontiguousarray(F), np.ascontiguousarray(I)  # row-major (numpy's copy beats a tiled one here)
    return Agents(F=F, I=I, n_initial=n_init, entry_ticks=np.concatenate([np.zeros(n_init, np.int64), entry]))


def draw_entrants(F, I, rows, pids, entry, values: dict, streams: Streams, background=None, track=None) -> None:
    """Write ``rows`` (an index array or a slice) of ``F`` and ``I`` as entrants with person
    ids ``pids`` entering at ticks ``entry``: traits and trait flags, background, starting
    skills and record, intended track (by the scenario's track rule), contributor kind and
    PhD intent. Every draw is keyed by person id, so anyone drawn here is drawn exactly as
    the scenario's entrants are. A given ``background`` or ``track`` (one per person)
    replaces that draw."""
    I[rows, PID] = pids
    I[rows, ENTRY] = entry
    I[rows, COHORT] = entry // TICKS_PER_YEAR
    I[rows, STATE] = WAITING
    _traits(F, I, rows, pids, values, streams)
    bg = _pick(streams.u("traits", pids, 0, 20), _background_shares(values)) if background is None else background
    I[rows, BACKGROUND] = bg
    _skills(F, rows, pids, bg, values, streams)
    if track is None:
        u_track = streams.u("track", pids, 0, 0)
        if values["population.track_rule"] == "assigned":
            track = _pick(u_track, _track_shares(values))
        else:
            probs = CHOICE_TABLE[bg].copy()
            # more self-directed people lean towards independent research
            probs[:, 1] *= 0.5 + F[rows, SDIR]
            probs /= probs.sum(axis=1, keepdims=True)
            cum = np.cumsum(probs, axis=1)
            track = (u_track[:, None] > cum).sum(axis=1).astype(np.int64)
    I[rows, TRACK] = np.minimum(track, 2)
    I[rows, KIND] = _pick(streams.u("track", pids, 0, 1), _kind_shares(values))
    I[rows, FLAGS] |= np.where(I[rows, TRACK] == T_PHD, F_PHD_INTENT, 0)


# ---------------------------------------------------------------------------------------------
# extra cohorts: specified people beside the scenario's entrants
# ---------------------------------------------------------------------------------------------

#: person ids of extra cohorts start here (entrants have ids from 0, the existing field from
#: 2**30); they must fit the 32-bit id column
EXTRA_PID_BASE = 3 << 29
_PID_END = 1 << 31


@dataclass(frozen=True)
class Settings:
    """What a cohort's people get that differs from the scenario (NaN: the scenario's).

    * ``mentor_hours``, ``mentor_quality``: independent mentor time a week and its quality
      while working as an independent researcher;
    * ``advisor_quality``: admissions place the person with the free advisor of nearest quality;
    * ``programme``: ``compete`` for a mentorship-programme place like everyone,
      ``always`` a place at the first cohort the person may join (beyond the cohort's
      places), or ``never`` one;
    * ``funded_months``: on the independent track, a grant held for this long from entry;
    * ``phd_after``: a contributor applies to a PhD after this many years in the job (once,
      taking any pay cut), instead of the scenario's rule.
    """

    mentor_hours: float = math.nan
    mentor_quality: float = math.nan
    advisor_quality: float = math.nan
    programme: str = "compete"
    funded_months: float = 0.0
    phd_after: float = math.nan

    def __post_init__(self) -> None:
        if self.programme not in PROGRAMME_MODES:
            raise ValueError(f"programme: got {self.programme!r} (expected one of {', '.join(PROGRAMME_MODES)})")
        for name in ("mentor_hours", "funded_months", "phd_after"):
            v = getattr(self, name)
            if v < 0:
                raise ValueError(f"{name}: got {v:g} (expected 0 or more)")
        for name in ("mentor_quality", "advisor_quality"):
            v = getattr(self, name)
            if not (math.isnan(v) or 0.0 <= v <= 1.0):
                raise ValueError(f"{name}: got {v:g} (expected a quality from 0 to 1)")

    @property
    def ordinary(self) -> bool:
        """Whether these are the scenario's settings for everything."""
        return (
            math.isnan(self.mentor_hours)
            and math.isnan(self.mentor_quality)
            and math.isnan(self.advisor_quality)
            and self.programme == "compete"
            and self.funded_months == 0.0
            and math.isnan(self.phd_after)
        )

    def row(self) -> np.ndarray:
        """The settings as a row of ``world.settings`` (columns ``PS_*`` of the layout)."""
        out = np.empty(N_PS)
        out[PS_MENTOR_HOURS] = self.mentor_hours
        out[PS_MENTOR_QUALITY] = self.mentor_quality
        out[PS_ADVISOR_QUALITY] = self.advisor_quality
        out[PS_PROGRAMME] = PROGRAMME_MODES.index(self.programme)
        out[PS_FUNDED_TICKS] = round(self.funded_months * TICKS_PER_MONTH)
        out[PS_PHD_AFTER] = round(self.phd_after * TICKS_PER_YEAR) if not math.isnan(self.phd_after) else math.nan
        return out


@dataclass
class Cohort:
    """People added to the field beside the scenario's entrants: ``FieldModel(..., extra=[Cohort(...)])``.

    They are drawn as the scenario's entrants are (:func:`draw_entrants`, keyed by their
    person ids ``pids``, from :data:`EXTRA_PID_BASE` on: people with the same id, in one
    cohort or several, meet the same luck), enter ``entry_ticks`` ticks
    after the burn-in on intended ``track`` (``T_PHD``, ``T_INDEPENDENT`` or
    ``T_CONTRIBUTOR``), and go through the same intake, admissions, grants, programme
    and hiring as everyone. Given values replace the drawn ones: ``background``, the traits
    ``learning_rate``, ``self_direction`` and ``resilience``, the four starting ``skills``
    (NaN keeps a drawn one), ``track_record`` and ``contributor_kind``. ``settings`` are
    what they get that differs from the scenario.
    """

    pids: np.ndarray
    entry_ticks: np.ndarray
    track: int
    background: int | None = None
    learning_rate: float | None = None
    self_direction: float | None = None
    resilience: float | None = None
    skills: np.ndarray | None = None
    track_record: float | None = None
    contributor_kind: int | None = None
    settings: Settings = field(default_factory=Settings)

    def __post_init__(self) -> None:
        self.pids = np.asarray(self.pids, dtype=np.int64)
        self.entry_ticks = np.asarray(self.entry_ticks, dtype=np.int64)
        if self.pids.shape != self.entry_ticks.shape or self.pids.ndim != 1:
            raise ValueError("pids and entry_ticks must be two lists of the same length")
        if len(self.pids) and (self.pids.min() < EXTRA_PID_BASE or self.pids.max() >= _PID_END):
            raise ValueError(f"pids must be from {EXTRA_PID_BASE} (EXTRA_PID_BASE) to {_PID_END - 1}")
        if len(self.entry_ticks) and self.entry_ticks.min() < 0:
            raise ValueError("entry_ticks must be 0 or more (ticks after the burn-in)")
        if self.track not in (T_PHD, T_INDEPENDENT, T_CONTRIBUTOR):
            raise ValueError(f"track: got {self.track!r} (expected T_PHD, T_INDEPENDENT or T_CONTRIBUTOR)")

    def __len__(self) -> int:
        return len(self.pids)


def add_cohorts(agents: Agents, cohorts, values: dict, streams: Streams, burn_in: int):
    """``agents`` with the people of ``cohorts`` added among the entrants, rows kept in
    order of entry (the scenario's entrants first within a tick). Returns the new agents,
    each cohort's rows and the settings table (one row per cohort whose settings are not
    the scenario's, referred to by the people's ``SETTINGS`` column)."""
    cohorts = list(cohorts)
    C = sum(len(c) for c in cohorts)
    F = np.tile(BLANK_F, (C, 1))
    I = np.tile(BLANK_I, (C, 1))
    ticks = burn_in + np.concatenate([c.entry_ticks for c in cohorts]) if cohorts else np.zeros(0, dtype=np.int64)
    size = [len(c) for c in cohorts]
    track = np.repeat([c.track for c in cohorts], size).astype(np.int64)
    settings: list[np.ndarray] = []
    start = 0
    for c in cohorts:  # each cohort drawn on its own, as its given background allows
        r = slice(start, start + len(c))
        start += len(c)
        bg = None if c.background is None else np.full(len(c), int(c.background), dtype=np.int64)
        draw_entrants(F, I, r, c.pids, ticks[r], values, streams, background=bg, track=track[r])
        if c.learning_rate is not None:
            F[r, LR] = c.learning_rate
        if c.self_direction is not None:
            F[r, SDIR] = c.self_direction
        if c.resilience is not None:
            F[r, RESIL] = c.resilience
            F[r, WELL] = values["exits.wellbeing_base"] + values["exits.wellbeing_resilience"] * F[r, RESIL]
        if c.skills is not None:  # given skills replace the drawn ones; NaN keeps a drawn one
            for j, v in enumerate(np.asarray(c.skills, dtype=np.float64)):
                if np.isfinite(v):
                    F[r, EXE + j] = min(0.95, max(0.0, v))
            F[r, SKILL0 : SKILL0 + 4] = F[r, EXE : EXE + 4]
        if c.track_record is not None:
            F[r, RECORD] = c.track_record
        if c.contributor_kind is not None:
            I[r, KIND] = c.contributor_kind
        if not c.settings.ordinary:
            I[r, SETTINGS] = len(settings)
            settings.append(c.settings.row())
            if not math.isnan(c.settings.phd_after):  # a planned PhD, pay cut included
                I[r, FLAGS] = (I[r, FLAGS] | F_PHD_INTENT) & ~F_REFUSE_PAY
    n0 = agents.n_initial
    n_ent = len(agents.F) - n0
    all_ticks = np.concatenate([agents.entry_ticks[n0:], ticks])
    order = np.argsort(all_ticks, kind="stable")  # rows stay sorted by entry; entrants first within a tick
    where = np.empty_like(order)
    where[order] = np.arange(len(order))
    merged = Agents(
        F=np.concatenate([agents.F[:n0], np.concatenate([agents.F[n0:], F])[order]]),
        I=np.concatenate([agents.I[:n0], np.concatenate([agents.I[n0:], I])[order]]),
        n_initial=n0,
        entry_ticks=np.concatenate([agents.entry_ticks[:n0], all_ticks[order]]),
    )
    rows = n0 + where[n_ent + np.arange(C)]
    bounds = np.cumsum([0] + size)
    table = np.array(settings, dtype=np.float64).reshape(len(settings), N_PS)
    return merged, [rows[bounds[k] : bounds[k + 1]] for k in range(len(cohorts))], table


@njit(cache=True)
def enter(I, lo, hi, t, LOG, nlog, counts, act, nact, PS):
    """Rows ``lo..hi-1`` enter the field at tick ``t`` in the starting state of their
    intended track: each is logged (waiting -> state, reason entry), counted and listed.
    Someone on the independent track whose settings (row ``I[r, SETTINGS]`` of ``PS``)
    give a grant from entry is then funded (logged as an award)."""
    m = nact[0]
    for r in range(lo, hi):
        track = I[r, TRACK]
        if track == T_PHD:
            state = APPLICANT
        elif track == T_INDEPENDENT:
            state = UNFUNDED
            I[r, FLAGS] |= F_WANTS_GRANT
            I[r, FUND_END] = t
        else:
            state = CONTRIBUTOR
        move_counted(I, LOG, nlog, counts, r, t, state, E_ENTRY)  # from WAITING
        ps = I[r, SETTINGS]
        if ps >= 0 and track == T_INDEPENDENT and PS[ps, PS_FUNDED_TICKS] > 0:
            I[r, FUND_END] = t + np.int64(PS[ps, PS_FUNDED_TICKS])
            I[r, FIRST_FUNDED] = t
            I[r, FLAGS] &= ~F_WANTS_GRANT
            move_counted(I, LOG, nlog, counts, r, t, INDEPENDENT, E_FUNDED)
        act[m] = r
        m += 1
    nact[0] = m


@njit(cache=True)
def log_entries_needed(I, lo, hi, PS):
    """How many log entries the entry of rows ``lo..hi-1`` makes (:func:`enter`)."""
    n = hi - lo
    if len(PS) == 0:
        return n
    for r in range(lo, hi):
        ps = I[r, SETTINGS]
        if ps >= 0 and I[r, TRACK] == T_INDEPENDENT and PS[ps, PS_FUNDED_TICKS] > 0:
            n += 1
    return n


def _assign_initial_advisors(I, rows, advisors: Advisors, values, streams):
    n_adv = int((advisors.active_from <= 0).sum())
    cap = int(round(values["phd.max_students"]))
    u = streams.u("advisors", I[rows, PID], 0, 0)
    _place_students(I, np.asarray(rows, dtype=np.int64), u, n_adv, cap, advisors.safe)


@njit(cache=True)
def _place_students(I, rows, u, n_adv, cap, safe):
    """The existing field's PhD students, in row order, each with the first advisor from
    a random one on (``u``) who has room for another of the ``cap`` students; with no
    room anywhere the student is an academic contributor instead."""
    load = np.zeros(n_adv, dtype=np.int64)
    for k in range(len(rows)):
        row = rows[k]
        a = int(u[k] * n_adv)
        found = False
        for _ in range(n_adv):
            if load[a] < cap:
                found = True
                break
            a = (a + 1) % n_adv
        if not found:
            I[row, STATE] = CONTRIBUTOR  # no room: the field had more students than slots
            I[row, KIND] = K_ACADEMIC
            continue
        load[a] += 1
        I[row, ADVISOR] = a
        if safe[a]:
            I[row, FLAGS] |= F_SAFE_ADVISOR


def _background_shares(values):
    return np.array([values[f"population.background_mix.{b}"] for b in BACKGROUND_NAMES])


def _track_shares(values):
    return np.array([values[f"population.track_mix.{t}"] for t in ("phd", "independent", "contributor")])


def _kind_shares(values):
    return np.array([values[f"population.contributor_kinds.{k}"] for k in ("industry", "nonprofit", "academic_ra")])


__all__ = [
    "Agents",
    "Advisors",
    "Cohort",
    "Settings",
    "EXTRA_PID_BASE",
    "make_agents",
    "make_advisors",
    "draw_entrants",
    "add_cohorts",
    "entrant_schedule",
    "enter",
    "log_entries_needed",
]
