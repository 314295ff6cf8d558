"""Which factors drive each outcome, how much is chance, and whether the indices can be trusted.

:func:`analyze` reads the merged results of a sweep and returns, per outcome:

* **what the runs gave**: how many runs gave a finite value, and how many an
  infinite one (a ratio over zero), an undefined one (NaN: nothing to
  measure) or failed. Only finite values are analysed; a point's mean is the
  mean of its finite runs.

* **variance split** between the parameters and chance. With common seeding
  (every point uses the same random numbers, the default) the runs form a
  points x replications table and the variance of a run splits three ways
  (two-way analysis of variance without interaction): the parameters (the
  points' own effect), chance shared by every point (a replication's draws
  that do not depend on the parameters, such as when transformative AI
  arrives) and chance particular to a point. With independent seeding there
  is no shared part: chance is the variance between replications of a point.
  The indices divide the variance of the *point means* (the mean over the R
  replications), which still carries the particular chance divided by R; so
  the share that matters for them is

      rho = parameter variance / variance of the point means,

  given with a 95% percentile bootstrap interval over points
  (:data:`SHARE_RESAMPLES` resamples).

* **indices**, only when the parameters explain at least half of the
  variance of the point means (rho's interval at or above
  :data:`MIN_PARAMETER_SHARE`). Below that, chance would be the larger part
  of what the indices divide up, and an index could not be told from chance
  attributed to a factor; the analysis then says "chance dominates" (the
  whole interval below one half) or "too uncertain" (the interval straddles
  one half), and how many replications would bring rho to 0.8. With one
  replication per point chance cannot be measured: the indices are shown
  with that warning. By design:

  - ``saltelli``: Sobol' first-order (S1) and total (ST) indices with 95%
    bootstrap intervals (SALib ``sobol.analyze``; Saltelli et al. 2010,
    doi:10.1016/j.cpc.2009.09.018), on the mean outcome per point. Needs
    every point; with points missing it falls back to the given-data method.
  - ``morris``: elementary effects mu*, mu and sigma with a 95% interval of
    mu* (SALib ``morris.analyze``; Campolongo et al. 2007,
    doi:10.1016/j.envsoft.2006.10.004), per unit of the factor's range.
  - any other design, or an incomplete one: given-data estimates on whatever
    points completed: a first-order index S1 as the correlation ratio
    Var(E[Y | X_i]) / Var(Y) over bins of X_i (the factor's own values when
    it has few, else quantile bins), with a bootstrap interval over points,
    and the PAWN index (median Kolmogorov-Smirnov distance between the
    conditional and unconditional output distributions; SALib
    ``pawn.analyze``; Pianosi & Wagener 2015, doi:10.1016/j.envsoft.2015.01.004).

* **warnings** on the indices: S1 above ST (impossible in theory, so
  estimation error), negative indices (likewise), and 95% intervals wider
  than the estimate (the index cannot be told from zero).

* **convergence**: the indices are computed again on the first half of the
  sample (half of Saltelli's base points or of Morris' trajectories; a
  seeded random half of the points for given-data estimates) and compared
  with the full sample (the "doubling" check of Sarrazin et al. 2016,
  doi:10.1016/j.envsoft.2016.02.005). Converged when no index moved by
  more than :data:`CONVERGENCE_CHANGE` and every 95% interval is at most
  :data:`CONVERGENCE_HALF_WIDTH` either side (Morris' mu* taken relative to
  the largest mu*); "ranking stable" when only the most influential factor
  is the same in both.

* **scenario discovery** and **robustness** for thresholded outcomes and
  for sweeps with levers and uncertainties: see
  :mod:`careersim.experiments.sweep.discovery` and
  :mod:`careersim.experiments.sweep.robustness`.

No library warning reaches the terminal: those raised during the analysis
are kept in the analysis (``library_warnings``) instead.
"""

from __future__ import annotations

import contextlib
import io
import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from careersim.config.sweeps import evaluate_expression
from careersim.experiments.sweep.discovery import discover, is_binary
from careersim.experiments.sweep.robustness import robustness

__all__ = [
    "analyze",
    "variance_split",
    "attribution",
    "given_data_s1",
    "indices",
    "index_warnings",
    "convergence",
    "outcome_values",
    "factor_matrix",
    "MIN_PARAMETER_SHARE",
]

