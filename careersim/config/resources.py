"""The scarce resources of the field, declared once, and what they cost.

Each :class:`Resource` names the parameter a counterfactual raises to measure the
resource's marginal value (:mod:`careersim.experiments.marginal`), the parameter
that counts its units for costing, what one unit costs a year (a key of the
scenario's ``costs`` section, times a per-unit multiplier) and how it grows over
time. A new resource is one line in :data:`RESOURCES`.

Costs are undiscounted US dollars. Over a period the cost of a resource is the
integral of ``units(t) * unit cost`` where ``units(t)`` is the counting
parameter's value in effect at ``t`` (the scenario's value, or what an
intervention sets or scales it to) times the resource's growth ``(1 + g) ** t``
(continuous compounding of the stated yearly rate, as the budget grows in the
engine; advisors and openings grow in yearly or quarterly steps there, so the
integral is a close approximation for them). A distribution counts at its mean.

* The cost of raising a resource by a step ``s`` (a share) over the run is ``s``
  times its cost over ``[0, horizon]`` (:func:`step_cost`).
* The cost of a policy scenario against a base is the difference of their
  resources' costs over the run, plus each intervention's own stated
  ``cost_per_year`` while it acts (an intervention that states its cost is left
  out of the derived part, so nothing counts twice): :func:`scenario_cost`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from careersim.config.schema import Intervention, Scenario, get_path, iter_parameters

__all__ = [
    "Resource",
    "RESOURCES",
    "NOT_MODELLED",
    "Cost",
    "unit_cost",
    "cost_over",
    "step_cost",
    "scenario_cost",
    "capacity",
    "growth_integral",
    "cost_source",
]


@dataclass(frozen=True)
class Resource:
    """A scarce resource: how to raise it, how to count and cost it.

    ``lever`` is the parameter a counterfactual changes: multiplied by ``1 + step``
    (``how="more"``) or divided by it (``how="faster"``: a time per item, so the same
    people get through ``1 + step`` times as much). ``units`` counts the resource for
    costing; ``growth`` is the parameter of its yearly growth, if any. ``integer`` marks capacities the
    engine rounds to whole units. ``family`` groups resources of one kind (lead
    openings by source) in reports. One unit's yearly cost is ``costs.<cost>`` times
    ``factor`` times the value of each parameter in ``per_unit``.
    """

    key: str
    label: str
    lever: str
    unit: str
    units: str = ""  # defaults to lever
    cost: str | None = None
    per_unit: tuple[str, ...] = ()  # parameters the unit cost is multiplied by (e.g. students per advisor)
    factor: float = 1.0  # a constant the unit cost is multiplied by (e.g. 52 weeks a year)
    growth: str | None = None
    how: Literal["more", "faster"] = "more"
    integer: bool = False
    family: str = ""

    @property
    def units_path(self) -> str:
        return self.units or self.lever

    @property
    def family_key(self) -> str:
        return self.family or self.key


#: every scarce resource whose marginal value is measured, in the order reports list them
RESOURCES: tuple[Resource, ...] = (
    Resource(
        "advisor_slots",
        "PhD advisor slots",
        "phd.advisors",
        "advisor",
        cost="phd_student_year",
        per_unit=("phd.max_students",),
        growth="phd.advisor_growth",
        integer=True,
    ),
    Resource(
        "programme_places",
        "mentorship-programme places",
        "programme.places",
        "place per cohort",
        cost="programme_place",
        per_unit=("programme.cohorts_per_year",),
        integer=True,
    ),
    Resource(
        "grantmaker_time",
        "grantmaker time",
        "grants.review_time",
        "reviewer",
        units="grants.reviewers",
        cost="reviewer_year",
        how="faster",
    ),
    Resource(
        "money",
        "grant money",
        "grants.budget",
        "researcher paid at once",
        cost="grant_year",
        growth="grants.budget_growth",
    ),
    Resource(
        "openings_big_rfp",
        "lead positions funded by big funders' RFPs",
        "positions.big_rfp",
        "position",
        cost="lead_position_year",
        growth="positions.growth",
        family="lead_openings",
    ),
    Resource(
        "openings_adjacent_org",
        "lead positions at adjacent-agenda organisations",
        "positions.adjacent_org",
        "position",
        cost="lead_position_year",
        growth="positions.growth",
        family="lead_openings",
    ),
    Resource(
        "openings_academia",
        "academic lead posts",
        "positions.academia",
        "position",
        cost="lead_position_year",
        growth="positions.growth",
        family="lead_openings",
    ),
    Resource(
        "openings_small_funder",
        "small funders' lead positions",
        "positions.small_funder",
        "position",
        cost="lead_position_year",
        growth="positions.growth",
        family="lead_openings",
    ),
    Resource(
        "openings_autonomy_role",
        "research roles with autonomy",
        "positions.autonomy_role",
        "position",
        cost="lead_position_year",
        growth="positions.growth",
        family="lead_openings",
    ),
    Resource(
        "openings_agnostic_org",
        "lead positions at an agenda-agnostic organisation",
        "positions.agnostic_org",
        "position",
        cost="lead_position_year",
        growth="positions.growth",
        family="lead_openings",
    ),
    # the leads' mentor time: costed as hours a week per lead x the leads (counted as initial.leads growing with
    # the positions, an approximation: the engine's leads are those in role each month) x 52 weeks x an hour's cost
    Resource(
        "mentor_time",
        "the leads' mentor time",
        "mentoring.lead_hours",
        "hour a week per lead",
        cost="mentor_hour",
        per_unit=("initial.leads",),
        factor=52.0,
        growth="positions.growth",
    ),
)

#: scarce resources the model does not have yet, shown in reports as such (none since leads mentor)
NOT_MODELLED: dict[str, str] = {}

LABELS: dict[str, str] = {r.key: r.label for r in RESOURCES} | {"lead_openings": "lead positions (all sources)"}


# ---------------------------------------------------------------------------
# values and the capacity path
# ---------------------------------------------------------------------------


def _number(value) -> float:
    """A parameter's value as a number: a distribution counts at its mean."""
    if hasattr(value, "mean"):
        try:
            m = float(value.mean())
        except Exception:  # noqa: BLE001 - a distribution without a finite mean
            return math.nan
        return m
    return float(value)


