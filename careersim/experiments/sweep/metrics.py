"""The names of a replication's metrics, which a sweep's outcomes may use."""

from __future__ import annotations

import functools

from careersim.core.codes import RESOURCES
from careersim.experiments.warmup import warm_up


@functools.lru_cache(maxsize=1)
def known_metrics() -> tuple[str, ...]:
    """Names of every metric in a replication's summary, read from the warm-up's tiny field
    (:func:`careersim.experiments.warmup.warm_up`, which also compiles the engine here)."""
    summary = warm_up()
    names = list(summary)
    for r in RESOURCES:  # present only when the resource saw any use
        for prefix in ("util_", "excess_"):
            if prefix + r not in summary:
                names.append(prefix + r)
    return tuple(names)
