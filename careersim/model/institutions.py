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
from scipy import stats

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
        self.I[rows, STATE] = to_state
        self.I[rows, SINCE] = t

    def active(self, *states: int) -> np.ndarray:
        s = self.I[: self.n, STATE]
        mask = np.zeros(self.n, dtype=bool)
        for st in states:
            mask |= s == st
        return np.flatnonzero(mask)

    def years(self, t: int) -> float:
        return t / TICKS_PER_YEAR

    def normal(self, stream: str, rows: np.ndarray, t: int, slot: int = 0) -> np.ndarray:
        return stats.norm.ppf(self.streams.u(stream, self.I[rows, PID], t, slot))


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
        w = self.w
        phd = w.active(PHD)
        return np.bincount(w.I[phd, ADVISOR], minlength=len(w.adv.quality))

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


def serve_fifo(free_at: np.ndarray, arrivals: np.ndarray, service: np.ndarray, until: float) -> np.ndarray:
    """First-come-first-served with ``c = len(free_at)`` servers.

    ``free_at[j]`` is when server ``j`` is next free (updated in place).
    Customers, in arrival order, start at ``max(arrival, earliest free
    server)`` (the Kiefer-Wolfowitz recursion). Customers are started only
    while some server frees before ``until``; returns the start times of the
    customers served (a prefix of the queue).
    """
    starts = []
    for a, s in zip(arrivals.tolist(), service.tolist()):
        j = int(np.argmin(free_at))
        if free_at[j] >= until:
            break
        st = max(a, float(free_at[j]))
        free_at[j] = st + s
        starts.append(st)
    return np.array(starts, dtype=float)


