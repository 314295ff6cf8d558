"""The sweep-file format, declared once: keys, types, choices, bounds, defaults and descriptions.

These pydantic models are the single statement of what a sweep file may
hold. Three things are made from them:

* the checks of :func:`careersim.config.sweeps.read_sweep_file`: which keys
  are allowed (and their order in "expected one of" hints), each value's
  type, choices and bounds (each value is validated by pydantic against its
  field), the defaults, and the "(expected ...)" half of each located
  message (the :class:`Expect` attached to the field);
* the JSON Schema printed by ``careersim schema --sweep``
  (:func:`sweep_json_schema`);
* the reference page ``docs/sweeps.md``
  (:mod:`careersim.reporting.sweep_reference`).

What a static schema cannot say is checked in code after these fields: that
a factor's path is a scenario parameter, that its values are valid in the
base scenario (with units converted), that outcomes name known metrics, and
that Sobol' designs have a power-of-2 number of points.
"""

from __future__ import annotations

import functools
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError

__all__ = [
    "Expect",
    "SweepFile",
    "FactorSpec",
    "OutcomeSpec",
    "DESIGN_MODELS",
    "DesignSpec",
    "field_names",
    "check_value",
    "has_shape",
    "default",
    "expected",
    "missing_text",
    "choices",
    "sweep_json_schema",
]


@dataclass(frozen=True)
class Expect:
    """What a value should be, in words, for located messages: ``got X (expected <text>)``.

    ``text`` may use the field's bounds (``{ge}``; other braces doubled). ``missing`` is the whole
    message for a required key that is absent."""

    text: str
    missing: str = ""


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


Whole = int  # a whole number (YAML integer; true/false and 2.0 are not)
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]  # not empty, nor only spaces
Number = float | str


class FactorSpec(_Spec):
    """One varied parameter: its path in the scenario and the values it takes (exactly one of
    `range`, `levels` or `distribution`)."""

    model_config = ConfigDict(
        extra="forbid",
        title="Factor",
        json_schema_extra={
            "oneOf": [{"required": ["range"]}, {"required": ["levels"]}, {"required": ["distribution"]}]
        },
    )

    path: Annotated[
        str,
        Field(
            description="The scenario parameter to vary, as a dotted path (see docs/parameters.md).",
            examples=["grants.grant_length"],
        ),
        Expect(
            "a dotted scenario path such as 'grants.grant_length'",
            missing="missing 'path:' (expected a dotted scenario path such as 'grants.grant_length')",
        ),
    ]
    name: Annotated[
        str,
        Field(min_length=1, description="A short label for reports (default: the path).", examples=["grant length"]),
        Expect("a short label"),
    ] = ""
    range: Annotated[
        list[Number],
        Field(
            min_length=2,
            max_length=2,
            description="[low, high]: values spread between them by the design. Numbers are in the parameter's "
            "canonical unit, or text with a unit ('6 months', '1 hour per week').",
            examples=[["1 year", "3 years"]],
        ),
        Expect("[low, high], e.g. [1 year, 3 years]"),
    ] = None
    levels: Annotated[
        list[Any],
        Field(
            min_length=1,
            description="The values to use, each once (numbers with or without units, or the choices "
            "of a parameter that is not a number, such as 'saturating').",
            examples=[["6 months", "1 year", "2 years"]],
        ),
        Expect("a non-empty list such as [1, 2, 3]"),
    ] = None
    distribution: Annotated[
        str,
        Field(
            description="A distribution the design's points are spread over, by its quantiles, with an optional "
            "unit after it.",
            examples=["uniform(1, 3) years"],
        ),
        Expect("text such as 'uniform(0.2, 0.6)'"),
    ] = None
    role: Annotated[
        Literal["uncertainty", "lever"],
        Field(
            description="'uncertainty' (what the world does) or 'lever' (what a policymaker chooses); a sweep with "
            "both gets the regret and satisficing of each lever setting."
        ),
        Expect("'uncertainty' (what the world does) or 'lever' (what a policymaker chooses)"),
    ] = "uncertainty"
    scale: Annotated[
        Literal["linear", "log"],
        Field(description="How a range is spread: evenly, or evenly in the logarithm (a range above 0)."),
        Expect("'linear' or 'log'"),
    ] = "linear"
    rescale_others: Annotated[
        bool,
        Field(
            description="For one share of a mix that adds up to 1 (population.track_mix.phd): scale the other "
            "shares in proportion so the mix still adds up to 1."
        ),
        Expect("true or false"),
    ] = False


