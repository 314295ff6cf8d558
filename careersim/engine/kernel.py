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

Every state change appends a row (agent, tick, from, to, reason) to the log.
The parameter vector ``P`` is indexed by the constants below, built from the
scenario's live parameters by :class:`careersim.engine.parameters.Live`.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
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
from careersim.core.rng import agent_hash, poisson_from_uniform, uniform_at
from careersim.core.rng import poisson_given_p0 as _pois
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
    PHD_READY,
    PHD_START,
    PID,
    PROG_END,
    READY,
    RECORD,
    RESIL,
    SDIR,
    SINCE,
    SMOT,
    STATE,
    WAIT_SINCE,
    WELL,
)

W_MID = 0.6  # wellbeing / motivation at which base hazards apply

# Order of the parameter vector. Append only; the indices below follow it.
KERNEL_PARAMS = (
    "learning.signal_gain",  # 0
    "learning.signals_per_mentor_hour",  # 1
    "learning.saturation_hours",  # 2
    "learning.project_length",  # 3
    "learning.self_eval_quality",  # 4
    "learning.hands_on_rate",  # 5
    "learning.peer_quality_ratio",  # 6
    "learning.impact_weight",  # 7
    "phd.apprentice_years",  # 8
    "phd.ambition_years",  # 9
    "phd.peer_signals",  # 10
    "phd.exposure_rate",  # 11
    "phd.exposure_signals",  # 12
    "phd.publications",  # 13
    "phd.stress",  # 14
    "phd.industry_share",  # 15
    "phd.independent_share",  # 16
    "independent.mentor_hours",  # 17
    "independent.mentor_quality",  # 18
    "independent.collaborator_signals",  # 19
    "independent.collaborator_quality",  # 20
    "independent.publications",  # 21
    "independent.alone_penalty",  # 22
    "independent.gap_penalty",  # 23
    "independent.max_gap",  # 24
    "independent.gap_to_contributor_share",  # 25
    "grants.apply_ahead",  # 26
    "programme.mentor_hours",  # 27
    "programme.mentor_quality",  # 28
    "contributor.mentor_hours_industry",  # 29
    "contributor.mentor_hours_nonprofit",  # 30
    "contributor.mentor_hours_academic",  # 31
    "contributor.quality_industry",  # 32
    "contributor.quality_nonprofit",  # 33
    "contributor.quality_academic",  # 34
    "contributor.own_idea_share",  # 35
    "contributor.hands_on_industry",  # 36
    "contributor.hands_on_nonprofit",  # 37
    "contributor.hands_on_academic",  # 38
    "contributor.publications_industry",  # 39
    "contributor.publications_nonprofit",  # 40
    "contributor.publications_academic",  # 41
    "contributor.letter_academic",  # 42
    "contributor.letter_other",  # 43
    "contributor.to_phd_rate",  # 44
    "contributor.planned_phd_after",  # 45
    "positions.ready_generation",  # 46
    "positions.ready_evaluation",  # 47
    "positions.ready_execution",  # 48
    "positions.ready_record",  # 49
    "positions.lead_exit",  # 50
    "positions.wait_leave",  # 51
    "exits.burnout",  # 52
    "exits.burnout_sensitivity",  # 53
    "exits.leave",  # 54
    "exits.leave_sensitivity",  # 55
    "exits.industry_pull",  # 56
    "exits.adjustment",  # 57
    "exits.structure_bonus",  # 58
    "x.saturating",  # 59: 1 if the dose-response saturates
    "x.lead_rule_final",  # 60: 1 if PhD students may lead in their final year
    "x.arrival_tick",  # 61
    "x.exits_on",  # 62: 0 switches every exit hazard off (degenerate tests)
    "learning.self_study_signals",  # 63
    "x.gap_grace",  # 64: extra allowance before a first grant, years
    "x.calibrated_wait",  # 65: expected review + decision wait, years, when decisions are calibrated (else 0)
    "learning.hands_on_phd",  # 66
    "learning.hands_on_independent",  # 67
    "learning.teachable_floor",  # 68
)
(P_GAIN, P_SIG_PER_HOUR, P_SAT_HOURS, P_PROJECT, P_SELF_Q, P_HANDS_ON, P_PEER_RATIO, P_IMPACT_W,
 P_APPRENTICE, P_AMBITION, P_PHD_PEERS, P_EXPOSURE, P_EXPOSURE_SIG, P_PHD_PUBS, P_PHD_STRESS,
 P_PHD_INDUSTRY, P_PHD_INDEP, P_IND_HOURS, P_IND_QUALITY, P_COLLAB_SIG, P_COLLAB_Q, P_IND_PUBS,
 P_ALONE, P_GAP_PEN, P_MAX_GAP, P_GAP_TO_JOB, P_APPLY_AHEAD, P_PROG_HOURS, P_PROG_Q,
 P_C_HOURS_IND, P_C_HOURS_NP, P_C_HOURS_AC, P_C_Q_IND, P_C_Q_NP, P_C_Q_AC, P_C_OWN,
 P_C_HANDS_IND, P_C_HANDS_NP, P_C_HANDS_AC, P_C_PUB_IND, P_C_PUB_NP, P_C_PUB_AC,
 P_C_LETTER_AC, P_C_LETTER_OTHER, P_C_TO_PHD, P_C_PLANNED, P_READY_GEN, P_READY_EVL, P_READY_EXE,
 P_READY_REC, P_LEAD_EXIT, P_WAIT_LEAVE, P_BURNOUT, P_BURNOUT_SENS, P_LEAVE, P_LEAVE_SENS,
 P_IND_PULL, P_ADJUST, P_STRUCTURE, P_SATURATING, P_LEAD_FINAL, P_ARRIVAL, P_EXITS_ON,
 P_SELF_STUDY, P_GAP_GRACE, P_CAL_WAIT, P_HANDS_PHD, P_HANDS_IND, P_FLOOR) = range(len(KERNEL_PARAMS))

