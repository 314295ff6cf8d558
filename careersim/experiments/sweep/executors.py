"""Where a sweep's runs are computed: in this process, a local process pool, or Dask.

Every executor takes :class:`Task` objects (one point and the replications of
it still to run) and yields, for each task, the list of :class:`RunResult`
it produced, in any order. A run is a pure function of (base scenario, point
values, replication, seed), so which executor or process computes it never
changes its result. A run that raises is returned with its traceback instead
of a summary; it never stops the sweep.

* :class:`SerialExecutor`: in this process, in order.
* :class:`PoolExecutor`: a local :class:`careersim.experiments.pool.Pool`
  (forked workers that inherit the warmed-up engine, ignore Ctrl-C and die
  with the sweep process), with a bounded number of tasks in flight so
  memory stays flat. If a worker process dies, the tasks it may have held
  are rerun one at a time in a fresh process, and a task that kills its
  process again is recorded as failed.
* :class:`DaskExecutor`: an existing ``dask.distributed`` cluster
  (``Client(address)``), with the same bounded window.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from careersim.analysis.replication import simulate
from careersim.config.schema import Scenario
from careersim.config.sweeps import Factor, mix_changes
from careersim.experiments.pool import Pool, default_workers

__all__ = ["Context", "Task", "RunResult", "run_task", "SerialExecutor", "PoolExecutor", "DaskExecutor"]

#: test hook: "POINT/REPLICATION,..." runs that raise inside the engine call; with a trailing
#: "!" ("3/0!") the run instead ends its process at once, as a crash outside Python would
FAULT_ENV = "CAREERSIM_SWEEP_TEST_FAULT"


@dataclass(frozen=True)
class Context:
    """What every run of a sweep shares: the base scenario and the factors."""

    base_json: str
    base_hash: str
    factors: tuple[Factor, ...]


@dataclass(frozen=True)
class Task:
    point: int
    values: dict
    runs: tuple[tuple[int, int], ...]  # (replication, seed) pairs


@dataclass(frozen=True)
class RunResult:
    point: int
    replication: int
    seed: int
    summary: dict | None
    error: str | None


# ---------------------------------------------------------------------------
# one task
# ---------------------------------------------------------------------------

_BASES: dict[str, Scenario] = {}  # per-process cache of parsed base scenarios


def _base(context: Context) -> Scenario:
    base = _BASES.get(context.base_hash)
    if base is None:
        _BASES.clear()
        base = _BASES[context.base_hash] = Scenario.model_validate_json(context.base_json)
    return base


def _clean(summary: dict) -> dict:
    """The summary's scalar metrics: numbers as floats, text as text."""
    out: dict[str, Any] = {}
    for k, v in summary.items():
        if isinstance(v, bool):
            out[k] = float(v)
        elif isinstance(v, (int, float)):
            out[k] = float(v)
        elif isinstance(v, str):
            out[k] = v
        elif hasattr(v, "item") and getattr(v, "ndim", 1) == 0:  # a numpy scalar
            item = v.item()
            out[k] = item if isinstance(item, str) else float(item)
    return out


def _error_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).rstrip()


def _faults() -> dict[tuple[int, int], bool]:
    """Injected faults: (point, replication) -> whether the process dies (else the run raises)."""
    text = os.environ.get(FAULT_ENV, "")
    out = {}
    for item in text.split(","):
        if "/" in item:
            p, r = item.split("/", 1)
            out[(int(p), int(r.rstrip("!")))] = r.endswith("!")
    return out


def scenario_for(context: Context, values: dict) -> Scenario:
    """The scenario of one point: the base with the point's values set."""
    base = _base(context)
    return base.with_changes(mix_changes(context.factors, base, values))


def run_one(scenario: Scenario, point: int, replication: int, seed: int) -> dict:
    """Simulate one run and return its summary (raises whatever the engine raises)."""

    fault = _faults().get((point, replication))
    if fault:
        os._exit(70)
    if fault is not None:
        raise RuntimeError(f"injected test fault at point {point}, replication {replication} ({FAULT_ENV})")
    return _clean(simulate(scenario, seed, replication).summary)


def run_task(context: Context, task: Task) -> list[RunResult]:
    """Run every replication of a task; failures come back with their traceback."""
    try:
        scenario = scenario_for(context, task.values)
    except Exception as exc:  # an invalid combination of factor values
        error = _error_text(exc)
        return [RunResult(task.point, r, s, None, error) for r, s in task.runs]
    out = []
    for rep, seed in task.runs:
        try:
            out.append(RunResult(task.point, rep, seed, run_one(scenario, task.point, rep, seed), None))
        except Exception as exc:
            out.append(RunResult(task.point, rep, seed, None, _error_text(exc)))
    return out


def _failed(task: Task, message: str) -> list[RunResult]:
    return [RunResult(task.point, r, s, None, message) for r, s in task.runs]


# ---------------------------------------------------------------------------
# executors
# ---------------------------------------------------------------------------


class SerialExecutor:
    """Runs tasks one after another in this process."""

    workers = 1
    description = "1 process"

    def imap(self, context: Context, tasks: Iterable[Task]) -> Iterator[list[RunResult]]:
        for task in tasks:
            yield run_task(context, task)

    def close(self, kill: bool = False) -> None:
        pass