#: the most points a design, or replications a sweep, may have
MAX_COUNT = 1_000_000
#: the largest seed (seeds are 64-bit)
MAX_SEED = 2**63 - 1


class _Design(_Spec):
    kind: str
    seed: Annotated[
        Whole,
        Field(ge=0, le=MAX_SEED, description="The seed of the design's random points (default: the sweep's seed)."),
        Expect("a whole number from {ge} to {le}"),
    ] = None


def _count(ge: int, description: str, default: int | None = None, example: int = 10):
    return Annotated[
        Whole,
        Field(ge=ge, le=MAX_COUNT, description=description, examples=[example]),
        Expect("a whole number from {ge} to {le}"),
    ]


class GridDesign(_Design):
    """Every combination of the factors' values (a full factorial)."""

    model_config = ConfigDict(extra="forbid", title="grid design")
    kind: Literal["grid"]
    levels: _count(2, "Values of each range or distribution factor (factors with levels use their own).", example=5) = 5


class RandomDesign(_Design):
    """Independent uniform points (Monte Carlo)."""

    model_config = ConfigDict(extra="forbid", title="random design")
    kind: Literal["random"]
    points: _count(1, "How many points.")


class LhsDesign(_Design):
    """A Latin hypercube (McKay et al. 1979): each factor's range cut into `points` equal slices, one point in each."""

    model_config = ConfigDict(extra="forbid", title="lhs design")
    kind: Literal["lhs"]
    points: _count(1, "How many points.")


class SobolDesign(_Design):
    """A scrambled Sobol' sequence (Sobol' 1967): evenly spread points."""

    model_config = ConfigDict(extra="forbid", title="sobol design")
    kind: Literal["sobol"]
    points: _count(1, "How many points: a power of 2 (Sobol' sequences are balanced only then).", example=64)


class SaltelliDesign(_Design):
    """Saltelli's design for Sobol' first-order and total indices (Saltelli 2002; SALib's sampler)."""

    model_config = ConfigDict(extra="forbid", title="saltelli design")
    kind: Literal["saltelli"]
    points: _count(1, "Base points N, a power of 2; the design has N x (factors + 2) points.", example=64)


class MorrisDesign(_Design):
    """Morris' elementary-effects design (Morris 1991; SALib's sampler): trajectories of one-factor-at-a-time steps."""

    model_config = ConfigDict(extra="forbid", title="morris design")
    kind: Literal["morris"]
    trajectories: _count(1, "How many trajectories; the design has trajectories x (factors + 1) points.")
    levels: _count(2, "Levels of the grid the trajectories step on.", example=4) = 4


#: the designs by kind, in the order they are listed
DESIGN_MODELS: dict[str, type[_Design]] = {
    "grid": GridDesign,
    "random": RandomDesign,
    "lhs": LhsDesign,
    "sobol": SobolDesign,
    "saltelli": SaltelliDesign,
    "morris": MorrisDesign,
}
DesignSpec = Annotated[Union[tuple(DESIGN_MODELS.values())], Field(discriminator="kind")]  # noqa: UP007 (built from a tuple)


