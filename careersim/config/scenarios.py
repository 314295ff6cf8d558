"""Scenario files: safe YAML loading with located errors, ``extends``, dumping,
the shipped scenarios and the editor JSON Schema.

A scenario file is YAML read with :class:`yaml.SafeLoader` machinery only (no
Python objects are ever constructed).  Every mapping key and value keeps the
file and line it came from, so a validation error names ``FILE:LINE:
path.to.field: what is wrong (expected ...)``, also for values inherited
through ``extends``.
"""

from __future__ import annotations

import copy
import difflib
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple, Union

import yaml
from pydantic import BaseModel, ValidationError

from careersim.config.schema import Intervention, Scenario
from careersim.core import distributions

__all__ = [
    "ScenarioError",
    "load_scenario",
    "dump_scenario",
    "shipped_scenarios",
    "shipped_dir",
    "resolve_scenario",
    "scenario_json_schema",
    "MAX_ALIASES",
    "MAX_NODES",
]

#: at most this many YAML aliases (``*name``) in one file
MAX_ALIASES = 100
#: at most this many values after expanding aliases
MAX_NODES = 100_000
#: deepest nesting of mappings and lists
MAX_DEPTH = 64
#: largest scenario file read, in bytes
MAX_BYTES = 5_000_000
#: longest ``extends`` chain
MAX_EXTENDS = 32

PathLike = Union[str, "os.PathLike[str]"]
Loc = tuple[Union[str, int], ...]

_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_CORE + t for t in ("null", "bool", "int", "float", "str", "timestamp", "value")}
_MAP_TAG = _CORE + "map"
_SEQ_TAG = _CORE + "seq"
_MERGE_TAG = _CORE + "merge"


