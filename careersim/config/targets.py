"""Calibration targets and priors: published figures expressed as model statistics.

A target names a statistic (:mod:`careersim.analysis.calibration`) with its
options, a value, an uncertainty (``sd``, or a ``range`` read as a 95%
interval so ``sd = half-width / 1.96``), its source and its role: ``fit``
(the calibration matches it) or ``holdout`` (never used to set a parameter;
the calibrated model predicts it, and the prediction is scored). A target the
model cannot yet express says so in ``needs`` (what the engine lacks): it is
shown with its source but neither fitted nor scored until the engine has it.
A prior names a parameter the calibration fits and the range it may take
(``uniform``, ``loguniform`` or, for a whole number, ``integer``). Both live
in one YAML file (format: ``docs/calibration.md``; worked example:
``scenarios/calibration/targets.yaml``); every problem is located.

The essays' claims are never targets: a ``summary`` target naming a claim's
statistic is refused (the brief: claims are tested under the calibrated
model, not tuned).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from careersim.config.schema import numeric_parameters
from careersim.config.yaml_file import (
    FileError,
    FileKind,
    Loc,
    YamlFile,
    dotted,
    parse_yaml,
    quoted,
    read_yaml_file,
)
from careersim.core.units import parse_quantity

#: a range is read as a 95% interval: sd = half-width / 1.96
RANGE_Z = 1.959963984540054


class TargetsError(FileError):
    """Problems with a targets file, each ``FILE:LINE: where: what is wrong (expected ...)``."""


@dataclass(frozen=True)
class Target:
    """A published figure expressed as a model statistic."""

    name: str
    statistic: str
    options: dict[str, Any]
    value: float
    sd: float
    source: str
    range: tuple[float, float] | None = None
    weight: float = 1.0
    note: str = ""
    role: str = "fit"
    needs: str = ""

    @property
    def label(self) -> str:
        return self.name

    @property
    def fitted(self) -> bool:
        """Whether the fit uses this target (role ``fit``, a positive weight, nothing the engine lacks)."""
        return self.role == "fit" and self.weight > 0 and not self.needs

    @property
    def scored(self) -> bool:
        """Whether the calibrated model's prediction of this held-out target is scored."""
        return self.role == "holdout" and not self.needs


#: what a target is for: matched by the fit, or held out and predicted
ROLES = ("fit", "holdout")
#: prior shapes: uniform, uniform in the logarithm, whole numbers uniform between the bounds
PRIOR_SHAPES = ("uniform", "loguniform", "integer")


@dataclass(frozen=True)
class Prior:
    """The range a fitted parameter may take, and how the calibration draws from it."""

    path: str
    shape: str  # one of PRIOR_SHAPES
    low: float
    high: float
    note: str = ""

    def describe(self) -> str:
        return f"{self.shape}({self.low:g}, {self.high:g})"


@dataclass(frozen=True)
class CalibrationFile:
    """A targets file: its description, targets and (optional) priors."""

    description: str
    targets: list[Target]
    priors: list[Prior]
    scenario: str | None = (
        None  # the base scenario to calibrate: a shipped name, or a file (relative to the targets file)
    )


TARGET_KEYS = ("name", "statistic", "options", "value", "sd", "range", "source", "note", "weight", "role", "needs")
PRIOR_KEYS = ("path", "prior", "note")
TOP_KEYS = ("description", "scenario", "targets", "parameters")
MAX_TARGET_BYTES = 1_000_000

#: what a targets file is, for the YAML reader's messages (aliases are refused: write the values out)
TARGETS_FILE = FileKind(
    noun="a calibration targets",
    example="scenarios/calibration/targets.yaml",
    empty_hint="a mapping with a 'targets:' list",
    keys_hint="'description:', 'targets:' (a list of targets) and 'parameters:' (the fitted parameters' priors)",
    keys=frozenset(TOP_KEYS),
    aliases=False,
    max_bytes=MAX_TARGET_BYTES,
    error=TargetsError,
)


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(float(x))


def _unknown(key: Any, allowed: Sequence[str]) -> str:
    near = difflib.get_close_matches(str(key), list(allowed), n=1, cutoff=0.6)
    hint = f"did you mean '{near[0]}'? " if near else ""
    return f"unknown key '{quoted(key, 40)}' ({hint}expected one of: {', '.join(allowed)})"


