"""The monthly learning-and-hazard step over all researchers, compiled with numba.

One call advances every active researcher by one month (``DT`` = 1/12 year):

1. feedback: for each source (advisor or manager, peers, programme mentor,
   collaborator, outside exposure, own project completions, self-study) a
   Poisson count of signals, drawn by inverting a counter-based uniform, and
   the saturating skill update ``s <- 1 - (1 - s) * (1 - g*lr*q*w)**n``;
2. hands-on execution learning ``e <- 1 - (1 - e) * exp(-r*m*lr*DT)`` (the factor is
   kept per person and recomputed only when the role's rate ``r*m`` changes);
3. track record, recommendation letters, wellbeing and motivation;
4. transitions that need no institution: PhD graduation, losing a grant,
   leaving a funding gap, a contributor applying to a PhD, readiness;
5. competing exit hazards (burnout, other work, no lead opening) and their
   reasons; lead-years accumulate for leads, split at the AI arrival.

The researchers are taken in chunks of ``CH``: their uniforms are computed
first (vectorised), then each person's feedback sources are listed, then the
skill updates run across the chunk one source at a time (vectorised; each
person's sources still apply in the order above), then items 2-5 run person by
person. While the last pass runs, the next chunk's rows are prefetched: the
rows of a large field do not fit in the caches.

:func:`step` is a short driver over the passes (:func:`_feedback_pass`,
:func:`_skill_pass`, :func:`_rest_pass`), which read and write the arrays and call
one helper per part of the month, each tested on its own: the feedback sources of
each state (:func:`_phd_sources`, :func:`_independent_sources`,
:func:`_contributor_sources`), hands-on learning (:func:`hands_on`), record and
mood (:func:`record_and_mood`), readiness and eligibility (:func:`is_ready`,
:func:`lead_eligible`), transitions (:func:`graduation_route`, :func:`reapply_due`,
:func:`gap_allowance`, :func:`phd_application_due`) and exits
(:func:`waiting_hazard`, :func:`exit_hazards`, :func:`leaves`, :func:`exit_reason`).
Those helpers take scalars, or arrays they use on every path: numba counts
references to an array handed to an inlined function unless its last use is on
every path, and counting in every person's month cost a fourfold slowdown.
People's own settings (an extra cohort's, ``PS``) are read by the passes: an
independent researcher's own mentoring, a contributor's planned PhD application.

Every state change appends a row (agent, tick, from, to, reason) to the log.
The parameter vector ``P`` is read by name, ``P[V.LEARNING_SIGNAL_GAIN]`` with
``V`` = :mod:`careersim.engine.vector` (its layout is generated from the schema);
:class:`careersim.engine.parameters.Live` keeps it equal to the live parameters.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from careersim.core.clock import DT, TICKS_PER_MONTH, TICKS_PER_YEAR, WEEKS_PER_MONTH
from careersim.core.codes import (
    APPLICANT,
    CONTRIBUTOR,
    E_EXIT,
    E_FUNDING_GAP,
    E_GAP_TO_JOB,
    E_GRADUATED,
    E_LEAD_ENDED,
    E_TO_PHD,
    EXITED,
    INDEPENDENT,
    K_ACADEMIC,
    K_INDUSTRY,
    K_NONPROFIT,
    LEAD,
    PHD,
    R_BURNOUT,
    R_FUNDING,
    R_NO_OPENING,
    R_OTHER_WORK,
    S_SMALL_FUNDER,
    UNFUNDED,
)
from careersim.core.compiled import njit
from careersim.core.rng import agent_hash, poisson_from_uniform, uniform_at
from careersim.core.rng import poisson_given_p0 as _pois
from careersim.engine import vector as V
from careersim.engine.layout import (
    ADVISOR,
    APPLY_AT,
    ATTEMPTS,
    ENTRY,
    EVL,
    EXE,
    EXE2,
    EXIT_REASON,
    EXIT_TICK,
    F_ACCOUNT,
    F_COLLAB,
    F_CUTLOSS,
    F_EXPOSED,
    F_HAS_PHD,
    F_PENDING,
    F_PHD_INTENT,
    F_PLAN,
    F_REFUSE_PAY,
    F_UPSKILL,
    F_WANTS_GRANT,
    FIRST_FUNDED,
    FLAGS,
    FUND_END,
    GEN,
    HANDS_EXP,
    HANDS_KEY,
    IMP,
    KIND,
    LEAD_PRE,
    LEAD_SAFE_PRE,
    LEAD_SRC,
    LEAD_YEARS,
    LETTERS,
    LR,
    MOTIV,
    NF,
    NI,
    PHD_END,
    PHD_PROG,
    PHD_READY,
    PHD_START,
    PID,
    PROG_END,
    PS_MENTOR_HOURS,
    PS_MENTOR_QUALITY,
    PS_PHD_AFTER,
    READY,
    RECORD,
    RESIL,
    SDIR,
    SETTINGS,
    SINCE,
    SMOT,
    ST_FUNDED,
    ST_INDEPENDENT_LEADS,
    ST_NONPROFIT,
    ST_READY,
    ST_WAITING,
    ST_WANTS,
    STATE,
    WAIT_SINCE,
    WELL,
)

W_MID = 0.6  # wellbeing / motivation at which base hazards apply

# uniform slots per agent and tick (feedback stream)
SL_MENTOR, SL_PEER, SL_PROG, SL_COLLAB, SL_EXPOSED, SL_SELF, SL_STUDY, SL_PLAN = range(8)
N_SLOTS = 8
# the slots each state's feedback sources read (bit ``slot``); a small funder's lead
# reads an independent researcher's
SLOTS_USED = np.zeros(8, dtype=np.int64)
SLOTS_USED[PHD] = (1 << SL_MENTOR) | (1 << SL_PEER) | (1 << SL_EXPOSED) | (1 << SL_SELF) | (1 << SL_STUDY)
SLOTS_USED[INDEPENDENT] = (
    (1 << SL_MENTOR) | (1 << SL_PROG) | (1 << SL_COLLAB) | (1 << SL_SELF) | (1 << SL_PLAN) | (1 << SL_STUDY)
)
SLOTS_USED[UNFUNDED] = SLOTS_USED[INDEPENDENT]
SLOTS_USED[CONTRIBUTOR] = (1 << SL_MENTOR) | (1 << SL_PEER) | (1 << SL_STUDY)
SLOTS_USED[LEAD] = 1 << SL_PEER


@njit(cache=True, inline="always")
def _dose(hours, P):
    """Feedback signals per week from ``hours`` of mentor time per week (``learning.dose_response``):
    saturating ``k h0 (1 - exp(-h/h0))`` (computed with expm1); threshold ``k h`` at or above the threshold and
    ``k h f`` below it; linear ``k h``."""
    k = P[V.LEARNING_SIGNALS_PER_MENTOR_HOUR]
    if P[V.X_SATURATING] > 0.5:
        h0 = P[V.LEARNING_SATURATION_HOURS]
        return k * h0 * -np.expm1(-hours / h0)  # expm1: exact for small doses, never above k h
    if P[V.X_DOSE_THRESHOLD] > 0.5 and not hours >= P[V.LEARNING_THRESHOLD_HOURS]:
        return k * hours * P[V.LEARNING_BELOW_THRESHOLD_FACTOR]
    return k * hours


CH = 256  # researchers per chunk of the monthly step
NSRC = 6  # feedback sources a person can have in a month (an independent researcher's count)
NBITS = 3  # signal counts below 2**NBITS are applied in the vectorised pass, larger ones one by one


@njit(cache=True, inline="always")
def _source(SN, SQ, SW, k, j, n, q, w0, w1, w2, w3):
    """Record person ``j``'s source ``k`` of the month: ``n`` signals of quality ``q``
    with skill weights ``w``."""
    SN[k, j] = n
    SQ[k, j] = q
    SW[k, 0, j] = w0
    SW[k, 1, j] = w1
    SW[k, 2, j] = w2
    SW[k, 3, j] = w3


@njit(cache=True, inline="always")
def _set_aside(SN, LONG, nlong, k, j):
    """Queue person ``j``'s count from source ``k`` in ``LONG`` (person, source, count) when it
    is beyond the vector pass's reach (``2**NBITS`` or more; its ``SN`` entry becomes 0, and
    :func:`_skill_pass` applies it one by one). Returns the number queued."""
    if SN[k, j] >= 1 << NBITS:
        LONG[nlong, 0] = j
        LONG[nlong, 1] = k
        LONG[nlong, 2] = SN[k, j]
        nlong += 1
        SN[k, j] = 0
    return nlong


@njit(cache=True, inline="always")
def _toward(s, target, factor):
    """Close a share of the gap to ``target``; skills never fall."""
    if s >= target:
        return s
    return target - (target - s) * factor


@njit(cache=True)
def _learn_chunk(m, N, Q, W0, W1, W2, W3, GL, S0, S1, S2, S3, floor):
    """Apply one source's signals to the skills of the first ``m`` people of a chunk.

    Person ``j`` gets ``N[j]`` signals of quality ``Q[j]``. Each signal closes a
    share ``a = gain * lr * q * w`` (at most 0.95) of the gap between a skill and
    the level the source can teach, ``floor + (1 - floor) * q``: feedback from a
    mediocre researcher cannot teach you to judge like a great one. ``GL[j]`` is
    the person's gain times learning rate. ``n`` signals together multiply the
    gap by ``(1 - a*w)**n``, computed by squaring over the bits of ``n`` (in
    numba's own order of multiplications for a float to an integer power, so the
    values are the same as ``**``); counts must be below ``2**NBITS``. Written
    without branches, so the loop is vectorised across people.
    """
    for j in range(m):
        n = N[j]
        q = Q[j]
        a = GL[j] * q
        a = 0.95 if a > 0.95 else a
        target = floor + (1.0 - floor) * q
        b0, b1, b2, b3 = 1.0 - a * W0[j], 1.0 - a * W1[j], 1.0 - a * W2[j], 1.0 - a * W3[j]
        r0 = r1 = r2 = r3 = 1.0
        for bit in range(NBITS):
            if (n >> bit) & 1:
                r0 *= b0
                r1 *= b1
                r2 *= b2
                r3 *= b3
            b0 *= b0
            b1 *= b1
            b2 *= b2
            b3 *= b3
        keep = n <= 0
        S0[j] = S0[j] if keep else _toward(S0[j], target, r0)
        S1[j] = S1[j] if keep else _toward(S1[j], target, r1)
        S2[j] = S2[j] if keep else _toward(S2[j], target, r2)
        S3[j] = S3[j] if keep else _toward(S3[j], target, r3)


@njit(cache=True, inline="always")
def _count_positive(N, m):
    """How many of ``N[:m]`` are above 0 (a branch-free count, which vectorises)."""
    c = 0
    for j in range(m):
        c += N[j] > 0
    return c


@njit(cache=True)
def _skill_pass(m, SN, SQ, SW, GL, SK, LONG, nlong, floor):
    """The month's skill updates for the first ``m`` people of a chunk: source by
    source, across people (:func:`_learn_chunk`), with the rare counts too large
    for it (``LONG[:nlong]``: person, source, count; their ``SN`` entry is 0)
    applied one by one in their place in the order. People are visited in groups,
    so a source is often used by nobody in a chunk (skipped) or by a few (their
    updates are applied one by one, :func:`_learn_one`, which gives the same values)."""
    for k in range(NSRC):
        used = _count_positive(SN[k], m)
        if 8 * used >= m:
            _learn_chunk(m, SN[k], SQ[k], SW[k, 0], SW[k, 1], SW[k, 2], SW[k, 3], GL, SK[0], SK[1], SK[2], SK[3], floor)
        elif used:
            for j in range(m):
                if SN[k, j] > 0:
                    _learn_one(
                        SK, j, SN[k, j], SQ[k, j], SW[k, 0, j], SW[k, 1, j], SW[k, 2, j], SW[k, 3, j], GL[j], floor
                    )
        for x in range(nlong):
            if LONG[x, 1] == k:
                j = LONG[x, 0]
                _learn_one(
                    SK, j, LONG[x, 2], SQ[k, j], SW[k, 0, j], SW[k, 1, j], SW[k, 2, j], SW[k, 3, j], GL[j], floor
                )


@intrinsic
def _prefetch(typingctx, arr, row, col):
    """Ask the CPU to start loading the cache line of ``arr[row, col]`` (a hint: no
    load, no fault, no effect on results)."""
    sig = types.void(arr, row, col)

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [args[1], args[2]], wraparound=False)
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]), "llvm.prefetch.p0i8"
        )
        builder.call(fn, [builder.bitcast(ptr, i8p), ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


@njit(cache=True, inline="always")
def _prefetch_row(F, I, i):
    """Prefetch every cache line of row ``i`` of ``F`` and ``I``."""
    for c in range(0, NF, 8):
        _prefetch(F, i, c)
    _prefetch(F, i, NF - 1)
    for c in range(0, NI, 8):
        _prefetch(I, i, c)
    _prefetch(I, i, NI - 1)


@njit(cache=True)
def _uniforms_chunk(m, pids, kfb, khz, t, H, U, UH, need):
    """The month's uniforms for the people ``pids[:m]`` of a chunk: the feedback slots
    whose bit is set in ``need`` (``U[slot, j]``, whether or not the person's role
    uses it; other rows of ``U`` are left as they were) and the exit draw (``UH[j]``).
    Counter-based draws depend only on (key, person, tick, slot), so computing unused
    ones changes nothing. Branch-free loops over people, which the compiler vectorises."""
    for j in range(m):
        H[j] = agent_hash(kfb, pids[j])
    for slot in range(N_SLOTS):
        if (need >> slot) & 1 == 0:
            continue
        row = U[slot]
        for j in range(m):
            row[j] = uniform_at(H[j], t, slot)
    for j in range(m):
        UH[j] = uniform_at(agent_hash(khz, pids[j]), t, 0)


@njit(cache=True, inline="always")
def _learn_one(SK, j, n, q, w0, w1, w2, w3, gl, floor):
    """:func:`_learn_chunk` for one person and any count ``n``."""
    if n <= 0:
        return
    a = gl * q
    if a > 0.95:
        a = 0.95
    target = floor + (1.0 - floor) * q
    b0, b1, b2, b3 = 1.0 - a * w0, 1.0 - a * w1, 1.0 - a * w2, 1.0 - a * w3
    r0 = r1 = r2 = r3 = 1.0
    e = n
    while e != 0:
        if e & 1:
            r0 *= b0
            r1 *= b1
            r2 *= b2
            r3 *= b3
        e >>= 1
        b0 *= b0
        b1 *= b1
        b2 *= b2
        b3 *= b3
    SK[0, j] = _toward(SK[0, j], target, r0)
    SK[1, j] = _toward(SK[1, j], target, r1)
    SK[2, j] = _toward(SK[2, j], target, r2)
    SK[3, j] = _toward(SK[3, j], target, r3)


EXP_X0, EXP_DX, EXP_N = -16.0, 1.0 / 32.0, 1025  # grid of the exp upper bounds, x in [-16, 16]


def exp_upper_table() -> np.ndarray:
    """``exp`` at the grid points, nudged up: an upper bound for any x between."""
    return np.exp(EXP_X0 + EXP_DX * np.arange(EXP_N)) * (1.0 + 1e-12)


@njit(cache=True)
def _no_exit_above(P, adj, wlo, whi, mlo, mhi, lmax):
    """A uniform at or above which nobody in a chunk leaves this month: the chance of
    leaving, ``1 - exp(-h*DT) <= h*DT``, at the largest hazard ``h`` anyone in the chunk
    can have, given that their wellbeing lies in ``[wlo, whi]``, their motivation in
    ``[mlo, mhi]`` and their multiplier of the hazard of leaving is at most ``lmax``
    (with a margin for rounding). The ranges run from this month's values to their
    targets: a step of ``adj`` towards a target, with ``0 <= adj <= 1``, stays between
    the two. 2.0 (no shortcut) when that cannot be bounded."""
    if not (0.0 <= adj <= 1.0 and wlo <= whi and mlo <= mhi and lmax >= 0.0):
        return 2.0
    if not (
        P[V.EXITS_BURNOUT] >= 0.0
        and P[V.EXITS_LEAVE] >= 0.0
        and P[V.POSITIONS_LEAD_EXIT] >= 0.0
        and P[V.POSITIONS_WAIT_LEAVE] >= 0.0
    ):
        return 2.0
    xb = max(P[V.EXITS_BURNOUT_SENSITIVITY] * (W_MID - wlo), P[V.EXITS_BURNOUT_SENSITIVITY] * (W_MID - whi))
    xl = max(P[V.EXITS_LEAVE_SENSITIVITY] * (W_MID - mlo), P[V.EXITS_LEAVE_SENSITIVITY] * (W_MID - mhi))
    h = (
        P[V.EXITS_BURNOUT] * np.exp(xb)
        + max(P[V.POSITIONS_LEAD_EXIT], P[V.EXITS_LEAVE] * lmax * np.exp(xl))
        + P[V.POSITIONS_WAIT_LEAVE]
    ) * (1.0 + 1e-6)
    u = h * DT * (1.0 + 1e-6) + 1e-12
    return u if u == u else 2.0


@njit(cache=True, inline="always")
def _exp_above(EXPHI, x):
    """An upper bound on ``exp(x)``: the table at the grid point at or above x (exact beyond the grid)."""
    j = np.ceil((x - EXP_X0) / EXP_DX)
    if not (j >= 0.0 and j < EXP_N):  # beyond the grid (or NaN): exact
        return np.exp(x) * (1.0 + 1e-12)
    return EXPHI[np.int64(j)]


POIS_K = 8  # cumulative Poisson probabilities tabulated per source and step


@njit(cache=True, inline="always")
def _tabulate(TAB, LAM, r, lam, p0):
    """Row ``r`` of the step's Poisson tables: F(0..POIS_K-1) by the same recurrence
    as :func:`careersim.core.rng.poisson_given_p0`, so draws from the table are identical."""
    LAM[r] = lam
    if not lam > 0.0:  # no signals (the loop returns 0 for any u)
        TAB[r, :] = np.inf
        return
    p = p0
    f = p0
    TAB[r, 0] = f
    for k in range(1, POIS_K):
        p *= lam / k
        f += p
        TAB[r, k] = f


@njit(cache=True)
def _advisor_rows(TAB, LAM, first, hours, P):
    """Tabulate the advisors' Poisson rows from row ``first`` on: one row per distinct
    value of ``hours`` (they take few values: an advisor's hours are shared among
    their students), found through a small hash table. Returns each advisor's row."""
    n = len(hours)
    rows = np.empty(n, dtype=np.int64)
    size = 64
    while size < 2 * n:
        size *= 2
    keys = np.empty(size)
    slot_row = np.full(size, -1, dtype=np.int64)
    nrow = first
    for a in range(n):
        h = hours[a]
        if not (h >= 0.0 and h < 1e6):  # unusual values (NaN, huge): a row of their own
            r = -1
            b = -1
        else:
            b = np.int64(h * 4096.0) & (size - 1)
            while slot_row[b] >= 0 and keys[b] != h:
                b = (b + 1) & (size - 1)
            r = slot_row[b]
        if r < 0:
            r = nrow
            nrow += 1
            lam = _dose(h, P) * WEEKS_PER_MONTH
            _tabulate(TAB, LAM, r, lam, np.exp(-lam))
            if b >= 0:
                keys[b] = h
                slot_row[b] = r
        rows[a] = r
    return rows


