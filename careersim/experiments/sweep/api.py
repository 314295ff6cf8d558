"""Sweeps from Python: run one into a folder, load its results as tidy tables, analyse them.

::

    import careersim as cs
    res = cs.sweep("scenarios/sweeps/mentorship-x-grant-length.yaml", "reports/sweeps/m", workers=2)
    res.experiments      # one row per run: point, replication, key, seed and the factors' values
    res.outcomes         # one row per run, in the same order: one column per outcome
    a = res.analyze()    # what `careersim analyze` computes
    a.to_df()            # sensitivity indices, one row per (outcome, factor)
    a.variance.to_df(), a.convergence.to_df(), a.prim.to_df(), a.regret.to_df()

    res = cs.load_sweep("reports/sweeps/m")   # the same results from the folder, later

:func:`sweep` is resumable: run again into the same folder, it computes only
the runs not yet stored (a folder holding another sweep is refused).
``experiments`` and ``outcomes`` follow EMA Workbench's shape
(:meth:`SweepResults.results` gives its ``(experiments, {outcome: array})``
pair, which ``ema_workbench.analysis`` functions take). Note the two loaders:
:func:`careersim.experiments.sweep.load_sweep_file` reads a sweep *file*;
:func:`load_sweep` reads a sweep's *results*.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from careersim.config.sweeps import Sweep, folder_name, read_sweep_file
from careersim.experiments.sweep.executors import make_executor
from careersim.experiments.sweep.metrics import known_metrics
from careersim.experiments.sweep.runner import SweepRun, run_sweep
from careersim.experiments.sweep.sensitivity import analyze, outcome_values
from careersim.experiments.sweep.store import ID_COLUMNS, Store, read_results

__all__ = ["sweep", "load_sweep", "SweepResults", "SweepAnalysis", "Result"]

Folder = str | os.PathLike


# ---------------------------------------------------------------------------
# analysis results
# ---------------------------------------------------------------------------


class Result(list):
    """Rows of one part of an analysis (a list of dicts) with :meth:`to_df`, as SALib's results have."""

    def __init__(self, rows=(), columns: Sequence[str] = ()) -> None:
        super().__init__(rows)
        self.columns = list(columns)

    def to_df(self) -> pd.DataFrame:
        """A DataFrame, one row per entry (with the usual columns even when there is no row)."""
        return pd.DataFrame(list(self)) if self else pd.DataFrame(columns=self.columns)


