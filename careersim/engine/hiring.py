"""Hiring: quarterly rounds filling lead openings from each source of M7, each selecting
on its own criteria among ready candidates."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtri

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
    S_SMALL_FUNDER,
    UNFUNDED,
)
from careersim.core.compiled import njit
from careersim.core.rng import uniform
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
    WAIT_SINCE,
)
from careersim.engine.world import World, skill_score


@njit(cache=True)
def _lead_candidates(ready, n, I, F, key, t, final_from, credential_w, letter_w):
    """Of the lead-ready rows ``ready[:n]`` (in row order), those who may take a lead
    role: independent, unfunded or contributors, and PhD students whose progress is at
    least ``final_from`` (the final-phase rule; infinite under the rule of graduates only).
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
        if st == PHD and not F[r, PHD_PROG] >= final_from:
            continue
        rows[m] = r
        m += 1
    for j in range(m):  # a second pass, as in _programme_applicants
        r = rows[j]
        phd = 1.0 if (I[r, FLAGS] & F_HAS_PHD) != 0 else 0.0
        base[j] = skill_score(F, r, 0.03, 10.0) + credential_w * phd + letter_w * F[r, LETTERS]
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
        # under the final-phase rule, PhD students with progress within a year's work of the end
        final_from = 1.0 - 1.0 / live["phd.duration"] if live["x.lead_rule_final"] > 0.5 else np.inf
        return _lead_candidates(w.ready, int(w.stats[ST_READY]), w.I, w.F, self.key, t, final_from,
                                live["positions.credential_weight"], live["positions.letter_weight"])

    def round(self, t: int) -> None:
        w, live = self.w, self.w.live
        growth = (1.0 + live["positions.growth"]) ** ((t - live["x.start_tick"]) / TICKS_PER_YEAR)  # 1 at time zero
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
