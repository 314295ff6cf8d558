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

from .kernel import TICKS_PER_YEAR
from .state import (
    ADVISOR, APPLICANT, APPLY_AT, ATTEMPTS, CONTRIBUTOR, E_ADMITTED, E_FUNDED, E_HIRED, E_NOT_ADMITTED,
    EVL, EXE, EXITED, F_COLLAB, F_EVER_PHD, F_FOCUS, F_HAS_PHD, F_PENDING, F_PROGRAMME, F_REFUSE_PAY,
    F_SAFE_ADVISOR, F_WANTS_GRANT, FIRST_FUNDED, FLAGS, FUND_END, GEN, IMP, INDEPENDENT, K_ACADEMIC,
    K_INDUSTRY, KIND, LEAD, LEAD_SRC, LEAD_TICK, LEGIB, LETTERS, PHD, PHD_END, PHD_START, PID,
    PROG_END, READY, RECORD, REJECTIONS, S_ACADEMIA, S_ADJACENT, S_AGNOSTIC, S_AUTONOMY, S_BIG_RFP,
    S_SMALL_FUNDER, SINCE, STATE, UNFUNDED, WAIT_SINCE,
)


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
        # rows of researchers in the field, increasing: intake appends, the monthly
        # step drops those who have left (rows moved to EXITED in between stay
        # listed until then, so users of the list check the state)
        self.act = np.zeros(len(self.I), dtype=np.int64)
        self.nact = np.zeros(1, dtype=np.int64)
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

    def active(self, *states: int) -> np.ndarray:
        """Rows in any of ``states``, increasing."""
        rows = self.listed()
        s = self.I[rows, STATE]
        mask = s == states[0]
        for st in states[1:]:
            mask |= s == st
        return rows[mask]

    def years(self, t: int) -> float:
        return t / TICKS_PER_YEAR

    def normal(self, stream: str, rows: np.ndarray, t: int, slot: int = 0) -> np.ndarray:
        return ndtri(self.streams.u(stream, self.I[rows, PID], t, slot))


def portfolio(w: World, rows: np.ndarray) -> np.ndarray:
    """A PhD applicant's portfolio: publications, letters and skills (M4)."""
    F = w.F
    return (0.15 * np.minimum(F[rows, RECORD], 5.0) + 0.4 * F[rows, LETTERS]
            + 0.6 * F[rows, EXE] + 0.5 * (F[rows, GEN] + F[rows, EVL]))


class Admissions:
    """Yearly PhD admissions: applicants ranked by portfolio, advisors by quality."""

    def __init__(self, world: World):
        self.w = world
        self.history: list[dict] = []

    def students_per_advisor(self) -> np.ndarray:
        return self.w.adv_load

    def round(self, t: int) -> None:
        w, I = self.w, self.w.I
        apps = w.active(APPLICANT)
        load = self.students_per_advisor()
        cap = int(round(w.live["phd.max_students"]))
        open_adv = np.flatnonzero(w.adv.active_from <= t)
        free = np.maximum(0, cap - load[open_adv])
        slots = np.repeat(open_adv, free)
        # best advisors first
        slots = slots[np.argsort(-w.adv.quality[slots], kind="stable")]
        score = portfolio(w, apps) + 0.1 * w.normal("admissions", apps, t)
        order = apps[np.argsort(-score, kind="stable")]
        sorted_score = np.sort(score)[::-1]
        eligible = order[sorted_score >= w.live["phd.min_portfolio"]]
        k = min(len(eligible), len(slots))
        admitted, chosen = eligible[:k], slots[:k]
        if k:
            np.add.at(w.adv_load, chosen, 1)
            I[admitted, ADVISOR] = chosen
            I[admitted, PHD_START] = t
            I[admitted, PHD_END] = t + int(round(w.live["phd.duration"] * TICKS_PER_YEAR))
            I[admitted, FLAGS] |= F_EVER_PHD
            I[admitted, FLAGS] |= np.where(w.adv.safe[chosen] > 0, F_SAFE_ADVISOR, 0)
            w.move(admitted, t, PHD, E_ADMITTED)
        rejected = np.setdiff1d(apps, admitted, assume_unique=True)
        I[rejected, ATTEMPTS] += 1
        out = rejected[I[rejected, ATTEMPTS] >= int(round(w.live["phd.max_attempts"]))]
        if len(out):
            # take a contributor job: an academic RA post when letters are good, else industry
            I[out, KIND] = np.where(w.F[out, LETTERS] >= 0.5, K_ACADEMIC, K_INDUSTRY)
            w.move(out, t, CONTRIBUTOR, E_NOT_ADMITTED)
        # reset attempts of contributors who return to the contributor track after trying
        self.history.append({"tick": t, "applicants": len(apps), "slots": len(slots), "admitted": k})


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


