"""Scenario files: loading with located errors, ``extends``, dumping, the
editor JSON Schema.

A scenario file is read by :mod:`careersim.config.yaml_file` (safe YAML, the
line of every key, limits on size, depth and aliases). Every validation error
names ``FILE:LINE: path.to.field: what is wrong (expected ...)``, also for
values inherited through ``extends``. ``extends:`` names only a ``.yaml``/
``.yml`` file or a shipped scenario (:func:`careersim.config.shipped.find_parent`).
"""

from __future__ import annotations

import copy
import difflib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Union

import yaml
from pydantic import BaseModel, ValidationError

from careersim.config.schema import Intervention, Scenario, get_path
from careersim.config.schema import baseline as schema_baseline
from careersim.config.shipped import find_parent, resolve_scenario, shipped_dir, shipped_scenarios
from careersim.config.yaml_file import (
    MAX_ALIASES,
    MAX_NODES,
    FileError,
    FileKind,
    Loc,
    Marks,
    clean_message,
    display_path,
    dotted,
    mark_for,
    quoted,
    read_yaml_file,
    short,
    sort_messages,
)
from careersim.core import distributions

__all__ = [
    "ScenarioError",
    "SCENARIO_FILE",
    "load_scenario",
    "dump_scenario",
    "shipped_scenarios",
    "shipped_dir",
    "resolve_scenario",
    "scenario_json_schema",
    "EXPECTED_BY_KIND",
    "MAX_ALIASES",
    "MAX_NODES",
]

#: longest ``extends`` chain
MAX_EXTENDS = 32

PathLike = Union[str, "os.PathLike[str]"]


class ScenarioError(FileError):
    """One or more problems with a scenario, each ``FILE:LINE: path: what is wrong``."""


#: what a scenario file is, for the YAML reader's messages
SCENARIO_FILE = FileKind(
    noun="a scenario",
    example="my-scenario.yaml",
    empty_hint="a mapping such as 'name: my-scenario' and 'extends: baseline'",
    keys_hint="'name:', 'population:', 'run:'",
    keys=frozenset(Scenario.model_fields) | {"extends"},
    error=ScenarioError,
)


# ---------------------------------------------------------------------------
# extends
# ---------------------------------------------------------------------------


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
    raw: dict, marks: Marks, shown: str, base_dir: Path, chain: list[Path], depths: dict[str, int] | None = None
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
        raise ScenarioError(
            [
                f"{where}: extends: got {short(spec)} (expected a file name such as 'baseline.yaml' or a shipped scenario name such as 'baseline')"
            ]
        )
    try:
        parent_path = find_parent(spec, base_dir)
    except LookupError as exc:
        raise ScenarioError([f"{where}: extends: {exc}"]) from None
    resolved = parent_path.resolve()
    if resolved in chain:
        loop = " -> ".join(display_path(p) for p in chain[chain.index(resolved) :] + [resolved])
        raise ScenarioError(
            [
                f"{where}: extends: '{quoted(spec)}' makes a cycle: {loop} (expected a chain of parents ending in a file without extends)"
            ]
        )
    if len(chain) >= MAX_EXTENDS:
        raise ScenarioError([f"{where}: extends: more than {MAX_EXTENDS} levels of extends (expected a short chain)"])
    parent, parent_marks, soft = _load_raw_file(parent_path, chain, depths)
    for key in ("name", "description"):
        parent.pop(key, None)
        for loc in [k for k in parent_marks if k[:1] == (key,)]:
            del parent_marks[loc]
    child = {k: v for k, v in raw.items() if k != "extends"}
    child_marks = {k: v for k, v in marks.items() if k[:1] != ("extends",)}
    merged = _deep_merge(parent, child)
    return merged, _merge_marks(parent_marks, child_marks, parent, child), soft


