"""Hiring: the lead positions of each source of M7, and quarterly rounds that fill the
open ones from the ready candidates and from outside applicants.

Each source (big funders' RFPs, organisations with an adjacent agenda, academia, small
funders when they hold positions, roles with autonomy, an agenda-agnostic organisation)
holds a number of *positions*: its capacity, ``positions.<source> * G(t)``, where the
parameter is the source's positions at time zero (after any burn-in) and ``G`` the growth of its
funding since (``positions.growth`` a year, compounded round by round; below 1 during a burn-in). A position is
held by a lead, or open. Openings therefore come from two places, which every round
records apart:

* *growth*: capacity added since the last round;
* *replacement*: positions whose holder left the field, or whose role ended (a small
  funder's one-year role), since the last round; the position reopens.

An open position stays open until it is filled (or the source's capacity falls below the
positions held; a holder is never removed for that). The existing field's leads hold
positions from the start, spread over the sources in proportion to their positions
(PhD holders first into academia); leads beyond the positions hold none.

Candidates are the lead-ready researchers who may take a role (insiders) and, per
source, a Poisson number of *outside applicants* (experienced ML researchers moving into
safety): ``positions.outside_candidates`` per open position per year, each with a score
from ``positions.outside_score`` on the insiders' scale and an impact judgement from
``positions.outside_impact``. Each source ranks its candidates by its own score (M7) and
fills its open positions best first. An outside hire holds the position as an *outside
lead* (not a simulated researcher): they leave at the lead exit hazard
(``positions.lead_exit``), which reopens the position, and supply mentor time like any
lead (:mod:`careersim.engine.field`).

A person's fit with the adjacent organisations' agenda persists: it is drawn once per
person (stream ``agenda_fit``) and redrawn every ``1 / positions.fit_drift`` years, at a
point of that cycle drawn once per person.
"""

from __future__ import annotations

import math

import numpy as np

from careersim.core.clock import TICKS_PER_QUARTER, TICKS_PER_YEAR
from careersim.core.codes import (
    CONTRIBUTOR,
    E_HIRED,
    INDEPENDENT,
    K_INDUSTRY,
    LEAD,
    PHD,
    S_ACADEMIA,
    S_ADJACENT,
    S_AGNOSTIC,
    S_AUTONOMY,
    S_BIG_RFP,
    S_INITIAL,
    S_SMALL_FUNDER,
    T_INITIAL,
    UNFUNDED,
)
from careersim.core.compiled import njit
from careersim.core.rng import agent_hash, poisson_from_uniform, uniform, uniform_at
from careersim.core.special import F_NONE, compiled_form, ndtri, ppf_at
from careersim.engine.kernel import move_counted
from careersim.engine.layout import (
    ADVISOR,
    F_FOCUS,
    F_HAS_PHD,
    F_REFUSE_PAY,
    F_WANTS_GRANT,
    FLAGS,
    FUND_END,
    IMP,
    KIND,
    LEAD_SRC,
    LEAD_TICK,
    LEGIB,
    LETTERS,
    PHD_PROG,
    PID,
    READY,
    RECORD,
    ST_READY,
    STATE,
    TRACK,
    WAIT_SINCE,
)
from careersim.engine.world import World, skill_score


@njit(cache=True)
def _lead_candidates(ready, n, I, F, key, t, final_from, credential_w, letter_w, record_w, record_cap):
    """Of the lead-ready rows ``ready[:n]`` (in row order), those who may take a lead
    role: independent, unfunded or contributors, and PhD students whose progress is at
    least ``final_from`` (the final-phase rule; infinite under the rule of graduates only).
    Returns their rows, every lead source's base score before the candidate's noise
    (skills, track record weighted by ``record_w`` up to ``record_cap``, a PhD and
    letters) and the uniforms of that noise."""
    rows = np.empty(n, dtype=np.int64)
    base = np.empty(n)
    u = np.empty(n)
    m = 0
    for j in range(n):
        r = ready[j]
        st = I[r, STATE]
        if not (st == INDEPENDENT or st == UNFUNDED or st == CONTRIBUTOR or st == PHD) or I[r, READY] < 0:
            continue
        if st == PHD and not F[r, PHD_PROG] >= final_from:
            continue
        rows[m] = r
        m += 1
    for j in range(m):  # a second pass, as in _programme_applicants
        r = rows[j]
        phd = 1.0 if (I[r, FLAGS] & F_HAS_PHD) != 0 else 0.0
        base[j] = skill_score(F, r, record_w, record_cap) + credential_w * phd + letter_w * F[r, LETTERS]
        u[j] = uniform(key, I[r, PID], t, 0)
    return rows[:m], base[:m], u[:m]


