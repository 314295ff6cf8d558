"""Statistics for summarising simulation output.

Pure functions over numpy arrays and pandas objects; nothing here draws random
numbers or keeps state.

Contents
--------
* Replication summaries: :func:`summarise` (spread over replications) and
  :func:`mean_ci` (Student-t interval for the mean).
* Survival analysis: :func:`kaplan_meier`, :func:`km_median`,
  :func:`km_quantile`, :func:`km_at`.
* Competing risks: :func:`cumulative_incidence` (Aalen-Johansen), :func:`cif_at`.
* Scenario comparison: :func:`paired_difference`, :func:`interval_words`.

References
----------
* Kaplan, E. L. & Meier, P. (1958). Nonparametric estimation from incomplete
  observations. JASA 53, 457-481.
* Greenwood, M. (1926). The natural duration of cancer. Reports on Public
  Health and Medical Subjects 33.
* Kalbfleisch, J. D. & Prentice, R. L. (2002). The Statistical Analysis of
  Failure Time Data, 2nd ed., Wiley (sections 1.4 and 8.2).
* Aalen, O. O. & Johansen, S. (1978). An empirical transition matrix for
  non-homogeneous Markov chains based on censored observations.
  Scand. J. Statist. 5, 141-150.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats as _sps

from careersim.core.compiled import njit

__all__ = [
    "summarise",
    "mean_ci",
    "kaplan_meier",
    "km_median",
    "km_quantile",
    "km_at",
    "cumulative_incidence",
    "cif_at",
    "paired_difference",
    "interval_words",
    "sign_test",
]

ArrayLike = npt.ArrayLike

#: Absolute tolerance used when comparing a Kaplan-Meier survival value with a
#: probability threshold (e.g. ``S(t) <= 0.5``), so that a product such as
#: ``5/6 * 4/5 * 3/4`` that should equal 0.5 exactly but carries rounding error
#: still counts as reaching the threshold.
SURVIVAL_TOL: float = 1e-12

KM_COLUMNS: tuple[str, ...] = ("time", "at_risk", "events", "censored", "survival", "low", "high")


# --------------------------------------------------------------------------- #
# helpers
# --------------------------------------------------------------------------- #
def _check_level(level: float) -> float:
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    return level


def _finite_1d(values: ArrayLike, name: str = "values") -> npt.NDArray[np.float64]:
    """Return ``values`` as a 1-D float array with non-finite entries dropped."""
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    return arr[np.isfinite(arr)]


def _durations(durations: ArrayLike) -> npt.NDArray[np.float64]:
    d = np.asarray(durations, dtype=float)
    if d.ndim == 0:
        d = d.reshape(1)
    if d.ndim != 1:
        raise ValueError(f"durations must be 1-D, got shape {d.shape}")
    if not np.all(np.isfinite(d)):
        raise ValueError("durations must be finite (censor open spells at the horizon)")
    if np.any(d < 0):
        raise ValueError("durations must be non-negative")
    return d


def _risk_table(
    durations: npt.NDArray[np.float64], events: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Distinct times with numbers at risk, events and totals, with a time-0 row.

    ``events`` is a 0/1 weight per subject. Returns ``(time, at_risk, events,
    total)`` where ``total`` counts all subjects leaving at each time. If no
    subject has duration 0, a row ``time=0`` with no events is prepended.
    """
    n = durations.size
    times, inv = unique_inverse(durations)
    total = np.bincount(inv, minlength=times.size).astype(float)
    ev = np.bincount(inv, weights=events, minlength=times.size).astype(float)
    # number with duration >= t_j: everyone minus those who left strictly earlier
    at_risk = n - (np.cumsum(total) - total)
    if times.size == 0 or times[0] > 0.0:
        times = np.concatenate(([0.0], times))
        at_risk = np.concatenate(([float(n)], at_risk))
        ev = np.concatenate(([0.0], ev))
        total = np.concatenate(([0.0], total))
    return times, at_risk, ev, total


