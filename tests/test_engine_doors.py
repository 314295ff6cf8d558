"""The engine is used through its front doors: nothing outside ``careersim/engine`` touches
its private names, and an extra cohort is added without disturbing anyone else's draws."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import careersim
from careersim.core.codes import T_CONTRIBUTOR, T_INDEPENDENT, T_PHD

PACKAGE = Path(careersim.__file__).resolve().parent
ENGINE = PACKAGE / "engine"


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


#: the engine's classes, which nothing outside the engine subclasses (what varies is passed in)
ENGINE_CLASSES = {"FieldModel", "World", "Admissions", "GrantOffice", "Programme", "Hiring", "Live"}


def engine_private_names() -> tuple[set[str], set[str]]:
    """Names the engine keeps to itself: its modules' private functions, classes and
    variables; and its classes' private attributes and methods."""
    module_names: set[str] = set()
    attributes: set[str] = set()
    for f in ENGINE.glob("*.py"):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and _private(node.name):
                module_names.add(node.name)
            for target in node.targets if isinstance(node, ast.Assign) else []:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name) and _private(name.id):
                        module_names.add(name.id)
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            for node in ast.walk(cls):
                if isinstance(node, ast.FunctionDef) and _private(node.name):
                    attributes.add(node.name)
                elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and _private(node.attr):
                    attributes.add(node.attr)
    return module_names, attributes


