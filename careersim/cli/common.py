"""What the command modules share: exit statuses, the user's-mistake error, argument
types that refuse bad values, output-folder checks, the cost guard, and the
engine's warm-up with its progress on the first run.

This module imports only the standard library at the top, so that every command
module (and ``careersim --help``) starts fast; what is heavy is imported inside
the function that needs it.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import threading
import time
from pathlib import Path

EXIT_OK = 0
#: a sweep or a replay in which a run failed
EXIT_FAILED_RUN = 1
EXIT_USER = 2
EXIT_INTERRUPTED = 130

#: a run estimated to take longer than this (seconds, wall clock) needs --force
MAX_SECONDS = 600.0
#: start-up (compiled code loaded, workers started) and report writing, seconds
STARTUP_SECONDS = 3.0
#: a run estimated to need more memory than this (bytes) needs --force
MAX_BYTES = 8e9
#: the largest seed (seeds are 64-bit)
MAX_SEED = 2**63 - 1
#: the most replications (or candidates, copies...) a command accepts
MAX_COUNT = 1_000_000


class UserError(Exception):
    """A mistake the user can fix; reported on stderr with exit status 2."""


def err(message: str) -> None:
    print(message, file=sys.stderr)


# ---------------------------------------------------------------------------
# argument types: each refuses what it cannot use, saying what it expected
# ---------------------------------------------------------------------------


def _whole(text: str, example: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r} (expected a whole number such as {example})") from None


def positive_int(text: str) -> int:
    """argparse type: a whole number from 1 to a million."""
    value = _whole(text, "4")
    if value < 1:
        raise argparse.ArgumentTypeError(f"got {value} (expected 1 or more)")
    if value > MAX_COUNT:
        raise argparse.ArgumentTypeError(f"got {value} (expected at most {MAX_COUNT})")
    return value


def count_or_zero(text: str) -> int:
    """argparse type: a whole number from 0 to a million."""
    value = _whole(text, "10")
    if not 0 <= value <= MAX_COUNT:
        raise argparse.ArgumentTypeError(f"got {value} (expected 0 to {MAX_COUNT})")
    return value


def workers(text: str) -> int:
    """argparse type: a number of worker processes (1 to 4 per core, at least 64 allowed)."""
    value = _whole(text, "2")
    most = max(64, 4 * (os.cpu_count() or 1))
    if not 1 <= value <= most:
        raise argparse.ArgumentTypeError(f"got {value} (expected 1 to {most} worker processes)")
    return value


def seed_number(text: str) -> int:
    """argparse type: a seed, a whole number from 0 to 2**63 - 1."""
    value = _whole(text, "1")
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"got {value} (expected a whole number from 0 to {MAX_SEED})")
    return value


def seconds(text: str) -> float:
    """argparse type: a positive, finite number of seconds (at most a day)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r} (expected a number of seconds such as 30)") from None
    if not (math.isfinite(value) and 0 < value <= 86400):
        raise argparse.ArgumentTypeError(f"got {text!r} (expected a number of seconds above 0 and at most 86400)")
    return value


def text(what: str):
    """argparse type: non-empty text; ``what`` says what was expected, e.g. 'a scenario file or name'."""

    def check(value: str) -> str:
        if not value.strip():
            raise argparse.ArgumentTypeError(f"got an empty value (expected {what})")
        if any(not c.isprintable() for c in value):
            raise argparse.ArgumentTypeError(f"got {value!r} (expected {what}, without control characters)")
        return value

    check.__name__ = "text"
    return check


def path(what: str):
    """argparse type: a non-empty path (checked by the command for what it must be)."""
    check_text = text(what)

    def check(value: str) -> Path:
        return Path(check_text(value))

    check.__name__ = "path"
    return check


# ---------------------------------------------------------------------------
# output folders, names, durations
# ---------------------------------------------------------------------------


def folder_name(name: str) -> str:
    """A safe folder name for a scenario name."""
    slug = re.sub(r"[^\w.-]+", "-", name).strip(".-")
    return slug or "scenario"


def human_seconds(seconds: float) -> str:
    if seconds < 1.5:
        return "1 second"
    if seconds < 90:
        return f"{seconds:.0f} seconds"
    if seconds < 5400:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds / 3600:.1f} hours"


def check_out_dir(
    out: Path,
    command: str = "run",
    marker: str = "summary.json",
    what: str = "careersim report",
    earlier: str = "a previous report",
    not_folder_hint: str = "expected a folder for the report; ",
) -> None:
    """Refuse to replace anything but an earlier careersim output of the same kind
    (a folder holding ``marker``) or an empty folder, and a place where no folder can be
    made (checked before any work, by making and removing an empty folder there)."""
    check_writable(out, command)
    if not out.exists():
        return
    if not out.is_dir():
        raise UserError(
            f"careersim {command}: {out} exists and is not a folder ({not_folder_hint}choose another --out)"
        )
    if any(out.iterdir()) and not (out / marker).exists():
        raise UserError(
            f"careersim {command}: {out} already holds files that are not a {what}; "
            f"choose another --out or remove it ({earlier} there would be replaced)"
        )
    cwd = Path.cwd().resolve()
    if out.resolve() == cwd or out.resolve() in cwd.parents:
        raise UserError(
            f"careersim {command}: --out {out} is the current folder or above it (expected a folder of its own)"
        )


