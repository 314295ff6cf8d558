"""Sweep files: which scenario parameters vary, over what, and what is measured.

A sweep file is read by :mod:`careersim.config.yaml_file`, like every careersim file, and a
problem is reported as ``FILE:LINE: path: what is wrong (expected ...)``::

    # Question: does more mentorship help more when grants are longer?
    name: mentorship-x-grant-length
    base: ../baseline.yaml            # a scenario file (relative to this file) or a shipped name
    fixed:                            # optional: changes applied to the base for every point
      population.entrants_per_year: 100
    factors:
      - path: independent.mentor_hours
        range: ["0 hours per week", "1 hour per week"]   # or levels: [...] or distribution: "uniform(0, 1)"
        role: lever                   # lever (a policymaker's choice) or uncertainty (the world's)
      - path: grants.grant_length
        levels: [1 year, 2 years, 3 years]
    design: {kind: grid, levels: 5}   # grid | random | lhs | sobol | saltelli | morris
    replications: 4
    seed: 1
    outcomes:                         # metric names, or expressions over them
      - p_lead_independent
      - claim_C1_holds
      - p_lead_independent - p_lead_phd > 0
      - {expr: p_lead, goal: maximize, threshold: 0.3}   # a goal gives regret and satisficing of levers

The keys, their types, choices, bounds, defaults and descriptions are
declared once in :mod:`careersim.config.sweep_format`; the checks below take
them from there and add what a static schema cannot say (parameter paths,
units, values valid in the base scenario, known metrics).

Values are converted to the scenario's canonical units when the file is read
(years, per year, hours per week), so the results table holds plain numbers.
Parameters of kind ``count`` are rounded to whole numbers. A factor on one
share of a mix that must add up to 1 (``population.track_mix.phd``) needs
``rescale_others: true``: the other shares of that mix are then scaled in
proportion so the mix still adds up to 1.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import hashlib
import json
import math
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from careersim.config import sweep_format as fmt
from careersim.config.scenarios import EXPECTED_BY_KIND, ScenarioError, load_scenario
from careersim.config.schema import Scenario, iter_parameters
from careersim.config.shipped import find_parent
from careersim.config.sweep_format import (
    DESIGN_MODELS,
    MAX_COUNT,
    FactorSpec,
    OutcomeSpec,
    SweepFile,
)
from careersim.config.yaml_file import (
    FileKind,
    clean_message,
    display_path,
    dotted,
    mark_for,
    quoted,
    read_yaml_file,
    short,
    sort_messages,
)
from careersim.core.distributions import parse_distribution
from careersim.core.expressions import EXPR_HELP as _EXPR_HELP
from careersim.core.expressions import evaluate_expression, parse_expression
from careersim.core.units import parse_quantity

__all__ = ["Factor", "Design", "Outcome", "Sweep", "read_sweep_file", "DESIGN_KINDS", "evaluate_expression"]

DESIGN_KINDS = tuple(DESIGN_MODELS)
ROLES = fmt.choices(FactorSpec, "role")
NUMERIC_KINDS = ("duration", "rate", "hours", "probability", "share", "count", "number")
#: which design settings each kind of design takes (and their defaults; None: required)
DESIGN_SETTINGS: dict[str, dict[str, Any]] = {
    kind: {
        k: (f.default if not f.is_required() else None)
        for k, f in model.model_fields.items()
        if k not in ("kind", "seed")
    }
    for kind, model in DESIGN_MODELS.items()
}
TOP_KEYS = fmt.field_names(SweepFile)
#: what a sweep file is, for the YAML reader's messages
SWEEP_FILE = FileKind(
    noun="a sweep",
    example="scenarios/sweeps/mentorship-x-grant-length.yaml",
    empty_hint="a mapping such as 'base: baseline' and 'factors:'",
    keys_hint="'base:', 'factors:', 'design:', 'outcomes:'",
    keys=frozenset(TOP_KEYS),
    error=ScenarioError,
)
FACTOR_KEYS = fmt.field_names(FactorSpec)
GOALS = fmt.choices(OutcomeSpec, "goal")


# ---------------------------------------------------------------------------
# the sweep
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Factor:
    """One varied parameter: how a unit coordinate in [0, 1] maps to its value."""

    path: str
    label: str
    kind: str  # the scenario parameter's kind (duration, share, ..., or 'categorical')
    unit: str
    role: str = "uncertainty"
    low: float | None = None
    high: float | None = None
    scale: str = "linear"
    levels: tuple[Any, ...] | None = None
    distribution: Any = None  # a careersim Distribution
    rescale_others: tuple[str, ...] = ()  # sibling shares scaled so the mix adds to 1

    @property
    def categorical(self) -> bool:
        return self.kind == "categorical"

    def value_at(self, u: float) -> Any:
        """The factor's value at unit coordinate ``u`` (inverse CDF of the factor's spread)."""
        u = min(max(float(u), 0.0), 1.0)
        if self.levels is not None:
            return self.levels[min(int(u * len(self.levels)), len(self.levels) - 1)]
        if self.distribution is not None:
            value = float(self.distribution.ppf(min(max(u, 1e-9), 1 - 1e-9)))
        elif self.scale == "log":
            value = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        else:
            value = self.low + u * (self.high - self.low)
        return self._round(value)

    def grid_values(self, n: int) -> list[Any]:
        """``n`` values spread over the factor (its levels, if it has them)."""
        if self.levels is not None:
            return list(self.levels)
        if self.distribution is not None:
            return [self.value_at((i + 0.5) / n) for i in range(n)]
        return [self.value_at(i / (n - 1)) for i in range(n)]

    def grid_unit(self, n: int) -> list[float]:
        """The unit coordinates of :meth:`grid_values`."""
        if self.levels is not None:
            k = len(self.levels)
            return [(i + 0.5) / k for i in range(k)]
        if self.distribution is not None:
            return [(i + 0.5) / n for i in range(n)]
        return [i / (n - 1) for i in range(n)]

    def _round(self, value: float) -> float:
        return float(round(value)) if self.kind == "count" else float(value)

    def describe(self) -> str:
        if self.levels is not None:
            return "levels " + ", ".join(_fmt(v) for v in self.levels)
        if self.distribution is not None:
            return f"distribution {self.distribution.describe()}"
        return f"{_fmt(self.low)} to {_fmt(self.high)}" + (" (log scale)" if self.scale == "log" else "")

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "label": self.label,
            "kind": self.kind,
            "unit": self.unit,
            "role": self.role,
            "range": None if self.low is None else [self.low, self.high],
            "scale": self.scale,
            "levels": None if self.levels is None else list(self.levels),
            "distribution": None if self.distribution is None else self.distribution.describe(),
            "rescale_others": list(self.rescale_others),
        }


@dataclass(frozen=True)
class Design:
    kind: str
    points: int | None = None
    levels: int | None = None
    trajectories: int | None = None
    seed: int = 1

    def to_json(self) -> dict:
        return {
            k: v
            for k, v in {
                "kind": self.kind,
                "points": self.points,
                "levels": self.levels,
                "trajectories": self.trajectories,
                "seed": self.seed,
            }.items()
            if v is not None
        }


@dataclass(frozen=True)
class Outcome:
    """A metric of a replication's summary, or an expression over metrics."""

    name: str
    expression: str  # equal to ``name`` for a plain metric
    names: tuple[str, ...]  # metrics the expression reads
    goal: str | None = None  # 'maximize' or 'minimize': what counts as better, for regret and satisficing
    threshold: float | None = None  # the value to reach, for satisficing and scenario discovery

    @property
    def is_metric(self) -> bool:
        return self.expression == self.name and self.names == (self.name,)

    def evaluate(self, table: Any) -> np.ndarray:
        """The outcome for every row of a results table (NaN where an input is missing)."""
        return evaluate_expression(self.expression, table)


