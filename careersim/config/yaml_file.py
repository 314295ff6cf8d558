"""Users' YAML files, read safely: plain data, the line of every key, located problems.

Every file careersim reads from a user (scenarios, sweeps, calibration targets,
advise profiles) goes through :func:`read_yaml_file`, which returns a
:class:`YamlFile`: the data as plain Python values (dicts, lists, text,
numbers, true/false, null), the :class:`Mark` (file and lines) of every mapping
entry and list item, and the problems found while reading, each located.

Reading is safe whatever the file holds:

* only YAML's core tags are accepted (no ``!!python/...``, no local ``!tags``),
  so nothing but plain data is ever constructed;
* the file's size, its nesting depth, its number of values, and its aliases
  (``*name``, the "billion laughs" attack) are limited *while* the YAML is
  composed, so a hostile file is refused before it costs memory, time or the
  interpreter's stack;
* only regular files are read (not folders, pipes or devices), as UTF-8;
* a message never quotes a file that is not a careersim file of the expected
  kind: the top level of a file that is not a mapping, or a mapping none of
  whose keys belongs to the kind, is described, not shown.

Problems that stop reading raise :class:`FileError` (or the kind's subclass)
whose ``messages`` are ``FILE:LINE: where: what is wrong (expected ...)``.
Problems with single values (an unsupported tag, a duplicate key, a number
that is not finite) are collected in :attr:`YamlFile.problems` so that they
are reported together with the kind's own validation errors.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import yaml

__all__ = [
    "FileError",
    "FileKind",
    "Mark",
    "YamlFile",
    "read_yaml_file",
    "parse_yaml",
    "read_text_file",
    "display_path",
    "dotted",
    "mark_for",
    "short",
    "quoted",
    "clean_message",
    "sort_messages",
    "MAX_ALIASES",
    "MAX_NODES",
    "MAX_DEPTH",
    "MAX_BYTES",
]

#: at most this many YAML aliases (``*name``) in one file
MAX_ALIASES = 100
#: at most this many values in a file, and after expanding its aliases
MAX_NODES = 100_000
#: deepest nesting of mappings and lists (careersim's files nest a few levels)
MAX_DEPTH = 64
#: largest file read, in bytes
MAX_BYTES = 1_000_000

Loc = tuple[str | int, ...]

_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_CORE + t for t in ("null", "bool", "int", "float", "str", "timestamp", "value")}
_MAP_TAG = _CORE + "map"
_SEQ_TAG = _CORE + "seq"
_MERGE_TAG = _CORE + "merge"

#: keys any careersim file may have
_GENERIC_KEYS = frozenset({"name", "description"})
#: a distinctive top-level key of each kind of careersim file, to say what a wrong file looks like
_LOOKS_LIKE = {
    "factors": "a sweep file (for 'careersim sweep')",
    "targets": "a calibration targets file (for 'careersim calibrate')",
    "background": "an advise profile (for 'careersim advise --profile')",
    "population": "a scenario (for 'careersim run')",
    "extends": "a scenario (for 'careersim run')",
}


class FileError(Exception):
    """Problems with a user's file, each ``FILE:LINE: where: what is wrong (expected ...)``."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


@dataclass(frozen=True)
class FileKind:
    """What kind of file is read, for the messages: ``noun`` names the kind
    ("a scenario"), ``example`` is a file of it ("my-scenario.yaml"),
    ``empty_hint`` a first line ("'name: my-scenario' and 'extends: baseline'"),
    ``keys_hint`` typical keys ("'name:', 'population:', 'run:'"). ``keys`` are
    the top-level keys a file of this kind may have: a mapping with none of
    them (nor one close to one) is refused as a foreign file, unquoted.
    ``error`` is the exception raised."""

    noun: str
    example: str
    empty_hint: str
    keys_hint: str
    keys: frozenset[str] = frozenset()
    aliases: bool = True
    max_bytes: int = MAX_BYTES
    error: type[FileError] = FileError

    @property
    def expected_file(self) -> str:
        return f"{self.noun} file such as {self.example}"


class Mark(NamedTuple):
    """Where a mapping entry (or list item) came from: its file, the line of its key and of its value."""

    file: str
    key_line: int
    line: int


Marks = dict[Loc, Mark]


