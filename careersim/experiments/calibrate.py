"""Calibration: a posterior over scenario parameters from published statistics (ABC-SMC).

A *target* (:mod:`careersim.config.targets`) is a published statistic
expressed as a model output (:mod:`careersim.analysis.calibration`), with an
uncertainty and a role: ``fit`` targets are matched, ``holdout`` targets are
never used to set a parameter and are predicted instead. The essays' claims
are never targets.

Method
------
* **Priors.** Each fitted parameter is uniform between its bounds, uniform in
  its logarithm (``loguniform``), or, for a whole number the engine rounds (a
  head count), uniform over the whole numbers between its bounds
  (``integer``: never a fraction). Priors come from the targets file's
  ``parameters:`` list, else from ``--params``/``--bounds``: the schema's
  range, or a quarter to four times the base value, log-uniform when the
  bounds span a factor of ten or more.
* **A particle** is the base scenario with the parameters set to one draw.
  It runs the *same* replications ``0..R-1`` of the *same* root seed as every
  other particle (common random numbers), so particles differ only through
  their parameters; every target's statistic is computed in every replication
  (held-out ones too), and the summary is the mean over the replications.
* **Distance**: ``D = sqrt(sum over fit targets of w_k ((mean_k - value_k) / sd_k)^2)``,
  with ``sd`` the target's stated uncertainty (a range is read as a 95% interval,
  ``sd = half-width / 1.96``) and ``w`` its weight (default 1). A statistic that
  is undefined in every replication makes the distance infinite.
* **ABC-SMC** (pyabc; Toni et al. 2009, J. R. Soc. Interface 6:187; Beaumont
  et al. 2009, Biometrika 96:983): generation 0 samples the prior and accepts
  every particle; generation ``t`` perturbs the weighted particles of ``t - 1``
  (a multivariate normal kernel on the continuous parameters, fitted to the
  previous generation; a jump kernel over the whole numbers, staying with
  probability 0.7, for integer parameters), accepts those with
  ``D <= eps_t`` and weights them by prior over proposal density. ``eps_t`` is
  the weighted median of generation ``t - 1``'s finite distances, but never
  below the **target tolerance** ``eps* = sqrt(chi2_0.95(k))`` (``k`` fitted
  targets): the distance within which the model's statistics are jointly
  consistent with the published figures at the 95% level.
* **Stopping.** After the first generation run at ``eps*`` (the posterior:
  the prior restricted to parameters whose statistics the published figures
  allow, as an importance-weighted sample); after ``generations`` generations
  (generation 0 counts); or when a generation's acceptance rate would fall
  below ``min_acceptance`` (that generation is abandoned). The last stored
  generation is the posterior; the report says whether it reached ``eps*``.
* **Reproducible and resumable.** Candidate ``i`` of generation ``t`` draws its
  proposal from a generator seeded by ``(seed, t, i)`` and a generation keeps
  the ``n`` accepted candidates of smallest index
  (:mod:`careersim.experiments.abc_sampler`), so the result does not depend on
  the number of workers. Every finished generation is stored in pyabc's SQLite
  history (``abc.db`` in the output folder); running the same command again
  continues from the last stored generation, with the same result as a run
  that was never interrupted. ``abc.json`` records the settings and a key of the
  model's code; a resumed calibration must match both.
* **Posterior predictive.** ``M`` replications of the *calibrated scenario*
  (the base naming the posterior: each replication draws one joint sample by
  weight, :mod:`careersim.config.posterior`) on fresh replications
  ``R..R+M-1``, so the predictions cover parameter uncertainty and chance. For
  each target the 95% predictive interval of the published figure is that of
  the model's statistic plus the figure's own uncertainty (normal with its
  ``sd``): a held-out target is *covered* when its published value lies inside.
  A fitted target outside is one the model cannot reach together with the
  others.
* **Conflicts.** From the prior sample (generation 0): the share of prior draws
  whose statistic matches each fitted target on its own (``|z| <= 1.96``) and
  the share matching each pair; a pair never matched together although
  independent matches would give five or more such draws, or a target no prior
  draw matches, points at missing structure (each statistic says which,
  ``Statistic.if_missed``).
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import math
import os
import signal
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from careersim import __version__
from careersim.analysis.calibration import STATISTICS, Statistic, target_value
from careersim.analysis.replication import Replication, simulate
from careersim.config.posterior import read_posterior, weighted_quantiles, write_posterior
from careersim.config.scenarios import ScenarioError, dump_scenario, load_scenario
from careersim.config.schema import Scenario, baseline, get_path, numeric_parameters
from careersim.config.targets import (
    CalibrationFile,
    Prior,
    Target,
    TargetsError,
    parse_calibration,
    read_calibration_file,
    read_targets_file,
)
from careersim.config.targets import parse_targets as _parse_targets
from careersim.core.compiled import key, sources
from careersim.core.files import command_line, jsonable, software, utc_now, write_bytes, write_json, write_text
from careersim.core.units import parse_quantity
from careersim.experiments.abc_sampler import ForkSampler, load_pyabc
from careersim.experiments.pool import Pool, default_workers, run_tasks
from careersim.experiments.warmup import warm_up

__all__ = [
    "STATISTICS",
    "Statistic",
    "Target",
    "TargetsError",
    "Prior",
    "FreeParameter",
    "Settings",
    "Calibration",
    "CalibrationError",
    "load_targets",
    "load_calibration",
    "parse_targets",
    "free_parameters",
    "parse_bounds",
    "statistic_values",
    "target_tolerance",
    "calibrate",
    "fit_json",
    "write_outputs",
    "without_posterior",
]

#: the shares of a generation's candidates below which a generation is abandoned
MIN_ACCEPTANCE = 0.01
#: draws of the prior sample expected to match both targets of a pair before "never together" counts as a conflict
#: (with independent matches, none in 5 expected has a chance of exp(-5), under 1%)
CONFLICT_EXPECTED = 5.0
#: how often a proposal of an integer parameter stays where it is
INTEGER_STAY = 0.7
#: files of a calibration folder
DB, STATE, POSTERIOR, FIT, SCENARIO, REPORT = (
    "abc.db",
    "abc.json",
    "posterior.parquet",
    "fit.json",
    "calibrated.yaml",
    "report.html",
)


class CalibrationError(ValueError):
    """A calibration that cannot start or continue; the message says why and what to do."""


def parse_targets(text: str, shown: str = "<targets>") -> list[Target]:
    """Read targets from YAML text (:func:`careersim.config.targets.parse_targets`)."""
    return _parse_targets(text, shown, STATISTICS)


def load_targets(path: str | os.PathLike[str]) -> list[Target]:
    """Read and check a targets YAML file (see ``docs/calibration.md``)."""
    return read_targets_file(path, STATISTICS)


def load_calibration(path: str | os.PathLike[str]) -> CalibrationFile:
    """Read and check a targets YAML file with its priors (see ``docs/calibration.md``)."""
    return read_calibration_file(path, STATISTICS)


def parse_calibration_text(text: str, shown: str = "<targets>") -> CalibrationFile:
    """Targets and priors from YAML text."""
    return parse_calibration(text, shown, STATISTICS)


# ---------------------------------------------------------------------------
# free parameters and their priors
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FreeParameter:
    """A scenario parameter the calibration fits, with its prior."""

    path: str
    shape: str  # uniform, loguniform or integer
    lo: float
    hi: float
    kind: str
    unit: str
    base: float | None  # the base scenario's value (None: a distribution)
    base_text: str
    note: str = ""

    @property
    def integer(self) -> bool:
        return self.shape == "integer"

    @property
    def log(self) -> bool:
        return self.shape == "loguniform"

    @property
    def name(self) -> str:
        """The parameter's name inside the ABC (its log10 for a log-uniform prior)."""
        return f"log10:{self.path}" if self.log else self.path

    def prior_text(self) -> str:
        return f"{self.shape}({self.lo:g}, {self.hi:g})"

    def value(self, internal: float) -> float:
        """The parameter's value for the ABC's internal value (its log10 for a log-uniform prior)."""
        if self.log:
            return float(10.0 ** float(internal))
        if self.integer:
            return float(round(float(internal)))
        return float(internal)

    def rv(self, pyabc):
        if self.log:
            a, b = math.log10(self.lo), math.log10(self.hi)
            return pyabc.RV("uniform", a, b - a)
        if self.integer:
            return pyabc.RV("randint", int(self.lo), int(self.hi) + 1)
        return pyabc.RV("uniform", self.lo, self.hi - self.lo)


