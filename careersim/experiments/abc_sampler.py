"""pyabc, quietly, and a sampler for it whose results do not depend on the number of workers.

:func:`load_pyabc` imports pyabc (lazily: it takes seconds) with its import-time
warnings silenced and its log messages switched off, so nothing of it reaches
the terminal; careersim reports progress itself.

:class:`ForkSampler` is a pyabc sampler (``sample_until_n_accepted``) that
evaluates the candidate particles of a generation in forked worker processes.
Candidate ``i`` of generation ``t`` draws its proposal from numpy's global
generator seeded by ``(seed, t, i)`` (pyabc draws proposals from it), and
worker ``w`` of ``P`` evaluates candidates ``w, w + P, w + 2P, ...``. The
generation keeps the ``n`` accepted candidates with the smallest indices, once
every candidate below the last of them is evaluated, and counts exactly those
candidates as its evaluations. So a generation's particles, and the whole
calibration, are the same for one worker or many, and a calibration resumed
after an interruption equals one that ran straight through (each generation
depends only on the ones stored before it). Workers ignore Ctrl-C (the parent
stops them) and, on Linux, die with the parent.

Keeping the lowest indices, rather than the first particles to finish, also
avoids the bias of eval-parallel samplers towards parameters that simulate
quickly (the same reason pyabc's own eval-parallel sampler sorts by index).
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import random
import signal
import time
import traceback
import warnings
from collections.abc import Callable
from queue import Empty
from typing import Any

import numpy as np

from careersim.experiments.pool import _die_with_parent

__all__ = ["ForkSampler", "load_pyabc", "particle_seed"]


def load_pyabc():
    """The pyabc module, imported with its warnings silenced and its logging switched off."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pyabc  # lazy: importing pyabc takes several seconds
        import pyabc.sampler  # noqa: F401
    log = logging.getLogger("ABC")
    log.setLevel(logging.CRITICAL + 1)
    log.propagate = False
    return pyabc


def particle_seed(seed: int, t: int, i: int) -> np.ndarray:
    """The seed of candidate ``i`` of generation ``t`` (32-bit words for numpy's legacy generator)."""
    seed = int(seed)
    return np.array([seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF, int(t), int(i)], dtype=np.uint32)


def _evaluate(simulate_one: Callable, seed: int, t: int, i: int):
    np.random.seed(particle_seed(seed, t, i))
    random.seed(int(seed) * 1_000_003 + int(t) * 7_919 + int(i))
    return simulate_one()


