"""Writing results: JSON-safe values, files that appear whole, and output folders that appear whole.

Every file careersim writes goes through here, so a reader never sees half a
file and a crash never leaves a corrupt one:

* :func:`jsonable` turns numpy scalars and arrays into plain numbers and lists,
  and NaN or an infinity into ``null`` (JSON has no NaN);
* :func:`write_bytes`, :func:`write_text` and :func:`write_json` write a
  temporary file beside the target, flush it to disk, rename it over the
  target and flush the folder: the file is either the old one or the whole
  new one, also after a power cut;
* :func:`atomic_output` does the same for a folder of files;
* :func:`utc_now`, :func:`software` and :func:`command_line` are what a
  results file records about how it was made (its provenance).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import importlib
import json
import math
import os
import platform
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Union

import numpy as np

__all__ = [
    "UnreadableResults",
    "atomic_output",
    "command_line",
    "json_text",
    "jsonable",
    "read_results_json",
    "software",
    "unreadable",
    "utc_now",
    "write_bytes",
    "write_json",
    "write_text",
]

PathLike = Union[str, "os.PathLike[str]"]


def jsonable(value: Any) -> Any:
    """``value`` with every part JSON can hold as it is: mappings with text keys,
    lists for tuples and arrays, plain ``int``/``float``/``bool`` for numpy
    scalars, and ``None`` for NaN and infinities. Anything else is left as it is.

    >>> jsonable({1: (np.float64("nan"), np.int64(2), np.bool_(True))})
    {'1': [None, 2, True]}
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, np.generic):  # numpy text and other scalars
        return jsonable(value.item())
    return value


def json_text(data: Any, *, indent: int | None = 2, default: Callable[[Any], Any] | None = None) -> str:
    """``data`` as JSON text (after :func:`jsonable`; NaN is refused, never written)."""
    return json.dumps(jsonable(data), indent=indent, allow_nan=False, default=default)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without folder handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _missing_parents(folder: Path) -> list[Path]:
    """Folders above (and including) ``folder`` that do not exist yet, deepest first."""
    out = []
    probe = folder
    while not probe.exists():
        out.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    return out


def write_bytes(path: PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and durably; returns the path.

    Missing parent folders are created (and removed again if the write
    fails). The file gets the usual permissions (``0o666`` less the umask).
    """
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    created = _missing_parents(parent)
    parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=str(parent))
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        for folder in created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    _fsync_dir(parent)
    return path


def write_text(path: PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically (:func:`write_bytes`)."""
    return write_bytes(path, text.encode("utf-8"))


def write_json(
    path: PathLike,
    data: Any,
    *,
    indent: int | None = 2,
    newline: bool = True,
    default: Callable[[Any], Any] | None = None,
) -> Path:
    """Write ``data`` as JSON (:func:`json_text`) to ``path`` atomically, ending in a newline unless ``newline=False``.

    ``default`` converts values JSON cannot hold (e.g. ``str``); without it they are an error.
    """
    return write_text(path, json_text(data, indent=indent, default=default) + ("\n" if newline else ""))


@contextlib.contextmanager
def atomic_output(final_dir: PathLike) -> Iterator[Path]:
    """Yield a temporary folder next to ``final_dir``; on success it becomes ``final_dir``.

    An existing ``final_dir`` is replaced only once the new one is complete.
    On any exception (including KeyboardInterrupt) the temporary folder, and
    any parent folders created for it, are removed and the exception re-raised.
    """
    final = Path(final_dir)
    if final.exists() and not final.is_dir():
        raise FileExistsError(f"{final} exists and is not a folder")
    parent = final.parent if str(final.parent) else Path(".")
    created = _missing_parents(parent)
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.partial-", dir=parent))
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)
        yield tmp
        if final.exists():
            old = parent / f".{final.name}.old-{uuid.uuid4().hex[:8]}"
            os.rename(final, old)
            try:
                os.rename(tmp, final)
            except BaseException:
                os.rename(old, final)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        for folder in created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


# ---------------------------------------------------------------------------
# provenance
# ---------------------------------------------------------------------------


def utc_now() -> str:
    """The time now in UTC to the second, ISO 8601 (``2026-12-06T03:00:48+00:00``)."""
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def software(*packages: str) -> dict[str, str]:
    """Versions of Python, numpy and ``packages`` (module names), then the platform, in that order."""
    out = {"python": platform.python_version(), "numpy": np.__version__}
    for name in packages:
        out[name] = importlib.import_module(name).__version__
    out["platform"] = f"{platform.system()} {platform.machine()}"
    return out


def command_line() -> str:
    """The command line of this process, as typed."""
    return " ".join(sys.argv) if sys.argv else ""


# ---------------------------------------------------------------------------
# reading results back
# ---------------------------------------------------------------------------


class UnreadableResults(ValueError):
    """A results file that is there but cannot be read as careersim wrote it (damaged, or
    something else under its name). The message names the file, never its contents."""


def unreadable(path: Path, what: str, exc: BaseException) -> UnreadableResults:
    """The error for ``path``, which should hold ``what``; ``exc`` says why it could not be read."""
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
    if isinstance(exc, FileNotFoundError):
        reason = "it is missing"
    elif isinstance(exc, json.JSONDecodeError):
        reason = f"invalid JSON at line {exc.lineno}"
    elif isinstance(exc, UnicodeDecodeError):
        reason = "not UTF-8 text"
    elif type(exc).__module__.startswith("pyarrow"):
        reason = "not a Parquet table"
    return UnreadableResults(
        f"{path}: cannot read it ({reason}; expected {what} written by careersim); "
        "it may be damaged: rerun the command that made the folder"
    )


def read_results_json(path: Path, required: tuple[str, ...] = ()) -> dict:
    """A JSON results file (summary.json, comparison.json, a sweep's manifest.json) as a mapping
    holding at least the keys ``required``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise unreadable(path, "JSON", exc) from None
    missing = [k for k in required if not isinstance(data, dict) or k not in data]
    if not isinstance(data, dict) or missing:
        got = f"a {type(data).__name__}" if not isinstance(data, dict) else "no " + ", ".join(repr(k) for k in missing)
        raise UnreadableResults(
            f"{path}: expected a JSON object written by careersim, got {got}; "
            "it may be damaged: rerun the command that made the folder"
        )
    return data