def parse_bounds(items: Iterable[str]) -> dict[str, tuple[str, str]]:
    """``['phd.duration=3:7', ...]`` (commas also separate) -> {path: (lo, hi)}; raw text values."""
    out: dict[str, tuple[str, str]] = {}
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
    return out


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


def free_parameters(
    base: Scenario,
    paths: Sequence[str] | None = None,
    bounds: Mapping[str, tuple[Any, Any]] | None = None,
    priors: Sequence[Prior] = (),
) -> list[FreeParameter]:
    """The parameters to fit with their priors; raises ValueError naming every problem.

    ``paths`` (from ``--params``) choose the parameters; without them the priors
    (from the targets file) do. A parameter's prior is the file's unless
    ``bounds`` names it; otherwise it is derived from the bounds, the schema's
    range or the base value (see the module docstring)."""
    bounds = dict(bounds or {})
    from_file = {p.path: p for p in priors}
    meta = numeric_parameters()
    if not paths:
        paths = list(from_file)
    if not paths:
        raise ValueError(
            "no parameters to fit (expected --params NAME[,NAME...] or a 'parameters:' list in the targets file)"
        )
    if len(set(paths)) != len(paths):
        raise ValueError(f"--params: a parameter is named twice in {', '.join(paths)} (expected each once)")
    problems: list[str] = []
    for path in bounds:
        if path not in paths:
            problems.append(
                f"--bounds: {path} is not among the fitted parameters (expected bounds only for fitted parameters)"
            )
    out: list[FreeParameter] = []
    for path in paths:
        if path not in meta:
            near = difflib.get_close_matches(path, list(meta), n=1)
            hint = f"did you mean '{near[0]}'? " if near else ""
            problems.append(f"--params: '{path}' is not a numeric scenario parameter ({hint}see docs/parameters.md)")
            continue
        m = meta[path]
        kind = m["kind"]
        current = get_path(base, path)
        base_value = float(current) if isinstance(current, (int, float)) else None
        base_text = (
            f"{current:g}"
            if base_value is not None
            else current.describe()
            if hasattr(current, "describe")
            else str(current)
        )
        if path in from_file and path not in bounds:
            p = from_file[path]
            out.append(
                FreeParameter(path, p.shape, p.low, p.high, kind, m.get("unit", ""), base_value, base_text, p.note)
            )
            continue
        s_lo, s_hi = m.get("range", [None, None])
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
                problems.append(
                    f"--params: {path} has no bounds in the schema and no positive base value to derive them from "
                    f"(expected --bounds {path}=LOW:HIGH)"
                )
                continue
            lo, hi = ref / 4.0, ref * 4.0
            if s_lo is not None:
                lo = max(lo, float(s_lo))
            if s_hi is not None:
                hi = min(hi, float(s_hi))
        integer = bool(m.get("integer"))
        if integer:
            lo, hi = float(math.ceil(lo - 1e-9)), float(math.floor(hi + 1e-9))
            if m.get("lo_open") and s_lo is not None and lo <= s_lo:
                lo = float(math.floor(s_lo) + 1)
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            problems.append(
                f"--bounds {path}: got {lo:g}:{hi:g} (expected LOW < HIGH{', whole numbers' if integer else ''})"
            )
            continue
        bad_lo = s_lo is not None and (lo < s_lo or (m.get("lo_open") and lo <= s_lo))
        bad_hi = s_hi is not None and hi > s_hi
        if bad_lo or bad_hi:
            rng = f"{'(' if m.get('lo_open') else '['}{s_lo if s_lo is not None else '-inf'}, {s_hi if s_hi is not None else 'inf'}]"
            problems.append(
                f"--bounds {path}: {lo:g}:{hi:g} leaves the parameter's allowed range {rng} ({m.get('unit') or 'number'})"
            )
            continue
        shape = "integer" if integer else "loguniform" if lo > 0 and hi / lo >= 10.0 else "uniform"
        out.append(FreeParameter(path, shape, float(lo), float(hi), kind, m.get("unit", ""), base_value, base_text))
    if problems:
        raise ValueError("\n".join(problems))
    return out


