"""Calibration targets and priors: published figures expressed as model statistics.

A target names a statistic (:mod:`careersim.analysis.calibration`) with its
options, a value, an uncertainty (``sd``, or a ``range`` read as a 95%
interval so ``sd = half-width / 1.96``), its source and its role: ``fit``
(the calibration matches it) or ``holdout`` (never used to set a parameter;
the calibrated model predicts it, and the prediction is scored). A prior
names a parameter the calibration fits and the range it may take
(``uniform``, ``loguniform`` or, for a whole number, ``integer``). Both live
in one YAML file (format: ``docs/calibration.md``; worked example:
``scenarios/calibration/targets.yaml``); every problem is located.

The essays' claims are never targets: a ``summary`` target naming a claim's
statistic is refused (the brief: claims are tested under the calibrated
model, not tuned).
"""

from __future__ import annotations

import difflib
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from careersim.config.scenarios import ScenarioError, read_user_text
from careersim.config.schema import numeric_parameters
from careersim.core.units import parse_quantity

#: a range is read as a 95% interval: sd = half-width / 1.96
RANGE_Z = 1.959963984540054




class TargetsError(ScenarioError):
    """Problems with a targets file, each ``FILE:LINE: where: what is wrong (expected ...)``."""


#: what a target is for: matched by the fit, or held out and predicted
ROLES = ("fit", "holdout")
#: prior shapes: uniform, uniform in the logarithm, whole numbers uniform between the bounds
PRIOR_SHAPES = ("uniform", "loguniform", "integer")


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

    @property
    def label(self) -> str:
        return self.name

    @property
    def fitted(self) -> bool:
        """Whether the fit uses this target (role ``fit`` with a positive weight)."""
        return self.role == "fit" and self.weight > 0


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


TARGET_KEYS = ("name", "statistic", "options", "value", "sd", "range", "source", "note", "weight", "role")
PRIOR_KEYS = ("path", "prior", "note")
TOP_KEYS = ("description", "targets", "parameters")
MAX_TARGET_BYTES = 1_000_000


def _yaml_node_tree(text: str, shown: str) -> yaml.Node:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = " ".join(x for x in (exc.context, exc.problem) if x)
        raise TargetsError([f"{shown}:{line}: invalid YAML: {what} (expected valid YAML; check indentation, colons and quotes)"]) from None
    except yaml.YAMLError as exc:
        raise TargetsError([f"{shown}:1: invalid YAML: {exc} (expected valid YAML)"]) from None
    if node is None:
        raise TargetsError([f"{shown}:1: the file is empty (expected a mapping with a 'targets:' list)"])
    return node