@dataclass(frozen=True)
class Sweep:
    """A validated sweep: the base scenario, the factors, the design and the outcomes."""

    name: str
    description: str
    base: Scenario
    base_source: str
    factors: tuple[Factor, ...]
    design: Design
    replications: int
    seed: int
    seeding: str  # 'common': every point uses the root seed; 'independent': a seed per point
    outcomes: tuple[Outcome, ...]
    regions: tuple[str, ...] = ()
    source: str = ""  # the sweep file's text
    path: str = ""
    fixed: dict = field(default_factory=dict)

    @functools.cached_property
    def base_hash(self) -> str:
        return self.base.hash()

    def changes(self, values: dict[str, Any]) -> dict[str, Any]:
        """Dotted-path changes that set a point's factor values (and rescale mixes)."""
        return mix_changes(self.factors, self.base, values)

    def scenario_at(self, values: dict[str, Any]) -> Scenario:
        """The scenario of one point."""
        return self.base.with_changes(self.changes(values))

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "description": self.description,
            "base": self.base_source,
            "base_sha256": self.base_hash,
            "fixed": self.fixed,
            "factors": [f.to_json() for f in self.factors],
            "design": self.design.to_json(),
            "replications": self.replications,
            "seed": self.seed,
            "seeding": self.seeding,
            "outcomes": [o.expression for o in self.outcomes],
            "outcome_names": {o.expression: o.name for o in self.outcomes},
            "regions": [o.expression for o in self.outcomes if o.name in self.regions],
            **(
                {"outcome_goals": goals}
                if (
                    goals := {
                        o.expression: {k: v for k, v in (("goal", o.goal), ("threshold", o.threshold)) if v is not None}
                        for o in self.outcomes
                        if o.goal is not None or o.threshold is not None
                    }
                )
                else {}
            ),
        }