def _work(
    simulate_one: Callable,
    w: int,
    workers: int,
    seed: int,
    t: int,
    stop,
    limit: int,
    queue,
    record_rejected: bool,
    parent: int,
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the workers
    _die_with_parent(parent)
    i = w
    try:
        while i < limit and not stop.value:
            particle = _evaluate(simulate_one, seed, t, i)
            keep = particle.accepted or record_rejected
            queue.put((i, particle.accepted, particle if keep else None))
            i += workers
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        queue.put(("error", w, traceback.format_exc()))
        return
    queue.put(("done", w, None))


def _make_sampler_class(pyabc):
    base = pyabc.sampler.Sampler

    class ForkSampler(base):
        """Evaluation-parallel sampling on forked workers, the same for any number of them (see the module)."""

        def __init__(
            self,
            workers: int = 1,
            seed: int = 1,
            on_start: Callable[[int, int], Any] | None = None,
            on_result: Callable[[int, int], Any] | None = None,
        ) -> None:
            super().__init__()
            self.workers = max(1, int(workers))
            self.seed = int(seed)
            self.on_start = on_start  # (t, n) when a generation's workers are running
            self.on_result = on_result  # (evaluated, accepted) as the prefix of evaluated candidates grows
            self.wasted_ = 0  # candidates evaluated beyond the generation's last (look-ahead of fast workers)
            self.stop_at: float | None = None  # a time.time() after which no further candidate is started
            self.out_of_time_ = False  # whether the last generation stopped at stop_at short of n accepted

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
            limit = int(min(max_eval, 2**62))
            self.out_of_time_ = False
            record = self.sample_factory(is_look_ahead=False).record_rejected
            if self.workers == 1:
                kept, evaluated = self._serial(n, simulate_one, t, limit, record)
            else:
                kept, evaluated = self._forked(n, simulate_one, t, limit, record)
            sample = self._create_empty_sample()
            accepted = 0
            for _, ok, particle in kept:
                if particle is not None:
                    sample.append(particle)
                accepted += bool(ok)
            self.nr_evaluations_ = evaluated
            if accepted < n:
                sample.ok = False
            return sample

        def _late(self) -> bool:
            if self.stop_at is not None and time.time() > self.stop_at:
                self.out_of_time_ = True
                return True
            return False

        def _serial(self, n: int, simulate_one: Callable, t: int, limit: int, record: bool):
            kept, accepted, i = [], 0, 0
            if self.on_start is not None:
                self.on_start(t, n)
            while accepted < n and i < limit:
                if self._late():
                    break
                particle = _evaluate(simulate_one, self.seed, t, i)
                kept.append((i, particle.accepted, particle if (particle.accepted or record) else None))
                accepted += bool(particle.accepted)
                i += 1
                if self.on_result is not None:
                    self.on_result(i, accepted)
            self.wasted_ = 0
            return kept, i

        def _forked(self, n: int, simulate_one: Callable, t: int, limit: int, record: bool):
            ctx = mp.get_context("fork")
            stop = ctx.Value("b", 0)
            queue = ctx.Queue()
            procs = [
                ctx.Process(
                    target=_work,
                    args=(simulate_one, w, self.workers, self.seed, t, stop, limit, queue, record, os.getpid()),
                    daemon=True,
                )
                for w in range(self.workers)
            ]
            for p in procs:
                p.start()
            results: dict[int, tuple] = {}
            prefix, accepted, done, last, beyond = 0, 0, 0, None, 0
            try:
                if self.on_start is not None:
                    self.on_start(t, n)
                while done < len(procs):
                    if last is None and not stop.value and self._late():
                        stop.value = 1  # out of time: the workers finish the candidate in hand and stop
                    try:
                        item = queue.get(timeout=0.2)
                    except Empty:
                        dead = [p for p in procs if p.exitcode not in (None, 0)]
                        if dead:
                            raise RuntimeError(f"a calibration worker died (exit code {dead[0].exitcode})") from None
                        continue
                    if item[0] == "done":
                        done += 1
                        continue
                    if item[0] == "error":
                        raise RuntimeError(f"a calibration worker failed:\n{item[2]}")
                    i = item[0]
                    if last is not None and i >= last:
                        beyond += 1
                        continue
                    results[i] = item
                    grew = False
                    while last is None and prefix in results:
                        accepted += bool(results[prefix][1])
                        prefix += 1
                        grew = True
                        if accepted >= n or prefix >= limit:
                            last = prefix
                            stop.value = 1
                    if grew and self.on_result is not None:
                        self.on_result(prefix, accepted)
            except BaseException:
                stop.value = 1
                for p in procs:
                    if p.is_alive():
                        p.terminate()
                for p in procs:
                    p.join(timeout=5)
                raise
            for p in procs:
                p.join()
            end = last if last is not None else prefix
            self.wasted_ = beyond + sum(1 for i in results if i >= end)
            return [results[i] for i in range(end)], end

    return ForkSampler


_SAMPLER = None


def ForkSampler(*args, **kwargs):  # noqa: N802 - a factory that reads like the class it makes
    """A :class:`ForkSampler` (the class is built on first use, once pyabc is loaded)."""
    global _SAMPLER
    if _SAMPLER is None:
        _SAMPLER = _make_sampler_class(load_pyabc())
    return _SAMPLER(*args, **kwargs)