@njit(cache=True, inline="always")
def _draw(TAB, LAM, r, u):
    """Poisson count for uniform ``u`` from source ``r``: the number of tabulated
    F(k) below ``u`` (branch-free); beyond the table, the inversion loop. (The arrays are
    read on every path: see the note on helpers below.)"""
    n = 0
    for k in range(POIS_K):
        n += u > TAB[r, k]
    lam, p0 = LAM[r], TAB[r, 0]
    if n == POIS_K:
        return _pois(lam, p0, u)
    return n


@njit(cache=True, inline="always")
def _log(LOG, nlog, i, t, s_from, s_to, reason):
    k = nlog[0]
    LOG[k, 0] = i
    LOG[k, 1] = t
    LOG[k, 2] = s_from
    LOG[k, 3] = s_to
    LOG[k, 4] = reason
    nlog[0] = k + 1


@njit(cache=True, inline="always")
def _move(I, LOG, nlog, i, t, s_to, reason):
    _log(LOG, nlog, i, t, I[i, STATE], s_to, reason)
    I[i, STATE] = s_to
    I[i, SINCE] = t


@njit(cache=True)
def move_counted(I, LOG, nlog, counts, r, t, to_state, reason):
    """:func:`_move` for the institutions and intake, which also keep the state
    counts up to date between monthly steps."""
    counts[I[r, STATE]] -= 1
    counts[to_state] += 1
    _move(I, LOG, nlog, r, t, to_state, reason)