class YamlFile(NamedTuple):
    """A file's plain data, the mark of every entry, the problems found while reading and its text."""

    data: dict
    marks: Marks
    problems: list[tuple[Loc, str]]
    shown: str
    text: str


# ---------------------------------------------------------------------------
# small helpers for messages
# ---------------------------------------------------------------------------


def display_path(path: str | os.PathLike[str]) -> str:
    """A short name for a file in messages: relative to the working directory if inside it."""
    path = Path(path)
    if not path.is_absolute() and ".." not in path.parts:
        return os.path.normpath(path)  # as the user wrote it (a link such as scenarios/ stays as typed)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def quoted(text: Any, limit: int = 60) -> str:
    """``text`` for a message: control characters escaped, long text cut (``'abc...'``)."""
    text = str(text)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def clean_message(message: str, limit: int = 200) -> str:
    """A message from a validator, safe to print: control characters escaped, quoted text
    longer than ``limit`` cut to 60 characters (a validator may quote a whole value back) and
    the whole message to ten times ``limit``."""
    message = "".join(c if c.isprintable() or c == "\n" else repr(c)[1:-1] for c in message)
    message = re.sub(rf"'([^'\n]{{{limit + 1},}})'", lambda m: "'" + m[1][:57] + "...'", message)
    return message if len(message) <= 10 * limit else message[: 10 * limit - 3] + "..."


def short(value: Any) -> str:
    """A value for a message: its repr (cut to 60 characters), or 'a mapping' / 'a list'."""
    if isinstance(value, dict):
        return "a mapping" if value else "an empty mapping"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if value is None:  # as YAML writes them, not as Python does
        return "an empty value"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def dotted(loc: Loc) -> str:
    """A data location as text: ``grants.budget``, ``factors[0].path``, ``set['grants.budget']``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif "." in str(part) or " " in str(part) or not str(part).isprintable():
            text += f"['{quoted(part, 40)}']"
        else:
            part = quoted(part, 40)
            text += f".{part}" if text else part
    return text


def mark_for(loc: Loc, marks: Marks) -> Mark | None:
    """The mark of ``loc`` or of its nearest enclosing entry."""
    for n in range(len(loc), 0, -1):
        mark = marks.get(loc[:n])
        if mark is not None:
            return mark
    return None


def _message_order(message: str) -> tuple[str, int]:
    m = re.match(r"^(.*?):(\d+):", message)
    return (m[1], int(m[2])) if m else (message, 0)


def sort_messages(messages: list[str]) -> list[str]:
    """Distinct messages in file and line order."""
    return sorted(dict.fromkeys(messages), key=_message_order)


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------


def read_text_file(
    path: str | os.PathLike[str],
    shown: str,
    expected: str,
    max_bytes: int = MAX_BYTES,
    error: type[FileError] = FileError,
) -> str:
    """Read a user's text file, or raise ``error`` with a located message
    (missing, a folder, not a regular file, too large, unreadable, not UTF-8)."""
    path = Path(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise error([f"{shown}: is a folder (expected {expected})"])
        if not stat.S_ISREG(info.st_mode):
            raise error([f"{shown}: is not a regular file (expected {expected})"])
        if info.st_size > max_bytes:
            raise error([f"{shown}: the file is {info.st_size} bytes (expected {expected} under {max_bytes} bytes)"])
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise error([f"{shown}: no such file (expected {expected})"]) from None
    except OSError as exc:
        raise error([f"{shown}: cannot read the file: {exc.strerror or exc}"]) from None
    if len(data) > max_bytes:  # it grew while read
        raise error([f"{shown}: the file is over {max_bytes} bytes (expected {expected} under {max_bytes} bytes)"])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error(
            [f"{shown}:{line}: the file is not valid UTF-8 (byte 0x{data[exc.start]:02x}; expected UTF-8 text)"]
        ) from None


def read_yaml_file(path: str | os.PathLike[str], kind: FileKind, shown: str | None = None) -> YamlFile:
    """Read a user's YAML file of ``kind`` (see the module's docstring); raises ``kind.error``."""
    shown = shown or display_path(path)
    text = read_text_file(path, shown, kind.expected_file, kind.max_bytes, kind.error)
    return parse_yaml(text, shown, kind)


class _Limit(Exception):
    """Internal: the YAML went over a limit (aliases, values, depth) at ``line``."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _alias_bomb() -> str:
    return (
        f"more than {MAX_ALIASES} YAML aliases (*name); files like this are how 'billion laughs' alias "
        "bombs blow up memory, so they are rejected (expected at most a few aliases; write the values out instead)"
    )


