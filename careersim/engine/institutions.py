"""The field's institutions: they hand out scarce capacity each round.

Each institution keeps its own queue or pool and resolves contention for all
its applicants at once with vector operations:

* :class:`Admissions` - a yearly round; applicants ranked by portfolio take the
  free advisor slots, best applicant to best advisor;
* :class:`GrantOffice` - a FIFO queue served by ``c`` reviewers with random
  review times (an M/M/c queue when arrivals are Poisson and review times
  exponential), then a decision delay, then a decision limited by money;
* :class:`Programme` - mentorship cohorts with limited places, competed for by
  insiders and applicants from outside the simulated population;
* :class:`Hiring` - quarterly rounds filling lead openings from each source of
  M7, each selecting on its own criteria among ready candidates.

Queues and waits come out of the contention; nothing here is a fixed delay
standing in for a queue.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from scipy.special import ndtri

from careersim.core.rng import uniform, uniforms

from careersim.core.clock import TICKS_PER_QUARTER, TICKS_PER_YEAR
from careersim.engine.kernel import NCLS, ST_READY, ST_WANTS, move_counted
from careersim.core.codes import (APPLICANT, CONTRIBUTOR, E_ADMITTED, E_FUNDED, E_HIRED, E_NOT_ADMITTED, INDEPENDENT, LEAD, PHD, S_ACADEMIA, S_ADJACENT, S_AGNOSTIC, S_AUTONOMY, S_BIG_RFP, S_SMALL_FUNDER, UNFUNDED)
from careersim.core.codes import (K_ACADEMIC, K_INDUSTRY)
from careersim.engine.layout import (ADVISOR, APPLY_AT, ATTEMPTS, EVL, EXE, F_COLLAB, F_EVER_PHD, F_FOCUS, F_HAS_PHD, F_PENDING, F_PROGRAMME, F_REFUSE_PAY, F_SAFE_ADVISOR, F_WANTS_GRANT, FIRST_FUNDED, FLAGS, FUND_END, GEN, IMP, KIND, LEAD_SRC, LEAD_TICK, LEGIB, LETTERS, PHD_END, PHD_START, PID, PROG_END, READY, RECORD, REJECTIONS, SINCE, STATE, WAIT_SINCE)


class World:
    """Shared state of one replication: agents, advisors, live parameters, log."""

    def __init__(self, agents, advisors, live, streams, total_ticks: int):
        self.F = agents.F
        self.I = agents.I
        self.n = 0  # researchers entered so far (a prefix of the rows)
        self.n_initial = agents.n_initial
        self.entry_ticks = agents.entry_ticks
        self.adv = advisors
        self.live = live
        self.streams = streams
        self.T = total_ticks
        cap = max(1024, 8 * len(self.I))
        self.LOG = np.zeros((cap, 5), dtype=np.int64)
        self.nlog = np.zeros(1, dtype=np.int64)
        # kept exact as states change: after each monthly step from the kernel's own
        # count, and by every move between steps
        self.counts = np.zeros(8, dtype=np.int64)
        self.counts[0] = len(self.I)
        # students per advisor: admissions add, graduations and PhD exits (in the kernel) remove
        self.adv_load = np.zeros(len(advisors.quality), dtype=np.int64)
        self.funded = 0  # researchers holding a grant, as of the last step plus later awards
        self.wants = np.zeros(len(self.I), dtype=np.int64)
        # rows of the lead-ready researchers after the monthly step, in row order: readiness
        # is only ever gained in the step, so hiring need not scan the whole field
        self.ready = np.zeros(len(self.I), dtype=np.int64)
        # rows of researchers in the field, increasing: intake appends, the monthly
        # step drops those who have left (rows moved to EXITED in between stay
        # listed until then, so users of the list check the state)
        self.act = np.zeros(len(self.I), dtype=np.int64)
        self.nact = np.zeros(1, dtype=np.int64)
        # the same rows in the order the monthly step visits them (grouped by what each
        # researcher does; see kernel.step), with the step's scratch space. Whoever rewrites
        # ``act`` other than by appending sets ``nvis[0] = 0``.
        self.vis = np.zeros(len(self.I), dtype=np.int64)
        self.nvis = np.zeros(1, dtype=np.int64)
        self.out_flags = np.zeros(len(self.I), dtype=np.int8)
        self.groups = np.empty((NCLS, len(self.I)), dtype=np.int64)
        self.stats = np.zeros(12, dtype=np.int64)

    def ensure_log(self, extra: int) -> None:
        need = int(self.nlog[0]) + extra
        if need > len(self.LOG):
            new = np.zeros((max(need, 2 * len(self.LOG)), 5), dtype=np.int64)
            new[: self.nlog[0]] = self.LOG[: self.nlog[0]]
            self.LOG = new

    def move(self, rows: np.ndarray, t: int, to_state, reason: int) -> None:
        """Change the state of ``rows`` and record each transition."""
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) == 0:
            return
        self.ensure_log(len(rows))
        k = int(self.nlog[0])
        blk = self.LOG[k : k + len(rows)]
        blk[:, 0] = rows
        blk[:, 1] = t
        blk[:, 2] = self.I[rows, STATE]
        blk[:, 3] = to_state
        blk[:, 4] = reason
        self.nlog[0] = k + len(rows)
        np.subtract.at(self.counts, blk[:, 2], 1)
        np.add.at(self.counts, blk[:, 3], 1)
        self.I[rows, STATE] = to_state
        self.I[rows, SINCE] = t

    def listed(self) -> np.ndarray:
        """Rows of researchers in the field (plus any who left since the last step), increasing."""
        return self.act[: self.nact[0]]

    def years(self, t: int) -> float:
        return t / TICKS_PER_YEAR


class Admissions:
    """Yearly PhD admissions: applicants ranked by portfolio, advisors by quality."""

    def __init__(self, world: World):
        self.w = world
        self.key = np.uint64(world.streams.key("admissions"))
        self.history: list[dict] = []

    def round(self, t: int) -> None:
        w, live = self.w, self.w.live
        apps, port, u = _phd_applicants(w.act, int(w.nact[0]), w.I, w.F, self.key, t)
        score = port + 0.1 * ndtri(u)
        w.ensure_log(len(apps))
        n_slots, k = _admit(apps, score, t, w.I, w.F, w.adv.quality, w.adv.safe, w.adv.active_from, w.adv_load,
                            int(round(live["phd.max_students"])), live["phd.min_portfolio"],
                            int(round(live["phd.duration"] * TICKS_PER_YEAR)), int(round(live["phd.max_attempts"])),
                            w.LOG, w.nlog, w.counts)
        self.history.append({"tick": t, "applicants": len(apps), "slots": n_slots, "admitted": k})


@njit(cache=True)
def _phd_applicants(act, n, I, F, key, t):
    """PhD applicants in row order, with their portfolios (publications, letters and
    skills, M4) and the uniforms of their admission noise."""
    rows = np.empty(n, dtype=np.int64)
    port = np.empty(n)
    u = np.empty(n)
    m = 0
    for j in range(n):
        r = act[j]
        if I[r, STATE] != APPLICANT:
            continue
        rows[m] = r
        m += 1
    for j in range(m):  # a second pass, as in _programme_applicants
        r = rows[j]
        port[j] = (0.15 * min(F[r, RECORD], 5.0) + 0.4 * F[r, LETTERS]
                   + 0.6 * F[r, EXE] + 0.5 * (F[r, GEN] + F[r, EVL]))
        u[j] = uniform(key, I[r, PID], t, 0)
    return rows[:m], port[:m], u[:m]


@njit(cache=True)
def _admit(apps, score, t, I, F, quality, safe, active_from, load, cap, min_portfolio, phd_ticks, max_attempts,
           LOG, nlog, counts):
    """The admission round: the free places of the advisors taking students at ``t``
    (``cap`` minus their ``load`` each), best advisor first, go to the applicants
    ``apps`` scoring at least ``min_portfolio``, best score first (ties in row order),
    best applicant to best advisor. Rejected applicants count an attempt; after
    ``max_attempts`` they take a contributor job, an academic RA post when their
    letters are good, else industry. Returns (places, admitted)."""
    n_slots = 0
    for a in range(len(active_from)):
        if active_from[a] <= t:
            n_slots += max(0, cap - load[a])
    slots = np.empty(n_slots, dtype=np.int64)
    m = 0
    for a in range(len(active_from)):
        if active_from[a] <= t:
            for _ in range(max(0, cap - load[a])):
                slots[m] = a
                m += 1
    slots = slots[np.argsort(-quality[slots], kind="mergesort")]
    order = np.argsort(-score, kind="mergesort")
    # the scores from best to worst: read through ``order`` (numba's sort is slow), which
    # gives what sorting them gives as long as none is NaN
    sorted_score = score[order]
    if np.isnan(sorted_score).any():
        sorted_score = np.sort(score)[::-1]
    n_eligible = 0
    for i in range(len(order)):
        if sorted_score[i] >= min_portfolio:
            n_eligible += 1
    k = min(n_eligible, n_slots)
    admitted = np.zeros(len(apps), dtype=np.bool_)
    m = 0
    for i in range(len(order)):
        if m == k:
            break
        if not sorted_score[i] >= min_portfolio:
            continue
        j = order[i]
        r, a = apps[j], slots[m]
        load[a] += 1
        I[r, ADVISOR] = a
        I[r, PHD_START] = t
        I[r, PHD_END] = t + phd_ticks
        I[r, FLAGS] |= F_EVER_PHD
        if safe[a] > 0:
            I[r, FLAGS] |= F_SAFE_ADVISOR
        move_counted(I, LOG, nlog, counts, r, t, PHD, E_ADMITTED)
        admitted[j] = True
        m += 1
    for j in range(len(apps)):  # the rejected, in row order
        if admitted[j]:
            continue
        r = apps[j]
        I[r, ATTEMPTS] += 1
        if I[r, ATTEMPTS] >= max_attempts:
            I[r, KIND] = K_ACADEMIC if F[r, LETTERS] >= 0.5 else K_INDUSTRY
            move_counted(I, LOG, nlog, counts, r, t, CONTRIBUTOR, E_NOT_ADMITTED)
    return n_slots, k


@njit(cache=True)
def serve_fifo(free_at, arrivals, service, until):
    """First-come-first-served with ``c = len(free_at)`` servers.

    ``free_at[j]`` is when server ``j`` is next free (updated in place).
    Customers, in arrival order, start at ``max(arrival, earliest free
    server)`` (the Kiefer-Wolfowitz recursion). Customers are started only
    while some server frees before ``until``; returns the start times of the
    customers served (a prefix of the queue).
    """
    starts = np.empty(len(arrivals))
    k = 0
    for i in range(len(arrivals)):
        j = np.argmin(free_at)
        if free_at[j] >= until:
            break
        st = max(arrivals[i], free_at[j])
        free_at[j] = st + service[i]
        starts[k] = st
        k += 1
    return starts[:k]


@njit(cache=True, inline="always")
def _on_grant_track(I, r):
    """Whether row ``r`` can hold a grant: independent, unfunded, or a small funder's lead."""
    st = I[r, STATE]
    return st == INDEPENDENT or st == UNFUNDED or (st == LEAD and I[r, LEAD_SRC] == S_SMALL_FUNDER)


