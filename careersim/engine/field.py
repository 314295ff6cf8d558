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
 2    monthly step    every month: the leads' mentor time shared out (M11), then
                      learning, wellbeing, hazards (M2-M8)
 3    admissions      once a year, in the admission month (M4)
 4    grant office    every month: queue, reviews, decisions (M5)
 5    programme       at each cohort's start (M5)
 6    hiring          every quarter: lead openings filled (M7)
 7    arrival         once: transformative AI arrives (M9)
 8    recorder        every month: the time series
====  ==============  =====================================================

The four monthly institutions (intake, monthly step, grant office, recorder) are
one SimPy process, :meth:`FieldModel._month`: it acts at each phase in turn and
waits on the calendar only when another process has an event due before the next
phase, so the order above is kept and most months take one wake-up instead of four.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import simpy

from careersim.config.schema import Intervention
from careersim.core.clock import TICKS_PER_MONTH, TICKS_PER_QUARTER, TICKS_PER_YEAR
from careersim.core.codes import EXITED, INDEPENDENT, LEAD, N_STATES, PHD, STATE_NAMES, UNFUNDED
from careersim.core.compiled import njit
from careersim.core.rng import Streams
from careersim.engine.admissions import Admissions
from careersim.engine.grants import GrantOffice
from careersim.engine.hiring import REC, Hiring
from careersim.engine.kernel import credit_final_month, exp_upper_table, step
from careersim.engine.layout import (
    ADVISOR,
    F_SAFE_ADVISOR,
    FLAGS,
    N_PS,
    ST_FUNDED,
    ST_INDEPENDENT_LEADS,
    ST_NONPROFIT,
    ST_READY,
    ST_WAITING,
    STATE,
)
from careersim.engine.parameters import Live
from careersim.engine.population import (
    Cohort,
    add_cohorts,
    enter,
    log_entries_needed,
    make_advisors,
    make_agents,
)
from careersim.engine.programme import Programme
from careersim.engine.vector import arrival_tick
from careersim.engine.world import World

# the live values of the month's mentor time (FieldModel.share_mentor_time), in the order it reads them
_MENTOR_HOURS = (
    "mentoring.lead_hours",
    "mentoring.external_hours",
    "programme.mentor_hours",
    "independent.mentor_hours",
    "contributor.mentor_hours_nonprofit",
    "phd.cosupervision_hours",
)
PHASES = ("intake", "interventions", "step", "admissions", "grants", "programme", "hiring", "arrival", "recorder")
PHASE = {name: k / 16.0 for k, name in enumerate(PHASES)}
EXPHI = exp_upper_table()