def parse_targets(text: str, shown: str, statistics: Mapping[str, Any]) -> list[Target]:
    """Read targets from YAML text; raises :class:`TargetsError` with every located problem
    (:func:`parse_calibration` without the priors)."""
    return parse_calibration(text, shown, statistics).targets


def parse_calibration(text: str, shown: str, statistics: Mapping[str, Any]) -> CalibrationFile:
    """Read targets and priors from YAML text; raises :class:`TargetsError` with every located problem.

    ``statistics`` are the statistics a target may name, by name, each with its ``unit``,
    default ``options`` and ``option_help`` (:data:`careersim.analysis.calibration.statistics`)."""
    return _calibration(parse_yaml(text, shown, TARGETS_FILE), statistics)


def read_targets_file(path: str | os.PathLike[str], statistics: Mapping[str, Any]) -> list[Target]:
    """Read and check a targets YAML file (see ``docs/calibration.md``)."""
    return read_calibration_file(path, statistics).targets


def read_calibration_file(path: str | os.PathLike[str], statistics: Mapping[str, Any]) -> CalibrationFile:
    """Read and check a targets YAML file with its priors (see ``docs/calibration.md``); a relative
    ``scenario:`` is read from the targets file's folder."""
    spec = _calibration(read_yaml_file(Path(path), TARGETS_FILE, str(path)), statistics)
    if spec.scenario is not None and spec.scenario.endswith((".yaml", ".yml")):
        scenario = Path(spec.scenario).expanduser()
        if not scenario.is_absolute():
            scenario = Path(path).parent / scenario
        spec = dataclasses.replace(spec, scenario=str(scenario))
    return spec


class _Problems:
    """Located problems of a targets file; none is reported where the reader already found one."""

    def __init__(self, file: YamlFile) -> None:
        self.file = file
        self.found: list[tuple[Loc, str]] = []

    def line(self, loc: Loc, key: bool = False) -> int:
        """The line of the value at ``loc`` (of its key if ``key``), else of the nearest enclosing entry."""
        marks = self.file.marks
        for n in range(len(loc), -1, -1):
            mark = marks.get(loc[:n])
            if mark is not None:
                return mark.key_line if (key and n == len(loc)) else mark.line
        return 1

    def add(self, loc: Loc, message: str, at: Loc | None = None, key: bool = False) -> None:
        """A problem with the entry at ``loc``, reported on the line of ``at`` (default ``loc``)."""
        where = f" {dotted(loc)}:" if loc else ""
        self.found.append((loc, f"{self.file.shown}:{self.line(loc if at is None else at, key)}:{where} {message}"))

    def messages(self) -> list[str]:
        soft = [loc for loc, _ in self.file.problems]
        mine = [m for loc, m in self.found if not any(loc[: len(b)] == b or b[: len(loc)] == loc for b in soft)]
        return sorted(dict.fromkeys([m for _, m in self.file.problems] + mine), key=_line_key)


def _calibration(file: YamlFile, statistics: Mapping[str, Any]) -> CalibrationFile:
    data = file.data
    problems = _Problems(file)
    for key in data:
        if key not in TOP_KEYS:
            problems.add((), _unknown(key, TOP_KEYS), at=(key,), key=True)
    if "targets" not in data:
        problems.add(
            (), "missing 'targets:' (expected a list of targets, each with statistic, value, sd or range, and source)"
        )
        raise TargetsError(problems.messages())
    items = data["targets"]
    if not isinstance(items, list) or not items:
        problems.add(
            ("targets",), "expected a non-empty list of targets (each item starting with '- statistic: ...')", key=True
        )
        raise TargetsError(problems.messages())
    targets: list[Target] = []
    names: dict[str, int] = {}
    for i, item in enumerate(items):
        target = _target(("targets", i), item, statistics, problems, names)
        if target is not None:
            targets.append(target)
    priors = _priors(data.get("parameters"), problems) if "parameters" in data else []
    description = data.get("description", "")
    if not isinstance(description, str):
        problems.add(("description",), f"got {quoted(repr(description))} (expected text)")
    scenario = data.get("scenario")
    if scenario is not None and not (isinstance(scenario, str) and scenario.strip()):
        problems.add(
            ("scenario",),
            f"got {quoted(repr(scenario))} (expected the base scenario: a shipped name such as "
            "baseline, or a file such as base.yaml beside the targets file)",
        )
    errors = problems.messages()
    if errors:
        raise TargetsError(errors)
    if not any(t.fitted for t in targets):
        raise TargetsError(
            [
                f"{file.shown}:{problems.line(('targets',), key=True)}: targets: no target to fit: every target "
                "has weight 0, role holdout or needs something the engine lacks (expected at least one target "
                "with role fit)"
            ]
        )
    return CalibrationFile(
        description=" ".join(str(description).split()),
        targets=targets,
        priors=priors,
        scenario=scenario.strip() if isinstance(scenario, str) else None,
    )