class _Reader:
    """Plain values from composed YAML nodes (core tags only, no aliases), with lines."""

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.errors: list[str] = []
        self._scalar = yaml.SafeLoader("")
        self.count = 0

    def error(self, node: yaml.Node, where: str, message: str) -> None:
        prefix = f" {where}:" if where else ""
        self.errors.append(f"{self.shown}:{node.start_mark.line + 1}:{prefix} {message}")

    def value(self, node: yaml.Node, where: str) -> Any:
        self.count += 1
        if self.count > 10_000:
            raise TargetsError([f"{self.shown}:{node.start_mark.line + 1}: more than 10000 values (expected a short list of targets)"])
        if isinstance(node, yaml.ScalarNode):
            if not node.tag.startswith("tag:yaml.org,2002:") or node.tag.endswith((":binary", ":timestamp", ":set", ":omap", ":pairs")):
                self.error(node, where, f"unsupported YAML tag '{node.tag}' (expected plain numbers, text or true/false)")
                return None
            try:
                return self._scalar.construct_object(node)
            except (ValueError, yaml.YAMLError) as exc:
                self.error(node, where, f"cannot read the value ({exc}) (expected a plain number or text)")
                return None
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                self.error(node, where, f"unsupported YAML tag '{node.tag}' (expected a plain list)")
                return None
            return [self.value(v, f"{where}[{i}]") for i, v in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            if node.tag != "tag:yaml.org,2002:map":
                self.error(node, where, f"unsupported YAML tag '{node.tag}' (expected a plain mapping)")
                return None
            out: dict[str, Any] = {}
            for k, v in node.value:
                key = self.value(k, where)
                if not isinstance(key, (str, int, float, bool)) and key is not None:
                    self.error(k, where, "a key must be plain text (expected e.g. 'statistic:')")
                    continue
                if key in out:
                    self.error(k, f"{where}.{key}" if where else str(key), f"duplicate key '{key}' (expected each key once)")
                    continue
                out[key] = self.value(v, f"{where}.{key}" if where else str(key))
            return out
        return None  # pragma: no cover


def _entries(node: yaml.MappingNode) -> dict[Any, tuple[yaml.Node, yaml.Node]]:
    out: dict[Any, tuple[yaml.Node, yaml.Node]] = {}
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value not in out:
            out[k.value] = (k, v)
    return out


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(float(x))


def _unknown(key: str, allowed: Sequence[str]) -> str:
    near = difflib.get_close_matches(str(key), list(allowed), n=1, cutoff=0.6)
    hint = f"did you mean '{near[0]}'? " if near else ""
    return f"unknown key '{key}' ({hint}expected one of: {', '.join(allowed)})"


def parse_targets(text: str, shown: str, statistics: Mapping[str, Any]) -> list[Target]:
    """Read targets from YAML text; raises :class:`TargetsError` with every located problem
    (:func:`parse_calibration` without the priors)."""
    return parse_calibration(text, shown, statistics).targets


def parse_calibration(text: str, shown: str, statistics: Mapping[str, Any]) -> CalibrationFile:
    """Read targets and priors from YAML text; raises :class:`TargetsError` with every located problem.

    ``statistics`` are the statistics a target may name, by name, each with its ``unit``,
    default ``options`` and ``option_help`` (:data:`careersim.analysis.calibration.statistics`)."""
    root = _yaml_node_tree(text, shown)
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise TargetsError([f"{shown}:{event.start_mark.line + 1}: YAML aliases (*name) are not allowed in a targets file (expected the values written out)"])
    reader = _Reader(shown)
    if not isinstance(root, yaml.MappingNode):
        raise TargetsError([f"{shown}:{root.start_mark.line + 1}: the top level is not a mapping (expected 'targets:' followed by a list of targets)"])
    top = _entries(root)
    errors: list[str] = []
    for key, (k_node, _) in top.items():
        if key not in TOP_KEYS:
            errors.append(f"{shown}:{k_node.start_mark.line + 1}: {_unknown(key, TOP_KEYS)}")
    if "targets" not in top:
        raise TargetsError(errors + [f"{shown}:{root.start_mark.line + 1}: missing 'targets:' (expected a list of targets, each with statistic, value, sd or range, and source)"])
    t_key, t_node = top["targets"]
    if not isinstance(t_node, yaml.SequenceNode) or not t_node.value:
        raise TargetsError(errors + [f"{shown}:{t_key.start_mark.line + 1}: targets: expected a non-empty list of targets (each item starting with '- statistic: ...')"])
    targets: list[Target] = []
    names: dict[str, int] = {}
    for i, item in enumerate(t_node.value):
        where = f"targets[{i}]"
        line = item.start_mark.line + 1
        if not isinstance(item, yaml.MappingNode):
            errors.append(f"{shown}:{line}: {where}: expected a mapping with statistic, value, sd or range, and source")
            continue
        data = reader.value(item, where)
        ent = _entries(item)

        def at(key: str) -> int:
            return (ent[key][1].start_mark.line + 1) if key in ent else line

        def bad(key: str, message: str) -> None:
            errors.append(f"{shown}:{at(key)}: {where}.{key}: {message}")

        for key in data or {}:
            if key not in TARGET_KEYS:
                errors.append(f"{shown}:{ent[key][0].start_mark.line + 1 if key in ent else line}: {where}: {_unknown(key, TARGET_KEYS)}")
        data = data or {}
        stat = data.get("statistic")
        ok = True
        if stat is None:
            errors.append(f"{shown}:{line}: {where}: missing 'statistic' (expected one of: {', '.join(statistics)})")
            ok = False
        elif not isinstance(stat, str) or stat not in statistics:
            near = difflib.get_close_matches(str(stat), list(statistics), n=1)
            hint = f"did you mean '{near[0]}'? " if near else ""
            bad("statistic", f"unknown statistic {stat!r} ({hint}expected one of: {', '.join(statistics)})")
            ok = False
        options = data.get("options", {}) or {}
        if not isinstance(options, dict):
            bad("options", f"got {options!r} (expected a mapping such as {{years: 10}})")
            options, ok = {}, False
        elif ok:
            spec = statistics[stat]
            for key, value in options.items():
                if key not in spec.options:
                    allowed = ", ".join(spec.options) or "none"
                    near = difflib.get_close_matches(str(key), list(spec.options), n=1)
                    hint = f"did you mean '{near[0]}'? " if near else ""
                    bad("options", f"'{stat}' has no option '{key}' ({hint}expected: {allowed})")
                    ok = False
                    continue
                default = spec.options[key]
                if isinstance(default, bool):
                    if not isinstance(value, bool):
                        bad("options", f"{key}: got {value!r} (expected true or false)")
                        ok = False
                elif isinstance(default, (int, float)):
                    if not _number(value):
                        bad("options", f"{key}: got {value!r} (expected a number)")
                        ok = False
                    elif float(value) < 0 or (key == "q" and float(value) > 1):
                        bad("options", f"{key}: got {value!r} (expected {'a quantile between 0 and 1' if key == 'q' else 'a number of 0 or more'})")
                        ok = False
                elif isinstance(default, str) and not (isinstance(value, str) and value.strip()):
                    bad("options", f"{key}: got {value!r} (expected text)")
                    ok = False
            if stat == "summary" and ok and not str(options.get("key", "")).strip():
                bad("options" if "options" in ent else "statistic", "the 'summary' statistic needs options: {key: NAME} (expected e.g. {key: p_lead})")
                ok = False
            elif stat == "summary" and ok and str(options.get("key", "")).strip().lower().startswith("claim_"):
                bad("options", f"'{options['key']}' is one of the essays' claims, which are tested under the calibrated "
                               "model and never fitted (expected a published figure, e.g. {key: exit_burnout})")
                ok = False
        value, sd, rng = data.get("value"), data.get("sd"), data.get("range")
        lohi: tuple[float, float] | None = None
        if rng is not None:
            if not (isinstance(rng, list) and len(rng) == 2 and all(_number(x) for x in rng) and float(rng[0]) < float(rng[1])):
                bad("range", f"got {rng!r} (expected [low, high] with low < high, e.g. [0.05, 0.15])")
                ok = False
            else:
                lohi = (float(rng[0]), float(rng[1]))
        if sd is not None and rng is not None:
            bad("sd", "give either sd or range, not both (expected one uncertainty)")
            ok = False
        elif sd is None and rng is None:
            errors.append(f"{shown}:{line}: {where}: missing uncertainty (expected 'sd: NUMBER' or 'range: [low, high]')")
            ok = False
        elif sd is not None and not (_number(sd) and float(sd) > 0):
            bad("sd", f"got {sd!r} (expected a positive number)")
            ok = False
        if value is None:
            if lohi is None:
                if rng is None:
                    errors.append(f"{shown}:{line}: {where}: missing 'value' (expected the published figure, e.g. 'value: 0.65')")
                ok = False
            else:
                value = (lohi[0] + lohi[1]) / 2
        elif not _number(value):
            bad("value", f"got {value!r} (expected a finite number)")
            ok = False
        elif lohi is not None and not (lohi[0] <= float(value) <= lohi[1]):
            bad("value", f"{value!r} lies outside its range {list(lohi)} (expected low <= value <= high)")
            ok = False
        source = data.get("source")
        if not (isinstance(source, str) and source.strip()):
            if "source" in data:
                bad("source", f"got {source!r} (expected the citation as text)")
            else:
                errors.append(f"{shown}:{line}: {where}: missing 'source' (expected the citation of the published figure)")
            ok = False
        weight = data.get("weight", 1.0)
        if not (_number(weight) and float(weight) >= 0):
            bad("weight", f"got {weight!r} (expected a number of 0 or more; 0 reports the target without fitting it)")
            ok = False
        note = data.get("note", "")
        if not isinstance(note, str):
            bad("note", f"got {note!r} (expected text)")
            ok = False
        role = data.get("role", "fit")
        if role not in ROLES:
            near = difflib.get_close_matches(str(role), list(ROLES), n=1)
            hint = f"did you mean '{near[0]}'? " if near else ""
            bad("role", f"got {role!r} ({hint}expected fit, to match it, or holdout, to predict it)")
            ok = False
        elif role == "holdout" and "weight" in data:
            bad("weight", "a held-out target is never fitted, so it takes no weight (expected no 'weight' with 'role: holdout')")
            ok = False
        name = data.get("name")
        if name is not None and not (isinstance(name, str) and name.strip()):
            bad("name", f"got {name!r} (expected a short label)")
            ok = False
        if not ok:
            continue
        if name is None:
            name = stat + "".join(f" {k}={v}" for k, v in options.items())
        if name in names:
            bad("name" if "name" in ent else "statistic", f"duplicate target name '{name}' (first on line {names[name]}; expected distinct names; add 'name:')")
            continue
        names[name] = line
        sd_value = float(sd) if sd is not None else (lohi[1] - lohi[0]) / 2 / RANGE_Z
        targets.append(Target(name=name, statistic=stat, options=dict(options), value=float(value), sd=sd_value,
                              source=" ".join(source.split()), range=lohi, weight=float(weight), note=" ".join(note.split()),
                              role=role))
    priors = _priors(top.get("parameters"), shown, reader, errors)
    errors = reader.errors + errors
    if errors:
        raise TargetsError(sorted(dict.fromkeys(errors), key=_line_key))
    if not any(t.fitted for t in targets):
        raise TargetsError([f"{shown}:{t_key.start_mark.line + 1}: targets: no target to fit: every target has weight 0 "
                            "or role holdout (expected at least one target with role fit)"])
    description = top["description"][1].value if "description" in top and isinstance(top["description"][1], yaml.ScalarNode) else ""
    return CalibrationFile(description=" ".join(str(description).split()), targets=targets, priors=priors)


def _priors(entry: tuple[yaml.Node, yaml.Node] | None, shown: str, reader: "_Reader", errors: list[str]) -> list[Prior]:
    """The ``parameters:`` list: each a dotted path and a prior, checked against the schema."""
    if entry is None:
        return []
    k_node, node = entry
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        errors.append(f"{shown}:{k_node.start_mark.line + 1}: parameters: expected a non-empty list of parameters "
                      "(each item '- path: grants.base_acceptance' with 'prior: uniform(0.05, 0.9)')")
        return []
    known = numeric_parameters()
    out: list[Prior] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(node.value):
        where = f"parameters[{i}]"
        line = item.start_mark.line + 1
        if not isinstance(item, yaml.MappingNode):
            errors.append(f"{shown}:{line}: {where}: expected a mapping with path and prior")
            continue
        data = reader.value(item, where) or {}
        ent = _entries(item)

        def at(key: str) -> int:
            return (ent[key][1].start_mark.line + 1) if key in ent else line

        for key in data:
            if key not in PRIOR_KEYS:
                errors.append(f"{shown}:{ent[key][0].start_mark.line + 1 if key in ent else line}: {where}: {_unknown(key, PRIOR_KEYS)}")
        path = data.get("path")
        if not isinstance(path, str) or path not in known:
            near = difflib.get_close_matches(str(path), list(known), n=1)
            hint = f"did you mean '{near[0]}'? " if near else ""
            errors.append(f"{shown}:{at('path')}: {where}.path: {path!r} is not a numeric scenario parameter "
                          f"({hint}expected a dotted path from docs/parameters.md)")
            continue
        if path in seen:
            errors.append(f"{shown}:{at('path')}: {where}.path: {path} is listed twice (first on line {seen[path]}; expected each parameter once)")
            continue
        seen[path] = at("path")
        try:
            prior = parse_prior(path, data.get("prior"), known[path])
        except ValueError as exc:
            errors.append(f"{shown}:{at('prior')}: {where}.prior: {exc}")
            continue
        note = data.get("note", "")
        out.append(Prior(prior.path, prior.shape, prior.low, prior.high, " ".join(str(note).split())))
    return out


_PRIOR_RE = re.compile(r"^\s*(\w+)\s*\(\s*([^,()]+?)\s*,\s*([^,()]+?)\s*\)\s*(.*?)\s*$")


def parse_prior(path: str, text: Any, meta: Mapping[str, Any]) -> Prior:
    """``uniform(LOW, HIGH)``, ``loguniform(LOW, HIGH)`` or ``integer(LOW, HIGH)`` for the parameter
    ``path`` with schema metadata ``meta``, in canonical units or with a unit after the bracket
    (``uniform(2, 8) weeks``); raises ValueError saying what is wrong and what was expected."""
    example = "integer(1, 6)" if meta.get("integer") else "uniform(0.05, 0.9)"
    if not isinstance(text, str):
        raise ValueError(f"got {text!r} (expected a prior such as {example})")
    m = _PRIOR_RE.match(text)
    if not m or m[1] not in PRIOR_SHAPES:
        raise ValueError(f"got {text!r} (expected {', '.join(s + '(LOW, HIGH)' for s in PRIOR_SHAPES)}, e.g. {example})")
    shape, a, b, unit = m[1], m[2], m[3], m[4]
    kind = meta.get("kind", "number")
    try:
        if unit:
            if kind not in ("duration", "rate", "hours"):
                raise ValueError(f"'{unit}' after the bracket: only durations, rates and hours take a unit ({path} is a {kind})")
            lo, hi = (float(parse_quantity(f"{x} {unit}", kind)) for x in (a, b))
        else:
            lo, hi = float(a), float(b)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cannot read {text!r}: {exc}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"got {text!r} (expected LOW < HIGH, both finite)")
    s_lo, s_hi = meta.get("range", (None, None))
    outside = (s_lo is not None and (lo < s_lo or (meta.get("lo_open") and lo <= s_lo))) or (s_hi is not None and hi > s_hi)
    if outside:
        rng = f"{'(' if meta.get('lo_open') else '['}{s_lo if s_lo is not None else '-inf'}, {s_hi if s_hi is not None else 'inf'}]"
        raise ValueError(f"{lo:g} to {hi:g} leaves {path}'s allowed range {rng} (expected bounds inside it)")
    if meta.get("integer") and shape != "integer":
        raise ValueError(f"{path} is a whole number the engine rounds (expected integer(LOW, HIGH), e.g. integer({max(1, math.ceil(lo))}, {math.floor(hi)}))")
    if shape == "integer":
        if not meta.get("integer"):
            raise ValueError(f"{path} is not a whole number (expected uniform(LOW, HIGH) or loguniform(LOW, HIGH))")
        if lo != round(lo) or hi != round(hi):
            raise ValueError(f"got {text!r} (expected whole-number bounds)")
    if shape == "loguniform" and lo <= 0:
        raise ValueError(f"got {text!r} (a log-uniform prior needs LOW > 0)")
    return Prior(path=path, shape=shape, low=lo, high=hi)


def _line_key(message: str) -> tuple[str, int]:
    head, _, rest = message.partition(":")
    line = rest.split(":", 1)[0]
    return (head, int(line)) if line.isdigit() else (head, 0)


def read_targets_file(path: str | os.PathLike[str], statistics: Mapping[str, Any]) -> list[Target]:
    """Read and check a targets YAML file (see ``docs/calibration.md``)."""
    return read_calibration_file(path, statistics).targets


def read_calibration_file(path: str | os.PathLike[str], statistics: Mapping[str, Any]) -> CalibrationFile:
    """Read and check a targets YAML file with its priors (see ``docs/calibration.md``)."""
    text = read_user_text(Path(path), str(path), "a targets file such as scenarios/calibration/targets.yaml",
                          MAX_TARGET_BYTES, TargetsError)
    return parse_calibration(text, str(path), statistics)