# ---------------------------------------------------------------------------
# statistics of a particle
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


def _column_means(stats: np.ndarray) -> np.ndarray:
    """Mean of each column over its finite values (NaN where none is finite)."""
    ok = np.isfinite(stats)
    n = ok.sum(axis=0)
    total = np.where(ok, stats, 0.0).sum(axis=0)
    return np.where(n > 0, total / np.maximum(n, 1), np.nan)


#: a stand-in for the engine: (fitted values by path, seed, replications) -> statistics (replications, targets)
Simulator = Callable[[dict[str, float], int, int], np.ndarray]


def _job(blob: str, seed: int, rep: int, targets: tuple[Target, ...]) -> np.ndarray:
    scenario = Scenario.model_validate_json(blob)
    r = simulate(scenario, seed, rep)
    return statistic_values(r, targets, _horizon(scenario, r))


class _Model:
    """A particle's statistics: replications 0..R-1 of the root seed (common random numbers).

    ``simulator`` (optional) replaces careersim's engine: ``simulator(values, seed, replications)``
    returns the targets' statistics per replication, shape (replications, targets), for the fitted
    parameters' values by path (used to check the ABC on problems whose posterior is known)."""

    def __init__(
        self,
        base: Scenario | None,
        params: Sequence[FreeParameter],
        targets: Sequence[Target],
        seed: int,
        replications: int,
        simulator: Simulator | None = None,
    ) -> None:
        self.base, self.params, self.targets = base, list(params), tuple(targets)
        self.seed, self.replications = int(seed), int(replications)
        self.simulator = simulator

    def values(self, par: Mapping[str, float]) -> dict[str, float]:
        return {p.path: p.value(par[p.name]) for p in self.params}

    def __call__(self, par: Mapping[str, float]) -> dict[str, np.ndarray]:
        if self.simulator is not None:
            reps = np.asarray(self.simulator(self.values(par), self.seed, self.replications), dtype=float)
            reps = reps.reshape(self.replications, len(self.targets))
            return {"mean": _column_means(reps), "reps": reps}
        try:
            scenario = self.base.with_changes(self.values(par))
        except (ValidationError, ValueError):  # an inconsistent combination: never accepted
            nan = np.full(len(self.targets), np.nan)
            return {"mean": nan, "reps": np.full((self.replications, len(self.targets)), np.nan)}
        reps = np.empty((self.replications, len(self.targets)))
        for r in range(self.replications):
            rep = simulate(scenario, self.seed, r)
            reps[r] = statistic_values(rep, self.targets, _horizon(scenario, rep))
        return {"mean": _column_means(reps), "reps": reps}


class _Distance:
    """``sqrt(sum w ((mean - value) / sd)^2)`` over the fitted targets (inf if any is undefined)."""

    def __init__(self, targets: Sequence[Target]) -> None:
        self.index = np.array([k for k, t in enumerate(targets) if t.fitted], dtype=np.int64)
        self.value = np.array([targets[k].value for k in self.index])
        self.sd = np.array([targets[k].sd for k in self.index])
        self.weight = np.array([targets[k].weight for k in self.index])

    def z(self, means: np.ndarray) -> np.ndarray:
        return (np.asarray(means, dtype=float)[self.index] - self.value) / self.sd

    def __call__(self, x: Mapping[str, Any], x0: Mapping[str, Any] | None = None) -> float:
        z = self.z(x["mean"])
        if not np.all(np.isfinite(z)):
            return math.inf
        return float(math.sqrt(np.sum(self.weight * z * z)))


def target_tolerance(targets: Sequence[Target]) -> float:
    """``sqrt(chi2_0.95(k))`` for ``k`` fitted targets: the distance within which the model's statistics
    are jointly consistent with the published figures at the 95% level."""
    from scipy.stats import chi2

    k = sum(1 for t in targets if t.fitted)
    return float(math.sqrt(chi2.ppf(0.95, max(1, k))))


# ---------------------------------------------------------------------------
# settings, resume and the code's key
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """How a calibration runs. ``generations`` counts generation 0 and every stored one."""

    population: int = 100
    generations: int = 10
    replications: int = 4
    seed: int = 1
    workers: int | None = None
    predictive: int = 100
    min_acceptance: float = MIN_ACCEPTANCE

    def check(self) -> None:
        if self.population < 10:
            raise ValueError(f"population: got {self.population} (expected at least 10 particles)")
        if self.generations < 1:
            raise ValueError(f"generations: got {self.generations} (expected at least 1)")
        if self.replications < 1:
            raise ValueError(f"replications: got {self.replications} (expected at least 1)")
        if self.predictive < 10:
            raise ValueError(f"predictive: got {self.predictive} (expected at least 10 replications)")
        if not 0 < self.min_acceptance < 1:
            raise ValueError(f"min_acceptance: got {self.min_acceptance} (expected a share between 0 and 1)")


def code_key() -> str:
    """A key of the model's code (core, config, engine and analysis sources): a calibration resumes
    only on the code it started with."""

    pkg = Path(__file__).resolve().parent.parent
    return key([p for layer in ("core", "config", "engine", "analysis") for p in sources(pkg / layer)], __version__)


def _target_record(t: Target) -> dict[str, Any]:
    return {
        "name": t.name,
        "statistic": t.statistic,
        "options": t.options,
        "value": t.value,
        "sd": t.sd,
        "range": list(t.range) if t.range else None,
        "weight": t.weight,
        "role": t.role,
        "source": t.source,
        "needs": t.needs,
    }