class _Loader(yaml.SafeLoader):
    """SafeLoader's composer with limits checked while composing: aliases, values and
    depth (the composer recurses once per level, so a deep file would otherwise
    exhaust the interpreter's stack)."""

    def __init__(self, stream: str, kind: FileKind) -> None:
        super().__init__(stream)
        self.kind = kind
        self.aliases = 0
        self.nodes = 0
        self.depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            if not self.kind.aliases:
                raise _Limit(
                    line,
                    f"YAML aliases (*name) are not allowed in {self.kind.noun} file (expected the values written out)",
                )
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise _Limit(line, _alias_bomb())
            return super().compose_node(parent, index)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Limit(
                line, f"more than {MAX_NODES} values (expected {self.kind.noun} file of a few hundred at most)"
            )
        if self.depth >= MAX_DEPTH:
            raise _Limit(
                line,
                f"nested more than {MAX_DEPTH} levels deep (expected {self.kind.noun} file, which nests a few levels)",
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def parse_yaml(text: str, shown: str, kind: FileKind) -> YamlFile:
    """Compose YAML text into plain data, marks and soft problems (see :func:`read_yaml_file`)."""
    fail = kind.error
    loader = None
    try:
        loader = _Loader(text, kind)  # the reader refuses unprintable characters here
        node = loader.get_single_node()
    except _Limit as exc:
        raise fail([f"{shown}:{exc.line}: {exc.message}"]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = " ".join(x for x in (exc.context, exc.problem) if x)
        raise fail(
            [
                f"{shown}:{line}: invalid YAML: {quoted(what, 200)} "
                "(expected valid YAML; check indentation, colons and quotes)"
            ]
        ) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise fail([f"{shown}:{line}: invalid character {char} (expected printable text)"]) from None
    except yaml.YAMLError as exc:
        raise fail([f"{shown}:1: invalid YAML: {quoted(exc, 200)} (expected valid YAML)"]) from None
    except RecursionError:  # defensive: the depth limit stops the composer long before this
        raise fail([f"{shown}:1: nested too deeply (expected {kind.noun} file, which nests a few levels)"]) from None
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        raise fail([f"{shown}:1: the file is empty (expected {kind.empty_hint})"])
    builder = _Builder(shown)
    try:
        value = builder.build(node, ())
    except _Limit as exc:
        raise fail([f"{shown}:{exc.line}: {exc.message}"]) from None
    line = node.start_mark.line + 1
    if not isinstance(value, dict):
        if builder.problems:
            raise fail([m for _, m in builder.problems])
        what = {list: "a list", str: "text", bool: "true or false", type(None): "null"}.get(type(value), "a number")
        raise fail([f"{shown}:{line}: the top level is {what} (expected a mapping of keys such as {kind.keys_hint})"])
    builder.marks[()] = Mark(shown, line, line)
    _refuse_foreign(value, kind, shown, line)
    return YamlFile(value, builder.marks, builder.problems, shown, text)


def _refuse_foreign(data: dict, kind: FileKind, shown: str, line: int) -> None:
    """Refuse, without quoting it, a mapping that is not a file of ``kind``: none of its keys
    but a name and description is one of ``kind.keys`` (or close to one), and either it has
    a distinctive key of another kind of careersim file or it has no name or description."""
    if not kind.keys or not data:
        return
    names = [str(k) for k in data]
    specific = [k for k in names if k not in _GENERIC_KEYS]
    own = sorted(kind.keys - _GENERIC_KEYS)
    if not specific:
        return
    mine = [k for k in specific if k in kind.keys or difflib.get_close_matches(k, own, n=1, cutoff=0.75)]
    other = next((what for key, what in _LOOKS_LIKE.items() if key in data and not what.startswith(kind.noun)), None)
    # a key or two that happen to match (a profile's 'programme' and 'timeline') do not make a file of this
    # kind when it has another kind's distinctive key and most of its keys are that kind's
    if mine and (other is None or 2 * len(mine) >= len(specific)):
        return
    if other is None and len(specific) < len(names):
        return  # a name or description and unknown keys: reported one by one, as mistakes in a file of this kind
    why = f"it looks like {other}" if other else "none of its top-level keys is one"
    raise kind.error([f"{shown}:{line}: this is not {kind.noun} file: {why} (expected keys such as {kind.keys_hint})"])


def _tag(tag: str) -> str:
    return "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else quoted(tag, 60)


class _Builder:
    """Turns composed YAML nodes into plain Python values, recording marks.

    Only core-schema tags are accepted; anything else (``!!python/...``,
    local ``!tags``, ``!!binary``, ``!!set``) is a problem, so nothing but
    plain data is ever constructed. Timestamps stay text.
    """

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.marks: Marks = {}
        self.problems: list[tuple[Loc, str]] = []
        self.count = 0
        self._scalar = yaml.SafeLoader("")

    def _problem(self, node: yaml.Node, path: Loc, message: str) -> None:
        where = f" {dotted(path)}:" if path else ""
        self.problems.append((path, f"{self.shown}:{node.start_mark.line + 1}:{where} {message}"))

    def build(self, node: yaml.Node, path: Loc, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _Limit(
                node.start_mark.line + 1,
                f"the YAML expands to more than {MAX_NODES} values through aliases; this is how "
                "'billion laughs' alias bombs work, so it is rejected (expected plain values)",
            )
        if depth > MAX_DEPTH:  # aliases can nest what the composer saw as shallow
            raise _Limit(
                node.start_mark.line + 1,
                f"nested more than {MAX_DEPTH} levels deep through aliases (expected a file that nests a few levels)",
            )
        if isinstance(node, yaml.ScalarNode):
            return self._scalar_value(node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                self._problem(
                    node,
                    path,
                    f"unsupported YAML tag '{_tag(node.tag)}' (expected plain YAML lists, mappings and values)",
                )
                return None
            items = []
            for i, item in enumerate(node.value):
                line = item.start_mark.line + 1
                self.marks[path + (i,)] = Mark(self.shown, line, line)
                items.append(self.build(item, path + (i,), depth + 1))
            return items
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP_TAG:
                self._problem(
                    node,
                    path,
                    f"unsupported YAML tag '{_tag(node.tag)}' (expected plain YAML lists, mappings and values)",
                )
                return None
            return self._mapping(node, path, depth)
        self._problem(node, path, "unsupported YAML node")  # pragma: no cover
        return None

    def _scalar_value(self, node: yaml.ScalarNode, path: Loc) -> Any:
        if node.tag not in _SCALAR_TAGS:
            self._problem(
                node,
                path,
                f"unsupported YAML tag '{_tag(node.tag)}' (expected plain numbers, text, true/false or null)",
            )
            return None
        if node.tag in (_CORE + "timestamp", _CORE + "value"):
            return node.value
        try:
            value = self._scalar.construct_object(node)
        except (ValueError, yaml.YAMLError) as exc:  # e.g. an integer with too many digits
            self._problem(node, path, f"cannot read the value ({quoted(exc, 120)}) (expected a plain number or text)")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self._problem(node, path, f"got {quoted(node.value, 20)} (expected a finite number such as 0.5)")
            return None
        return value

    def _key(self, node: yaml.Node, path: Loc) -> Any:
        if not isinstance(node, yaml.ScalarNode) or node.tag not in _SCALAR_TAGS:
            self._problem(node, path, "a key must be plain text (expected e.g. 'horizon:')")
            return None
        value = self._scalar_value(node, path)
        return value if isinstance(value, (str, int)) and not isinstance(value, bool) else str(node.value)

    def _mapping(self, node: yaml.MappingNode, path: Loc, depth: int) -> dict:
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
                self._problem(
                    k_node,
                    path + (key,),
                    f"duplicate key '{quoted(key, 40)}' (expected each key once; it was first given on line "
                    f"{first_line[key]})",
                )
                continue
            first_line[key] = line
            self.marks[path + (key,)] = Mark(self.shown, line, v_node.start_mark.line + 1)
            out[key] = self.build(v_node, path + (key,), depth + 1)
        for m_node in merges:
            if not isinstance(m_node, yaml.MappingNode):
                self._problem(m_node, path, "'<<' must merge a mapping (expected '<<: *anchor' naming a mapping)")
                continue
            merged = self._mapping(m_node, path, depth + 1)
            for key, value in merged.items():
                out.setdefault(key, value)
        return out