#: resamples for the indices' own bootstrap intervals (SALib's ``num_resamples``)
BOOTSTRAP = 200
#: resamples of points for the interval of the parameters' share of the variance
SHARE_RESAMPLES = 1000
ANALYSIS_SEED = 12345
#: indices are shown when the parameters explain at least this share of the variance of the
#: point means, with 95% confidence (the lower end of the bootstrap interval)
MIN_PARAMETER_SHARE = 0.5
#: the share of the variance of point means that more replications should reach
TARGET_PARAMETER_SHARE = 0.8
#: convergence: no index may move by more than this between half the sample and all of it
CONVERGENCE_CHANGE = 0.05
#: convergence: and no 95% interval may reach further than this either side of its index
CONVERGENCE_HALF_WIDTH = 0.1


def _finite(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def outcome_values(table: pd.DataFrame, expression: str) -> np.ndarray:
    """The outcome of every run (NaN for failed runs or missing metrics; inf stays inf)."""
    with np.errstate(all="ignore"):
        y = evaluate_expression(expression, table)
    if "error" in table:
        y = np.where(table["error"].isna().to_numpy(), y, np.nan)
    return y


# ---------------------------------------------------------------------------
# variance split
# ---------------------------------------------------------------------------


def _matrix(point: np.ndarray, y: np.ndarray, replication: np.ndarray | None) -> np.ndarray:
    """Runs as a (points, replications) table, NaN where a run is missing or not finite."""
    _, rows = np.unique(point, return_inverse=True)
    if replication is None:  # columns in order of appearance within each point
        order = pd.Series(np.arange(len(point))).groupby(rows).cumcount().to_numpy()
        cols = order
    else:
        _, cols = np.unique(replication, return_inverse=True)
    out = np.full((rows.max() + 1 if len(rows) else 0, cols.max() + 1 if len(cols) else 0), np.nan)
    out[rows, cols] = np.where(np.isfinite(y), y, np.nan)
    return out


def _one_way(m: np.ndarray) -> tuple[float, float, float, float] | None:
    """(variance of point means, chance variance, shared chance variance = 0, harmonic replications)
    from a points x runs table with gaps; None when it cannot be estimated."""
    n = np.isfinite(m).sum(axis=1)
    keep = n >= 1
    m, n = m[keep], n[keep]
    if len(n) < 2 or not (n >= 2).any():
        return None
    filled = np.where(np.isfinite(m), m, 0.0)
    means = filled.sum(axis=1) / n
    dev = np.where(np.isfinite(m), m - means[:, None], 0.0)
    two = n >= 2
    within = float(((dev[two] ** 2).sum(axis=1) / (n[two] - 1)).mean())
    between = float(means.var(ddof=1))
    r = float(len(n) / (1.0 / n).sum())
    return between, within, 0.0, r


def _two_way(m: np.ndarray) -> tuple[float, float, float, float] | None:
    """The same from complete points of a points x replications table (common random numbers):
    chance splits into a part shared by every point (replication effects) and a residual."""
    m = m[np.isfinite(m).all(axis=1)]
    p, r = m.shape
    if p < 2 or r < 2:
        return None
    point_means = m.mean(axis=1)
    rep_means = m.mean(axis=0)
    resid = m - point_means[:, None] - rep_means[None, :] + m.mean()
    chance = float((resid**2).sum() / ((p - 1) * (r - 1)))
    between = float(point_means.var(ddof=1))
    shared = max(0.0, float(rep_means.var(ddof=1)) - chance / p)
    return between, chance, shared, float(r)


def _rho(parts: tuple[float, float, float, float] | None) -> float:
    if parts is None:
        return float("nan")
    between, chance, _, r = parts
    if not between > 0:
        return float("nan")
    return round(min(1.0, max(0.0, 1.0 - chance / r / between)), 12)  # no rounding dust around 0 or 1


def variance_split(
    point: np.ndarray,
    y: np.ndarray,
    replication: np.ndarray | None = None,
    *,
    resamples: int = SHARE_RESAMPLES,
    seed: int = ANALYSIS_SEED,
) -> dict:
    """How much of an outcome's variance is the parameters and how much chance.

    ``point`` and ``y`` give one entry per run; with ``replication`` (common
    seeding: replication r uses the same random numbers at every point) the
    split is two-way on the points that have every replication, otherwise
    one-way (between and within points). Non-finite values are left out.
    """
    point = np.asarray(point)
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(y)
    if not ok.any():
        return {"points": 0, "runs": 0}
    m = _matrix(point[ok], y[ok], None if replication is None else np.asarray(replication)[ok])
    one = _one_way(m)
    two = _two_way(m) if replication is not None else None
    parts = two if two is not None else one
    n = np.isfinite(m).sum(axis=1)
    out: dict[str, Any] = {
        "method": "two-way" if two is not None else "one-way",
        "points": int((n > 0).sum()),
        "runs": int(ok.sum()),
        "replications_per_point": float((n > 0).sum() / (1.0 / n[n > 0]).sum()),
        "total_variance": float(y[ok].var(ddof=1)) if ok.sum() >= 2 else float("nan"),
        "within_point_variance": one[1] if one else float("nan"),
        "between_point_variance": parts[0]
        if parts
        else (float(np.nanmean(m, axis=1).var(ddof=1)) if len(m) >= 2 else float("nan")),
    }
    if parts is None:
        return out
    between, chance, shared, r = parts
    if two is not None:
        out["points_complete"] = int(np.isfinite(m).all(axis=1).sum())
    params = max(0.0, between - chance / r)
    total = params + shared + chance
    out.update(
        {
            "parameter_variance": params,
            "shared_chance_variance": shared,
            "point_chance_variance": chance,
            "parameter_share": params / total if total > 0 else float("nan"),
            "shared_chance_share": shared / total if total > 0 else float("nan"),
            "point_chance_share": chance / total if total > 0 else float("nan"),
            "chance_share": (shared + chance) / total if total > 0 else float("nan"),
            "means_parameter_share": _rho(parts),
        }
    )
    low, high = _rho_interval(m if two is None else m[np.isfinite(m).all(axis=1)], two is not None, resamples, seed)
    out["means_parameter_share_low"], out["means_parameter_share_high"] = low, high
    return out


def _rho_interval(m: np.ndarray, two_way: bool, resamples: int, seed: int) -> tuple[float, float]:
    """95% percentile bootstrap interval of rho, resampling points."""
    rng = np.random.default_rng(seed)
    fn = _two_way if two_way else _one_way
    p = len(m)
    if p < 3:
        return float("nan"), float("nan")
    boots = np.array([_rho(fn(m[rng.integers(0, p, p)])) for _ in range(resamples)])
    boots = boots[np.isfinite(boots)]
    if len(boots) < resamples // 2:
        return float("nan"), float("nan")
    return float(np.quantile(boots, 0.025)), float(np.quantile(boots, 0.975))


def _pct(v: float) -> str:
    return f"{100 * v:.0f}%"


def attribution(v: dict, replications: int) -> dict:
    """Whether the parameters explain enough of the point means to attribute them to factors.

    verdict: ``parameters`` (indices shown), ``chance dominates``, ``too uncertain``
    (indices withheld), ``unknown`` (one replication: shown with a warning) or
    ``no variation``."""
    rho = v.get("means_parameter_share")
    low, high = v.get("means_parameter_share_low"), v.get("means_parameter_share_high")
    out: dict[str, Any] = {
        "threshold": MIN_PARAMETER_SHARE,
        "share": _finite(rho),
        "low": _finite(low),
        "high": _finite(high),
    }
    between = v.get("between_point_variance")
    if v.get("points", 0) >= 2 and between is not None and math.isfinite(between) and between == 0:
        out.update(
            verdict="no variation",
            show=False,
            text="The outcome has the same mean at every point: there is nothing to attribute.",
        )
        return out
    if rho is None or not math.isfinite(rho) or low is None or not math.isfinite(low):
        why = "one replication per point" if replications < 2 else "too few points with every replication"
        out.update(
            verdict="unknown",
            show=True,
            text=f"Chance cannot be told from the parameters ({why}), so the indices below may divide "
            "chance among the factors; run at least 2 replications per point to check.",
        )
        return out
    band = f"{_pct(rho)} (95% interval {_pct(low)} to {_pct(high)})"
    need = _replications_needed(v)
    if low >= MIN_PARAMETER_SHARE:
        out.update(
            verdict="parameters",
            show=True,
            text=f"The parameters explain {band} of the differences between point means, above the "
            f"{_pct(MIN_PARAMETER_SHARE)} needed to show indices.",
        )
    elif high < MIN_PARAMETER_SHARE:
        out.update(
            verdict="chance dominates",
            show=False,
            text=f"Chance dominates: the parameters explain only {band} of the differences between "
            f"point means (indices are shown from {_pct(MIN_PARAMETER_SHARE)}), so no index is "
            f"given.{need}",
        )
    else:
        out.update(
            verdict="too uncertain",
            show=False,
            text=f"Too uncertain to attribute: the parameters explain {band} of the differences between "
            f"point means, and indices are shown only when the whole interval is at or above "
            f"{_pct(MIN_PARAMETER_SHARE)}.{need}",
        )
    return out


def _replications_needed(v: dict) -> str:
    params, chance = v.get("parameter_variance"), v.get("point_chance_variance")
    if params is None or chance is None:
        return ""
    if params <= 0:
        return " No effect of the parameters shows above chance at all."
    t = TARGET_PARAMETER_SHARE
    r = math.ceil(t / (1 - t) * chance / params)
    return (
        f" About {r} replications per point would bring the parameters' share of the point means to "
        f"{_pct(t)} (if the estimates hold)."
    )


# ---------------------------------------------------------------------------
# indices
# ---------------------------------------------------------------------------


def _bins(x: np.ndarray, max_levels: int = 12, n_bins: int = 10) -> np.ndarray:
    """Bin labels of a factor's values: its own values if few, else quantile bins."""
    uniq = np.unique(x)
    if len(uniq) <= max_levels:
        return np.searchsorted(uniq, x)
    edges = np.quantile(x, np.linspace(0, 1, n_bins + 1)[1:-1])
    return np.searchsorted(edges, x, side="right")


def _corr_ratio(labels: np.ndarray, y: np.ndarray) -> float:
    var = y.var()
    if not var > 0:
        return float("nan")
    counts = np.bincount(labels)
    sums = np.bincount(labels, weights=y)
    has = counts > 0
    means = sums[has] / counts[has]
    return float(np.sum(counts[has] * (means - y.mean()) ** 2) / len(y) / var)


def given_data_s1(x: np.ndarray, y: np.ndarray, seed: int = ANALYSIS_SEED) -> tuple[float, float]:
    """First-order index by the correlation ratio over bins of x, with a 95% bootstrap half-width."""
    labels = _bins(x)
    s1 = _corr_ratio(labels, y)
    rng = np.random.default_rng(seed)
    boots = []
    for _ in range(BOOTSTRAP):
        i = rng.integers(0, len(y), len(y))
        boots.append(_corr_ratio(labels[i], y[i]))
    boots = np.array([b for b in boots if math.isfinite(b)])
    conf = float(1.96 * boots.std(ddof=1)) if len(boots) > 1 else float("nan")
    return s1, conf


def _quiet(fn, *args, **kwargs):
    """Call a SALib function without its printing (its warnings are recorded by :func:`analyze`)."""
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args, **kwargs)