# outcome codes of grant applications
G_FUNDED, G_REJECTED, G_NO_MONEY, G_WITHDRAWN, G_LEFT_QUEUE, G_OPEN = 1, 0, 2, -1, -2, -3


@njit(cache=True)
def _queue_step(t, I, wants, wants_service, Q, QR, S, P, PR, n, out, due_rows, free_at, delay, R, nrec):
    """The grant office's month, in place on its buffers.

    ``Q``/``QR`` hold the queue (submit time, review time / row), ``S`` the
    reviews under way (start, end), ``P``/``PR`` the pending decisions (decision
    time, submit time, start / row); ``n`` = (queued, in review, pending).

    1. New applications (``wants`` without one already pending, with review
       times ``wants_service``) join the queue, in id order.
    2. Queued applications whose applicant left the track are dropped: each is
       recorded as withdrawn before review in ``R[nrec[0]:]`` (row, submit, no
       start, decided now, outcome), advancing ``nrec[0]``. Reviewers start on
       the rest FIFO.
    3. Reviewer time spent in the month ``[t, t + 4)`` is written per review to
       ``out[:, 0]`` (for the caller's pairwise sum); started reviews become
       pending decisions; decisions due by ``t`` are taken out in order of
       decision time into ``due_rows`` / ``out[:, 1:3]`` (row / submit, start).

    Returns (reviews measured, decisions due). The caller makes the buffers
    large enough (queued + in review + pending + len(wants) rows, and as many
    free rows in ``R``).
    """
    nq, ns, npd = n[0], n[1], n[2]
    for j in range(len(wants)):
        r = wants[j]
        if (I[r, FLAGS] & F_PENDING) == 0:
            I[r, FLAGS] = (I[r, FLAGS] & ~F_WANTS_GRANT) | F_PENDING
            QR[nq] = r
            Q[nq, 0] = float(t)
            Q[nq, 1] = wants_service[j]
            nq += 1
    kept = 0
    for j in range(nq):
        r = QR[j]
        if _on_grant_track(I, r):
            QR[kept] = r
            Q[kept, 0] = Q[j, 0]
            Q[kept, 1] = Q[j, 1]
            kept += 1
        else:
            k = nrec[0]
            R[k, 0], R[k, 1], R[k, 2], R[k, 3], R[k, 4] = r, Q[j, 0], np.nan, t, G_LEFT_QUEUE
            nrec[0] = k + 1
    nq = kept
    horizon = float(t + 4)
    starts = serve_fifo(free_at, Q[:nq, 0], Q[:nq, 1], horizon)
    k = len(starts)
    # reviewer time in the month: reviews under way first, then those just started
    n_spent = 0
    kept = 0
    for j in range(ns + k):
        if j < ns:
            st0, en = S[j, 0], S[j, 1]
        else:
            st0 = starts[j - ns]
            en = st0 + Q[j - ns, 1]
        out[n_spent, 0] = max(min(en, horizon) - max(st0, float(t)), 0.0)
        n_spent += 1
        if en > horizon:
            S[kept, 0] = st0
            S[kept, 1] = en
            kept += 1
    ns = kept
    for j in range(k):  # started reviews become pending decisions
        P[npd, 0] = starts[j] + Q[j, 1] + delay
        P[npd, 1] = Q[j, 0]
        P[npd, 2] = starts[j]
        PR[npd] = QR[j]
        npd += 1
    for j in range(k, nq):  # the queue moves up
        QR[j - k] = QR[j]
        Q[j - k, 0] = Q[j, 0]
        Q[j - k, 1] = Q[j, 1]
    nq -= k
    due = np.flatnonzero(P[:npd, 0] <= t)
    due = due[np.argsort(P[due, 0], kind="mergesort")]
    for j in range(len(due)):
        d = due[j]
        due_rows[j] = PR[d]
        out[j, 1] = P[d, 1]
        out[j, 2] = P[d, 2]
    kept = 0
    for j in range(npd):
        if P[j, 0] > t:
            P[kept, 0], P[kept, 1], P[kept, 2] = P[j, 0], P[j, 1], P[j, 2]
            PR[kept] = PR[j]
            kept += 1
    n[0], n[1], n[2] = nq, ns, kept
    return n_spent, len(due)