class GrantOffice:
    """Grant applications queue for ``c`` reviewers; decisions follow a delay."""

    def __init__(self, world: World):
        self.w = world
        self.free_at: np.ndarray = np.zeros(0)  # when each reviewer is next free (ticks, float)
        self.queue_rows: list[int] = []
        self.queue_submit: list[int] = []
        self.queue_service: list[float] = []
        self.pending: list[tuple[float, int, int, float]] = []  # (decision time, row, submit, start)
        self.apps: list[tuple[int, int, float, float, int]] = []  # row, submit, start, decided, outcome
        self.busy = 0.0  # reviewer-ticks of work started in the current month
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
        I = self.w.I[: self.w.n]
        return int(np.count_nonzero((I[:, FUND_END] > t) & ((I[:, STATE] == INDEPENDENT)
                   | ((I[:, STATE] == LEAD) & (I[:, LEAD_SRC] == S_SMALL_FUNDER)))))

    def expected_wait(self, t: int) -> float:
        """Current expected time (years) from application to decision: what a
        calibrated funder would announce."""
        c = len(self.free_at)
        backlog = max(0.0, float(np.mean(np.maximum(self.free_at - t, 0.0)))) if c else 0.0
        queued = len(self.queue_rows) * self.w.live["grants.review_time"] * TICKS_PER_YEAR / max(c, 1)
        return (backlog + queued) / TICKS_PER_YEAR + self.w.live["grants.review_time"] + self.w.live["grants.decision_delay"]

    def round(self, t: int) -> None:
        w, I, live = self.w, self.w.I, self.w.live
        self._resize(t)
        # 1. new applications join the queue in id order
        n = w.n
        flags = I[:n, FLAGS]
        new = np.flatnonzero(((flags & F_WANTS_GRANT) != 0) & ((flags & F_PENDING) == 0))
        new = new[I[new, STATE] != EXITED]
        I[new, FLAGS] = (I[new, FLAGS] & ~F_WANTS_GRANT) | F_PENDING
        mean = live["grants.review_time"] * TICKS_PER_YEAR
        if live["grants.review_time_shape"] == "fixed":
            service = np.full(len(new), mean)
        else:  # exponential review times, drawn from the application's own uniform
            service = -np.log(w.streams.u("grants", I[new, PID], t, 0)) * mean
        self.queue_rows.extend(new.tolist())
        self.queue_submit.extend([t] * len(new))
        self.queue_service.extend(service.tolist())
        # 2. reviewers take applications in FIFO order while they are free this month
        delay = live["grants.decision_delay"] * TICKS_PER_YEAR
        horizon = t + 4
        alive = np.array([I[r, STATE] != EXITED for r in self.queue_rows], dtype=bool)
        if len(alive) and not alive.all():  # purge applicants who left while waiting
            for k in np.flatnonzero(~alive):
                self.apps.append((self.queue_rows[k], self.queue_submit[k], float("nan"), float(t), -2))
            keep = np.flatnonzero(alive)
            self.queue_rows = [self.queue_rows[k] for k in keep]
            self.queue_submit = [self.queue_submit[k] for k in keep]
            self.queue_service = [self.queue_service[k] for k in keep]
        starts = serve_fifo(self.free_at, np.array(self.queue_submit, dtype=float),
                            np.array(self.queue_service, dtype=float), float(horizon))
        k = len(starts)
        busy = float(np.sum(self.queue_service[:k])) if k else 0.0
        for j in range(k):
            end = starts[j] + self.queue_service[j]
            self.pending.append((end + delay, self.queue_rows[j], self.queue_submit[j], float(starts[j])))
        del self.queue_rows[:k], self.queue_submit[:k], self.queue_service[:k]
        # 3. decisions whose time has come, in order of decision time
        due = sorted(p for p in self.pending if p[0] <= t)
        self.pending = [p for p in self.pending if p[0] > t]
        accepted = money_short = 0
        if due:
            budget = self.budget(t)
            funded = self.funded_now(t)
            rows = np.array([p[1] for p in due], dtype=np.int64)
            u = w.streams.u("grants", I[rows, PID], t, 1)
            F = w.F
            logit = (math.log(live["grants.base_acceptance"] / max(1e-9, 1 - live["grants.base_acceptance"]))
                     + live["grants.legibility_weight"] * (F[rows, LEGIB] - 0.4) * 2.0
                     + live["grants.focus_weight"] * (((I[rows, FLAGS] & F_FOCUS) != 0) - 0.45)
                     + live["grants.record_weight"] * (np.minimum(F[rows, RECORD], 5.0) - 1.0)
                     + 2.0 * (F[rows, GEN] + F[rows, EVL] - 0.4))
            p = 1.0 / (1.0 + np.exp(-logit))
            for idx, (dec_t, row, sub, start) in enumerate(due):
                I[row, FLAGS] &= ~F_PENDING
                st = I[row, STATE]
                if st not in (INDEPENDENT, UNFUNDED) and not (st == LEAD and I[row, LEAD_SRC] == S_SMALL_FUNDER):
                    self.apps.append((row, sub, start, float(t), -1))  # withdrawn (left or hired)
                    continue
                ok = u[idx] < p[idx]
                already = I[row, FUND_END] > t
                if ok and funded - already + 1 > budget + 1e-9:  # the award must fit the money
                    ok = False
                    money_short += 1
                    self.apps.append((row, sub, start, float(t), 2))
                elif ok:
                    accepted += 1
                    funded += 0 if already else 1
                    self._award(row, t)
                    self.apps.append((row, sub, start, float(t), 1))
                else:
                    self.apps.append((row, sub, start, float(t), 0))
                if not ok:
                    I[row, REJECTIONS] += 1
                    I[row, APPLY_AT] = t + int(round(live["grants.reapply_delay"] * TICKS_PER_YEAR))
        self.month_stats.append({
            "tick": t, "queue": len(self.queue_rows), "in_review_or_decision": len(self.pending),
            "reviewer_busy": busy / (4.0 * len(self.free_at)), "decided": len(due),
            "accepted": accepted, "money_short": money_short,
            "funded": self.funded_now(t), "budget": self.budget(t),
        })

    def _award(self, row: int, t: int) -> None:
        w, I = self.w, self.w.I
        length = int(round(w.live["grants.grant_length"] * TICKS_PER_YEAR))
        I[row, FUND_END] = max(int(I[row, FUND_END]), t) + length
        I[row, REJECTIONS] = 0
        if I[row, FIRST_FUNDED] < 0:
            I[row, FIRST_FUNDED] = t
        st = I[row, STATE]
        ready = I[row, READY] >= 0
        small_funder_leads = w.live["positions.small_funder_leads"] == "queue"
        if ready and small_funder_leads and st in (INDEPENDENT, UNFUNDED):
            I[row, LEAD_SRC] = S_SMALL_FUNDER
            if I[row, LEAD_TICK] < 0:
                I[row, LEAD_TICK] = t
            I[row, WAIT_SINCE] = -1
            w.move(np.array([row]), t, LEAD, E_HIRED)
        elif st == UNFUNDED:
            w.move(np.array([row]), t, INDEPENDENT, E_FUNDED)


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
                             "places": places, "admitted": len(chosen)})


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