def _problem(factors: list[dict]) -> dict:
    return {"num_vars": len(factors), "names": [f["path"] for f in factors], "bounds": [[0.0, 1.0]] * len(factors)}


def _sobol(factors: list[dict], means: np.ndarray) -> list[dict]:
    from SALib.analyze import sobol

    res = _quiet(
        sobol.analyze,
        _problem(factors),
        means,
        calc_second_order=False,
        conf_level=0.95,
        num_resamples=BOOTSTRAP,
        seed=ANALYSIS_SEED,
    )
    return [
        {"S1": res["S1"][i], "S1_conf": res["S1_conf"][i], "ST": res["ST"][i], "ST_conf": res["ST_conf"][i]}
        for i in range(len(factors))
    ]


def _morris(factors: list[dict], design: dict, units: np.ndarray, means: np.ndarray) -> list[dict]:
    from SALib.analyze import morris

    res = _quiet(
        morris.analyze,
        _problem(factors),
        units,
        means,
        num_resamples=BOOTSTRAP,
        conf_level=0.95,
        num_levels=int(design.get("levels", 4)),
        seed=ANALYSIS_SEED,
    )
    return [
        {
            "mu_star": res["mu_star"][i],
            "mu_star_conf": res["mu_star_conf"][i],
            "mu": res["mu"][i],
            "sigma": res["sigma"][i],
        }
        for i in range(len(factors))
    ]