def _key_record(
    base: Scenario | None,
    targets: Sequence[Target],
    params: Sequence[FreeParameter],
    s: Settings,
    simulator: Simulator | None = None,
) -> dict[str, Any]:
    """What must be equal for a calibration to continue: base, targets, priors, particles and code."""
    return jsonable(
        {
            "base_scenario_sha256": base.hash()
            if simulator is None
            else str(getattr(simulator, "key", repr(simulator))),
            "targets": [_target_record(t) for t in targets],
            "parameters": [{"path": p.path, "prior": p.prior_text()} for p in params],
            "population": s.population,
            "replications": s.replications,
            "seed": s.seed,
            "code": code_key() if simulator is None else "simulator",
        }
    )


def _differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    names = {
        "base_scenario_sha256": "the base scenario",
        "targets": "the targets",
        "parameters": "the fitted parameters or priors",
        "population": "--population",
        "replications": "--replications",
        "seed": "--seed",
        "code": "the model's code",
    }
    return [names.get(k, k) for k in new if old.get(k) != new.get(k)]


# ---------------------------------------------------------------------------
# the calibration
# ---------------------------------------------------------------------------


@dataclass
class Generation:
    t: int
    epsilon: float
    accepted: int
    evaluations: int
    seconds: float
    ess: float

    @property
    def acceptance_rate(self) -> float:
        return self.accepted / self.evaluations if self.evaluations else math.nan


@dataclass
class Calibration:
    """A finished (or stopped) calibration: the posterior, the predictions and how it ran."""

    base: Scenario
    targets: list[Target]
    params: list[FreeParameter]
    settings: Settings
    tolerance: float
    generations: list[Generation]
    stop_reason: str
    values: np.ndarray  # posterior particles (n, parameters), canonical units
    weights: np.ndarray
    distances: np.ndarray
    means: np.ndarray  # (n, targets): each particle's statistics on the common random numbers
    prior_means: np.ndarray  # (n0, targets): generation 0 (the prior sample)
    predictive: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (M, targets)
    seconds: float = 0.0
    resumed_from: int = 0  # generations stored before this call
    wasted: int = 0

    @property
    def reached(self) -> bool:
        return bool(self.generations) and self.generations[-1].epsilon <= self.tolerance * (1 + 1e-12)

    @property
    def evaluations(self) -> int:
        return sum(g.evaluations for g in self.generations)

    @property
    def simulations(self) -> int:
        """Replications simulated for the fit (every evaluated particle) and for the predictions."""
        return self.evaluations * self.settings.replications + len(self.predictive)


class _Tolerance:
    """pyabc epsilon: generation 0 accepts all; then the weighted median of the previous
    generation's finite distances, never below the target tolerance."""

    def __new__(cls, floor: float, pyabc):
        base = pyabc.epsilon.QuantileEpsilon

        class Tolerance(base):
            def __init__(self, floor: float) -> None:
                super().__init__(initial_epsilon=np.inf, alpha=0.5, weighted=True)
                self.floor = float(floor)

            def requires_calibration(self) -> bool:
                return False

            def initialize(self, t, get_weighted_distances, get_all_records, max_nr_populations, acceptor_config):
                if t == 0:
                    self._look_up = {0: np.inf}
                else:  # continuing a stored calibration: from the last stored generation
                    self._update(t, get_weighted_distances())

            def _update(self, t, weighted_distances):
                finite = np.isfinite(weighted_distances["distance"].to_numpy(float))
                if not finite.any():
                    raise CalibrationError(
                        "no particle of the last generation gives every fitted statistic a value "
                        "(check the targets' options and the scenario's horizon)"
                    )
                super()._update(t, weighted_distances[finite].copy())
                self._look_up[t] = max(float(self._look_up[t]), self.floor)

        return Tolerance(floor)


def _transitions(pyabc, params: Sequence[FreeParameter]):
    tr = pyabc.transition
    cont = tuple(p.name for p in params if not p.integer)
    ints = [p for p in params if p.integer]
    if not ints:
        return tr.MultivariateNormalTransition()
    mapping: dict[Any, Any] = {}
    if cont:
        mapping[cont] = tr.MultivariateNormalTransition()
    for p in ints:
        mapping[p.name] = tr.DiscreteJumpTransition(domain=np.arange(int(p.lo), int(p.hi) + 1), p_stay=INTEGER_STAY)
    return tr.AggregatedTransition(mapping=mapping)


def _population_arrays(population, params: Sequence[FreeParameter], n_targets: int):
    particles = list(population.particles)
    values = np.array([[p.value(pt.parameter[p.name]) for p in params] for pt in particles], dtype=float)
    weights = np.array([pt.weight for pt in particles], dtype=float)
    distances = np.array([pt.distance for pt in particles], dtype=float)
    means = np.array([np.asarray(pt.sum_stat["mean"], dtype=float) for pt in particles]).reshape(
        len(particles), n_targets
    )
    return values, weights / weights.sum(), distances, means


def _ess(w: np.ndarray) -> float:
    w = np.asarray(w, dtype=float)
    return float(w.sum() ** 2 / np.sum(w * w)) if w.size else math.nan


def _generations(history) -> list[Generation]:
    pops = history.get_all_populations()
    out = []
    for _, row in pops.iterrows():
        t = int(row["t"])
        if t < 0:  # pyabc's calibration row
            continue
        _, w = history.get_distribution(m=0, t=t)
        out.append(
            Generation(
                t=t,
                epsilon=float(row["epsilon"]),
                accepted=int(row["particles"]),
                evaluations=int(row["samples"]),
                seconds=float(row.get("wall_time") or 0.0),
                ess=_ess(w),
            )
        )
    return out


def _ignore_sigint_in_children(parent: int):
    """A SIGINT handler that raises KeyboardInterrupt in this process and does nothing in forked children."""

    def handler(signum, frame):  # noqa: ARG001
        if os.getpid() == parent:
            raise KeyboardInterrupt

    return handler