# outcome codes of grant applications
G_FUNDED, G_REJECTED, G_NO_MONEY, G_WITHDRAWN, G_LEFT_QUEUE, G_OPEN = 1, 0, 2, -1, -2, -3


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
        self.q_row = np.zeros(0, dtype=np.int64)
        self.q_submit = np.zeros(0)
        self.q_service = np.zeros(0)
        self.p_dec = np.zeros(0)  # pending decisions: decision time, row, submit, start
        self.p_row = np.zeros(0, dtype=np.int64)
        self.p_submit = np.zeros(0)
        self.p_start = np.zeros(0)
        self.records: list[np.ndarray] = []  # (row, submit, start, decided, outcome) blocks
        self.s_start = np.zeros(0)  # reviews under way: start and end times
        self.s_end = np.zeros(0)
        self.month_stats: list[dict] = []

    def _resize(self, t: int) -> None:
        c = max(1, int(round(self.w.live["grants.reviewers"])))
        if len(self.free_at) < c:
            self.free_at = np.concatenate([self.free_at, np.full(c - len(self.free_at), float(t))])
        elif len(self.free_at) > c:
            self.free_at = np.sort(self.free_at)[:c]

    def budget(self, t: int) -> float:
        live = self.w.live
        return live["grants.budget"] * (1.0 + live["grants.budget_growth"]) ** (t / TICKS_PER_YEAR)

    def funded_now(self, t: int) -> int:
        """Researchers holding a grant: counted by the monthly step earlier in
        the same tick, plus the awards made since (``World.funded``)."""
        return int(self.w.funded)

    def expected_wait(self, t: int) -> float:
        """Current expected time (years) from application to decision: what a
        calibrated funder would announce."""
        c = len(self.free_at)
        backlog = float(np.mean(np.maximum(self.free_at - t, 0.0))) if c else 0.0
        queued = len(self.q_row) * self.w.live["grants.review_time"] * TICKS_PER_YEAR / max(c, 1)
        return (backlog + queued) / TICKS_PER_YEAR + self.w.live["grants.review_time"] + self.w.live["grants.decision_delay"]

    def _record(self, rows, submit, start, decided, outcome) -> None:
        if len(rows):
            blk = np.empty((len(rows), 5))
            blk[:, 0], blk[:, 1], blk[:, 2], blk[:, 3], blk[:, 4] = rows, submit, start, decided, outcome
            self.records.append(blk)

    def applications(self) -> np.ndarray:
        """All applications so far, including those still open."""
        open_q = np.column_stack([self.q_row, self.q_submit, np.full(len(self.q_row), np.nan),
                                  np.full(len(self.q_row), np.nan), np.full(len(self.q_row), G_OPEN)])
        open_p = np.column_stack([self.p_row, self.p_submit, self.p_start,
                                  np.full(len(self.p_row), np.nan), np.full(len(self.p_row), G_OPEN)])
        return np.concatenate(self.records + [open_q, open_p]) if self.records else np.concatenate([open_q, open_p])

    def round(self, t: int) -> None:
        w, I, live = self.w, self.w.I, self.w.live
        self._resize(t)
        # 1. new applications join the queue in id order
        new = w.wants[: w.stats[11]]  # collected by the monthly step, in id order
        new = new[(I[new, FLAGS] & F_PENDING) == 0]
        I[new, FLAGS] = (I[new, FLAGS] & ~F_WANTS_GRANT) | F_PENDING
        mean = live["grants.review_time"] * TICKS_PER_YEAR
        if live["grants.review_time_shape"] == "fixed":
            service = np.full(len(new), mean)
        else:  # exponential review times, drawn from the application's own uniform
            service = -np.log(w.streams.u("grants", I[new, PID], t, 0)) * mean
        self.q_row = np.concatenate([self.q_row, new])
        self.q_submit = np.concatenate([self.q_submit, np.full(len(new), float(t))])
        self.q_service = np.concatenate([self.q_service, service])
        # 2. purge applicants who left while waiting, then reviewers take applications FIFO
        st = I[self.q_row, STATE]
        gone = ~((st == INDEPENDENT) | (st == UNFUNDED) | ((st == LEAD) & (I[self.q_row, LEAD_SRC] == S_SMALL_FUNDER)))
        if gone.any():  # left the field or the track while waiting: withdrawn before review
            self._record(self.q_row[gone], self.q_submit[gone], np.nan, float(t), G_LEFT_QUEUE)
            keep = ~gone
            self.q_row, self.q_submit, self.q_service = self.q_row[keep], self.q_submit[keep], self.q_service[keep]
        horizon = float(t + 4)
        starts = serve_fifo(self.free_at, self.q_submit, self.q_service, horizon)
        k = len(starts)
        # reviewer time actually spent inside this month, [t, t + 4)
        self.s_start = np.concatenate([self.s_start, starts])
        self.s_end = np.concatenate([self.s_end, starts + self.q_service[:k]])
        busy = float((np.minimum(self.s_end, horizon) - np.maximum(self.s_start, float(t))).clip(min=0).sum())
        live_s = self.s_end > horizon
        self.s_start, self.s_end = self.s_start[live_s], self.s_end[live_s]
        delay = live["grants.decision_delay"] * TICKS_PER_YEAR
        self.p_dec = np.concatenate([self.p_dec, starts + self.q_service[:k] + delay])
        self.p_row = np.concatenate([self.p_row, self.q_row[:k]])
        self.p_submit = np.concatenate([self.p_submit, self.q_submit[:k]])
        self.p_start = np.concatenate([self.p_start, starts])
        self.q_row, self.q_submit, self.q_service = self.q_row[k:], self.q_submit[k:], self.q_service[k:]
        # 3. decisions whose time has come, in order of decision time
        due = np.flatnonzero(self.p_dec <= t)
        due = due[np.argsort(self.p_dec[due], kind="stable")]
        rows, sub, start = self.p_row[due], self.p_submit[due], self.p_start[due]
        keep = np.ones(len(self.p_dec), dtype=bool)
        keep[due] = False
        self.p_dec, self.p_row, self.p_submit, self.p_start = (self.p_dec[keep], self.p_row[keep],
                                                              self.p_submit[keep], self.p_start[keep])
        accepted = money_short = 0
        if len(rows):
            accepted, money_short = self._decide(rows, sub, start, t)
        self.month_stats.append({
            "tick": t, "queue": len(self.q_row), "in_review_or_decision": len(self.p_dec),
            "reviewer_busy": busy / (4.0 * len(self.free_at)), "decided": len(rows),
            "accepted": accepted, "money_short": money_short,
            "funded": self.funded_now(t), "budget": self.budget(t),
        })

    def acceptance_probability(self, rows: np.ndarray) -> np.ndarray:
        """Chance a funder says yes: track record, legibility, focus and skills (M5)."""
        w, I, F, live = self.w, self.w.I, self.w.F, self.w.live
        base = live["grants.base_acceptance"]
        logit = (np.log(base / max(1e-9, 1.0 - base)) if 0 < base < 1 else (50.0 if base >= 1 else -50.0))
        logit = (logit + live["grants.legibility_weight"] * (F[rows, LEGIB] - 0.4) * 2.0
                 + live["grants.focus_weight"] * (((I[rows, FLAGS] & F_FOCUS) != 0) - 0.45)
                 + live["grants.record_weight"] * (np.minimum(F[rows, RECORD], 5.0) - 1.0)
                 + 2.0 * (F[rows, GEN] + F[rows, EVL] - 0.4))
        del w
        return 1.0 / (1.0 + np.exp(-logit))

    def _decide(self, rows, sub, start, t: int) -> tuple[int, int]:
        w, I, live = self.w, self.w.I, self.w.live
        I[rows, FLAGS] &= ~F_PENDING
        st = I[rows, STATE]
        eligible = (st == INDEPENDENT) | (st == UNFUNDED) | ((st == LEAD) & (I[rows, LEAD_SRC] == S_SMALL_FUNDER))
        yes = eligible & (w.streams.u("grants", I[rows, PID], t, 1) < self.acceptance_probability(rows))
        already = I[rows, FUND_END] > t
        need = yes & ~already
        # money: awards in decision order while the budget has room (renewals keep their place)
        room = self.budget(t) - self.funded_now(t)
        fits = np.cumsum(need) <= room + 1e-9
        short = need & ~fits
        fund = yes & ~short
        out = np.where(~eligible, G_WITHDRAWN, np.where(fund, G_FUNDED, np.where(short, G_NO_MONEY, G_REJECTED)))
        self._record(rows, sub, start, float(t), out)
        turned_down = eligible & ~fund
        I[rows[turned_down], REJECTIONS] += 1
        I[rows[turned_down], APPLY_AT] = t + int(round(live["grants.reapply_delay"] * TICKS_PER_YEAR))
        self._award(rows[fund], t)
        w.funded += int((fund & ~already).sum())
        return int(fund.sum()), int(short.sum())

    def _award(self, rows: np.ndarray, t: int) -> None:
        w, I = self.w, self.w.I
        if len(rows) == 0:
            return
        length = int(round(w.live["grants.grant_length"] * TICKS_PER_YEAR))
        I[rows, FUND_END] = np.maximum(I[rows, FUND_END], t) + length
        I[rows, REJECTIONS] = 0
        first = I[rows, FIRST_FUNDED] < 0
        I[rows[first], FIRST_FUNDED] = t
        st = I[rows, STATE]
        independent = (st == INDEPENDENT) | (st == UNFUNDED)
        if w.live["positions.small_funder_leads"] == "queue":
            # a ready researcher funded through the shared queue holds a lead role while funded
            lead = rows[independent & (I[rows, READY] >= 0)]
            I[lead, LEAD_SRC] = S_SMALL_FUNDER
            I[lead[I[lead, LEAD_TICK] < 0], LEAD_TICK] = t
            I[lead, WAIT_SINCE] = -1
            w.move(lead, t, LEAD, E_HIRED)
        unfunded = rows[I[rows, STATE] == UNFUNDED]
        w.move(unfunded, t, INDEPENDENT, E_FUNDED)