def check_out_file(out: Path, command: str, generator: str, kind: str, example: str) -> None:
    """Refuse a report file ``--out`` that careersim may not write, before any work: a folder, an
    existing file that is not an earlier ``kind`` (a page whose meta generator is ``generator``), a
    name not ending in .html, or a place where nothing can be written."""
    from careersim.reporting.templating import written_by  # lazy: keeps start-up fast

    if out.is_dir():
        raise UserError(f"careersim {command}: --out: {out} is a folder (expected a file name such as {out / example})")
    if out.exists() and not written_by(out, generator):
        raise UserError(
            f"careersim {command}: --out: {out} exists and is not a {kind}; "
            f"choose another --out or remove it (an earlier {kind} there would be replaced)"
        )
    if out.suffix.lower() not in (".html", ".htm"):
        raise UserError(
            f"careersim {command}: --out: got {str(out)!r} (expected a file name ending in .html, e.g. {example})"
        )
    check_writable(out, command, "file")


def check_writable(out: Path, command: str, what: str = "folder") -> None:
    """Whether a folder can be made beside ``out``: in its nearest existing parent folder, an
    empty folder is made and removed at once (nothing is left behind)."""
    import tempfile

    parent = out.absolute().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".careersim-check-", dir=parent))
    except OSError as e:
        reason = e.strerror or type(e).__name__
        raise UserError(
            f"careersim {command}: cannot make the output {what} {out} ({parent}: {reason.lower()}); "
            "choose another --out"
        ) from None


def atomic_output(folder: Path):
    """A temporary folder that becomes ``folder`` once complete (:func:`careersim.core.files.atomic_output`)."""
    from careersim.core.files import atomic_output as atomic  # lazy: keeps start-up fast

    return atomic(folder)


# ---------------------------------------------------------------------------
# the engine's compiled code: loaded, or compiled once per machine with progress shown
# ---------------------------------------------------------------------------

#: how long compiling the engine takes, seconds, on one core and on several (measured on a 2-core
#: machine: the monthly step alone takes 42 s, everything 69 s; helpers compile the rest alongside it)
COMPILE_SECONDS = {1: 70, 2: 45}


def compile_engine(quiet: bool = False) -> None:
    """Make the engine's compiled code ready before a command starts its workers.

    The first run on a machine compiles the engine (numba keeps the result in its
    cache, shared by every command); later runs load it in about a second. When
    compiling starts, say so with an estimate, and on a terminal show the time
    spent and the functions compiled, updated twice a second (see
    :func:`careersim.experiments.warmup.warm_up`).
    """
    from careersim.experiments.warmup import warm_up  # lazy: keeps start-up fast

    status = _CompileStatus(quiet, COMPILE_SECONDS[1 if (os.cpu_count() or 1) < 2 else 2])
    try:
        warm_up(on_compile=status.compiling)
    except BaseException:
        status.close(finished=False)
        raise
    status.close(finished=True)


class _CompileStatus:
    """Progress of a compile on stderr: an announcement, then (on a terminal) a live line."""

    def __init__(self, quiet: bool, estimate: float) -> None:
        self.quiet = quiet
        self.estimate = estimate
        self.started: float | None = None
        self.done = 0
        self.current = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._live = sys.stderr.isatty()

    def compiling(self, name: str, finished: bool) -> None:
        """Called for each function as numba starts (and finishes) compiling it."""
        if self.started is None:
            self.started = time.monotonic()
            if not self.quiet:
                err(
                    f"Compiling the engine for this machine: once, about {human_seconds(self.estimate)}; "
                    "later runs start at once."
                )
                if self._live:
                    self._thread = threading.Thread(target=self._show, name="careersim-compile-status", daemon=True)
                    self._thread.start()
        if finished:
            self.done += 1
        else:
            self.current = name.rsplit(".", 1)[-1]

    def _line(self) -> str:
        spent = time.monotonic() - (self.started or time.monotonic())
        left = self.estimate - spent
        eta = f"about {human_seconds(left)} left" if left >= 5 else "nearly done"
        return f"  compiling: {spent:3.0f} s, {eta}; {self.done} functions compiled, now {self.current}"

    def _show(self) -> None:
        width = 0
        while not self._stop.wait(0.5):
            line = self._line()[:100]
            sys.stderr.write("\r" + line.ljust(width))
            sys.stderr.flush()
            width = len(line)
        sys.stderr.write("\r" + " " * width + "\r")
        sys.stderr.flush()

    def close(self, finished: bool) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
        if finished and self.started is not None and not self.quiet:
            err(f"Compiled the engine in {human_seconds(time.monotonic() - self.started)}.")


def number_text(v) -> str:
    """A number for the terminal: whole numbers without decimals, others to 3 significant digits, '–' if missing."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e12:
        return str(int(v))
    return f"{v:.3g}"