_WORKER_CONTEXT: Context | None = None


def _set_context(context: Context) -> None:
    global _WORKER_CONTEXT
    _WORKER_CONTEXT = context


def _pool_task(task: Task) -> list[RunResult]:
    if _WORKER_CONTEXT is None:  # pragma: no cover - the pool's initializer sets it
        raise RuntimeError("a sweep worker started without its context")
    return run_task(_WORKER_CONTEXT, task)


class PoolExecutor:
    """A local pool of forked worker processes."""

    def __init__(self, workers: int, window: int | None = None) -> None:
        self.workers = max(1, int(workers))
        self.window = window or 2 * self.workers
        self.description = f"{self.workers} local worker processes"
        self._pool: Pool | None = None

    def _start(self, context: Context, workers: int) -> Pool:
        return Pool(workers, initializer=_set_context, initargs=(context,))

    def start(self, context: Context) -> None:
        """Start the workers (call before starting threads in the parent)."""
        if self._pool is None:
            self._pool = self._start(context, self.workers)

    def imap(self, context: Context, tasks: Iterable[Task]) -> Iterator[list[RunResult]]:
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        self.start(context)
        it = iter(tasks)
        inflight: dict[Any, Task] = {}
        exhausted = False
        while True:
            orphans: list[Task] = []
            while not exhausted and len(inflight) < self.window:
                task = next(it, None)
                if task is None:
                    exhausted = True
                    break
                try:
                    inflight[self._pool.submit(_pool_task, task)] = task
                except BrokenProcessPool:
                    orphans.append(task)
                    break
            if not inflight and not orphans:
                return
            if inflight and not orphans:
                done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
                for fut in done:
                    task = inflight.pop(fut)
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        orphans.append(task)
                        continue
                    yield result
            if orphans:  # a worker died: rerun what it may have held, one task at a time
                orphans.extend(inflight.values())
                inflight.clear()
                self._shutdown(kill=True)
                for task in orphans:
                    yield self._isolated(context, task)
                self._pool = self._start(context, self.workers)

    def _isolated(self, context: Context, task: Task) -> list[RunResult]:
        """Rerun a task one replication at a time in a process of its own."""
        from concurrent.futures.process import BrokenProcessPool

        out: list[RunResult] = []
        pool = None
        try:
            for run in task.runs:
                one = Task(task.point, task.values, (run,))
                pool = pool or self._start(context, 1)
                try:
                    out.extend(pool.submit(_pool_task, one).result())
                except BrokenProcessPool:
                    out.extend(
                        _failed(
                            one,
                            "the worker process running this run died (killed, or crashed outside "
                            "Python); replay the run to see whether it happens again",
                        )
                    )
                    pool.close(kill=True)
                    pool = None
        except BaseException:
            if pool is not None:
                pool.close(kill=True)
                pool = None
            raise
        finally:
            if pool is not None:
                pool.close()
        return out

    def _shutdown(self, kill: bool) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close(kill=kill)

    def close(self, kill: bool = False) -> None:
        self._shutdown(kill)


class DaskExecutor:
    """An existing ``dask.distributed`` cluster, by scheduler address or a ``Client``."""

    def __init__(self, scheduler: Any, window: int | None = None, timeout: float = 30.0) -> None:
        from distributed import Client

        if isinstance(scheduler, Client):
            self.client, self._own = scheduler, False
        else:
            self.client, self._own = Client(scheduler, timeout=timeout), True
        threads = sum(self.client.nthreads().values()) or 1
        self.workers = threads
        self.window = window or 2 * threads
        self.description = f"Dask cluster at {self.client.scheduler.address} ({threads} worker threads)"

    def imap(self, context: Context, tasks: Iterable[Task]) -> Iterator[list[RunResult]]:
        from distributed import as_completed

        shared = self.client.scatter(context, broadcast=True)
        it = iter(tasks)
        pending: dict[Any, Task] = {}
        ac = as_completed()

        def submit() -> bool:
            task = next(it, None)
            if task is None:
                return False
            fut = self.client.submit(
                run_task, shared, task, pure=False, key=f"careersim-sweep-{task.point}-{os.urandom(4).hex()}"
            )
            pending[fut.key] = task
            ac.add(fut)
            return True

        for _ in range(self.window):
            if not submit():
                break
        for fut in ac:
            task = pending.pop(fut.key)
            try:
                result = fut.result()
            except Exception as exc:  # the cluster lost the task (e.g. a worker died repeatedly)
                result = _failed(task, f"the Dask cluster could not run this point: {type(exc).__name__}: {exc}")
            fut.release()
            yield result
            submit()

    def close(self, kill: bool = False) -> None:
        if self._own:
            self.client.close()


def make_executor(workers: int | None = None, scheduler: str | None = None, timeout: float = 30.0):
    """The executor for the command-line options."""
    if scheduler:
        return DaskExecutor(scheduler, timeout=timeout)
    n = default_workers(workers)
    return SerialExecutor() if n <= 1 else PoolExecutor(n)