def _priors(items: Any, problems: _Problems) -> list[Prior]:
    """The ``parameters:`` list: each a dotted path and a prior, checked against the schema."""
    if not isinstance(items, list) or not items:
        problems.add(
            ("parameters",),
            "expected a non-empty list of parameters (each item '- path: grants.base_acceptance' "
            "with 'prior: uniform(0.05, 0.9)')",
            key=True,
        )
        return []
    known = numeric_parameters()
    out: list[Prior] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        loc: Loc = ("parameters", i)
        if not isinstance(item, dict):
            problems.add(loc, "expected a mapping with path and prior")
            continue
        for key in item:
            if key not in PRIOR_KEYS:
                problems.add(loc, _unknown(key, PRIOR_KEYS), at=loc + (key,), key=True)
        path = item.get("path")
        if not isinstance(path, str) or path not in known:
            near = difflib.get_close_matches(str(path), list(known), n=1)
            hint = f"did you mean '{near[0]}'? " if near else ""
            problems.add(
                loc + ("path",),
                f"{quoted(repr(path))} is not a numeric scenario parameter "
                f"({hint}expected a dotted path from docs/parameters.md)",
                at=loc + ("path",) if "path" in item else loc,
            )
            continue
        line = problems.line(loc + ("path",))
        if path in seen:
            problems.add(
                loc + ("path",), f"{path} is listed twice (first on line {seen[path]}; expected each parameter once)"
            )
            continue
        seen[path] = line
        if "prior" not in item:
            problems.add(loc, f"missing 'prior' (expected e.g. 'prior: {_example(known[path])}')")
            continue
        try:
            prior = parse_prior(path, item.get("prior"), known[path])
        except ValueError as exc:
            problems.add(loc + ("prior",), str(exc))
            continue
        note = item.get("note", "")
        if not isinstance(note, str):
            problems.add(loc + ("note",), f"got {quoted(repr(note))} (expected text)")
            continue
        out.append(Prior(prior.path, prior.shape, prior.low, prior.high, " ".join(note.split())))
    return out


def _example(meta: Mapping[str, Any]) -> str:
    return "integer(1, 6)" if meta.get("integer") else "uniform(0.05, 0.9)"


_PRIOR_RE = re.compile(r"^\s*(\w+)\s*\(\s*([^,()]+?)\s*,\s*([^,()]+?)\s*\)\s*(.*?)\s*$")


