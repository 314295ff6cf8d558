"""The engine's compiled code, made ready before the work starts.

numba compiles each engine function the first time it is called with given
argument types, and keeps the machine code in its cache (beside the sources),
shared by every command: the first run on a machine compiles, every later run
loads. :func:`warm_up` runs one tiny replication in this process, so that the
code is ready (compiled or loaded) before worker processes are forked: they
inherit it instead of each compiling or loading it again.

``on_compile(name, finished)`` is told when numba starts and finishes compiling
one of careersim's functions (not when it loads one from the cache), through
numba's event API, so a command can say that it is compiling and show progress.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numba.core import event

from careersim.analysis.replication import simulate
from careersim.config.schema import Scenario, baseline

__all__ = ["warm_up", "tiny_field"]

#: the smallest field that calls every engine function: a few people for a year (admissions are yearly)
TINY = {
    "population.entrants_per_year": 5, "run.horizon": 1.0,
    "initial.leads": 1, "initial.phd_students": 1, "initial.independents": 1, "initial.contributors": 1,
    "phd.advisors": 2,
}


def tiny_field(base: Scenario | None = None) -> Scenario:
    """``base`` (default: the baseline) shrunk to the tiny field of :data:`TINY`."""
    return (base or baseline()).with_changes(TINY)


class _Listener(event.Listener):
    """Passes numba's compile events for careersim's own functions to ``on_compile``."""

    def __init__(self, on_compile: Callable[[str, bool], None]) -> None:
        self.on_compile = on_compile

    @staticmethod
    def _name(ev: event.Event) -> str | None:
        func = getattr(ev.data.get("dispatcher"), "py_func", None)
        module = getattr(func, "__module__", "") or ""
        return f"{module}.{func.__qualname__}" if module.startswith("careersim.") else None

    def on_start(self, ev: event.Event) -> None:
        name = self._name(ev)
        if name is not None:
            self.on_compile(name, False)

    def on_end(self, ev: event.Event) -> None:
        name = self._name(ev)
        if name is not None:
            self.on_compile(name, True)


def warm_up(on_compile: Callable[[str, bool], None] | None = None, advise: bool = False) -> None:
    """Compile (first run on a machine) or load the engine's code by running one tiny replication;
    with ``advise``, one with copies of a person (:mod:`careersim.experiments.advise`) instead: their
    person ids need 64-bit integer columns, for which numba compiles the engine separately."""
    listener = _Listener(on_compile) if on_compile is not None else None
    if listener is not None:
        event.register("numba:compile", listener)
    try:
        if not advise:
            simulate(tiny_field(), 0, 0)
        else:
            from careersim.experiments.advise import (  # lazy: only advise needs it
                CloneCohort,
                CloneGroup,
                simulate_clones,
            )

            copies = CloneGroup(key="w", path="independent", slots=np.arange(2), entry_ticks=np.zeros(2, dtype=np.int64),
                                background=0, learning_rate=1.0, self_direction=0.5, resilience=0.5, mentor_hours=0.5,
                                mentor_quality=0.5)
            simulate_clones(tiny_field(), 0, 0, CloneCohort([copies]))
    finally:
        if listener is not None:
            event.unregister("numba:compile", listener)
