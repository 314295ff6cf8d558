"""The one warm-up: the engine's compiled code, made ready before the work starts.

numba compiles each engine function the first time it is called with given
argument types, and keeps the machine code in careersim's compiled cache
(:mod:`careersim.core.compiled`), shared by every command: the first run on a
machine compiles, every later run loads. :func:`warm_up` runs one tiny
replication in this process, then again with a few extra people who have every setting
the engine's front doors offer (so what ``advise`` uses is ready too) and a policy that
changes a live parameter with consequences beyond its value, once per
process, so that the code is ready before worker processes are forked: they
inherit it instead of each compiling or loading it again. Its summary also
names every metric a replication reports
(:func:`careersim.experiments.sweep.metrics.known_metrics`).

Compiling takes about a minute, most of it in a few large functions that do not
call each other (the monthly step, the grant office's month, the programme and
hiring rounds). So that a new machine does not spend it on one core, the
argument types of the functions the warm-up compiles are kept in
``warmup_signatures.json`` beside this module; before the tiny replication,
helper processes compile the others from that list while this process compiles
the monthly step, each writing numba's cache. The replication then loads them.
A list that is out of date only costs time (what it lacks is compiled by the
replication); ``python -m careersim.experiments.warmup`` rewrites it, and a
test says when it is out of date.

``on_compile(name, finished)`` is told when numba starts and finishes compiling
one of careersim's functions in this process (not when it loads one from the
cache), through numba's event API, so a command can say that it is compiling
and show progress.
"""

from __future__ import annotations

import functools
import importlib
import json
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numba import from_dtype, types
from numba.core import event

from careersim.analysis.replication import simulate
from careersim.config.schema import Scenario, baseline
from careersim.core.codes import T_CONTRIBUTOR, T_INDEPENDENT, T_PHD
from careersim.engine.population import EXTRA_PID_BASE, Cohort, Settings
from careersim.engine.replication import run_replication

__all__ = ["warm_up", "tiny_scenario", "signatures", "SIGNATURES"]

#: a field small enough to simulate in a few milliseconds, yet long enough (3 years) that every
#: institution acts (admissions are yearly) and every metric appears
TINY = {
    "population.entrants_per_year": 20,
    "run.horizon": 3.0,
    "initial.leads": 5,
    "initial.phd_students": 5,
    "initial.independents": 5,
    "initial.contributors": 5,
    "phd.advisors": 10,
}
#: the argument types of the functions each warm-up compiles (see the module's docstring)
SIGNATURES = Path(__file__).with_name("warmup_signatures.json")
#: the function this process compiles while helpers compile the others (the largest)
_OWN = "careersim.engine.kernel.step"


def tiny_scenario(base: Scenario | None = None) -> Scenario:
    """``base`` (default: the baseline) shrunk to the tiny field of :data:`TINY`."""
    return (base or baseline()).with_changes(TINY)


def _door_cohorts() -> list[Cohort]:
    """Two people on each track with every setting the engine's front doors offer."""
    every = Settings(
        mentor_hours=0.5, mentor_quality=0.5, advisor_quality=0.5, programme="always", funded_months=6.0, phd_after=1.0
    )
    never = Settings(programme="never")
    return [
        Cohort(
            pids=EXTRA_PID_BASE + np.array([2 * k, 2 * k + 1]),
            entry_ticks=np.zeros(2, dtype=np.int64),
            track=track,
            settings=every if k % 2 == 0 else never,
        )
        for k, track in enumerate((T_PHD, T_INDEPENDENT, T_CONTRIBUTOR))
    ]


class _Listener(event.Listener):
    """Passes numba's compile events for careersim's own functions to ``on_compile``."""

    def __init__(self, on_compile: Callable[[str, bool], None]) -> None:
        self.on_compile = on_compile

    @staticmethod
    def _name(ev: event.Event) -> str | None:
        func = getattr(ev.data.get("dispatcher"), "py_func", None)
        module = getattr(func, "__module__", "") or ""
        return f"{module}.{func.__qualname__}" if module.startswith("careersim.") else None

    def on_start(self, ev: event.Event) -> None:
        name = self._name(ev)
        if name is not None:
            self.on_compile(name, False)

    def on_end(self, ev: event.Event) -> None:
        name = self._name(ev)
        if name is not None:
            self.on_compile(name, True)


def warm_up(on_compile: Callable[[str, bool], None] | None = None) -> dict:
    """Compile (first run on a machine) or load the engine's code by running one tiny replication, once
    per process; returns the tiny field's summary (a copy). ``on_compile(name, finished)`` is told when
    numba starts and finishes compiling one of careersim's functions."""
    listener = _Listener(on_compile) if on_compile is not None else None
    if listener is not None:
        event.register("numba:compile", listener)
        _listening.append(listener)
    try:
        return dict(_ready())
    finally:
        if listener is not None:
            _listening.remove(listener)
            event.unregister("numba:compile", listener)


#: the listeners registered by warm_up in this process (helper processes forked from it drop them:
#: only the parent reports progress)
_listening: list[_Listener] = []


@functools.lru_cache(maxsize=1)
def _ready() -> dict:
    _compile_listed()
    return _tiny_run()