def _load_raw_file(path: Path, chain: list[Path], depths: dict[str, int] | None = None) -> tuple[dict, Marks, Soft]:
    """A file's data with every ``extends`` applied, its marks and reading problems. ``depths``
    collects each file's place in the chain (0: the file loaded, 1: its parent...)."""
    shown = display_path(path)
    if depths is not None:
        depths.setdefault(shown, len(chain))
    raw, marks, soft, _, _ = read_yaml_file(path, SCENARIO_FILE, shown)
    _resolve_posterior(raw, path.parent)
    data, marks, parent_soft = _resolve_extends(raw, marks, shown, path.parent, chain + [path.resolve()], depths)
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


EXPECTED_BY_KIND = {
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
    key = quoted(loc[-1], 40)
    model = _model_at(loc[:-1])
    fields = list(model.model_fields) if model is not None else []
    if model is Scenario:
        fields.append("extends")
    near = difflib.get_close_matches(key, fields, n=1, cutoff=0.6)
    if near:
        return f"unknown key '{key}' (did you mean '{near[0]}'?)"
    leaves = _all_leaves()
    elsewhere = leaves.get(key) or [
        p for n in difflib.get_close_matches(key, list(leaves), n=1, cutoff=0.8) for p in leaves[n]
    ]
    elsewhere = [p for p in elsewhere if not p.startswith(dotted(loc[:-1]) + ".")][:2]
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
                return new_loc, msg[m.end() :]
            return new_loc, msg
    if isinstance(node, dict) and _model_at(loc) is None:
        named = set(re.findall(r"'([^']*)'", msg))
        hits = [k for k, v in node.items() if str(k) in named or (isinstance(v, str) and v in named)]
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
        return loc, False, f"got {short(value)} (expected {' or '.join(repr(o) for o in options)}{hint})"
    if etype.startswith("bool"):
        return loc, False, f"got {short(value)} (expected true or false)"
    if etype.startswith("string"):
        return loc, False, f"got {short(value)} (expected text)"
    if etype == "list_type":
        return loc, False, f"got {short(value)} (expected a list, e.g. '- {{kind: multi_year_grants, start: 1 year}}')"
    if etype in (
        "model_type",
        "dict_type",
        "model_attributes_type",
        "float_type",
        "float_parsing",
        "union_tag_invalid",
    ):
        if kind in EXPECTED_BY_KIND:
            return loc, False, f"got {short(value)} (expected {EXPECTED_BY_KIND[kind]})"
        model = _model_at(loc)
        if model is not None:
            keys = ", ".join(list(model.model_fields)[:4])
            return loc, False, f"got {short(value)} (expected a mapping with keys such as {keys})"
        if etype == "float_type" or etype == "float_parsing":
            return loc, False, f"got {short(value)} (expected a number)"
    if etype == "value_error" or etype == "assertion_error":
        loc, msg = _refine(loc, msg, data)
        if isinstance(value, str) and value.count("(") > value.count(")"):
            msg += "; in a {flow: mapping} a comma ends the value, so quote it: 'uniform(0.1, 0.2)'"
        msg = _rewrite_range(msg)
        meta = _field_meta(loc)
        if "expected" not in msg and "e.g." not in msg and meta.get("kind") in EXPECTED_BY_KIND:
            msg = f"{msg} (expected {EXPECTED_BY_KIND[meta['kind']]})"
        return loc, False, msg
    return loc, False, msg


def _validation_messages(err: ValidationError, data: dict, marks: Marks, shown: str) -> list[tuple[str, Loc]]:
    """(located message, data location) of each distinct field error."""
    messages: list[tuple[str, Loc]] = []
    seen: set[Loc] = set()
    for error in err.errors(include_url=False):
        loc, key_at_fault, msg = _located(error, data)
        if loc in seen:
            continue
        seen.add(loc)
        mark = mark_for(loc, marks)
        if mark is None:
            where = shown
        else:
            exact = loc in marks
            line = mark.key_line if (key_at_fault or not exact) else mark.line
            where = f"{mark.file}:{line}"
        msg = clean_message(msg)
        messages.append((f"{where}: {dotted(loc)}: {msg}" if loc else f"{where}: {msg}", loc))
    return messages


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------


def load_scenario(source: PathLike | Mapping[str, Any]) -> Scenario:
    """Load and validate a scenario from a YAML file, a shipped scenario name or a mapping.

    Raises :class:`ScenarioError` with located messages on any problem.
    """
    depths: dict[str, int] = {}
    if isinstance(source, Mapping):
        shown = "<mapping>"
        depths[shown] = 0
        data = copy.deepcopy(dict(source))
        data, marks, soft = _resolve_extends(data, {}, shown, Path.cwd(), [], depths)
    else:
        path = resolve_scenario(source)
        shown = display_path(path)
        _refuse_a_missing_name(path, shown)
        data, marks, soft = _load_raw_file(path, [], depths)
    return _validate(data, marks, shown, soft, depths)


def _refuse_a_missing_name(path: Path, shown: str) -> None:
    """A bare name that is neither a file nor a shipped scenario: say which shipped one is near."""
    if path.exists() or path.suffix or len(path.parts) != 1:
        return  # a file, or a path: the reader says what is wrong with it
    names = [name for name, _, _ in shipped_scenarios()]
    near = difflib.get_close_matches(path.name, names, n=1)
    hint = f"did you mean '{near[0]}'? " if near else ""
    raise ScenarioError(
        [
            f"{shown}: no such file or shipped scenario ({hint}expected a scenario file such as "
            f"my-scenario.yaml, which 'careersim init my-scenario' starts, or one of: {', '.join(names)})"
        ]
    )


def _validate(data: dict, marks: Marks, shown: str, soft: Soft, depths: dict[str, int] | None = None) -> Scenario:
    """Validate merged data; reading problems come first, then field errors elsewhere."""
    messages = [m for _, m in soft]
    bad = [loc for loc, _ in soft]
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        for msg, loc in _validation_messages(err, data, marks, shown):
            if not any(loc[: len(b)] == b or b[: len(loc)] == loc for b in bad):
                messages.append(msg)
        raise ScenarioError(sort_messages(messages) or [f"{shown}: the scenario is not valid"]) from None
    except (TypeError, ArithmeticError, KeyError, AttributeError) as exc:  # defensive: a validator bug
        raise ScenarioError(
            messages + [f"{shown}: could not validate the scenario: {type(exc).__name__}: {exc}"]
        ) from None
    if messages:
        raise ScenarioError(sort_messages(messages))
    _refuse_values_the_posterior_replaces(scenario, data, marks, shown, depths or {})
    return scenario


def _refuse_values_the_posterior_replaces(
    scenario: Scenario, data: dict, marks: Marks, shown: str, depths: dict[str, int]
) -> None:
    """A value set for a parameter the posterior fits, in the file that names the posterior or in a
    file extending it, would be replaced in every replication without a word: refuse it, located, and
    say how to keep either. Let through: a value set in a parent of the file naming the posterior
    (replaced on purpose, as a calibrated scenario replaces its base's) and a value equal to the
    schema's default (a scenario written out in full states them all)."""
    posterior = scenario.calibration.read()
    if posterior is None:
        return
    named = mark_for(("calibration", "posterior"), marks)
    named_depth = depths.get(named.file, 0) if named is not None else 0
    messages = []
    defaults = schema_baseline()
    for path in posterior.parameters:
        loc = tuple(path.split("."))
        node: Any = data
        for part in loc:
            node = node.get(part, _MISSING) if isinstance(node, dict) else _MISSING
        if node is _MISSING or get_path(scenario, path) == get_path(defaults, path):
            continue
        mark = mark_for(loc, marks)
        if mark is not None and depths.get(mark.file, 0) > named_depth:
            continue  # set in a parent of the file naming the posterior
        where = f"{mark.file}:{mark.key_line}" if mark is not None else shown
        messages.append(
            f"{where}: {path}: is fitted by the calibration's posterior ({display_path(Path(scenario.calibration.posterior))}), "
            f"which replaces this value in every replication (expected no value here: remove it to use the posterior, or add "
            "'calibration: {posterior: null}' to use fixed values instead of the posterior)"
        )
    if messages:
        raise ScenarioError(sort_messages(messages))


_MISSING = object()


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
    text_form = {
        "type": "string",
        "description": "a number with a unit, e.g. '6 months', or a distribution, e.g. 'uniform(3, 5) years'",
    }

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
