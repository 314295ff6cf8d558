"""PhD admissions: a yearly round; applicants ranked by portfolio take the free advisor
slots, best applicant to best advisor (or, for someone whose own settings name an advisor
quality, the free advisor nearest it). With ``phd.advisor_assignment: random`` the same
applicants are admitted but each takes a free advisor drawn at random: the counterfactual
that tells the advisor's effect from the selection of the best applicants (claim C7)."""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from careersim.core.codes import (
    APPLICANT,
    CONTRIBUTOR,
    E_ADMITTED,
    E_NOT_ADMITTED,
    K_ACADEMIC,
    K_INDUSTRY,
    PHD,
)
from careersim.core.compiled import njit
from careersim.core.rng import uniform
from careersim.engine.kernel import move_counted
from careersim.engine.layout import (
    ADVISOR,
    ATTEMPTS,
    EVL,
    EXE,
    F_EVER_PHD,
    F_SAFE_ADVISOR,
    FLAGS,
    GEN,
    KIND,
    LETTERS,
    PHD_END,
    PHD_PROG,
    PHD_START,
    PID,
    PS_ADVISOR_QUALITY,
    RECORD,
    SETTINGS,
    STATE,
)
from careersim.engine.world import World


class Admissions:
    """Yearly PhD admissions: applicants ranked by portfolio, advisors by quality."""

    def __init__(self, world: World):
        self.w = world
        self.key = np.uint64(world.streams.key("admissions"))
        self.history: list[dict] = []

    def round(self, t: int) -> None:
        w, live = self.w, self.w.live
        weights = np.array(
            [
                live["phd.portfolio_record_weight"],
                live["phd.portfolio_record_cap"],
                live["phd.portfolio_letter_weight"],
                live["phd.portfolio_execution_weight"],
                live["phd.portfolio_idea_weight"],
            ]
        )
        apps, port, u = _phd_applicants(w.act, int(w.nact[0]), w.I, w.F, self.key, t, weights)
        score = port + live["phd.portfolio_noise"] * ndtri(u)
        w.ensure_log(len(apps))
        target = advisor_targets(apps, w.I, w.settings)
        n_slots, k = _admit(
            apps,
            score,
            target,
            t,
            w.I,
            w.F,
            w.adv.quality,
            w.adv.safe,
            w.adv.active_from,
            w.adv_load,
            int(round(live["phd.max_students"])),
            live["phd.min_portfolio"],
            int(round(live["phd.max_attempts"])),
            live["phd.rejected_ra_letter"],
            w.LOG,
            w.nlog,
            w.counts,
            live["phd.advisor_assignment"] == "random",
            self.key,
        )
        self.history.append({"tick": t, "applicants": len(apps), "slots": n_slots, "admitted": k})


@njit(cache=True)
def _phd_applicants(act, n, I, F, key, t, weights):
    """PhD applicants in row order, with their portfolios (publications, letters and
    skills, M4: ``weights`` are those of the record, its cap, letters, execution and
    generation plus evaluation) and the uniforms of their admission noise."""
    w_record, cap, w_letter, w_exe, w_idea = weights[0], weights[1], weights[2], weights[3], weights[4]
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
        port[j] = (
            w_record * min(F[r, RECORD], cap)
            + w_letter * F[r, LETTERS]
            + w_exe * F[r, EXE]
            + w_idea * (F[r, GEN] + F[r, EVL])
        )
        u[j] = uniform(key, I[r, PID], t, 0)
    return rows[:m], port[:m], u[:m]


@njit(cache=True)
def advisor_targets(apps, I, PS):
    """Each applicant's advisor-quality target from their own settings (NaN: none)."""
    out = np.full(len(apps), np.nan)
    if len(PS) == 0:
        return out
    for j in range(len(apps)):
        ps = I[apps[j], SETTINGS]
        if ps >= 0:
            out[j] = PS[ps, PS_ADVISOR_QUALITY]
    return out


@njit(cache=True)
def _admit(
    apps,
    score,
    target,
    t,
    I,
    F,
    quality,
    safe,
    active_from,
    load,
    cap,
    min_portfolio,
    max_attempts,
    ra_letter,
    LOG,
    nlog,
    counts,
    at_random,
    key,
):
    """The admission round: the free places of the advisors taking students at ``t``
    (``cap`` minus their ``load`` each), best advisor first, go to the applicants
    ``apps`` scoring at least ``min_portfolio``, best score first (ties in row order),
    best applicant to best advisor; an applicant with an advisor-quality ``target``
    (NaN: none) takes the free place whose advisor's quality is nearest it (the better
    advisor at a tie); with ``at_random``, each admitted applicant without a target takes
    a free place drawn at random instead (their own uniform, slot 1). Rejected applicants
    count an attempt; after ``max_attempts`` they take a contributor job, an academic RA
    post when their letters are at least ``ra_letter``, else industry. Returns (places, admitted)."""
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
    taken = np.zeros(n_slots, dtype=np.bool_)
    m = 0  # places filled
    nxt = 0  # the best place not yet taken
    for i in range(len(order)):
        if m == k:
            break
        if not sorted_score[i] >= min_portfolio:
            continue
        j = order[i]
        while taken[nxt]:
            nxt += 1
        x = nxt
        if at_random and not target[j] == target[j]:  # the k-th free place, k drawn at random
            left = int(uniform(key, I[apps[j], PID], t, 1) * (n_slots - m))
            x = nxt
            while True:
                if not taken[x]:
                    if left == 0:
                        break
                    left -= 1
                x += 1
        if target[j] == target[j]:  # the free advisor nearest the person's target
            for y in range(nxt + 1, n_slots):
                if not taken[y] and abs(quality[slots[y]] - target[j]) < abs(quality[slots[x]] - target[j]):
                    x = y
        taken[x] = True
        r, a = apps[j], slots[x]
        load[a] += 1
        I[r, ADVISOR] = a
        I[r, PHD_START] = t
        I[r, PHD_END] = -1  # until the degree ends (the monthly step: graduation or leaving)
        F[r, PHD_PROG] = 0.0
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
            I[r, KIND] = K_ACADEMIC if F[r, LETTERS] >= ra_letter else K_INDUSTRY
            move_counted(I, LOG, nlog, counts, r, t, CONTRIBUTOR, E_NOT_ADMITTED)
    return n_slots, k