@njit(cache=True, inline="always")
def _credit_lead_month(F, i, t, arrival, start):
    """Credit the month [t - 1 month, t) to a lead in role through it: the part after time
    zero (``start``, the end of the burn-in) as lead-years, and of those the part before the
    arrival (also weighted by impact judgement)."""
    lo = t - TICKS_PER_MONTH
    if lo < start:
        lo = start
    if lo >= t:  # the whole month in the burn-in
        return
    F[i, LEAD_YEARS] += DT * ((t - lo) / TICKS_PER_MONTH)
    before = (min(arrival, t) - lo) / TICKS_PER_MONTH
    if before > 0.0:
        share = DT * before
        F[i, LEAD_PRE] += share
        F[i, LEAD_SAFE_PRE] += share * F[i, IMP]


@njit(cache=True)
def credit_final_month(t_end, n, P, F, I):
    """At the horizon, credit the last month to those still in a lead role."""
    for i in range(n):
        if I[i, STATE] == LEAD:
            _credit_lead_month(F, i, t_end, P[V.X_ARRIVAL_TICK], P[V.X_START_TICK])


NCLS = 9  # visiting groups of the monthly step (see _visit_class)
OUT_KEPT, OUT_READY, OUT_WANTS = 1, 2, 4  # the step's bits per row: in the field, lead-ready, wants a grant


@njit(cache=True, inline="always")
def _visit_class(s, kind, src):
    """The group a researcher in state ``s`` (contributor kind ``kind``, lead source
    ``src``) is visited with by the next monthly step: PhD applicants, PhD students,
    funded and unfunded independents, contributors by kind, small funders' leads
    (who work as independents), other leads."""
    if s == CONTRIBUTOR:
        return 4 + min(max(kind, 0), 2)
    if s == LEAD:
        return 7 if src == S_SMALL_FUNDER else 8
    if s == APPLICANT:
        return 0
    if s == PHD:
        return 1
    if s == INDEPENDENT:
        return 2
    return 3


@njit(cache=True)
def _sort_log(LOG, lo, hi):
    """Put the log entries ``lo..hi-1`` in row order, each row's entries in the order
    they were made (a stable sort by agent): the order of a step over rows in order.
    The entries come in runs already in order (people visited in the same group
    keep much of their row order), so an insertion sort is quick for the usual few
    dozen; long blocks use a merge sort unless they are in order already."""
    n = hi - lo
    if n < 2:
        return
    if n > 64:
        in_order = True
        for k in range(lo + 1, hi):
            if LOG[k, 0] < LOG[k - 1, 0]:
                in_order = False
                break
        if in_order:
            return
        order = np.argsort(LOG[lo:hi, 0], kind="mergesort")
        block = LOG[lo:hi].copy()
        for k in range(n):
            LOG[lo + k] = block[order[k]]
        return
    for k in range(lo + 1, hi):
        if LOG[k, 0] >= LOG[k - 1, 0]:
            continue
        e0, e1, e2, e3, e4 = LOG[k, 0], LOG[k, 1], LOG[k, 2], LOG[k, 3], LOG[k, 4]
        x = k
        while x > lo and LOG[x - 1, 0] > e0:  # strictly greater: entries of one row keep their order
            for c in range(5):
                LOG[x, c] = LOG[x - 1, c]
            x -= 1
        LOG[x, 0], LOG[x, 1], LOG[x, 2], LOG[x, 3], LOG[x, 4] = e0, e1, e2, e3, e4


# ---------------------------------------------------------------------------------------------
# the month, piece by piece: each helper is one part of a researcher's month (see step)
# ---------------------------------------------------------------------------------------------

# rows of the month's Poisson tables for sources whose rate is the same for everyone they
# reach: PhD peers, outside exposure, own project completions (and when cutting losses),
# independent mentor, programme mentor, collaborator, contributors' colleagues, contributor
# mentors (one row per kind), leads' peers, a lead's co-supervision of a PhD student; the
# advisors' rows follow
R_PP, R_EX, R_PR, R_PRC, R_IM, R_PG, R_CO, R_CP, R_CM = range(9)
R_LP = R_CM + 3
R_CS = R_LP + 1
N_SHARED_ROWS = R_CS + 1
# what the first pass over a chunk leaves for the last, per person (rows of ``MONTH``): the
# hands-on multiplier, the publication rate, the wellbeing and motivation targets and the
# multiplier of the hazard of leaving
M_HANDS, M_PUBS, M_WELL, M_MOTIV, M_LEAVE = range(5)
N_MONTH = 5


@njit(cache=True)
def poisson_tables(P, adv_hours):
    """The month's Poisson tables (rows :data:`R_PP` ... then one per distinct number of
    advisor hours, :func:`_advisor_rows`) and each advisor's row. The hours asked of the
    field's leads (independents' mentor, programme mentors, non-profit managers, PhD
    co-supervision) are those asked times the share the leads' time covers this month
    (``x.mentor_met``, ``x.programme_met``, set by the field)."""
    proj_rate_m = 1.0 / (P[V.LEARNING_PROJECT_LENGTH] * 12.0)
    # chances of no signal this month, exp(-lambda), computed once per step, not once per person
    lam_pp = P[V.PHD_PEER_SIGNALS] / 12.0
    p_pp = np.exp(-lam_pp)
    p_ex = np.exp(-P[V.PHD_EXPOSURE_SIGNALS] / 12.0)
    p_pr = np.exp(-proj_rate_m)
    cut = P[V.INDEPENDENT_CUT_LOSSES_SPEED]
    p_prc = np.exp(-cut * proj_rate_m)
    met = P[V.X_MENTOR_MET]
    lam_im = _dose(P[V.INDEPENDENT_MENTOR_HOURS] * met, P) * WEEKS_PER_MONTH
    p_im = np.exp(-lam_im)
    lam_pg = _dose(P[V.PROGRAMME_MENTOR_HOURS] * P[V.X_PROGRAMME_MET], P) * WEEKS_PER_MONTH
    p_pg = np.exp(-lam_pg)
    p_co = np.exp(-P[V.INDEPENDENT_COLLABORATOR_SIGNALS] / 12.0)
    lam_cp = P[V.CONTRIBUTOR_PEER_SIGNALS] / 12.0
    p_cp = np.exp(-lam_cp)
    lam_lp = P[V.LEARNING_LEAD_PEER_SIGNALS] / 12.0
    p_lp = np.exp(-lam_lp)
    lam_cm_k = np.empty(3)
    lam_cm_k[K_INDUSTRY] = _dose(P[V.CONTRIBUTOR_MENTOR_HOURS_INDUSTRY], P) * WEEKS_PER_MONTH
    lam_cm_k[K_NONPROFIT] = _dose(P[V.CONTRIBUTOR_MENTOR_HOURS_NONPROFIT] * met, P) * WEEKS_PER_MONTH
    lam_cm_k[K_ACADEMIC] = _dose(P[V.CONTRIBUTOR_MENTOR_HOURS_ACADEMIC], P) * WEEKS_PER_MONTH
    p_cm_k = np.exp(-lam_cm_k)
    n_adv = len(adv_hours)
    TAB = np.empty((N_SHARED_ROWS + n_adv, POIS_K))
    LAM = np.empty(N_SHARED_ROWS + n_adv)
    ADV_ROW = _advisor_rows(TAB, LAM, N_SHARED_ROWS, adv_hours, P)
    _tabulate(TAB, LAM, R_PP, lam_pp, p_pp)
    _tabulate(TAB, LAM, R_EX, P[V.PHD_EXPOSURE_SIGNALS] / 12.0, p_ex)
    _tabulate(TAB, LAM, R_PR, proj_rate_m, p_pr)
    _tabulate(TAB, LAM, R_PRC, proj_rate_m * cut, p_prc)
    _tabulate(TAB, LAM, R_IM, lam_im, p_im)
    _tabulate(TAB, LAM, R_PG, lam_pg, p_pg)
    _tabulate(TAB, LAM, R_CO, P[V.INDEPENDENT_COLLABORATOR_SIGNALS] / 12.0, p_co)
    _tabulate(TAB, LAM, R_CP, lam_cp, p_cp)
    for k in range(3):
        _tabulate(TAB, LAM, R_CM + k, lam_cm_k[k], p_cm_k[k])
    _tabulate(TAB, LAM, R_LP, lam_lp, p_lp)
    lam_cs = _dose(P[V.PHD_COSUPERVISION_HOURS] * met, P) * WEEKS_PER_MONTH
    _tabulate(TAB, LAM, R_CS, lam_cs, np.exp(-lam_cs))
    return TAB, LAM, ADV_ROW