#: the policy the second tiny run adopts after a year: changing the live safety-interested share
#: re-marks current students (engine.field.mark_safe_students), which nothing else runs
_TINY_POLICY = [{"kind": "safety_advisors", "start": 1.0}]


def _tiny_run() -> dict:
    """The tiny replication (and the same field with the front doors' extra people and a policy
    that changes the advisors' safety interest): the first one's summary."""
    summary = simulate(tiny_scenario(), 0, 0).summary
    run_replication(tiny_scenario().with_changes({"interventions": _TINY_POLICY}), 0, 0, extra=_door_cohorts())
    return summary


# ---------------------------------------------------------------------------
# compiling the listed functions in parallel
# ---------------------------------------------------------------------------


def _type_text(t: types.Type) -> str:
    if isinstance(t, types.Literal):  # a constant inside compiled code: compiled with its caller
        raise TypeError(f"no text for the numba type {t}")
    if isinstance(t, types.Array):
        return f"{t.dtype}[{t.ndim}{t.layout}]"
    if isinstance(t, (types.Integer, types.Float, types.Boolean)):
        return str(t)
    raise TypeError(f"no text for the numba type {t}")


def _type_of(text: str) -> types.Type:
    if text.endswith("]"):
        dtype, shape = text[:-1].split("[")
        return types.Array(from_dtype(np.dtype(dtype)), int(shape[:-1]), shape[-1])
    return types.boolean if text == "bool" else getattr(types, text)


def signatures() -> dict[str, list[list[str]]]:
    """Every careersim function compiled (or loaded) in this process -> the argument types of each
    of its versions, as text."""
    out: dict[str, list[list[str]]] = {}
    for name, module in sorted(sys.modules.items()):
        if not name.startswith("careersim.") or module is None:
            continue
        for attr, value in sorted(vars(module).items()):
            func = getattr(value, "py_func", None)
            if func is None or func.__module__ != name or not getattr(value, "signatures", None):
                continue
            try:
                out[f"{name}.{attr}"] = sorted([_type_text(t) for t in sig] for sig in value.signatures)
            except TypeError:  # a type the list cannot hold: that function is left to the replication
                continue
    return out


def _listed() -> dict[str, list[list[str]]]:
    try:
        listed = json.loads(SIGNATURES.read_text(encoding="utf-8"))
        return listed if isinstance(listed, dict) else {}
    except (OSError, ValueError):
        return {}


def _compile(entries: list[tuple[str, list[str]]], helper: bool = False) -> None:
    """Compile (or load) each listed function for its listed argument types; skip what no longer fits."""
    if helper:  # Ctrl-C and the progress messages are the parent's: it stops the helpers and reports
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for listener in _listening:
            event.unregister("numba:compile", listener)
    for name, sig in entries:
        module, _, attr = name.rpartition(".")
        try:
            getattr(importlib.import_module(module), attr).compile(tuple(_type_of(t) for t in sig))
        except Exception:  # noqa: BLE001 - an out-of-date entry: the tiny replication compiles what it needs
            continue


def _in_cache(entries: list[tuple[str, list[str]]]) -> bool:
    """Whether numba's cache holds code, for the current sources, of every listed function and
    argument types (read through numba's cache object, which is not public API: if that fails,
    the answer is no)."""
    for name, sig in entries:
        module, _, attr = name.rpartition(".")
        try:
            index = getattr(importlib.import_module(module), attr)._cache._cache_file._load_index()
            if tuple(_type_of(t) for t in sig) not in {key[0] for key in index}:
                return False
        except Exception:  # noqa: BLE001 - another numba version: compile in parallel to be safe
            return False
    return True


def _compile_listed() -> None:
    """Compile the listed functions: the largest here, the others in helper processes at the same time
    (only when the cache lacks the largest: loading is quick, so a machine that has compiled once
    starts without helpers)."""
    listed = _listed()
    own = [(name, sig) for name, sigs in listed.items() if name == _OWN for sig in sigs]
    others = [(name, sig) for name, sigs in listed.items() if name != _OWN for sig in sigs]
    helpers = min(len(others), (os.cpu_count() or 1) - 1, 3)
    if "fork" not in multiprocessing.get_all_start_methods() or helpers < 1 or not own or _in_cache(own):
        return  # one core, or compiled before: the tiny replication compiles or loads everything in order
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_compile, args=(others[i::helpers], True), daemon=True) for i in range(helpers)]
    for p in procs:
        p.start()
    try:
        _compile(own)
    except BaseException:
        for p in procs:
            p.terminate()
        raise
    finally:
        for p in procs:
            p.join()


if __name__ == "__main__":  # python -m careersim.experiments.warmup: rewrite the list of signatures
    import subprocess

    code = (
        "from careersim.experiments import warmup as w; w._tiny_run(); import json; print(json.dumps(w.signatures()))"
    )
    for _ in range(2):  # the first may compile (and list what is compiled inside others); the second loads
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    listed = json.loads(done.stdout.strip().splitlines()[-1])
    SIGNATURES.write_text(json.dumps(listed, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {SIGNATURES}: {len(listed)} functions")
