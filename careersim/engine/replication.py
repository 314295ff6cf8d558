"""One replication of the engine: a pure function of (scenario, seed) returning the finished field.

``run_replication(scenario, seed, replication=0, extra=())`` draws the
replication's parameter values (each uncertain parameter from its own stream,
the AI arrival from its own), builds the field (with the ``extra`` cohorts of
specified people, :class:`~careersim.engine.population.Cohort`) and runs it to the
horizon. The tables and metrics are read from the finished field by
:mod:`careersim.analysis`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from careersim.config.schema import Scenario
from careersim.core.rng import Streams
from careersim.engine.field import FieldModel
from careersim.engine.parameters import draw_parameters
from careersim.engine.population import Cohort


@dataclass
class Run:
    """A finished replication: the field, every parameter's value and those drawn."""

    model: FieldModel
    values: dict
    drawn: dict  # the uncertain parameters' draws and the AI arrival


def run_replication(scenario: Scenario, seed: int, replication: int = 0, extra: Sequence[Cohort] = ()) -> Run:
    """Run replication ``replication`` of ``scenario`` with root ``seed`` (and the ``extra``
    cohorts: their draws are keyed by their own person ids, so no one else's draws change)."""
    streams = Streams(seed, replication)
    uncertain: list[str] = []
    values = draw_parameters(scenario, streams, uncertain)
    model = FieldModel(values, list(scenario.interventions), streams, extra=extra).run()
    drawn = {k: values[k] for k in uncertain}
    drawn["timelines.arrival"] = values["timelines.arrival"]
    return Run(model, values, drawn)