def growth_integral(g: float, a: float, b: float) -> float:
    """``integral from a to b of (1 + g) ** t dt`` (``b - a`` when ``g`` is 0)."""
    if b <= a:
        return 0.0
    if g == 0:
        return b - a
    k = math.log1p(g)
    return ((1.0 + g) ** b - (1.0 + g) ** a) / k


def capacity(scenario: Scenario, path: str, t: float, skip: tuple[Intervention, ...] = ()) -> float:
    """The value of ``path`` in effect at time ``t`` (before growth): the scenario's value,
    then each intervention acting at ``t`` (not in ``skip``) in order, setting or scaling it."""
    v = _number(get_path(scenario, path))
    for iv in scenario.interventions:
        if any(iv is s for s in skip) or not (iv.start <= t and (iv.end is None or t < iv.end)):
            continue
        if path in iv.set:
            v = float(iv.set[path])
        if path in iv.scale:
            v *= float(iv.scale[path])
    return v


def _breakpoints(scenario: Scenario, a: float, b: float) -> list[float]:
    cuts = {a, b}
    for iv in scenario.interventions:
        for t in (iv.start, iv.end):
            if t is not None and a < t < b:
                cuts.add(float(t))
    return sorted(cuts)


def unit_cost(scenario: Scenario, resource: Resource) -> float:
    """Dollars a year for one unit of ``resource`` (NaN when it has no cost)."""
    if resource.cost is None:
        return math.nan
    c = _number(get_path(scenario.costs, resource.cost)) * resource.factor
    for path in resource.per_unit:
        c *= _number(get_path(scenario, path))
    return c


def cost_over(scenario: Scenario, resource: Resource, a: float, b: float, skip: tuple[Intervention, ...] = ()) -> float:
    """What ``resource`` costs over ``[a, b]`` (years from the start) in ``scenario``."""
    c = unit_cost(scenario, resource)
    if not math.isfinite(c):
        return math.nan
    g = _number(get_path(scenario, resource.growth)) if resource.growth else 0.0
    cuts = _breakpoints(scenario, a, b)
    total = 0.0
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        units = capacity(scenario, resource.units_path, 0.5 * (lo + hi), skip)
        total += units * growth_integral(g, lo, hi)
    return total * c