def parse_prior(path: str, text: Any, meta: Mapping[str, Any]) -> Prior:
    """``uniform(LOW, HIGH)``, ``loguniform(LOW, HIGH)`` or ``integer(LOW, HIGH)`` for the parameter
    ``path`` with schema metadata ``meta``, in canonical units or with a unit after the bracket
    (``uniform(2, 8) weeks``); raises ValueError saying what is wrong and what was expected."""
    example = _example(meta)
    if not isinstance(text, str):
        raise ValueError(f"got {quoted(repr(text))} (expected a prior such as {example})")
    m = _PRIOR_RE.match(text)
    if not m or m[1] not in PRIOR_SHAPES:
        raise ValueError(
            f"got {quoted(repr(text))} (expected {', '.join(s + '(LOW, HIGH)' for s in PRIOR_SHAPES)}, e.g. {example})"
        )
    shape, a, b, unit = m[1], m[2], m[3], m[4]
    kind = meta.get("kind", "number")
    try:
        if unit:
            if kind not in ("duration", "rate", "hours"):
                raise ValueError(
                    f"'{quoted(unit, 20)}' after the bracket: only durations, rates and hours take a unit "
                    f"({path} is a {kind})"
                )
            lo, hi = (float(parse_quantity(f"{x} {unit}", kind)) for x in (a, b))
        else:
            lo, hi = float(a), float(b)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cannot read {quoted(repr(text))}: {exc}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"got {quoted(repr(text))} (expected LOW < HIGH, both finite)")
    s_lo, s_hi = meta.get("range", (None, None))
    outside = (s_lo is not None and (lo < s_lo or (meta.get("lo_open") and lo <= s_lo))) or (
        s_hi is not None and hi > s_hi
    )
    if outside:
        rng = f"{'(' if meta.get('lo_open') else '['}{s_lo if s_lo is not None else '-inf'}, {s_hi if s_hi is not None else 'inf'}]"
        raise ValueError(f"{lo:g} to {hi:g} leaves {path}'s allowed range {rng} (expected bounds inside it)")
    if meta.get("integer") and shape != "integer":
        raise ValueError(
            f"{path} is a whole number the engine rounds (expected integer(LOW, HIGH), "
            f"e.g. integer({max(1, math.ceil(lo))}, {math.floor(hi)}))"
        )
    if shape == "integer":
        if not meta.get("integer"):
            raise ValueError(f"{path} is not a whole number (expected uniform(LOW, HIGH) or loguniform(LOW, HIGH))")
        if lo != round(lo) or hi != round(hi):
            raise ValueError(f"got {quoted(repr(text))} (expected whole-number bounds)")
    if shape == "loguniform" and lo <= 0:
        raise ValueError(f"got {quoted(repr(text))} (a log-uniform prior needs LOW > 0)")
    return Prior(path=path, shape=shape, low=lo, high=hi)


