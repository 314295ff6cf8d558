"""Calibration: fit scenario parameters to published statistics.

A *target* (:mod:`careersim.config.targets`) is a published statistic
expressed as a model output (:mod:`careersim.analysis.calibration`).

Method
------
* **Loss.** ``L(theta) = sum_k w_k * ((mean_k(theta) - value_k) / sd_k)^2``
  where ``mean_k`` is the mean of statistic ``k`` over ``R`` replications
  (weights default to 1; weight 0 makes a target report-only). A statistic
  that is undefined in every replication adds :data:`UNDEFINED_PENALTY`.
* **Noise.** Every candidate runs the *same* replications ``0..R-1`` with the
  *same* root seed (common random numbers), so two candidates differ only
  through their parameters and the loss is a deterministic function of them.
  The seed is an input, never a parameter of the fit.
* **Search space.** Each free parameter is mapped to ``[0, 1]`` between its
  bounds (logarithmically when the bounds are positive and span a factor of 10
  or more). Bounds come from the schema's range where it has one, else from
  the base value (a quarter to four times it), else from ``--bounds``.
* **Optimiser** (``method="nelder-mead"``, the default): the base point plus a
  scrambled Sobol design (``scipy.stats.qmc.Sobol``, seeded) over the box, then
  Nelder-Mead (``scipy.optimize.minimize``, box-bounded) from the best design
  point until the evaluation budget is spent. ``method="differential-evolution"``
  uses ``scipy.optimize.differential_evolution`` (seeded, no polishing) instead.
  The budget counts candidate evaluations, each of ``R`` replications.
* **Uncertainty of fitted values.** Treating ``L`` as a chi-square (targets'
  errors independent and normal), candidates with
  ``L <= L_min + chi2_{0.95}(p)`` form an approximate 95% confidence region;
  each parameter's interval is its range over the *evaluated* candidates in that
  region (coarse: no finer than the points the search visited). ``sd`` is the
  spread of evaluated candidates weighted by ``exp(-(L - L_min) / 2)``.
  (Press et al., *Numerical Recipes*, 3rd ed., section 15.6.)

Nothing here writes files except :func:`write_outputs`.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import math
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from careersim import __version__
from careersim.analysis.calibration import STATISTICS, Statistic, target_value
from careersim.analysis.replication import Replication, simulate
from careersim.config.scenarios import ScenarioError, dump_scenario, load_scenario
from careersim.config.schema import Scenario, get_path, iter_parameters
from careersim.config.targets import Target, TargetsError, read_targets_file
from careersim.config.targets import parse_targets as _parse_targets
from careersim.core.files import command_line, jsonable, software, utc_now, write_json, write_text
from careersim.core.stats import mean_ci, summarise
from careersim.core.units import parse_quantity
from careersim.experiments.pool import Pool, default_workers, run_tasks

__all__ = [
    "STATISTICS",
    "Statistic",
    "Target",
    "TargetsError",
    "FreeParameter",
    "Candidate",
    "Fit",
    "load_targets",
    "parse_targets",
    "free_parameters",
    "parse_bounds",
    "statistic_values",
    "Evaluator",
    "loss",
    "fit",
    "fit_json",
    "fitted_yaml",
    "write_outputs",
]

#: loss added for a target whose statistic is undefined (NaN) in every replication
UNDEFINED_PENALTY = 1e4
#: methods :func:`fit` accepts
METHODS = ("nelder-mead", "differential-evolution")


def parse_targets(text: str, shown: str = "<targets>") -> list[Target]:
    """Read targets from YAML text (:func:`careersim.config.targets.parse_targets`)."""
    return _parse_targets(text, shown, STATISTICS)


def load_targets(path: str | os.PathLike[str]) -> list[Target]:
    """Read and check a targets YAML file (see ``docs/calibration.md``)."""
    return read_targets_file(path, STATISTICS)


# ---------------------------------------------------------------------------
# free parameters
# ---------------------------------------------------------------------------

NUMERIC_KINDS = ("duration", "rate", "hours", "probability", "share", "count", "number")


@dataclass(frozen=True)
class FreeParameter:
    """A scenario parameter the fit may change, with its box and scale."""

    path: str
    lo: float
    hi: float
    log: bool
    kind: str
    unit: str
    base: float | None  # the base scenario's value (None: a distribution)
    base_text: str

    def value(self, u: float) -> float:
        """The parameter value at ``u`` in [0, 1]."""
        u = min(1.0, max(0.0, float(u)))
        if self.log:
            return float(math.exp(math.log(self.lo) + u * (math.log(self.hi) - math.log(self.lo))))
        return float(self.lo + u * (self.hi - self.lo))

    def unit_of(self, value: float) -> float:
        """``u`` in [0, 1] for a parameter value (clipped to the box)."""
        v = min(self.hi, max(self.lo, float(value)))
        if self.log:
            return (math.log(v) - math.log(self.lo)) / (math.log(self.hi) - math.log(self.lo))
        return (v - self.lo) / (self.hi - self.lo)


def parse_bounds(items: Iterable[str]) -> dict[str, tuple[float, float]]:
    """``['phd.duration=3:7', ...]`` (commas also separate) -> {path: (lo, hi)}; raw text values."""
    out: dict[str, tuple[Any, Any]] = {}
    for item in items:
        for part in str(item).split(","):
            part = part.strip()
            if not part:
                continue
            path, eq, rng = part.partition("=")
            lo, colon, hi = rng.partition(":")
            if not eq or not colon or not path.strip() or not lo.strip() or not hi.strip():
                raise ValueError(f"--bounds: got {part!r} (expected PATH=LOW:HIGH, e.g. phd.duration=3:7)")
            out[path.strip()] = (lo.strip(), hi.strip())
    return out  # type: ignore[return-value]


def _read_bound(text: Any, kind: str, path: str) -> float:
    if isinstance(text, (int, float)):
        return float(text)
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return float(parse_quantity(text, kind if kind in ("duration", "rate", "hours") else "number"))
    except ValueError as exc:
        raise ValueError(f"--bounds {path}: cannot read {text!r} ({exc})") from None


def free_parameters(base: Scenario, paths: Sequence[str], bounds: Mapping[str, tuple[Any, Any]] | None = None) -> list[FreeParameter]:
    """Check ``paths`` name numeric parameters and work out each one's box; raises ValueError."""
    bounds = dict(bounds or {})
    meta = {p: m for p, _, m in iter_parameters() if m.get("kind") in NUMERIC_KINDS}
    out: list[FreeParameter] = []
    problems: list[str] = []
    if not paths:
        raise ValueError("--params: no parameters given (expected e.g. --params phd.duration,programme.places)")
    if len(set(paths)) != len(paths):
        raise ValueError(f"--params: a parameter is named twice in {', '.join(paths)} (expected each once)")
    for path in bounds:
        if path not in paths:
            problems.append(f"--bounds: {path} is not among --params (expected bounds only for fitted parameters)")
    for path in paths:
        if path not in meta:
            near = difflib.get_close_matches(path, list(meta), n=1)
            hint = f"did you mean '{near[0]}'? " if near else ""
            problems.append(f"--params: '{path}' is not a numeric scenario parameter ({hint}see docs/parameters.md)")
            continue
        m = meta[path]
        kind = m["kind"]
        s_lo, s_hi = m.get("range", [None, None])
        lo_open = bool(m.get("lo_open"))
        current = get_path(base, path)
        base_value = float(current) if isinstance(current, (int, float)) else None
        base_text = f"{current:g}" if base_value is not None else current.describe() if hasattr(current, "describe") else str(current)
        if path in bounds:
            try:
                lo, hi = (_read_bound(x, kind, path) for x in bounds[path])
            except ValueError as exc:
                problems.append(str(exc))
                continue
        elif s_lo is not None and s_hi is not None:
            lo, hi = float(s_lo), float(s_hi)
        else:
            ref = base_value
            if ref is None and hasattr(current, "ppf"):
                ref = float(current.ppf(0.5))
            if not (ref is not None and ref > 0):
                problems.append(f"--params: {path} has no bounds in the schema and no positive base value to derive them from (expected --bounds {path}=LOW:HIGH)")
                continue
            lo, hi = ref / 4.0, ref * 4.0
            if s_lo is not None:
                lo = max(lo, float(s_lo))
            if s_hi is not None:
                hi = min(hi, float(s_hi))
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            problems.append(f"--bounds {path}: got {lo:g}:{hi:g} (expected LOW < HIGH)")
            continue
        bad_lo = s_lo is not None and (lo < s_lo or (lo_open and lo <= s_lo))
        bad_hi = s_hi is not None and hi > s_hi
        if bad_lo or bad_hi:
            rng = f"{'(' if lo_open else '['}{s_lo if s_lo is not None else '-inf'}, {s_hi if s_hi is not None else 'inf'}]"
            problems.append(f"--bounds {path}: {lo:g}:{hi:g} leaves the parameter's allowed range {rng} ({m.get('unit') or 'number'})")
            continue
        log = lo > 0 and hi / lo >= 10.0
        out.append(FreeParameter(path, float(lo), float(hi), log, kind, m.get("unit", ""), base_value, base_text))
    if problems:
        raise ValueError("\n".join(problems))
    return out


