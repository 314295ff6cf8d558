"""The scenarios shipped with careersim, and how a scenario is named.

The shipped scenarios are package data in ``careersim/scenarios/`` (with
``sweeps/``, ``profiles/`` and ``calibration/`` beside them), so they are
there wherever careersim is installed. A scenario is named on the command line
by a file or a shipped name (:func:`resolve_scenario`); inside a file,
``extends:`` and a sweep's ``base:`` name only a ``.yaml``/``.yml`` file or a
shipped name (:func:`find_parent`), never any other file.

This module reads YAML only (no schema), so ``careersim list`` starts fast.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Union

from careersim.config.yaml_file import FileError, FileKind, quoted, read_yaml_file

__all__ = ["SUFFIXES", "shipped_dir", "shipped_files", "shipped_scenarios", "resolve_scenario", "find_parent"]

#: the endings of a scenario file
SUFFIXES = (".yaml", ".yml")

PathLike = Union[str, "os.PathLike[str]"]

_LISTING = FileKind(noun="a scenario", example="baseline.yaml", empty_hint="a scenario", keys_hint="'name:'")


def shipped_dir() -> Path:
    """The folder of shipped scenarios (``careersim/scenarios``)."""
    return Path(__file__).resolve().parent.parent / "scenarios"


def shipped_files() -> dict[str, Path]:
    """Shipped scenario name -> its file."""
    folder = shipped_dir()
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def shipped_scenarios() -> list[tuple[str, str, Path]]:
    """(name, description, path) of every shipped scenario, baseline first."""
    out = []
    for stem, path in shipped_files().items():
        try:
            raw = read_yaml_file(path, _LISTING).data
        except FileError:
            raw = {}
        name = raw.get("name") if isinstance(raw.get("name"), str) else stem
        desc = raw.get("description") if isinstance(raw.get("description"), str) else ""
        out.append((name, " ".join(desc.split()), path))
    out.sort(key=lambda t: (t[0] != "baseline", t[0]))
    return out


def resolve_scenario(text: PathLike) -> Path:
    """A scenario given on the command line: a file, or a bare shipped name such as ``baseline``."""
    path = Path(text)
    if path.exists() or path.suffix in SUFFIXES or len(path.parts) != 1:
        return path
    return shipped_files().get(path.name, path)


def find_parent(spec: str, folder: Path, example: str = "baseline.yaml") -> Path:
    """The scenario an ``extends:`` (or a sweep's ``base:``) names, from a file in ``folder``:
    a ``.yaml``/``.yml`` file relative to ``folder`` (the ending may be left out), else a
    shipped scenario's name. Raises :class:`LookupError` whose text completes
    ``extends: ...`` (what was wrong and what was expected)."""
    spec = spec.strip()
    suffix = Path(spec).suffix
    shipped = shipped_files()
    names = ", ".join(shipped)
    if suffix and suffix not in SUFFIXES:
        raise LookupError(
            f"got '{quoted(spec)}' (expected a scenario file ending in .yaml or .yml, "
            f"such as '{example}', or a shipped scenario's name: {names})"
        )
    candidates = [folder / spec] if suffix else [folder / (spec + s) for s in SUFFIXES]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    bare = "/" not in spec and "\\" not in spec
    stem = spec[: -len(suffix)] if suffix else spec
    if bare and stem in shipped:
        return shipped[stem]
    if not suffix and (folder / spec).exists():  # a file or folder without a scenario's ending
        raise LookupError(
            f"got '{quoted(spec)}', which is not a scenario file (expected a file ending in .yaml or .yml, "
            f"such as '{example}', or a shipped scenario's name: {names})"
        )
    near = difflib.get_close_matches(Path(stem).name, list(shipped), n=1)
    hint = f"did you mean '{near[0]}'? " if near else ""
    raise LookupError(
        f"cannot find '{quoted(spec)}' next to this file or among the shipped scenarios "
        f"({hint}expected a file such as '{example}' or one of: {names})"
    )
