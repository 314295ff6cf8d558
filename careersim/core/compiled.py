"""Compiled code: numba's ``njit`` with a cache that cannot run stale code.

numba caches a compiled function under a stamp of its *own* source file, but
the compiled code also contains what it took from other files: helpers it
inlines (:mod:`careersim.core.rng`), column numbers (:mod:`careersim.engine.layout`),
the parameter vector's layout (generated from the schema). Editing one of those
would leave the old compiled code in use. So careersim keeps its compiled code
in a directory named by a hash of everything it depends on:

* functions defined in :mod:`careersim.core` depend on core's source files;
* every other compiled function (the engine's, and the analysis helpers that
  read the engine's columns) depends on core's and the engine's source files
  and on the parameter vector's layout, which :mod:`careersim.engine` declares
  with :func:`depend_on` when it is imported, before any of its functions is
  compiled.

A change to any of them gives a new directory, so the code is compiled afresh
(and the old directory is pruned). Every careersim module compiles through
:func:`njit` here (a test checks that none uses numba's own).

Where: under ``NUMBA_CACHE_DIR`` when set, else ``__pycache__/compiled`` inside
the package when it is writable, else ``~/.cache/careersim`` (``XDG_CACHE_HOME``);
then ``core/<key>`` and ``engine/<key>``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path

import numba
from numba.core import config

CORE = Path(__file__).resolve().parent
PACKAGE = CORE.parent
KEEP = 4  # key directories kept per layer: the most recently used, and any used in the last day

_keys: dict[str, str] = {}  # layer ("core", "engine") -> key
_dirs: dict[tuple[str, str], Path] = {}
_waiting: list = []  # functions decorated before the engine's key was declared  # (layer, key) -> directory, once checked in this process


def sources(folder: Path) -> list[Path]:
    """The Python source files of ``folder``, sorted."""
    return sorted(Path(folder).glob("*.py"))


def key(paths: Iterable[Path], extra: str = "") -> str:
    """A hash of the files' names and contents and of ``extra`` (16 hex digits)."""
    h = hashlib.sha256()
    for p in paths:
        p = Path(p)
        h.update(p.name.encode() + b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    h.update(extra.encode())
    return h.hexdigest()[:16]


def base_directory() -> Path:
    """Where careersim's compiled code is cached (each key in its own subdirectory)."""
    given = os.environ.get("NUMBA_CACHE_DIR")
    if given:
        return Path(given) / "careersim"
    local = PACKAGE / "__pycache__" / "compiled"
    if _writable(local):
        return local
    home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(home) / "careersim"


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
        return True
    except OSError:
        return False


def directory(layer: str, k: str) -> Path:
    """The cache directory of ``layer``'s code under key ``k``, marked as used now. When it
    is new, the layer's directories of other keys beyond the :data:`KEEP` most recently
    used and unused for a day are removed."""
    base = base_directory() / layer
    d = base / k
    if d.exists():
        os.utime(d)
    else:
        d.mkdir(parents=True, exist_ok=True)
        _prune(base, keep=d)
    return d


def _prune(base: Path, keep: Path) -> None:
    others = [p for p in base.iterdir() if p.is_dir() and p != keep]
    others.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    day_ago = time.time() - 86400
    for old in others[KEEP - 1 :]:
        if old.stat().st_mtime < day_ago:
            shutil.rmtree(old, ignore_errors=True)


def core_key() -> str:
    """The key of functions defined in :mod:`careersim.core`."""
    if "core" not in _keys:
        _keys["core"] = key(sources(CORE), "numba " + numba.__version__)
    return _keys["core"]


def depend_on(paths: Iterable[Path], extra: str) -> None:
    """Declare what compiled code outside :mod:`careersim.core` depends on besides core:
    the engine calls this with its source files and its parameter layout when it is
    imported. Functions decorated before (in a module that does not import the engine)
    get their cache now; any compiled before that were compiled without one."""
    _keys["engine"] = key([*sources(CORE), *paths], "numba " + numba.__version__ + "\n" + extra)
    folder = cache_directory("engine")
    while _waiting:
        _in_cache_dir(folder, _waiting.pop(0).enable_caching)


def engine_key() -> str:
    """The key of every compiled function outside :mod:`careersim.core` (once the engine is imported)."""
    if "engine" not in _keys:
        raise RuntimeError("the key is declared when careersim.engine is imported")
    return _keys["engine"]


def cache_directory(layer: str = "engine") -> Path:
    """The directory of the current compiled code of ``layer`` ("core" or "engine")."""
    k = (layer, core_key() if layer == "core" else engine_key())
    if k not in _dirs:
        _dirs[k] = directory(*k)
    return _dirs[k]


def _in_cache_dir(folder: Path | str, action):
    """Run ``action()`` with numba's cache directory set to ``folder`` (numba fixes a
    function's cache location when caching is enabled for it, at decoration)."""
    saved = config.CACHE_DIR
    config.CACHE_DIR = str(folder)
    try:
        return action()
    finally:
        config.CACHE_DIR = saved


def jit_in(folder: Path | str, **options):
    """``numba.njit(**options)`` with its cache (``cache=True``) in ``folder``."""
    return lambda func: _in_cache_dir(folder, lambda: numba.njit(**options)(func))


def njit(*args, **options):
    """careersim's ``numba.njit``: with ``cache=True`` the compiled code is kept under
    the key of what it depends on (see the module docstring). Used as ``@njit``
    or ``@njit(cache=True, ...)``."""

    def decorate(func):
        if not options.get("cache"):
            return numba.njit(**options)(func)
        if func.__module__.startswith("careersim.core."):
            return jit_in(cache_directory("core"), **options)(func)
        if "engine" in _keys:
            return jit_in(cache_directory("engine"), **options)(func)
        dispatcher = numba.njit(**{k: v for k, v in options.items() if k != "cache"})(func)
        _waiting.append(dispatcher)  # cached once the engine declares the key
        return dispatcher

    if args and callable(args[0]) and len(args) == 1 and not options:
        return decorate(args[0])
    return decorate
