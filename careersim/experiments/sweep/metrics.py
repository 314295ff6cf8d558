"""The names of a replication's metrics, which a sweep's outcomes may use."""

from __future__ import annotations

import functools

from careersim.analysis.replication import simulate
from careersim.config.schema import Scenario, baseline
from careersim.core.codes import RESOURCES


def tiny_scenario() -> Scenario:
    """A field small enough to simulate in a few milliseconds (names of metrics, warm-up)."""
    return baseline().with_changes({
        "population.entrants_per_year": 20, "run.horizon": 3.0, "initial.leads": 5,
        "initial.phd_students": 5, "initial.independents": 5, "initial.contributors": 5,
        "phd.advisors": 10,
    })


@functools.lru_cache(maxsize=1)
def known_metrics() -> tuple[str, ...]:
    """Names of every metric in a replication's summary (found by simulating a tiny field).

    This also compiles the engine in the calling process, so forked workers
    inherit the compiled code.
    """
    summary = simulate(tiny_scenario(), 0, 0).summary
    names = list(summary)
    for r in RESOURCES:  # present only when the resource saw any use
        for prefix in ("util_", "excess_"):
            if prefix + r not in summary:
                names.append(prefix + r)
    return tuple(names)
