"""Parameter sweeps in batch: designs, parallel and cluster execution, resume, sensitivity.

Three verbs, in the spirit of SALib's ``sample``/``evaluate``/``analyze``:

>>> sweep = load_sweep_file("scenarios/sweeps/mentorship-x-grant-length.yaml")   # doctest: +SKIP
>>> run_sweep(sweep, "reports/sweeps/mentorship", PoolExecutor(2))          # doctest: +SKIP
>>> analysis = analyze_folders(["reports/sweeps/mentorship"])               # doctest: +SKIP

and, for a Python session, :mod:`~careersim.experiments.sweep.api`'s ``sweep(FILE, DIR)`` and
``load_sweep(DIR)`` (tidy ``experiments`` and ``outcomes`` tables, ``analyze()`` with ``.to_df()``).

Modules, from the ground up: :mod:`careersim.config.sweeps` (sweep files, their format declared in
:mod:`careersim.config.sweep_format`), ``designs`` (points), ``store`` (the results folder: chunks,
ledger, run keys), ``executors`` (serial, local pool, Dask), ``runner`` (plan, run, commit;
replay), ``discovery`` (tree and PRIM boxes), ``robustness`` (regret and satisficing of levers),
``sensitivity`` (the variance split, indices and their checks; the whole analysis) and ``api``;
the HTML page is :mod:`careersim.reporting.sweep_page`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from careersim.config.sweeps import Design, Factor, Outcome, Sweep, read_sweep_file
from careersim.core.files import jsonable
from careersim.experiments.sweep.api import SweepAnalysis, SweepResults, load_sweep, sweep
from careersim.experiments.sweep.designs import point_count, points_table, unit_design
from careersim.experiments.sweep.executors import (
    DaskExecutor,
    PoolExecutor,
    SerialExecutor,
    make_executor,
)
from careersim.experiments.sweep.metrics import known_metrics
from careersim.experiments.sweep.runner import SweepRun, find_run, replay, run_sweep
from careersim.experiments.sweep.store import Store, StoreError, read_results, run_key

__all__ = [
    "load_sweep_file",
    "Sweep",
    "Factor",
    "Design",
    "Outcome",
    "points_table",
    "unit_design",
    "point_count",
    "run_sweep",
    "SweepRun",
    "SerialExecutor",
    "PoolExecutor",
    "DaskExecutor",
    "make_executor",
    "Store",
    "StoreError",
    "read_results",
    "run_key",
    "analyze_folders",
    "find_run",
    "replay",
    "sweep",
    "load_sweep",
    "SweepResults",
    "SweepAnalysis",
]


def load_sweep_file(path: str | Path) -> Sweep:
    """Read and check a sweep file (:func:`careersim.config.sweeps.read_sweep_file`), its
    outcomes checked against the metrics of a replication."""
    return read_sweep_file(path, known_metrics())


def analyze_folders(folders: Sequence[str | Path]) -> tuple[dict, Any, dict]:
    """(analysis, merged results table, manifest) of one sweep's folders (shards are merged)."""
    res = load_sweep(folders)
    return jsonable(res.analyze().data), res.table, res.manifest