class GrantOffice:
    """Grant applications queue for ``c`` reviewers; decisions follow a delay.

    Applications join a FIFO queue at the monthly round; reviewers take them
    as they free up (review times exponential, or fixed); a decision follows
    ``decision_delay`` after the review. A decision funds the applicant with
    a chance set by track record, legibility and focus, if the money allows:
    the budget is the number of researchers the funders can pay at once.
    """

    def __init__(self, world: World):
        self.w = world
        self.free_at: np.ndarray = np.zeros(0)  # when each reviewer is next free (ticks)
        # the queue (submit, review time; row), reviews under way (start, end) and pending
        # decisions (decision time, submit, start; row), in buffers with counts in ``n``
        self.n = np.zeros(3, dtype=np.int64)
        self._grow(64)
        self.key = np.uint64(world.streams.key("grants"))
        # applications decided or withdrawn so far: (row, submit, start, decided, outcome)
        self.R = np.zeros((256, 5))
        self.nrec = np.zeros(1, dtype=np.int64)
        # one row per month: tick, queue, in review or decision, decided, accepted, money short,
        # funded (``_ms_i``); reviewer utilisation, budget (``_ms_f``)
        self.nmonth = 0
        months = world.T // 4 + 2
        self._ms_i = np.zeros((months, 7), dtype=np.int64)
        self._ms_f = np.zeros((months, 2))
        # review times of the month's would-be applicants (the step lists at most everyone)
        self._service = np.zeros(len(world.I))
        # settings derived from the live parameters, kept until they change (``_configure``):
        # decision delay (ticks), logit of the base acceptance, legibility, focus and record
        # weights, mean review time (ticks); grant length, reapply delay (ticks), whether small
        # funders' leads come through the queue, whether review times are fixed
        self._version = -1
        self._cfg_f = np.zeros(6)
        self._cfg_i = np.zeros(4, dtype=np.int64)
        self._budget0 = self._budget_factor = math.nan

    def _grow(self, cap: int) -> None:
        """Buffers for at least ``cap`` applications at each stage (contents kept)."""
        old = getattr(self, "Q", None)
        nq, ns, npd = (int(x) for x in self.n)
        Q, QR, S = np.zeros((cap, 2)), np.zeros(cap, dtype=np.int64), np.zeros((cap, 2))
        P, PR = np.zeros((cap, 3)), np.zeros(cap, dtype=np.int64)
        if old is not None:
            Q[:nq], QR[:nq], S[:ns], P[:npd], PR[:npd] = self.Q[:nq], self.QR[:nq], self.S[:ns], self.P[:npd], self.PR[:npd]
        self.Q, self.QR, self.S, self.P, self.PR = Q, QR, S, P, PR
        self.out, self.due_rows = np.zeros((cap, 3)), np.zeros(cap, dtype=np.int64)

    # the open applications, as views of the buffers
    q_row = property(lambda self: self.QR[: self.n[0]])
    q_submit = property(lambda self: self.Q[: self.n[0], 0])
    p_dec = property(lambda self: self.P[: self.n[2], 0])
    p_row = property(lambda self: self.PR[: self.n[2]])
    p_submit = property(lambda self: self.P[: self.n[2], 1])
    p_start = property(lambda self: self.P[: self.n[2], 2])

    def _resize(self, t: int) -> None:
        c = max(1, int(round(self.w.live["grants.reviewers"])))
        if len(self.free_at) < c:
            self.free_at = np.concatenate([self.free_at, np.full(c - len(self.free_at), float(t))])
        elif len(self.free_at) > c:
            self.free_at = np.sort(self.free_at)[:c]

    def budget(self, t: int) -> float:
        """The number of researchers the funders can pay at once at tick ``t`` (the budget
        growing yearly), from the settings taken up by :meth:`_configure`."""
        return self._budget0 * self._budget_factor ** (t / TICKS_PER_YEAR)

    def expected_wait(self, t: int) -> float:
        """Current expected time (years) from application to decision: what a
        calibrated funder would announce."""
        c = len(self.free_at)
        backlog = float(np.mean(np.maximum(self.free_at - t, 0.0))) if c else 0.0
        queued = len(self.q_row) * self.w.live["grants.review_time"] * TICKS_PER_YEAR / max(c, 1)
        return (backlog + queued) / TICKS_PER_YEAR + self.w.live["grants.review_time"] + self.w.live["grants.decision_delay"]

    def _grow_records(self, extra: int) -> None:
        """Room for ``extra`` more records."""
        k = int(self.nrec[0])
        if k + extra > len(self.R):
            R = np.zeros((max(k + extra, 2 * len(self.R)), 5))
            R[:k] = self.R[:k]
            self.R = R

    def applications(self) -> np.ndarray:
        """All applications so far, including those still open."""
        open_q = np.column_stack([self.q_row, self.q_submit, np.full(len(self.q_row), np.nan),
                                  np.full(len(self.q_row), np.nan), np.full(len(self.q_row), G_OPEN)])
        open_p = np.column_stack([self.p_row, self.p_submit, self.p_start,
                                  np.full(len(self.p_row), np.nan), np.full(len(self.p_row), G_OPEN)])
        return np.concatenate([self.R[: self.nrec[0]], open_q, open_p])

    def _configure(self, t: int) -> None:
        """Take up the live parameters as they are now: the number of reviewers (new
        ones free from ``t``) and the settings each round passes to the compiled month."""
        live = self.w.live
        self._version = live.version
        self._resize(t)
        base = live["grants.base_acceptance"]
        logit0 = math.log(base / max(1e-9, 1.0 - base)) if 0 < base < 1 else (50.0 if base >= 1 else -50.0)
        self._cfg_f[:] = (live["grants.decision_delay"] * TICKS_PER_YEAR, logit0, live["grants.legibility_weight"],
                          live["grants.focus_weight"], live["grants.record_weight"],
                          live["grants.review_time"] * TICKS_PER_YEAR)
        self._cfg_i[:] = (int(round(live["grants.grant_length"] * TICKS_PER_YEAR)),
                          int(round(live["grants.reapply_delay"] * TICKS_PER_YEAR)),
                          live["positions.small_funder_leads"] == "queue", live["grants.review_time_shape"] == "fixed")
        self._budget0, self._budget_factor = live["grants.budget"], 1.0 + live["grants.budget_growth"]

    def round(self, t: int) -> None:
        w = self.w
        if w.live.version != self._version:
            self._configure(t)
        # 1. new applications join the queue in id order (review times drawn for every
        # would-be applicant: counter-based draws, so extra ones change nothing)
        nw = int(w.stats[ST_WANTS])
        wants = w.wants[:nw]  # collected by the monthly step, in id order
        service = self._service[:nw]
        if not self._cfg_i[3]:  # exponential review times, drawn from the application's own uniform
            row_uniforms_into(self.key, wants, w.I, t, 0, service)
            np.log(service, out=service)  # numpy's log, as the draws have always used; the month scales them
        # 2. purge applicants who left while waiting, then reviewers take applications FIFO;
        # 3. decisions whose time has come, in order of decision time, limited by money
        budget = self.budget(t)
        m = self.nmonth
        if m == len(self._ms_i):
            self._ms_i = np.concatenate([self._ms_i, np.zeros_like(self._ms_i)])
            self._ms_f = np.concatenate([self._ms_f, np.zeros_like(self._ms_f)])
        while True:
            short = _grant_month(t, w.I, w.F, wants, service, self.Q, self.QR, self.S, self.P, self.PR, self.n, self.out,
                                 self.due_rows, self.free_at, self.R, self.nrec, self.key, self._cfg_f, self._cfg_i,
                                 w.LOG, w.nlog, w.counts, self._ms_i, self._ms_f, m, w.funded, budget)
            if short == 0:
                break
            # not enough room in the buffers: nothing was done; make room and go again
            if short > len(self.QR):
                self._grow(max(short, 2 * len(self.QR)))
            self._grow_records(short)
            w.ensure_log(2 * short)  # decisions are at most every open application
        w.funded = int(self._ms_i[m, 6])
        self.nmonth = m + 1

    def last_month(self) -> dict:
        """The latest month's record (empty before the first round)."""
        if self.nmonth == 0:
            return {}
        m = self.nmonth - 1
        i = self._ms_i[m]
        return {"queue": int(i[1]), "in_review_or_decision": int(i[2]), "funded": int(i[6]),
                "reviewer_busy": float(self._ms_f[m, 0]), "budget": float(self._ms_f[m, 1])}

    def month_columns(self) -> dict[str, np.ndarray]:
        """The monthly records as columns: tick, queue length, applications in review or
        awaiting a decision, reviewer utilisation, decisions, acceptances, refusals for lack
        of money, researchers funded, budget."""
        i, f = self._ms_i[: self.nmonth], self._ms_f[: self.nmonth]
        return {"tick": i[:, 0].copy(), "queue": i[:, 1].copy(), "in_review_or_decision": i[:, 2].copy(),
                "reviewer_busy": f[:, 0].copy(), "decided": i[:, 3].copy(), "accepted": i[:, 4].copy(),
                "money_short": i[:, 5].copy(), "funded": i[:, 6].copy(), "budget": f[:, 1].copy()}