@njit(cache=True, inline="always")
def works_independently(s, src):
    """Whether a researcher in state ``s`` (lead source ``src``) works as an independent
    researcher: with or without a grant, or a small funder's lead (funded like one)."""
    return s == INDEPENDENT or s == UNFUNDED or (s == LEAD and src == S_SMALL_FUNDER)


@njit(cache=True, inline="always")
def holds_grant_role(s, src):
    """Whether state ``s`` (lead source ``src``) is paid by a grant that can run out: a funded
    independent researcher or a small funder's lead."""
    return s == INDEPENDENT or (s == LEAD and src == S_SMALL_FUNDER)


# Helpers called once per person take scalars, or use each array they are given on every
# path through them (its last use unconditional): numba counts references to an array
# passed to an inlined function (atomic operations in every person's month, which made the
# step four times slower) and drops the counting only when the array's last use is on
# every path.


@njit(cache=True, inline="always")
def _phd_stage_weights(years_in, P):
    """The execution and idea weights of a PhD student's mentors ``years_in`` years into
    the degree: the apprentice, independence or ambition stage's."""
    if years_in < P[V.PHD_APPRENTICE_YEARS]:
        return P[V.PHD_APPRENTICE_EXECUTION_WEIGHT], P[V.PHD_APPRENTICE_IDEA_WEIGHT]
    if years_in < P[V.PHD_AMBITION_YEARS]:
        return P[V.PHD_INDEPENDENCE_EXECUTION_WEIGHT], P[V.PHD_INDEPENDENCE_IDEA_WEIGHT]
    return P[V.PHD_AMBITION_EXECUTION_WEIGHT], P[V.PHD_AMBITION_IDEA_WEIGHT]


@njit(cache=True, inline="always")
def _phd_sources(SN, SQ, SW, TAB, LAM, U, j, P, flags, sdir, years_in, q, safe, adv_row, p_exposure, iw, well_target):
    """A PhD student's month of feedback, ``years_in`` years into the degree with an
    advisor of quality ``q`` (``safe``: safety-interested; ``adv_row``: the advisor's row
    of the Poisson tables): advisor and lab peers, weighted by the stage of the degree
    and on impact only with a safety-interested advisor; outside exposure, learnt from
    once gained (gained at a monthly chance ``p_exposure`` when the advisor is not
    safety-interested); own projects; self-study. A lead's co-supervision (source 5) is
    drawn after the chunk's other sources (:func:`_feedback_pass`). Returns (flags,
    hands-on multiplier, publication rate, wellbeing target)."""
    w0, w1 = _phd_stage_weights(years_in, P)
    wimp = iw if safe else 0.0
    exposed = (flags & F_EXPOSED) != 0
    u_ex = U[SL_EXPOSED, j]
    if not safe and not exposed and u_ex < p_exposure:
        flags |= F_EXPOSED  # learnt from from next month on
    n_ex = _draw(TAB, LAM, R_EX, u_ex)
    if not exposed:
        n_ex = 0
    n_adv = _draw(TAB, LAM, adv_row, U[SL_MENTOR, j])
    n_peer = _draw(TAB, LAM, R_PP, U[SL_PEER, j])
    n_own = _draw(TAB, LAM, R_PR, U[SL_SELF, j])
    n_study = poisson_from_uniform(
        P[V.LEARNING_SELF_STUDY_SIGNALS] * sdir * sdir * P[V.PHD_SELF_STUDY_SHARE] / 12.0, U[SL_STUDY, j]
    )
    wp0, wp1, wp2 = (
        P[V.LEARNING_PROJECT_EXECUTION_WEIGHT],
        P[V.LEARNING_PROJECT_GENERATION_WEIGHT],
        P[V.LEARNING_PROJECT_EVALUATION_WEIGHT],
    )
    ws0, ws1 = P[V.LEARNING_STUDY_EXECUTION_WEIGHT], P[V.LEARNING_STUDY_IDEA_WEIGHT]
    wx = P[V.PHD_EXPOSURE_IDEA_WEIGHT]
    _source(SN, SQ, SW, 0, j, n_adv, q, w0, w1, w1, wimp)
    _source(SN, SQ, SW, 1, j, n_peer, q * P[V.LEARNING_PEER_QUALITY_RATIO], w0, w1, w1, wimp)
    _source(SN, SQ, SW, 2, j, n_ex, P[V.PHD_EXPOSURE_QUALITY], 0.0, wx, wx, iw)
    _source(
        SN,
        SQ,
        SW,
        3,
        j,
        n_own,
        P[V.LEARNING_SELF_EVAL_QUALITY] * (P[V.PHD_PROJECT_QUALITY_BASE] + sdir),
        wp0,
        wp1,
        wp2,
        0.0,
    )
    _source(SN, SQ, SW, 4, j, n_study, sdir, ws0, ws1, ws1, 0.0)
    hands = P[V.LEARNING_HANDS_ON_PHD]
    pubs = P[V.PHD_PUBLICATIONS] * (
        P[V.PHD_PUBLICATION_ADVISOR_BASE] + q
    )  # well-recognised work comes from strong labs
    return flags, hands, pubs, well_target - P[V.PHD_STRESS]


@njit(cache=True, inline="always")
def _independent_sources(
    SN, SQ, SW, TAB, LAM, U, j, P, flags, sdir, in_prog, unfunded, gain, iw, motiv_target, mentor_lam, mentor_q
):
    """An independent researcher's month of feedback (also a small funder's lead's): an
    independent mentor (the scenario's, or the person's own: ``mentor_lam`` signals a
    month on average when 0 or more, of quality ``mentor_q``), the programme mentor while
    in a cohort (``in_prog``), a collaborator, own projects (sooner when cutting losses),
    early feedback on a written plan, self-study; alone (no collaborator, no programme)
    and ``unfunded`` lower motivation. Returns (gain, hands-on multiplier, publication
    rate, motivation target)."""
    g = gain * (P[V.INDEPENDENT_UPSKILLING_GAIN] if (flags & F_UPSKILL) != 0 else 1.0)
    collab = (flags & F_COLLAB) != 0
    plan = (flags & F_PLAN) != 0
    r_self = R_PRC if (flags & F_CUTLOSS) != 0 else R_PR
    u_mentor = U[SL_MENTOR, j]
    n_mentor = _draw(TAB, LAM, R_IM, u_mentor)
    if mentor_lam >= 0.0:  # the person's own mentoring
        n_mentor = _pois(mentor_lam, np.exp(-mentor_lam), u_mentor)
    n_prog = _draw(TAB, LAM, R_PG, U[SL_PROG, j])
    n_collab = _draw(TAB, LAM, R_CO, U[SL_COLLAB, j])
    n_own = _draw(TAB, LAM, r_self, U[SL_SELF, j])
    n_plan = _draw(TAB, LAM, r_self, U[SL_PLAN, j])
    n_study = poisson_from_uniform(P[V.LEARNING_SELF_STUDY_SIGNALS] * sdir * sdir / 12.0, U[SL_STUDY, j])
    if not in_prog:
        n_prog = 0
    if not collab:
        n_collab = 0
    if not plan:
        n_plan = 0
    if in_prog:
        motiv_target += P[V.PROGRAMME_MOTIVATION_BONUS]
    elif not collab:
        motiv_target -= P[V.INDEPENDENT_ALONE_PENALTY]
    wm0, wm1 = P[V.LEARNING_MENTOR_EXECUTION_WEIGHT], P[V.LEARNING_MENTOR_IDEA_WEIGHT]
    wc0, wc1 = P[V.INDEPENDENT_COLLABORATOR_EXECUTION_WEIGHT], P[V.INDEPENDENT_COLLABORATOR_IDEA_WEIGHT]
    wp0, wp1, wp2 = (
        P[V.LEARNING_PROJECT_EXECUTION_WEIGHT],
        P[V.LEARNING_PROJECT_GENERATION_WEIGHT],
        P[V.LEARNING_PROJECT_EVALUATION_WEIGHT],
    )
    ws0, ws1 = P[V.LEARNING_STUDY_EXECUTION_WEIGHT], P[V.LEARNING_STUDY_IDEA_WEIGHT]
    _source(SN, SQ, SW, 0, j, n_mentor, mentor_q, wm0, wm1, wm1, iw)
    _source(SN, SQ, SW, 1, j, n_prog, P[V.PROGRAMME_MENTOR_QUALITY], wm0, wm1, wm1, iw)
    _source(
        SN,
        SQ,
        SW,
        2,
        j,
        n_collab,
        P[V.INDEPENDENT_COLLABORATOR_QUALITY],
        wc0,
        wc1,
        wc1,
        P[V.INDEPENDENT_COLLABORATOR_IMPACT_SHARE] * iw,
    )
    _source(
        SN,
        SQ,
        SW,
        3,
        j,
        n_own,
        P[V.LEARNING_SELF_EVAL_QUALITY] * P[V.INDEPENDENT_PROJECT_QUALITY_FACTOR] * sdir,
        wp0,
        wp1,
        wp2,
        0.0,
    )
    _source(SN, SQ, SW, 4, j, n_plan, P[V.INDEPENDENT_PLAN_QUALITY], ws0, ws1, ws1, iw)
    _source(SN, SQ, SW, 5, j, n_study, sdir, ws0, ws1, ws1, 0.0)
    pubs = P[V.INDEPENDENT_PUBLICATIONS] * (P[V.INDEPENDENT_PUBLICATION_SELF_DIRECTION_BASE] + sdir)
    if (flags & F_ACCOUNT) != 0:
        pubs *= P[V.INDEPENDENT_ACCOUNTABILITY_PUBLICATIONS]
    if (flags & F_UPSKILL) != 0:
        pubs *= P[V.INDEPENDENT_UPSKILLING_PUBLICATIONS]
    gap_penalty = P[V.INDEPENDENT_GAP_PENALTY]
    if unfunded:
        motiv_target -= gap_penalty
        pubs *= P[V.INDEPENDENT_UNFUNDED_PUBLICATIONS]
    return g, P[V.LEARNING_HANDS_ON_INDEPENDENT], pubs, motiv_target