def mix_changes(factors: Any, base: Scenario, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` plus, for factors with ``rescale_others``, the other shares of their
    mix scaled in proportion so that the mix still adds up to 1."""
    out = dict(values)
    by_parent: dict[str, list[Factor]] = {}
    for f in factors:
        if f.rescale_others:
            by_parent.setdefault(f.path.rsplit(".", 1)[0], []).append(f)
    for parent, fs in by_parent.items():
        others = {s: float(_get(base, s)) for s in fs[0].rescale_others}
        rest = 1.0 - sum(float(v) for p, v in values.items() if p.rsplit(".", 1)[0] == parent)
        total = sum(others.values())
        for s, v in others.items():
            out[s] = v / total * rest
    return out


def _fmt(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _get(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


# ---------------------------------------------------------------------------
# known metrics
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# loading
# ---------------------------------------------------------------------------


class _Problems:
    """Located problems of one sweep file."""

    def __init__(self, shown: str, marks: dict, refused: Collection[tuple] = ()) -> None:
        self.shown = shown
        self.marks = marks
        self.messages: list[str] = []
        self.refused = [tuple(r) for r in refused if r]  # values the reader refused (NaN, a tag): said once

    def add(self, loc: tuple, message: str, *, key: bool = False) -> None:
        if (
            loc
            and message.startswith("got ")
            and any(len(r) > len(loc) and r[: len(loc)] == tuple(loc) for r in self.refused)
        ):
            return  # a complaint about a value whose refused part the reader has already named
        mark = mark_for(loc, self.marks)
        if mark is None:
            where = self.shown
        else:
            where = f"{mark.file}:{mark.key_line if (key or loc not in self.marks) else mark.line}"
        message = clean_message(message)
        self.messages.append(f"{where}: {dotted(loc)}: {message}" if loc else f"{where}: {message}")

    def field(self, data: dict, model: Any, key: str, loc: tuple, fallback: Any = None) -> Any:
        """``data[key]`` checked against the field of the sweep format (its default when absent;
        ``fallback``, or the default, after reporting a wrong value)."""
        default = fmt.default(model, key)
        if key not in data:
            return default
        value = data[key]
        if fmt.check_value(model, key, value):
            return value
        self.add(loc + (key,), f"got {short(value)} (expected {fmt.expected(model, key)})")
        return default if fallback is None else fallback

    def unknown_keys(self, data: dict, allowed: tuple[str, ...], loc: tuple) -> None:
        for k in data:
            if k not in allowed:
                near = difflib.get_close_matches(str(k), allowed, n=1)
                hint = f"did you mean '{near[0]}'?" if near else "expected one of: " + ", ".join(allowed)
                self.add(loc + (k,), f"unknown key '{quoted(k, 40)}' ({hint})", key=True)


def _parameters() -> dict[str, dict]:
    out = {}
    for path, info, meta in iter_parameters():
        entry = dict(meta)
        entry["annotation"] = info.annotation
        out[path] = entry
    return out


def _categorical_options(annotation: Any) -> tuple | None:
    import typing

    if typing.get_origin(annotation) is typing.Literal:
        return typing.get_args(annotation)
    if annotation is bool:
        return (False, True)
    return None


def _read_number(value: Any, kind: str) -> float:
    """A number in the canonical unit of ``kind``, from a number or a string with a unit."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"got {short(value)} (expected {EXPECTED_BY_KIND.get(kind, 'a number')})")
    if kind in ("duration", "rate", "hours"):
        return float(parse_quantity(value, kind))
    try:
        out = float(value)
    except ValueError:
        raise ValueError(f"could not read {value!r} as a number (expected a number such as 0.5)") from None
    if not math.isfinite(out):
        raise ValueError(f"got {value!r} (expected a finite number)")
    return out


def _read_distribution(text: Any, kind: str):
    """A distribution in canonical units from text such as ``"uniform(1, 3) years"``."""
    if not fmt.check_value(FactorSpec, "distribution", text):
        raise ValueError(f"got {short(text)} (expected {fmt.expected(FactorSpec, 'distribution')})")
    head, _, tail = text.strip().rpartition(")")
    dist = parse_distribution(head + ")")
    unit = tail.strip()
    if unit:
        if kind not in ("duration", "rate", "hours"):
            raise ValueError(f"'{unit}' after a distribution is only allowed for durations, rates and hours")
        dist = dist.scaled(parse_quantity(f"1 {unit}", kind))
    return dist


def _first_error(err: ValidationError) -> str:
    e = err.errors(include_url=False)[0]
    where = ".".join(str(p) for p in e["loc"])
    msg = str(e["msg"]).removeprefix("Value error, ")
    return f"{where}: {msg}" if where else msg


def read_sweep_file(path: str | Path, metrics: Collection[str]) -> Sweep:
    """Read and check a sweep file; raises :class:`ScenarioError` with located messages.

    ``metrics`` are the names an outcome may use: those of a replication's summary
    (:func:`careersim.experiments.sweep.metrics.known_metrics`)."""
    path = Path(path)
    shown = display_path(path)
    data, marks, soft, _, text = read_yaml_file(path, SWEEP_FILE, shown)
    problems = _Problems(shown, marks, [loc for loc, _ in soft])
    problems.messages.extend(m for _, m in soft)
    problems.unknown_keys(data, TOP_KEYS, ())
    name = problems.field(data, SweepFile, "name", (), fallback=path.stem) or path.stem
    description = problems.field(data, SweepFile, "description", ())

    base, base_source = _load_base(data, path, problems)
    fixed = _load_fixed(data, base, problems) if base is not None else {}
    if base is not None and fixed:
        try:
            base = base.with_changes(fixed)
        except ValidationError as err:
            problems.add(("fixed",), f"these changes make the scenario invalid: {_first_error(err)}")
            base = None
    factors = _load_factors(data, base, problems)
    design = _load_design(data, factors, problems)
    replications = problems.field(data, SweepFile, "replications", ())
    seed = problems.field(data, SweepFile, "seed", ())
    seeding = problems.field(data, SweepFile, "seeding", ())
    outcomes = _load_outcomes(data, problems, metrics)
    regions = _load_regions(data, outcomes, problems)
    if problems.messages:
        raise ScenarioError(sort_messages(problems.messages))
    assert base is not None and design is not None  # for type checkers; problems were raised above
    return Sweep(
        name=name.strip(),
        description=" ".join(description.split()),
        base=base,
        base_source=base_source,
        factors=tuple(factors),
        design=design,
        replications=replications,
        seed=seed,
        seeding=seeding,
        outcomes=tuple(outcomes),
        regions=tuple(regions),
        source=text.replace("\r\n", "\n").replace("\r", "\n"),
        path=str(path),
        fixed=fixed,
    )


def _load_base(data: dict, path: Path, problems: _Problems) -> tuple[Scenario | None, str]:
    spec = data.get("base")
    if spec is None:
        problems.add((), fmt.missing_text(SweepFile, "base"))
        return None, ""
    if problems.field(data, SweepFile, "base", ()) is None:
        return None, ""
    try:
        target = find_parent(spec, path.parent, example="../baseline.yaml")
    except LookupError as exc:
        problems.add(("base",), str(exc))
        return None, spec
    try:
        return load_scenario(target), spec.strip()
    except ScenarioError as exc:
        problems.messages.extend(exc.messages)
        return None, spec


def _check_path(path: Any, loc: tuple, problems: _Problems, params: dict) -> dict | None:
    if not isinstance(path, str) or not path:
        problems.add(loc, f"got {short(path)} (expected {fmt.expected(FactorSpec, 'path')})")
        return None
    if path not in params:
        near = difflib.get_close_matches(path, list(params), n=1, cutoff=0.6)
        if not near:
            leaf = path.rsplit(".", 1)[-1]
            near = [p for p in params if p.endswith("." + leaf)][:1]
        hint = f"did you mean '{near[0]}'?" if near else "see docs/parameters.md for the parameter paths"
        problems.add(loc, f"'{path}' is not a scenario parameter ({hint})")
        return None
    return params[path]


def _not_fitted(path: str, base: Scenario | None, loc: tuple, problems: _Problems) -> bool:
    """Whether ``path`` can be set: not when the base draws it from a calibration's posterior,
    which would replace the sweep's value in every run."""
    posterior = base.calibration.read() if base is not None else None
    if posterior is None or path not in posterior.parameters:
        return True
    problems.add(
        loc,
        f"{path} is fitted by the base scenario's calibration posterior, which would replace the sweep's value "
        "in every run (expected a parameter the posterior does not fit, or a base with "
        "'calibration: {posterior: null}' to vary it freely)",
    )
    return False


def _load_fixed(data: dict, base: Scenario, problems: _Problems) -> dict:
    fixed = data.get("fixed")
    if fixed is None:
        return {}
    if not fmt.has_shape(SweepFile, "fixed", fixed):
        problems.add(("fixed",), f"got {short(fixed)} (expected {fmt.expected(SweepFile, 'fixed')})")
        return {}
    params = _parameters()
    out = {}
    for path, value in fixed.items():
        if _check_path(path, ("fixed", path), problems, params) is None:
            continue
        if not _not_fitted(path, base, ("fixed", path), problems):
            continue
        try:
            base.with_changes({path: value})
        except ValidationError as err:
            problems.add(("fixed", path), _first_error(err))
            continue
        out[path] = value
    return out


def _load_factors(data: dict, base: Scenario | None, problems: _Problems) -> list[Factor]:
    raw = data.get("factors")
    if raw is None:
        problems.add((), fmt.missing_text(SweepFile, "factors"))
        return []
    if not fmt.has_shape(SweepFile, "factors", raw):
        problems.add(("factors",), f"got {short(raw)} (expected {fmt.expected(SweepFile, 'factors')})")
        return []
    params = _parameters()
    factors: list[Factor] = []
    flags: list[bool] = []
    locs: list[tuple] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(raw):
        loc = ("factors", i)
        if not isinstance(item, dict):
            problems.add(
                loc,
                f"got {short(item)} (expected a mapping with 'path:' and one of 'range:', 'levels:', 'distribution:')",
            )
            continue
        problems.unknown_keys(item, FACTOR_KEYS, loc)
        path = item.get("path")
        if path is None:
            problems.add(loc, fmt.missing_text(FactorSpec, "path"))
            continue
        meta = _check_path(path, loc + ("path",), problems, params)
        if meta is None or not _not_fitted(path, base, loc + ("path",), problems):
            continue
        if path in seen:
            problems.add(loc + ("path",), f"'{path}' is already factor {seen[path]} (expected each parameter once)")
            continue
        seen[path] = i
        factor = _load_factor(item, path, meta, loc, problems)
        if factor is None:
            continue
        if base is not None and not _factor_applies(factor, base, loc, problems, item.get("rescale_others") is True):
            continue
        factors.append(factor)
        flags.append(item.get("rescale_others") is True)
        locs.append(loc)
    if base is not None and any(flags):
        factors = _with_rescale(factors, flags, base, locs, problems)
    return factors


def _load_factor(item: dict, path: str, meta: dict, loc: tuple, problems: _Problems) -> Factor | None:
    given = [k for k in ("range", "levels", "distribution") if k in item]
    if len(given) != 1:
        what = "none" if not given else " and ".join(given)
        problems.add(
            loc,
            f"gives {what} (expected exactly one of 'range: [low, high]', 'levels: [...]' or 'distribution: \"uniform(...)\"')",
        )
        return None
    how = given[0]
    label = problems.field(item, FactorSpec, "name", loc) or path
    role = problems.field(item, FactorSpec, "role", loc)
    scale = problems.field(item, FactorSpec, "scale", loc)
    problems.field(item, FactorSpec, "rescale_others", loc)  # checked here, applied by _load_factors
    kind = meta.get("kind")
    options = _categorical_options(meta.get("annotation"))
    numeric = kind in NUMERIC_KINDS
    unit = meta.get("unit", "") if numeric else ""
    common = dict(path=path, label=label, role=role, unit=unit)
    value = item[how]
    if how != "range" and "scale" in item:
        problems.add(loc + ("scale",), "'scale' applies only to a 'range' (expected it removed, or a range)", key=True)
    if not numeric:
        if how != "levels":
            expected = (
                ("levels such as " + ", ".join(repr(o) for o in options))
                if options
                else "levels such as ['beta(2, 2)', 'beta(5, 2)']"
            )
            problems.add(
                loc + (how,), f"'{path}' is not a number, so it takes 'levels:' (expected {expected})", key=True
            )
            return None
        if not fmt.has_shape(FactorSpec, "levels", value):
            problems.add(loc + ("levels",), f"got {short(value)} (expected a non-empty list)")
            return None
        return Factor(kind="categorical", levels=tuple(value), **common)
    try:
        if how == "range":
            if not fmt.has_shape(FactorSpec, "range", value):
                problems.add(loc + ("range",), f"got {short(value)} (expected {fmt.expected(FactorSpec, 'range')})")
                return None
            lo, hi = (_read_number(v, kind) for v in value)
            if not lo < hi:
                problems.add(
                    loc + ("range",), f"low {lo:g} is not below high {hi:g} (expected [low, high] with low < high)"
                )
                return None
            if scale == "log" and lo <= 0:
                problems.add(
                    loc + ("scale",),
                    f"a log scale needs a range above 0; the range starts at {lo:g} (expected a positive low, or scale: linear)",
                )
                return None
            return Factor(kind=kind, low=lo, high=hi, scale=scale, **common)
        if how == "levels":
            if not fmt.has_shape(FactorSpec, "levels", value):
                problems.add(loc + ("levels",), f"got {short(value)} (expected {fmt.expected(FactorSpec, 'levels')})")
                return None
            levels = [_read_number(v, kind) for v in value]
            if kind == "count":
                levels = [float(round(v)) for v in levels]
            if len(set(levels)) != len(levels):
                problems.add(loc + ("levels",), "a level is given twice (expected distinct levels)")
                return None
            return Factor(kind=kind, levels=tuple(levels), **common)
        return Factor(kind=kind, distribution=_read_distribution(value, kind), **common)
    except ValueError as exc:
        problems.add(loc + (how,), str(exc))
        return None


def _factor_applies(factor: Factor, base: Scenario, loc: tuple, problems: _Problems, rescale: bool) -> bool:
    """Check the factor's extreme values (or every level) set into the base scenario."""
    if factor.levels is not None:
        probes, where = list(factor.levels), "levels"
    elif factor.distribution is not None:
        probes, where = [factor.value_at(0.0), factor.value_at(1.0)], "distribution"
    else:
        probes, where = [factor.value_at(0.0), factor.value_at(1.0)], "range"
    for value in probes:
        try:
            base.with_changes({factor.path: value})
        except ValidationError as err:
            msg = _first_error(err)
            if "add up to 1" in msg and not rescale:
                msg += f"; add 'rescale_others: true' to scale the other shares of {factor.path.rsplit('.', 1)[0]} in proportion"
            elif "add up to 1" in msg:
                continue  # checked with the rescaled mix below
            problems.add(loc + (where,), f"the value {_fmt(value)} is not valid for {factor.path}: {msg}")
            return False
    return True


def _with_rescale(
    factors: list[Factor], flags: list[bool], base: Scenario, locs: list[tuple], problems: _Problems
) -> list[Factor]:
    """Give each factor marked ``rescale_others`` the sibling shares it rescales."""
    params = _parameters()
    paths = {f.path for f in factors}
    out = list(factors)
    for i, (f, flag) in enumerate(zip(factors, flags)):
        if not flag:
            continue
        parent = f.path.rsplit(".", 1)[0]
        siblings = [p for p, m in params.items() if p.rsplit(".", 1)[0] == parent and p != f.path]
        if not siblings or any(params[p].get("kind") != "share" for p in siblings) or f.kind != "share":
            problems.add(
                locs[i] + ("rescale_others",),
                f"'{f.path}' is not a share of a mix (expected rescale_others only on e.g. population.track_mix.phd)",
            )
            continue
        others = [p for p in siblings if p not in paths]
        if not others:
            problems.add(
                locs[i] + ("rescale_others",),
                f"every share of {parent} is a factor, so none is left to rescale (expected at least one share that is not a factor)",
            )
            continue
        base_vals = [_get(base, p) for p in others]
        if not all(isinstance(v, float) for v in base_vals) or sum(base_vals) <= 0:
            problems.add(
                locs[i] + ("rescale_others",),
                f"the other shares of {parent} in the base scenario must be fixed numbers adding up to more than 0",
            )
            continue
        g = dataclasses.replace(f, rescale_others=tuple(others))
        for value in (g.value_at(0.0), g.value_at(1.0)) if g.levels is None else g.levels:
            changes = mix_changes([g], base, {g.path: value})
            try:
                base.with_changes(changes)
            except ValidationError as err:
                where = (
                    "levels" if g.levels is not None else ("distribution" if g.distribution is not None else "range")
                )
                problems.add(
                    locs[i] + (where,),
                    f"the value {_fmt(value)} is not valid for {g.path} with the other shares rescaled: {_first_error(err)}",
                )
                break
        out[i] = g
    return out


def _load_design(data: dict, factors: list[Factor], problems: _Problems) -> Design | None:
    raw = data.get("design")
    if raw is None:
        problems.add((), fmt.missing_text(SweepFile, "design"))
        return None
    if not isinstance(raw, dict):
        problems.add(("design",), f"got {short(raw)} (expected {fmt.expected(SweepFile, 'design')})")
        return None
    kind = raw.get("kind")
    if kind not in DESIGN_KINDS:
        near = difflib.get_close_matches(str(kind), DESIGN_KINDS, n=1)
        hint = f"did you mean '{near[0]}'? " if near else ""
        problems.add(
            ("design", "kind") if "kind" in raw else ("design",),
            f"got {short(kind)} ({hint}expected one of: {', '.join(DESIGN_KINDS)})",
        )
        return None
    model = DESIGN_MODELS[kind]
    settings = DESIGN_SETTINGS[kind]
    problems.unknown_keys(raw, fmt.field_names(model), ("design",))
    values: dict[str, Any] = {}
    for key, default in settings.items():
        if key not in raw:
            if default is None:
                example = model.model_fields[key].examples[0]
                problems.add(
                    ("design",), f"a {kind} design needs '{key}:' (expected a whole number, e.g. '{key}: {example}')"
                )
                return None
            values[key] = default
            continue
        if not fmt.check_value(model, key, raw[key]):
            problems.add(("design", key), f"got {short(raw[key])} (expected {fmt.expected(model, key)})")
            return None
        values[key] = raw[key]
    if kind in ("sobol", "saltelli") and values["points"] & (values["points"] - 1):
        p = values["points"]
        lower = 1 << (p.bit_length() - 1)
        problems.add(
            ("design", "points"),
            f"got {p} (expected a power of 2 such as {lower} or {lower * 2}: Sobol' sequences are balanced only then)",
        )
        return None
    seed = raw.get("seed", data.get("seed", fmt.default(SweepFile, "seed")))
    if not fmt.check_value(model, "seed", seed):
        problems.add(
            ("design", "seed") if "seed" in raw else ("seed",),
            f"got {short(seed)} (expected {fmt.expected(model, 'seed')})",
        )
        return None
    if kind == "grid":
        n = 1
        for f in factors:
            n *= len(f.levels) if f.levels is not None else values["levels"]
        if n > MAX_COUNT:
            problems.add(
                ("design",), f"the grid has {n} points (expected at most 1,000,000; use fewer levels or an lhs design)"
            )
            return None
    return Design(kind=kind, seed=seed, **values)


def _load_outcomes(data: dict, problems: _Problems, metrics: Collection[str]) -> list[Outcome]:
    raw = data.get("outcomes")
    if raw is None:
        problems.add((), fmt.missing_text(SweepFile, "outcomes"))
        return []
    if not fmt.has_shape(SweepFile, "outcomes", raw):
        problems.add(("outcomes",), f"got {short(raw)} (expected {fmt.expected(SweepFile, 'outcomes')})")
        return []
    known = set(metrics)
    out: list[Outcome] = []
    for i, item in enumerate(raw):
        loc = ("outcomes", i)
        name = expr = None
        goal = threshold = None
        if isinstance(item, str):
            name = expr = item.strip()
        elif isinstance(item, dict) and isinstance(item.get("expr"), str):
            before = len(problems.messages)
            problems.unknown_keys(item, fmt.field_names(OutcomeSpec), loc)
            goal = problems.field(item, OutcomeSpec, "goal", loc)
            threshold = problems.field(item, OutcomeSpec, "threshold", loc)
            if len(problems.messages) > before:
                continue
            expr = item["expr"].strip()
            name = str(item.get("name", expr))
            threshold = None if threshold is None else float(threshold)
        else:
            problems.add(loc, f"got {short(item)} (expected {_EXPR_HELP}, or {{name: ..., expr: ...}})")
            continue
        try:
            names = parse_expression(expr)
        except ValueError as exc:
            problems.add(loc, str(exc))
            continue
        unknown = [n for n in names if n not in known]
        if unknown:
            near = difflib.get_close_matches(unknown[0], sorted(known), n=1)
            hint = f"did you mean '{near[0]}'?" if near else "see a run's summary.json for the metric names"
            problems.add(loc, f"'{unknown[0]}' is not a metric of a replication ({hint})")
            continue
        if any(o.name == name for o in out):
            problems.add(loc, f"'{name}' is listed twice (expected each outcome once)")
            continue
        out.append(Outcome(name=name, expression=expr, names=names, goal=goal, threshold=threshold))
    return out


def _load_regions(data: dict, outcomes: list[Outcome], problems: _Problems) -> list[str]:
    raw = data.get("regions")
    if raw is None:
        return []
    names = [o.name for o in outcomes]
    if not isinstance(raw, list):
        problems.add(("regions",), f"got {short(raw)} (expected {fmt.expected(SweepFile, 'regions')})")
        return []
    out = []
    for i, r in enumerate(raw):
        if r not in names:
            problems.add(("regions", i), f"'{r}' is not one of the outcomes (expected one of: {', '.join(names)})")
        else:
            out.append(r)
    return out


def identity(sweep: Sweep, points_digest: str) -> str:
    """What makes two sweeps the same sweep (replications and outcomes may change)."""
    blob = json.dumps(
        {
            "base": sweep.base_hash,
            "points": points_digest,
            "seed": sweep.seed,
            "seeding": sweep.seeding,
            "factors": [f.path for f in sweep.factors],
        },
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


_SAFE_NAME = re.compile(r"[^\w.-]+")


def folder_name(name: str) -> str:
    return _SAFE_NAME.sub("-", name).strip(".-") or "sweep"