def _target(
    loc: Loc, data: Any, statistics: Mapping[str, Any], problems: _Problems, names: dict[str, int]
) -> Target | None:
    """One target from its plain data, or None after adding its problems."""
    if not isinstance(data, dict):
        problems.add(loc, "expected a mapping with statistic, value, sd or range, and source")
        return None

    def bad(key: str, message: str) -> None:
        problems.add(loc + (key,), message)

    for key in data:
        if key not in TARGET_KEYS:
            problems.add(loc, _unknown(key, TARGET_KEYS), at=loc + (key,), key=True)
    stat = data.get("statistic")
    ok = True
    if stat is None:
        problems.add(loc, f"missing 'statistic' (expected one of: {', '.join(statistics)})")
        ok = False
    elif not isinstance(stat, str) or stat not in statistics:
        near = difflib.get_close_matches(str(stat), list(statistics), n=1)
        hint = f"did you mean '{near[0]}'? " if near else ""
        bad("statistic", f"unknown statistic {quoted(repr(stat))} ({hint}expected one of: {', '.join(statistics)})")
        ok = False
    options = data.get("options", {}) or {}
    if not isinstance(options, dict):
        bad("options", f"got {quoted(repr(options))} (expected a mapping such as {{years: 10}})")
        options, ok = {}, False
    elif ok:
        spec = statistics[stat]
        for key, value in options.items():
            if key not in spec.options:
                allowed = ", ".join(spec.options) or "none"
                near = difflib.get_close_matches(str(key), list(spec.options), n=1)
                hint = f"did you mean '{near[0]}'? " if near else ""
                bad("options", f"'{stat}' has no option '{quoted(key, 40)}' ({hint}expected: {allowed})")
                ok = False
                continue
            default = spec.options[key]
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    bad("options", f"{key}: got {quoted(repr(value))} (expected true or false)")
                    ok = False
            elif isinstance(default, (int, float)):
                if not _number(value):
                    bad("options", f"{key}: got {quoted(repr(value))} (expected a number)")
                    ok = False
                elif float(value) < 0 or (key == "q" and float(value) > 1):
                    bad(
                        "options",
                        f"{key}: got {value!r} (expected {'a quantile between 0 and 1' if key == 'q' else 'a number of 0 or more'})",
                    )
                    ok = False
            elif isinstance(default, str) and not (isinstance(value, str) and value.strip()):
                bad("options", f"{key}: got {quoted(repr(value))} (expected text)")
                ok = False
        if stat == "summary" and ok and not str(options.get("key", "")).strip():
            bad(
                "options" if "options" in data else "statistic",
                "the 'summary' statistic needs options: {key: NAME} (expected e.g. {key: p_lead})",
            )
            ok = False
        elif stat == "summary" and ok and str(options.get("key", "")).strip().lower().startswith("claim_"):
            bad(
                "options",
                f"'{quoted(options['key'], 40)}' is one of the essays' claims, which are tested under the "
                "calibrated model and never fitted (expected a published figure, e.g. {key: exit_burnout})",
            )
            ok = False
    value, sd, rng = data.get("value"), data.get("sd"), data.get("range")
    lohi: tuple[float, float] | None = None
    if rng is not None:
        if not (
            isinstance(rng, list) and len(rng) == 2 and all(_number(x) for x in rng) and float(rng[0]) < float(rng[1])
        ):
            bad("range", f"got {quoted(repr(rng))} (expected [low, high] with low < high, e.g. [0.05, 0.15])")
            ok = False
        else:
            lohi = (float(rng[0]), float(rng[1]))
    if sd is not None and rng is not None:
        bad("sd", "give either sd or range, not both (expected one uncertainty)")
        ok = False
    elif sd is None and rng is None:
        problems.add(loc, "missing uncertainty (expected 'sd: NUMBER' or 'range: [low, high]')")
        ok = False
    elif sd is not None and not (_number(sd) and float(sd) > 0):
        bad("sd", f"got {quoted(repr(sd))} (expected a positive number)")
        ok = False
    if value is None:
        if lohi is None:
            if rng is None:
                problems.add(loc, "missing 'value' (expected the published figure, e.g. 'value: 0.65')")
            ok = False
        else:
            value = (lohi[0] + lohi[1]) / 2
    elif not _number(value):
        bad("value", f"got {quoted(repr(value))} (expected a finite number)")
        ok = False
    elif lohi is not None and not (lohi[0] <= float(value) <= lohi[1]):
        bad("value", f"{value!r} lies outside its range {list(lohi)} (expected low <= value <= high)")
        ok = False
    source = data.get("source")
    if not (isinstance(source, str) and source.strip()):
        if "source" in data:
            bad("source", f"got {quoted(repr(source))} (expected the citation as text)")
        else:
            problems.add(loc, "missing 'source' (expected the citation of the published figure)")
        ok = False
    weight = data.get("weight", 1.0)
    if not (_number(weight) and float(weight) >= 0):
        bad(
            "weight",
            f"got {quoted(repr(weight))} (expected a number of 0 or more; 0 reports the target without fitting it)",
        )
        ok = False
    note = data.get("note", "")
    if not isinstance(note, str):
        bad("note", f"got {quoted(repr(note))} (expected text)")
        ok = False
    role = data.get("role", "fit")
    if role not in ROLES:
        near = difflib.get_close_matches(str(role), list(ROLES), n=1)
        hint = f"did you mean '{near[0]}'? " if near else ""
        bad("role", f"got {quoted(repr(role))} ({hint}expected fit, to match it, or holdout, to predict it)")
        ok = False
    elif role == "holdout" and "weight" in data:
        bad(
            "weight",
            "a held-out target is never fitted, so it takes no weight (expected no 'weight' with 'role: holdout')",
        )
        ok = False
    needs = data.get("needs", "")
    if not isinstance(needs, str) or ("needs" in data and not needs.strip()):
        bad(
            "needs",
            f"got {quoted(repr(needs))} (expected text saying what the engine lacks to compute the statistic "
            "as the source defines it; leave 'needs' out once it can)",
        )
        ok = False
    name = data.get("name")
    if name is not None and not (isinstance(name, str) and name.strip()):
        bad("name", f"got {quoted(repr(name))} (expected a short label)")
        ok = False
    if not ok:
        return None
    if name is None:
        name = stat + "".join(f" {k}={v}" for k, v in options.items())
    line = problems.line(loc)
    if name in names:
        bad(
            "name" if "name" in data else "statistic",
            f"duplicate target name '{quoted(name)}' (first on line {names[name]}; expected distinct names; add 'name:')",
        )
        return None
    names[name] = line
    sd_value = float(sd) if sd is not None else (lohi[1] - lohi[0]) / 2 / RANGE_Z
    return Target(
        name=name,
        statistic=stat,
        options=dict(options),
        value=float(value),
        sd=sd_value,
        source=" ".join(source.split()),
        range=lohi,
        weight=float(weight),
        note=" ".join(note.split()),
        role=role,
        needs=" ".join(str(needs).split()),
    )


def _line_key(message: str) -> tuple[str, int]:
    head, _, rest = message.partition(":")
    line = rest.split(":", 1)[0]
    return (head, int(line)) if line.isdigit() else (head, 0)