@njit(cache=True, inline="always")
def _contributor_sources(SN, SQ, SW, TAB, LAM, U, j, P, k, sdir, iw, well_target):
    """A contributor's month of feedback, by kind ``k`` (industry, non-profit, academic RA):
    a manager, colleagues and self-study, weighted towards execution and the share of own
    ideas; the job's structure lifts wellbeing. Returns (hands-on multiplier, publication
    rate, wellbeing target, multiplier of the hazard of leaving, the letter the manager
    writes after half a year)."""
    leave_mult = 1.0
    if k == K_INDUSTRY:
        q, hands, pubs, wimp = (
            P[V.CONTRIBUTOR_QUALITY_INDUSTRY],
            P[V.CONTRIBUTOR_HANDS_ON_INDUSTRY],
            P[V.CONTRIBUTOR_PUBLICATIONS_INDUSTRY],
            P[V.CONTRIBUTOR_INDUSTRY_IMPACT_SHARE] * iw,
        )
        leave_mult = P[V.EXITS_INDUSTRY_PULL]
    elif k == K_NONPROFIT:
        q, hands, pubs, wimp = (
            P[V.CONTRIBUTOR_QUALITY_NONPROFIT],
            P[V.CONTRIBUTOR_HANDS_ON_NONPROFIT],
            P[V.CONTRIBUTOR_PUBLICATIONS_NONPROFIT],
            iw,
        )
    else:
        q, hands, pubs, wimp = (
            P[V.CONTRIBUTOR_QUALITY_ACADEMIC],
            P[V.CONTRIBUTOR_HANDS_ON_ACADEMIC],
            P[V.CONTRIBUTOR_PUBLICATIONS_ACADEMIC],
            0.0,
        )
    letter_academic, letter_other = P[V.CONTRIBUTOR_LETTER_ACADEMIC], P[V.CONTRIBUTOR_LETTER_OTHER]
    letter = letter_academic if k == K_ACADEMIC else letter_other
    own = P[V.CONTRIBUTOR_OWN_IDEA_SHARE]
    n_manager = _draw(TAB, LAM, R_CM + k, U[SL_MENTOR, j])
    n_peer = _draw(TAB, LAM, R_CP, U[SL_PEER, j])
    n_study = poisson_from_uniform(P[V.LEARNING_SELF_STUDY_SIGNALS] * sdir * sdir * own / 12.0, U[SL_STUDY, j])
    we0, we2 = P[V.CONTRIBUTOR_EXECUTION_WEIGHT], P[V.CONTRIBUTOR_EVALUATION_WEIGHT]
    ws0, ws1 = P[V.LEARNING_STUDY_EXECUTION_WEIGHT], P[V.LEARNING_STUDY_IDEA_WEIGHT]
    _source(SN, SQ, SW, 0, j, n_manager, q, we0, own, we2, wimp)
    _source(SN, SQ, SW, 1, j, n_peer, q * P[V.LEARNING_PEER_QUALITY_RATIO], we0, own, we2, wimp)
    _source(SN, SQ, SW, 2, j, n_study, sdir, ws0, ws1, ws1, 0.0)
    return hands, pubs, well_target + P[V.EXITS_STRUCTURE_BONUS], leave_mult, letter


@njit(cache=True, inline="always")
def _chunk_rows(vis, j0, m, I, RI, PIDS):
    """The chunk's rows and person ids (``RI``, ``PIDS``); returns the feedback slots
    (bits) anyone in it may use this month."""
    need = 0
    for j in range(m):
        i = vis[j0 + j]
        RI[j] = i
        PIDS[j] = I[i, PID]
        s = I[i, STATE]
        need |= SLOTS_USED[s]
        if s == LEAD and I[i, LEAD_SRC] == S_SMALL_FUNDER:
            need |= SLOTS_USED[INDEPENDENT]
    return need


@njit(cache=True, inline="always")
def _feedback_pass(
    m, t, F, I, P, RI, RS, SN, SQ, SW, GL, SK, LONG, U, TAB, LAM, ADV_ROW, adv_quality, adv_safe, RF, MONTH, arrival, PS
):
    """Pass 1 over a chunk, person by person, from each one's state at the start of the
    month: the month just ended is credited to leads; the month's feedback sources
    (count, quality, skill weights: ``SN``, ``SQ``, ``SW``) by state; the skills to update
    (``SK``), gain x learning rate (``GL``), and what the last pass needs: flags (``RF``)
    and the month's values in ``MONTH`` (rows :data:`M_HANDS` ...). Returns the number of
    counts queued in ``LONG`` (too large for the vectorised skill pass, applied one by one)
    and the ranges of the chunk's wellbeing, motivation and leaving multiplier this month."""
    gain = P[V.LEARNING_SIGNAL_GAIN]
    iw = P[V.LEARNING_IMPACT_WEIGHT]
    p_exposure = 1.0 - np.exp(-P[V.PHD_EXPOSURE_RATE] * DT)
    well_base, well_resil = P[V.EXITS_WELLBEING_BASE], P[V.EXITS_WELLBEING_RESILIENCE]
    motiv_base, motiv_safety = P[V.EXITS_MOTIVATION_BASE], P[V.EXITS_MOTIVATION_SAFETY]
    for k in range(NSRC):  # no signals unless a source is recorded below
        for j in range(m):
            SN[k, j] = 0
    nlong = 0
    wlo = mlo = np.inf
    whi = mhi = -np.inf
    lmax = -np.inf
    for j in range(m):
        i = RI[j]
        s = I[i, STATE]
        if s == 0 or s == EXITED:
            RS[j] = -1
            continue
        RS[j] = s
        if s == LEAD and t > 0:  # credit the month just ended, [t - 4, t), to a lead in role through it
            _credit_lead_month(F, i, t, arrival, P[V.X_START_TICK])
        flags = I[i, FLAGS]
        sdir = F[i, SDIR]
        hands = 1.0
        pubs = 0.0
        well_target = well_base + well_resil * F[i, RESIL]
        motiv_target = motiv_base + motiv_safety * F[i, SMOT]
        leave_mult = 1.0
        for c in range(4):
            SK[c, j] = F[i, EXE + c]
        g = gain
        if s == PHD:
            a = I[i, ADVISOR]
            flags, hands, pubs, well_target = _phd_sources(
                SN,
                SQ,
                SW,
                TAB,
                LAM,
                U,
                j,
                P,
                flags,
                sdir,
                (t - I[i, PHD_START]) / TICKS_PER_YEAR,
                adv_quality[a],
                adv_safe[a] > 0,
                ADV_ROW[a],
                p_exposure,
                iw,
                well_target,
            )
        elif works_independently(s, I[i, LEAD_SRC]):
            mentor_lam, mentor_q = -1.0, P[V.INDEPENDENT_MENTOR_QUALITY]
            ps = I[i, SETTINGS]
            if ps >= 0:  # the person's own mentoring, where set
                if PS[ps, PS_MENTOR_HOURS] >= 0.0:
                    mentor_lam = _dose(PS[ps, PS_MENTOR_HOURS], P) * WEEKS_PER_MONTH
                if PS[ps, PS_MENTOR_QUALITY] >= 0.0:
                    mentor_q = PS[ps, PS_MENTOR_QUALITY]
            g, hands, pubs, motiv_target = _independent_sources(
                SN,
                SQ,
                SW,
                TAB,
                LAM,
                U,
                j,
                P,
                flags,
                sdir,
                I[i, PROG_END] > t,
                s == UNFUNDED,
                gain,
                iw,
                motiv_target,
                mentor_lam,
                mentor_q,
            )
        elif s == CONTRIBUTOR:
            hands, pubs, well_target, leave_mult, letter = _contributor_sources(
                SN, SQ, SW, TAB, LAM, U, j, P, I[i, KIND], sdir, iw, well_target
            )
            if t - I[i, SINCE] >= TICKS_PER_YEAR // 2 and F[i, LETTERS] < letter:
                F[i, LETTERS] = letter
        elif s == LEAD:
            ws0, ws1 = P[V.LEARNING_STUDY_EXECUTION_WEIGHT], P[V.LEARNING_STUDY_IDEA_WEIGHT]
            _source(
                SN,
                SQ,
                SW,
                0,
                j,
                _draw(TAB, LAM, R_LP, U[SL_PEER, j]),
                P[V.LEARNING_LEAD_PEER_QUALITY],
                ws0,
                ws1,
                ws1,
                P[V.LEARNING_LEAD_IMPACT_SHARE] * iw,
            )
            pubs = P[V.LEARNING_LEAD_PUBLICATIONS]
        # APPLICANT: only hands-on work at the base rate
        GL[j] = g * F[i, LR]
        if (SN[0, j] | SN[1, j] | SN[2, j] | SN[3, j] | SN[4, j] | SN[5, j]) >= 1 << NBITS:
            for k in range(NSRC):  # counts beyond the vector pass's reach (rare): applied one by one
                nlong = _set_aside(SN, LONG, nlong, k, j)
        RF[j] = flags
        MONTH[M_HANDS, j] = hands
        MONTH[M_PUBS, j] = pubs
        MONTH[M_WELL, j] = well_target
        MONTH[M_MOTIV, j] = motiv_target
        MONTH[M_LEAVE, j] = leave_mult
        # where this month's wellbeing and motivation can end up: between now and target
        w0, m0 = F[i, WELL], F[i, MOTIV]
        wlo, whi = min(wlo, min(w0, well_target)), max(whi, max(w0, well_target))
        mlo, mhi = min(mlo, min(m0, motiv_target)), max(mhi, max(m0, motiv_target))
        lmax = max(lmax, leave_mult)
    # PhD students' co-supervision by leads (source 5, row R_CS: none when nobody co-supervises),
    # in a loop of its own: inside the loop above it cost about 45 cycles a PhD student-month.
    # A large count is queued like any other (_skill_pass applies them source by source).
    if LAM[R_CS] > 0.0:
        q_cs = P[V.MENTORING_LEAD_QUALITY]
        for j in range(m):
            if RS[j] == PHD:
                n_cos = _draw(TAB, LAM, R_CS, U[SL_PROG, j])
                if n_cos > 0:
                    i = RI[j]
                    w0, w1 = _phd_stage_weights((t - I[i, PHD_START]) / TICKS_PER_YEAR, P)
                    _source(SN, SQ, SW, 5, j, n_cos, q_cs, w0, w1, w1, iw)
                    nlong = _set_aside(SN, LONG, nlong, 5, j)
    return nlong, wlo, whi, mlo, mhi, lmax