class SweepAnalysis:
    """The analysis of a sweep (the content of ``analysis.json``), with tidy tables of its parts."""

    def __init__(self, data: dict) -> None:
        self.data = data

    def __getitem__(self, outcome: str) -> dict:
        """One outcome's analysis, by its name or expression."""
        names = {v: k for k, v in (self.data.get("outcome_names") or {}).items()}
        return self.data["outcomes"][names.get(outcome, outcome)]

    def _each(self):
        names = self.data.get("outcome_names") or {}
        for expr, e in self.data["outcomes"].items():
            yield names.get(expr, expr), e

    def to_dict(self) -> dict:
        return self.data

    def to_df(self) -> pd.DataFrame:
        """The sensitivity indices: one row per (outcome, factor); outcomes whose variation is
        mostly chance have no rows (see :attr:`variance`)."""
        return self.indices.to_df()

    @property
    def indices(self) -> Result:
        rows = Result(
            columns=["outcome", "method", "factor", "label", "role", "S1", "S1_conf", "ST", "ST_conf", "flags"]
        )
        for name, e in self._each():
            for r in e["indices"]:
                rows.append(
                    {
                        "outcome": name,
                        "method": e["method"],
                        **{k: v for k, v in r.items() if k != "flags"},
                        "flags": ", ".join(r.get("flags") or []),
                    }
                )
        return rows

    @property
    def variance(self) -> Result:
        """Per outcome: the shares of a run's variance from the parameters and from chance, the
        parameters' share of the point means (with its 95% interval) and the verdict on indices."""
        rows = Result()
        for name, e in self._each():
            v = e["variance"]
            att = e.get("attribution") or {}
            rows.append(
                {
                    "outcome": name,
                    "verdict": att.get("verdict"),
                    **{
                        k: v.get(k)
                        for k in (
                            "parameter_share",
                            "shared_chance_share",
                            "point_chance_share",
                            "means_parameter_share",
                            "means_parameter_share_low",
                            "means_parameter_share_high",
                            "points",
                            "runs",
                            "method",
                        )
                    },
                    **{k: e["values"].get(k) for k in ("infinite", "undefined", "failed")},
                }
            )
        return rows

    @property
    def convergence(self) -> Result:
        rows = Result()
        for name, e in self._each():
            c = e.get("convergence") or {}
            rows.append(
                {
                    "outcome": name,
                    "verdict": c.get("verdict"),
                    "max_change": c.get("max_change"),
                    "max_half_width": c.get("max_half_width"),
                    "top_factor_stable": c.get("top_factor_stable"),
                }
            )
        return rows

    @property
    def warnings(self) -> Result:
        return Result(
            ({"outcome": name, "warning": w} for name, e in self._each() for w in e.get("warnings") or []),
            columns=["outcome", "warning"],
        )

    @property
    def prim(self) -> Result:
        """PRIM boxes: one row per (outcome, box)."""
        rows = Result(
            columns=[
                "outcome",
                "box",
                "of_interest",
                "coverage",
                "density",
                "mass",
                "runs",
                "runs_of_interest",
                "where",
                "not_significant",
            ]
        )
        for name, e in self._each():
            prim = e.get("prim") or {}
            for i, b in enumerate(prim.get("boxes") or []):
                rows.append(
                    {
                        "outcome": name,
                        "box": i + 1,
                        "of_interest": prim.get("of_interest"),
                        **{k: b[k] for k in ("coverage", "density", "mass", "runs", "runs_of_interest")},
                        "where": "; ".join(r["text"] for r in b["restrictions"]),
                        "not_significant": ", ".join(r["label"] for r in b["restrictions"] if not r["significant"]),
                    }
                )
        return rows

    @property
    def regret(self) -> Result:
        """Regret and satisficing: one row per (outcome, lever setting), the most robust first."""
        rows = Result(
            columns=["outcome", "goal", "mean", "worst", "max_regret", "mean_regret", "best_at", "satisficing"]
        )
        for name, e in self._each():
            robust = e.get("robustness") or {}
            for st in robust.get("settings") or []:
                rows.append(
                    {
                        "outcome": name,
                        "goal": robust.get("goal"),
                        **st["setting"],
                        **{
                            k: st.get(k)
                            for k in ("mean", "worst", "max_regret", "mean_regret", "best_at", "satisficing")
                        },
                    }
                )
        return rows

    def __repr__(self) -> str:
        parts = [f"{name}: {(e.get('attribution') or {}).get('verdict')}" for name, e in self._each()]
        return f"SweepAnalysis({'; '.join(parts)})"


# ---------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------


