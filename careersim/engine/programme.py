"""Mentorship programmes: cohorts with limited places, competed for by insiders and by
applicants from outside the simulated population. People whose own settings say so never
take a place, or have one at the first cohort they may join (beyond the places).

A cohort's places are the programme's (``programme.places``) as far as mentors allow:
each scholar takes ``programme.mentor_hours`` a week of the field's leads' mentor time
(M11), and a cohort is given places only for the hours free when it begins (the time
supplied that month, ``world.mentor``, less what cohorts still running take)."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtri

from careersim.core.clock import TICKS_PER_YEAR
from careersim.core.codes import (
    CONTRIBUTOR,
    INDEPENDENT,
    PHD,
    UNFUNDED,
)
from careersim.core.compiled import njit
from careersim.core.rng import uniform
from careersim.engine.layout import (
    F_COLLAB,
    F_PROGRAMME,
    FLAGS,
    PID,
    PROG_ALWAYS,
    PROG_COMPETE,
    PROG_END,
    PS_PROGRAMME,
    SETTINGS,
    STATE,
)
from careersim.engine.world import World, skill_score


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
        self._cohorts: list[tuple[int, int, int]] = []  # (start tick, end tick, scholars) of each cohort
        self._running: list[tuple[int, int, int]] = []  # the cohorts not yet ended at the last tick asked

    def round(self, t: int) -> None:
        w, I, live = self.w, self.w.I, self.w.live
        apps, skill, u, given = _programme_applicants(
            w.act,
            int(w.nact[0]),
            I,
            w.F,
            self.key,
            t,
            live["programme.apply_independent"],
            live["programme.apply_other"],
            w.settings,
            live["programme.record_weight"],
            live["programme.record_cap"],
        )
        places = self.places(t)
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
        end = t + int(round(live["programme.duration"] * TICKS_PER_YEAR))
        admitted = _programme_admit(
            apps,
            skill,
            z,
            like,
            noise,
            places,
            I,
            self.key,
            t,
            end,
            live["programme.alumni_collaboration"],
            live["programme.selection_noise"],
            live["programme.outside_noise"],
        )
        if len(given):
            _place(given, I, self.key, t, end, live["programme.alumni_collaboration"])
        filled = min(places, len(apps) + n_out)
        self._cohorts.append((t, end, filled + len(given)))
        self._running.append(self._cohorts[-1])
        self.history.append(
            {
                "tick": t,
                "applicants": len(apps) + n_out,
                "insiders": len(apps),
                "places": places,
                "admitted": admitted,
                "filled": filled,
                "places_offered": int(round(live["programme.places"])),
            }
        )

    def scholars(self, t: int) -> int:
        """Scholars in the cohorts running at tick ``t`` (begun before it, not yet ended). Ticks are
        asked in order, so a cohort ended by ``t`` is dropped from the ones looked at."""
        running, total, ended = self._running, 0, False
        for start, end, n in running:
            if end <= t:
                ended = True
            elif start < t:
                total += n
        if ended:
            self._running = [c for c in running if c[1] > t]
        return total

    def places(self, t: int) -> int:
        """The places of a cohort beginning at ``t``: the programme's, as far as the leads'
        mentor time free this month allows (``programme.mentor_hours`` a week a scholar)."""
        live = self.w.live
        places = int(round(live["programme.places"]))
        hours = live["programme.mentor_hours"]
        if hours > 0.0:
            free = self.w.mentor[0] - hours * self.scholars(t)
            places = max(0, min(places, int(math.floor(free / hours + 1e-9))))
        return places


@njit(cache=True)
def _programme_applicants(act, n, I, F, key, t, apply_independent, apply_other, PS, record_w, record_cap):
    """Researchers (independent, unfunded, PhD students, contributors) not in a cohort
    now who apply this round: independents with chance ``apply_independent``,
    others with ``apply_other``; in row order. Returns their rows, skill scores (the
    track record weighted by ``record_w`` up to ``record_cap``) and
    the uniforms of their selection noise, and the rows of those whose own settings
    (``PS``) give them a place at the first cohort they may join (who do not compete;
    those whose settings refuse a place never apply)."""
    rows = np.empty(n, dtype=np.int64)
    skill = np.empty(n)
    u = np.empty(n)
    given = np.empty(0 if len(PS) == 0 else n, dtype=np.int64)
    m = ng = 0
    for j in range(n):  # without branches: everyone's draw is made, and kept only for those who may apply
        r = act[j]
        st = I[r, STATE]
        independent = (st == INDEPENDENT) | (st == UNFUNDED)
        may = (independent | (st == PHD) | (st == CONTRIBUTOR)) & (I[r, PROG_END] < t)
        chance = apply_independent if independent else apply_other
        ps = I[r, SETTINGS]
        if ps >= 0 and PS[ps, PS_PROGRAMME] != PROG_COMPETE:  # (rare) the person's own choice
            if may and PS[ps, PS_PROGRAMME] == PROG_ALWAYS and (I[r, FLAGS] & F_PROGRAMME) == 0:
                given[ng] = r
                ng += 1
            continue
        rows[m] = r
        m += may & (uniform(key, I[r, PID], t, 0) < chance)
    # the applicants' scores in a second pass: the scan above stays short, which
    # keeps many rows' loads in flight when the table is not in cache
    for j in range(m):
        r = rows[j]
        skill[j] = skill_score(F, r, record_w, record_cap)
        u[j] = uniform(key, I[r, PID], t, 1)
    return rows[:m], skill[:m], u[:m], given[:ng]


@njit(cache=True)
def _place(rows, I, key, t, end, collab_share):
    """``rows`` join the cohort until ``end``; each finds a collaborator with chance ``collab_share``."""
    for r in rows:
        I[r, PROG_END] = end
        I[r, FLAGS] |= F_PROGRAMME
        if uniform(key, I[r, PID], t, 2) < collab_share:
            I[r, FLAGS] |= F_COLLAB


@njit(cache=True)
def _programme_admit(apps, skill, z, like, noise, places, I, key, t, end, collab_share, noise_sd, outside_sd):
    """Fill ``places`` among the insiders ``apps`` (scores ``skill + noise_sd * z``, written
    back to ``skill``) and the outside applicants (scores ``score[like] + outside_sd * noise``):
    the insiders scoring at least the ``places``-th best score of all take a place, in row
    order, up to ``places``. Each admitted insider is in the cohort until ``end`` and
    finds a collaborator with chance ``collab_share``. Returns the number admitted."""
    n = len(apps)
    m = n + len(like)
    score = skill
    for j in range(n):
        score[j] = skill[j] + noise_sd * z[j]
    if places <= 0 or n == 0:
        return 0
    if places >= m:
        cut = -np.inf
    else:
        allscores = np.empty(m)
        allscores[:n] = score
        for i in range(len(like)):
            allscores[n + i] = score[like[i]] + outside_sd * noise[i]
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