class OutcomeSpec(_Spec):
    """An outcome with a name, and optionally what counts as good."""

    model_config = ConfigDict(extra="forbid", title="Outcome")
    name: Annotated[str, Field(description="A label for reports (default: the expression).")] = None
    expr: Annotated[
        str,
        Field(
            description="A metric of a replication's summary, or an expression over metrics with numbers, quoted "
            "text, + - * /, comparisons (a yes/no outcome), and/or/not and abs/min/max.",
            examples=["p_lead_independent - p_lead_phd > 0"],
        ),
    ]
    goal: Annotated[
        Literal["maximize", "minimize"],
        Field(
            description="Whether more (maximize) or less (minimize) is better: gives the regret and satisficing of "
            "each lever setting across the uncertainties."
        ),
        Expect("'maximize' or 'minimize'"),
    ] = None
    threshold: Annotated[
        float,
        Field(
            description="The value the outcome should reach (at least it when maximizing or without a goal, at "
            "most it when minimizing): satisficing counts the uncertainty points where a lever setting "
            "meets it, and scenario discovery (PRIM, the tree) finds where runs meet it or not."
        ),
        Expect("a number"),
    ] = None


class SweepFile(_Spec):
    """A sweep: which parameters of a base scenario vary, over what design, and what is measured."""

    model_config = ConfigDict(extra="forbid", title="careersim sweep file")

    name: Annotated[
        Text,
        Field(
            description="The sweep's name (default: the file's name); its output folder is reports/sweeps/NAME.",
            examples=["mentorship-x-grant-length"],
        ),
        Expect("text such as 'mentorship-x-grant-length'"),
    ] = None
    description: Annotated[str, Field(description="What the sweep asks, for the report."), Expect("text")] = ""
    base: Annotated[
        Text,
        Field(
            description="The scenario the sweep varies: a file relative to the sweep file, or a "
            "shipped scenario's name.",
            examples=["../baseline.yaml", "baseline"],
        ),
        Expect(
            "a scenario file such as '../baseline.yaml' or a shipped name such as 'baseline'",
            missing="missing 'base:' (expected the scenario the sweep varies, e.g. 'base: ../baseline.yaml' "
            "or 'base: baseline')",
        ),
    ]
    fixed: Annotated[
        dict[str, Any],
        Field(
            description="Changes applied to the base scenario at every point, by dotted path.",
            examples=[{"population.entrants_per_year": 100}],
        ),
        Expect("a mapping of parameter path to value, e.g. 'population.entrants_per_year: 100'"),
    ] = None
    factors: Annotated[
        list[FactorSpec],
        Field(min_length=1, description="The varied parameters."),
        Expect(
            "a non-empty list of factors, e.g. '- {{path: grants.grant_length, range: [1, 3]}}'",
            missing="missing 'factors:' (expected a list such as '- {path: grants.grant_length, range: [1, 3]}')",
        ),
    ]
    design: Annotated[
        DesignSpec,
        Field(description="How the points are placed: one of the designs below, by its kind."),
        Expect(
            "a mapping such as {{kind: lhs, points: 200}}",
            missing="missing 'design:' (expected e.g. 'design: {kind: grid, levels: 5}' or "
            "'design: {kind: lhs, points: 200}')",
        ),
    ]
    replications: Annotated[
        Whole,
        Field(ge=1, le=MAX_COUNT, description="Runs of each point, each with its own seed."),
        Expect("a whole number from {ge} to {le}"),
    ] = 4
    seed: Annotated[
        Whole,
        Field(ge=0, le=MAX_SEED, description="The root seed of the runs (and of the design, unless it has its own)."),
        Expect("a whole number from {ge} to {le}"),
    ] = 1
    seeding: Annotated[
        Literal["common", "independent"],
        Field(
            description="'common': replication r uses the same random numbers at every point (common random "
            "numbers: differences between points are the parameters', not chance's); 'independent': "
            "each point has its own seed."
        ),
        Expect("'common' (every point uses the same random numbers) or 'independent' (a seed per point)"),
    ] = "common"
    outcomes: Annotated[
        list[str | OutcomeSpec],
        Field(
            min_length=1,
            description="What is measured in each run: metric names, expressions, or {name, expr, "
            "goal, threshold} mappings.",
            examples=[
                [
                    "p_lead",
                    "claim_C1_holds",
                    {"name": "independents beat the PhD", "expr": "p_lead_independent - p_lead_phd > 0"},
                ]
            ],
        ),
        Expect(
            "a non-empty list of metric names or expressions",
            missing="missing 'outcomes:' (expected a list of metric names such as p_lead, p_lead_independent, "
            "claim_C1_holds)",
        ),
    ]
    regions: Annotated[
        list[str],
        Field(
            description="Outcome names whose regions to explain (scenario discovery); by default every yes/no or "
            "thresholded outcome."
        ),
        Expect("a list of outcome names whose flips to explain"),
    ] = None


