"""The shared state of one replication: the agents' arrays, the advisors, the live
parameters, the transition log and the lists the monthly step keeps."""

from __future__ import annotations

import numpy as np

from careersim.core.clock import TICKS_PER_YEAR
from careersim.core.compiled import njit
from careersim.engine.kernel import NCLS
from careersim.engine.layout import (
    EVL,
    EXE,
    GEN,
    N_PS,
    N_STATS,
    RECORD,
    SINCE,
    STATE,
)


class World:
    """Shared state of one replication: agents, advisors, live parameters, log."""

    def __init__(self, agents, advisors, live, streams, total_ticks: int, settings: np.ndarray | None = None):
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
        self.stats = np.zeros(N_STATS, dtype=np.int64)  # the monthly step's statistics (layout.STATS)
        self.step_tick = -1  # tick of the latest monthly step (its lists hold for that month only)
        # the month's mentor time, weekly hours (set by the field before each step): supplied by
        # the leads, asked for, given, and given to programme cohorts
        self.mentor = np.zeros(4)
        # people's own settings, one row per extra cohort that has them (layout.PS_*), referred
        # to by their SETTINGS column; no rows for a field of the scenario's people only
        self.settings = np.zeros((0, N_PS)) if settings is None else np.ascontiguousarray(settings, dtype=np.float64)

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


@njit(cache=True, inline="always")
def skill_score(F, r, record_w, record_cap):
    """A candidate's skills as selectors see them: idea generation and evaluation, half of
    execution, and the track record weighted by ``record_w`` up to ``record_cap``."""
    return F[r, GEN] + F[r, EVL] + 0.5 * F[r, EXE] + record_w * min(F[r, RECORD], record_cap)