HIRING_SOURCES = (
    ("autonomy_role", S_AUTONOMY),
    ("agnostic_org", S_AGNOSTIC),
    ("academia", S_ACADEMIA),
    ("adjacent_org", S_ADJACENT),
    ("big_rfp", S_BIG_RFP),
    ("small_funder", S_SMALL_FUNDER),
)
NS = len(HIRING_SOURCES)
SOURCE_CODES = np.array([code for _, code in HIRING_SOURCES], dtype=np.int64)
#: each source code's place in HIRING_SOURCES (-1: not a source of positions)
SOURCE_INDEX = np.full(S_INITIAL + 1, -1, dtype=np.int64)
SOURCE_INDEX[SOURCE_CODES] = np.arange(NS)
HIRING_COLUMNS = (
    ("tick", "candidates", "vacancies", "filled")
    + tuple(f"filled_{name}" for name, _ in HIRING_SOURCES)
    + (
        "positions",
        "held",
        "opened_growth",
        "opened_replacement",
        "closed",
        "outside_applicants",
        "filled_outside",
        "outside_leads",
        "outside_left",
    )
)
REC = {name: j for j, name in enumerate(HIRING_COLUMNS)}
REC_OUTSIDE_LEADS, REC_FILLED_OUTSIDE, REC_OUTSIDE_LEFT = (
    REC["outside_leads"],
    REC["filled_outside"],
    REC["outside_left"],
)
# the score weights each source adds to the common score (rows of ``weights`` in _hire)
W_ACADEMIA_RECORD, W_RFP_LEGIBILITY, W_RFP_IMPACT, W_AGNOSTIC_IMPACT, W_AUTONOMY_IMPACT, W_RECORD_CAP = range(6)
FIT_PHASE_SLOT = 63  # the agenda-fit stream's slot of a person's phase in the drift cycle
OUT_ID_SHIFT = 20  # an outside applicant's id: ((tick * NS + source) << OUT_ID_SHIFT) + number within the source
OUT_SLOT0, N_OUT_SLOTS = 2, 5  # the uniform slots of an outside applicant's draws: 2-6


@njit(cache=True, inline="always")
def agenda_fit(key, pid, t, code, drift):
    """Person ``pid``'s fit uniform with source ``code``'s agenda at tick ``t``: drawn once,
    and redrawn every ``1 / drift`` years (``drift`` a yearly rate; 0: never) at a point of
    the cycle drawn once per person. The person fits when it is below the source's share."""
    phase = uniform(key, pid, 0, FIT_PHASE_SLOT)
    epoch = np.int64(np.floor(drift * (t / TICKS_PER_YEAR) + phase)) if drift > 0.0 else 0
    return uniform(key, pid, epoch, code)


@njit(cache=True, inline="always")
def source_score(code, score, imp, legib, record, weights):
    """A candidate's score for source ``code``: the common ``score`` plus what the source
    looks for (M7): academia the track record, big RFPs legibility and impact
    judgement, an agenda-agnostic organisation's department chairs and roles with autonomy
    the agenda's theory of impact (impact judgement)."""
    if code == S_ACADEMIA:
        return score + weights[W_ACADEMIA_RECORD] * min(record, weights[W_RECORD_CAP])
    if code == S_BIG_RFP:
        return score + weights[W_RFP_LEGIBILITY] * legib + weights[W_RFP_IMPACT] * imp
    if code == S_AGNOSTIC:
        return score + weights[W_AGNOSTIC_IMPACT] * imp
    if code == S_AUTONOMY:
        return score + weights[W_AUTONOMY_IMPACT] * imp
    return score


