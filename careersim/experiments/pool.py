"""Work in parallel: one process pool, one engine warm-up and one progress display for every command.

* :func:`careersim.experiments.warmup.warm_up` (the one warm-up) makes the
  engine's compiled code ready in this process, once; forked workers inherit
  it instead of each loading it again.
* :class:`Pool` is a pool of worker processes, forked where the platform can
  fork (start-up 10 ms against about 250 ms for ``spawn``). Workers ignore
  Ctrl-C, which the parent handles by stopping them, and on Linux the kernel
  ends them when the parent dies, even by ``SIGKILL``. Leaving a ``with
  Pool(...)`` block by an exception (Ctrl-C included) terminates the workers.
* :func:`run_tasks` runs ``fn(*task)`` for every task and returns the results
  in task order, the same for any number of workers (every task draws from
  its own random streams, whichever process runs it).
* :class:`Progress` is the progress bar on stderr: done of total, elapsed
  time and an estimate of the time left.

The sweep's executors (:mod:`careersim.experiments.sweep.executors`) build
on :class:`Pool` and add a bounded window of tasks in flight and the rerun of
tasks whose worker died.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import signal
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from typing import Any, Self

__all__ = ["Pool", "Progress", "default_workers", "run_tasks"]


def default_workers(workers: int | None = None) -> int:
    """``workers`` as a whole number of at least 1; ``None`` means one per core."""
    return max(1, int(workers) if workers is not None else (os.cpu_count() or 1))


# ---------------------------------------------------------------------------
# the pool
# ---------------------------------------------------------------------------


def _context():
    """Fork where the platform has it: workers start at once and inherit the compiled engine."""
    return mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None


def _die_with_parent(parent: int) -> None:
    """On Linux, have the kernel end this worker when the parent dies (even by SIGKILL)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - an unusual libc
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _init_worker(parent: int, initializer: Callable | None, initargs: tuple) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    _die_with_parent(parent)
    if initializer is not None:
        initializer(*initargs)


def _ping() -> int:
    return os.getpid()


class Pool:
    """``workers`` worker processes, all started when the pool is made.

    ``warm=True`` (the default) warms the engine up first (:func:`careersim.experiments.warmup.warm_up`),
    so forked workers inherit it; ``initializer(*initargs)`` runs in each
    worker as it starts. Use as a context manager: leaving the block normally
    waits for the workers to finish, leaving it by an exception terminates
    them.
    """

    def __init__(
        self, workers: int, *, warm: bool = True, initializer: Callable | None = None, initargs: tuple = ()
    ) -> None:
        self.workers = default_workers(workers)
        if warm:
            from careersim.experiments.warmup import warm_up  # lazy: a pool that needs no engine does not load it

            warm_up()
        self._executor: ProcessPoolExecutor | None = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=_context(),
            initializer=_init_worker,
            initargs=(os.getpid(), initializer, initargs),
        )
        # the objects made so far (modules, the compiled engine) live as long as the workers:
        # frozen, the workers' garbage collections skip them, so they neither spend time on
        # them nor copy the memory they share with this process by touching it
        gc.freeze()
        try:
            # start every worker now: forking later, once a progress bar's thread runs, is unsafe
            self._executor.submit(_ping).result()
        except BaseException:
            self.close(kill=True)
            raise
        finally:
            gc.unfreeze()  # this process collects them as before

    def submit(self, fn: Callable, *args: Any) -> Future:
        """Run ``fn(*args)`` in a worker (raises ``BrokenProcessPool`` once a worker has died)."""
        if self._executor is None:
            raise RuntimeError("the pool is closed")
        return self._executor.submit(fn, *args)

    def pids(self) -> list[int]:
        """The worker processes' ids."""
        return sorted((getattr(self._executor, "_processes", None) or {}).keys()) if self._executor else []

    def close(self, kill: bool = False) -> None:
        """Stop the pool: wait for the workers, or with ``kill`` cancel what is queued and terminate them."""
        executor, self._executor = self._executor, None
        if executor is None:
            return
        if not kill:
            executor.shutdown(wait=True)
            return
        procs = list((getattr(executor, "_processes", None) or {}).values())
        executor.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            try:
                proc.terminate()
            except (OSError, ValueError):  # already gone
                pass
        for proc in procs:
            try:
                proc.join(timeout=5)
            except (OSError, ValueError, AssertionError):
                pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        self.close(kill=kind is not None)