def calibrate(
    base: Scenario | None,
    targets: Sequence[Target],
    params: Sequence[FreeParameter],
    settings: Settings,
    out_dir: Path,
    *,
    restart: bool = False,
    progress: Any = None,
    deadline: float | None = None,
    simulator: Simulator | None = None,
) -> Calibration:
    """Run (or continue) an ABC-SMC calibration whose history lives in ``out_dir`` (see the module docstring).

    ``progress`` may have methods ``message(text)``, ``generation_start(t, eps, n, expected, seconds)``,
    ``particle(evaluated, accepted)`` and ``generation_end(generation)``; each is optional.
    Ctrl-C (KeyboardInterrupt) leaves every finished generation stored; calling again continues.

    ``deadline`` (a ``time.time()``) budgets the wall clock, the posterior predictive included: a
    generation starts only if its estimated time fits before the deadline, and is cut off (and not
    stored) once its evaluations would overrun it; the stop reason is then ``time``. ``simulator``
    replaces the engine (see :class:`_Model`; ``base`` may then be None)."""
    settings.check()
    targets = list(targets)
    params = list(params)
    if not any(t.fitted for t in targets):
        raise CalibrationError("no target to fit (expected at least one target with role fit and a positive weight)")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if base is None and simulator is None:
        raise CalibrationError(
            "no base scenario to calibrate (expected a scenario, or a simulator standing in for the engine)"
        )
    base = without_posterior(base)
    record = _key_record(base, targets, params, settings, simulator)
    db, state = out_dir / DB, out_dir / STATE
    if restart:
        for f in (db, state):
            with contextlib.suppress(FileNotFoundError):
                f.unlink()
    resume = db.exists() and state.exists()
    if resume:
        old = json.loads(state.read_text())
        diff = _differences(old.get("key", {}), record)
        if diff:
            raise CalibrationError(
                f"{out_dir} holds a calibration with different settings ({', '.join(diff)} changed); "
                "run it with its own settings to continue it, pass --restart to start afresh, or choose another --out"
            )
    elif db.exists():
        db.unlink()  # a history without its settings (the first generation never finished): start afresh
    if not resume:
        write_json(state, {"key": record, "started_utc": utc_now(), "careersim_version": __version__}, indent=2)

    def say(text: str) -> None:
        if progress is not None and hasattr(progress, "message"):
            progress.message(text)

    pyabc = load_pyabc_quietly()

    tolerance = target_tolerance(targets)
    model = _Model(base, params, targets, settings.seed, settings.replications, simulator)
    distance = _Distance(targets)
    workers = default_workers(settings.workers)
    started = time.time()
    timing = {"per_eval": math.nan, "rates": []}

    def expected_rate(t: int) -> float:
        """A guess at generation t's acceptance rate: all at generation 0; about half at the first
        narrowing (the tolerance is the median of the previous distances); then falling as the last did."""
        rates = timing["rates"]
        if t == 0:
            return 1.0
        if len(rates) < 2 or rates[-2] >= 0.999:
            return 0.5 if not rates or rates[-1] >= 0.999 else rates[-1]
        return max(1e-3, rates[-1] * min(1.0, rates[-1] / rates[-2]))

    def on_start(t: int, n: int) -> None:
        if progress is not None and hasattr(progress, "generation_start"):
            expected = n / expected_rate(t)
            seconds = expected * timing["per_eval"] if math.isfinite(timing["per_eval"]) else math.nan
            progress.generation_start(t, float(abc.eps(t)), n, expected, seconds)

    def on_result(evaluated: int, accepted: int) -> None:
        if progress is not None and hasattr(progress, "particle"):
            progress.particle(evaluated, accepted)

    sampler = ForkSampler(workers=workers, seed=settings.seed, on_start=on_start, on_result=on_result)
    prior = pyabc.Distribution(**{p.name: p.rv(pyabc) for p in params})
    abc = pyabc.ABCSMC(
        model,
        prior,
        distance,
        population_size=settings.population,
        transitions=_transitions(pyabc, params),
        eps=_Tolerance(tolerance, pyabc),
        sampler=sampler,
    )
    url = "sqlite:///" + str(db.resolve())
    n_targets = len(targets)
    x0 = {"mean": np.array([t.value for t in targets], dtype=float)}
    if resume:
        abc.load(url, 1)
    else:
        abc.new(url, x0)
    history = abc.history
    done_before = _generations(history) if resume else []
    stop_reason = ""
    if done_before and done_before[-1].epsilon <= tolerance * (1 + 1e-12):
        stop_reason = "reached"
    elif len(done_before) >= settings.generations:
        stop_reason = "generations"
    if done_before:
        g = done_before[-1]
        timing["per_eval"] = g.seconds / max(g.evaluations, 1)
        timing["rates"] = [x.acceptance_rate for x in done_before]
        say(
            f"Continuing the calibration in {out_dir} after generation {g.t} (tolerance {g.epsilon:.3g}; target {tolerance:.3g})."
        )
    wasted = 0

    def reserve() -> float:
        """Seconds kept for the posterior predictive: M replications at the measured time per replication."""
        per_eval = timing["per_eval"]
        if not math.isfinite(per_eval):
            return 0.0
        return 1.2 * settings.predictive * per_eval / settings.replications + 10.0

    if not stop_reason:
        if simulator is None:
            warm_up()  # compile the engine here, before any worker is forked
        parent = os.getpid()
        previous = signal.signal(signal.SIGINT, _ignore_sigint_in_children(parent))
        try:
            t0 = abc.initialize_components_before_run(
                minimum_epsilon=tolerance,
                max_nr_populations=settings.generations - len(done_before),
                min_acceptance_rate=settings.min_acceptance,
                max_total_nr_simulations=np.inf,
                max_walltime=None,
                min_eps_diff=0.0,
            )
            for t in range(t0, settings.generations):
                eps_t = float(abc.eps(t))
                sampler.stop_at = None
                if deadline is not None and math.isfinite(timing["per_eval"]):
                    remaining = deadline - time.time() - reserve()
                    expected = settings.population / expected_rate(t) * timing["per_eval"]
                    if expected > remaining:
                        stop_reason = "time"
                        break
                    sampler.stop_at = deadline - reserve()
                elif deadline is not None:  # nothing measured yet: the prior generation may use the whole budget
                    sampler.stop_at = deadline
                ret = abc.run_generation(t)
                wasted += sampler.wasted_
                if not ret["successful"]:
                    stop_reason = "time" if sampler.out_of_time_ else "acceptance"
                    break
                g = _generations(history)[-1]
                timing["per_eval"] = g.seconds / max(g.evaluations, 1)
                timing["rates"].append(g.acceptance_rate)
                if progress is not None and hasattr(progress, "generation_end"):
                    progress.generation_end(g)
                if eps_t <= tolerance * (1 + 1e-12):
                    stop_reason = "reached"
                    break
            else:
                stop_reason = "generations"
        finally:
            signal.signal(signal.SIGINT, previous)
            with contextlib.suppress(Exception):
                history.done()
    gens = _generations(history)
    if not gens:
        raise CalibrationError(
            "no generation finished (expected at least the prior sample, generation 0"
            + ("; the time limit ran out first: allow more time or fewer particles)" if stop_reason == "time" else ")")
        )
    last = history.get_population(t=gens[-1].t)
    values, weights, distances, means = _population_arrays(last, params, n_targets)
    _, _, _, prior_means = _population_arrays(history.get_population(t=0), params, n_targets)
    return Calibration(
        base=base,
        targets=targets,
        params=params,
        settings=settings,
        tolerance=tolerance,
        generations=gens,
        stop_reason=stop_reason,
        values=values,
        weights=weights,
        distances=distances,
        means=means,
        prior_means=prior_means,
        seconds=round(time.time() - started, 3),
        resumed_from=len(done_before),
        wasted=wasted,
    )