@njit(cache=True, inline="always")
def hands_on(e, lr, hands, key, factor, P):
    """A month of hands-on execution learning: ``e <- 1 - (1 - e) * exp(-r * m * lr * DT)``
    with ``r`` the hands-on rate and ``m`` the role's multiplier ``hands``. ``key`` and
    ``factor`` are the person's cached ``-r * m`` and its factor; the exp is computed only
    when the key changes. Returns (execution, key, factor)."""
    new_key = -P[V.LEARNING_HANDS_ON_RATE] * hands
    if key != new_key:  # a new role or rate (rare): the one exp of the month
        factor = np.exp(new_key * lr * DT)
    return 1.0 - (1.0 - e) * factor, new_key, factor


@njit(cache=True, inline="always")
def record_and_mood(record, well, motiv, exe, gen, pubs, well_target, motiv_target, adj, base):
    """A month's track record, ``record + pubs * (base + execution) * (base + generation) * DT``
    (``base``: ``learning.output_base``), and wellbeing and motivation each closing a share
    ``adj`` of the gap to their targets. Returns (record, wellbeing, motivation)."""
    prod = (base + exe) * (base + gen)
    return record + pubs * prod * DT, well + (well_target - well) * adj, motiv + (motiv_target - motiv) * adj


@njit(cache=True, inline="always")
def is_ready(gen, evl, exe, record, P):
    """Lead-readiness: every threshold of generation, evaluation, execution and record met."""
    return (
        (gen >= P[V.POSITIONS_READY_GENERATION])
        & (evl >= P[V.POSITIONS_READY_EVALUATION])
        & (exe >= P[V.POSITIONS_READY_EXECUTION])
        & (record >= P[V.POSITIONS_READY_RECORD])
    )


@njit(cache=True, inline="always")
def lead_eligible(ready, s, prog, P):
    """Whether someone ever ready, in state ``s``, may take a lead role now: not a lead or
    PhD applicant, and a PhD student only under the final-phase lead rule and in the final
    phase of the degree: progress ``prog`` within one year's work at the reference pace of
    the end, ``prog >= 1 - 1/phd.duration``."""
    final_phase = P[V.X_LEAD_RULE_FINAL] > 0.5
    if s == PHD:
        return ready and final_phase and prog >= 1.0 - 1.0 / P[V.PHD_DURATION]
    return ready and s != LEAD and s != APPLICANT


@njit(cache=True, inline="always")
def phd_pace(exe, gen, well, q, P):
    """The pace of a PhD student's thesis progress relative to the reference pace (1):
    ``1 + phd.pace_skill * ((execution + idea generation)/2 - phd.pace_skill_reference)
    + phd.pace_feedback * (advisor quality q - 0.5) + phd.pace_wellbeing * (wellbeing - 0.6)``,
    never below 0."""
    x = (
        1.0
        + P[V.PHD_PACE_SKILL] * (0.5 * (exe + gen) - P[V.PHD_PACE_SKILL_REFERENCE])
        + P[V.PHD_PACE_FEEDBACK] * (q - 0.5)
        + P[V.PHD_PACE_WELLBEING] * (well - W_MID)
    )
    return x if x > 0.0 else 0.0


#: outcomes of a PhD student's month (:func:`phd_month`; attrition is decided by the caller)
PHD_STAYS, PHD_GRADUATES, PHD_TIME_LIMIT, PHD_EXTENSION_DUE, PHD_ATTRITION = 0, 1, 2, 3, 4


@njit(cache=True, inline="always")
def phd_month(prog, elapsed, pace, P):
    """A PhD student's month of thesis work ending ``elapsed`` (> 0) ticks after the start: progress
    grows by ``pace * DT / phd.duration``. Returns (progress, outcome): :data:`PHD_GRADUATES`
    once progress reaches 1 and ``phd.min_years`` have passed; else :data:`PHD_TIME_LIMIT`
    at ``phd.max_years``; else :data:`PHD_EXTENSION_DUE` in the month the funded years
    (``phd.funded_years``) or an anniversary of their end is reached (the caller decides
    with ``phd.extension_chance``); else :data:`PHD_STAYS`."""
    prog = prog + pace * DT / P[V.PHD_DURATION]
    if prog >= 1.0 - 1e-9 and elapsed >= P[V.PHD_MIN_YEARS] * TICKS_PER_YEAR - 1e-9:
        return prog, PHD_GRADUATES
    if elapsed >= P[V.PHD_MAX_YEARS] * TICKS_PER_YEAR - 1e-9:
        return prog, PHD_TIME_LIMIT
    over = elapsed - P[V.PHD_FUNDED_YEARS] * TICKS_PER_YEAR  # ticks past the funded years
    if over >= -1e-9:
        before = over - TICKS_PER_MONTH
        if before < -1e-9 or np.floor((over + 1e-9) / TICKS_PER_YEAR) > np.floor((before + 1e-9) / TICKS_PER_YEAR):
            return prog, PHD_EXTENSION_DUE
    return prog, PHD_STAYS


@njit(cache=True, inline="always")
def graduation_route(u, P):
    """Where a PhD graduate goes with uniform ``u``: 0 an industry contributor post (below the
    industry share), 1 independent research without a grant (below industry + independent
    shares), 2 an academic contributor post."""
    industry, independent = P[V.PHD_INDUSTRY_SHARE], P[V.PHD_INDEPENDENT_SHARE]
    if u < industry:
        return 0
    if u < industry + independent:
        return 1
    return 2


@njit(cache=True, inline="always")
def reapply_due(flags, t, apply_at, fund_end, P):
    """Whether a grant-holder wants to apply for the next grant: nothing pending, allowed
    to apply again (``apply_at``), and within ``grants.apply_ahead`` (or the calibrated
    wait, if longer) years of the grant's end."""
    ahead = P[V.GRANTS_APPLY_AHEAD]
    wait = P[V.X_CALIBRATED_WAIT]
    if wait > ahead:
        ahead = wait
    return (flags & F_PENDING) == 0 and t >= apply_at and t >= fund_end - ahead * TICKS_PER_YEAR


@njit(cache=True, inline="always")
def gap_allowance(P, first_funded):
    """How long, in years, an unfunded researcher waits for a grant before giving up: the
    maximum gap, plus a grace before the first grant (``first_funded < 0``)."""
    grace = P[V.X_GAP_GRACE]
    return P[V.INDEPENDENT_MAX_GAP] + (grace if first_funded < 0 else 0.0)


@njit(cache=True, inline="always")
def phd_application_due(tenure, attempts, blocked, u, p_to_phd, P):
    """Whether a contributor who intends a PhD applies this month: not ``blocked`` (an
    industry contributor refusing the pay cut), a year or more in the job (``tenure``,
    years), never applied; then at the planned time when ``contributor.planned_phd_after``
    is set, else with the monthly chance ``p_to_phd`` (uniform ``u``)."""
    planned = P[V.CONTRIBUTOR_PLANNED_PHD_AFTER]
    if blocked or tenure < 1.0 or attempts != 0:
        return False
    if planned > 0.0:
        return tenure >= planned
    return u < p_to_phd


@njit(cache=True, inline="always")
def waiting_hazard(wait_since, t, P):
    """The hazard of leaving for want of a lead role: ``positions.wait_leave`` once a
    person has been eligible since ``wait_since`` for a year or more, else 0."""
    h = P[V.POSITIONS_WAIT_LEAVE]
    return h if wait_since >= 0 and t - wait_since >= TICKS_PER_YEAR else 0.0


@njit(cache=True, inline="always")
def _hazards(burnout, burnout_sens, leave, leave_sens, lead_exit, s, well, motiv, leave_mult):
    h_burn = burnout * np.exp(burnout_sens * (W_MID - well))
    if s == LEAD:
        return h_burn, lead_exit
    return h_burn, leave * leave_mult * np.exp(leave_sens * (W_MID - motiv))


@njit(cache=True, inline="always")
def exit_hazards(P, s, well, motiv, leave_mult):
    """The yearly hazards of burnout, ``exits.burnout * exp(sensitivity * (W_MID - wellbeing))``,
    and of leaving for other work, ``exits.leave * leave_mult * exp(sensitivity * (W_MID -
    motivation))`` (a lead's instead: ``positions.lead_exit``)."""
    return _hazards(
        P[V.EXITS_BURNOUT],
        P[V.EXITS_BURNOUT_SENSITIVITY],
        P[V.EXITS_LEAVE],
        P[V.EXITS_LEAVE_SENSITIVITY],
        P[V.POSITIONS_LEAD_EXIT],
        s,
        well,
        motiv,
        leave_mult,
    )


