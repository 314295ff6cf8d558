"""The field as a SimPy environment: the calendar and the order of institutions.

Time is an integer tick, 48 to a year (4 to a month, 12 to a quarter), so
months, quarters and years align exactly. Processes that act at the same tick
act in this fixed order, enforced by a phase offset of ``k/16`` tick (exact in
binary floating point):

====  ==============  =====================================================
 k    process         when
====  ==============  =====================================================
 0    intake          every month: entrants arrive (M1)
 1    interventions   at each policy's start and end (M10)
 2    monthly step    every month: learning, wellbeing, hazards (M2-M8)
 3    admissions      once a year, in the admission month (M4)
 4    grant office    every month: queue, reviews, decisions (M5)
 5    programme       at each cohort's start (M5)
 6    hiring          every quarter: lead openings filled (M7)
 7    arrival         once: transformative AI arrives (M9)
 8    recorder        every month: the time series
====  ==============  =====================================================
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np
import simpy

from ..rng import Streams
from ..scenario import Intervention
from .institutions import Admissions, GrantOffice, Hiring, Programme, World
from .kernel import TICKS_PER_YEAR, credit_final_month, exp_upper_table, step
from .params import Live
from .population import enter, make_advisors, make_agents
from .state import (
    ADVISOR, EXITED, N_STATES, PHD, STATE,
)

PHASES = ("intake", "interventions", "step", "admissions", "grants", "programme", "hiring", "arrival", "recorder")
PHASE = {name: k / 16.0 for k, name in enumerate(PHASES)}
MONTH = 4
QUARTER = 12
EXPHI = exp_upper_table()


class FieldModel:
    """One replication's field: build with parameter values, then :meth:`run`."""

    def __init__(self, values: dict, interventions: list[Intervention], streams: Streams):
        self.values = values
        self.streams = streams
        self.burn_in = int(round(values["run.burn_in"] * TICKS_PER_YEAR))
        self.T = self.burn_in + int(round(values["run.horizon"] * TICKS_PER_YEAR))
        self.arrival_years = float(values["timelines.arrival"])
        self.arrival_tick = self.burn_in + int(round(self.arrival_years * TICKS_PER_YEAR))
        extra = {
            "x.saturating": 1.0 if values["learning.dose_response"] == "saturating" else 0.0,
            "x.lead_rule_final": 1.0 if values["phd.lead_rule"] == "final_phase" else 0.0,
            "x.arrival_tick": float(self.arrival_tick),
            "x.exits_on": 1.0,
            "x.gap_grace": 0.5,
            "x.calibrated_wait": 0.0,
        }
        self.live = Live(values, extra)
        self.advisors = make_advisors(values, streams, self.T)
        agents = make_agents(values, streams, self.T, self.advisors)
        self.world = World(agents, self.advisors, self.live, streams, self.T)
        self.world.n = agents.n_initial
        I0 = agents.I[: agents.n_initial]
        listed = np.flatnonzero((I0[:, STATE] != 0) & (I0[:, STATE] != EXITED))
        self.world.act[: len(listed)] = listed
        self.world.nact[0] = len(listed)
        self.world.counts[:] = np.bincount(I0[:, STATE], minlength=N_STATES)
        self.world.counts[0] = len(agents.I) - agents.n_initial
        phd0 = I0[(I0[:, STATE] == PHD) & (I0[:, ADVISOR] >= 0), ADVISOR]
        self.world.adv_load[:] = np.bincount(phd0, minlength=len(self.advisors.quality))
        self._adv_from = sorted(self.advisors.active_from.tolist())
        self._entry_ticks = self.world.entry_ticks.tolist()  # in entry order, increasing
        self.admissions = Admissions(self.world)
        self.grants = GrantOffice(self.world)
        self.programme = Programme(self.world)
        self.hiring = Hiring(self.world)
        self.interventions = interventions
        self.active_policies: list[str] = []
        self.policy_marks: list[tuple[str, float, float | None]] = []
        self.keys = (streams.key("feedback"), streams.key("hazard"), streams.key("transition"))
        self._step_keys = tuple(np.uint64(k) for k in self.keys)
        self.series: list[np.ndarray] = []
        self.series_extra: list[dict] = []
        self.env = simpy.Environment()
        self.wakeups = 0  # institution wake-ups (SimPy timeouts served): an exact count, tested

    # -- the calendar ----------------------------------------------------------------
    def _periodic(self, phase: str, first: int, period: int, action):
        t = first
        while t < self.T:
            yield self.env.timeout(t + PHASE[phase] - self.env.now)
            self.wakeups += 1
            action(t)
            t += period

    def _once(self, phase: str, t: int, action):
        if t < self.T:
            yield self.env.timeout(t + PHASE[phase] - self.env.now)
            self.wakeups += 1
            action(t)

    def run(self) -> "FieldModel":
        env, v = self.env, self.values
        env.process(self._periodic("intake", 0, MONTH, self.intake))
        for pol in self.interventions:
            start = self.burn_in + int(round(pol.start * TICKS_PER_YEAR))
            env.process(self._once("interventions", max(start, 0), lambda t, p=pol: self.enact(p, t)))
            if pol.end is not None:
                end = self.burn_in + int(round(pol.end * TICKS_PER_YEAR))
                env.process(self._once("interventions", end, lambda t, p=pol: self.repeal(p, t)))
            self.policy_marks.append((pol.name, pol.start, pol.end))
        env.process(self._periodic("step", 0, MONTH, self.monthly_step))
        adm = (int(round(v["phd.admission_month"])) - 1) * MONTH
        env.process(self._periodic("admissions", adm, TICKS_PER_YEAR, self.admissions.round))
        env.process(self._periodic("grants", 0, MONTH, self.grant_round))
        cohorts = int(round(v["programme.cohorts_per_year"]))
        if cohorts > 0:
            period = TICKS_PER_YEAR // cohorts if TICKS_PER_YEAR % cohorts == 0 else TICKS_PER_YEAR // cohorts
            for c in range(cohorts):
                env.process(self._periodic("programme", c * period + MONTH, TICKS_PER_YEAR, self.programme.round))
        env.process(self._periodic("hiring", 2 * MONTH, QUARTER, self.hiring.round))
        env.process(self._once("arrival", self.arrival_tick, lambda t: None))
        env.process(self._periodic("recorder", 0, MONTH, self.record))
        env.run(until=self.T)
        credit_final_month(self.T, self.world.n, self.live.P, self.world.F, self.world.I)
        return self

    # -- processes ---------------------------------------------------------------------
    def intake(self, t: int) -> None:
        w = self.world
        n_new = bisect_right(self._entry_ticks, t)
        if n_new > w.n:
            w.ensure_log(n_new - w.n)
            enter(w.I, w.n, n_new, t, w.LOG, w.nlog, w.counts, w.act, w.nact)
            w.n = n_new

    def enact(self, pol: Intervention, t: int) -> None:
        saved = {}
        for path, value in pol.set.items():
            saved[path] = self.live[path]
            self.live.set(path, value)
        for path, factor in pol.scale.items():
            saved.setdefault(path, self.live[path])
            self.live.set(path, self.live[path] * factor)
        pol_state = getattr(self, "_saved", {})
        pol_state[id(pol)] = saved
        self._saved = pol_state
        self.active_policies.append(pol.name)

    def repeal(self, pol: Intervention, t: int) -> None:
        for path, value in self._saved.pop(id(pol), {}).items():
            self.live.set(path, value)
        if pol.name in self.active_policies:
            self.active_policies.remove(pol.name)

    def monthly_step(self, t: int) -> None:
        w = self.world
        hours = np.divide(float(self.live["phd.advisor_hours"]), np.maximum(1, w.adv_load))
        w.ensure_log(2 * int(w.nact[0]) + 16)
        if self.live["grants.calibrated"] > 0.5:
            self.live.set("x.calibrated_wait", self.grants.expected_wait(t) + 1.0 / 12.0)
        else:
            self.live.set("x.calibrated_wait", 0.0)
        self.step_rows(t, hours)
        w.counts[1:EXITED] = w.stats[1:EXITED]
        w.counts[EXITED] = w.n - int(w.nact[0])  # the step lists exactly those still in the field
        w.counts[0] = len(w.I) - w.n
        w.funded = int(w.stats[10])

    def step_rows(self, t: int, hours: np.ndarray) -> None:
        """The compiled monthly step over the listed rows with the live parameters.

        Fills ``world.stats``, ``world.wants`` and ``world.ready`` and compacts ``world.act``. A
        variant of the model may override this to step groups of rows with
        different parameter vectors (see :func:`kernel_pass`)."""
        w = self.world
        self.kernel_pass(t, w.act, w.nact, self.live.P, hours)

    def kernel_pass(self, t: int, act: np.ndarray, nact: np.ndarray, P: np.ndarray, hours: np.ndarray) -> None:
        """One call of the compiled step over ``act[:nact[0]]`` with parameter vector ``P``."""
        w = self.world
        kfb, khz, ktr = self._step_keys
        step(t, act, nact, P, kfb, khz, ktr, w.F, w.I,
             self.advisors.quality, self.advisors.safe, hours, w.adv_load, w.LOG, w.nlog, w.stats, w.wants, w.ready, EXPHI)

    def grant_round(self, t: int) -> None:
        self.grants.round(t)

    def record(self, t: int) -> None:
        w = self.world
        counts = w.counts.copy()
        cap = int(round(self.live["phd.max_students"]))
        n_adv = bisect_right(self._adv_from, t)  # advisors active by t
        g = self.grants.last_month()
        self.series.append(counts)
        self.series_extra.append({
            "tick": t,
            "ready": int(w.stats[8]),  # as of the monthly step
            "ready_waiting": int(w.stats[9]),
            "advisor_slots": n_adv * cap,
            "advisor_slots_used": int(w.adv_load.sum()),
            "grant_queue": g.get("queue", 0),
            "grant_in_review": g.get("in_review_or_decision", 0),
            "reviewer_utilisation": g.get("reviewer_busy", 0.0),
            "funded": g.get("funded", 0),
            "budget": g.get("budget", 0.0),
            "vacancies": self.hiring.n_open,
            "policies": ",".join(self.active_policies),
        })