def install_posterior(out_dir: Path, target: Path) -> Path:
    """Copy a calibration's posterior to ``target`` (atomically: a scenario reading it sees the old file or the
    new one, never a part), after checking that it reads back as a posterior."""

    source = Path(out_dir) / POSTERIOR
    read_posterior(source, numeric_parameters())
    return write_bytes(Path(target), source.read_bytes())


def load_pyabc_quietly():

    return load_pyabc()


# ---------------------------------------------------------------------------
# posterior predictive, coverage and conflicts
# ---------------------------------------------------------------------------


def _posterior_meta(cal: Calibration, base_ref: str | None, analysis: dict[str, Any] | None) -> dict[str, Any]:
    s = cal.settings
    meta = {
        "careersim_version": __version__,
        "date_utc": utc_now(),
        "base_scenario": base_ref,
        "base_scenario_name": cal.base.name,
        "base_scenario_sha256": cal.base.hash(),
        "targets": [_target_record(t) for t in cal.targets],
        "parameters": [{"path": p.path, "prior": p.prior_text(), "unit": p.unit} for p in cal.params],
        "tolerance": cal.tolerance,
        "tolerance_reached": cal.reached,
        "final_epsilon": cal.generations[-1].epsilon,
        "generations": len(cal.generations),
        "population": s.population,
        "replications_per_particle": s.replications,
        "seed": s.seed,
        "method": "ABC-SMC (pyabc) on common random numbers; see docs/calibration.md",
    }
    if analysis is not None:
        meta["holdout"] = analysis["holdout"]
        meta["unreached"] = analysis["unreached"]
        meta["predictive_replications"] = s.predictive
    return meta


def _mixture_interval(x: np.ndarray, sd: float, level: float = 0.95) -> tuple[float, float]:
    """Central interval of the equal-weight mixture of N(x_j, sd^2) (bisection on its CDF)."""
    from scipy.stats import norm

    x = x[np.isfinite(x)]
    if x.size == 0:
        return math.nan, math.nan
    if sd <= 0:
        lo, hi = np.quantile(x, [(1 - level) / 2, (1 + level) / 2])
        return float(lo), float(hi)

    def quantile(p: float) -> float:
        a, b = float(x.min() - 10 * sd), float(x.max() + 10 * sd)
        for _ in range(100):
            m = (a + b) / 2
            if float(np.mean(norm.cdf((m - x) / sd))) < p:
                a = m
            else:
                b = m
        return (a + b) / 2

    return quantile((1 - level) / 2), quantile((1 + level) / 2)


def predict(cal: Calibration, posterior_file: Path, workers: int | None = None, progress: Any = None) -> np.ndarray:
    """The targets' statistics in ``settings.predictive`` replications of the calibrated scenario
    (the base drawing its fitted parameters from ``posterior_file``), on replications ``R..R+M-1``."""
    scenario = cal.base.with_changes({"calibration": {"posterior": str(Path(posterior_file).resolve())}})
    s = cal.settings
    blob = scenario.model_dump_json()
    tasks = [(blob, s.seed, s.replications + j, tuple(cal.targets)) for j in range(s.predictive)]
    workers = default_workers(workers if workers is not None else s.workers)
    if workers > 1:
        with Pool(workers) as pool:
            rows = run_tasks(_job, tasks, pool=pool, progress=progress)
    else:
        rows = run_tasks(_job, tasks, 1, progress=progress)
    return np.vstack(rows) if rows else np.zeros((0, len(cal.targets)))