# ---------------------------------------------------------------------------
# evaluation
# ---------------------------------------------------------------------------


def _horizon(scenario: Scenario, rep: Replication) -> float:
    h = scenario.run.horizon
    if isinstance(h, (int, float)):
        return float(h)
    ts = rep.timeseries
    return float(ts["year"].iloc[-1] + 1 / 12) if len(ts) else math.nan


def statistic_values(rep: Replication, targets: Sequence[Target], horizon: float) -> np.ndarray:
    """Each target's statistic for one replication (NaN where undefined)."""
    out = np.empty(len(targets))
    for k, t in enumerate(targets):
        try:
            out[k] = target_value(t, rep, horizon)
        except (ZeroDivisionError, FloatingPointError, KeyError, IndexError):
            out[k] = math.nan
    return out


def _job(blob: str, seed: int, rep: int, targets: tuple[Target, ...]) -> np.ndarray:
    scenario = Scenario.model_validate_json(blob)
    r = simulate(scenario, seed, rep)
    return statistic_values(r, targets, _horizon(scenario, r))


class Evaluator:
    """Runs candidates' replications with common random numbers, in parallel.

    Every candidate runs replications ``0..R-1`` of the root ``seed``; results
    are cached by parameter values. Use as a context manager to close the pool.
    """

    def __init__(self, base: Scenario, params: Sequence[FreeParameter], targets: Sequence[Target],
                 seed: int = 1, replications: int = 4, workers: int | None = None) -> None:
        if replications < 1:
            raise ValueError("replications must be at least 1")
        self.base, self.params, self.targets = base, list(params), tuple(targets)
        self.seed, self.replications = int(seed), int(replications)
        self.workers = default_workers(workers)
        self.cache: dict[str, np.ndarray] = {}
        self.simulations = 0
        self._pool: Pool | None = None

    def __enter__(self) -> "Evaluator":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close(kill=exc[0] is not None)

    def close(self, kill: bool = False) -> None:
        """Shut the worker pool down; ``kill`` terminates workers still running (after an error or Ctrl-C)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close(kill=kill)

    def scenario(self, values: Mapping[str, float]) -> Scenario:
        """The base scenario with ``values`` set (raises ValidationError if inconsistent)."""
        return self.base.with_changes(dict(values)) if values else self.base

    def _pool_(self) -> Pool:
        if self._pool is None:
            self._pool = Pool(self.workers)  # kept for every batch of the fit
        return self._pool

    def run(self, candidates: Sequence[Mapping[str, float] | None]) -> list[np.ndarray | None]:
        """(R x targets) statistic values per candidate; None for an invalid scenario.

        ``None`` as a candidate means the base scenario unchanged. Results are
        cached by the scenario's hash, so a candidate equal to the base (or to an
        earlier candidate) is not run again.
        """
        keys: list[str | None] = []
        todo: dict[str, str] = {}
        for cand in candidates:
            try:
                scen = self.base if cand is None else self.scenario(cand)
            except (ValidationError, ValueError):
                keys.append(None)
                continue
            key = scen.hash()
            keys.append(key)
            if key not in self.cache and key not in todo:
                todo[key] = scen.model_dump_json()
        jobs = [(key, rep) for key in todo for rep in range(self.replications)]
        results: dict[tuple[str, int], np.ndarray] = {}
        if jobs:
            # the pool starts with the first batch, before any progress display draws from a thread
            pool = self._pool_() if self.workers > 1 else None
            values = run_tasks(_job, [(todo[key], self.seed, rep, self.targets) for key, rep in jobs], 1, pool=pool)
            results = dict(zip(jobs, values))
            self.simulations += len(jobs)
        for key in todo:
            self.cache[key] = np.vstack([results[(key, rep)] for rep in range(self.replications)])
        return [None if key is None else self.cache[key] for key in keys]


def loss(values: np.ndarray | None, targets: Sequence[Target]) -> float:
    """Weighted sum of squared standardised errors of the replication means (inf: invalid)."""
    if values is None:
        return math.inf
    values = np.atleast_2d(values)
    total = 0.0
    for k, t in enumerate(targets):
        if t.weight == 0:
            continue
        col = values[:, k]
        col = col[np.isfinite(col)]
        if col.size == 0:
            total += t.weight * UNDEFINED_PENALTY
            continue
        total += t.weight * ((float(col.mean()) - t.value) / t.sd) ** 2
    return float(total)


# ---------------------------------------------------------------------------
# the fit
# ---------------------------------------------------------------------------


@dataclass
class Candidate:
    """One evaluated point of the search."""

    index: int
    phase: str  # "base", "start", "design", "local" (Nelder-Mead) or "evolve" (differential evolution)
    u: tuple[float, ...] | None
    values: dict[str, float]
    stats: np.ndarray | None
    loss: float


@dataclass
class Fit:
    """The result of :func:`fit`."""

    base: Scenario
    fitted: Scenario
    targets: list[Target]
    params: list[FreeParameter]
    candidates: list[Candidate]
    before: Candidate
    best: Candidate
    seed: int
    replications: int
    budget: int
    method: str
    seconds: float
    simulations: int

    @property
    def loss_before(self) -> float:
        return self.before.loss

    @property
    def loss_after(self) -> float:
        return self.best.loss

    def uncertainty(self) -> dict[str, dict[str, float]]:
        """Per parameter: fitted value, weighted sd and 95% interval over evaluated candidates."""
        from scipy.stats import chi2

        ok = [c for c in self.candidates if c.u is not None and math.isfinite(c.loss)]
        if not ok:
            return {}
        lmin = min(c.loss for c in ok)
        cut = lmin + float(chi2.ppf(0.95, df=max(1, len(self.params))))
        w = np.array([math.exp(-(c.loss - lmin) / 2) for c in ok])
        out = {}
        for p in self.params:
            x = np.array([c.values[p.path] for c in ok])
            m = float(np.sum(w * x) / np.sum(w))
            sd = float(math.sqrt(max(0.0, np.sum(w * (x - m) ** 2) / np.sum(w))))
            region = [c.values[p.path] for c in ok if c.loss <= cut]
            out[p.path] = {
                "value": float(self.best.values[p.path]),
                "sd": sd,
                "low": float(min(region)),
                "high": float(max(region)),
                "n_in_region": len(region),
                "at_bound": bool(math.isclose(self.best.values[p.path], p.lo, rel_tol=1e-6, abs_tol=1e-12)
                                 or math.isclose(self.best.values[p.path], p.hi, rel_tol=1e-6, abs_tol=1e-12)),
            }
        return out


class _BudgetSpent(Exception):
    pass


def fit(
    base: Scenario,
    targets: Sequence[Target],
    params: Sequence[FreeParameter],
    *,
    replications: int = 4,
    seed: int = 1,
    budget: int = 40,
    workers: int | None = None,
    method: str = "nelder-mead",
    progress: Callable[[Candidate, Candidate, int], None] | None = None,
    evaluator: Evaluator | None = None,
) -> Fit:
    """Fit ``params`` of ``base`` to ``targets`` (see the module docstring for the method).

    ``budget`` is the number of candidate evaluations (each of ``replications``
    replications), including the base scenario. ``progress(candidate, best, budget)``
    is called after each evaluation.
    """
    if method not in METHODS:
        raise ValueError(f"method: got {method!r} (expected one of {', '.join(METHODS)})")
    p = len(params)
    if p == 0:
        raise ValueError("no parameters to fit")
    budget = int(budget)
    if budget < p + 3:
        raise ValueError(f"--budget {budget} is too small for {p} parameter(s) (expected at least {p + 3})")
    started = time.time()
    own = evaluator is None
    ev = evaluator or Evaluator(base, params, targets, seed, replications, workers)
    cands: list[Candidate] = []
    by_u: dict[tuple, Candidate] = {}

    def record(phase: str, u: tuple[float, ...] | None, values: dict[str, float], stats: np.ndarray | None) -> Candidate:
        c = Candidate(len(cands), phase, u, values, stats, loss(stats, targets))
        cands.append(c)
        if u is not None:
            by_u[u] = c
        if progress is not None:
            best = min(cands, key=lambda x: x.loss)
            progress(c, best, budget)
        return c

    def values_at(u: Sequence[float]) -> dict[str, float]:
        # 6 significant digits: the values fitted.yaml writes are exactly those evaluated
        return {q.path: float(f"{q.value(x):.6g}") for q, x in zip(params, u)}

    def evaluate_batch(us: Sequence[Sequence[float]], phase: str) -> list[Candidate]:
        keys = [tuple(float(round(min(1.0, max(0.0, x)), 12)) for x in u) for u in us]
        new = list(dict.fromkeys(k for k in keys if k not in by_u))
        room = budget - len(cands)
        new = new[: max(0, room)]
        if new:
            stats = ev.run([values_at(k) for k in new])
            for k, s in zip(new, stats):
                record(phase, k, values_at(k), s)
        return [by_u[k] for k in keys if k in by_u]

    failed = True
    try:
        before = record("base", None, {}, ev.run([None])[0])
        u0 = tuple(
            float(q.unit_of(q.base)) if q.base is not None
            else float(q.unit_of(float(get_path(base, q.path).ppf(0.5)))) if hasattr(get_path(base, q.path), "ppf")
            else 0.5
            for q in params
        )
        if method == "nelder-mead":
            _nelder_mead(evaluate_batch, u0, p, budget, seed, cands)
        else:
            _differential_evolution(evaluate_batch, u0, p, budget, seed, cands)
        failed = False
    finally:
        if own:
            ev.close(kill=failed)
    pool = [c for c in cands if c.u is not None and math.isfinite(c.loss)]
    if not pool:
        raise ValueError("every candidate scenario was invalid; check --params and --bounds")
    best = min(pool, key=lambda c: (c.loss, c.index))
    fitted = base.with_changes(best.values)
    fitted = fitted.model_copy(update={
        "name": f"{base.name}-fitted",
        "description": f"{base.name} with {', '.join(q.path for q in params)} fitted to published targets by careersim calibrate.",
    })
    return Fit(base=base, fitted=fitted, targets=list(targets), params=list(params), candidates=cands, before=before,
               best=best, seed=int(seed), replications=ev.replications, budget=budget, method=method,
               seconds=round(time.time() - started, 3), simulations=ev.simulations)


def _nelder_mead(evaluate_batch, u0: tuple[float, ...], p: int, budget: int, seed: int, cands: list) -> None:
    from scipy.optimize import minimize
    from scipy.stats import qmc

    remaining = budget - len(cands)
    n_design = min(remaining - (p + 1), max(2 * p + 2, remaining // 3))
    n_design = max(1, n_design)
    design = [u0]
    if n_design > 1:
        sob = qmc.Sobol(d=p, scramble=True, seed=np.random.default_rng([int(seed), 0xCA1]))
        pts = sob.random(1 << int(math.ceil(math.log2(n_design - 1))) if n_design > 2 else 2)[: n_design - 1]
        design += [tuple(float(x) for x in row) for row in pts]
    first = evaluate_batch([design[0]], "start")
    rest = evaluate_batch(design[1:], "design")
    done = first + rest
    start = min(done, key=lambda c: (c.loss, c.index))
    x0 = np.array(start.u, dtype=float)
    spacing = 0.5 / max(1.0, len(design) ** (1.0 / p))
    simplex = [x0]
    for i in range(p):
        e = x0.copy()
        e[i] = e[i] + spacing if e[i] + spacing <= 1.0 else e[i] - spacing
        simplex.append(e)

    def objective(u: np.ndarray) -> float:
        got = evaluate_batch([tuple(u)], "local")
        if not got:
            raise _BudgetSpent
        return got[0].loss

    with contextlib.suppress(_BudgetSpent):
        # evaluate the starting simplex as one parallel batch
        evaluate_batch([tuple(s) for s in simplex], "local")
        minimize(objective, x0, method="Nelder-Mead", bounds=[(0.0, 1.0)] * p,
                 options={"initial_simplex": np.array(simplex), "maxfev": 10 * budget, "xatol": 1e-3, "fatol": 1e-6})


def _differential_evolution(evaluate_batch, u0: tuple[float, ...], p: int, budget: int, seed: int, cands: list) -> None:
    from scipy.optimize import differential_evolution

    remaining = budget - len(cands)
    popsize = max(4, min(10, remaining // (3 * p)))
    n = popsize * p
    maxiter = max(0, remaining // n - 1)

    def batch_map(func, iterable):
        us = [tuple(float(x) for x in u) for u in iterable]
        got = {c.u: c.loss for c in evaluate_batch(us, "evolve")}
        keys = [tuple(float(round(min(1.0, max(0.0, x)), 12)) for x in u) for u in us]
        return [got.get(k, math.inf) for k in keys]

    differential_evolution(lambda u: 0.0, bounds=[(0.0, 1.0)] * p, seed=int(seed), popsize=popsize, maxiter=maxiter,
                           polish=False, init="sobol" if (n & (n - 1)) == 0 else "latinhypercube", x0=np.array(u0),
                           updating="deferred", workers=batch_map, tol=0.0)


# ---------------------------------------------------------------------------
# outputs
# ---------------------------------------------------------------------------


def _interval(values: np.ndarray) -> dict[str, Any]:

    ci = mean_ci(values)
    sp = summarise(values)
    return {"mean": ci["value"], "mean_low": ci["low"], "mean_high": ci["high"], "se": ci["se"],
            "spread_low": sp["low"], "spread_high": sp["high"], "n": ci["n"]}


def _target_rows(fit_: Fit) -> list[dict[str, Any]]:
    rows = []
    for k, t in enumerate(fit_.targets):
        before = _interval(fit_.before.stats[:, k]) if fit_.before.stats is not None else None
        after = _interval(fit_.best.stats[:, k]) if fit_.best.stats is not None else None
        z = lambda iv: None if iv is None or not math.isfinite(iv["mean"]) else (iv["mean"] - t.value) / t.sd  # noqa: E731
        rows.append({
            "name": t.name, "statistic": t.statistic, "options": t.options, "unit": STATISTICS[t.statistic].unit,
            "value": t.value, "sd": t.sd, "range": list(t.range) if t.range else None, "weight": t.weight,
            "source": t.source, "note": t.note,
            "before": before, "after": after, "z_before": z(before), "z_after": z(after),
        })
    return rows


def _sha256_file(path: Path | None) -> str | None:
    if path is None or not Path(path).is_file():
        return None
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def fit_json(fit_: Fit, *, targets_file: Path | None = None, base_ref: str | None = None,
             command: str | None = None) -> dict[str, Any]:
    """Everything about the fit as JSON-able data (NaN/inf become null)."""

    unc = fit_.uncertainty()
    params = []
    for q in fit_.params:
        u = unc.get(q.path, {})
        params.append({
            "path": q.path, "unit": q.unit, "kind": q.kind, "bounds": [q.lo, q.hi], "scale": "log" if q.log else "linear",
            "before": q.base if q.base is not None else q.base_text, "fitted": u.get("value"),
            "sd": u.get("sd"), "interval_95": [u.get("low"), u.get("high")], "candidates_in_region": u.get("n_in_region"),
            "at_bound": u.get("at_bound"),
        })
    history = []
    best = math.inf
    for c in fit_.candidates:
        best = min(best, c.loss)
        history.append({"evaluation": c.index, "phase": c.phase, "parameters": c.values, "loss": c.loss, "best_loss": best})

    return jsonable({
        "provenance": {
            "careersim_version": __version__,
            "command": command if command is not None else command_line(),
            "date_utc": utc_now(),
            "base_scenario": base_ref,
            "base_scenario_sha256": fit_.base.hash(),
            "fitted_scenario_sha256": fit_.fitted.hash(),
            "targets_file": str(targets_file) if targets_file else None,
            "targets_sha256": _sha256_file(targets_file),
            "seed": fit_.seed,
            "replications": fit_.replications,
            "budget": fit_.budget,
            "evaluations": len(fit_.candidates),
            "simulations": fit_.simulations,
            "method": fit_.method,
            "wall_seconds": fit_.seconds,
            **software("scipy"),
        },
        "method": {
            "loss": "sum over targets of weight * ((model mean - value) / sd)^2; range -> sd = half-width / 1.96",
            "common_random_numbers": f"every candidate runs replications 0..{fit_.replications - 1} of seed {fit_.seed}",
            "optimiser": fit_.method,
            "parameter_interval": "range over evaluated candidates with loss <= best + chi2_0.95(p); sd: spread weighted by exp(-(loss - best)/2)",
            "model_interval": "mean with a Student-t 95% interval over replications; spread: 2.5%-97.5% quantiles of replications",
        },
        "loss_before": fit_.loss_before,
        "loss_after": fit_.loss_after,
        "parameters": params,
        "targets": _target_rows(fit_),
        "history": history,
    })


def _yaml_number(x: float) -> str:
    return repr(float(f"{x:.6g}"))


def fitted_yaml(fit_: Fit, base_ref: str | None) -> str:
    """The fitted scenario: ``extends`` the base (``base_ref``) with the fitted values, or a full dump."""
    unc = fit_.uncertainty()
    head = [
        f"# careersim scenario '{fit_.fitted.name}': written by careersim calibrate.",
        f"# Fitted {', '.join(q.path for q in fit_.params)} to {sum(t.weight > 0 for t in fit_.targets)} published target(s);",
        f"# loss {fit_.loss_before:.4g} before, {fit_.loss_after:.4g} after (seed {fit_.seed}, {fit_.replications} replications).",
        "# See fit.json and report.html beside this file for the targets, sources and intervals.",
    ]
    if base_ref is None:
        return "\n".join(head) + "\n" + dump_scenario(fit_.fitted)
    nested: dict[str, Any] = {}
    for q in fit_.params:
        node = nested
        *parts, last = q.path.split(".")
        for part in parts:
            node = node.setdefault(part, {})
        node[last] = q.path
    lines = head + [f"extends: {json.dumps(base_ref)}", f"name: {json.dumps(fit_.fitted.name)}",
                    f"description: {json.dumps(fit_.fitted.description)}"]

    def emit(node: dict, indent: int) -> None:
        for key, val in node.items():
            if isinstance(val, dict):
                lines.append(" " * indent + f"{key}:")
                emit(val, indent + 2)
            else:
                q = next(x for x in fit_.params if x.path == val)
                u = unc.get(val, {})
                lines.append(" " * indent + f"{key}: {_yaml_number(fit_.best.values[val])}"
                             f"  # {q.unit or 'value'}; was {q.base_text}; 95% region {u.get('low', math.nan):.4g} to {u.get('high', math.nan):.4g}")

    emit(nested, 0)
    return "\n".join(lines) + "\n"


def write_outputs(fit_: Fit, out_dir: Path, *, base_ref: str | None = None, targets_file: Path | None = None,
                  command: str | None = None) -> dict[str, Any]:
    """Write ``fitted.yaml``, ``fitted-full.yaml`` and ``fit.json`` into ``out_dir`` (the page is
    :func:`careersim.reporting.calibration_page.write_report`).

    ``base_ref`` is what ``fitted.yaml`` extends, relative to ``out_dir`` (or a
    shipped scenario name); the file is checked to load back to the fitted
    scenario, else it is written as a full dump. The caller makes the folder
    appear atomically (see :func:`careersim.core.files.atomic_output`).
    """
    out_dir = Path(out_dir)
    data = fit_json(fit_, targets_file=targets_file, base_ref=base_ref, command=command)
    write_text(out_dir / "fitted-full.yaml", dump_scenario(fit_.fitted))
    path = write_text(out_dir / "fitted.yaml", fitted_yaml(fit_, base_ref))
    if base_ref is not None:
        try:
            ok = load_scenario(path).hash() == fit_.fitted.hash()
        except ScenarioError:
            ok = False
        if not ok:
            write_text(path, fitted_yaml(fit_, None))
            data["provenance"]["base_scenario"] = None
    write_json(out_dir / "fit.json", data, indent=2)
    return data
