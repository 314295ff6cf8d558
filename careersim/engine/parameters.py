"""Drawing a replication's parameter values and holding the live ones.

A scenario's numeric parameters may be distributions; each is drawn once per
replication from its own sub-stream of the ``params`` stream (keyed by its
dotted path), so making one parameter uncertain leaves the draws of all the
others unchanged; the AI arrival (``timelines.arrival``) has a stream of its own,
``arrival`` (M9). A scenario that names a calibration's posterior
(``calibration.posterior``) draws one joint sample of the fitted parameters per
replication, by weight, from the ``posterior`` stream; those values replace the
scenario's (:mod:`careersim.config.posterior`). Interventions then change *live* parameters during the run
through :class:`Live`, which keeps the kernel's parameter vector in step.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from careersim.config.schema import Scenario, get_path, iter_parameters
from careersim.core.rng import Streams
from careersim.engine.vector import INDEX, KERNEL_PARAMS, derived_values

ARRIVAL = "timelines.arrival"  # drawn from its own stream, 'arrival'


@lru_cache(maxsize=1)
def _parameters() -> tuple:
    """Every declared parameter (path, field info, meta), listed once."""
    return tuple(iter_parameters())


def draw_parameters(scenario: Scenario, streams: Streams, drawn: list[str] | None = None) -> dict[str, Any]:
    """Every parameter's value for one replication, by dotted path.

    Numbers stay numbers; distributions over parameters are drawn; fields that
    describe variation between people (kind ``distribution``) stay
    distribution objects; choices (strings, booleans) are passed through.
    The paths of the parameters drawn (those :func:`uncertain_parameters` lists, in
    its order) are appended to ``drawn`` when given.
    """
    values: dict[str, Any] = {}
    for path, _info, meta in _parameters():
        v = get_path(scenario, path)
        if meta.get("kind") == "distribution":
            values[path] = v
        elif hasattr(v, "ppf"):
            gen = streams.generator("arrival") if path == ARRIVAL else streams.generator("params", path)
            u = gen.random()
            values[path] = float(v.ppf(u))
            if drawn is not None:
                drawn.append(path)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            values[path] = float(v)
        else:
            values[path] = v
    posterior = scenario.calibration.read()
    if posterior is not None:  # one joint sample per replication, correlations kept
        for path, v in posterior.draw(streams.generator("posterior").random()).items():
            values[path] = v
            if drawn is not None and path not in drawn:
                drawn.append(path)
    return values


def uncertain_parameters(scenario: Scenario) -> list[str]:
    """Paths of parameters drawn per replication: those given as distributions, then those
    the scenario's posterior holds."""
    out = []
    for path, _info, meta in _parameters():
        if meta.get("kind") != "distribution" and hasattr(get_path(scenario, path), "ppf"):
            out.append(path)
    posterior = scenario.calibration.read()
    if posterior is not None:
        out += [p for p in posterior.parameters if p not in out]
    return out


class Live(dict):
    """The parameters institutions and the monthly step read while running.

    A dict of values by dotted path (reading one is a plain dict lookup, which the
    institutions do thousands of times a replication). Writing a value (``live[path]
    = v``, :meth:`update` or :meth:`set`, which stores a number as a float) also keeps
    the kernel's parameter vector ``P`` (laid out by :mod:`careersim.engine.vector`,
    derived entries included) in step and counts the change in
    ``version``, so a reader can keep settings it derives from the values until the
    next change.
    """

    def __init__(self, values: dict[str, Any]):
        super().__init__(values)
        dict.update(self, derived_values(values))  # the vector's derived entries (careersim.engine.vector)
        self.P = np.array([float(self[k]) for k in KERNEL_PARAMS], dtype=np.float64)
        self.version = 0

    def __setitem__(self, path: str, value: Any) -> None:
        if not (self.get(path) == value):  # a change (NaN counts as one)
            self.version += 1
        super().__setitem__(path, value)
        i = INDEX.get(path)
        if i is not None:
            self.P[i] = float(value)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for path, value in dict(*args, **kwargs).items():
            self[path] = value

    def set(self, path: str, value: float) -> None:
        self[path] = float(value)

    def set_derived(self, path: str, value: float) -> None:
        """Set a derived entry of the kernel's vector that the field keeps up to date
        every month (``x.mentor_met``, ...) without counting a change in ``version``:
        no institution derives settings from these."""
        value = float(value)
        dict.__setitem__(self, path, value)
        self.P[INDEX[path]] = value