class Programme:
    """Mentorship-programme cohorts with limited places."""

    def __init__(self, world: World):
        self.w = world
        self.history: list[dict] = []

    def round(self, t: int) -> None:
        w, I, F, live = self.w, self.w.I, self.w.F, self.w.live
        cand = w.active(INDEPENDENT, UNFUNDED, PHD, CONTRIBUTOR)
        cand = cand[I[cand, PROG_END] < t]
        u = w.streams.u("programme", I[cand, PID], t, 0)
        is_ind = np.isin(I[cand, STATE], (INDEPENDENT, UNFUNDED))
        applies = np.where(is_ind, u < live["programme.apply_independent"], u < live["programme.apply_other"])
        apps = cand[applies]
        places = int(round(live["programme.places"]))
        n_out = int(round(live["programme.outside_applicants"]))
        score = (F[apps, GEN] + F[apps, EVL] + 0.5 * F[apps, EXE] + 0.05 * np.minimum(F[apps, RECORD], 5.0)
                 + 0.15 * w.normal("programme", apps, t, 1))
        if n_out > 0 and len(apps) > 0:
            gen = w.streams.generator("programme", t)
            outside = gen.choice(score, size=n_out, replace=True) + 0.05 * gen.standard_normal(n_out)
        else:
            outside = np.zeros(0)
        allscores = np.concatenate([score, outside])
        if places <= 0 or len(apps) == 0:
            chosen = apps[:0]
        elif places >= len(allscores):
            chosen = apps
        else:
            cut = np.partition(allscores, len(allscores) - places)[len(allscores) - places]
            chosen = apps[score >= cut][:places]
        I[chosen, PROG_END] = t + int(round(live["programme.duration"] * TICKS_PER_YEAR))
        I[chosen, FLAGS] |= F_PROGRAMME
        collab = w.streams.u("programme", I[chosen, PID], t, 2) < live["programme.alumni_collaboration"]
        I[chosen[collab], FLAGS] |= F_COLLAB
        self.history.append({"tick": t, "applicants": len(apps) + n_out, "insiders": len(apps),
                             "places": places, "admitted": len(chosen),
                             "filled": min(places, len(apps) + n_out)})


