"""Every shipped intervention acts: its paired difference from the baseline (same seeds,
a few replications) is not identically zero on the outcome its question names."""

from __future__ import annotations

import numpy as np
import pytest

import careersim as cs
from careersim.config import scenarios as io

#: each shipped intervention scenario and the outcome (a key of a replication's summary)
#: its question (the comment that opens its file) asks about
QUESTION_OUTCOME = {
    "agenda-agnostic-rfps": "new_leads",
    "more-rfp-positions": "new_leads",
    "agenda-agnostic-org": "new_leads",
    "multi-year-grants": "exit_funding_ran_out_independent",
    "more-grantmaker-capacity": "exit_funding_ran_out_independent",
    "more-programme-places": "p_lead_independent",
    "safety-advisors": "safety_lead_years_before_arrival_per_entrant",
    "mentor-independents": "p_ready_independent",
}
REPLICATIONS = 3


def _intervention_scenarios() -> list[str]:
    return [name for name, _, path in io.shipped_scenarios() if cs.load_scenario(path).interventions]


def test_every_shipped_intervention_names_its_outcome():
    assert sorted(_intervention_scenarios()) == sorted(QUESTION_OUTCOME)


_BASE: dict[int, dict] = {}


def _base(rep: int) -> dict:
    if rep not in _BASE:
        _BASE[rep] = cs.simulate(cs.load_scenario(io.shipped_dir() / "baseline.yaml"), seed=1, replication=rep).summary
    return _BASE[rep]


@pytest.mark.parametrize("name", sorted(QUESTION_OUTCOME))
def test_a_shipped_intervention_changes_the_outcome_its_question_names(name):
    sc = cs.load_scenario(io.shipped_dir() / f"{name}.yaml")
    key = QUESTION_OUTCOME[name]
    diffs = [cs.simulate(sc, seed=1, replication=rep).summary[key] - _base(rep)[key] for rep in range(REPLICATIONS)]
    assert np.all(np.isfinite(diffs)), (name, key, diffs)
    assert np.any(np.abs(diffs) > 0), (
        f"{name} leaves {key} exactly as the baseline in {REPLICATIONS} paired replications"
    )