@dataclass
class SweepResults:
    """The stored results of one sweep (one folder, or the folders of its shards)."""

    folders: tuple[Path, ...]
    manifest: dict
    table: pd.DataFrame  # every committed run: ids, factors, every metric, error
    points: pd.DataFrame = field(repr=False)
    run: SweepRun | None = None  # what the call of :func:`sweep` that made these results did

    @property
    def folder(self) -> Path:
        return self.folders[0]

    @property
    def name(self) -> str:
        return self.manifest.get("name", "")

    @property
    def factors(self) -> list[str]:
        return [f["path"] for f in self.manifest.get("factors", [])]

    @property
    def outcome_names(self) -> dict[str, str]:
        """Outcome name -> its expression."""
        names = self.manifest.get("outcome_names") or {}
        return {names.get(expr, expr): expr for expr in self.manifest.get("outcomes", [])}

    @property
    def experiments(self) -> pd.DataFrame:
        """One row per run: point, replication, key, seed and each factor's value (by its path)."""
        cols = [*ID_COLUMNS, *[f for f in self.factors if f in self.table]]
        return self.table[cols].reset_index(drop=True)

    @property
    def outcomes(self) -> pd.DataFrame:
        """One row per run (as :attr:`experiments`), one column per outcome: NaN for a failed run
        or a metric that has no value, ``inf`` kept where a ratio has a zero denominator."""
        return pd.DataFrame(
            {name: outcome_values(self.table, expr) for name, expr in self.outcome_names.items()}
            if len(self.table)
            else {name: [] for name in self.outcome_names}
        )

    @property
    def metrics(self) -> pd.DataFrame:
        """Every metric of every run (one row per run, as :attr:`experiments`)."""
        drop = set(ID_COLUMNS) | set(self.factors) | {"error"}
        return self.table[[c for c in self.table.columns if c not in drop]].reset_index(drop=True)

    @property
    def failures(self) -> pd.DataFrame:
        """The failed runs: ids, factors and the error (replay one with ``careersim replay``)."""
        if "error" not in self.table:
            return self.table.iloc[0:0]
        bad = self.table[self.table["error"].notna()]
        return bad[[*ID_COLUMNS, *[f for f in self.factors if f in bad], "error"]].reset_index(drop=True)

    def results(self) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
        """``(experiments, {outcome name: values})``, the pair EMA Workbench's analyses take."""
        outcomes = self.outcomes
        return self.experiments, {c: outcomes[c].to_numpy() for c in outcomes.columns}

    def analyze(self) -> SweepAnalysis:
        """The analysis of ``careersim analyze`` (sensitivity, chance, convergence, scenario discovery,
        robustness)."""
        data = analyze(self.table, self.manifest, self.points)
        data["folders"] = [str(f) for f in self.folders]
        return SweepAnalysis(data)

    def __repr__(self) -> str:
        n = len(self.table)
        failed = int(self.table["error"].notna().sum()) if "error" in self.table and n else 0
        return (
            f"SweepResults('{self.name}': {n} runs ({failed} failed) in {', '.join(map(str, self.folders))}; "
            f"factors {', '.join(self.factors)}; outcomes {', '.join(self.outcome_names)})"
        )


def load_sweep(folder: Folder | Sequence[Folder]) -> SweepResults:
    """The results of a sweep from its output folder (or the folders of its shards, merged)."""
    folders = [folder] if isinstance(folder, (str, os.PathLike)) else list(folder)
    stores = [Store.open(f) for f in folders]
    table = read_results(stores)
    return SweepResults(
        folders=tuple(s.folder for s in stores), manifest=stores[0].manifest, table=table, points=stores[0].points
    )


def sweep(
    source: Folder | Sweep,
    out: Folder | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    executor: Any = None,
    retry_failed: bool = False,
    progress: bool = False,
) -> SweepResults:
    """Run a sweep (a sweep file, or a :class:`~careersim.config.sweeps.Sweep` from
    :func:`~careersim.experiments.sweep.load_sweep_file`) into ``out`` (default
    ``reports/sweeps/<name>``) and return its results.

    Resumable: runs already stored in ``out`` are not run again. ``workers``
    local processes (default: one per core) or a Dask ``scheduler`` address;
    or pass an ``executor``. A run that fails is stored with its error (see
    :attr:`SweepResults.failures`) and does not stop the sweep; failures are
    run again only with ``retry_failed``.
    """
    spec = source if isinstance(source, Sweep) else read_sweep_file(source, known_metrics())
    out = Path(out) if out is not None else Path("reports") / "sweeps" / folder_name(spec.name)
    run = run_sweep(
        spec, out, executor or make_executor(workers, scheduler), retry_failed=retry_failed, progress=progress
    )
    res = load_sweep(out)
    res.run = run
    return res