def run_tasks(
    fn: Callable,
    tasks: Iterable[Sequence[Any]],
    workers: int | None = None,
    *,
    progress: Progress | None = None,
    pool: Pool | None = None,
) -> list:
    """``[fn(*task) for task in tasks]``, computed by ``workers`` processes (default: one per core).

    The results are in task order whatever the number of workers. With one
    worker or one task everything runs in this process; with ``pool`` that
    pool is used (and left open). ``progress`` advances by one per finished
    task. On an error or Ctrl-C the tasks not yet started are cancelled and
    a pool made here is terminated.
    """
    tasks = [tuple(t) for t in tasks]
    n = len(tasks)
    results: list[Any] = [None] * n
    workers = min(pool.workers if pool is not None else default_workers(workers), n)
    if workers <= 1:
        if progress is not None:
            progress.start()
        for i, task in enumerate(tasks):
            results[i] = fn(*task)
            if progress is not None:
                progress.advance()
        return results
    own = pool is None
    active = pool if pool is not None else Pool(workers)
    futures: dict[Future, int] = {}
    try:
        futures = {active.submit(fn, *task): i for i, task in enumerate(tasks)}
        if progress is not None:
            progress.start()
        for fut in as_completed(futures):
            results[futures[fut]] = fut.result()
            if progress is not None:
                progress.advance()
    except BaseException:
        for fut in futures:
            fut.cancel()
        if own:
            active.close(kill=True)
        raise
    if own:
        active.close()
    return results


# ---------------------------------------------------------------------------
# the progress display
# ---------------------------------------------------------------------------


class Progress:
    """A progress bar on stderr (rich): what is counted, done of total, elapsed time and time left.

    ``detail`` is extra text after the count (e.g. ``"2 failed"``). The bar
    appears at :meth:`start` (or the first :meth:`advance`), so processes
    are forked before its drawing thread exists, and disappears at
    :meth:`close`; it is drawn only when stderr is a terminal (a log gets
    just the lines of :meth:`print`). With ``enabled=False`` every method
    does nothing.
    """

    def __init__(self, total: int, label: str, *, enabled: bool = True) -> None:
        self.total = int(total)
        self.label = label
        self.enabled = bool(enabled)
        self.completed = 0
        self._bar = None
        self._task = None
        self._closed = False

    def start(self) -> Progress:
        if self.enabled and self._bar is None and not self._closed and sys.stderr.isatty():
            from rich.console import Console  # lazy: keeps start-up fast
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as Bar

            self._bar = Bar(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[detail]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._task = self._bar.add_task(self.label, total=self.total, completed=self.completed, detail="")
            self._bar.start()
        return self

    def advance(self, steps: int = 1, detail: str | None = None) -> None:
        """``steps`` more done (and the detail text, if given)."""
        self.update(self.completed + steps, detail)

    def update(self, completed: int, detail: str | None = None) -> None:
        """Set how many are done (and the detail text, if given)."""
        self.completed = int(completed)
        self.start()
        if self._bar is not None:
            fields = {} if detail is None else {"detail": detail}
            self._bar.update(self._task, completed=self.completed, **fields)

    def print(self, text: str) -> None:
        """A line of text on stderr above the bar."""
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.console.print(text, highlight=False, markup=False, soft_wrap=True)
        else:
            print(text, file=sys.stderr, flush=True)

    def close(self) -> None:
        self._closed = True
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