class ScenarioError(Exception):
    """One or more problems with a scenario, each ``FILE:LINE: path: what is wrong``."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


class _Mark(NamedTuple):
    """Where a mapping entry came from."""

    file: str
    key_line: int
    line: int


Marks = dict[Loc, _Mark]


# ---------------------------------------------------------------------------
# shipped scenarios
# ---------------------------------------------------------------------------


def shipped_dir() -> Path:
    """The folder of shipped scenarios (the repository's ``scenarios/``)."""
    pkg = Path(__file__).resolve().parent
    for candidate in (pkg.parent / "scenarios", pkg / "scenarios"):
        if candidate.is_dir():
            return candidate
    return pkg.parent / "scenarios"


def _shipped_files() -> dict[str, Path]:
    folder = shipped_dir()
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def shipped_scenarios() -> list[tuple[str, str, Path]]:
    """(name, description, path) of every shipped scenario, baseline first."""
    out = []
    for stem, path in _shipped_files().items():
        try:
            raw, _, _ = _read_yaml(path)
        except ScenarioError:
            raw = {}
        name = raw.get("name") if isinstance(raw.get("name"), str) else stem
        desc = raw.get("description") if isinstance(raw.get("description"), str) else ""
        out.append((name, " ".join(desc.split()), path))
    out.sort(key=lambda t: (t[0] != "baseline", t[0]))
    return out


# ---------------------------------------------------------------------------
# YAML reading
# ---------------------------------------------------------------------------


class _Bomb(Exception):
    """Internal: the YAML hit a size limit."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _Loader(yaml.SafeLoader):
    """SafeLoader that counts aliases while composing (alias-bomb guard)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.alias_count = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            self.alias_count += 1
            if self.alias_count > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise _Bomb(
                    mark.line + 1,
                    f"more than {MAX_ALIASES} YAML aliases (*name); files like this are how "
                    "'billion laughs' alias bombs blow up memory, so they are rejected "
                    "(expected at most a few aliases; write the values out instead)",
                )
        return super().compose_node(parent, index)


def _display(path: Path) -> str:
    """A short name for a file in messages: relative to the working directory if inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def _line_of(data: bytes, pos: int) -> int:
    return data[:pos].count(b"\n") + 1


def read_user_text(path: Path, shown: str, expected: str, max_bytes: int,
                   error: type[ScenarioError] = ScenarioError) -> str:
    """Read a user's text file, or raise ``error`` with a located message
    (a folder, too large, missing, unreadable, not UTF-8)."""
    path = Path(path)
    try:
        if path.is_dir():
            raise error([f"{shown}: is a folder (expected {expected})"])
        size = path.stat().st_size
        if size > max_bytes:
            raise error([f"{shown}: the file is {size} bytes (expected {expected} under {max_bytes} bytes)"])
        data = path.read_bytes()
    except FileNotFoundError:
        raise error([f"{shown}: no such file (expected {expected})"]) from None
    except OSError as exc:
        raise error([f"{shown}: cannot read the file: {exc.strerror or exc}"]) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = _line_of(data, exc.start)
        raise error(
            [f"{shown}:{line}: the file is not valid UTF-8 (byte 0x{data[exc.start]:02x}; expected UTF-8 text)"]
        ) from None


def _read_yaml(path: Path, shown: str | None = None) -> tuple[dict, Marks, list[tuple[Loc, str]]]:
    """Read one YAML file into plain data, the marks of every mapping entry and
    the located problems found while reading (reported with validation errors)."""
    shown = shown or _display(path)
    text = read_user_text(path, shown, "a scenario file such as my-scenario.yaml", MAX_BYTES)
    return _parse_text(text, shown)


def _parse_text(text: str, shown: str) -> tuple[dict, Marks, list[tuple[Loc, str]]]:
    """Compose YAML text into data and marks, enforcing the safety limits."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except _Bomb as exc:
        raise ScenarioError([f"{shown}:{exc.line}: {exc.message}"]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = " ".join(x for x in (exc.context, exc.problem) if x)
        raise ScenarioError([f"{shown}:{line}: invalid YAML: {what} (expected valid YAML; check indentation, colons and quotes)"]) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise ScenarioError([f"{shown}:{line}: invalid character {exc.character!r} (expected printable text)"]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([f"{shown}:1: invalid YAML: {exc}"]) from None
    finally:
        loader.dispose()
    if node is None:
        raise ScenarioError(
            [f"{shown}:1: the file is empty (expected a mapping such as 'name: my-scenario' and 'extends: baseline')"]
        )
    builder = _Builder(shown)
    try:
        value = builder.build(node, ())
    except _Bomb as exc:
        raise ScenarioError([f"{shown}:{exc.line}: {exc.message}"]) from None
    if not isinstance(value, dict):
        if builder.errors:
            raise ScenarioError([m for _, m in builder.errors])
        kind = "a list" if isinstance(value, list) else f"the value {value!r}"
        raise ScenarioError(
            [f"{shown}:{node.start_mark.line + 1}: the top level is {kind} (expected a mapping of keys such as 'name:', 'population:', 'run:')"]
        )
    return value, builder.marks, builder.errors


def _tag(tag: str) -> str:
    return "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag


class _Builder:
    """Turns composed YAML nodes into plain Python values, recording marks.

    Only core-schema tags are accepted; anything else (``!!python/...``,
    local ``!tags``, ``!!binary``, ``!!set``) is an error, so nothing but
    plain data is ever constructed.
    """

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.marks: Marks = {}
        self.errors: list[tuple[Loc, str]] = []
        self.count = 0
        self._scalar = yaml.SafeLoader("")

    def _error(self, node: yaml.Node, path: Loc, message: str) -> None:
        where = f" {_dotted(path)}:" if path else ""
        self.errors.append((path, f"{self.shown}:{node.start_mark.line + 1}:{where} {message}"))

    def build(self, node: yaml.Node, path: Loc, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _Bomb(
                node.start_mark.line + 1,
                f"the YAML expands to more than {MAX_NODES} values through aliases; this is how "
                "'billion laughs' alias bombs work, so it is rejected (expected a plain scenario)",
            )
        if depth > MAX_DEPTH:
            raise _Bomb(node.start_mark.line + 1, f"nested more than {MAX_DEPTH} levels deep (expected a shallow scenario)")
        if isinstance(node, yaml.ScalarNode):
            return self._build_scalar(node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                self._error(node, path, f"unsupported YAML tag '{_tag(node.tag)}' (expected plain YAML lists, mappings and values)")
                return None
            items = []
            for i, item in enumerate(node.value):
                line = item.start_mark.line + 1
                self.marks[path + (i,)] = _Mark(self.shown, line, line)
                items.append(self.build(item, path + (i,), depth + 1))
            return items
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP_TAG:
                self._error(node, path, f"unsupported YAML tag '{_tag(node.tag)}' (expected plain YAML lists, mappings and values)")
                return None
            return self._build_mapping(node, path, depth)
        self._error(node, path, "unsupported YAML node")  # pragma: no cover
        return None

    def _build_scalar(self, node: yaml.ScalarNode, path: Loc) -> Any:
        if node.tag not in _SCALAR_TAGS:
            self._error(node, path, f"unsupported YAML tag '{_tag(node.tag)}' (expected plain numbers, text, true/false or null)")
            return None
        if node.tag in (_CORE + "timestamp", _CORE + "value"):
            return node.value
        try:
            value = self._scalar.construct_object(node)
        except (ValueError, yaml.YAMLError) as exc:  # e.g. an integer with too many digits
            self._error(node, path, f"cannot read the value ({exc}) (expected a plain number or text)")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self._error(node, path, f"got {node.value} (expected a finite number such as 0.5)")
            return None
        return value

    def _key(self, node: yaml.Node, path: Loc) -> Any:
        if not isinstance(node, yaml.ScalarNode) or node.tag not in _SCALAR_TAGS:
            self._error(node, path, "a key must be plain text (expected e.g. 'horizon:')")
            return None
        value = self._build_scalar(node, path)
        return value if isinstance(value, (str, int)) and not isinstance(value, bool) else str(node.value)

    def _build_mapping(self, node: yaml.MappingNode, path: Loc, depth: int) -> dict:
        out: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        merges: list[yaml.Node] = []
        for k_node, v_node in node.value:
            if k_node.tag == _MERGE_TAG:
                merges.extend(v_node.value if isinstance(v_node, yaml.SequenceNode) else [v_node])
                continue
            key = self._key(k_node, path)
            if key is None:
                continue
            line = k_node.start_mark.line + 1
            if key in first_line:
                self._error(
                    k_node,
                    path + (key,),
                    f"duplicate key '{key}' (expected each key once; it was first given on line {first_line[key]})",
                )
                continue
            first_line[key] = line
            self.marks[path + (key,)] = _Mark(self.shown, line, v_node.start_mark.line + 1)
            out[key] = self.build(v_node, path + (key,), depth + 1)
        for m_node in merges:
            if not isinstance(m_node, yaml.MappingNode):
                self._error(m_node, path, "'<<' must merge a mapping (expected '<<: *anchor' naming a mapping)")
                continue
            merged = self._build_mapping(m_node, path, depth + 1)
            for key, value in merged.items():
                out.setdefault(key, value)
        return out


# ---------------------------------------------------------------------------
# extends
# ---------------------------------------------------------------------------


def _resolve_parent(spec: str, base_dir: Path) -> Path | None:
    """The file an ``extends:`` value names: next to the child, else a shipped scenario."""
    candidate = base_dir / spec
    if candidate.is_file():
        return candidate
    if not candidate.suffix:
        with_suffix = candidate.with_name(candidate.name + ".yaml")
        if with_suffix.is_file():
            return with_suffix
    shipped = _shipped_files()
    stem = Path(spec).name.removesuffix(".yaml").removesuffix(".yml")
    if "/" not in spec and "\\" not in spec and stem in shipped:
        return shipped[stem]
    return None


def _deep_merge(parent: Any, child: Any) -> Any:
    """Child over parent: mappings merge key by key; lists and scalars replace."""
    if isinstance(parent, dict) and isinstance(child, dict):
        out = dict(parent)
        for key, value in child.items():
            out[key] = _deep_merge(parent[key], value) if key in parent else value
        return out
    return child


def _merge_marks(parent: Marks, child: Marks, parent_data: dict, child_data: dict) -> Marks:
    """Marks of the merged data: a child's replaced subtree drops the parent's marks under it."""
    out = dict(parent)
    for loc in sorted(child, key=len):
        p_val, c_val = _get(parent_data, loc), _get(child_data, loc)
        if not (isinstance(p_val, dict) and isinstance(c_val, dict)):
            n = len(loc)
            for stale in [k for k in out if len(k) > n and k[:n] == loc]:
                del out[stale]
        out[loc] = child[loc]
    return out


_MISSING = object()


def _get(data: Any, loc: Loc) -> Any:
    for part in loc:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return _MISSING
    return data


Soft = list[tuple[Loc, str]]


def _resolve_extends(
    raw: dict, marks: Marks, shown: str, base_dir: Path, chain: list[Path]
) -> tuple[dict, Marks, Soft]:
    """Apply a mapping's ``extends:`` (if any); name and description are not inherited.

    Returns the merged data, its marks and the parents' reading problems.
    """
    if "extends" not in raw:
        return raw, marks, []
    spec = raw["extends"]
    mark = marks.get(("extends",))
    where = f"{shown}:{mark.line}" if mark else shown
    if not isinstance(spec, str) or not spec.strip():
        raise ScenarioError([f"{where}: extends: got {_short(spec)} (expected a file name such as 'baseline.yaml' or a shipped scenario name such as 'baseline')"])
    parent_path = _resolve_parent(spec.strip(), base_dir)
    if parent_path is None:
        names = list(_shipped_files())
        near = difflib.get_close_matches(Path(spec).name.removesuffix(".yaml"), names, n=1)
        hint = f"did you mean '{near[0]}'? " if near else ""
        raise ScenarioError(
            [f"{where}: extends: cannot find '{spec}' next to this file or among the shipped scenarios "
             f"({hint}expected a file such as 'baseline.yaml' or one of: {', '.join(names)})"]
        )
    resolved = parent_path.resolve()
    if resolved in chain:
        loop = " -> ".join(_display(p) for p in chain[chain.index(resolved):] + [resolved])
        raise ScenarioError(
            [f"{where}: extends: '{spec}' makes a cycle: {loop} (expected a chain of parents ending in a file without extends)"]
        )
    if len(chain) >= MAX_EXTENDS:
        raise ScenarioError([f"{where}: extends: more than {MAX_EXTENDS} levels of extends (expected a short chain)"])
    parent, parent_marks, soft = _load_raw_file(parent_path, chain)
    for key in ("name", "description"):
        parent.pop(key, None)
        for loc in [k for k in parent_marks if k[:1] == (key,)]:
            del parent_marks[loc]
    child = {k: v for k, v in raw.items() if k != "extends"}
    child_marks = {k: v for k, v in marks.items() if k[:1] != ("extends",)}
    merged = _deep_merge(parent, child)
    return merged, _merge_marks(parent_marks, child_marks, parent, child), soft


def _load_raw_file(path: Path, chain: list[Path]) -> tuple[dict, Marks, Soft]:
    """A file's data with every ``extends`` applied, its marks and reading problems."""
    shown = _display(path)
    raw, marks, soft = _read_yaml(path, shown)
    _resolve_posterior(raw, path.parent)
    data, marks, parent_soft = _resolve_extends(raw, marks, shown, path.parent, chain + [path.resolve()])
    if "name" not in raw:
        data["name"] = path.stem
    return data, marks, parent_soft + soft


def _resolve_posterior(raw: dict, folder: Path) -> None:
    """A relative ``calibration.posterior`` is read from the folder of the file that names it."""
    cal = raw.get("calibration")
    if isinstance(cal, dict) and isinstance(cal.get("posterior"), str) and cal["posterior"].strip():
        p = Path(cal["posterior"].strip()).expanduser()
        cal["posterior"] = str(p if p.is_absolute() else (folder / p).resolve())


# ---------------------------------------------------------------------------
# validation errors -> located messages
# ---------------------------------------------------------------------------


def _dotted(loc: Loc) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif "." in str(part) or " " in str(part):
            text += f"[{str(part)!r}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The pydantic section class at a data location (None for plain values)."""
    model: Any = Scenario
    for part in loc:
        if model is Scenario and part == "interventions":
            model = "interventions"
            continue
        if model == "interventions":
            model = Intervention if isinstance(part, int) else None
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or part not in model.model_fields:
            return None
        ann = model.model_fields[part].annotation
        model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
    return model if isinstance(model, type) else None


def _field_meta(loc: Loc) -> dict:
    """The ``param`` metadata of the field at a location, if any."""
    if not loc:
        return {}
    model = _model_at(loc[:-1])
    if model is None or loc[-1] not in model.model_fields:
        return {}
    extra = model.model_fields[loc[-1]].json_schema_extra
    return extra if isinstance(extra, dict) else {}


_EXPECTED_BY_KIND = {
    "duration": "a duration such as '6 months' or '2 years' (a bare number means years), or a distribution such as 'uniform(3, 5) years'",
    "rate": "a rate such as '4 per year' or '1 every 2 weeks' (a bare number means per year), or a distribution",
    "hours": "mentor time such as '1 hour every 2 weeks' (a bare number means hours per week)",
    "probability": "a probability between 0 and 1, or a distribution such as 'beta(2, 5)'",
    "share": "a share between 0 and 1, or a distribution such as 'beta(2, 5)'",
    "count": "a count such as 10, or a distribution such as 'uniform(5, 15)'",
    "number": "a number such as 0.5, or a distribution such as 'uniform(0.2, 0.6)'",
    "distribution": "a distribution such as 'beta(2, 2)' or 'lognormal(median=1, spread=0.35)'",
}

_UNIT_PHRASE = {
    "years": "a duration of {r} years",
    "per year": "a rate of {r} per year",
    "hours per week": "mentor time of {r} hours per week",
    "probability": "a probability {r}",
    "share": "a share {r}",
    "count": "a count {r}",
}

_RANGE_RE = re.compile(r"^must be (?P<range>.+?) \((?P<unit>[^()]*)\); got (?P<got>.+)$", re.DOTALL)
_PREFIX_RE = re.compile(r"^(?P<path>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?P<sep>:\s+|\s)")


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _all_leaves() -> dict[str, list[str]]:
    """Leaf name -> dotted paths of every scenario field (for 'belongs under' hints)."""
    leaves: dict[str, list[str]] = {}

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, info in model.model_fields.items():
            ann = info.annotation
            if isinstance(ann, type) and issubclass(ann, BaseModel) and ann is not Scenario:
                walk(ann, f"{prefix}{name}.")
            else:
                leaves.setdefault(name, []).append(prefix + name)

    walk(Scenario, "")
    return leaves


def _unknown_key_message(loc: Loc) -> str:
    key = str(loc[-1])
    model = _model_at(loc[:-1])
    fields = list(model.model_fields) if model is not None else []
    if model is Scenario:
        fields.append("extends")
    near = difflib.get_close_matches(key, fields, n=1, cutoff=0.6)
    if near:
        return f"unknown key '{key}' (did you mean '{near[0]}'?)"
    leaves = _all_leaves()
    elsewhere = leaves.get(key) or [p for n in difflib.get_close_matches(key, list(leaves), n=1, cutoff=0.8) for p in leaves[n]]
    elsewhere = [p for p in elsewhere if not p.startswith(_dotted(loc[:-1]) + ".")][:2]
    if elsewhere:
        return f"unknown key '{key}' here (did you mean '{elsewhere[0]}'?)"
    listed = ", ".join(fields) if fields else "none"
    return f"unknown key '{key}' (expected one of: {listed})"


def _rewrite_range(msg: str) -> str:
    m = _RANGE_RE.match(msg)
    if not m:
        return msg
    phrase = _UNIT_PHRASE.get(m["unit"], "a number {r}").format(r=m["range"])
    return f"got {m['got']} (expected {phrase})"


def _refine(loc: Loc, msg: str, data: dict) -> tuple[Loc, str]:
    """Move a section-level message (``'field: ...'``) down to the field it names."""
    node = _get(data, loc)
    m = _PREFIX_RE.match(msg)
    if m and isinstance(node, dict):
        parts = tuple(m["path"].split("."))
        model = _model_at(loc)
        first_ok = parts[0] in node or (model is not None and parts[0] in model.model_fields)
        if first_ok and (len(parts) > 1 or m["sep"].startswith(":") or parts[0] in node):
            new_loc = loc + parts
            if m["sep"].startswith(":"):
                return new_loc, msg[m.end():]
            return new_loc, msg
    if isinstance(node, dict) and _model_at(loc) is None:
        quoted = set(re.findall(r"'([^']*)'", msg))
        hits = [k for k, v in node.items() if str(k) in quoted or (isinstance(v, str) and v in quoted)]
        if len(hits) == 1:
            return loc + (hits[0],), msg
    return loc, msg


def _located(error: Mapping[str, Any], data: dict) -> tuple[Loc, bool, str]:
    """(data location, whether the key itself is at fault, message) of one pydantic error."""
    etype = error["type"]
    raw_loc = tuple(error["loc"])
    loc: Loc = ()
    node: Any = data
    for i, part in enumerate(raw_loc):
        if isinstance(node, dict) and part in node:
            loc, node = loc + (part,), node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            loc, node = loc + (part,), node[part]
        elif etype == "missing" and i == len(raw_loc) - 1:
            loc = loc + (part,)
    msg = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    value = error.get("input")
    if etype == "extra_forbidden":
        return loc, True, _unknown_key_message(loc)
    if etype == "missing":
        return loc, False, "missing (expected a value)"
    meta = _field_meta(loc)
    kind = meta.get("kind")
    if etype == "literal_error":
        options = re.findall(r"'([^']*)'", str((error.get("ctx") or {}).get("expected", "")))
        near = difflib.get_close_matches(str(value), options, n=1) if isinstance(value, str) else []
        hint = f"; did you mean '{near[0]}'?" if near else ""
        return loc, False, f"got {_short(value)} (expected {' or '.join(repr(o) for o in options)}{hint})"
    if etype.startswith("bool"):
        return loc, False, f"got {_short(value)} (expected true or false)"
    if etype.startswith("string"):
        return loc, False, f"got {_short(value)} (expected text)"
    if etype == "list_type":
        return loc, False, f"got {_short(value)} (expected a list, e.g. '- {{kind: multi_year_grants, start: 1 year}}')"
    if etype in ("model_type", "dict_type", "model_attributes_type", "float_type", "float_parsing", "union_tag_invalid"):
        if kind in _EXPECTED_BY_KIND:
            return loc, False, f"got {_short(value)} (expected {_EXPECTED_BY_KIND[kind]})"
        model = _model_at(loc)
        if model is not None:
            keys = ", ".join(list(model.model_fields)[:4])
            return loc, False, f"got {_short(value)} (expected a mapping with keys such as {keys})"
        if etype == "float_type" or etype == "float_parsing":
            return loc, False, f"got {_short(value)} (expected a number)"
    if etype == "value_error" or etype == "assertion_error":
        loc, msg = _refine(loc, msg, data)
        if isinstance(value, str) and value.count("(") > value.count(")"):
            msg += "; in a {flow: mapping} a comma ends the value, so quote it: 'uniform(0.1, 0.2)'"
        msg = _rewrite_range(msg)
        meta = _field_meta(loc)
        if "expected" not in msg and "e.g." not in msg and meta.get("kind") in _EXPECTED_BY_KIND:
            msg = f"{msg} (expected {_EXPECTED_BY_KIND[meta['kind']]})"
        return loc, False, msg
    return loc, False, msg


def _mark_for(loc: Loc, marks: Marks) -> _Mark | None:
    for n in range(len(loc), 0, -1):
        mark = marks.get(loc[:n])
        if mark is not None:
            return mark
    return None


def _validation_messages(err: ValidationError, data: dict, marks: Marks, shown: str) -> list[tuple[str, Loc]]:
    """(located message, data location) of each distinct field error."""
    messages: list[tuple[str, Loc]] = []
    seen: set[Loc] = set()
    for error in err.errors(include_url=False):
        loc, key_at_fault, msg = _located(error, data)
        if loc in seen:
            continue
        seen.add(loc)
        mark = _mark_for(loc, marks)
        if mark is None:
            where = shown
        else:
            exact = loc in marks
            line = mark.key_line if (key_at_fault or not exact) else mark.line
            where = f"{mark.file}:{line}"
        messages.append((f"{where}: {_dotted(loc)}: {msg}" if loc else f"{where}: {msg}", loc))
    return messages


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------


def resolve_scenario(text: PathLike) -> Path:
    """A scenario file path; a bare name such as ``baseline`` that is not a file names a shipped scenario."""
    path = Path(text)
    if path.exists() or path.suffix in (".yaml", ".yml") or len(path.parts) != 1:
        return path
    return _shipped_files().get(path.name, path)


def load_scenario(source: Union[PathLike, Mapping[str, Any]]) -> Scenario:
    """Load and validate a scenario from a YAML file, a shipped scenario name or a mapping.

    Raises :class:`ScenarioError` with located messages on any problem.
    """
    if isinstance(source, Mapping):
        shown = "<mapping>"
        data = copy.deepcopy(dict(source))
        data, marks, soft = _resolve_extends(data, {}, shown, Path.cwd(), [])
    else:
        path = resolve_scenario(source)
        shown = _display(path)
        data, marks, soft = _load_raw_file(path, [])
    return _validate(data, marks, shown, soft)


def _validate(data: dict, marks: Marks, shown: str, soft: Soft) -> Scenario:
    """Validate merged data; reading problems come first, then field errors elsewhere."""
    messages = [m for _, m in soft]
    bad = [loc for loc, _ in soft]
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        for msg, loc in _validation_messages(err, data, marks, shown):
            if not any(loc[: len(b)] == b or b[: len(loc)] == loc for b in bad):
                messages.append(msg)
        raise ScenarioError(sorted(messages, key=_message_order) or [f"{shown}: the scenario is not valid"]) from None
    except (TypeError, ArithmeticError, KeyError, AttributeError) as exc:  # defensive: a validator bug
        raise ScenarioError(messages + [f"{shown}: could not validate the scenario: {type(exc).__name__}: {exc}"]) from None
    if messages:
        raise ScenarioError(sorted(messages, key=_message_order))
    return scenario


def _message_order(message: str) -> tuple[str, int]:
    m = re.match(r"^(.*?):(\d+):", message)
    return (m[1], int(m[2])) if m else (message, 0)


def _plain(value: Any) -> Any:
    """A YAML-friendly form: distributions as their compact text."""
    if isinstance(value, distributions.DistributionBase):
        return value.describe()
    if isinstance(value, BaseModel):
        return {k: _plain(getattr(value, k)) for k in type(value).model_fields}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def dump_scenario(scenario: Scenario) -> str:
    """The complete scenario as YAML (canonical units; reads back to the same scenario)."""
    header = (
        f"# careersim scenario '{scenario.name}', every parameter written out.\n"
        "# Units: durations in years, rates per year, mentor time in hours per week.\n"
    )
    data = _plain(scenario)
    if not (data.get("calibration") or {}).get("posterior"):
        data.pop("calibration", None)  # no posterior: the file reads as it did before the section existed
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return header + body


# ---------------------------------------------------------------------------
# JSON Schema for editors
# ---------------------------------------------------------------------------


def scenario_json_schema() -> dict:
    """JSON Schema of the scenario file format (accepts unit strings and ``extends``)."""
    schema = Scenario.model_json_schema()
    text_form = {"type": "string", "description": "a number with a unit, e.g. '6 months', or a distribution, e.g. 'uniform(3, 5) years'"}

    def allow_text(prop: dict) -> None:
        if prop.get("kind") is None:
            return
        if "anyOf" in prop:
            if {"type": "string"} not in [{k: v for k, v in a.items() if k == "type"} for a in prop["anyOf"]]:
                prop["anyOf"].append(text_form)
        elif "oneOf" in prop:
            alternatives = {k: prop.pop(k) for k in ("oneOf", "discriminator") if k in prop}
            prop["anyOf"] = [alternatives, text_form]
        elif "type" in prop:
            prop["anyOf"] = [{"type": prop.pop("type")}, text_form]

    for definition in list(schema.get("$defs", {}).values()) + [schema]:
        for prop in definition.get("properties", {}).values():
            allow_text(prop)
    intervention = schema.get("$defs", {}).get("Intervention", {}).get("properties", {})
    if "end" in intervention:
        intervention["end"].setdefault("anyOf", []).append({"type": "string"})
    for key in ("set", "scale"):
        if key in intervention:
            intervention[key]["additionalProperties"] = {"anyOf": [{"type": "number"}, {"type": "string"}]}
    schema["properties"] = {
        "extends": {
            "type": "string",
            "description": "A scenario this one changes: a file relative to this one (e.g. baseline.yaml) or a shipped scenario name (e.g. baseline).",
        },
        **schema["properties"],
    }
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "title": "careersim scenario"}