class FieldModel:
    """One replication's field: build with parameter values, then :meth:`run`.

    What varies between uses is passed in: ``interventions`` (policies with their
    times) and ``extra``, cohorts of specified people added beside the scenario's
    entrants (:class:`~careersim.engine.population.Cohort`), who go through the same
    intake, admissions, grants, programme and hiring as everyone, with their own
    settings read by the monthly step and the institutions. Their rows are
    ``extra_rows[k]`` for cohort ``k``. Without extras the field is exactly the
    scenario's.
    """

    def __init__(self, values: dict, interventions: list[Intervention], streams: Streams, extra: Sequence[Cohort] = ()):
        self.values = values
        self.streams = streams
        self.burn_in = int(round(values["run.burn_in"] * TICKS_PER_YEAR))
        self.T = self.burn_in + int(round(values["run.horizon"] * TICKS_PER_YEAR))
        self.arrival_years = float(values["timelines.arrival"])
        self.arrival_tick = arrival_tick(values)
        self.live = Live(values)
        self.advisors = make_advisors(values, streams, self.T)
        agents = make_agents(values, streams, self.T, self.advisors)
        self.extra_rows: list[np.ndarray] = []
        settings = np.zeros((0, N_PS))
        if extra:
            agents, self.extra_rows, settings = add_cohorts(agents, extra, values, streams, self.burn_in)
        self.world = World(agents, self.advisors, self.live, streams, self.T, settings)
        self.world.n = agents.n_initial
        I0 = agents.I[: agents.n_initial]
        listed = np.flatnonzero((I0[:, STATE] != 0) & (I0[:, STATE] != EXITED))
        self.world.act[: len(listed)] = listed
        self.world.nact[0] = len(listed)
        self.world.counts[:] = np.bincount(I0[:, STATE], minlength=N_STATES)
        self.world.counts[0] = len(agents.I) - agents.n_initial
        phd0 = I0[(I0[:, STATE] == PHD) & (I0[:, ADVISOR] >= 0), ADVISOR]
        self.world.adv_load[:] = np.bincount(phd0, minlength=len(self.advisors.quality))
        self._adv_from = np.sort(self.advisors.active_from)
        self._hours = np.zeros(len(self.advisors.quality))  # each advisor's hours per student, set monthly
        self._entry_ticks = np.ascontiguousarray(self.world.entry_ticks, dtype=np.int64)  # in entry order, increasing
        self.admissions = Admissions(self.world)
        self.grants = GrantOffice(self.world)
        self.programme = Programme(self.world)
        self.hiring = Hiring(self.world)
        self.interventions = interventions
        self.active_policies: list[str] = []
        self.policy_marks: list[tuple[str, float, float | None]] = []
        self.keys = (streams.key("feedback"), streams.key("hazard"), streams.key("transition"))
        self._step_keys = tuple(np.uint64(k) for k in self.keys)
        # the monthly time series: integer columns (tick, the counts of TS_INT, then the
        # researchers in each state) and float columns (TS_FLOAT), one row per month
        months = self.T // TICKS_PER_MONTH + 1
        self._ts_i = np.zeros((months, 1 + len(TS_INT) + N_STATES), dtype=np.int64)
        self._ts_f = np.zeros((months, len(TS_FLOAT)))
        self._policies: list[str] = []  # the policies in force, by month
        self.months = 0
        self.env = simpy.Environment()
        self.wakeups = 0  # institution wake-ups (one per action at its phase): an exact count, tested
        self._mentor_version = -1  # the live values' version the mentor hours were read at

    # -- the calendar ----------------------------------------------------------------
    def _periodic(self, phase: str, first: int, period: int, action):
        env, offset, T = self.env, PHASE[phase], self.T
        timeout = env.timeout
        t = first
        while t < T:
            yield timeout(t + offset - env.now)
            self.wakeups += 1
            action(t)
            t += period

    def _month(self, chain):
        """The monthly institutions ``chain`` ((phase, action) pairs in phase order) every
        month: each acts at its phase of the month's tick, in order. The process waits on
        the calendar before a phase only when another process has an event due before it
        (``env.peek()``; no other process shares these phases, and no action reads the
        clock or schedules events), so actions run in exactly the order separate processes
        would give. The first wait is always taken, so every process has started first."""
        env, T = self.env, self.T
        timeout, peek = env.timeout, env.peek
        chain = [(PHASE[phase], action) for phase, action in chain]
        t, first = 0, True
        while t < T:
            for offset, action in chain:
                at = t + offset
                if first or peek() < at:
                    yield timeout(at - env.now)
                    first = False
                self.wakeups += 1
                action(t)
            t += TICKS_PER_MONTH

    def _once(self, phase: str, t: int, action):
        if t < self.T:
            yield self.env.timeout(t + PHASE[phase] - self.env.now)
            self.wakeups += 1
            action(t)

    def run(self) -> FieldModel:
        env, v = self.env, self.values
        for pol in self.interventions:
            start = self.burn_in + int(round(pol.start * TICKS_PER_YEAR))
            env.process(self._once("interventions", max(start, 0), lambda t, p=pol: self.enact(p, t)))
            if pol.end is not None:
                end = self.burn_in + int(round(pol.end * TICKS_PER_YEAR))
                env.process(self._once("interventions", end, lambda t, p=pol: self.repeal(p, t)))
            self.policy_marks.append((pol.name, pol.start, pol.end))
        adm = (int(round(v["phd.admission_month"])) - 1) * TICKS_PER_MONTH
        env.process(self._periodic("admissions", adm, TICKS_PER_YEAR, self.admissions.round))
        cohorts = int(round(v["programme.cohorts_per_year"]))
        if cohorts > 0:
            period = TICKS_PER_YEAR // cohorts  # at most 12 cohorts (the schema's bound): a month apart or more
            for c in range(cohorts):
                env.process(
                    self._periodic("programme", c * period + TICKS_PER_MONTH, TICKS_PER_YEAR, self.programme.round)
                )
        env.process(self._periodic("hiring", 2 * TICKS_PER_MONTH, TICKS_PER_QUARTER, self.hiring.round))
        env.process(self._once("arrival", self.arrival_tick, lambda t: None))
        # created last, so the other processes' first events are on the calendar when it looks
        monthly = (
            ("intake", self.intake),
            ("step", self.monthly_step),
            ("grants", self.grant_round),
            ("recorder", self.record),
        )
        env.process(self._month(monthly))
        env.run(until=self.T)
        credit_final_month(self.T, self.world.n, self.live.P, self.world.F, self.world.I)
        return self

    # -- processes ---------------------------------------------------------------------
    def intake(self, t: int) -> None:
        w = self.world
        n = admit_entrants(self._entry_ticks, t, w.n, w.I, w.LOG, w.nlog, w.counts, w.act, w.nact, w.settings)
        if n < 0:  # no room in the log for them all: nobody entered yet
            w.ensure_log(-n)
            n = admit_entrants(self._entry_ticks, t, w.n, w.I, w.LOG, w.nlog, w.counts, w.act, w.nact, w.settings)
        w.n = n

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
        self._changed(saved, t)

    def repeal(self, pol: Intervention, t: int) -> None:
        saved = self._saved.pop(id(pol), {})
        for path, value in saved.items():
            self.live.set(path, value)
        if pol.name in self.active_policies:
            self.active_policies.remove(pol.name)
        self._changed(saved, t)

    def _changed(self, paths, t: int) -> None:
        """What a policy's change of live parameters ``paths`` changes beyond the values:
        the advisors interested in safety follow ``phd.safety_interested_share`` (each is
        while its own uniform is below the share), for new and current students alike."""
        if "phd.safety_interested_share" in paths and self.advisors.u_safe is not None:
            share = float(self.live["phd.safety_interested_share"])
            self.advisors.safe[:] = self.advisors.u_safe < share
            w = self.world
            mark_safe_students(w.act, int(w.nact[0]), w.I, self.advisors.safe)

    def share_mentor_time(self, t: int) -> None:
        """Share out the month's mentor time (M11: leads mentor). The leads in role (the
        field's and outside hires) give ``mentoring.lead_hours`` a week each, plus
        ``mentoring.external_hours``; the running programme cohorts take theirs first
        (their places were set from the time free when each began), the rest is shared in
        proportion between independent researchers, non-profit contributors and PhD
        co-supervision: each gets the hours it asks for times the share the remaining time
        covers. Sets ``x.programme_met`` and ``x.mentor_met`` for the step and
        ``world.mentor``: hours supplied, asked for, given and taken by programmes."""
        w, live = self.world, self.live
        if live.version != self._mentor_version:  # the hours, read again only when a live value changes
            self._mentor_version = live.version
            self._mentor_hours = tuple(live[p] for p in _MENTOR_HOURS)
        lead_h, external_h, programme_h, independent_h, nonprofit_h, cosupervision_h = self._mentor_hours
        counts, stats = w.counts, w.stats
        supply = lead_h * (int(counts[LEAD]) + self.hiring.outside_in_role) + external_h
        prog = programme_h * self.programme.scholars(t)
        prog_met = 1.0 if prog <= 0.0 else min(1.0, supply / prog)
        rest = supply - prog * prog_met
        indep = int(counts[INDEPENDENT] + counts[UNFUNDED]) + int(stats[ST_INDEPENDENT_LEADS])
        asked = independent_h * indep + nonprofit_h * int(stats[ST_NONPROFIT]) + cosupervision_h * int(counts[PHD])
        met = 1.0 if asked <= 0.0 else max(0.0, min(1.0, rest / asked))
        live.set_derived("x.programme_met", prog_met)
        live.set_derived("x.mentor_met", met)
        m = w.mentor
        m[0], m[1], m[2], m[3] = supply, prog + asked, prog * prog_met + asked * met, prog * prog_met

    def monthly_step(self, t: int) -> None:
        w, live = self.world, self.live
        self.share_mentor_time(t)
        w.ensure_log(2 * int(w.nact[0]) + 16)
        if live["grants.calibrated"] > 0.5:
            live.set("x.calibrated_wait", self.grants.expected_wait(t) + 1.0 / 12.0)
        elif live["x.calibrated_wait"] != 0.0:
            live.set("x.calibrated_wait", 0.0)
        self.step_rows(t, float(live["phd.advisor_hours"]))
        w.funded = int(w.stats[ST_FUNDED])
        w.step_tick = t

    def step_rows(self, t: int, hours: float) -> None:
        """The compiled monthly step over the listed rows with the live parameters and each
        advisor's ``hours`` a week: fills ``world.stats``, ``world.wants``, ``world.ready``
        and the state counts, and compacts ``world.act``."""
        w = self.world
        kfb, khz, ktr = self._step_keys
        step(
            t,
            w.act,
            w.nact,
            w.vis,
            w.nvis,
            self.live.P,
            kfb,
            khz,
            ktr,
            w.F,
            w.I,
            self.advisors.quality,
            self.advisors.safe,
            self._hours,
            hours,
            w.adv_load,
            w.LOG,
            w.nlog,
            w.stats,
            w.wants,
            w.ready,
            EXPHI,
            w.out_flags,
            w.groups,
            w.settings,
            w.counts,
            w.n,
        )

    def grant_round(self, t: int) -> None:
        self.grants.round(t)

    def record(self, t: int) -> None:
        w = self.world
        m = self.months
        if m == len(self._ts_i):
            self._ts_i = np.concatenate([self._ts_i, np.zeros_like(self._ts_i)])
            self._ts_f = np.concatenate([self._ts_f, np.zeros_like(self._ts_f)])
        g, h = self.grants, self.hiring
        record_month(
            self._ts_i[m],
            self._ts_f[m],
            t,
            w.counts,
            w.stats,
            w.adv_load,
            self._adv_from,
            int(round(self.live["phd.max_students"])),
            g._ms_i,
            g._ms_f,
            g.nmonth - 1,
            h.n_open,
            h.capacity,
            h.outside_in_role,
            h._rec,
            h.nround - 1 if h.nround and h._last == t else -1,  # a hiring round this month
            w.mentor,
        )
        self._policies.append(",".join(self.active_policies))
        self.months = m + 1

    def series_columns(self) -> dict:
        """The monthly records as columns: tick, then those of TS_INT and TS_FLOAT in the
        order of TS_COLUMNS, the policies in force, and the researchers in each state."""
        m = self.months
        ti, tf = self._ts_i[:m], self._ts_f[:m]
        cols = {"tick": ti[:, 0].copy()}
        for name in TS_COLUMNS:
            cols[name] = ti[:, 1 + TS_INT.index(name)].copy() if name in TS_INT else tf[:, TS_FLOAT.index(name)].copy()
        cols["policies"] = list(self._policies)
        counts = ti[:, 1 + len(TS_INT) :]
        for j, name in enumerate(STATE_NAMES):
            cols[f"n_{name}"] = counts[:, j]
        return cols