@njit(cache=True, inline="always")
def leaves(P, EXPHI, s, well, motiv, leave_mult, h_wait, u):
    """Whether a person leaves this month, with uniform ``u``: the competing hazards
    (:func:`exit_hazards` and ``h_wait``) sum to ``h`` and the person leaves when
    ``u < 1 - exp(-h * DT)``. Most months nobody leaves: ``1 - exp(-h*DT) <= h*DT``, and
    ``h`` is bounded above by exps tabulated on a grid (``EXPHI``), so a uniform above
    that bound is no exit without computing any exp; otherwise the exact hazards decide,
    as they always would. Returns (leaves, h_burn, h_other, h)."""
    burnout, burnout_sens = P[V.EXITS_BURNOUT], P[V.EXITS_BURNOUT_SENSITIVITY]
    leave, leave_sens, lead_exit = P[V.EXITS_LEAVE], P[V.EXITS_LEAVE_SENSITIVITY], P[V.POSITIONS_LEAD_EXIT]
    x_burn = burnout_sens * (W_MID - well)
    x_leave = leave_sens * (W_MID - motiv)
    bound_burn = _exp_above(EXPHI, x_burn)
    bound_leave = _exp_above(EXPHI, x_leave)
    h_other_hi = lead_exit if s == LEAD else leave * leave_mult * bound_leave
    h_hi = (burnout * bound_burn + h_other_hi + h_wait) * (1.0 + 1e-9)
    if u >= h_hi * DT + 1e-15:
        return False, 0.0, 0.0, 0.0
    h_burn, h_other = _hazards(burnout, burnout_sens, leave, leave_sens, lead_exit, s, well, motiv, leave_mult)
    h = h_burn + h_other + h_wait
    return u < 1.0 - np.exp(-h * DT), h_burn, h_other, h


@njit(cache=True, inline="always")
def exit_reason(v, h_burn, h_other):
    """The reason of an exit, from ``v`` uniform on ``[0, h)``: burnout with chance
    ``h_burn / h``, other work with ``h_other / h``, else no lead opening."""
    if v < h_burn:
        return R_BURNOUT
    if v < h_burn + h_other:
        return R_OTHER_WORK
    return R_NO_OPENING


@njit(cache=True, inline="always")
def _rest_pass(
    m,
    j0,
    total,
    t,
    vis,
    F,
    I,
    P,
    RI,
    RS,
    SK,
    RF,
    MONTH,
    UH,
    u_safe,
    adj,
    p_to_phd,
    khz,
    ktr,
    adv_quality,
    adv_load,
    LOG,
    nlog,
    EXPHI,
    stats,
    OUTF,
    VB,
    ncls,
    PS,
):
    """Pass 3 over a chunk, person by person: the updated skills written back, then
    hands-on learning, record and mood, readiness, transitions and exits, and the
    person counted; meanwhile the next chunk's rows are prefetched."""
    exits_on = P[V.X_EXITS_ON] > 0.5
    out_base = P[V.LEARNING_OUTPUT_BASE]
    p_att_early = 1.0 - np.exp(-P[V.PHD_ATTRITION_EARLY] * DT)  # the month's chances of PhD attrition
    p_att_late = 1.0 - np.exp(-P[V.PHD_ATTRITION_LATE] * DT)
    att_early_ticks = P[V.PHD_ATTRITION_EARLY_YEARS] * TICKS_PER_YEAR
    gap_industry = P[V.INDEPENDENT_GAP_INDUSTRY_SHARE]
    for j in range(m):
        if j0 + CH + j < total:  # the next chunk's rows, to be in cache when it starts
            _prefetch_row(F, I, vis[j0 + CH + j])
        s = RS[j]
        i = RI[j]
        if s < 0:
            OUTF[i] = 0
            continue
        for c in range(4):
            F[i, EXE + c] = SK[c, j]
        pid = I[i, PID]
        flags = RF[j]
        # ------------------------------------------------------------ hands-on, record, wellbeing
        F[i, EXE], F[i, HANDS_KEY], F[i, HANDS_EXP] = hands_on(
            F[i, EXE], F[i, LR], MONTH[M_HANDS, j], F[i, HANDS_KEY], F[i, HANDS_EXP], P
        )
        if t - I[i, ENTRY] == 2 * TICKS_PER_YEAR:
            F[i, EXE2] = F[i, EXE]
        F[i, RECORD], F[i, WELL], F[i, MOTIV] = record_and_mood(
            F[i, RECORD],
            F[i, WELL],
            F[i, MOTIV],
            F[i, EXE],
            F[i, GEN],
            MONTH[M_PUBS, j],
            MONTH[M_WELL, j],
            MONTH[M_MOTIV, j],
            adj,
            out_base,
        )
        # ------------------------------------------------------------ readiness
        ready = is_ready(F[i, GEN], F[i, EVL], F[i, EXE], F[i, RECORD], P)
        if ready and I[i, READY] < 0:
            I[i, READY] = t
        if ready and s == PHD and I[i, PHD_READY] < 0:
            I[i, PHD_READY] = t
        if not lead_eligible(I[i, READY] >= 0, s, F[i, PHD_PROG], P):
            I[i, WAIT_SINCE] = -1
        elif I[i, WAIT_SINCE] < 0:
            I[i, WAIT_SINCE] = t
        # ------------------------------------------------------------ transitions
        outcome = PHD_STAYS
        elapsed = t - I[i, PHD_START]
        if s == PHD and elapsed > 0:  # a month of the degree has ended
            a = I[i, ADVISOR]
            # PhD attrition, at its own rate by time in the degree, before the month's work
            # counts: the top of the month's exit uniform (the competing exits take its bottom)
            p_att = p_att_early if elapsed - TICKS_PER_MONTH < att_early_ticks else p_att_late
            if exits_on and UH[j] >= 1.0 - p_att:
                outcome = PHD_ATTRITION
            else:
                F[i, PHD_PROG], outcome = phd_month(
                    F[i, PHD_PROG], elapsed, phd_pace(F[i, EXE], F[i, GEN], F[i, WELL], adv_quality[a], P), P
                )
            if outcome == PHD_EXTENSION_DUE:
                extended = uniform_at(agent_hash(ktr, pid), t, 4) < P[V.PHD_EXTENSION_CHANCE]
                outcome = PHD_STAYS if extended else PHD_TIME_LIMIT
            if outcome == PHD_TIME_LIMIT or outcome == PHD_ATTRITION:  # leaves without the degree
                adv_load[a] -= 1
                I[i, PHD_END] = t
                I[i, EXIT_REASON] = R_FUNDING if outcome == PHD_TIME_LIMIT else R_OTHER_WORK
                I[i, EXIT_TICK] = t
                I[i, WAIT_SINCE] = -1
                _move(I, LOG, nlog, i, t, EXITED, E_EXIT)
                I[i, FLAGS] = flags
                OUTF[i] = 0
                continue
        if outcome == PHD_GRADUATES:
            a = I[i, ADVISOR]
            adv_load[a] -= 1
            I[i, PHD_END] = t
            flags |= F_HAS_PHD
            if F[i, LETTERS] < adv_quality[a]:
                F[i, LETTERS] = adv_quality[a]  # the advisor's recommendation
            route = graduation_route(uniform_at(agent_hash(ktr, pid), t, 0), P)
            if route == 1:
                flags |= F_WANTS_GRANT
                I[i, FUND_END] = t
                _move(I, LOG, nlog, i, t, UNFUNDED, E_GRADUATED)
            else:
                I[i, KIND] = K_INDUSTRY if route == 0 else K_ACADEMIC
                _move(I, LOG, nlog, i, t, CONTRIBUTOR, E_GRADUATED)
            s = I[i, STATE]
        elif holds_grant_role(s, I[i, LEAD_SRC]):
            if reapply_due(flags, t, I[i, APPLY_AT], I[i, FUND_END], P):
                flags |= F_WANTS_GRANT
            if t >= I[i, FUND_END]:  # the grant ends
                _move(I, LOG, nlog, i, t, UNFUNDED, E_LEAD_ENDED if s == LEAD else E_FUNDING_GAP)
                s = UNFUNDED
        elif s == UNFUNDED:
            if (flags & F_PENDING) == 0 and t >= I[i, APPLY_AT]:
                flags |= F_WANTS_GRANT
            if (t - I[i, SINCE]) >= gap_allowance(P, I[i, FIRST_FUNDED]) * TICKS_PER_YEAR:
                # they give up waiting, even with an application still in the queue
                flags &= ~(F_WANTS_GRANT | F_PENDING)
                if uniform_at(agent_hash(ktr, pid), t, 1) < P[V.INDEPENDENT_GAP_TO_CONTRIBUTOR_SHARE]:
                    I[i, KIND] = K_INDUSTRY if uniform_at(agent_hash(ktr, pid), t, 2) < gap_industry else K_NONPROFIT
                    _move(I, LOG, nlog, i, t, CONTRIBUTOR, E_GAP_TO_JOB)
                    s = CONTRIBUTOR
                else:
                    I[i, EXIT_REASON] = R_FUNDING
                    I[i, EXIT_TICK] = t
                    _move(I, LOG, nlog, i, t, EXITED, E_EXIT)
                    I[i, FLAGS] = flags
                    OUTF[i] = 0
                    continue
        elif s == CONTRIBUTOR and (flags & F_HAS_PHD) == 0:
            ps = I[i, SETTINGS]
            planned = PS[ps, PS_PHD_AFTER] if ps >= 0 else -1.0  # the person's own plan, ticks (NaN: none)
            if planned >= 0.0:
                go = I[i, ATTEMPTS] == 0 and t - I[i, SINCE] >= planned
            elif (flags & F_PHD_INTENT) != 0:
                blocked = I[i, KIND] == K_INDUSTRY and (flags & F_REFUSE_PAY) != 0
                go = phd_application_due(
                    (t - I[i, SINCE]) / TICKS_PER_YEAR,
                    I[i, ATTEMPTS],
                    blocked,
                    uniform_at(agent_hash(ktr, pid), t, 3),
                    p_to_phd,
                    P,
                )
            else:
                go = False
            if go:
                _move(I, LOG, nlog, i, t, APPLICANT, E_TO_PHD)
                s = APPLICANT
        # ------------------------------------------------------------ exits (competing risks)
        if exits_on and UH[j] < u_safe:
            gone, h_burn, h_other, h = leaves(
                P, EXPHI, s, F[i, WELL], F[i, MOTIV], MONTH[M_LEAVE, j], waiting_hazard(I[i, WAIT_SINCE], t, P), UH[j]
            )
            if gone:
                flags &= ~(F_WANTS_GRANT | F_PENDING)
                if s == PHD:
                    adv_load[I[i, ADVISOR]] -= 1
                    I[i, PHD_END] = t
                I[i, EXIT_REASON] = exit_reason(uniform_at(agent_hash(khz, pid), t, 1) * h, h_burn, h_other)
                I[i, EXIT_TICK] = t
                I[i, WAIT_SINCE] = -1
                _move(I, LOG, nlog, i, t, EXITED, E_EXIT)
        I[i, FLAGS] = flags
        # ------------------------------------------------------------ statistics, next month's group
        s = I[i, STATE]
        if s == EXITED:
            OUTF[i] = 0
            continue
        c = _visit_class(s, I[i, KIND], I[i, LEAD_SRC])
        VB[c, ncls[c]] = i
        ncls[c] += 1
        stats[s] += 1
        out = OUT_KEPT
        if I[i, READY] >= 0:
            out |= OUT_READY
            stats[ST_READY] += 1
        if I[i, WAIT_SINCE] >= 0:
            stats[ST_WAITING] += 1
        if holds_grant_role(s, I[i, LEAD_SRC]) and I[i, FUND_END] > t:
            stats[ST_FUNDED] += 1
        if (flags & F_WANTS_GRANT) != 0 and (flags & F_PENDING) == 0:
            out |= OUT_WANTS
            stats[ST_WANTS] += 1
        OUTF[i] = out