def analyse(cal: Calibration) -> dict[str, Any]:
    """Per target: the model under the posterior, the predictive interval, coverage; and the conflicts."""
    rows = []
    for k, t in enumerate(cal.targets):
        x = cal.predictive[:, k] if cal.predictive.size else np.zeros(0)
        xf = x[np.isfinite(x)]
        fit_mean = cal.means[:, k]
        ok = np.isfinite(fit_mean)
        model_mean = float(np.sum(cal.weights[ok] * fit_mean[ok]) / np.sum(cal.weights[ok])) if ok.any() else math.nan
        if xf.size:
            lo, hi = (float(v) for v in np.quantile(xf, [0.025, 0.975]))
            plo, phi = _mixture_interval(xf, t.sd)
            mean = float(xf.mean())
            z = (t.value - mean) / math.sqrt(float(xf.var()) + t.sd**2)
            inside = (
                None if t.needs else bool(plo <= t.value <= phi)
            )  # a target the engine cannot compute yet is not scored
        else:
            lo = hi = plo = phi = mean = z = math.nan
            inside = None
        rows.append(
            {
                **_target_record(t),
                "unit": STATISTICS[t.statistic].unit,
                "note": t.note,
                "if_missed": STATISTICS[t.statistic].if_missed,
                "model_posterior_mean": model_mean,
                "prior_mean": float(np.nanmean(cal.prior_means[:, k]))
                if np.isfinite(cal.prior_means[:, k]).any()
                else math.nan,
                "predictive": {
                    "mean": mean,
                    "low": lo,
                    "high": hi,
                    "published_low": plo,
                    "published_high": phi,
                    "n": int(xf.size),
                },
                "z": z,
                "inside": inside,
            }
        )
    held = [r for r in rows if r["role"] == "holdout" and not r["needs"]]
    judged = [r for r in held if r["inside"] is not None]
    holdout = {
        "n": len(judged),
        "covered": sum(1 for r in judged if r["inside"]),
        "inside": [r["name"] for r in judged if r["inside"]],
        "outside": [r["name"] for r in judged if not r["inside"]],
        "undefined": [r["name"] for r in held if r["inside"] is None],
    }
    unreached = [
        r["name"] for r in rows if r["role"] == "fit" and r["weight"] > 0 and not r["needs"] and r["inside"] is False
    ]
    return {"targets": rows, "holdout": holdout, "unreached": unreached, "conflicts": conflicts(cal)}


def conflicts(cal: Calibration, z_limit: float = 1.959963984540054) -> dict[str, Any]:
    """From the prior sample: which fitted targets each prior draw matches alone and in pairs. A pair
    *conflicts* when no draw matches both although, were the two matches independent, at least
    :data:`CONFLICT_EXPECTED` draws would (so a small prior sample flags nothing by chance)."""
    fit = [k for k, t in enumerate(cal.targets) if t.fitted]
    m = cal.prior_means
    n = len(m)
    match = {}
    for k in fit:
        t = cal.targets[k]
        z = (m[:, k] - t.value) / t.sd
        match[k] = np.isfinite(z) & (np.abs(z) <= z_limit)
    alone = {cal.targets[k].name: float(match[k].mean()) if n else math.nan for k in fit}
    pairs = []
    for a_i, a in enumerate(fit):
        for b in fit[a_i + 1 :]:
            both = float((match[a] & match[b]).mean()) if n else math.nan
            pa, pb = alone[cal.targets[a].name], alone[cal.targets[b].name]
            expected = n * pa * pb if n else 0.0  # draws matching both were the two matches independent
            pairs.append(
                {
                    "a": cal.targets[a].name,
                    "b": cal.targets[b].name,
                    "a_alone": pa,
                    "b_alone": pb,
                    "together": both,
                    "expected_together": expected,
                    # never together although independence would give 5 or more (a chance of under 1% of none)
                    "conflict": bool(both == 0 and expected >= CONFLICT_EXPECTED),
                }
            )
    all_fit = np.all(np.column_stack([match[k] for k in fit]), axis=1) if fit and n else np.zeros(0, dtype=bool)
    return {
        "prior_draws": n,
        "alone": alone,
        "pairs": pairs,
        "out_of_reach": [name for name, share in alone.items() if share == 0],
        "all_together": float(all_fit.mean()) if n else math.nan,
    }


def parameter_rows(cal: Calibration) -> list[dict[str, Any]]:
    rows = []
    for k, p in enumerate(cal.params):
        x = cal.values[:, k]
        lo, med, hi = weighted_quantiles(x, cal.weights, [0.025, 0.5, 0.975])
        if p.integer:  # the 95% interval reaches a bound of the prior
            at_bound = bool(lo <= p.lo or hi >= p.hi)
        elif p.log:  # within 2% of the prior's width, on its scale
            width = math.log(p.hi / p.lo)
            at_bound = bool(math.log(lo / p.lo) <= 0.02 * width or math.log(p.hi / hi) <= 0.02 * width)
        else:
            width = p.hi - p.lo
            at_bound = bool(lo - p.lo <= 0.02 * width or p.hi - hi <= 0.02 * width)
        rows.append(
            {
                "path": p.path,
                "unit": p.unit,
                "kind": p.kind,
                "prior": p.prior_text(),
                "shape": p.shape,
                "low_bound": p.lo,
                "high_bound": p.hi,
                "base": p.base if p.base is not None else p.base_text,
                "note": p.note,
                "mean": float(np.sum(cal.weights * x)),
                "median": med,
                "low": lo,
                "high": hi,
                "at_bound": at_bound,
            }
        )
    return rows


# ---------------------------------------------------------------------------
# outputs
# ---------------------------------------------------------------------------


