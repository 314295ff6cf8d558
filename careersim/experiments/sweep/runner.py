"""Running a sweep: plan the runs not yet done, compute them, commit them in chunks.

``run_sweep(sweep, out)`` is the whole verb: it builds the design's points,
opens (or continues) the output folder, skips every run whose key is already
committed, hands the rest to an executor, and commits results in chunks of
at most ``chunk_rows`` rows or every ``flush_seconds`` seconds, whichever
comes first. Memory stays flat in the number of points: runs are planned
lazily and only the current chunk is held.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from careersim.config.sweeps import Factor, Sweep, identity
from careersim.experiments.pool import Progress
from careersim.experiments.sweep.designs import digest, point_count, points_table
from careersim.experiments.sweep.executors import (
    Context,
    PoolExecutor,
    SerialExecutor,
    Task,
    run_task,
)
from careersim.experiments.sweep.store import (
    Store,
    StoreError,
    point_seed,
    provenance,
    read_results,
    run_key,
)

__all__ = ["run_sweep", "SweepRun", "manifest_for", "point_values", "design_keys", "find_run", "replay"]

#: replications of one point computed by one task at most
REPS_PER_TASK = 8


@dataclass
class SweepRun:
    """What one call of :func:`run_sweep` did."""

    out: Path
    points: int  # points in this shard
    planned: int  # runs in this shard
    skipped: int  # already committed before this call
    done: int = 0  # committed by this call (including failures)
    failed: int = 0
    seconds: float = 0.0


def manifest_for(sweep: Sweep, points: pd.DataFrame) -> dict:
    """What the output folder records about the sweep (``manifest.json``)."""
    return {
        "format": 1,
        "kind": "careersim-sweep",
        **sweep.to_json(),
        "identity": identity(sweep, digest(points, sweep.factors)),
        "points": int(point_count(sweep.design, sweep.factors)),
        "sweep_file": sweep.path,
        "provenance": provenance(),
    }


def point_values(sweep_factors, points: pd.DataFrame, index: int) -> dict:
    """A point's factor values as set into the scenario (plain Python values)."""
    row = points.iloc[index]
    out = {}
    for f in sweep_factors:
        path = f["path"] if isinstance(f, dict) else f.path
        value = row[path]
        out[path] = value.item() if hasattr(value, "item") else value
    return out


def design_keys(factors, points: pd.DataFrame, replications: int, base_hash: str, seed: int) -> pd.DataFrame:
    """The run key of every (point, replication) of the design.

    Two points with the same values (Morris trajectories can meet) share
    their runs: the key depends on the values, not on the point's index.
    """
    rows = []
    for p in range(len(points)):
        values = point_values(factors, points, p)
        for r in range(replications):
            rows.append((p, r, run_key(base_hash, values, r, seed)))
    return pd.DataFrame(rows, columns=["point", "replication", "key"])


def _plan(
    sweep: Sweep, points: pd.DataFrame, done: dict[str, bool], shard: tuple[int, int], retry_failed: bool
) -> tuple[list[int], int, int]:
    """(points in the shard, distinct runs in the shard, runs of them already done)."""
    index, count = shard
    mine = [p for p in range(len(points)) if p % count == index]
    seen: set[str] = set()
    skipped = 0
    for p in mine:
        values = point_values(sweep.factors, points, p)
        for r in range(sweep.replications):
            key = run_key(sweep.base_hash, values, r, sweep.seed)
            if key in seen:
                continue
            seen.add(key)
            if key in done and not (retry_failed and done[key]):
                skipped += 1
    return mine, len(seen), skipped


def _tasks(
    sweep: Sweep, points: pd.DataFrame, mine: list[int], done: dict[str, bool], retry_failed: bool, keys: dict
) -> Iterator[Task]:
    seen: set[str] = set()
    for p in mine:
        values = point_values(sweep.factors, points, p)
        seed = sweep.seed if sweep.seeding == "common" else point_seed(sweep.base_hash, values, sweep.seed)
        todo = []
        for r in range(sweep.replications):
            key = run_key(sweep.base_hash, values, r, sweep.seed)
            if key in seen or (key in done and not (retry_failed and done[key])):
                continue
            seen.add(key)
            keys[(p, r)] = key
            todo.append((r, seed))
        for i in range(0, len(todo), REPS_PER_TASK):
            yield Task(p, values, tuple(todo[i : i + REPS_PER_TASK]))