@njit(cache=True)
def row_uniforms_into(key, rows, I, tick, slot, out):
    """:func:`careersim.core.rng.uniform` for the people in ``rows`` of ``I``, written to ``out``."""
    for j in range(len(rows)):
        out[j] = uniform(key, I[rows[j], PID], tick, slot)


@njit(cache=True)
def _grant_month(t, I, F, wants, service, Q, QR, S, P, PR, n, out, due_rows, free_at, R, nrec, key, cfg_f, cfg_i,
                 LOG, nlog, counts, ms_i, ms_f, m, funded, budget):
    """The grant office's month: :func:`_queue_step`, then :func:`_decide_and_award` on the
    decisions due. ``service`` holds the logs of the review-time uniforms of ``wants``
    (scaled here by minus the mean review time), unless review times are fixed.
    ``cfg_f`` and ``cfg_i`` are the settings of :meth:`GrantOffice._configure`.
    ``funded`` researchers held a grant before the month's awards, ``budget`` is the
    month's money. The month's record goes to row ``m`` of ``ms_i`` (tick, queue, in
    review or awaiting a decision, decided, accepted, refused for lack of money, holding
    a grant after the awards) and ``ms_f`` (reviewer utilisation, budget).

    Returns 0, or, doing nothing, the number of applications the buffers, the records
    and the log must have room for when they have not."""
    need = n[0] + n[1] + n[2] + len(wants)
    if need > len(QR) or nrec[0] + need > len(R) or nlog[0] + 2 * need > len(LOG):
        return need
    delay, logit0, leg_w, focus_w, rec_w, mean = cfg_f[0], cfg_f[1], cfg_f[2], cfg_f[3], cfg_f[4], cfg_f[5]
    length, reapply, queue_leads, fixed = cfg_i[0], cfg_i[1], cfg_i[2] != 0, cfg_i[3] != 0
    neg_mean = -mean
    for j in range(len(wants)):
        service[j] = mean if fixed else service[j] * neg_mean
    n_spent, n_due = _queue_step(t, I, wants, service, Q, QR, S, P, PR, n, out, due_rows, free_at, delay, R, nrec)
    busy = pairwise_sum(out[:n_spent, 0])
    n_fund = n_short = n_new = 0
    if n_due:
        n_fund, n_short, n_new = _decide_and_award(due_rows[:n_due], out[:n_due, 1:3], t, I, F, key, logit0, leg_w,
                                                   focus_w, rec_w, budget - funded, length, reapply, queue_leads, LOG,
                                                   nlog, counts, R, nrec)
    ms_i[m, 0], ms_i[m, 1], ms_i[m, 2], ms_i[m, 3] = t, n[0], n[2], n_due
    ms_i[m, 4], ms_i[m, 5], ms_i[m, 6] = n_fund, n_short, funded + n_new
    ms_f[m, 0] = busy / (4.0 * len(free_at))
    ms_f[m, 1] = budget
    return 0