# ---------------------------------------------------------------------------
# what the loader asks of the models
# ---------------------------------------------------------------------------


def field_names(model: type[BaseModel]) -> tuple[str, ...]:
    """The keys a mapping of this kind may have, in the order they are declared."""
    return tuple(model.model_fields)


def _meta(model: type[BaseModel], name: str) -> Expect:
    for m in model.model_fields[name].metadata:
        if isinstance(m, Expect):
            return m
    raise LookupError(f"{model.__name__}.{name} has no Expect")  # pragma: no cover - a declaration error


def _bounds(model: type[BaseModel], name: str) -> dict:
    out = {}
    for m in model.model_fields[name].metadata:
        for key in ("ge", "le", "min_length", "max_length"):
            if getattr(m, key, None) is not None:
                out[key] = getattr(m, key)
    return out


def expected(model: type[BaseModel], name: str) -> str:
    """The "(expected ...)" text of a field."""
    return _meta(model, name).text.format(**_bounds(model, name))


def missing_text(model: type[BaseModel], name: str) -> str:
    return _meta(model, name).missing


def default(model: type[BaseModel], name: str) -> Any:
    """The field's default (None for a required field)."""
    f = model.model_fields[name]
    return None if f.is_required() else f.default


def choices(model: type[BaseModel], name: str) -> tuple:
    """The choices of a Literal field."""
    return typing.get_args(model.model_fields[name].annotation)


@functools.cache
def _adapter(model: type[BaseModel], name: str) -> TypeAdapter:
    f = model.model_fields[name]
    return TypeAdapter(Annotated[(f.annotation, *f.metadata)], config=ConfigDict(strict=True))


def has_shape(model: type[BaseModel], name: str, value: Any) -> bool:
    """Whether ``value`` has the field's outer shape (a list or mapping of the allowed length),
    its items being checked one by one where they are read (so each gets its own message)."""
    bounds = _bounds(model, name)
    container = typing.get_origin(model.model_fields[name].annotation) or model.model_fields[name].annotation
    return (
        isinstance(value, container)
        and len(value) >= bounds.get("min_length", 0)
        and len(value) <= bounds.get("max_length", len(value))
    )


def check_value(model: type[BaseModel], name: str, value: Any) -> bool:
    """Whether ``value`` is valid for the field (pydantic's strict validation of its type,
    choices and bounds)."""
    try:
        _adapter(model, name).validate_python(value)
    except ValidationError:
        return False
    return True


# ---------------------------------------------------------------------------
# JSON Schema
# ---------------------------------------------------------------------------


def sweep_json_schema() -> dict:
    """The JSON Schema of sweep files (``careersim schema --sweep``)."""
    schema = SweepFile.model_json_schema()

    def tidy(node: Any) -> None:  # a default of null only means "absent": leave it out
        if isinstance(node, dict):
            if "default" in node and node["default"] is None:
                del node["default"]
            for v in node.values():
                tidy(v)
        elif isinstance(node, list):
            for v in node:
                tidy(v)

    tidy(schema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