# the time series' columns after the tick, in order: "ready" and "ready_waiting" as of the
# monthly step, advisor places and those used, the grant office's month (queue, in review or
# awaiting a decision, reviewer utilisation, holding a grant, budget), open lead positions;
# then lead positions (capacity), outside leads in role, the openings from growth and from
# replacement in the month's hiring round (0 in months without one), and the weekly mentor
# hours the leads supply, those asked for and those given (M11)
TS_COLUMNS = (
    "ready",
    "ready_waiting",
    "advisor_slots",
    "advisor_slots_used",
    "grant_queue",
    "grant_in_review",
    "reviewer_utilisation",
    "funded",
    "budget",
    "vacancies",
    "positions",
    "outside_leads",
    "opened_growth",
    "opened_replacement",
    "mentor_hours_supplied",
    "mentor_hours_asked",
    "mentor_hours_given",
)
TS_INT = (
    "ready",
    "ready_waiting",
    "advisor_slots",
    "advisor_slots_used",
    "grant_queue",
    "grant_in_review",
    "funded",
    "vacancies",
    "positions",
    "outside_leads",
    "opened_growth",
    "opened_replacement",
)
TS_FLOAT = ("reviewer_utilisation", "budget", "mentor_hours_supplied", "mentor_hours_asked", "mentor_hours_given")
# where the monthly record (record_month) writes the positions and the mentor hours
_TS_POSITIONS, _TS_MENTOR = 1 + TS_INT.index("positions"), TS_FLOAT.index("mentor_hours_supplied")
_REC_GROWTH, _REC_REPLACEMENT = REC["opened_growth"], REC["opened_replacement"]