# uniform slots per agent and tick (feedback stream)
SL_MENTOR, SL_PEER, SL_PROG, SL_COLLAB, SL_EXPOSED, SL_SELF, SL_STUDY, SL_PLAN = range(8)
N_SLOTS = 8
# the slots each state's feedback sources read (bit ``slot``); a small funder's lead
# reads an independent researcher's
SLOTS_USED = np.zeros(8, dtype=np.int64)
SLOTS_USED[PHD] = (1 << SL_MENTOR) | (1 << SL_PEER) | (1 << SL_EXPOSED) | (1 << SL_SELF) | (1 << SL_STUDY)
SLOTS_USED[INDEPENDENT] = ((1 << SL_MENTOR) | (1 << SL_PROG) | (1 << SL_COLLAB) | (1 << SL_SELF) | (1 << SL_PLAN)
                           | (1 << SL_STUDY))
SLOTS_USED[UNFUNDED] = SLOTS_USED[INDEPENDENT]
SLOTS_USED[CONTRIBUTOR] = (1 << SL_MENTOR) | (1 << SL_PEER) | (1 << SL_STUDY)
SLOTS_USED[LEAD] = 1 << SL_PEER


@njit(cache=True, inline="always")
def _dose(hours, P):
    """Feedback signals per week from ``hours`` of mentor time per week."""
    k = P[P_SIG_PER_HOUR]
    if P[P_SATURATING] > 0.5:
        h0 = P[P_SAT_HOURS]
        return k * h0 * (1.0 - np.exp(-hours / h0))
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
                    _learn_one(SK, j, SN[k, j], SQ[k, j], SW[k, 0, j], SW[k, 1, j], SW[k, 2, j], SW[k, 3, j], GL[j], floor)
        for x in range(nlong):
            if LONG[x, 1] == k:
                j = LONG[x, 0]
                _learn_one(SK, j, LONG[x, 2], SQ[k, j], SW[k, 0, j], SW[k, 1, j], SW[k, 2, j], SW[k, 3, j], GL[j], floor)


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
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
                                            "llvm.prefetch.p0i8")
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
    if not (P[P_BURNOUT] >= 0.0 and P[P_LEAVE] >= 0.0 and P[P_LEAD_EXIT] >= 0.0 and P[P_WAIT_LEAVE] >= 0.0):
        return 2.0
    xb = max(P[P_BURNOUT_SENS] * (W_MID - wlo), P[P_BURNOUT_SENS] * (W_MID - whi))
    xl = max(P[P_LEAVE_SENS] * (W_MID - mlo), P[P_LEAVE_SENS] * (W_MID - mhi))
    h = (P[P_BURNOUT] * np.exp(xb) + max(P[P_LEAD_EXIT], P[P_LEAVE] * lmax * np.exp(xl)) + P[P_WAIT_LEAVE]) * (1.0 + 1e-6)
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
    F(k) below ``u`` (branch-free); beyond the table, the inversion loop."""
    n = 0
    for k in range(POIS_K):
        n += u > TAB[r, k]
    if n == POIS_K:
        return _pois(LAM[r], TAB[r, 0], u)
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
def _credit_lead_month(F, i, t, arrival):
    F[i, LEAD_YEARS] += DT
    before = (arrival - (t - TICKS_PER_MONTH)) / TICKS_PER_MONTH
    if before > 0.0:
        share = DT * min(before, 1.0)
        F[i, LEAD_PRE] += share
        F[i, LEAD_SAFE_PRE] += share * F[i, IMP]


@njit(cache=True)
def credit_final_month(t_end, n, P, F, I):
    """At the horizon, credit the last month to those still in a lead role."""
    for i in range(n):
        if I[i, STATE] == LEAD:
            _credit_lead_month(F, i, t_end, P[P_ARRIVAL])


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


# slots of the per-step statistics the kernel returns (after the state counts)
ST_READY, ST_WAITING, ST_FUNDED, ST_WANTS = 8, 9, 10, 11
N_STATS = 12


@njit(cache=True)
def step(t, act, nact, vis, nvis, P, kfb, khz, ktr, F, I, adv_quality, adv_safe, adv_hours, adv_load, LOG, nlog, stats,
         wants, ready_rows, EXPHI, OUTF, VB):
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
    next month's groups as they fill) are scratch space.

    Also returns, in ``stats``, the number of the visited researchers in each
    state 1-6 after the step (``stats[0]`` and ``stats[EXITED]`` stay 0: the
    caller knows how many have entered), how many are lead-ready and waiting,
    how many hold a grant, in ``wants[:stats[ST_WANTS]]`` the researchers who
    want to apply for a grant and in ``ready_rows[:stats[ST_READY]]`` those who
    are lead-ready (both in row order). ``adv_load`` (students per advisor) loses
    a student at each graduation or PhD exit.
    """
    stats[:] = 0
    gain = P[P_GAIN]
    floor = P[P_FLOOR]
    iw = P[P_IMPACT_W]
    proj_rate_m = 1.0 / (P[P_PROJECT] * 12.0)
    adj = 1.0 - 0.5 ** (DT / P[P_ADJUST])
    arrival = P[P_ARRIVAL]
    # chances of no signal this month, exp(-lambda), for sources whose rate is the
    # same for everyone they reach (computed once per step, not once per person)
    lam_pp = P[P_PHD_PEERS] / 12.0
    p_pp = np.exp(-lam_pp)
    p_ex = np.exp(-P[P_EXPOSURE_SIG] / 12.0)
    p_pr = np.exp(-proj_rate_m)
    p_prc = np.exp(-1.5 * proj_rate_m)
    lam_im = _dose(P[P_IND_HOURS], P) * WEEKS_PER_MONTH
    p_im = np.exp(-lam_im)
    lam_pg = _dose(P[P_PROG_HOURS], P) * WEEKS_PER_MONTH
    p_pg = np.exp(-lam_pg)
    p_co = np.exp(-P[P_COLLAB_SIG] / 12.0)
    p_one = np.exp(-1.0)
    lam_cm_k = np.empty(3)
    lam_cm_k[K_INDUSTRY] = _dose(P[P_C_HOURS_IND], P) * WEEKS_PER_MONTH
    lam_cm_k[K_NONPROFIT] = _dose(P[P_C_HOURS_NP], P) * WEEKS_PER_MONTH
    lam_cm_k[K_ACADEMIC] = _dose(P[P_C_HOURS_AC], P) * WEEKS_PER_MONTH
    p_cm_k = np.exp(-lam_cm_k)
    p_exposure = 1.0 - np.exp(-P[P_EXPOSURE] * DT)
    p_to_phd = 1.0 - np.exp(-P[P_C_TO_PHD] * DT)
    # Poisson tables: the sources whose rate is shared, then one row per distinct
    # number of advisor hours (the advisors' rows, ADV_ROW)
    R_PP, R_EX, R_PR, R_PRC, R_IM, R_PG, R_CO, R_ONE, R_CM = range(9)
    n_adv = len(adv_hours)
    TAB = np.empty((11 + n_adv, POIS_K))
    LAM = np.empty(11 + n_adv)
    ADV_ROW = _advisor_rows(TAB, LAM, 11, adv_hours, P)
    _tabulate(TAB, LAM, R_PP, lam_pp, p_pp)
    _tabulate(TAB, LAM, R_EX, P[P_EXPOSURE_SIG] / 12.0, p_ex)
    _tabulate(TAB, LAM, R_PR, proj_rate_m, p_pr)
    _tabulate(TAB, LAM, R_PRC, proj_rate_m * 1.5, p_prc)
    _tabulate(TAB, LAM, R_IM, lam_im, p_im)
    _tabulate(TAB, LAM, R_PG, lam_pg, p_pg)
    _tabulate(TAB, LAM, R_CO, P[P_COLLAB_SIG] / 12.0, p_co)
    _tabulate(TAB, LAM, R_ONE, 12.0 / 12.0, p_one)
    for k in range(3):
        _tabulate(TAB, LAM, R_CM + k, lam_cm_k[k], p_cm_k[k])
    # The month is run over chunks of CH listed researchers, in four passes:
    # 0. across the chunk: every uniform of the month (vectorised);
    # 1. per person: the month's feedback sources (count, quality, skill weights),
    #    from the person's state at the start of the month;
    # 2. across the chunk: the skill updates, one source at a time, as straight-line
    #    arithmetic the compiler vectorises across people (each person's sources still
    #    apply in order, so the values are those of one update after another);
    # 3. per person: hands-on learning, record, wellbeing, readiness, transitions, exits,
    #    while the next chunk's rows are prefetched.
    SN = np.zeros((NSRC, CH), dtype=np.int64)  # signals per source (0: none)
    SQ = np.zeros((NSRC, CH))  # the source's quality
    SW = np.zeros((NSRC, 4, CH))  # weights of execution, generation, evaluation, impact
    GL = np.zeros(CH)  # gain x learning rate
    SK = np.zeros((4, CH))  # skills
    RI = np.empty(CH, dtype=np.int64)  # row
    RS = np.empty(CH, dtype=np.int64)  # state at the start of the month (-1: not visited)
    RF = np.empty(CH, dtype=np.int64)  # flags
    RH = np.empty(CH)  # hands-on rate multiplier
    RP = np.empty(CH)  # publication rate
    RW = np.empty(CH)  # wellbeing target
    RM = np.empty(CH)  # motivation target
    RL = np.empty(CH)  # multiplier of the hazard of leaving
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
        nlong = 0
        # ------------------------------------------------------------ pass 0: uniforms
        need = 0  # the feedback slots anyone in the chunk may use
        for j in range(m):
            i = vis[j0 + j]
            RI[j] = i
            PIDS[j] = I[i, PID]
            s = I[i, STATE]
            need |= SLOTS_USED[s]
            if s == LEAD and I[i, LEAD_SRC] == S_SMALL_FUNDER:
                need |= SLOTS_USED[INDEPENDENT]
        _uniforms_chunk(m, PIDS, kfb, khz, t, H, U, UH, need)
        # ------------------------------------------------------------ pass 1: sources
        for k in range(NSRC):  # no signals unless a source is recorded below
            for j in range(m):
                SN[k, j] = 0
        wlo = mlo = np.inf  # ranges of the chunk's wellbeing and motivation this month
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
                _credit_lead_month(F, i, t, arrival)
            pid = I[i, PID]
            flags = I[i, FLAGS]
            sdir = F[i, SDIR]
            hands = 1.0
            pubs = 0.0
            well_target = 0.3 + 0.6 * F[i, RESIL]
            motiv_target = 0.35 + 0.5 * F[i, SMOT]
            leave_mult = 1.0
            for c in range(4):
                SK[c, j] = F[i, EXE + c]
            g = gain
            if s == PHD:
                yrs = (t - I[i, PHD_START]) / TICKS_PER_YEAR
                if yrs < P[P_APPRENTICE]:
                    w0, w1, w2 = 0.6, 0.2, 0.2
                elif yrs < P[P_AMBITION]:
                    w0, w1, w2 = 0.3, 0.35, 0.35
                else:
                    w0, w1, w2 = 0.2, 0.4, 0.4
                a = I[i, ADVISOR]
                q = adv_quality[a]
                safe = adv_safe[a] > 0
                wimp = iw if safe else 0.0
                _source(SN, SQ, SW, 0, j, _draw(TAB, LAM, ADV_ROW[a], U[SL_MENTOR, j]), q, w0, w1, w2, wimp)
                _source(SN, SQ, SW, 1, j, _draw(TAB, LAM, R_PP, U[SL_PEER, j]), q * P[P_PEER_RATIO], w0, w1, w2, wimp)
                if not safe and (flags & F_EXPOSED) == 0:
                    if U[SL_EXPOSED, j] < p_exposure:
                        flags |= F_EXPOSED
                elif (flags & F_EXPOSED) != 0:
                    _source(SN, SQ, SW, 2, j, _draw(TAB, LAM, R_EX, U[SL_EXPOSED, j]), 0.6, 0.0, 0.1, 0.1, iw)
                _source(SN, SQ, SW, 3, j, _draw(TAB, LAM, R_PR, U[SL_SELF, j]), P[P_SELF_Q] * (0.5 + sdir), 0.3, 0.3, 0.4, 0.0)
                lam = P[P_SELF_STUDY] * sdir * sdir * 0.5 / 12.0
                _source(SN, SQ, SW, 4, j, poisson_from_uniform(lam, U[SL_STUDY, j]), sdir, 0.2, 0.4, 0.4, 0.0)
                hands = P[P_HANDS_PHD]
                pubs = P[P_PHD_PUBS] * (0.5 + q)  # well-recognised work comes from strong labs
                well_target -= P[P_PHD_STRESS]
            elif s == INDEPENDENT or s == UNFUNDED or (s == LEAD and I[i, LEAD_SRC] == S_SMALL_FUNDER):
                up = 1.2 if (flags & F_UPSKILL) != 0 else 1.0
                g = gain * up
                _source(SN, SQ, SW, 0, j, _draw(TAB, LAM, R_IM, U[SL_MENTOR, j]), P[P_IND_QUALITY], 0.3, 0.35, 0.35, iw)
                in_prog = I[i, PROG_END] > t
                if in_prog:
                    _source(SN, SQ, SW, 1, j, _draw(TAB, LAM, R_PG, U[SL_PROG, j]), P[P_PROG_Q], 0.3, 0.35, 0.35, iw)
                    motiv_target += 0.1
                if (flags & F_COLLAB) != 0:
                    _source(SN, SQ, SW, 2, j, _draw(TAB, LAM, R_CO, U[SL_COLLAB, j]), P[P_COLLAB_Q], 0.4, 0.3, 0.3, 0.5 * iw)
                elif not in_prog:
                    motiv_target -= P[P_ALONE]
                cut = (flags & F_CUTLOSS) != 0
                r_self = R_PRC if cut else R_PR
                _source(SN, SQ, SW, 3, j, _draw(TAB, LAM, r_self, U[SL_SELF, j]), P[P_SELF_Q] * 2.0 * sdir, 0.3, 0.3, 0.4, 0.0)
                if (flags & F_PLAN) != 0:
                    _source(SN, SQ, SW, 4, j, _draw(TAB, LAM, r_self, U[SL_PLAN, j]), 0.6, 0.2, 0.4, 0.4, iw)
                lam = P[P_SELF_STUDY] * sdir * sdir / 12.0
                _source(SN, SQ, SW, 5, j, poisson_from_uniform(lam, U[SL_STUDY, j]), sdir, 0.2, 0.4, 0.4, 0.0)
                hands = P[P_HANDS_IND]
                pubs = P[P_IND_PUBS] * (0.5 + sdir)
                if (flags & F_ACCOUNT) != 0:
                    pubs *= 1.5
                if (flags & F_UPSKILL) != 0:
                    pubs *= 0.5
                if s == UNFUNDED:
                    motiv_target -= P[P_GAP_PEN]
                    pubs *= 0.5
            elif s == CONTRIBUTOR:
                k = I[i, KIND]
                if k == K_INDUSTRY:
                    h, q, hands, pubs, wimp = P[P_C_HOURS_IND], P[P_C_Q_IND], P[P_C_HANDS_IND], P[P_C_PUB_IND], 0.2 * iw
                    leave_mult = P[P_IND_PULL]
                elif k == K_NONPROFIT:
                    h, q, hands, pubs, wimp = P[P_C_HOURS_NP], P[P_C_Q_NP], P[P_C_HANDS_NP], P[P_C_PUB_NP], iw
                else:
                    h, q, hands, pubs, wimp = P[P_C_HOURS_AC], P[P_C_Q_AC], P[P_C_HANDS_AC], P[P_C_PUB_AC], 0.0
                own = P[P_C_OWN]
                _source(SN, SQ, SW, 0, j, _draw(TAB, LAM, R_CM + k, U[SL_MENTOR, j]), q, 0.6, own, 0.25, wimp)
                _source(SN, SQ, SW, 1, j, _draw(TAB, LAM, R_ONE, U[SL_PEER, j]), q * P[P_PEER_RATIO], 0.6, own, 0.25, wimp)
                lam = P[P_SELF_STUDY] * sdir * sdir * own / 12.0
                _source(SN, SQ, SW, 2, j, poisson_from_uniform(lam, U[SL_STUDY, j]), sdir, 0.2, 0.4, 0.4, 0.0)
                well_target += P[P_STRUCTURE]
                letter = P[P_C_LETTER_AC] if k == K_ACADEMIC else P[P_C_LETTER_OTHER]
                if t - I[i, SINCE] >= TICKS_PER_YEAR // 2 and F[i, LETTERS] < letter:
                    F[i, LETTERS] = letter
            elif s == LEAD:
                _source(SN, SQ, SW, 0, j, _draw(TAB, LAM, R_ONE, U[SL_PEER, j]), 0.6, 0.2, 0.4, 0.4, 0.5 * iw)
                pubs = 1.0
            # APPLICANT: only hands-on work at the base rate
            GL[j] = g * F[i, LR]
            if (SN[0, j] | SN[1, j] | SN[2, j] | SN[3, j] | SN[4, j] | SN[5, j]) >= 1 << NBITS:
                for k in range(NSRC):  # counts beyond the vector pass's reach (rare): applied one by one below
                    if SN[k, j] >= 1 << NBITS:
                        LONG[nlong, 0] = j
                        LONG[nlong, 1] = k
                        LONG[nlong, 2] = SN[k, j]
                        nlong += 1
                        SN[k, j] = 0
            RF[j] = flags
            RH[j] = hands
            RP[j] = pubs
            RW[j] = well_target
            RM[j] = motiv_target
            RL[j] = leave_mult
            # where this month's wellbeing and motivation can end up: between now and target
            w0, m0 = F[i, WELL], F[i, MOTIV]
            wlo, whi = min(wlo, min(w0, well_target)), max(whi, max(w0, well_target))
            mlo, mhi = min(mlo, min(m0, motiv_target)), max(mhi, max(m0, motiv_target))
            lmax = max(lmax, leave_mult)
        u_safe = _no_exit_above(P, adj, wlo, whi, mlo, mhi, lmax)
        # ------------------------------------------------------------ pass 2: skill updates
        _skill_pass(m, SN, SQ, SW, GL, SK, LONG, nlong, floor)
        # ------------------------------------------------------------ pass 3: the rest of the month
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
            hands = RH[j]
            pubs = RP[j]
            well_target = RW[j]
            motiv_target = RM[j]
            leave_mult = RL[j]
            # ---------------------------------------------------------------- hands-on, record, wellbeing
            e = F[i, EXE]
            key = -P[P_HANDS_ON] * hands
            if F[i, HANDS_KEY] != key:  # a new role or rate (rare): the one exp of the month
                F[i, HANDS_KEY] = key
                F[i, HANDS_EXP] = np.exp(key * F[i, LR] * DT)
            F[i, EXE] = 1.0 - (1.0 - e) * F[i, HANDS_EXP]
            if t - I[i, ENTRY] == 2 * TICKS_PER_YEAR:
                F[i, EXE2] = F[i, EXE]
            prod = (0.5 + F[i, EXE]) * (0.5 + F[i, GEN])
            F[i, RECORD] += pubs * prod * DT
            F[i, WELL] += (well_target - F[i, WELL]) * adj
            F[i, MOTIV] += (motiv_target - F[i, MOTIV]) * adj
            # ---------------------------------------------------------------- readiness
            ready = (F[i, GEN] >= P[P_READY_GEN] and F[i, EVL] >= P[P_READY_EVL]
                     and F[i, EXE] >= P[P_READY_EXE] and F[i, RECORD] >= P[P_READY_REC])
            if ready and I[i, READY] < 0:
                I[i, READY] = t
            if ready and s == PHD and I[i, PHD_READY] < 0:
                I[i, PHD_READY] = t
            eligible = I[i, READY] >= 0 and s != LEAD and s != APPLICANT
            if s == PHD and not (P[P_LEAD_FINAL] > 0.5 and t >= I[i, PHD_END] - TICKS_PER_YEAR):
                eligible = False
            if eligible and I[i, WAIT_SINCE] < 0:
                I[i, WAIT_SINCE] = t
            elif not eligible:
                I[i, WAIT_SINCE] = -1
            # ---------------------------------------------------------------- transitions
            if s == PHD and t >= I[i, PHD_END]:
                adv_load[I[i, ADVISOR]] -= 1
                flags |= F_HAS_PHD
                if F[i, LETTERS] < adv_quality[I[i, ADVISOR]]:
                    F[i, LETTERS] = adv_quality[I[i, ADVISOR]]  # the advisor's recommendation
                u = uniform_at(agent_hash(ktr, pid), t, 0)
                if u < P[P_PHD_INDUSTRY]:
                    I[i, KIND] = K_INDUSTRY
                    _move(I, LOG, nlog, i, t, CONTRIBUTOR, E_GRADUATED)
                elif u < P[P_PHD_INDUSTRY] + P[P_PHD_INDEP]:
                    flags |= F_WANTS_GRANT
                    I[i, FUND_END] = t
                    _move(I, LOG, nlog, i, t, UNFUNDED, E_GRADUATED)
                else:
                    I[i, KIND] = K_ACADEMIC
                    _move(I, LOG, nlog, i, t, CONTRIBUTOR, E_GRADUATED)
                s = I[i, STATE]
            elif s == INDEPENDENT or (s == LEAD and I[i, LEAD_SRC] == S_SMALL_FUNDER):
                ahead = P[P_APPLY_AHEAD]
                if P[P_CAL_WAIT] > ahead:
                    ahead = P[P_CAL_WAIT]
                if (flags & F_PENDING) == 0 and t >= I[i, APPLY_AT] and t >= I[i, FUND_END] - ahead * TICKS_PER_YEAR:
                    flags |= F_WANTS_GRANT
                if t >= I[i, FUND_END]:
                    if s == LEAD:
                        _move(I, LOG, nlog, i, t, UNFUNDED, E_LEAD_ENDED)
                    else:
                        _move(I, LOG, nlog, i, t, UNFUNDED, E_FUNDING_GAP)
                    s = UNFUNDED
            elif s == UNFUNDED:
                if (flags & F_PENDING) == 0 and t >= I[i, APPLY_AT]:
                    flags |= F_WANTS_GRANT
                allowance = P[P_MAX_GAP] + (P[P_GAP_GRACE] if I[i, FIRST_FUNDED] < 0 else 0.0)
                if (t - I[i, SINCE]) >= allowance * TICKS_PER_YEAR:
                    # they give up waiting, even with an application still in the queue
                    flags &= ~(F_WANTS_GRANT | F_PENDING)
                    if uniform_at(agent_hash(ktr, pid), t, 1) < P[P_GAP_TO_JOB]:
                        I[i, KIND] = K_INDUSTRY if uniform_at(agent_hash(ktr, pid), t, 2) < 0.6 else K_NONPROFIT
                        _move(I, LOG, nlog, i, t, CONTRIBUTOR, E_GAP_TO_JOB)
                        s = CONTRIBUTOR
                    else:
                        I[i, EXIT_REASON] = R_FUNDING
                        I[i, EXIT_TICK] = t
                        _move(I, LOG, nlog, i, t, EXITED, E_EXIT)
                        I[i, FLAGS] = flags
                        OUTF[i] = 0
                        continue
            elif s == CONTRIBUTOR and (flags & F_PHD_INTENT) != 0 and (flags & F_HAS_PHD) == 0:
                blocked = I[i, KIND] == K_INDUSTRY and (flags & F_REFUSE_PAY) != 0
                tenure = (t - I[i, SINCE]) / TICKS_PER_YEAR
                if not blocked and tenure >= 1.0 and I[i, ATTEMPTS] == 0:
                    planned = P[P_C_PLANNED]
                    go = False
                    if planned > 0.0:
                        go = tenure >= planned
                    else:
                        go = uniform_at(agent_hash(ktr, pid), t, 3) < p_to_phd
                    if go:
                        _move(I, LOG, nlog, i, t, APPLICANT, E_TO_PHD)
                        s = APPLICANT
            # ---------------------------------------------------------------- exits (competing risks)
            if P[P_EXITS_ON] > 0.5 and UH[j] < u_safe:
                x_burn = P[P_BURNOUT_SENS] * (W_MID - F[i, WELL])
                x_leave = P[P_LEAVE_SENS] * (W_MID - F[i, MOTIV])
                h_wait = 0.0
                if I[i, WAIT_SINCE] >= 0 and t - I[i, WAIT_SINCE] >= TICKS_PER_YEAR:
                    h_wait = P[P_WAIT_LEAVE]
                u = UH[j]
                h_burn = h_other = h = 0.0
                # Most months nobody leaves: 1 - exp(-h*DT) <= h*DT, and h is bounded above by
                # exps tabulated on a grid, so a uniform above that bound is no exit without
                # computing any exp. Otherwise the exact hazards decide, as they always would.
                h_other_hi = P[P_LEAD_EXIT] if s == LEAD else P[P_LEAVE] * leave_mult * _exp_above(EXPHI, x_leave)
                h_hi = (P[P_BURNOUT] * _exp_above(EXPHI, x_burn) + h_other_hi + h_wait) * (1.0 + 1e-9)
                if u >= h_hi * DT + 1e-15:
                    exits = False
                else:
                    h_burn = P[P_BURNOUT] * np.exp(x_burn)
                    if s == LEAD:
                        h_other = P[P_LEAD_EXIT]
                    else:
                        h_other = P[P_LEAVE] * leave_mult * np.exp(x_leave)
                    h = h_burn + h_other + h_wait
                    exits = u < 1.0 - np.exp(-h * DT)
                if exits:
                    v = uniform_at(agent_hash(khz, pid), t, 1) * h
                    if v < h_burn:
                        reason = R_BURNOUT
                    elif v < h_burn + h_other:
                        reason = R_OTHER_WORK
                    else:
                        reason = R_NO_OPENING
                    flags &= ~(F_WANTS_GRANT | F_PENDING)
                    if s == PHD:
                        adv_load[I[i, ADVISOR]] -= 1
                    I[i, EXIT_REASON] = reason
                    I[i, EXIT_TICK] = t
                    I[i, WAIT_SINCE] = -1
                    _move(I, LOG, nlog, i, t, EXITED, E_EXIT)
            I[i, FLAGS] = flags
            # ---------------------------------------------------------------- statistics
            s = I[i, STATE]
            if s != EXITED:
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
                if (s == INDEPENDENT or (s == LEAD and I[i, LEAD_SRC] == S_SMALL_FUNDER)) and I[i, FUND_END] > t:
                    stats[ST_FUNDED] += 1
                if (flags & F_WANTS_GRANT) != 0 and (flags & F_PENDING) == 0:
                    out |= OUT_WANTS
                    stats[ST_WANTS] += 1
                OUTF[i] = out
            else:
                OUTF[i] = 0
    # the next month's visiting order: group by group (each group filled in this
    # month's visiting order, which keeps it much as it was)
    k = 0
    for c in range(NCLS):
        for x in range(ncls[c]):
            vis[k] = VB[c, x]
            k += 1
    nvis[0] = k
    # the lists in row order: those still in the field, the lead-ready, those wanting a grant
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
    _sort_log(LOG, log0, nlog[0])
