"""Tests for careersim.core.stats (survival, competing risks, replication summaries)."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from careersim.core.stats import (
    cif_at,
    cumulative_incidence,
    interval_words,
    kaplan_meier,
    km_at,
    km_median,
    km_quantile,
    mean_ci,
    paired_difference,
    summarise,
    unique_inverse,
)

TIGHT = dict(rtol=0.0, atol=1e-12)

# --------------------------------------------------------------------------- #
# Kaplan-Meier by hand
# --------------------------------------------------------------------------- #
DUR = [1, 2, 2, 3, 4, 5]
OBS = [1, 1, 0, 1, 0, 1]


def test_km_hand_computed() -> None:
    tab = kaplan_meier(DUR, OBS)
    assert list(tab.columns) == ["time", "at_risk", "events", "censored", "survival", "low", "high"]
    assert tab["time"].tolist() == [0, 1, 2, 3, 4, 5]
    assert tab["at_risk"].tolist() == [6, 6, 5, 3, 2, 1]
    assert tab["events"].tolist() == [0, 1, 1, 1, 0, 1]
    assert tab["censored"].tolist() == [0, 0, 1, 0, 1, 0]
    # S(t) = prod (1 - d/n), with the censoring at t=2 still at risk at t=2
    s1 = Fraction(5, 6)
    s2 = s1 * Fraction(4, 5)  # 2/3
    s3 = s2 * Fraction(2, 3)  # 4/9
    s4 = s3  # censoring only
    s5 = s4 * Fraction(0, 1)  # last subject has the event
    expected = [1, s1, s2, s3, s4, s5]
    assert np.allclose(tab["survival"], [float(x) for x in expected], **TIGHT)


def test_km_greenwood_loglog_band_by_hand() -> None:
    tab = kaplan_meier(DUR, OBS, level=0.95)
    row = tab.loc[tab["time"] == 3].iloc[0]
    s = 4 / 9
    # Greenwood sum: sum d / (n (n - d)) over event times <= 3 = 1/30 + 1/20 + 1/6 = 1/4
    # (so Greenwood's variance of S(3) is S^2 g = 4/81)
    g = 0.25
    # log(-log) transform: var(log(-log S)) = g / (log S)^2
    se = math.sqrt(g / math.log(s) ** 2)
    z = sps.norm.ppf(0.975)
    assert math.isclose(row["low"], s ** math.exp(z * se), abs_tol=1e-12)
    assert math.isclose(row["high"], s ** math.exp(-z * se), abs_tol=1e-12)
    assert row["low"] < s < row["high"]
    # undefined rows (S == 1 at time 0, S == 0 at the end) collapse onto S
    assert tab.iloc[0]["low"] == tab.iloc[0]["high"] == 1.0
    assert tab.iloc[-1]["low"] == tab.iloc[-1]["high"] == 0.0
    assert not tab[["low", "high"]].isna().any().any()


def test_km_median_quantile_at_by_hand() -> None:
    assert km_median(DUR, OBS) == 3.0  # S(2) = 2/3 > 0.5, S(3) = 4/9
    assert km_quantile(DUR, OBS, 0.25) == 2.0  # S(1) = 5/6 > 0.75, S(2) = 2/3
    assert km_quantile(DUR, OBS, 0.9) == 5.0
    tab = kaplan_meier(DUR, OBS)
    assert km_at(tab, -1.0) == 1.0
    assert km_at(tab, 0.5) == 1.0
    assert math.isclose(km_at(tab, 1.0), 5 / 6, abs_tol=1e-12)  # right-continuous
    assert math.isclose(km_at(tab, 2.999), 2 / 3, abs_tol=1e-12)
    assert math.isclose(km_at(tab, 4.5), 4 / 9, abs_tol=1e-12)
    assert km_at(tab, 100.0) == 0.0
    assert math.isnan(km_at(tab, float("nan")))


def test_km_no_censoring_is_empirical_survival() -> None:
    rng = np.random.default_rng(1)
    for n in (7, 8, 51, 200):
        x = rng.integers(1, 15, size=n).astype(float)  # many ties
        tab = kaplan_meier(x, np.ones(n, dtype=bool))
        emp = np.array([np.mean(x > t) for t in tab["time"]])
        assert np.allclose(tab["survival"], emp, **TIGHT)
        # documented convention: lower median order statistic x_(ceil(n/2))
        xs = np.sort(x)
        assert km_median(x, np.ones(n)) == xs[math.ceil(n / 2) - 1]
    # continuous, odd n: the ordinary sample median
    y = rng.exponential(size=101)
    assert km_median(y, np.ones(101)) == np.median(y)
    # even n: smaller of the two middle values
    assert km_median([1.0, 2.0, 3.0, 4.0], [1, 1, 1, 1]) == 2.0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.booleans()), max_size=40), st.sampled_from([0.1, 0.25, 0.5, 0.9]))
def test_km_quantile_is_the_first_time_the_km_table_reaches_the_level(rows, q) -> None:
    # km_quantile walks the curve in compiled code; it must give what the table says, exactly
    d = np.array([r[0] / 4 for r in rows], dtype=float)
    obs = np.array([r[1] for r in rows], dtype=bool)
    table = kaplan_meier(d, obs)
    hit = table["survival"].to_numpy() <= (1.0 - q) + 1e-12
    want = float(table["time"].to_numpy()[np.argmax(hit)]) if hit.any() else math.nan
    got = km_quantile(d, obs, q)
    assert got == want or (math.isnan(got) and math.isnan(want))


def test_km_median_nan_when_fewer_than_half_have_events() -> None:
    assert math.isnan(km_median([1, 2, 3, 4, 5], [1, 1, 0, 0, 0]))
    assert math.isnan(km_median([1, 2, 3], [0, 0, 0]))
    assert math.isnan(km_median([], []))
    # exactly half reached -> defined
    assert km_median([1, 2, 3, 4], [1, 1, 0, 0]) == 2.0


def test_km_zero_durations_and_validation() -> None:
    tab = kaplan_meier([0, 0, 1, 2], [1, 0, 1, 0])
    assert tab["time"].tolist() == [0, 1, 2]
    assert math.isclose(tab["survival"].iloc[0], 3 / 4, abs_tol=1e-12)
    with pytest.raises(ValueError):
        kaplan_meier([1, -1], [1, 1])
    with pytest.raises(ValueError):
        kaplan_meier([1, np.nan], [1, 1])
    with pytest.raises(ValueError):
        kaplan_meier([1, 2], [1])


def test_km_median_exponential_with_censoring() -> None:
    rng = np.random.default_rng(20240601)
    n, lam, c = 20_000, 0.2, 0.1
    t_event = rng.exponential(1 / lam, size=n)
    t_cens = rng.exponential(1 / c, size=n)
    dur = np.minimum(t_event, t_cens)
    obs = t_event <= t_cens
    m_true = math.log(2) / lam
    # Asymptotic SE of the KM median: var(m_hat) = var(S_hat(m)) / f(m)^2 with
    # Greenwood var(S_hat(m)) = S^2/n * int_0^m lam e^{(lam+c)u} du and
    # f(m) = lam * S(m), giving var = (e^{(lam+c)m} - 1) / (n lam (lam+c)).
    se = math.sqrt((math.exp((lam + c) * m_true) - 1) / (n * lam * (lam + c)))  # ~0.039
    # tolerance: 3 standard errors (about 0.12 time units)
    assert abs(km_median(dur, obs) - m_true) < 3 * se
    # the band should cover the true survival at the true median
    tab = kaplan_meier(dur, obs)
    row = tab.iloc[np.searchsorted(tab["time"].to_numpy(), m_true, side="right") - 1]
    assert row["low"] <= 0.5 + 0.01 and row["high"] >= 0.5 - 0.01


# --------------------------------------------------------------------------- #
# Aalen-Johansen
# --------------------------------------------------------------------------- #
def test_cif_no_censoring_equals_fractions() -> None:
    rng = np.random.default_rng(3)
    n = 300
    dur = rng.integers(1, 20, size=n).astype(float)
    causes = rng.integers(1, 4, size=n)
    km = kaplan_meier(dur, np.ones(n))
    total = np.zeros(len(km))
    for k in (1, 2, 3):
        tab = cumulative_incidence(dur, causes, k)
        assert np.allclose(tab["time"], km["time"], **TIGHT)
        assert math.isclose(tab["cif"].iloc[-1], np.mean(causes == k), abs_tol=1e-12)
        # without censoring the CIF is the empirical cumulative fraction
        emp = np.array([np.mean((dur <= t) & (causes == k)) for t in tab["time"]])
        assert np.allclose(tab["cif"], emp, **TIGHT)
        total += tab["cif"].to_numpy()
    assert np.allclose(total + km["survival"].to_numpy(), 1.0, **TIGHT)


def _competing_sample(seed: int, n: int, h1: float, h2: float, c: float):
    rng = np.random.default_rng(seed)
    t1 = rng.exponential(1 / h1, size=n)
    t2 = rng.exponential(1 / h2, size=n)
    tc = rng.exponential(1 / c, size=n)
    dur = np.minimum(np.minimum(t1, t2), tc)
    causes = np.where(tc <= np.minimum(t1, t2), 0, np.where(t1 < t2, 1, 2))
    return dur, causes


def test_cif_constant_hazards_with_censoring() -> None:
    h1, h2 = 0.1, 0.3
    dur, causes = _competing_sample(seed=7, n=20_000, h1=h1, h2=h2, c=0.1)
    ts = np.array([1.0, 3.0, 5.0, 10.0])
    got = cumulative_incidence(dur, causes, 1, times=ts)
    assert np.allclose(got["time"], ts)
    truth = h1 / (h1 + h2) * (1 - np.exp(-(h1 + h2) * ts))
    # SE of each estimate is below ~0.005 at n = 20,000 with this censoring;
    # tolerance 0.015 is > 3 SE.
    assert np.all(np.abs(got["cif"].to_numpy() - truth) < 0.015)
    truth2 = h2 / (h1 + h2) * (1 - np.exp(-(h1 + h2) * 5.0))
    assert abs(cif_at(dur, causes, 2, 5.0) - truth2) < 0.015
    assert cif_at(dur, causes, 1, -1.0) == 0.0


def test_cif_plus_survival_is_one_with_censoring() -> None:
    dur, causes = _competing_sample(seed=11, n=2_000, h1=0.1, h2=0.3, c=0.2)
    km = kaplan_meier(dur, causes > 0)
    c1 = cumulative_incidence(dur, causes, 1)
    c2 = cumulative_incidence(dur, causes, 2)
    assert np.array_equal(c1["time"], km["time"])
    total = c1["cif"].to_numpy() + c2["cif"].to_numpy() + km["survival"].to_numpy()
    assert np.allclose(total, 1.0, rtol=0.0, atol=1e-10)


def test_cif_validation() -> None:
    with pytest.raises(ValueError):
        cumulative_incidence([1, 2], [1, -1], 1)
    with pytest.raises(ValueError):
        cumulative_incidence([1, 2], [1, 1], 0)
    with pytest.raises(ValueError):
        cumulative_incidence([1, 2], [1], 1)


# --------------------------------------------------------------------------- #
# replication summaries and comparisons
# --------------------------------------------------------------------------- #
def test_unique_inverse_is_numpys_unique_with_inverse() -> None:
    rng = np.random.default_rng(4)
    cases = [
        np.array([]),
        np.array([3, 1, 3, 2, 1]),
        rng.integers(0, 1 << 40, 1000),
        np.round(rng.uniform(0, 20, 5000) * 48) / 48,
        np.array([np.nan, 1.0, np.nan, 0.0, 5.0]),
    ]
    for values in cases:
        expected, expected_inverse = np.unique(values, return_inverse=True)
        distinct, inverse = unique_inverse(values)
        np.testing.assert_array_equal(distinct, expected)
        np.testing.assert_array_equal(inverse, expected_inverse)
        assert distinct.dtype == expected.dtype and inverse.dtype == expected_inverse.dtype


def test_summarise_matches_numpy() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=37)
    xn = np.concatenate([x, [np.nan, np.nan]])
    out = summarise(xn, level=0.9)
    assert out["n"] == 37
    assert math.isclose(out["value"], float(np.mean(x)), abs_tol=1e-14)
    assert math.isclose(out["low"], float(np.quantile(x, 0.05)), abs_tol=1e-14)
    assert math.isclose(out["high"], float(np.quantile(x, 0.95)), abs_tol=1e-14)
    assert all(type(out[k]) is float for k in ("value", "low", "high"))
    json.dumps(out)
    empty = summarise([np.nan, np.nan])
    assert empty["n"] == 0 and all(math.isnan(empty[k]) for k in ("value", "low", "high"))
    json.dumps(empty)


def test_mean_ci_matches_scipy() -> None:
    rng = np.random.default_rng(6)
    x = rng.normal(3.0, 2.0, size=25)
    out = mean_ci(np.append(x, np.nan))
    lo, hi = sps.t.interval(0.95, df=24, loc=np.mean(x), scale=sps.sem(x))
    assert out["n"] == 25
    assert math.isclose(out["se"], float(sps.sem(x)), rel_tol=1e-12)
    assert math.isclose(out["low"], lo, rel_tol=1e-12)
    assert math.isclose(out["high"], hi, rel_tol=1e-12)
    one = mean_ci([4.0])
    assert one["value"] == one["low"] == one["high"] == 4.0 and math.isnan(one["se"])
    assert one["n"] == 1
    none = mean_ci([])
    assert none["n"] == 0 and math.isnan(none["value"])


def test_paired_difference_tiny() -> None:
    base = [1.0, 2.0, 3.0, 4.0, np.nan]
    alt = [2.0, 2.0, 5.0, 3.0, 9.0]
    out = paired_difference(base, alt)
    d = np.array([1.0, 0.0, 2.0, -1.0])
    assert out["n"] == 4
    assert math.isclose(out["value"], 0.5, abs_tol=1e-14)
    assert math.isclose(out["sd"], float(np.std(d, ddof=1)), abs_tol=1e-14)
    half = sps.t.ppf(0.975, 3) * np.std(d, ddof=1) / 2.0
    assert math.isclose(out["low"], 0.5 - half, abs_tol=1e-12)
    assert math.isclose(out["high"], 0.5 + half, abs_tol=1e-12)
    assert out["share_better"] == 0.5
    assert out["share_equal"] == 0.25
    lower = paired_difference(base, alt, higher_is_better=False)
    assert lower["share_better"] == 0.25
    assert lower["value"] == out["value"]
    json.dumps(out)


def test_interval_words() -> None:
    assert interval_words(0.1, 2.0) == "likely increases"
    assert interval_words(-2.0, -0.1) == "likely decreases"
    assert interval_words(-1.0, 1.0) == "may not change"
    assert interval_words(0.0, 1.0) == "may not change"
    assert interval_words(float("nan"), float("nan")) == "may not change"


# --------------------------------------------------------------------------- #
# properties
# --------------------------------------------------------------------------- #
_durs = st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), durs=_durs)
def test_km_monotone_and_bounded(data: st.DataObject, durs: list[int]) -> None:
    obs = data.draw(st.lists(st.booleans(), min_size=len(durs), max_size=len(durs)))
    tab = kaplan_meier(durs, obs)
    s = tab["survival"].to_numpy()
    assert np.all(np.diff(s) <= 0.0)
    assert np.all((s >= 0.0) & (s <= 1.0))
    assert np.all(tab["low"] <= s + 1e-12) and np.all(s <= tab["high"] + 1e-12)
    assert np.all((tab["low"] >= 0.0) & (tab["high"] <= 1.0))


@settings(max_examples=60, deadline=None)
@given(data=st.data(), durs=_durs)
def test_cif_monotone_and_bounded(data: st.DataObject, durs: list[int]) -> None:
    causes = data.draw(st.lists(st.integers(min_value=0, max_value=2), min_size=len(durs), max_size=len(durs)))
    c1 = cumulative_incidence(durs, causes, 1)["cif"].to_numpy()
    c2 = cumulative_incidence(durs, causes, 2)["cif"].to_numpy()
    for c in (c1, c2):
        assert np.all(np.diff(c) >= 0.0)
        assert np.all((c >= 0.0) & (c <= 1.0))
    s = kaplan_meier(durs, np.asarray(causes) > 0)["survival"].to_numpy()
    assert np.allclose(c1 + c2 + s, 1.0, rtol=0.0, atol=1e-10)