def unique_inverse(values: ArrayLike) -> tuple[np.ndarray, npt.NDArray[np.intp]]:
    """``np.unique(values, return_inverse=True)`` for 1-D ``values``: the sorted
    distinct values and each value's index among them.

    The distinct values are found by hashing and only they are sorted, which is
    much faster than sorting all values when there are few distinct ones.
    """
    codes, distinct = pd.factorize(np.asarray(values), use_na_sentinel=False)
    order = np.argsort(distinct)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return distinct[order], rank[codes]


def _step_eval(
    times: npt.NDArray[np.float64], values: npt.NDArray[np.float64], t: ArrayLike, before: float
) -> npt.NDArray[np.float64]:
    """Right-continuous step function: value at the last ``times <= t``.

    ``before`` is returned for ``t`` earlier than ``times[0]``; NaN for NaN ``t``.
    """
    tt = np.atleast_1d(np.asarray(t, dtype=float))
    idx = np.searchsorted(times, tt, side="right") - 1
    out = np.where(idx >= 0, values[np.clip(idx, 0, None)], before)
    return np.where(np.isnan(tt), np.nan, out)


# --------------------------------------------------------------------------- #
# replication summaries
# --------------------------------------------------------------------------- #
def summarise(values: ArrayLike, level: float = 0.95) -> dict[str, Any]:
    """Mean and central ``level`` spread of per-replication values.

    Method: ``value`` is the mean; ``low``/``high`` are the empirical
    ``(1-level)/2`` and ``1-(1-level)/2`` quantiles (``numpy.quantile``,
    linear interpolation). This describes the spread over replications
    (chance plus parameter uncertainty), not uncertainty of the mean; for that
    use :func:`mean_ci`. Non-finite values (NaN, +-inf) are ignored. With no
    finite values everything is NaN and ``n == 0``. Returns plain Python
    floats/ints (JSON serialisable with NaN allowed).
    """
    level = _check_level(level)
    x = _finite_1d(values)
    if x.size == 0:
        return {"value": math.nan, "low": math.nan, "high": math.nan, "n": 0}
    alpha = 1.0 - level
    lo, hi = np.quantile(x, [alpha / 2.0, 1.0 - alpha / 2.0])
    return {"value": float(np.mean(x)), "low": float(lo), "high": float(hi), "n": int(x.size)}


def mean_ci(values: ArrayLike, level: float = 0.95) -> dict[str, Any]:
    """Mean with a Student-t confidence interval.

    Method: ``se = sd / sqrt(n)`` (``sd`` with ``ddof=1``) and
    ``mean +- t_{n-1, 1-(1-level)/2} * se`` (``scipy.stats.t``). Non-finite
    values are ignored. ``n == 1`` gives ``low == high == value`` and
    ``se = nan``; ``n == 0`` gives all NaN.
    """
    level = _check_level(level)
    x = _finite_1d(values)
    n = int(x.size)
    if n == 0:
        return {"value": math.nan, "low": math.nan, "high": math.nan, "se": math.nan, "n": 0}
    m = float(np.mean(x))
    if n == 1:
        return {"value": m, "low": m, "high": m, "se": math.nan, "n": 1}
    se = float(np.std(x, ddof=1) / math.sqrt(n))
    half = float(_sps.t.ppf(1.0 - (1.0 - level) / 2.0, df=n - 1)) * se
    return {"value": m, "low": m - half, "high": m + half, "se": se, "n": n}