def _horizon(scenario: Scenario) -> float:
    return _number(scenario.run.horizon)


def step_cost(scenario: Scenario, resource: Resource, step: float) -> float:
    """What raising ``resource`` by the share ``step`` costs over the whole run."""
    return step * cost_over(scenario, resource, 0.0, _horizon(scenario))


# ---------------------------------------------------------------------------
# the cost of a scenario against a base
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cost:
    """The cost of a scenario against a base over the run, with where its figures come from."""

    total: float  # dollars over the run
    per_year: float  # dollars a year while it acts (total over the years it acts)
    years: float  # the years it acts
    sources: tuple[str, ...]  # the sources of the figures used
    assumption: bool  # whether any figure is an assumption
    parts: tuple[tuple[str, float], ...]  # (what, dollars over the run)

    @property
    def stated(self) -> bool:
        return bool(self.parts)


def cost_source(key: str) -> str:
    """The source of the unit cost ``costs.<key>`` as the schema states it."""
    for path, _info, meta in iter_parameters():
        if path == f"costs.{key}":
            return str(meta.get("source") or "")
    return ""


def _is_assumption(source: str) -> bool:
    return source.strip().lower().startswith("assumption")


def scenario_cost(scenario: Scenario, base: Scenario) -> Cost:
    """What ``scenario`` costs over the run beyond ``base``: the resources it adds
    (:data:`RESOURCES`, by their counting parameters), costed at ``scenario``'s unit
    costs, plus the stated ``cost_per_year`` of its interventions while they act
    (minus the base's own stated costs). A scenario that adds no resource and
    states no cost has no stated cost (``Cost.stated`` is false)."""
    horizon = _horizon(scenario)
    skip = tuple(iv for iv in scenario.interventions if iv.cost_per_year is not None)
    base_skip = tuple(iv for iv in base.interventions if iv.cost_per_year is not None)
    parts: list[tuple[str, float]] = []
    sources: list[str] = []
    first, last = horizon, 0.0
    for r in RESOURCES:
        if r.cost is None:
            continue
        here = cost_over(scenario, r, 0.0, horizon, skip)
        there = cost_over(scenario_with_capacities_of(base, scenario), r, 0.0, horizon, base_skip)
        d = here - there
        if math.isfinite(d) and abs(d) > 1e-6 * max(1.0, abs(here)):
            parts.append((r.label, d))
            src = cost_source(r.cost)
            if src not in sources:
                sources.append(src)
            a, b = _changed_span(scenario, base, r, horizon)
            first, last = min(first, a), max(last, b)
    for which, sc, sign in ((scenario, scenario, 1.0), (base, base, -1.0)):
        for iv in which.interventions:
            if iv.cost_per_year is None:
                continue
            end = horizon if iv.end is None else min(iv.end, horizon)
            years = max(0.0, end - iv.start)
            parts.append((f"{iv.name} (stated)", sign * iv.cost_per_year * years))
            if iv.cost_source not in sources:
                sources.append(iv.cost_source)
            if sign > 0:
                first, last = min(first, iv.start), max(last, end)
    total = float(sum(d for _, d in parts))
    years = max(0.0, last - first) if parts else 0.0
    return Cost(
        total=total,
        per_year=total / years if years > 0 else math.nan,
        years=years,
        sources=tuple(sources),
        assumption=any(_is_assumption(s) for s in sources),
        parts=tuple(parts),
    )


def scenario_with_capacities_of(base: Scenario, scenario: Scenario) -> Scenario:
    """``base`` costed at ``scenario``'s unit costs (so a change of unit costs alone is not a cost)."""
    return base.model_copy(update={"costs": scenario.costs})


def _changed_span(scenario: Scenario, base: Scenario, r: Resource, horizon: float) -> tuple[float, float]:
    """The first and last time the resource's units differ between the scenarios (for the yearly cost)."""
    cuts = sorted(set(_breakpoints(scenario, 0.0, horizon)) | set(_breakpoints(base, 0.0, horizon)))
    spans = [
        (lo, hi)
        for lo, hi in zip(cuts[:-1], cuts[1:])
        if capacity(scenario, r.units_path, 0.5 * (lo + hi)) != capacity(base, r.units_path, 0.5 * (lo + hi))
    ]
    if not spans:
        return horizon, 0.0
    return spans[0][0], spans[-1][1]