@njit(cache=True)
def record_month(
    row_i,
    row_f,
    t,
    counts,
    stats,
    adv_load,
    adv_from,
    cap,
    g_i,
    g_f,
    g,
    vacancies,
    positions,
    outside,
    h_rec,
    h,
    mentor,
):
    """A month's row of the time series (see :data:`TS_INT`, :data:`TS_FLOAT`): the
    advisors active by ``t`` (``adv_from`` sorted) times ``cap`` places, the grant
    office's record of month ``g`` (zeros when ``g < 0``), the positions open
    (``vacancies``) and in all (``positions`` by source), the outside leads in role, the
    openings from growth and replacement of the hiring round ``h_rec[h]`` (zeros when
    ``h < 0``: no round this month), the mentor hours (``mentor[:3]``: supplied, asked
    for, given), then the state counts."""
    used = 0
    for a in range(len(adv_load)):
        used += adv_load[a]
    row_i[0] = t
    row_i[1], row_i[2] = stats[ST_READY], stats[ST_WAITING]
    row_i[3] = np.searchsorted(adv_from, t, side="right") * cap
    row_i[4] = used
    if g >= 0:
        row_i[5], row_i[6], row_i[7] = g_i[g, 1], g_i[g, 2], g_i[g, 6]
        row_f[0], row_f[1] = g_f[g, 0], g_f[g, 1]
    else:
        row_i[5] = row_i[6] = row_i[7] = 0
        row_f[0] = row_f[1] = 0.0
    row_i[8] = vacancies
    total = 0
    for i in range(len(positions)):
        total += positions[i]
    row_i[_TS_POSITIONS] = total
    row_i[_TS_POSITIONS + 1] = outside
    if h >= 0:
        row_i[_TS_POSITIONS + 2], row_i[_TS_POSITIONS + 3] = h_rec[h, _REC_GROWTH], h_rec[h, _REC_REPLACEMENT]
    else:
        row_i[_TS_POSITIONS + 2] = row_i[_TS_POSITIONS + 3] = 0
    for j in range(3):
        row_f[_TS_MENTOR + j] = mentor[j]
    first = len(row_i) - len(counts)  # the state counts close the row
    for j in range(len(counts)):
        row_i[first + j] = counts[j]


@njit(cache=True)
def admit_entrants(entry_ticks, t, n, I, LOG, nlog, counts, act, nact, PS):
    """The rows from ``n`` on whose entry tick (``entry_ticks``, increasing) has come by
    ``t`` enter the field (:func:`enter`, with the settings table ``PS``). Returns the number
    entered so far, or, when the log has no room for the newcomers, minus that room
    needed, with nobody entered."""
    n_new = n
    while n_new < len(entry_ticks) and entry_ticks[n_new] <= t:
        n_new += 1
    if n_new > n:
        need = log_entries_needed(I, n, n_new, PS)
        if nlog[0] + need > len(LOG):
            return -need
        enter(I, n, n_new, t, LOG, nlog, counts, act, nact, PS)
    return n_new


@njit(cache=True)
def mark_safe_students(act, n, I, safe):
    """PhD students in the field (``act[:n]``) whose advisor is now interested in safety
    count as having had a safety-interested advisor."""
    for j in range(n):
        r = act[j]
        if I[r, STATE] == PHD and safe[I[r, ADVISOR]] > 0:
            I[r, FLAGS] |= F_SAFE_ADVISOR