# --------------------------------------------------------------------------- #
# Kaplan-Meier
# --------------------------------------------------------------------------- #
def _durations_observed(durations: ArrayLike, observed: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Durations (checked by :func:`_durations`) and event flags as boolean arrays of one length."""
    d = _durations(durations)
    obs = np.asarray(observed).astype(bool)
    if obs.ndim == 0:
        obs = obs.reshape(1)
    if obs.shape != d.shape:
        raise ValueError("durations and observed must have the same length")
    return d, obs


def _km_curve(durations: ArrayLike, observed: ArrayLike):
    """The risk table and the product-limit survival ``S(t_j)`` (see :func:`kaplan_meier`)."""
    d, obs = _durations_observed(durations, observed)
    times, at_risk, ev, total = _risk_table(d, obs.astype(float))
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(at_risk > 0, ev / np.where(at_risk > 0, at_risk, 1.0), 0.0)
        surv = np.clip(np.cumprod(1.0 - hazard), 0.0, 1.0)
    return times, at_risk, ev, total, surv


def kaplan_meier(durations: ArrayLike, observed: ArrayLike, level: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier (product-limit) estimator with a log(-log) Greenwood band.

    Method (Kaplan & Meier 1958): at each distinct time ``t_j`` with ``n_j``
    at risk (duration >= t_j) and ``d_j`` events, ``S(t_j) = prod_{i<=j}
    (1 - d_i/n_i)``. Events at a time are counted before censorings at that
    same time (subjects censored at ``t_j`` are in the risk set at ``t_j``).

    Confidence band (Kalbfleisch & Prentice 2002): with Greenwood's sum
    ``g_j = sum_{i<=j} d_i / (n_i (n_i - d_i))`` the variance of
    ``log(-log S)`` is ``g_j / (log S)^2`` and the band is
    ``S ** exp(+-z * sqrt(var))``, clipped to [0, 1]. Where it is undefined
    -- ``S == 1`` (before the first event) or ``S == 0`` (after the last
    subject at risk has an event) -- ``low`` and ``high`` are set to the
    survival value itself (no NaNs are produced).

    One row per distinct time, starting with a row at time 0 (survival 1
    unless there are events at duration 0, in which case that row holds them).
    Durations must be finite and non-negative; ``observed`` is truthy for an
    event and falsy for a censoring.

    Returns a DataFrame with columns ``time, at_risk, events, censored,
    survival, low, high``.
    """
    level = _check_level(level)
    times, at_risk, ev, total, surv = _km_curve(durations, observed)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Greenwood increments; infinite when n == d, i.e. S has dropped to 0
        denom = at_risk * (at_risk - ev)
        inc = np.where(ev > 0, ev / np.where(denom > 0, denom, 1.0), 0.0)
        inc = np.where((ev > 0) & (denom <= 0), np.inf, inc)
        green = np.cumsum(inc)
        log_s = np.log(surv)
        defined = (surv > 0.0) & (surv < 1.0) & np.isfinite(green)
        se_ll = np.sqrt(np.where(defined, green / np.where(defined, log_s**2, 1.0), 0.0))
        z = float(_sps.norm.ppf(1.0 - (1.0 - level) / 2.0))
        low = np.where(defined, surv ** np.exp(z * se_ll), surv)
        high = np.where(defined, surv ** np.exp(-z * se_ll), surv)
    return pd.DataFrame(
        {
            "time": times,
            "at_risk": at_risk.astype(np.int64),
            "events": ev.astype(np.int64),
            "censored": (total - ev).astype(np.int64),
            "survival": surv,
            "low": np.clip(low, 0.0, 1.0),
            "high": np.clip(high, 0.0, 1.0),
        },
        columns=list(KM_COLUMNS),
    )


def km_quantile(durations: ArrayLike, observed: ArrayLike, q: float) -> float:
    """Time by which a fraction ``q`` has had the event, from Kaplan-Meier.

    Returns the smallest time ``t`` with ``S(t) <= 1 - q`` (comparison with
    absolute tolerance :data:`SURVIVAL_TOL`), or NaN if the curve never gets
    that low. Without censoring and with ``q = 0.5`` this is the lower median
    order statistic ``x_(ceil(n/2))`` -- for even ``n`` the smaller of the two
    middle values, not their average.
    """
    q = float(q)
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must be in (0, 1), got {q!r}")
    d, obs = _durations_observed(durations, observed)
    return float(_km_quantile(np.sort(d), np.sort(d[obs]), (1.0 - q) + SURVIVAL_TOL))


@njit(cache=True)
def _km_quantile(times, events, level):
    """The first time the product-limit survival of :func:`_km_curve` is at most
    ``level``, walking the distinct durations ``times`` (sorted) in order, with the
    time-0 row when no duration is 0, and the event times ``events`` (sorted) with
    them, with that function's arithmetic; NaN if it never is."""
    n = len(times)
    if (n == 0 or times[0] > 0.0) and 1.0 <= level:  # the time-0 row, before any event
        return 0.0
    cum = 1.0
    i = k = 0
    while i < n:
        t = times[i]
        j = i
        while j < n and times[j] == t:
            j += 1
        ev = 0.0
        while k < len(events) and events[k] == t:
            ev += 1.0
            k += 1
        at_risk = float(n - i)  # those leaving at t or later
        hazard = ev / at_risk if at_risk > 0 else 0.0
        cum *= 1.0 - hazard
        if min(max(cum, 0.0), 1.0) <= level:
            return t
        i = j
    return np.nan


def km_median(durations: ArrayLike, observed: ArrayLike) -> float:
    """Kaplan-Meier median: smallest time with ``S(t) <= 0.5``; NaN if never reached.

    See :func:`km_quantile` for the convention.
    """
    return km_quantile(durations, observed, 0.5)


def km_at(table: pd.DataFrame, t: float) -> float:
    """Survival at time ``t`` from a :func:`kaplan_meier` table.

    Right-continuous step function: the survival of the last row with
    ``time <= t``. Returns 1.0 for ``t`` before the first row, the last
    survival value beyond the last row (the estimate is not extrapolated),
    and NaN for NaN ``t``.
    """
    times = table["time"].to_numpy(dtype=float)
    surv = table["survival"].to_numpy(dtype=float)
    return float(_step_eval(times, surv, t, before=1.0)[0])


def km_curve_at(table: pd.DataFrame, times: ArrayLike) -> npt.NDArray[np.float64]:
    """Survival from a :func:`kaplan_meier` table at many times at once."""
    return _step_eval(table["time"].to_numpy(dtype=float), table["survival"].to_numpy(dtype=float), times, before=1.0)


# --------------------------------------------------------------------------- #
# competing risks
# --------------------------------------------------------------------------- #
def _causes(causes: ArrayLike, n: int) -> npt.NDArray[np.int64]:
    c = np.asarray(causes)
    if c.ndim == 0:
        c = c.reshape(1)
    if c.shape != (n,):
        raise ValueError("durations and causes must have the same length")
    if c.size and not np.all(np.equal(np.mod(c, 1), 0)):
        raise ValueError("causes must be integers (0 = censored)")
    c = c.astype(np.int64)
    if np.any(c < 0):
        raise ValueError("causes must be >= 0 (0 = censored)")
    return c


def cumulative_incidence(
    durations: ArrayLike, causes: ArrayLike, cause: int, times: ArrayLike | None = None
) -> pd.DataFrame:
    """Aalen-Johansen cumulative incidence of ``cause`` under competing risks.

    Method (Aalen & Johansen 1978; Kalbfleisch & Prentice 2002, 8.2):
    ``CIF_k(t) = sum_{t_j <= t} S(t_j-) * d_kj / n_j`` where ``S(t_j-)`` is the
    overall Kaplan-Meier survival (any cause counts as an event) just before
    ``t_j``, ``d_kj`` the cause-``k`` events at ``t_j`` and ``n_j`` the number
    at risk. Summed over all causes plus ``S(t)`` this equals 1 at every time.

    ``causes`` are integers: 0 = censored, positive = cause of exit. Without
    ``times`` the result has one row per distinct duration with a leading
    row at time 0 (the same grid as :func:`kaplan_meier`); with ``times`` the
    right-continuous step function is evaluated there (0 before time 0).

    Returns a DataFrame with columns ``time, cif``.
    """
    d = _durations(durations)
    c = _causes(causes, d.size)
    cause = int(cause)
    if cause <= 0:
        raise ValueError("cause must be a positive integer")

    grid, at_risk, ev_all, _ = _risk_table(d, (c > 0).astype(float))
    _, _, ev_k, _ = _risk_table(d, (c == cause).astype(float))
    safe_n = np.where(at_risk > 0, at_risk, 1.0)
    hazard_all = np.where(at_risk > 0, ev_all / safe_n, 0.0)
    surv = np.clip(np.cumprod(1.0 - hazard_all), 0.0, 1.0)
    surv_before = np.concatenate(([1.0], surv[:-1]))
    cif = np.clip(np.cumsum(surv_before * np.where(at_risk > 0, ev_k / safe_n, 0.0)), 0.0, 1.0)

    if times is None:
        return pd.DataFrame({"time": grid, "cif": cif})
    tt = np.atleast_1d(np.asarray(times, dtype=float))
    return pd.DataFrame({"time": tt, "cif": _step_eval(grid, cif, tt, before=0.0)})


def cif_at(durations: ArrayLike, causes: ArrayLike, cause: int, t: float) -> float:
    """Aalen-Johansen cumulative incidence of ``cause`` at time ``t`` (a float)."""
    table = cumulative_incidence(durations, causes, cause, times=[t])
    return float(table["cif"].iloc[0])


# --------------------------------------------------------------------------- #
# scenario comparison
# --------------------------------------------------------------------------- #
def paired_difference(
    base: ArrayLike, alt: ArrayLike, higher_is_better: bool = True, level: float = 0.95
) -> dict[str, Any]:
    """Paired comparison of per-replication values (common random numbers).

    Method: differences ``alt - base`` paired by index (pairs with a
    non-finite member dropped); ``value``/``low``/``high`` are the mean and
    Student-t interval of the mean difference (as :func:`mean_ci`); ``sd`` is
    the sample SD (``ddof=1``) of the differences; ``share_better`` is the
    fraction of pairs where ``alt`` is strictly better (``alt > base`` if
    ``higher_is_better`` else ``alt < base``); ``share_equal`` the fraction
    exactly equal. With no valid pairs everything is NaN and ``n == 0``.
    """
    b = np.asarray(base, dtype=float).ravel()
    a = np.asarray(alt, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError("base and alt must have the same length")
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    diff = a - b
    ci = mean_ci(diff, level=level)
    n = int(diff.size)
    if n == 0:
        share_better = share_equal = math.nan
    else:
        better = (a > b) if higher_is_better else (a < b)
        share_better = float(np.mean(better))
        share_equal = float(np.mean(a == b))
    sd = float(np.std(diff, ddof=1)) if n >= 2 else math.nan
    return {
        "value": ci["value"],
        "low": ci["low"],
        "high": ci["high"],
        "sd": sd,
        "share_better": share_better,
        "share_equal": share_equal,
        "n": n,
    }


def sign_test(k_up: int, k_down: int) -> float:
    """Exact two-sided sign test: the chance of a split at least as lopsided as
    ``k_up`` against ``k_down`` (ties left out) if each direction had chance 1/2.
    1.0 with no untied pairs."""
    n = int(k_up) + int(k_down)
    if n == 0:
        return 1.0
    k = min(int(k_up), int(k_down))
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2.0**n
    return float(min(1.0, 2.0 * tail))


def interval_words(low: float, high: float) -> str:
    """Words of certainty for an interval of a change.

    Deliberately simple: ``"likely increases"`` if ``low > 0``,
    ``"likely decreases"`` if ``high < 0``, otherwise (interval contains 0,
    or either bound is NaN) ``"may not change"``.
    """
    if low > 0:
        return "likely increases"
    if high < 0:
        return "likely decreases"
    return "may not change"