def private_uses(source: str, private: tuple[set[str], set[str]]) -> list[str]:
    """Where ``source`` (a module outside the engine) reaches into the engine instead of
    using its doors: importing a private name from an engine module, reading a module's
    private name through the module, reading an engine class's private attribute on
    anything but ``self`` or ``cls`` (also through ``getattr``/``setattr``), subclassing
    an engine class, or assigning to an engine module's names (monkeypatching)."""
    module_names, attributes = private
    tree = ast.parse(source)
    modules = set()  # local names bound to engine modules
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {a.asname or a.name for a in node.names if a.name.startswith("careersim.engine")}
        elif isinstance(node, ast.ImportFrom) and node.module == "careersim.engine":
            modules |= {a.asname or a.name for a in node.names}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("careersim.engine"):
            found += [(node.lineno, f"imports {a.name}") for a in node.names if _private(a.name)]
        elif isinstance(node, ast.Attribute) and _private(node.attr):
            owner = ast.unparse(node.value)
            if owner in modules and node.attr in module_names:
                found.append((node.lineno, f"{owner}.{node.attr}"))
            elif node.attr in attributes and owner not in ("self", "cls"):
                found.append((node.lineno, f"{owner}.{node.attr}"))
        elif isinstance(node, ast.ClassDef) and any(
            ast.unparse(b).split(".")[-1] in ENGINE_CLASSES for b in node.bases
        ):
            found.append((node.lineno, f"subclasses {', '.join(ast.unparse(b) for b in node.bases)}"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in attributes
        ):
            found.append((node.lineno, f"{node.func.id}(..., {node.args[1].value!r})"))
    for node in ast.walk(tree):  # monkeypatching: assigning to an engine module's names
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(target, ast.Attribute) and ast.unparse(target.value) in modules:
                    found.append((node.lineno, f"assigns {ast.unparse(target)}"))
    return [f"line {n}: {what}" for n, what in sorted(found)]


def test_the_scan_finds_what_it_looks_for():
    private = engine_private_names()
    assert {"_traits", "_skills", "_pick", "_admit"} <= private[0] and {"_hours", "_step_keys", "_rec"} <= private[1]
    bad = (
        "from careersim.engine.population import _traits\n"
        "from careersim.engine import population as pop\n"
        "import careersim.engine.kernel as k\n"
        "pop._skills(1)\nmodel._hours = 2\nx = getattr(model, '_step_keys')\nself._hours = 3\n"
        "k._draw(1)\nother._ppf(0.5)\n"
        "class Mine(field.FieldModel):\n    pass\n"
        "from careersim.engine import field\nfield.make_agents = None\n"
    )
    assert private_uses(bad, private) == [
        "line 1: imports _traits",
        "line 4: pop._skills",
        "line 5: model._hours",
        "line 6: getattr(..., '_step_keys')",
        "line 8: k._draw",
        "line 10: subclasses field.FieldModel",
        "line 13: assigns field.make_agents",
    ]


def test_nothing_outside_the_engine_touches_its_private_names_subclasses_or_patches_it():
    private = engine_private_names()
    offences = {}
    for f in PACKAGE.rglob("*.py"):
        if ENGINE in f.parents:
            continue
        uses = private_uses(f.read_text(encoding="utf-8"), private)
        if uses:
            offences[str(f.relative_to(PACKAGE))] = uses
    assert offences == {}


def _field(extra=()):
    from careersim.core.rng import Streams
    from careersim.engine.field import FieldModel
    from careersim.engine.parameters import draw_parameters
    from tests.conftest import tiny

    sc = tiny(**{"run.horizon": 3.0, "population.entrants_per_year": 50})
    streams = Streams(4, 0)
    values = draw_parameters(sc, streams)
    return FieldModel(values, [], streams, extra=extra)


def test_a_cohort_is_drawn_as_entrants_are_and_keeps_everyone_elses_draws():
    """People added as a cohort with the ids of some entrants are drawn exactly as those
    entrants were (traits, background, skills, kind, flags); everyone else's rows are
    unchanged, and the rows stay in order of entry."""
    from careersim.engine.layout import (
        BACKGROUND,
        ENTRY,
        EVL,
        EXE,
        FLAGS,
        GEN,
        IMP,
        KIND,
        LEGIB,
        LR,
        MOTIV,
        NF,
        NI,
        PID,
        RECORD,
        RESIL,
        SDIR,
        SETTINGS,
        SKILL0,
        SMOT,
        TRACK,
        WELL,
    )
    from careersim.engine.population import EXTRA_PID_BASE, Cohort, Settings, draw_entrants

    plain = _field()
    pids = EXTRA_PID_BASE + np.arange(30)
    cohort = Cohort(
        pids=pids, entry_ticks=np.arange(30) % 12 * 4, track=T_INDEPENDENT, settings=Settings(mentor_hours=1.0)
    )
    model = _field([cohort])
    w0, w1 = plain.world, model.world
    rows = model.extra_rows[0]
    others = np.setdiff1d(np.arange(len(w1.I)), rows)
    np.testing.assert_array_equal(w1.I[others], w0.I)
    np.testing.assert_array_equal(w1.F[others], w0.F)
    assert np.all(np.diff(w1.I[:, ENTRY][w1.n_initial :]) >= 0)
    # the same people drawn directly as entrants
    F = np.empty((30, NF))
    I = np.full((30, NI), -1, dtype=np.int64)
    F[:] = np.nan
    draw_entrants(
        F, I, slice(0, 30), pids, cohort.entry_ticks, model.values, model.streams, track=np.full(30, T_INDEPENDENT)
    )
    for c in (PID, TRACK, BACKGROUND, KIND):
        np.testing.assert_array_equal(w1.I[rows, c], I[:, c])
    drawn = [EXE, GEN, EVL, IMP, LR, SDIR, RESIL, SMOT, LEGIB, RECORD, WELL, MOTIV, *range(SKILL0, SKILL0 + 4)]
    np.testing.assert_array_equal(w1.F[rows][:, drawn], F[:, drawn])
    np.testing.assert_array_equal(w1.I[rows, FLAGS], I[:, FLAGS])
    assert np.all(w1.I[rows, SETTINGS] == 0) and w1.settings.shape == (1, 6) and w1.settings[0, 0] == 1.0
    assert np.all(w0.I[:, SETTINGS] == -1) and w0.settings.shape == (0, 6)


@pytest.mark.parametrize(
    "bad, message",
    [
        (dict(pids=[5], entry_ticks=[0], track=T_PHD), "pids must be from"),
        (dict(pids=[3 << 29], entry_ticks=[-1], track=T_PHD), "entry_ticks must be 0 or more"),
        (dict(pids=[3 << 29], entry_ticks=[0], track=7), "track: got 7"),
        (dict(pids=[3 << 29, (3 << 29) + 1], entry_ticks=[0], track=T_CONTRIBUTOR), "same length"),
    ],
)
def test_a_cohort_is_checked_when_made(bad, message):
    from careersim.engine.population import Cohort

    with pytest.raises(ValueError, match=message):
        Cohort(**bad)


@pytest.mark.parametrize(
    "bad, message",
    [
        (dict(programme="sometimes"), "programme: got 'sometimes'"),
        (dict(mentor_hours=-1.0), "mentor_hours: got -1"),
        (dict(advisor_quality=1.5), "advisor_quality: got 1.5"),
    ],
)
def test_settings_are_checked_when_made(bad, message):
    from careersim.engine.population import Settings

    with pytest.raises(ValueError, match=message):
        Settings(**bad)
    assert Settings().ordinary and not Settings(funded_months=3.0).ordinary
