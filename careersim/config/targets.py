"""Calibration targets: published figures expressed as model statistics.

A target names a statistic (:mod:`careersim.analysis.calibration`) with its
options, a value, an uncertainty (``sd``, or a ``range`` read as a 95%
interval so ``sd = half-width / 1.96``) and its source. Targets live in a YAML
file (format: ``docs/calibration.md``; worked example:
``scenarios/calibration/targets.yaml``); every problem is located.
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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

    @property
    def label(self) -> str:
        return self.name


TARGET_KEYS = ("name", "statistic", "options", "value", "sd", "range", "source", "note", "weight")
TOP_KEYS = ("description", "targets")
MAX_TARGET_BYTES = 1_000_000

#: what a targets file is, for the YAML reader's messages (aliases are refused: write the values out)
TARGETS_FILE = FileKind(
    noun="a calibration targets",
    example="scenarios/calibration/targets.yaml",
    empty_hint="a mapping with a 'targets:' list",
    keys_hint="'description:' and 'targets:' (a list of targets)",
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
    """Read targets from YAML text; raises :class:`TargetsError` with every located problem.

    ``statistics`` are the statistics a target may name, by name, each with its ``unit``,
    default ``options`` and ``option_help`` (:data:`careersim.analysis.calibration.statistics`)."""
    return _targets(parse_yaml(text, shown, TARGETS_FILE), statistics)


def read_targets_file(path: str | os.PathLike[str], statistics: Mapping[str, Any]) -> list[Target]:
    """Read and check a targets YAML file (see ``docs/calibration.md``)."""
    return _targets(read_yaml_file(Path(path), TARGETS_FILE, str(path)), statistics)


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


def _targets(file: YamlFile, statistics: Mapping[str, Any]) -> list[Target]:
    data = file.data
    problems = _Problems(file)
    for key in data:
        if key not in TOP_KEYS:
            problems.add((), _unknown(key, TOP_KEYS), at=(key,), key=True)
    if "targets" not in data:
        problems.add((), "missing 'targets:' (expected a list of targets, each with statistic, value, sd or range, and source)")
        raise TargetsError(problems.messages())
    items = data["targets"]
    if not isinstance(items, list) or not items:
        problems.add(("targets",), "expected a non-empty list of targets (each item starting with '- statistic: ...')",
                     key=True)
        raise TargetsError(problems.messages())
    targets: list[Target] = []
    names: dict[str, int] = {}
    for i, item in enumerate(items):
        target = _target(("targets", i), item, statistics, problems, names)
        if target is not None:
            targets.append(target)
    errors = problems.messages()
    if errors:
        raise TargetsError(errors)
    if not any(t.weight > 0 for t in targets):
        raise TargetsError([f"{file.shown}:{problems.line(('targets',), key=True)}: targets: every target has weight 0 "
                            "(expected at least one target to fit)"])
    return targets


def _target(loc: Loc, data: Any, statistics: Mapping[str, Any], problems: _Problems,
            names: dict[str, int]) -> Target | None:
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
                    bad("options", f"{key}: got {value!r} (expected {'a quantile between 0 and 1' if key == 'q' else 'a number of 0 or more'})")
                    ok = False
            elif isinstance(default, str) and not (isinstance(value, str) and value.strip()):
                bad("options", f"{key}: got {quoted(repr(value))} (expected text)")
                ok = False
        if stat == "summary" and ok and not str(options.get("key", "")).strip():
            bad("options" if "options" in data else "statistic",
                "the 'summary' statistic needs options: {key: NAME} (expected e.g. {key: p_lead})")
            ok = False
    value, sd, rng = data.get("value"), data.get("sd"), data.get("range")
    lohi: tuple[float, float] | None = None
    if rng is not None:
        if not (isinstance(rng, list) and len(rng) == 2 and all(_number(x) for x in rng) and float(rng[0]) < float(rng[1])):
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
        bad("weight", f"got {quoted(repr(weight))} (expected a number of 0 or more; 0 reports the target without fitting it)")
        ok = False
    note = data.get("note", "")
    if not isinstance(note, str):
        bad("note", f"got {quoted(repr(note))} (expected text)")
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
        bad("name" if "name" in data else "statistic",
            f"duplicate target name '{quoted(name)}' (first on line {names[name]}; expected distinct names; add 'name:')")
        return None
    names[name] = line
    sd_value = float(sd) if sd is not None else (lohi[1] - lohi[0]) / 2 / RANGE_Z
    return Target(name=name, statistic=stat, options=dict(options), value=float(value), sd=sd_value,
                  source=" ".join(source.split()), range=lohi, weight=float(weight), note=" ".join(note.split()))


def _line_key(message: str) -> tuple[str, int]:
    head, _, rest = message.partition(":")
    line = rest.split(":", 1)[0]
    return (head, int(line)) if line.isdigit() else (head, 0)
