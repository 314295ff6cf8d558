"""The compiled cache is keyed on what the compiled code depends on, so it is never stale."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from numba.core.dispatcher import Dispatcher

import careersim
from careersim.core import compiled
from careersim.engine.vector import layout_text

PACKAGE = Path(careersim.__file__).resolve().parent


def test_the_key_changes_with_any_source_the_compiled_code_depends_on(tmp_path):
    core, engine = tmp_path / "core", tmp_path / "engine"
    shutil.copytree(PACKAGE / "core", core, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(PACKAGE / "engine", engine, ignore=shutil.ignore_patterns("__pycache__"))

    def key(layout=layout_text()):
        return compiled.key([*compiled.sources(core), *compiled.sources(engine)], layout)

    first = key()
    assert key() == first
    # the real engine's key is made the same way from the real files
    assert compiled.engine_key() == compiled.key(
        [*compiled.sources(PACKAGE / "core"), *compiled.sources(PACKAGE / "engine")],
        "numba " + __import__("numba").__version__ + "\n" + layout_text(),
    )
    rng = core / "rng.py"
    rng.write_text(rng.read_text() + "\n# an edit\n")
    assert key() != first  # an inlined helper's file
    rng.write_text(rng.read_text()[: -len("\n# an edit\n")])
    assert key() == first
    layout = engine / "layout.py"
    layout.write_text(layout.read_text().replace("NF = 24", "NF = 25"))
    assert key() != first  # the column numbers
    layout.write_text(layout.read_text().replace("NF = 25", "NF = 24"))
    assert key() == first
    assert key(layout_text().replace("0 ", "1 ", 1)) != first  # the parameter vector's layout


def test_an_edited_dependency_is_compiled_afresh_where_numbas_own_cache_would_be_stale(tmp_path):
    """A compiled function returning a constant from another file: after the file changes,
    the keyed cache gives the new value (and the unchanged source is loaded from the cache);
    numba's own cache, which stamps the function's file only, still returns the old one."""
    (tmp_path / "dep.py").write_text("K = 1\n")
    (tmp_path / "keyed.py").write_text(
        textwrap.dedent("""
        from pathlib import Path
        import dep
        from careersim.core import compiled
        HERE = Path(__file__).parent
        FOLDER = HERE / "cache" / compiled.key([HERE / "dep.py", Path(__file__)])

        @compiled.jit_in(FOLDER, cache=True)
        def f():
            return dep.K
    """)
    )
    (tmp_path / "plain.py").write_text(
        textwrap.dedent("""
        import dep
        from numba import njit

        @njit(cache=True)
        def f():
            return dep.K
    """)
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    env.pop("NUMBA_CACHE_DIR", None)

    def run(module: str) -> tuple[int, int]:
        code = f"import {module}; v = {module}.f(); print(v, {module}.f.stats.cache_hits.total())"
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
        )
        value, hits = out.stdout.split()
        return int(value), int(hits)

    assert run("keyed") == (1, 0)  # compiled
    assert run("keyed") == (1, 1)  # loaded from the cache
    assert run("plain") == (1, 0)
    (tmp_path / "dep.py").write_text("K = 2\n")
    assert run("keyed") == (2, 0)  # the dependency changed: compiled afresh
    assert run("plain") == (1, 1)  # numba's own cache: stale


def _dispatchers():
    import importlib
    import pkgutil

    for info in pkgutil.walk_packages([str(PACKAGE)], "careersim."):
        if info.name.split(".")[1] in ("cli", "reporting", "__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, Dispatcher) and value.__module__ == info.name:
                yield info.name, name, value


def test_every_cached_function_of_careersim_is_kept_under_its_key():
    seen = 0
    for module, name, f in _dispatchers():
        path = getattr(f._cache, "_cache_path", None)
        if path is None:  # not cached
            continue
        layer = "core" if module.startswith("careersim.core.") else "engine"
        assert Path(path).is_relative_to(compiled.cache_directory(layer)), (module, name, path)
        seen += 1
    assert seen > 50


def test_no_module_compiles_with_numbas_own_decorator():
    """Every compiled function goes through careersim.core.compiled.njit (so its cache is keyed)."""
    for f in PACKAGE.rglob("*.py"):
        if f.name == "compiled.py":
            continue
        text = f.read_text(encoding="utf-8")
        assert not re.search(r"from numba import[^\n]*\b(n?jit)\b", text), f
        assert not re.search(r"\bnumba\.n?jit\b", text), f
