"""The package's imports keep its layers readable: a function-local import of careersim's own
modules needs a comment saying why (a lazy import that keeps start-up fast, say), on its line or
the line above (one comment serves a block of adjacent imports); otherwise it belongs at the top of
the file, where import-linter sees it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "careersim"


def _unexplained_local_imports() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        tree = ast.parse("\n".join(lines))
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            explained_to = -1  # the last line of an explained block of imports
            for sub in sorted(
                (n for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))), key=lambda n: n.lineno
            ):
                own = (
                    isinstance(sub, ast.ImportFrom) and sub.level == 0 and (sub.module or "").startswith("careersim")
                ) or (isinstance(sub, ast.Import) and any(a.name.startswith("careersim") for a in sub.names))
                if not own:
                    continue
                here = lines[sub.lineno - 1 : sub.end_lineno]
                above = lines[sub.lineno - 2].strip() if sub.lineno >= 2 else ""
                if any("#" in line for line in here) or above.startswith("#") or sub.lineno == explained_to + 1:
                    explained_to = sub.end_lineno
                else:
                    found.append(f"{path.relative_to(PACKAGE.parent)}:{sub.lineno}")
    return found


def test_function_local_imports_of_the_package_say_why() -> None:
    found = _unexplained_local_imports()
    assert not found, (
        "function-local imports of careersim without a comment saying why (move them to the top "
        "of the file, or add e.g. '# lazy: keeps start-up fast'): " + ", ".join(sorted(set(found)))
    )


def test_only_the_field_touches_the_simpy_calendar() -> None:
    """The field's monthly process acts inline when the calendar shows nothing due between its
    phases (careersim/engine/field.py: ``FieldModel._month``), which is exact only while no
    institution action schedules events or reads the clock. So only the field may import
    SimPy or use the environment: no other module imports ``simpy`` or names ``env``."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "engine" / "field.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(n == "simpy" or n.startswith("simpy.") for n in names):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: imports simpy")
            if isinstance(node, ast.Attribute) and node.attr == "env":
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: uses .env")
    assert not offenders, offenders