@njit(cache=True, inline="always")
def _pairwise_block(a, lo, n):
    """numpy's sum of a block of at most 128 values: eight accumulators over runs of
    eight, then the rest one by one (below eight values, one by one)."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    end = n - n % 8
    while i < end:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True)
def pairwise_sum(a):
    """The sum of ``a`` by pairwise summation in numpy's order, so it gives what
    ``a.sum()`` gives, inside compiled code: a range of more than 128 values is split
    in two halves (the first a multiple of eight long) and their sums added; smaller
    ranges are summed by :func:`_pairwise_block`. The recursion is written out with
    explicit stacks (numba's cached code does not support recursive functions)."""
    los = np.empty(64, dtype=np.int64)
    ns = np.empty(64, dtype=np.int64)
    stage = np.empty(64, dtype=np.int64)  # 0: split next; 1: left half done; 2: both halves done
    vals = np.empty(64)
    top = 0
    nv = 0
    los[0], ns[0], stage[0] = 0, len(a), 0
    while top >= 0:
        lo, n = los[top], ns[top]
        if n <= 128:
            vals[nv] = _pairwise_block(a, lo, n)
            nv += 1
            top -= 1
            continue
        half = n // 2
        half -= half % 8
        if stage[top] == 0:
            stage[top] = 1
            top += 1
            los[top], ns[top], stage[top] = lo, half, 0
        elif stage[top] == 1:
            stage[top] = 2
            top += 1
            los[top], ns[top], stage[top] = lo + half, n - half, 0
        else:
            nv -= 1
            vals[nv - 1] = vals[nv - 1] + vals[nv]
            top -= 1
    return 0.0 + vals[0]


@njit(cache=True)
def _acceptance(I, F, r, logit0, leg_w, focus_w, rec_w):
    """Chance a funder says yes: track record, legibility, focus and skills (M5)."""
    focus = 1.0 if (I[r, FLAGS] & F_FOCUS) != 0 else 0.0
    logit = (logit0 + leg_w * (F[r, LEGIB] - 0.4) * 2.0 + focus_w * (focus - 0.45)
             + rec_w * (min(F[r, RECORD], 5.0) - 1.0) + 2.0 * (F[r, GEN] + F[r, EVL] - 0.4))
    return 1.0 / (1.0 + np.exp(-logit))


@njit(cache=True)
def _decide_and_award(rows, times, t, I, F, key, logit0, leg_w, focus_w, rec_w, room, length, reapply, queue_leads,
                      LOG, nlog, counts, R, nrec):
    """Decisions in order: a yes funds the applicant while the money has room (renewals
    keep their place); the funded get their grant, and with ``queue_leads`` a ready
    independent researcher holds a lead role while funded. Each application (row;
    submit and start times in ``times``) is recorded in ``R[nrec[0]:]`` with its
    outcome; returns (funded, refused for lack of money, newly holding a grant)."""
    n = len(rows)
    k0 = nrec[0]
    out = R[k0 : k0 + n, 4]
    fund = np.zeros(n, dtype=np.bool_)
    need_so_far = 0
    n_fund = n_short = n_new = 0
    for j in range(n):
        r = rows[j]
        I[r, FLAGS] &= ~F_PENDING
        eligible = _on_grant_track(I, r)
        yes = eligible and uniform(key, I[r, PID], t, 1) < _acceptance(I, F, r, logit0, leg_w, focus_w, rec_w)
        already = I[r, FUND_END] > t
        short = False
        if yes and not already:
            need_so_far += 1
            short = not (need_so_far <= room + 1e-9)
        if not eligible:
            out[j] = G_WITHDRAWN
        elif yes and not short:
            out[j] = G_FUNDED
            fund[j] = True
            n_fund += 1
            if not already:
                n_new += 1
        elif short:
            out[j] = G_NO_MONEY
            n_short += 1
        else:
            out[j] = G_REJECTED
        R[k0 + j, 0], R[k0 + j, 1], R[k0 + j, 2], R[k0 + j, 3] = r, times[j, 0], times[j, 1], t
        if eligible and not fund[j]:
            I[r, REJECTIONS] += 1
            I[r, APPLY_AT] = t + reapply
    for j in range(n):  # the awards
        if fund[j]:
            r = rows[j]
            I[r, FUND_END] = max(I[r, FUND_END], t) + length
            I[r, REJECTIONS] = 0
            if I[r, FIRST_FUNDED] < 0:
                I[r, FIRST_FUNDED] = t
    if queue_leads:  # a ready researcher funded through the shared queue holds a lead role while funded
        for j in range(n):
            r = rows[j]
            st = I[r, STATE]
            if fund[j] and (st == INDEPENDENT or st == UNFUNDED) and I[r, READY] >= 0:
                I[r, LEAD_SRC] = S_SMALL_FUNDER
                if I[r, LEAD_TICK] < 0:
                    I[r, LEAD_TICK] = t
                I[r, WAIT_SINCE] = -1
                move_counted(I, LOG, nlog, counts, r, t, LEAD, E_HIRED)
    for j in range(n):
        r = rows[j]
        if fund[j] and I[r, STATE] == UNFUNDED:
            move_counted(I, LOG, nlog, counts, r, t, INDEPENDENT, E_FUNDED)
    nrec[0] = k0 + n
    return n_fund, n_short, n_new


class Programme:
    """Mentorship-programme cohorts with limited places."""

    def __init__(self, world: World):
        self.w = world
        self.key = np.uint64(world.streams.key("programme"))
        self.history: list[dict] = []
        # one generator for the outside applicants, set for each cohort to the state a new
        # ``generator("programme", t)`` would start in; the states of a cohort's rounds,
        # a year apart, are worked out together at its first round
        self._gen: np.random.Generator | None = None
        self._states: dict[int, dict] = {}

    def round(self, t: int) -> None:
        w, I, live = self.w, self.w.I, self.w.live
        apps, skill, u = _programme_applicants(w.act, int(w.nact[0]), I, w.F, self.key, t,
                                               live["programme.apply_independent"], live["programme.apply_other"])
        places = int(round(live["programme.places"]))
        n_out = int(round(live["programme.outside_applicants"]))
        z = ndtri(u, out=u)  # the selection noise; the admission adds it to the skill scores
        if n_out > 0 and len(apps) > 0:
            # outside applicants resemble insiders: an insider's score drawn with replacement
            # (the draws of ``gen.choice(score, n_out)``), plus noise
            if t not in self._states:
                ticks = range(t, max(t + 1, w.T), TICKS_PER_YEAR)
                self._states.update(zip(ticks, w.streams.generator_states("programme", list(ticks))))
            if self._gen is None:
                self._gen = np.random.Generator(np.random.PCG64(0))
            gen = self._gen
            gen.bit_generator.state = self._states.pop(t)
            like = gen.integers(0, len(apps), size=n_out, dtype=np.int64)
            noise = gen.standard_normal(n_out)
        else:
            like, noise = np.zeros(0, dtype=np.int64), np.zeros(0)
        admitted = _programme_admit(apps, skill, z, like, noise, places, I, self.key, t,
                                    t + int(round(live["programme.duration"] * TICKS_PER_YEAR)),
                                    live["programme.alumni_collaboration"])
        self.history.append({"tick": t, "applicants": len(apps) + n_out, "insiders": len(apps),
                             "places": places, "admitted": admitted,
                             "filled": min(places, len(apps) + n_out)})


@njit(cache=True)
def _programme_applicants(act, n, I, F, key, t, apply_independent, apply_other):
    """Researchers (independent, unfunded, PhD students, contributors) not in a cohort
    now who apply this round: independents with chance ``apply_independent``,
    others with ``apply_other``; in row order. Returns their rows, skill scores and
    the uniforms of their selection noise."""
    rows = np.empty(n, dtype=np.int64)
    skill = np.empty(n)
    u = np.empty(n)
    m = 0
    for j in range(n):  # without branches: everyone's draw is made, and kept only for those who may apply
        r = act[j]
        st = I[r, STATE]
        independent = (st == INDEPENDENT) | (st == UNFUNDED)
        may = (independent | (st == PHD) | (st == CONTRIBUTOR)) & (I[r, PROG_END] < t)
        chance = apply_independent if independent else apply_other
        rows[m] = r
        m += may & (uniform(key, I[r, PID], t, 0) < chance)
    # the applicants' scores in a second pass: the scan above stays short, which
    # keeps many rows' loads in flight when the table is not in cache
    for j in range(m):
        r = rows[j]
        skill[j] = _skill_sum(F, r, 0.05, 5.0)
        u[j] = uniform(key, I[r, PID], t, 1)
    return rows[:m], skill[:m], u[:m]


@njit(cache=True)
def _programme_admit(apps, skill, z, like, noise, places, I, key, t, end, collab_share):
    """Fill ``places`` among the insiders ``apps`` (scores ``skill + 0.15 * z``, written
    back to ``skill``) and the outside applicants (scores ``score[like] + 0.05 * noise``):
    the insiders scoring at least the ``places``-th best score of all take a place, in row
    order, up to ``places``. Each admitted insider is in the cohort until ``end`` and
    finds a collaborator with chance ``collab_share``. Returns the number admitted."""
    n = len(apps)
    m = n + len(like)
    score = skill
    for j in range(n):
        score[j] = skill[j] + 0.15 * z[j]
    if places <= 0 or n == 0:
        return 0
    if places >= m:
        cut = -np.inf
    else:
        allscores = np.empty(m)
        allscores[:n] = score
        for i in range(len(like)):
            allscores[n + i] = score[like[i]] + 0.05 * noise[i]
        cut = np.partition(allscores, m - places)[m - places]
    k = 0
    for j in range(n):
        if k == places:
            break
        if places < m and not score[j] >= cut:
            continue
        r = apps[j]
        I[r, PROG_END] = end
        I[r, FLAGS] |= F_PROGRAMME
        if uniform(key, I[r, PID], t, 2) < collab_share:
            I[r, FLAGS] |= F_COLLAB
        k += 1
    return k


@njit(cache=True)
def _lead_candidates(ready, n, I, F, key, t, final_year_rule, credential_w, letter_w):
    """Of the lead-ready rows ``ready[:n]`` (in row order), those who may take a lead
    role: independent, unfunded or contributors, and PhD students in their final year
    when ``final_year_rule``.
    Returns their rows, every lead source's base score before the candidate's noise
    (skills, track record, a PhD and letters) and the uniforms of that noise."""
    rows = np.empty(n, dtype=np.int64)
    base = np.empty(n)
    u = np.empty(n)
    m = 0
    for j in range(n):
        r = ready[j]
        st = I[r, STATE]
        if not (st == INDEPENDENT or st == UNFUNDED or st == CONTRIBUTOR or st == PHD) or I[r, READY] < 0:
            continue
        if st == PHD and not (final_year_rule and t >= I[r, PHD_END] - TICKS_PER_YEAR):
            continue
        rows[m] = r
        m += 1
    for j in range(m):  # a second pass, as in _programme_applicants
        r = rows[j]
        phd = 1.0 if (I[r, FLAGS] & F_HAS_PHD) != 0 else 0.0
        base[j] = _skill_sum(F, r, 0.03, 10.0) + credential_w * phd + letter_w * F[r, LETTERS]
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
SOURCE_CODES = np.array([code for _, code in HIRING_SOURCES], dtype=np.int64)
HIRING_COLUMNS = ("tick", "candidates", "vacancies", "filled") + tuple(f"filled_{name}" for name, _ in HIRING_SOURCES)


class Hiring:
    """Quarterly hiring rounds for lead openings from each source of M7.

    Each source accrues openings at its yearly rate (growing with the field); an
    opening stays open for ``positions.vacancy_life`` and the soonest to expire are
    filled first. The openings of a source are kept as groups opened in the same round
    (expiry tick, number open); the round's record is a row of ``_rec``."""

    def __init__(self, world: World):
        self.w = world
        self.key = np.uint64(world.streams.key("hiring"))
        self.accrued = np.zeros(len(HIRING_SOURCES))  # openings accrued but not yet whole, by source
        rounds = world.T // TICKS_PER_QUARTER + 2  # at most one group of openings per source and round
        self._expiry = np.zeros((len(HIRING_SOURCES), rounds), dtype=np.int64)
        self._open = np.zeros((len(HIRING_SOURCES), rounds), dtype=np.int64)
        self._groups = np.zeros(len(HIRING_SOURCES), dtype=np.int64)
        self._rates = np.zeros(len(HIRING_SOURCES))
        self._rate_paths = [f"positions.{name}" for name, _ in HIRING_SOURCES]
        self._rec = np.zeros((rounds, len(HIRING_COLUMNS)), dtype=np.int64)
        self.nround = 0
        self.n_open = 0  # openings open after the latest round, over all sources

    def candidates(self, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows of the ready candidates, their common base scores and noise uniforms."""
        w, live = self.w, self.w.live
        return _lead_candidates(w.ready, int(w.stats[ST_READY]), w.I, w.F, self.key, t, live["x.lead_rule_final"] > 0.5,
                                live["positions.credential_weight"], live["positions.letter_weight"])

    def round(self, t: int) -> None:
        w, live = self.w, self.w.live
        growth = (1.0 + live["positions.growth"]) ** (t / TICKS_PER_YEAR)
        life = int(round(live["positions.vacancy_life"] * TICKS_PER_YEAR))
        rates = self._rates
        for i, path in enumerate(self._rate_paths):
            rates[i] = live[path]
        pool, common, u = self.candidates(t)
        base = common + 0.1 * ndtri(u)
        w.ensure_log(len(pool))  # each candidate is hired at most once
        self.n_open = _hiring_round(t, growth, life, live["positions.small_funder_leads"] == "queue", rates,
                                    self.accrued, self._expiry, self._open, self._groups, pool, base, w.I, w.F,
                                    w.adv_load, self.key, live["positions.adjacency"],
                                    live["positions.focus_required"] > 0.5, w.LOG, w.nlog, w.counts,
                                    self._rec[self.nround])
        self.nround += 1

    def columns(self) -> dict[str, np.ndarray]:
        """The rounds' records as columns: tick, candidates, openings (open at the round,
        filled ones included), filled, and filled per source (none before the first round)."""
        if self.nround == 0:
            return {}
        rec = self._rec[: self.nround]
        return {name: rec[:, j].copy() for j, name in enumerate(HIRING_COLUMNS)}


@njit(cache=True)
def _hiring_round(t, growth, life, small_funder_queued, rates, accrued, expiry, n_open, groups, pool, base, I, F,
                  adv_load, key, adjacency, focus_required, LOG, nlog, counts, rec):
    """A hiring round. Each source (but the small funders when they fund leads through
    the grant queue) accrues ``rates[i] * growth / 4`` openings, whole ones opening now
    until ``t + life``, and drops its expired ones; :func:`_hire` fills them from the
    candidates ``pool`` (scores ``base``), each source's soonest-expiring first. The
    round's record goes to ``rec`` (tick, candidates, openings, filled, filled by
    source); returns the number of openings left open."""
    ns = len(rates)
    openings = np.zeros(ns, dtype=np.int64)
    for i in range(ns):
        if not (small_funder_queued and SOURCE_CODES[i] == S_SMALL_FUNDER):
            accrued[i] += rates[i] * growth * 0.25
            new = math.floor(accrued[i] + 1e-9)
            accrued[i] -= new
            kept = 0
            for g in range(groups[i]):  # expired openings close
                if expiry[i, g] > t:
                    expiry[i, kept] = expiry[i, g]
                    n_open[i, kept] = n_open[i, g]
                    kept += 1
            if new > 0:
                expiry[i, kept] = t + life
                n_open[i, kept] = new
                kept += 1
            groups[i] = kept
        for g in range(groups[i]):
            openings[i] += n_open[i, g]
    hired = np.zeros(ns, dtype=np.int64)
    if len(pool) > 0 and openings.sum() > 0:
        _hire(SOURCE_CODES, openings, pool, base, I, F, adv_load, key, adjacency, focus_required, t, LOG, nlog, counts,
              hired)
    total = 0
    filled = 0
    for i in range(ns):
        total += openings[i]
        k = hired[i]
        filled += k
        while k > 0:  # the soonest-expiring openings are the ones filled
            best = 0
            for g in range(1, groups[i]):
                if expiry[i, g] < expiry[i, best]:
                    best = g
            take = min(k, n_open[i, best])
            n_open[i, best] -= take
            k -= take
            if n_open[i, best] == 0:
                groups[i] -= 1
                for g in range(best, groups[i]):
                    expiry[i, g] = expiry[i, g + 1]
                    n_open[i, g] = n_open[i, g + 1]
        rec[4 + i] = hired[i]
    rec[0], rec[1], rec[2], rec[3] = t, len(pool), total, filled
    return total - filled


@njit(cache=True, inline="always")
def _skill_sum(F, r, record_w, record_cap):
    return F[r, GEN] + F[r, EVL] + 0.5 * F[r, EXE] + record_w * min(F[r, RECORD], record_cap)


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
def _hire(codes, openings, pool, base, I, F, adv_load, key, adjacency, focus_required, t, LOG, nlog, counts, hired):
    """Fill up to ``openings[i]`` openings of each lead source ``codes[i]``, source by
    source, from the candidates ``pool``: each source takes among those not yet hired,
    by its own eligibility and score (M7), best first (ties in pool order). Writes the
    number hired per source to ``hired``."""
    n = len(pool)
    taken = np.zeros(n, dtype=np.bool_)
    idx = np.empty(n, dtype=np.int64)
    neg = np.empty(n)
    for i in range(len(codes)):
        code, nv = codes[i], openings[i]
        if nv == 0:
            continue
        m = 0
        for j in range(n):
            if taken[j]:
                continue
            r = pool[j]
            fl = I[r, FLAGS]
            score = base[j]
            if code == S_ACADEMIA:
                if (fl & F_HAS_PHD) == 0:
                    continue
                if (fl & F_REFUSE_PAY) != 0 and I[r, KIND] == K_INDUSTRY and I[r, STATE] == CONTRIBUTOR:
                    continue  # will not take an academic pay cut
                score = score + 0.05 * min(F[r, RECORD], 10.0)
            elif code == S_ADJACENT:
                if not uniform(key, I[r, PID], t, 1) < adjacency:
                    continue
            elif code == S_BIG_RFP:
                if focus_required and (fl & F_FOCUS) == 0:
                    continue
                score = score + (0.5 * F[r, LEGIB] + 0.5 * F[r, IMP])
            elif code == S_AGNOSTIC:
                score = score + F[r, IMP]  # department chairs judge the agenda's theory of impact
            elif code == S_AUTONOMY:
                score = score + 0.5 * F[r, IMP]
            idx[m] = j
            neg[m] = -score
            m += 1
        if m == 0:
            continue
        k = min(nv, m)
        best = smallest_stable(neg[:m], k)
        for b in best:
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
            I[r, FUND_END] = min(I[r, FUND_END], t)  # a grant is handed back
            I[r, FLAGS] &= ~F_WANTS_GRANT
            move_counted(I, LOG, nlog, counts, r, t, LEAD, E_HIRED)
        hired[i] = k
