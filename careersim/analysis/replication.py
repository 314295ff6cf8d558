"""One replication's results: a pure function of (scenario, seed) returning tidy tables.

``simulate(scenario, seed, replication=0)`` runs the engine
(:func:`careersim.engine.replication.run_replication`) and returns a
:class:`Replication` with

* ``agents``, ``events``, ``timeseries`` and ``institutions``: tidy tables
  (:mod:`careersim.analysis.tables`);
* ``summary``: a flat dict of outcome metrics (:mod:`careersim.analysis.summary`)
  and the essays' claims (:mod:`careersim.analysis.claims`);
* ``parameters``: the parameter values drawn for this replication.

``outcomes(scenario, seed, replication)`` is the summary alone (no tables, no
claims): what paired counterfactual runs need, at about two thirds of the cost.

Nothing here reads or writes files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from careersim.analysis.claims import Columns, flatten, single_run_claims
from careersim.analysis.summary import summarise_replication
from careersim.analysis.tables import (
    agents_columns,
    events_columns,
    institution_columns,
    institution_tables,
    timeseries_columns,
)
from careersim.config.schema import Scenario
from careersim.engine.replication import run_replication


@dataclass
class Replication:
    agents: pd.DataFrame
    events: pd.DataFrame
    timeseries: pd.DataFrame
    summary: dict
    parameters: dict
    institutions: Mapping[str, pd.DataFrame] = field(default_factory=dict)  # tables built when first read


def simulate(scenario: Scenario, seed: int, replication: int = 0) -> Replication:
    """Run one replication of ``scenario`` with root ``seed``."""
    run = run_replication(scenario, seed, replication)
    model, values = run.model, run.values
    agent_cols, event_cols = agents_columns(model), events_columns(model)
    agents = pd.DataFrame(agent_cols, copy=False)  # the columns are fresh arrays: no copy into blocks
    events = pd.DataFrame(event_cols)
    ts_cols = timeseries_columns(model)
    ts = pd.DataFrame(ts_cols)
    inst_cols = institution_columns(model)
    inst = institution_tables(model, inst_cols)
    # the summary and the claims share the conversions of the agents' columns, and read
    # them (as the bottleneck metrics do the others) before they became tables
    cols = Columns(agent_cols)
    summary = summarise_replication(cols, ts_cols, inst_cols, values, model)
    summary.update(
        flatten(single_run_claims(cols, Columns(event_cols), values["run.horizon"], values["run.claims_window"]))
    )
    return Replication(
        agents=agents, events=events, timeseries=ts, summary=summary, parameters=run.drawn, institutions=inst
    )


def outcomes(scenario: Scenario, seed: int, replication: int = 0) -> dict:
    """The summary metrics of one replication (as in :func:`simulate`, without the claims),
    read straight from the finished field: no tables are built."""
    run = run_replication(scenario, seed, replication)
    model, values = run.model, run.values
    return summarise_replication(
        Columns(agents_columns(model)), timeseries_columns(model), institution_columns(model), values, model
    )
