"""The compiled monthly step's parameter vector, laid out from the schema.

The step reads its parameters from one float vector ``P``. Its layout is
generated here, at import, never kept by hand:

* first every scenario parameter declared with ``kernel=True`` in
  :mod:`careersim.config.schema`, in declaration order;
* then the :data:`DERIVED` entries, which no scenario sets directly: each is
  computed once from the replication's parameter values (and some are kept up
  to date by the field while it runs).

Each entry gets a module-level integer named after its path, upper-cased with
dots as underscores (``learning.signal_gain`` -> ``LEARNING_SIGNAL_GAIN``,
``x.arrival_tick`` -> ``X_ARRIVAL_TICK``). The kernel reads ``P[V.LEARNING_SIGNAL_GAIN]``
with ``V`` this module; numba takes the integers as compile-time constants.
Reading a name the schema does not flag fails at compile time, and a flagged
parameter the kernel never reads fails a test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from careersim.config.schema import iter_parameters
from careersim.core.clock import TICKS_PER_YEAR


@dataclass(frozen=True)
class Derived:
    """An entry of the vector computed from the parameter values, not set by a scenario."""

    path: str
    meaning: str
    value: Callable[[dict], float]


def arrival_tick(values: dict) -> int:
    """The tick of transformative AI's arrival: after the burn-in, ``timelines.arrival`` years in."""
    burn_in = int(round(values["run.burn_in"] * TICKS_PER_YEAR))
    return burn_in + int(round(float(values["timelines.arrival"]) * TICKS_PER_YEAR))


#: the vector's derived entries, declared once
DERIVED = (
    Derived(
        "x.saturating",
        "1 if the dose-response of mentor time saturates, else 0",
        lambda v: 1.0 if v["learning.dose_response"] == "saturating" else 0.0,
    ),
    Derived(
        "x.lead_rule_final",
        "1 if PhD students may take a lead role in their final year, else 0",
        lambda v: 1.0 if v["phd.lead_rule"] == "final_phase" else 0.0,
    ),
    Derived(
        "x.arrival_tick",
        "the tick transformative AI arrives (lead-years are split there)",
        lambda v: float(arrival_tick(v)),
    ),
    Derived("x.exits_on", "0 switches every exit hazard off (for closed-form tests), else 1", lambda v: 1.0),
    Derived("x.gap_grace", "extra allowance of a funding gap before a first grant, years", lambda v: 0.5),
    Derived(
        "x.calibrated_wait",
        "expected review and decision wait, years, when grant decisions are "
        "calibrated (set monthly by the field), else 0",
        lambda v: 0.0,
    ),
    Derived(
        "x.dose_threshold",
        "1 if the dose-response of mentor time has a threshold, else 0",
        lambda v: 1.0 if v["learning.dose_response"] == "threshold" else 0.0,
    ),
    Derived(
        "x.start_tick",
        "the tick of time zero, after the burn-in (lead-years count from there)",
        lambda v: float(round(v["run.burn_in"] * TICKS_PER_YEAR)),
    ),
    Derived(
        "x.mentor_met",
        "share of the month's asked-for mentor hours (independents, non-profit contributors, "
        "PhD co-supervision) the leads' time covers (set monthly by the field)",
        lambda v: 1.0,
    ),
    Derived(
        "x.programme_met",
        "share of the running programme cohorts' mentor hours the leads' time covers (set monthly by the field)",
        lambda v: 1.0,
    ),
)


def _layout() -> tuple[str, ...]:
    flagged = tuple(path for path, _info, meta in iter_parameters() if meta.get("kernel"))
    return flagged + tuple(d.path for d in DERIVED)


def constant_name(path: str) -> str:
    """The module-level name of ``path``'s index: ``learning.signal_gain`` -> ``LEARNING_SIGNAL_GAIN``."""
    return path.upper().replace(".", "_")


#: the paths of the vector's entries, in order
KERNEL_PARAMS: tuple[str, ...] = _layout()
#: index of each path
INDEX: dict[str, int] = {path: i for i, path in enumerate(KERNEL_PARAMS)}
#: the vector's length
N_PARAMS = len(KERNEL_PARAMS)

globals().update({constant_name(path): i for path, i in INDEX.items()})


def derived_values(values: dict) -> dict[str, float]:
    """The derived entries' values for a replication's parameter ``values``."""
    return {d.path: float(d.value(values)) for d in DERIVED}


def layout_text() -> str:
    """The layout as text (index, path): a key of the compiled cache, and a reader's list."""
    return "\n".join(f"{i} {path}" for i, path in enumerate(KERNEL_PARAMS))


def __getattr__(name: str) -> Any:  # pragma: no cover - only reached for a name not in the layout
    raise AttributeError(
        f"careersim.engine.vector has no entry {name!r}: the kernel reads only parameters declared with "
        "kernel=True in careersim/config/schema.py, or a DERIVED entry"
    )
