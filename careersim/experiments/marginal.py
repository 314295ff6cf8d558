"""The marginal value of each scarce resource, measured on common random numbers.

For each resource of :data:`careersim.config.resources.RESOURCES`, replication ``r``
of the scenario is run again with that capacity alone raised by ``step`` (10% by
default) on the same random streams (same seed, same replication), and the paired
change in new leads and in safety-relevant lead-years before the arrival of
transformative AI is recorded. A resource the scenario does not have (capacity 0
throughout) is not run. The resource whose step adds the most leads in a
replication is that replication's *binding constraint* ("none" if no step adds a
lead); over replications it is the one with the largest mean marginal value
(:func:`careersim.analysis.marginal.marginal_summary`).

How a capacity is raised: its parameter is multiplied by ``1 + step`` (``how="more"``)
or, for a time per item, divided by it (``how="faster"``: grantmaker time is raised by
reviewing faster, which gives the same throughput as ``step`` more reviewer time where
the engine can only add whole reviewers); the values interventions set are raised
too. A capacity the engine counts in whole units (advisors, places) is raised to
the nearest whole number, at least one unit more, and the step actually taken is
recorded (``marginal_<key>_step``).
"""

from __future__ import annotations

import math

from careersim.analysis.replication import outcomes
from careersim.config.resources import RESOURCES, Resource
from careersim.config.schema import Scenario, get_path

#: the default step: each capacity raised by this share
STEP = 0.10

#: the outcomes whose paired change is the marginal value: summary key -> column suffix
OUTCOMES = {"new_leads": "new_leads", "field_safety_lead_years_before_arrival": "safety_lead_years"}


def _factor(value, resource: Resource, step: float) -> float | None:
    """The factor a capacity is multiplied (or, for ``faster``, divided) by, or None if the
    capacity is 0 (nothing to raise)."""
    v = float(value.mean()) if hasattr(value, "mean") else float(value)
    if not math.isfinite(v) or v <= 0:
        return None
    if resource.integer and resource.how == "more":
        now = round(v)
        new = max(round(v * (1.0 + step)), now + 1)
        return new / v if now > 0 else None
    return 1.0 + step


def stepped(scenario: Scenario, resource: Resource, step: float = STEP) -> tuple[Scenario, float] | None:
    """``scenario`` with ``resource`` raised by ``step``, and the step actually taken (a share);
    None if the scenario has none of it (its value is 0 and no intervention sets it)."""
    value = get_path(scenario, resource.lever)
    sets = [float(iv.set[resource.lever]) for iv in scenario.interventions if resource.lever in iv.set]
    f = _factor(value, resource, step)
    if f is None:
        if not any(x > 0 for x in sets):
            return None
        f, value = 1.0 + step, 0.0  # the capacity comes only from interventions
    mult = f if resource.how == "more" else 1.0 / f
    data = scenario.model_dump()
    section, _, name = resource.lever.rpartition(".")
    node = data
    for part in section.split("."):
        node = node[part]
    if hasattr(value, "scaled"):
        node[name] = value.scaled(mult)
    else:
        node[name] = float(value) * mult
        if resource.integer and resource.how == "more":
            node[name] = float(round(node[name]))  # whole units exactly (110, not 110.00000000000001)
    for iv in data["interventions"]:
        if resource.lever in iv["set"]:
            iv["set"][resource.lever] = float(iv["set"][resource.lever]) * mult
    return Scenario.model_validate(data), f - 1.0


def variants(scenario: Scenario, step: float = STEP) -> dict[str, tuple[Scenario, float]]:
    """The stepped scenario and step taken of every resource the scenario has, by key."""
    out = {}
    for r in RESOURCES:
        v = stepped(scenario, r, step)
        if v is not None:
            out[r.key] = v
    return out


def marginal_runs(
    scenario: Scenario,
    seed: int,
    rep: int,
    base: dict,
    step: float = STEP,
    prepared: dict[str, tuple[Scenario, float]] | None = None,
) -> dict:
    """Replication ``rep``'s paired marginal values, as flat summary entries:
    ``marginal_<key>_new_leads`` and ``marginal_<key>_safety_lead_years`` (the
    stepped run minus ``base``, the replication's own summary), ``marginal_<key>_step``
    (the step taken), and ``binding_constraint`` (the key whose step adds the most
    leads, or "none")."""
    out: dict = {}
    best, binding = 0.0, "none"
    for key, (sc, taken) in (prepared if prepared is not None else variants(scenario, step)).items():
        alt = outcomes(sc, seed, rep)
        for metric, suffix in OUTCOMES.items():
            out[f"marginal_{key}_{suffix}"] = float(alt[metric]) - float(base[metric])
        out[f"marginal_{key}_step"] = taken
        gain = out[f"marginal_{key}_new_leads"] * (step / taken if taken > 0 else 0.0)  # per the stated step
        if gain > best:
            best, binding = gain, key
    out["binding_constraint"] = binding
    return out
