"""The grant office: a FIFO queue served by ``c`` reviewers with random review times (an
M/M/c queue when arrivals are Poisson and review times exponential), then a decision delay,
then a decision limited by money. Queues and waits come out of the contention; nothing
here is a fixed delay standing in for a queue."""

from __future__ import annotations

import math

import numpy as np

from careersim.core.clock import TICKS_PER_YEAR
from careersim.core.codes import (
    E_FUNDED,
    E_HIRED,
    INDEPENDENT,
    LEAD,
    S_SMALL_FUNDER,
    UNFUNDED,
)
from careersim.core.compiled import njit
from careersim.core.rng import uniform
from careersim.engine.kernel import move_counted
from careersim.engine.layout import (
    APPLY_AT,
    EVL,
    F_FOCUS,
    F_PENDING,
    F_WANTS_GRANT,
    FIRST_FUNDED,
    FLAGS,
    FUND_END,
    GEN,
    LEAD_SRC,
    LEAD_TICK,
    LEGIB,
    PID,
    READY,
    RECORD,
    REJECTIONS,
    ST_WANTS,
    STATE,
    WAIT_SINCE,
)
from careersim.engine.world import World


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
        self._cfg_f = np.zeros(12)
        self._cfg_i = np.zeros(4, dtype=np.int64)
        self._budget0 = self._budget_factor = math.nan

    def _grow(self, cap: int) -> None:
        """Buffers for at least ``cap`` applications at each stage (contents kept)."""
        old = getattr(self, "Q", None)
        nq, ns, npd = (int(x) for x in self.n)
        Q, QR, S = np.zeros((cap, 2)), np.zeros(cap, dtype=np.int64), np.zeros((cap, 2))
        P, PR = np.zeros((cap, 3)), np.zeros(cap, dtype=np.int64)
        if old is not None:
            Q[:nq], QR[:nq], S[:ns], P[:npd], PR[:npd] = (
                self.Q[:nq],
                self.QR[:nq],
                self.S[:ns],
                self.P[:npd],
                self.PR[:npd],
            )
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
        growing yearly from ``grants.budget`` at time zero, after the burn-in), from the
        settings taken up by :meth:`_configure`."""
        return self._budget0 * self._budget_factor ** ((t - self._start) / TICKS_PER_YEAR)

    def expected_wait(self, t: int) -> float:
        """Current expected time (years) from application to decision: what a
        calibrated funder would announce."""
        c = len(self.free_at)
        backlog = float(np.mean(np.maximum(self.free_at - t, 0.0))) if c else 0.0
        queued = len(self.q_row) * self.w.live["grants.review_time"] * TICKS_PER_YEAR / max(c, 1)
        return (
            (backlog + queued) / TICKS_PER_YEAR
            + self.w.live["grants.review_time"]
            + self.w.live["grants.decision_delay"]
        )

    def _grow_records(self, extra: int) -> None:
        """Room for ``extra`` more records."""
        k = int(self.nrec[0])
        if k + extra > len(self.R):
            R = np.zeros((max(k + extra, 2 * len(self.R)), 5))
            R[:k] = self.R[:k]
            self.R = R

    def applications(self) -> np.ndarray:
        """All applications so far, including those still open."""
        open_q = np.column_stack(
            [
                self.q_row,
                self.q_submit,
                np.full(len(self.q_row), np.nan),
                np.full(len(self.q_row), np.nan),
                np.full(len(self.q_row), G_OPEN),
            ]
        )
        open_p = np.column_stack(
            [
                self.p_row,
                self.p_submit,
                self.p_start,
                np.full(len(self.p_row), np.nan),
                np.full(len(self.p_row), G_OPEN),
            ]
        )
        return np.concatenate([self.R[: self.nrec[0]], open_q, open_p])

    def _configure(self, t: int) -> None:
        """Take up the live parameters as they are now: the number of reviewers (new
        ones free from ``t``) and the settings each round passes to the compiled month."""
        live = self.w.live
        self._version = live.version
        self._resize(t)
        base = live["grants.base_acceptance"]
        logit0 = math.log(base / max(1e-9, 1.0 - base)) if 0 < base < 1 else (50.0 if base >= 1 else -50.0)
        self._cfg_f[:] = (
            live["grants.decision_delay"] * TICKS_PER_YEAR,
            logit0,
            live["grants.legibility_weight"],
            live["grants.focus_weight"],
            live["grants.record_weight"],
            live["grants.review_time"] * TICKS_PER_YEAR,
            live["grants.legibility_reference"],
            live["grants.focus_reference"],
            live["grants.record_reference"],
            live["grants.record_cap"],
            live["grants.skill_weight"],
            live["grants.skill_reference"],
        )
        self._cfg_i[:] = (
            int(round(live["grants.grant_length"] * TICKS_PER_YEAR)),
            int(round(live["grants.reapply_delay"] * TICKS_PER_YEAR)),
            live["positions.small_funder_leads"] == "queue",
            live["grants.review_time_shape"] == "fixed",
        )
        self._budget0, self._budget_factor = live["grants.budget"], 1.0 + live["grants.budget_growth"]
        self._start = live["x.start_tick"]

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
            short = _grant_month(
                t,
                w.I,
                w.F,
                wants,
                service,
                self.Q,
                self.QR,
                self.S,
                self.P,
                self.PR,
                self.n,
                self.out,
                self.due_rows,
                self.free_at,
                self.R,
                self.nrec,
                self.key,
                self._cfg_f,
                self._cfg_i,
                w.LOG,
                w.nlog,
                w.counts,
                self._ms_i,
                self._ms_f,
                m,
                w.funded,
                budget,
            )
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
        return {
            "queue": int(i[1]),
            "in_review_or_decision": int(i[2]),
            "funded": int(i[6]),
            "reviewer_busy": float(self._ms_f[m, 0]),
            "budget": float(self._ms_f[m, 1]),
        }

    def month_columns(self) -> dict[str, np.ndarray]:
        """The monthly records as columns: tick, queue length, applications in review or
        awaiting a decision, reviewer utilisation, decisions, acceptances, refusals for lack
        of money, researchers funded, budget."""
        i, f = self._ms_i[: self.nmonth], self._ms_f[: self.nmonth]
        return {
            "tick": i[:, 0].copy(),
            "queue": i[:, 1].copy(),
            "in_review_or_decision": i[:, 2].copy(),
            "reviewer_busy": f[:, 0].copy(),
            "decided": i[:, 3].copy(),
            "accepted": i[:, 4].copy(),
            "money_short": i[:, 5].copy(),
            "funded": i[:, 6].copy(),
            "budget": f[:, 1].copy(),
        }


@njit(cache=True)
def row_uniforms_into(key, rows, I, tick, slot, out):
    """:func:`careersim.core.rng.uniform` for the people in ``rows`` of ``I``, written to ``out``."""
    for j in range(len(rows)):
        out[j] = uniform(key, I[rows[j], PID], tick, slot)


@njit(cache=True)
def _grant_month(
    t,
    I,
    F,
    wants,
    service,
    Q,
    QR,
    S,
    P,
    PR,
    n,
    out,
    due_rows,
    free_at,
    R,
    nrec,
    key,
    cfg_f,
    cfg_i,
    LOG,
    nlog,
    counts,
    ms_i,
    ms_f,
    m,
    funded,
    budget,
):
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
    delay, mean = cfg_f[0], cfg_f[5]
    length, reapply, queue_leads, fixed = cfg_i[0], cfg_i[1], cfg_i[2] != 0, cfg_i[3] != 0
    neg_mean = -mean
    for j in range(len(wants)):
        service[j] = mean if fixed else service[j] * neg_mean
    n_spent, n_due = _queue_step(t, I, wants, service, Q, QR, S, P, PR, n, out, due_rows, free_at, delay, R, nrec)
    busy = pairwise_sum(out[:n_spent, 0])
    n_fund = n_short = n_new = 0
    if n_due:
        n_fund, n_short, n_new = _decide_and_award(
            due_rows[:n_due],
            out[:n_due, 1:3],
            t,
            I,
            F,
            key,
            cfg_f,
            budget - funded,
            length,
            reapply,
            queue_leads,
            LOG,
            nlog,
            counts,
            R,
            nrec,
        )
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
def _acceptance(I, F, r, cfg):
    """Chance a funder says yes (M5): the log-odds of grants.base_acceptance, plus track
    record, legibility, focus and skills, each weighted and measured from its reference
    value (``cfg``: the office's settings, :meth:`GrantOffice._configure`)."""
    logit0, leg_w, focus_w, rec_w = cfg[1], cfg[2], cfg[3], cfg[4]
    leg_ref, focus_ref, rec_ref, rec_cap, skill_w, skill_ref = cfg[6], cfg[7], cfg[8], cfg[9], cfg[10], cfg[11]
    focus = 1.0 if (I[r, FLAGS] & F_FOCUS) != 0 else 0.0
    logit = (
        logit0
        + leg_w * (F[r, LEGIB] - leg_ref)
        + focus_w * (focus - focus_ref)
        + rec_w * (min(F[r, RECORD], rec_cap) - rec_ref)
        + skill_w * (F[r, GEN] + F[r, EVL] - skill_ref)
    )
    return 1.0 / (1.0 + np.exp(-logit))


@njit(cache=True)
def _decide_and_award(
    rows,
    times,
    t,
    I,
    F,
    key,
    cfg,
    room,
    length,
    reapply,
    queue_leads,
    LOG,
    nlog,
    counts,
    R,
    nrec,
):
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
        yes = eligible and uniform(key, I[r, PID], t, 1) < _acceptance(I, F, r, cfg)
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