def fit_json(
    cal: Calibration,
    analysis: dict[str, Any],
    *,
    targets_file: Path | None = None,
    base_ref: str | None = None,
    command: str | None = None,
    posterior_sha256: str | None = None,
) -> dict[str, Any]:
    """Everything about the calibration as JSON-able data (NaN/inf become null)."""
    s = cal.settings
    return jsonable(
        {
            "provenance": {
                "careersim_version": __version__,
                "command": command if command is not None else command_line(),
                "date_utc": utc_now(),
                "base_scenario": base_ref,
                "base_scenario_sha256": cal.base.hash(),
                "targets_file": str(targets_file) if targets_file else None,
                "targets_sha256": _sha256_file(targets_file),
                "posterior_sha256": posterior_sha256,
                "seed": s.seed,
                "population": s.population,
                "replications": s.replications,
                "generations_max": s.generations,
                "predictive_replications": s.predictive,
                "workers": default_workers(s.workers),
                "evaluations": cal.evaluations,
                "simulations": cal.simulations,
                "wall_seconds": cal.seconds,
                "abc_seconds": round(
                    sum(g.seconds for g in cal.generations), 3
                ),  # every generation, over resumed calls too
                "resumed_after_generation": cal.resumed_from - 1 if cal.resumed_from else None,
                **software("scipy", "pyabc"),
            },
            "method": {
                "distance": "sqrt(sum over fitted targets of weight * ((model mean - value) / sd)^2); range -> sd = half-width / 1.96",
                "common_random_numbers": f"every particle runs replications 0..{s.replications - 1} of seed {s.seed}",
                "abc": "ABC-SMC (pyabc): generation 0 from the prior; then the weighted median of the previous distances, "
                "never below the target tolerance sqrt(chi2_0.95(k)); stop after the first generation at it",
                "predictive": f"{s.predictive} replications of the calibrated scenario (replications {s.replications}.."
                f"{s.replications + s.predictive - 1}), each drawing one joint posterior sample; a published value is "
                "covered when inside the 95% interval of the model's statistic plus its own uncertainty (normal, sd)",
            },
            "tolerance": {
                "target": cal.tolerance,
                "final": cal.generations[-1].epsilon,
                "reached": cal.reached,
                "stop_reason": cal.stop_reason,
            },
            "generations": [
                {
                    "t": g.t,
                    "epsilon": g.epsilon,
                    "accepted": g.accepted,
                    "evaluations": g.evaluations,
                    "acceptance_rate": g.acceptance_rate,
                    "ess": g.ess,
                    "seconds": g.seconds,
                    "simulations": g.evaluations * s.replications,
                }
                for g in cal.generations
            ],
            "parameters": parameter_rows(cal),
            "targets": analysis["targets"],
            "holdout": analysis["holdout"],
            "unreached": analysis["unreached"],
            "conflicts": analysis["conflicts"],
            "posterior": {"file": POSTERIOR, "samples": int(len(cal.weights)), "ess": _ess(cal.weights)},
        }
    )


def _sha256_file(path: Path | None) -> str | None:
    if path is None or not Path(path).is_file():
        return None
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def without_posterior(base: Scenario | None) -> Scenario | None:
    """The base a calibration starts from: without any posterior it names, since a calibration fits
    its parameters afresh (a posterior would replace every particle's values)."""
    if base is None or base.calibration.posterior is None:
        return base
    return base.with_changes({"calibration": {"posterior": None}})


def calibrated_yaml(cal: Calibration, base_ref: str | None) -> str:
    """The calibrated scenario: the base (``extends``) drawing its fitted parameters from the posterior."""
    names = ", ".join(p.path for p in cal.params)
    head = [
        f"# careersim scenario '{cal.base.name}-calibrated': written by careersim calibrate.",
        f"# Each replication draws one joint sample of {names}",
        f"# from {POSTERIOR} (weighted ABC-SMC particles fitted to {sum(t.fitted for t in cal.targets)} published targets);",
        "# see fit.json and report.html beside this file.",
    ]
    desc = f"{cal.base.name} with {names} drawn from the calibration's posterior."
    body = [
        f"name: {json.dumps(cal.base.name + '-calibrated')}",
        f"description: {json.dumps(desc)}",
        "calibration:",
        f"  posterior: {POSTERIOR}",
    ]
    if base_ref is not None:
        return "\n".join(head + [f"extends: {json.dumps(base_ref)}"] + body) + "\n"
    # the fitted parameters at the schema's defaults: the posterior replaces them, and a scenario naming a
    # posterior may not set them to other values (careersim.config.scenarios)
    defaults = baseline()
    plain = cal.base.with_changes({p.path: get_path(defaults, p.path) for p in cal.params})
    full = dump_scenario(plain.model_copy(update={"name": cal.base.name + "-calibrated", "description": desc}))
    return "\n".join(head) + "\n" + full + "\n".join(body[2:]) + "\n"


def write_outputs(
    cal: Calibration,
    out_dir: Path,
    *,
    base_ref: str | None = None,
    targets_file: Path | None = None,
    command: str | None = None,
    workers: int | None = None,
    progress: Any = None,
) -> dict[str, Any]:
    """Predict, analyse and write ``posterior.parquet``, ``calibrated.yaml`` and ``fit.json`` into ``out_dir``
    (each file written whole; the page is :func:`careersim.reporting.calibration_page.write_report`).

    ``base_ref`` is what ``calibrated.yaml`` extends, relative to ``out_dir`` (or a shipped
    scenario name); the file is checked to load back, else the base is written out in full."""
    out_dir = Path(out_dir)
    integer = [p.path for p in cal.params if p.integer]
    columns = {p.path: cal.values[:, k] for k, p in enumerate(cal.params)}
    draft = out_dir / f".{POSTERIOR}.draft"
    try:
        write_posterior(
            draft, columns, cal.weights, _posterior_meta(cal, base_ref, None), {"distance": cal.distances}, integer
        )
        cal.predictive = predict(cal, draft, workers, progress)
    finally:
        with contextlib.suppress(FileNotFoundError):
            draft.unlink()
    analysis = analyse(cal)
    final = write_posterior(
        out_dir / POSTERIOR,
        columns,
        cal.weights,
        _posterior_meta(cal, base_ref, analysis),
        {"distance": cal.distances},
        integer,
    )
    sha = hashlib.sha256(final.read_bytes()).hexdigest()
    path = write_text(out_dir / SCENARIO, calibrated_yaml(cal, base_ref))
    try:
        ok = load_scenario(path).calibration.posterior is not None
    except ScenarioError:
        ok = False
    if not ok:
        write_text(path, calibrated_yaml(cal, None))
        base_ref = None
    data = fit_json(cal, analysis, targets_file=targets_file, base_ref=base_ref, command=command, posterior_sha256=sha)
    write_json(out_dir / FIT, data, indent=2)
    return data


def clear_outputs(out_dir: Path) -> None:
    """Remove a calibration folder's files (for ``--restart``); the folder itself stays."""
    for name in (DB, STATE, POSTERIOR, FIT, SCENARIO, REPORT):
        with contextlib.suppress(FileNotFoundError):
            (Path(out_dir) / name).unlink()


def is_calibration_folder(out: Path) -> bool:
    """Whether ``out`` holds (part of) a calibration, which a calibration may continue or replace."""
    return any((Path(out) / name).exists() for name in (DB, STATE, FIT))