HIRING_SOURCES = (
    ("autonomy_role", S_AUTONOMY),
    ("agnostic_org", S_AGNOSTIC),
    ("academia", S_ACADEMIA),
    ("adjacent_org", S_ADJACENT),
    ("big_rfp", S_BIG_RFP),
    ("small_funder", S_SMALL_FUNDER),
)


class Hiring:
    """Quarterly hiring rounds for lead openings from each source of M7."""

    def __init__(self, world: World):
        self.w = world
        self.accrued = {name: 0.0 for name, _ in HIRING_SOURCES}
        self.vacancies = {name: [] for name, _ in HIRING_SOURCES}  # expiry ticks
        self.history: list[dict] = []

    def candidates(self, t: int) -> np.ndarray:
        w, I = self.w, self.w.I
        rows = w.active(INDEPENDENT, UNFUNDED, CONTRIBUTOR, PHD)
        rows = rows[I[rows, READY] >= 0]
        is_phd = I[rows, STATE] == PHD
        final = w.live["x.lead_rule_final"] > 0.5
        ok = ~is_phd | (final & (t >= I[rows, PHD_END] - TICKS_PER_YEAR))
        return rows[ok]

    def round(self, t: int) -> None:
        w, I, F, live = self.w, self.w.I, self.w.F, self.w.live
        growth = (1.0 + live["positions.growth"]) ** (t / TICKS_PER_YEAR)
        life = int(round(live["positions.vacancy_life"] * TICKS_PER_YEAR))
        for name, _ in HIRING_SOURCES:
            if name == "small_funder" and live["positions.small_funder_leads"] == "queue":
                continue
            self.accrued[name] += live[f"positions.{name}"] * growth * 0.25
            new = int(math.floor(self.accrued[name] + 1e-9))
            self.accrued[name] -= new
            vac = [e for e in self.vacancies[name] if e > t] + [t + life] * new
            self.vacancies[name] = vac
        pool = self.candidates(t)
        n_cand = len(pool)
        noise = 0.1 * w.normal("hiring", pool, t, 0) if n_cand else np.zeros(0)
        base = (F[pool, GEN] + F[pool, EVL] + 0.5 * F[pool, EXE] + 0.03 * np.minimum(F[pool, RECORD], 10.0)
                + live["positions.credential_weight"] * ((I[pool, FLAGS] & F_HAS_PHD) != 0)
                + live["positions.letter_weight"] * F[pool, LETTERS] + noise)
        taken = np.zeros(n_cand, dtype=bool)
        filled = {}
        for name, code in HIRING_SOURCES:
            nv = len(self.vacancies[name])
            filled[name] = 0
            if nv == 0 or n_cand == 0:
                continue
            flags = I[pool, FLAGS]
            elig = ~taken
            score = base.copy()
            if name == "academia":
                elig &= (flags & F_HAS_PHD) != 0
                elig &= ~((flags & F_REFUSE_PAY) != 0) | (I[pool, KIND] != K_INDUSTRY) | (I[pool, STATE] != CONTRIBUTOR)
                score += 0.05 * np.minimum(F[pool, RECORD], 10.0)
            elif name == "adjacent_org":
                elig &= w.streams.u("hiring", I[pool, PID], t, 1) < live["positions.adjacency"]
            elif name == "big_rfp":
                if live["positions.focus_required"] > 0.5:
                    elig &= (flags & F_FOCUS) != 0
                score += 0.5 * F[pool, LEGIB] + 0.5 * F[pool, IMP]
            elif name == "agnostic_org":
                score += F[pool, IMP]  # department chairs judge the agenda's theory of impact
            elif name == "autonomy_role":
                score += 0.5 * F[pool, IMP]
            idx = np.flatnonzero(elig)
            if len(idx) == 0:
                continue
            k = min(nv, len(idx))
            best = idx[np.argsort(-score[idx], kind="stable")[:k]]
            rows = pool[best]
            taken[best] = True
            self.vacancies[name] = sorted(self.vacancies[name])[k:]
            I[rows, LEAD_SRC] = code
            phd = rows[I[rows, STATE] == PHD]  # final-year students hired as leads finish their PhD
            if len(phd):
                np.subtract.at(w.adv_load, I[phd, ADVISOR], 1)
                I[phd, FLAGS] |= F_HAS_PHD
            first = I[rows, LEAD_TICK] < 0
            I[rows[first], LEAD_TICK] = t
            I[rows, WAIT_SINCE] = -1
            I[rows, FUND_END] = np.minimum(I[rows, FUND_END], t)  # a grant is handed back
            I[rows, FLAGS] &= ~(F_WANTS_GRANT)
            w.move(rows, t, LEAD, E_HIRED)
            filled[name] = k
        self.history.append({"tick": t, "candidates": n_cand,
                             "vacancies": sum(len(v) for v in self.vacancies.values()) + sum(filled.values()),
                             "filled": sum(filled.values()), **{f"filled_{k}": v for k, v in filled.items()}})