def run_sweep(
    sweep: Sweep,
    out: str | Path,
    executor=None,
    *,
    shard: tuple[int, int] = (0, 1),
    resume: bool = False,
    retry_failed: bool = False,
    progress: bool = False,
    chunk_rows: int = 500,
    flush_seconds: float = 2.0,
    on_start=None,
) -> SweepRun:
    """Run (or continue) a sweep into the folder ``out``; returns what was done.

    ``shard=(i, n)`` runs only the points whose index is ``i`` modulo ``n``.
    Failed runs are committed with their error and not rerun unless
    ``retry_failed``. ``on_start(run)`` is called once the plan is known.
    """
    started = time.time()
    points = points_table(sweep)
    base_json = sweep.base.model_dump_json()
    store = Store.create(out, manifest_for(sweep, points), points, base_json, sweep.source, resume=resume)
    done = store.completed()
    mine, total, skipped = _plan(sweep, points, done, shard, retry_failed)
    run = SweepRun(out=Path(out), points=len(mine), planned=total, skipped=skipped)
    if on_start is not None:
        on_start(run)
    executor = executor or SerialExecutor()
    if total == skipped:
        executor.close()
        run.seconds = time.time() - started
        return run
    context = Context(base_json=base_json, base_hash=sweep.base_hash, factors=sweep.factors)
    if isinstance(executor, PoolExecutor):
        executor.start(context)  # fork before the progress bar starts its thread
    keys: dict[tuple[int, int], str] = {}
    categorical = {f.path for f in sweep.factors if f.categorical}
    buffer: list[dict] = []
    last_flush = time.time()
    bar = Progress(total - skipped, "sweep runs", enabled=progress).start()
    try:
        for results in executor.imap(context, _tasks(sweep, points, mine, done, retry_failed, keys)):
            for res in results:
                values = point_values(sweep.factors, points, res.point)
                row = {
                    "point": res.point,
                    "replication": res.replication,
                    "key": keys.pop((res.point, res.replication)),
                    "seed": res.seed,
                }
                row.update({k: (str(v) if k in categorical else v) for k, v in values.items()})
                if res.summary is not None:
                    row.update(res.summary)
                row["error"] = res.error
                buffer.append(row)
                run.done += 1
                run.failed += res.error is not None
            bar.update(run.done, f"{run.failed} failed")
            if len(buffer) >= chunk_rows or time.time() - last_flush >= flush_seconds:
                store.append(buffer)
                buffer = []
                last_flush = time.time()
        store.append(buffer)
        buffer = []
    except BaseException:
        store.append(buffer)  # what finished is kept; a resume continues from here
        executor.close(kill=True)
        raise
    finally:
        bar.close()
    executor.close()
    run.seconds = time.time() - started
    return run


# ---------------------------------------------------------------------------
# replay
# ---------------------------------------------------------------------------


@dataclass
class RunInfo:
    """Where a run key points: its point, replication, seed and factor values."""

    key: str
    point: int
    replication: int
    seed: int
    values: dict
    stored: dict | None  # its committed row, if any


def find_run(store: Store, prefix: str) -> RunInfo:
    """The run of a sweep folder whose key starts with ``prefix`` (at least 6 hex digits)."""

    prefix = prefix.strip().lower()
    if len(prefix) < 6 or any(c not in "0123456789abcdef" for c in prefix):
        raise StoreError(
            f"got run key {prefix!r} (expected the key's first 6 or more hex digits, from the results table or the report)"
        )
    m = store.manifest
    points = store.points
    base_hash = m["base_sha256"]
    matches = []
    for p in range(len(points)):
        values = point_values(m["factors"], points, p)
        for r in range(int(m.get("replications", 1))):
            key = run_key(base_hash, values, r, m["seed"])
            if key.startswith(prefix):
                matches.append((key, p, r, values))
    table = None
    if not matches:  # maybe a replication beyond the current count: look in the results
        table = read_results([store])
        for row in table[table["key"].str.startswith(prefix)].itertuples():
            values = point_values(m["factors"], points, int(row.point))
            matches.append((row.key, int(row.point), int(row.replication), values))
    if not matches:
        raise StoreError(f"no run of the sweep in {store.folder} has a key starting with {prefix!r}")
    if len({k for k, *_ in matches}) > 1:
        raise StoreError(f"{len(matches)} runs have keys starting with {prefix!r}; give more digits")
    key, p, r, values = matches[0]
    seed = m["seed"] if m.get("seeding", "common") == "common" else point_seed(base_hash, values, m["seed"])
    stored = None
    table = read_results([store]) if table is None else table
    hit = table[table["key"] == key]
    if len(hit):
        stored = hit.iloc[0].to_dict()
    return RunInfo(key=key, point=p, replication=r, seed=seed, values=values, stored=stored)


def replay(store: Store, info: RunInfo):
    """Rerun one run in this process; returns (summary, None) or (None, traceback text)."""

    m = store.manifest
    factors = tuple(
        Factor(
            path=f["path"],
            label=f.get("label", f["path"]),
            kind=f["kind"],
            unit=f.get("unit", ""),
            rescale_others=tuple(f.get("rescale_others") or ()),
        )
        for f in m["factors"]
    )
    context = Context(base_json=store.base_json, base_hash=m["base_sha256"], factors=factors)
    [result] = run_task(context, Task(info.point, info.values, ((info.replication, info.seed),)))
    return result.summary, result.error