def _given_data(factors: list[dict], x: np.ndarray, y: np.ndarray, pawn: bool = True) -> tuple[list[dict], str]:
    rows = []
    note = ""
    varies = len(y) >= 4 and np.var(y) > 0
    for i in range(len(factors)):
        s1, conf = given_data_s1(x[:, i], y) if varies else (float("nan"), float("nan"))
        rows.append({"S1": s1, "S1_conf": conf})
    if pawn and len(y) >= 10 and varies:
        from SALib.analyze import pawn as salib_pawn

        try:
            res = _quiet(
                salib_pawn.analyze, _problem(factors), x, y, S=min(10, max(2, len(y) // 5)), seed=ANALYSIS_SEED
            )
            for i, row in enumerate(rows):
                row["PAWN_median"] = res["median"][i]
                row["PAWN_max"] = res["maximum"][i]
        except (ValueError, IndexError, ZeroDivisionError) as exc:  # too few points for PAWN's slices
            note = f"PAWN could not be computed ({exc})"
    return rows, note


def indices(
    kind: str, factors: list[dict], design: dict, units: np.ndarray, means: np.ndarray, why_missing: str = ""
) -> tuple[str, list[dict], str]:
    """(method, one dict per factor, note) for the mean outcome per point ``means`` (NaN = no finite
    value). ``why_missing`` says why points have no value, for the note."""
    complete = bool(np.all(np.isfinite(means)))
    note = ""
    if kind == "saltelli" and complete and np.var(means) > 0:
        return "sobol", _label(_sobol(factors, means), factors), note
    if kind == "morris" and complete:
        return "morris", _label(_morris(factors, design, units, means), factors), note
    if kind in ("saltelli", "morris"):
        missing = int(np.sum(~np.isfinite(means)))
        note = (
            f"the {kind} design is incomplete for this outcome ({missing} of {len(means)} points "
            f"{why_missing or 'have no result'}), so given-data estimates are shown instead"
            if missing
            else "the outcome does not vary, so there is nothing to attribute"
        )
    ok = np.isfinite(means)
    rows, pawn_note = _given_data(factors, units[ok], means[ok])
    if pawn_note:
        note = (note + "; " if note else "") + pawn_note
    return "given-data", _label(rows, factors), note


def _label(rows: list[dict], factors: list[dict]) -> list[dict]:
    out = []
    for row, f in zip(rows, factors):
        out.append(
            {
                "factor": f["path"],
                "label": f.get("label", f["path"]),
                "role": f.get("role", "uncertainty"),
                **{k: _finite(v) for k, v in row.items()},
            }
        )
    return out


#: the index columns each method reports, with their intervals
INDEX_KEYS = {"sobol": ("S1", "ST"), "morris": ("mu_star",), "given-data": ("S1",)}


def _names(labels: list[str]) -> str:
    return ", ".join(labels[:4]) + (f" and {len(labels) - 4} more" if len(labels) > 4 else "")


def index_warnings(method: str, rows: list[dict]) -> list[str]:
    """Sentences about estimates that cannot be right or cannot be told from zero; each row
    gets a ``flags`` list (``S1>ST``, ``S1<0``, ``ST<0``, ``S1 interval``, ...)."""
    above, negative, wide = [], [], []
    for row in rows:
        flags = []
        if method == "sobol" and row.get("S1") is not None and row.get("ST") is not None and row["S1"] > row["ST"]:
            flags.append("S1>ST")
            above.append(row["label"])
        for key in INDEX_KEYS[method]:
            v, conf = row.get(key), row.get(f"{key}_conf")
            if v is None:
                continue
            if v < 0:
                flags.append(f"{key}<0")
                negative.append(f"{key} of {row['label']}")
            if conf is not None and conf > abs(v):
                flags.append(f"{key} interval")
                wide.append(f"{key} of {row['label']}")
        row["flags"] = flags
    out = []
    if above:
        out.append(
            f"S1 is above ST for {_names(above)}: a factor's effect alone cannot exceed its total effect, "
            "so the difference is estimation error (more points shrink it)."
        )
    if negative:
        out.append(
            f"Negative estimates ({_names(negative)}): an index cannot be below 0, so these are "
            "estimation error around a small true value."
        )
    if wide:
        total = sum(1 for r in rows for k in INDEX_KEYS[method] if r.get(k) is not None)
        out.append(
            f"The 95% interval is wider than the estimate for {len(wide)} of {total} indices "
            f"({_names(wide)}): those cannot be told from 0."
        )
    return out


# ---------------------------------------------------------------------------
# convergence
# ---------------------------------------------------------------------------


def _half(method: str, factors: list[dict], design: dict, units: np.ndarray, means: np.ndarray) -> list[dict] | None:
    """The indices on the first half of the sample (None when the half is too small)."""
    d = len(factors)
    if method == "sobol":
        n = int(design.get("points") or 0) // 2
        if n < 2:
            return None
        half = means[: n * (d + 2)]
        return _sobol(factors, half) if np.var(half) > 0 else None
    if method == "morris":
        t = int(design.get("trajectories") or 0) // 2
        if t < 2:
            return None
        return _morris(factors, design, units[: t * (d + 1)], means[: t * (d + 1)])
    ok = np.flatnonzero(np.isfinite(means))
    if len(ok) < 16:
        return None
    pick = np.sort(np.random.default_rng(ANALYSIS_SEED).choice(ok, len(ok) // 2, replace=False))
    rows, _ = _given_data(factors, units[pick], means[pick], pawn=False)
    return rows


def convergence(
    method: str, factors: list[dict], design: dict, units: np.ndarray, means: np.ndarray, rows: list[dict]
) -> dict:
    """Do the indices hold still when the sample doubles? See the module docstring."""
    keys = INDEX_KEYS[method]
    full = {(k, i): r.get(k) for i, r in enumerate(rows) for k in keys}
    if not any(v is not None for v in full.values()):
        return {"verdict": "not checked", "text": "No index could be computed, so convergence was not checked."}
    scale = 1.0
    if method == "morris":
        scale = max((abs(v) for v in full.values() if v is not None), default=0.0) or 1.0
    widths = {
        (k, i): (r.get(f"{k}_conf") or 0.0) / scale
        for i, r in enumerate(rows)
        for k in keys
        if r.get(f"{k}_conf") is not None
    }
    worst_width = max(widths.items(), key=lambda kv: kv[1]) if widths else None
    half = _half(method, factors, design, units, means)
    out: dict[str, Any] = {
        "method": "first half of the sample against all of it",
        "tolerance_change": CONVERGENCE_CHANGE,
        "tolerance_half_width": CONVERGENCE_HALF_WIDTH,
        "relative_to_largest": method == "morris",
        "max_half_width": None if worst_width is None else worst_width[1],
    }
    label = {i: r["label"] for i, r in enumerate(rows)}
    if worst_width is not None:
        out["widest"] = f"{worst_width[0][0]} of {label[worst_width[0][1]]}"
    if half is None:
        out["verdict"] = "not checked"
        out["text"] = "The sample is too small to compare half of it with all of it, so convergence was not checked."
        return out
    halves = {(k, i): _finite(r.get(k)) for i, r in enumerate(half) for k in keys}
    changes = {
        key: abs(full[key] - halves[key]) / scale
        for key in full
        if full[key] is not None and halves.get(key) is not None
    }
    worst = max(changes.items(), key=lambda kv: kv[1]) if changes else None
    out["max_change"] = None if worst is None else worst[1]
    if worst is not None:
        out["most_changed"] = f"{worst[0][0]} of {label[worst[0][1]]}"
    main = keys[-1]  # ST for Sobol', mu* for Morris, S1 otherwise
    top_full = max(range(len(rows)), key=lambda i: rows[i].get(main) if rows[i].get(main) is not None else -math.inf)
    top_half = max(
        range(len(half)),
        key=lambda i: _finite(half[i].get(main)) if _finite(half[i].get(main)) is not None else -math.inf,
    )
    out["top_factor_stable"] = top_full == top_half
    stable_values = worst is not None and worst[1] <= CONVERGENCE_CHANGE
    narrow = worst_width is None or worst_width[1] <= CONVERGENCE_HALF_WIDTH
    unit = " (relative to the largest mu*)" if method == "morris" else ""
    moved = (
        ""
        if worst is None
        else f"the indices moved by up to {worst[1]:.2f}{unit} ({out['most_changed']}) "
        "between half the sample and all of it"
    )
    wide = "" if worst_width is None else f"the widest 95% interval is ±{worst_width[1]:.2f}{unit} ({out['widest']})"
    if stable_values and narrow:
        out["verdict"] = "converged"
        out["text"] = f"Converged: {moved}, within ±{CONVERGENCE_CHANGE}, and {wide}, within ±{CONVERGENCE_HALF_WIDTH}."
    else:
        out["verdict"] = "ranking stable" if out["top_factor_stable"] else "not converged"
        lead = (
            "Not converged, but the most influential factor is the same with half the sample"
            if out["top_factor_stable"]
            else "Not converged: the most influential factor changes with half the sample"
        )
        out["text"] = (
            f"{lead}; {moved}" + (f" and {wide}" if wide else "") + f". {_advice(method, design, worst_width)}"
        )
    return out


def _advice(method: str, design: dict, worst_width) -> str:
    if method == "sobol" and worst_width is not None and worst_width[1] > CONVERGENCE_HALF_WIDTH:
        n = int(design.get("points") or 1)
        need = n * (worst_width[1] / CONVERGENCE_HALF_WIDTH) ** 2
        return f"Intervals shrink with the square root of the sample: about design.points: {1 << max(0, math.ceil(math.log2(need)))} would reach ±{CONVERGENCE_HALF_WIDTH}."
    if method == "morris":
        return "More trajectories would steady the estimates."
    return "More points would steady the estimates."


# ---------------------------------------------------------------------------
# the whole analysis
# ---------------------------------------------------------------------------


def factor_matrix(table: pd.DataFrame, factors: list[dict]) -> np.ndarray:
    """Numeric factor values per run (categorical levels as their index)."""
    cols = []
    for f in factors:
        values = table[f["path"]]
        if f.get("kind") == "categorical":
            index = {str(v): i for i, v in enumerate(f.get("levels") or [])}
            cols.append(np.array([index.get(str(v), np.nan) for v in values], dtype=float))
        else:
            cols.append(values.to_numpy(dtype=float))
    return np.column_stack(cols) if cols else np.zeros((len(table), 0))


def _counts(y: np.ndarray, table: pd.DataFrame) -> dict:
    failed = table["error"].notna().to_numpy() if "error" in table and len(table) else np.zeros(len(y), bool)
    return {
        "finite": int(np.isfinite(y).sum()),
        "infinite": int(np.isinf(y).sum()),
        "undefined": int((np.isnan(y) & ~failed).sum()),
        "failed": int(failed.sum()),
    }


def _nonfinite_note(c: dict) -> str:
    parts = []
    if c["infinite"]:
        parts.append(
            f"{c['infinite']} run{'s' if c['infinite'] != 1 else ''} gave an infinite value (a ratio over zero)"
        )
    if c["undefined"]:
        parts.append(
            f"{c['undefined']} run{'s' if c['undefined'] != 1 else ''} gave no value (nothing to measure, "
            "such as a share of an empty group)"
        )
    if not parts:
        return ""
    one = c["infinite"] + c["undefined"] == 1
    return "; ".join(parts) + (
        f"; {'it is' if one else 'they are'} left out, and a point's mean is that of its other runs."
    )


def _point_means(y_design: np.ndarray, n_points: int, design_rows: pd.DataFrame) -> np.ndarray:
    """Mean of the finite runs of each design point (NaN where none)."""
    sums = np.zeros(n_points)
    counts = np.zeros(n_points)
    ok = np.isfinite(y_design)
    pts = design_rows["point"].to_numpy(dtype=int)
    np.add.at(sums, pts[ok], y_design[ok])
    np.add.at(counts, pts[ok], 1)
    return np.divide(sums, counts, out=np.full(n_points, np.nan), where=counts > 0)


def analyze(table: pd.DataFrame, manifest: dict, points: pd.DataFrame) -> dict:
    """The analysis of a sweep's results: see the module docstring."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = _analyze(table, manifest, points)
    seen = dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught)
    out["library_warnings"] = list(seen)
    return out


def _analyze(table: pd.DataFrame, manifest: dict, points: pd.DataFrame) -> dict:
    factors = manifest["factors"]
    design = manifest["design"]
    kind = design["kind"]
    # lazy: runner imports the executors, which the analysis needs only for the design's keys
    from careersim.experiments.sweep.runner import design_keys

    n_points = len(points)
    units = points[[f"u:{f['path']}" for f in factors]].to_numpy(dtype=float)
    reps = int(manifest.get("replications", 1))
    keys = design_keys(factors, points, reps, manifest["base_sha256"], manifest["seed"])
    wanted_keys = set(keys["key"])
    table = table[table["key"].isin(wanted_keys)].reset_index(drop=True) if len(table) else table
    failed = int(table["error"].notna().sum()) if "error" in table else 0
    expected = len(wanted_keys)
    in_table = len(table)
    # rows of the design: a run shared by points with equal values counts for each of them
    row_of = pd.Series(np.arange(len(table)), index=table["key"]) if len(table) else pd.Series([], dtype=int)
    design_rows = keys.assign(row=keys["key"].map(row_of)).dropna(subset=["row"])
    rows_idx = design_rows["row"].to_numpy(dtype=int)
    common = manifest.get("seeding", "common") == "common"
    goals = manifest.get("outcome_goals") or {}
    out: dict[str, Any] = {
        "sweep": {
            k: manifest.get(k)
            for k in (
                "name",
                "description",
                "base",
                "base_sha256",
                "fixed",
                "factors",
                "design",
                "replications",
                "seed",
                "seeding",
                "identity",
                "points",
            )
        },
        "outcome_names": manifest.get("outcome_names") or {},
        "runs": {"expected": expected, "completed": in_table, "failed": failed, "missing": max(0, expected - in_table)},
        "rules": {
            "min_parameter_share": MIN_PARAMETER_SHARE,
            "convergence_change": CONVERGENCE_CHANGE,
            "convergence_half_width": CONVERGENCE_HALF_WIDTH,
            "share_resamples": SHARE_RESAMPLES,
        },
        "outcomes": {},
        "provenance": manifest.get("provenance", {}),
    }
    x_runs = factor_matrix(table, factors) if len(table) else np.zeros((0, len(factors)))
    wanted = set(manifest.get("regions") or [])
    for expr in manifest.get("outcomes", []):
        y = outcome_values(table, expr) if len(table) else np.zeros(0)
        counts = _counts(y, table) if len(table) else {"finite": 0, "infinite": 0, "undefined": 0, "failed": 0}
        y_design = y[rows_idx] if len(y) and len(rows_idx) else np.zeros(0)
        means = _point_means(y_design, n_points, design_rows) if len(y_design) else np.full(n_points, np.nan)
        finite = y[np.isfinite(y)]
        split = (
            variance_split(
                design_rows["point"].to_numpy(), y_design, design_rows["replication"].to_numpy() if common else None
            )
            if len(y_design)
            else {"points": 0}
        )
        verdict = attribution(split, reps)
        entry: dict[str, Any] = {
            "expression": expr,
            "mean": _finite(finite.mean()) if len(finite) else None,
            "sd": _finite(finite.std(ddof=1)) if len(finite) > 1 else None,
            "runs": counts["finite"],
            "values": counts,
            "variance": {k: (_finite(v) if isinstance(v, float) else v) for k, v in split.items()},
            "attribution": verdict,
        }
        nonfinite = _nonfinite_note(counts)
        if nonfinite:
            entry["nonfinite_note"] = nonfinite
        if verdict["show"]:
            why = "have no finite value (their runs are missing, failed, infinite or undefined)"
            method, idx, note = indices(kind, factors, design, units, means, why)
            entry["method"] = method
            entry["indices"] = idx
            entry["warnings"] = index_warnings(method, idx)
            entry["convergence"] = convergence(method, factors, design, units, means, idx)
            if note:
                entry["note"] = note
        else:
            entry["method"] = None
            entry["indices"] = []
            entry["warnings"] = []
            entry["convergence"] = {"verdict": "not checked", "text": "No indices, so no convergence check."}
        binary = is_binary(y) if len(y) else False
        entry["binary"] = binary
        goal = goals.get(expr) or {}
        if (binary or goal.get("threshold") is not None) and (not wanted or expr in wanted):
            entry.update(discover(x_runs, y, factors, reps, binary=binary, goal=goal))
        if goal:
            entry["goal"] = goal
        robust = robustness(table, factors, y, goal, binary) if len(table) else None
        if robust is not None:
            entry["robustness"] = robust
        out["outcomes"][expr] = entry
    return out