@njit(cache=True, inline="always")
def _regroup(vis, nvis, VB, ncls):
    """The next month's visiting order: group by group, each filled in this month's
    visiting order (which keeps it much as it was)."""
    k = 0
    for c in range(NCLS):
        for x in range(ncls[c]):
            vis[k] = VB[c, x]
            k += 1
    nvis[0] = k


@njit(cache=True, inline="always")
def _compact(act, nact, total, OUTF, ready_rows, wants):
    """The lists in row order: those still in the field (``act``), the lead-ready, those
    wanting a grant."""
    kept = nr = nw = 0
    for j in range(total):
        r = act[j]
        out = OUTF[r]
        act[kept] = r
        kept += out & OUT_KEPT
        ready_rows[nr] = r
        nr += (out & OUT_READY) >> 1
        wants[nw] = r
        nw += (out & OUT_WANTS) >> 2
    nact[0] = kept


@njit(cache=True)
def step(
    t,
    act,
    nact,
    vis,
    nvis,
    P,
    kfb,
    khz,
    ktr,
    F,
    I,
    adv_quality,
    adv_safe,
    adv_hours,
    advisor_h,
    adv_load,
    LOG,
    nlog,
    stats,
    wants,
    ready_rows,
    EXPHI,
    OUTF,
    VB,
    PS,
    counts,
    n,
):
    """Advance the researchers in ``act[:nact[0]]`` by one month at tick ``t``.

    ``act`` lists the rows of researchers in the field (entered, not exited)
    in increasing order. The step visits only those rows and compacts the list
    in place, dropping whoever has left (here or since the last step), so the
    cost follows the active population, not everyone who ever entered.

    The rows are visited in the order of ``vis[:nvis[0]]``, a list of the same
    rows as ``act[:nvis[0]]`` grouped by what each researcher was doing at the end
    of the last step (see :func:`_visit_class`), then ``act[nvis[0]:nact[0]]``
    (the rows listed since, by intake). People doing the same thing take the same
    branches, so the processor predicts them. The step leaves the next month's
    grouped list in ``vis``; with ``nvis[0] = 0`` it visits ``act`` in row order.
    Whoever rewrites ``act`` between steps other than by appending must set
    ``nvis[0] = 0``. Each person's month depends only on their own row, so the
    order of the visits changes no value: the lists returned and the log are put
    back in row order. ``OUTF`` (one byte per row: what the last pass needs to know
    of each visited person) and ``VB`` (``NCLS`` rows, each as long as ``act``: the
    next month's groups as they fill) are scratch space. ``PS`` is the table of people's own
    settings (``world.settings``: independent mentoring, a planned PhD application).

    Also returns, in ``stats`` (columns :data:`~careersim.engine.layout.STATS`), the
    number of the visited researchers in each state 1-6 after the step (the columns of
    states 0 and ``EXITED`` stay 0: the caller knows how many have entered), how many are
    lead-ready and waiting, how many hold a grant, in ``wants[:stats[ST_WANTS]]`` the
    researchers who want to apply for a grant and in ``ready_rows[:stats[ST_READY]]``
    those who are lead-ready (both in row order). ``adv_load`` (students per advisor)
    loses a student at each graduation or PhD exit. Each advisor's ``advisor_h`` hours a
    week are shared among their students (at least one) into ``adv_hours`` before the
    month; after it, ``counts`` (researchers by state; ``n`` rows have entered) is set
    from the step's own count.

    The month runs over chunks of ``CH`` listed researchers, in four passes:

    0. across the chunk: every uniform of the month (vectorised, :func:`_uniforms_chunk`);
    1. per person: the month's feedback sources, from the state at the start of the month
       (:func:`_feedback_pass`);
    2. across the chunk: the skill updates, one source at a time, as straight-line
       arithmetic the compiler vectorises across people (each person's sources still
       apply in order, so the values are those of one update after another; :func:`_skill_pass`);
    3. per person: hands-on learning, record and mood, readiness, transitions, exits
       (:func:`_rest_pass`), while the next chunk's rows are prefetched.
    """
    stats[:] = 0
    for a in range(len(adv_load)):  # each advisor's hours a week per student (at least one)
        adv_hours[a] = advisor_h / max(1, adv_load[a])
    TAB, LAM, ADV_ROW = poisson_tables(P, adv_hours)
    cosupervised = LAM[R_CS] > 0.0  # PhD students draw co-supervision signals (uniform slot SL_PROG)
    floor = P[V.LEARNING_TEACHABLE_FLOOR]
    adj = 1.0 - 0.5 ** (DT / P[V.EXITS_ADJUSTMENT])
    arrival = P[V.X_ARRIVAL_TICK]
    p_to_phd = 1.0 - np.exp(-P[V.CONTRIBUTOR_TO_PHD_RATE] * DT)
    SN = np.zeros((NSRC, CH), dtype=np.int64)  # signals per source (0: none)
    SQ = np.zeros((NSRC, CH))  # the source's quality
    SW = np.zeros((NSRC, 4, CH))  # weights of execution, generation, evaluation, impact
    GL = np.zeros(CH)  # gain x learning rate
    SK = np.zeros((4, CH))  # skills
    RI = np.empty(CH, dtype=np.int64)  # row
    RS = np.empty(CH, dtype=np.int64)  # state at the start of the month (-1: not visited)
    RF = np.empty(CH, dtype=np.int64)  # flags
    MONTH = np.empty((N_MONTH, CH))  # the month's values per person (rows M_HANDS ...)
    LONG = np.empty((NSRC * CH, 3), dtype=np.int64)  # (person, source, count) of counts >= 2**NBITS
    U = np.empty((N_SLOTS, CH))  # the month's feedback uniforms, one row per slot
    UH = np.empty(CH)  # the month's exit uniform
    PIDS = np.empty(CH, dtype=np.int64)  # person ids
    H = np.empty(CH, dtype=np.uint64)  # first hashing round of the feedback draws
    total = nact[0]
    if not 0 <= nvis[0] <= total:  # a list that cannot be of the same rows: visit in row order
        nvis[0] = 0
    for j in range(nvis[0], total):  # listed since the last step: visited last, in row order
        vis[j] = act[j]
    ncls = np.zeros(NCLS, dtype=np.int64)  # researchers per visiting group for the next month
    log0 = nlog[0]
    for j0 in range(0, total, CH):
        m = min(CH, total - j0)
        need = _chunk_rows(vis, j0, m, I, RI, PIDS)
        if cosupervised and (need >> SL_EXPOSED) & 1:  # a PhD student in the chunk (only they read SL_EXPOSED)
            need |= 1 << SL_PROG
        _uniforms_chunk(m, PIDS, kfb, khz, t, H, U, UH, need)
        nlong, wlo, whi, mlo, mhi, lmax = _feedback_pass(
            m,
            t,
            F,
            I,
            P,
            RI,
            RS,
            SN,
            SQ,
            SW,
            GL,
            SK,
            LONG,
            U,
            TAB,
            LAM,
            ADV_ROW,
            adv_quality,
            adv_safe,
            RF,
            MONTH,
            arrival,
            PS,
        )
        u_safe = _no_exit_above(P, adj, wlo, whi, mlo, mhi, lmax)
        _skill_pass(m, SN, SQ, SW, GL, SK, LONG, nlong, floor)
        _rest_pass(
            m,
            j0,
            total,
            t,
            vis,
            F,
            I,
            P,
            RI,
            RS,
            SK,
            RF,
            MONTH,
            UH,
            u_safe,
            adj,
            p_to_phd,
            khz,
            ktr,
            adv_quality,
            adv_load,
            LOG,
            nlog,
            EXPHI,
            stats,
            OUTF,
            VB,
            ncls,
            PS,
        )
    _regroup(vis, nvis, VB, ncls)
    stats[ST_NONPROFIT] = ncls[4 + K_NONPROFIT]  # the visiting groups of the next month (_visit_class)
    stats[ST_INDEPENDENT_LEADS] = ncls[7]
    _compact(act, nact, total, OUTF, ready_rows, wants)
    _sort_log(LOG, log0, nlog[0])
    # the state counts after the step: those listed now are exactly those still in the
    # field, the rest of the ``n`` entered have left, the other rows are still to enter
    for c in range(1, EXITED):
        counts[c] = stats[c]
    counts[EXITED] = n - nact[0]
    counts[0] = len(I) - n