class Hiring:
    """The lead positions of each source and the quarterly hiring rounds (see the module's text).

    ``capacity`` is each source's positions, ``held`` those held and ``vacant`` those open
    after the latest round, by source in the order of :data:`HIRING_SOURCES`. Outside leads
    are kept as rows (source, hire tick, tick they left or -1, impact judgement, id); the
    round's record is a row of ``_rec``."""

    def __init__(self, world: World):
        self.w = world
        self.key = np.uint64(world.streams.key("hiring"))
        self.fit_key = np.uint64(world.streams.key("agenda_fit"))
        self.out_key = np.uint64(world.streams.key("outside"))
        self._paths = [f"positions.{name}" for name, _ in HIRING_SOURCES]
        # growth of the sources' funding since time zero (below 1 in a burn-in: the stated
        # positions are those of time zero)
        self.growth = (1.0 + world.live["positions.growth"]) ** (-world.live["x.start_tick"] / TICKS_PER_YEAR)
        self._last = 0  # tick of the latest round (the start of the run before the first)
        self.capacity = np.zeros(NS, dtype=np.int64)
        self.vacant = np.zeros(NS, dtype=np.int64)
        self.held = np.zeros(NS, dtype=np.int64)
        self.init_src = self._initial_positions()
        self.held[:] = np.bincount(self.init_src[self.init_src >= 0], minlength=NS)
        # the positions open at the start are part of the starting field, not openings of the run
        self.capacity[:] = _capacity(self._start_positions(), self.growth)
        self.vacant[:] = np.maximum(self.capacity - self.held, 0)
        self.out = np.zeros((64, 4), dtype=np.int64)  # outside leads: source, hire tick, left tick (-1: in role), id
        self.out_imp = np.zeros(64)  # their impact judgement
        self.n_out = np.zeros(1, dtype=np.int64)  # outside leads hired so far
        self.outside_in_role = 0
        rounds = world.T // TICKS_PER_QUARTER + 2
        self._rec = np.zeros((rounds, len(HIRING_COLUMNS)), dtype=np.int64)
        self.nround = 0
        self.n_open = 0  # open positions after the latest round, over all sources
        self._weights = np.zeros(6)
        self._version = -1  # the live values' version the settings below were read at
        self._configure()

    def _start_positions(self) -> np.ndarray:
        """Each source's positions at the start of the run (none for small funders when
        they fund leads through the grant queue)."""
        live = self.w.live
        K0 = np.array([max(0.0, float(live[p])) for p in self._paths])
        if live["positions.small_funder_leads"] == "queue":
            K0[SOURCE_INDEX[S_SMALL_FUNDER]] = 0.0
        return K0

    def _configure(self) -> None:
        """The settings a round reads from the live values, read again only when they change
        (``live.version``): the positions at the start, whether small funders' leads hold
        grants through the queue, the outside applicants' rate per open position for a
        quarter, the selection noise, the outside applicants' distributions in compiled form
        (score, impact judgement, legibility; :func:`~careersim.core.special.compiled_form`),
        the share of them whose focus matches a big RFP's, and the sources' score weights."""
        live = self.w.live
        self._version = live.version
        self._K0 = self._start_positions()
        self._queue_small = live["positions.small_funder_leads"] == "queue"
        self._rate = live["positions.outside_candidates"] * TICKS_PER_QUARTER / TICKS_PER_YEAR
        self._noise_sd = live["positions.selection_noise"]
        self._focus_share = live["independent.focus_match_share"]
        self._forms = np.stack(
            [
                compiled_form(live["positions.outside_score"]),
                compiled_form(live["positions.outside_impact"]),
                compiled_form(live["population.traits.legibility"]),
            ]
        )
        self._weights[:] = (
            live["positions.academia_record_weight"],
            live["positions.rfp_legibility_weight"],
            live["positions.rfp_impact_weight"],
            live["positions.agnostic_impact_weight"],
            live["positions.autonomy_impact_weight"],
            live["positions.record_cap"],
        )

    def _initial_positions(self) -> np.ndarray:
        """The source of the position each existing-field lead holds (by row; -1: none):
        the leads are spread over the sources in proportion to their positions at the
        start (largest remainders, at most a source's positions each), PhD holders first
        into academia, the others in row order."""
        w = self.w
        n0 = w.n_initial
        out = np.full(n0, -1, dtype=np.int64)
        I = w.I[:n0]
        leads = np.flatnonzero((I[:, STATE] == LEAD) & (I[:, TRACK] == T_INITIAL) & (I[:, LEAD_SRC] == S_INITIAL))
        cap = _capacity(self._start_positions(), self.growth)
        total = int(cap.sum())
        if len(leads) == 0 or total == 0:
            return out
        if len(leads) >= total:
            take = cap.copy()
        else:
            quota = len(leads) * cap / total
            take = np.floor(quota).astype(np.int64)
            order = np.argsort(-(quota - take), kind="stable")
            for i in order[: len(leads) - int(take.sum())]:
                take[i] += 1
        phd_first = leads[np.argsort((I[leads, FLAGS] & F_HAS_PHD) == 0, kind="stable")]
        a = SOURCE_INDEX[S_ACADEMIA]
        out[phd_first[: take[a]]] = a
        rest = [r for r in leads if out[r] < 0]
        k = 0
        for i in range(NS):
            if i == a:
                continue
            out[rest[k : k + take[i]]] = i
            k += take[i]
        return out

    def candidates(self, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows of the ready candidates, their common base scores and noise uniforms."""
        w, live = self.w, self.w.live
        # under the final-phase rule, PhD students with progress within a year's work of the end
        final_from = 1.0 - 1.0 / live["phd.duration"] if live["x.lead_rule_final"] > 0.5 else np.inf
        return _lead_candidates(
            w.ready,
            int(w.stats[ST_READY]),
            w.I,
            w.F,
            self.key,
            t,
            final_from,
            live["positions.credential_weight"],
            live["positions.letter_weight"],
            live["positions.record_weight"],
            live["positions.record_cap"],
        )

    def round(self, t: int) -> None:
        w, live = self.w, self.w.live
        if live.version != self._version:
            self._configure()
        g = live["positions.growth"]
        self.growth *= (1.0 + g) ** ((t - self._last) / TICKS_PER_YEAR)
        p_leave = 0.0  # chance an outside lead left since the last round (the lead exit hazard)
        if live["x.exits_on"] > 0.5:
            p_leave = -math.expm1(-live["positions.lead_exit"] * (t - self._last) / TICKS_PER_YEAR)
        rec = self._rec[self.nround]
        pool, common, u = self.candidates(t)
        # outside leads' exits, positions held and open, this round's outside applicants, the
        # insiders' scores with their noise and each outside applicant's score before the
        # source's bonus, impact, legibility and focus, in one compiled call (_round_start);
        # where the applicants' values cannot be drawn in compiled code, with the
        # distributions' own inverse CDFs here
        cap, held, open_now, src, ids, U, base, oscore, oimp, olegib, ofocus, drawn, big, n_open = _round_start(
            self._K0,
            self.growth,
            self.out,
            int(self.n_out[0]),
            self.out_key,
            t,
            p_leave,
            w.act,
            int(w.nact[0]),
            w.vis,
            int(w.nvis[0]) - int(w.stats[LEAD]) if w.step_tick == t else -1,  # the step's leads, if it ran now
            int(w.nvis[0]),
            w.I,
            self.init_src,
            self._queue_small,
            self._rate,
            u,
            common,
            self._noise_sd,
            self._forms,
            self._focus_share,
            rec,
            int(w.counts[LEAD]),
        )
        m = len(pool)
        if len(src) and not drawn:  # oscore holds the applicants' noise
            oscore = np.asarray(live["positions.outside_score"].ppf_open(U[0]), dtype=np.float64) + oscore
            oimp = np.minimum(np.maximum(np.asarray(live["positions.outside_impact"].ppf_open(U[2]), float), 0.0), 1.0)
            if big:
                olegib = np.asarray(live["population.traits.legibility"].ppf_open(U[3]), dtype=np.float64)
                ofocus = U[4] < self._focus_share
        self._reserve(n_open)
        n_before = int(self.n_out[0])
        w.ensure_log(m)  # each candidate is hired at most once
        hired = np.zeros(NS, dtype=np.int64)
        if n_open > 0 and (m > 0 or len(src) > 0):
            _hire(
                SOURCE_CODES,
                open_now,
                pool,
                base,
                w.I,
                w.F,
                w.adv_load,
                self.fit_key,
                live["positions.fit_drift"],
                live["positions.adjacency"],
                live["positions.focus_required"] > 0.5,
                t,
                int(round(live["grants.grant_length"] * TICKS_PER_YEAR)),
                src,
                ids,
                oscore,
                oimp,
                olegib,
                ofocus,
                self._weights,
                self.out,
                self.out_imp,
                self.n_out,
                w.LOG,
                w.nlog,
                w.counts,
                hired,
            )
        self.outside_in_role, self.n_open = _round_close(
            t,
            cap,
            held,
            open_now,
            hired,
            self.vacant,
            self.held,
            self.capacity,
            m,
            len(src),
            rec,
            self.out,
            self.n_out,
            n_before,
        )
        self._last = t
        self.nround += 1

    def _reserve(self, extra: int) -> None:
        """Room for ``extra`` more outside leads (at most one per open position)."""
        need = int(self.n_out[0]) + extra
        if need > len(self.out):
            size = max(need, 2 * len(self.out))
            out, imp = np.zeros((size, 4), dtype=np.int64), np.zeros(size)
            out[: len(self.out)], imp[: len(self.out)] = self.out, self.out_imp
            self.out, self.out_imp = out, imp

    def columns(self) -> dict[str, np.ndarray]:
        """The rounds' records as columns: tick, insider candidates, positions open at the
        round (filled ones included), filled, filled per source, then the positions
        (capacity), those held after the round, the openings since the last round from
        growth and from replacement, positions closed (capacity fell), outside applicants,
        positions filled by them, outside leads in role after the round and those who
        left since the last (none before the first round)."""
        if self.nround == 0:
            return {}
        rec = self._rec[: self.nround]
        return {name: rec[:, j].copy() for j, name in enumerate(HIRING_COLUMNS)}

    def outside_leads(self, T: int) -> dict[str, np.ndarray]:
        """The outside leads hired during the run: source code, hire tick, tick they left
        (``T`` if still in role at the horizon) and impact judgement."""
        n = int(self.n_out[0])
        end = self.out[:n, 2].copy()
        end[end < 0] = T
        return {
            "source": SOURCE_CODES[self.out[:n, 0]],
            "hired": self.out[:n, 1].copy(),
            "left": end,
            "impact_judgement": self.out_imp[:n].copy(),
        }


@njit(cache=True)
def _capacity(K0, growth):
    """Each source's positions now: those at the start (``K0``) times ``growth``, rounded down
    (less a hair of rounding error: 1e-9)."""
    cap = np.empty(len(K0), dtype=np.int64)
    for i in range(len(K0)):
        cap[i] = np.int64(np.floor(K0[i] * growth + 1e-9))
    return cap


@njit(cache=True)
def _round_open(
    K0, growth, out, n_out, key, t, p_leave, act, nact, vis, lo, hi, I, init_src, queue_small, mu, u_pool, n_leads
):
    """The start of a round, in one compiled call: each source's positions now (``K0``, those
    at the start, times ``growth``, rounded down: :func:`_capacity`); the
    outside leads in role (``out[:n_out]``) leave with chance ``p_leave``
    (:func:`_outside_exits`); the positions held by source (:func:`_holders` over
    ``vis[lo:hi]``, the leads of this month's monthly step, or over every listed row
    ``act[:nact]`` unless :func:`_leads_listed` finds that slice holds the field's
    ``n_leads`` leads; none for small funders when their leads hold grants through the
    queue) and open (capacity ``cap`` less those held, at least 0); and the outside
    applicants: per source a Poisson number with mean ``mu`` per open position
    (:func:`_outside_counts`), each with an id ``((t * NS + source) << OUT_ID_SHIFT) +
    number within the source`` and its uniforms of slots 2-6 (rows of ``U``: score, noise,
    impact, legibility, focus). Returns (positions, outside leads who left, held, open, the
    applicants' source indices, ids, ``U``, the insiders' noise uniforms ``u_pool`` followed
    by the applicants')."""
    cap = _capacity(K0, growth)
    left = _outside_exits(out, n_out, key, t, p_leave)
    if _leads_listed(vis, lo, hi, I, n_leads, queue_small):
        held = _holders(vis[lo:hi], hi - lo, I, init_src, out, n_out)
    else:
        held = _holders(act, nact, I, init_src, out, n_out)
    if queue_small:  # their leads hold grants, not positions
        held[SOURCE_INDEX[S_SMALL_FUNDER]] = 0
    open_now = np.empty(NS, dtype=np.int64)
    for i in range(NS):
        open_now[i] = max(cap[i] - held[i], 0)
    counts = _outside_counts(key, open_now, mu, t)
    n = 0
    for i in range(NS):
        n += counts[i]
    src = np.empty(n, dtype=np.int64)
    ids = np.empty(n, dtype=np.int64)
    U = np.empty((N_OUT_SLOTS, n))
    m = len(u_pool)
    unoise = np.empty(m + n)
    unoise[:m] = u_pool
    k = 0
    for i in range(NS):
        for within in range(counts[i]):
            src[k] = i
            ids[k] = ((np.int64(t) * NS + i) << OUT_ID_SHIFT) + within
            h = agent_hash(key, ids[k])
            for j in range(N_OUT_SLOTS):
                U[j, k] = uniform_at(h, t, OUT_SLOT0 + j)
            unoise[m + k] = U[1, k]
            k += 1
    return cap, left, held, open_now, src, ids, U, unoise


@njit(cache=True)
def _round_start(
    K0,
    growth,
    out,
    n_out,
    key,
    t,
    p_leave,
    act,
    nact,
    vis,
    lo,
    hi,
    I,
    init_src,
    queue_small,
    mu,
    u_pool,
    common,
    noise_sd,
    forms,
    focus_share,
    rec,
    n_leads,
):
    """:func:`_round_open` then :func:`_scores` in one call, with the outside leads who left
    written to the round's record ``rec``. Returns (positions, held, open, the applicants'
    source indices, ids and uniforms ``U``, the insiders' scores, the applicants' score,
    impact, legibility and focus, whether those were drawn, whether one applies to a big
    RFP, the positions open in all)."""
    cap, left, held, open_now, src, ids, U, unoise = _round_open(
        K0, growth, out, n_out, key, t, p_leave, act, nact, vis, lo, hi, I, init_src, queue_small, mu, u_pool, n_leads
    )
    rec[REC_OUTSIDE_LEFT] = left
    base, oscore, oimp, olegib, ofocus, drawn, big = _scores(common, unoise, noise_sd, U, src, forms, focus_share)
    n_open = 0
    for i in range(len(open_now)):
        n_open += open_now[i]
    return cap, held, open_now, src, ids, U, base, oscore, oimp, olegib, ofocus, drawn, big, n_open


@njit(cache=True)
def _scores(common, unoise, noise_sd, U, src, forms, focus_share):
    """The insiders' scores: ``common`` plus each one's selection noise, ``noise_sd`` times the
    normal quantile of its uniform (``unoise[:m]``); and each outside applicant's score (the
    outside-score distribution, ``forms[0]``, at its uniform ``U[0]``, plus its noise from
    ``unoise[m:]``), impact judgement (``forms[1]`` at ``U[2]``, within [0, 1]) and, when
    one applies to a big RFP (``big``; no other source reads them), legibility
    (``forms[2]`` at ``U[3]``) and focus (``U[4] < focus_share``); otherwise zeros. The
    quantiles are SciPy's own (:mod:`careersim.core.special`), so the values are those of
    the distributions' ``ppf_open``, bit for bit. ``drawn`` is False when a distribution
    is of a family compiled code does not compute, or a beta's quantile needs its
    lower-tail fallback: then ``oscore`` holds only the applicants' noise and the caller
    draws the rest. Returns (insiders' scores, oscore, oimp, olegib, ofocus, drawn, big)."""
    m, n = len(common), len(src)
    noise = np.empty(m + n)
    for k in range(m + n):
        noise[k] = noise_sd * ndtri(unoise[k])
    base = np.empty(m)
    for k in range(m):
        base[k] = common[k] + noise[k]
    oscore, oimp = np.empty(n), np.zeros(n)
    olegib, ofocus = np.zeros(n), np.zeros(n, dtype=np.bool_)
    big = False
    for k in range(n):
        big |= src[k] == SOURCE_INDEX[S_BIG_RFP]
    drawn = forms[0, 0] != F_NONE and forms[1, 0] != F_NONE and forms[2, 0] != F_NONE
    for k in range(n):
        if not drawn:
            break
        score, imp = ppf_at(forms[0], U[0, k]), ppf_at(forms[1], U[2, k])
        drawn = score == score and imp == imp
        oscore[k] = score + noise[m + k]
        oimp[k] = min(max(imp, 0.0), 1.0)
        if big:
            legib = ppf_at(forms[2], U[3, k])
            drawn = drawn and legib == legib
            olegib[k] = legib
            ofocus[k] = U[4, k] < focus_share
    if not drawn:
        for k in range(n):
            oscore[k] = noise[m + k]
    return base, oscore, oimp, olegib, ofocus, drawn, big


@njit(cache=True)
def _leads_listed(vis, lo, hi, I, n_leads, queue_small):
    """Whether ``vis[lo:hi]`` (``lo`` below 0: no monthly step this month) holds every one of
    the field's ``n_leads`` leads that can hold a position: all of them, or with small
    funders' leads held through the queue (which the grant office makes between the step
    and the round, and which hold no position) at most all of them."""
    if not 0 <= lo <= hi <= len(vis):
        return False
    k = 0
    for j in range(lo, hi):
        k += I[vis[j], STATE] == LEAD
    return k == n_leads or (queue_small and k <= n_leads)


@njit(cache=True)
def _round_close(t, cap, held, open_now, hired, vacant, held_after, capacity, n_pool, n_src, rec, out, n_out, n_before):
    """The end of a round: its record (:func:`_account`), the positions kept as the sources'
    ``capacity``, the outside leads in role after it and those it hired; returns the outside
    leads in role and the positions left open."""
    _account(t, cap, held, open_now, hired, vacant, held_after, n_pool, n_src, rec)
    in_role = _in_role(out, n_out[0])
    rec[REC_OUTSIDE_LEADS] = in_role
    rec[REC_FILLED_OUTSIDE] = n_out[0] - n_before
    n_open = 0
    for i in range(len(cap)):
        capacity[i] = cap[i]
        n_open += vacant[i]
    return in_role, n_open


@njit(cache=True)
def _outside_counts(key, open_now, mu, t):
    """Outside applicants per source this round: a Poisson number with mean ``mu`` for each
    open position (position ``k`` of source ``i`` draws from its own uniforms), summed. A
    mean beyond 500 is drawn as a sum of Poisson parts of at most 500 each (each from its
    own uniform), where the inversion's first term would underflow."""
    counts = np.zeros(len(open_now), dtype=np.int64)
    if not mu > 0.0:
        return counts
    for i in range(len(open_now)):
        for k in range(open_now[i]):
            left, part = mu, 0
            while left > 0.0:
                counts[i] += poisson_from_uniform(min(left, 500.0), uniform(key, (i << OUT_ID_SHIFT) + k, t, part))
                left -= 500.0
                part += 1
    return counts


@njit(cache=True)
def _outside_exits(out, n, key, t, p_leave):
    """Outside leads in role (``out[:n]``) each leave with chance ``p_leave`` (their own
    draw); returns how many left."""
    k = 0
    if p_leave <= 0.0:
        return 0
    for j in range(n):
        if out[j, 2] < 0 and uniform(key, out[j, 3], t, 1) < p_leave:
            out[j, 2] = t
            k += 1
    return k


@njit(cache=True)
def _in_role(out, n):
    k = 0
    for j in range(n):
        k += out[j, 2] < 0
    return k


@njit(cache=True)
def _holders(act, n, I, init_src, out, n_out):
    """Positions held now, by source: the leads among the rows ``act[:n]`` by the source
    of their role (an existing-field lead's from ``init_src``) and the outside leads in
    role.

    A round passes the leads of the monthly step of its month: the step leaves its
    visiting order grouped by state with the leads last (``world.vis``, their number in
    ``world.stats[LEAD]``), and between that step and the round only the grant office
    makes leads, small funders' leads through its queue, which hold no position (the
    round counts none for that source then). Anyone no longer a lead is skipped; where
    the slice does not hold the field's leads (:func:`_leads_listed`) the round scans
    every listed row. A property test compares the counts with a scan at every round."""
    held = np.zeros(NS, dtype=np.int64)
    for j in range(n):
        r = act[j]
        if I[r, STATE] != LEAD:
            continue
        c = I[r, LEAD_SRC]
        if c == S_INITIAL:
            i = init_src[r] if r < len(init_src) else -1
        else:
            i = SOURCE_INDEX[c]
        if i >= 0:
            held[i] += 1
    for j in range(n_out):
        if out[j, 2] < 0:
            held[out[j, 0]] += 1
    return held


@njit(cache=True)
def _account(t, cap, held, open_now, hired, vacant, held_after, n_pool, n_out, rec):
    """The round's record (``rec``) and the positions left open and held after it, by
    source (``vacant``, ``held_after``: on entry, those after the last round). Openings
    since the last round are ``open_now - vacant``: replacement as far as holders left
    (``held_after - held``), growth beyond; when positions open fell, those closed."""
    total = filled = grow = repl = closed = 0
    for i in range(len(cap)):
        left = max(0, held_after[i] - held[i])
        new = open_now[i] - vacant[i]
        if new > 0:
            r = min(left, new)
            repl += r
            grow += new - r
        else:
            closed -= new
        total += open_now[i]
        filled += hired[i]
        rec[4 + i] = hired[i]
        vacant[i] = open_now[i] - hired[i]
        held_after[i] = held[i] + hired[i]
    rec[0], rec[1], rec[2], rec[3] = t, n_pool, total, filled
    n = len(cap)
    rec[4 + n] = cap.sum()
    rec[5 + n] = held_after.sum()
    rec[6 + n], rec[7 + n], rec[8 + n], rec[9 + n] = grow, repl, closed, n_out


@njit(cache=True)
def smallest_stable(v, k):
    """Positions of the ``k`` smallest values of ``v`` in increasing order, ties by
    position: ``np.argsort(v, kind="mergesort")[:k]`` without sorting everything
    (hiring rounds fill a few openings from thousands of candidates). No NaN in ``v``."""
    m = len(v)
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    if k <= 16:  # a few: keep the best so far in order, each newcomer inserted after its equals
        take = np.empty(k, dtype=np.int64)
        n = 0
        for j in range(m):
            x = v[j]
            if n == k:
                if not x < v[take[k - 1]]:
                    continue
                n -= 1  # the worst kept gives way
            i = n
            while i > 0 and v[take[i - 1]] > x:
                take[i] = take[i - 1]
                i -= 1
            take[i] = j
            n += 1
        return take[:n]
    if 4 * k >= m:  # a large share: sorting everything is as quick
        return np.argsort(v, kind="mergesort")[:k]
    cut = np.partition(v, k - 1)[k - 1]  # the k-th smallest value
    below = 0
    for j in range(m):
        if v[j] < cut:
            below += 1
    take = np.empty(k, dtype=np.int64)
    n_eq = k - below  # how many of the values equal to the cut make it, first in position order
    c = 0
    for j in range(m):
        if v[j] < cut or (v[j] == cut and n_eq > 0):
            if v[j] == cut:
                n_eq -= 1
            take[c] = j
            c += 1
    return take[np.argsort(v[take], kind="mergesort")]


@njit(cache=True)
def _hire(
    codes,
    openings,
    pool,
    base,
    I,
    F,
    adv_load,
    fit_key,
    fit_drift,
    adjacency,
    focus_required,
    t,
    grant_ticks,
    o_src,
    o_id,
    o_score,
    o_imp,
    o_legib,
    o_focus,
    weights,
    out,
    out_imp,
    n_out,
    LOG,
    nlog,
    counts,
    hired,
):
    """Fill up to ``openings[i]`` open positions of each lead source ``codes[i]``, source
    by source, from the insider candidates ``pool`` (common scores ``base``) not yet hired
    and the source's outside applicants (``o_src == i``; scores ``o_score``): each source
    ranks the eligible by its own score (:func:`source_score`), best first (ties: insiders
    in pool order, then outsiders in order). Adjacent organisations take only people whose
    agenda fits theirs (:func:`agenda_fit`), academia only PhD holders (and no industry
    contributor refusing the pay cut), focused big RFPs only agendas in focus. An insider
    hired takes the lead role (a small funder's for ``grant_ticks``); an outside hire is
    appended to ``out`` (source, tick, -1, id) with ``out_imp``. Writes the number hired per
    source to ``hired``."""
    n = len(pool)
    no = len(o_src)
    taken = np.zeros(n, dtype=np.bool_)
    idx = np.empty(n + no, dtype=np.int64)
    neg = np.empty(n + no)
    # what the sources read of each candidate, gathered once: rows change only when hired,
    # and a hired candidate is not read again
    focus, pid = np.empty(n, dtype=np.bool_), np.empty(n, dtype=np.int64)
    academic = np.empty(n, dtype=np.bool_)
    imp, legib, record = np.empty(n), np.empty(n), np.empty(n)
    for j in range(n):
        r = pool[j]
        fl = I[r, FLAGS]
        focus[j] = (fl & F_FOCUS) != 0
        pid[j] = I[r, PID]
        # a PhD holder, and not an industry contributor who will not take an academic pay cut
        academic[j] = (fl & F_HAS_PHD) != 0 and not (
            (fl & F_REFUSE_PAY) != 0 and I[r, KIND] == K_INDUSTRY and I[r, STATE] == CONTRIBUTOR
        )
        imp[j], legib[j], record[j] = F[r, IMP], F[r, LEGIB], F[r, RECORD]
    for i in range(len(codes)):
        code, nv = codes[i], openings[i]
        if nv == 0:
            continue
        m = 0
        for j in range(n):
            if taken[j]:
                continue
            if code == S_ACADEMIA:
                if not academic[j]:
                    continue
            elif code == S_ADJACENT:
                if not agenda_fit(fit_key, pid[j], t, code, fit_drift) < adjacency:
                    continue
            elif code == S_BIG_RFP:
                if focus_required and not focus[j]:
                    continue
            idx[m] = j
            neg[m] = -source_score(code, base[j], imp[j], legib[j], record[j], weights)
            m += 1
        m_in = m
        for x in range(no):  # the source's outside applicants: PhD holders, applying to an agenda they fit
            if o_src[x] != i or (code == S_BIG_RFP and focus_required and not o_focus[x]):
                continue
            idx[m] = x
            neg[m] = -source_score(code, o_score[x], o_imp[x], o_legib[x], weights[W_RECORD_CAP], weights)
            m += 1
        if m == 0:
            continue
        k = min(nv, m)
        best = smallest_stable(neg[:m], k)
        for b in best:
            if b >= m_in:  # an outside applicant
                x = idx[b]
                q = n_out[0]
                out[q, 0], out[q, 1], out[q, 2], out[q, 3] = i, t, -1, o_id[x]
                out_imp[q] = o_imp[x]
                n_out[0] = q + 1
                continue
            j = idx[b]
            taken[j] = True
            r = pool[j]
            I[r, LEAD_SRC] = code
            if I[r, STATE] == PHD:  # final-year students hired as leads finish their PhD
                adv_load[I[r, ADVISOR]] -= 1
                I[r, FLAGS] |= F_HAS_PHD
            if I[r, LEAD_TICK] < 0:
                I[r, LEAD_TICK] = t
            I[r, WAIT_SINCE] = -1
            if code == S_SMALL_FUNDER:  # a small funder's role lasts a grant
                I[r, FUND_END] = t + grant_ticks
            else:
                I[r, FUND_END] = min(I[r, FUND_END], t)  # a grant is handed back
            I[r, FLAGS] &= ~F_WANTS_GRANT
            move_counted(I, LOG, nlog, counts, r, t, LEAD, E_HIRED)
        hired[i] = k
