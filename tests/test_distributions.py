"""Tests for careersim.core.distributions."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from scipy import special, stats

from careersim.core.distributions import (
    Beta,
    Distribution,
    Fixed,
    LogNormal,
    Mixture,
    Normal,
    Quantiles,
    Triangular,
    Truncated,
    Uniform,
    coerce_number_or_distribution,
    draw,
    parse_distribution,
)

U = np.array([0.001, 0.05, 0.2, 0.5, 0.73, 0.95, 0.999])

EXAMPLES: list[Distribution] = [
    Fixed(value=3),
    Uniform(low=0.2, high=0.6),
    Triangular(low=1, mode=2, high=4),
    Normal(mean=1, sd=0.2),
    Normal(mean=1, sd=0.5, low=0),
    Normal(mean=1, sd=0.5, low=0.5, high=1.2),
    LogNormal(median=7, spread=0.5),
    Beta(a=2, b=5),
    Beta(a=0.7, b=1.3, low=2, high=12),
    Quantiles(points={0.1: 2, 0.5: 7, 0.9: 21}),
    Quantiles(points={0.1: 2, 0.5: 7, 0.9: 21}, low=1, high=22),
    Quantiles(points={0: 0, 0.5: 1, 1: 4}),
    Truncated(base=Triangular(low=0, mode=1, high=3), high=2),
    Truncated(base=LogNormal(median=2, spread=0.8), low=1, high=6),
    Mixture(weights=[0.3, 0.7], parts=[Normal(mean=0, sd=1), LogNormal(median=2, spread=0.5)]),
    Mixture(
        weights=[0.25, 0.25, 0.5], parts=[Fixed(value=1), Uniform(low=0, high=4), Triangular(low=2, mode=3, high=6)]
    ),
]


# --------------------------------------------------------------------------
# ppf against scipy closed forms
# --------------------------------------------------------------------------


def test_fixed_ppf() -> None:
    assert np.all(Fixed(value=3).ppf(U) == 3.0)
    assert Fixed(value=3).ppf(0.5) == 3.0


def test_uniform_ppf() -> None:
    np.testing.assert_allclose(Uniform(low=0.2, high=0.6).ppf(U), stats.uniform(0.2, 0.4).ppf(U), rtol=1e-12)


@pytest.mark.parametrize(("low", "mode", "high"), [(1, 2, 4), (0, 0, 1), (0, 1, 1), (-3, 0.5, 2)])
def test_triangular_ppf(low: float, mode: float, high: float) -> None:
    expected = stats.triang((mode - low) / (high - low), loc=low, scale=high - low).ppf(U)
    np.testing.assert_allclose(Triangular(low=low, mode=mode, high=high).ppf(U), expected, rtol=1e-10)


def test_normal_ppf() -> None:
    np.testing.assert_allclose(Normal(mean=1, sd=0.2).ppf(U), stats.norm(1, 0.2).ppf(U), rtol=1e-12)


@pytest.mark.parametrize(("low", "high"), [(0, None), (None, 1.2), (0.5, 1.2), (-5, 5)])
def test_truncated_normal_ppf(low: float | None, high: float | None) -> None:
    mean, sd = 1.0, 0.5
    a = -np.inf if low is None else (low - mean) / sd
    b = np.inf if high is None else (high - mean) / sd
    expected = stats.truncnorm(a, b, loc=mean, scale=sd).ppf(U)
    np.testing.assert_allclose(Normal(mean=mean, sd=sd, low=low, high=high).ppf(U), expected, rtol=1e-10)


def test_lognormal_ppf() -> None:
    expected = stats.lognorm(s=0.5, scale=7).ppf(U)
    np.testing.assert_allclose(LogNormal(median=7, spread=0.5).ppf(U), expected, rtol=1e-10)


def test_beta_ppf() -> None:
    np.testing.assert_allclose(Beta(a=2, b=5).ppf(U), stats.beta(2, 5).ppf(U), rtol=1e-10)
    expected = stats.beta(0.7, 1.3, loc=2, scale=10).ppf(U)
    np.testing.assert_allclose(Beta(a=0.7, b=1.3, low=2, high=12).ppf(U), expected, rtol=1e-10)


def test_the_standard_beta_gives_exactly_what_the_scaled_form_gives_at_low_0_and_high_1() -> None:
    """The standard beta skips the scaling ``low + (high - low) * y`` (a hot path): on a
    million draws and far into both tails the values are the same to the last bit."""
    u = np.concatenate(
        [
            np.random.default_rng(5).random(1_000_000),
            np.ldexp(1.0, -np.arange(1, 1000, 3)),
            1 - np.ldexp(1.0, -np.arange(1, 53)),
        ]
    )
    for a, b in [(2.0, 5.0), (2.0, 3.0), (0.3, 0.7), (50.0, 2.0)]:
        y = np.asarray(special.betaincinv(a, b, u), dtype=float)
        ok = ~np.isnan(y)  # where betaincinv gives up, both forms share the tail approximation
        scaled = np.clip(0.0 + (1.0 - 0.0) * y[ok], 0.0, 1.0)
        assert np.array_equal(Beta(a=a, b=b).ppf_open(u)[ok].view(np.int64), scaled.view(np.int64))


def test_ppf_scalar_and_array_shapes() -> None:
    d = Uniform(low=0, high=2)
    assert isinstance(d.ppf(0.5), float)
    assert d.ppf(np.full((2, 3), 0.5)).shape == (2, 3)
    assert d.sample(np.random.default_rng(0), size=(4, 5)).shape == (4, 5)
    assert isinstance(d.sample(np.random.default_rng(0)), float)


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan")])
def test_ppf_rejects_non_probabilities(bad: float) -> None:
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        Uniform(low=0, high=1).ppf(np.array([0.5, bad]))


def test_unbounded_tails_are_finite() -> None:
    for d in (Normal(mean=0, sd=1), Normal(mean=0, sd=1, low=-1), LogNormal(median=1, spread=1)):
        assert np.all(np.isfinite(d.ppf(np.array([0.0, 1.0]))))


# --------------------------------------------------------------------------
# sampling and means
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dist", EXAMPLES, ids=lambda d: d.describe())
def test_sample_mean_matches_mean(dist: Distribution) -> None:
    draws = dist.sample(np.random.default_rng(20240611), size=100_000)
    se = draws.std() / math.sqrt(draws.size)
    if se == 0:
        assert draws.mean() == pytest.approx(dist.mean())
    else:
        assert abs(draws.mean() - dist.mean()) < 4 * se


def test_means_closed_form() -> None:
    assert Uniform(low=0.2, high=0.6).mean() == pytest.approx(0.4)
    assert Triangular(low=1, mode=2, high=4).mean() == pytest.approx(7 / 3)
    assert LogNormal(median=7, spread=0.5).mean() == pytest.approx(stats.lognorm(s=0.5, scale=7).mean())
    assert Beta(a=2, b=5).mean() == pytest.approx(2 / 7)
    assert Normal(mean=1, sd=0.5, low=0).mean() == pytest.approx(stats.truncnorm(-2, np.inf, loc=1, scale=0.5).mean())
    # truncated triangular(0, 1, 3) below 2: E = (2/9 + 13/18) / (5/6)
    assert Truncated(base=Triangular(low=0, mode=1, high=3), high=2).mean() == pytest.approx(17 / 15)


def test_sampling_is_reproducible_and_uses_given_generator() -> None:
    d = LogNormal(median=7, spread=0.5)
    a = d.sample(np.random.default_rng(1), size=5)
    b = d.sample(np.random.default_rng(1), size=5)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, d.ppf(np.random.default_rng(1).random(5)))


# --------------------------------------------------------------------------
# compact text form
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dist", EXAMPLES, ids=lambda d: d.describe())
def test_describe_round_trip(dist: Distribution) -> None:
    text = dist.describe()
    assert parse_distribution(text) == dist
    assert str(dist) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fixed(3)", Fixed(value=3)),
        ("uniform(0.2, 0.6)", Uniform(low=0.2, high=0.6)),
        ("  Uniform ( 0.2 ,0.6 ) ", Uniform(low=0.2, high=0.6)),
        ("uniform(low=0.2, high=0.6)", Uniform(low=0.2, high=0.6)),
        ("triangular(1, 2, 4)", Triangular(low=1, mode=2, high=4)),
        ("normal(1, 0.2)", Normal(mean=1, sd=0.2)),
        ("normal(1, 0.2, low=0)", Normal(mean=1, sd=0.2, low=0)),
        ("NORMAL(mean=1, sd=0.2, high=2)", Normal(mean=1, sd=0.2, high=2)),
        ("lognormal(median=7, spread=0.5)", LogNormal(median=7, spread=0.5)),
        ("lognormal(7, 0.5)", LogNormal(median=7, spread=0.5)),
        ("beta(2, 5)", Beta(a=2, b=5)),
        ("beta(2, 5, low=1, high=3)", Beta(a=2, b=5, low=1, high=3)),
        ("quantiles(0.1: 2, 0.5: 7, 0.9: 21)", Quantiles(points={0.1: 2, 0.5: 7, 0.9: 21})),
        ("quantiles(0.9:21,0.1:2, low=0)", Quantiles(points={0.1: 2, 0.9: 21}, low=0)),
        ("truncated(normal(1, 0.5), low=0)", Truncated(base=Normal(mean=1, sd=0.5), low=0)),
        (
            "mixture(0.5: lognormal(7, 1.2), 0.5: quantiles(0.1: 1, 0.5: 21, low=0))",
            Mixture(
                weights=[0.5, 0.5], parts=[LogNormal(median=7, spread=1.2), Quantiles(points={0.1: 1, 0.5: 21}, low=0)]
            ),
        ),
    ],
)
def test_parse_distribution(text: str, expected: Distribution) -> None:
    assert parse_distribution(text) == expected


# --------------------------------------------------------------------------
# quantiles
# --------------------------------------------------------------------------


def test_quantiles_hits_points_and_is_monotone() -> None:
    points = {0.1: 2.0, 0.5: 7.0, 0.9: 21.0}
    d = Quantiles(points=points)
    for p, v in points.items():
        assert d.ppf(p) == pytest.approx(v, abs=1e-12)
    u = np.linspace(0, 1, 1001)
    assert np.all(np.diff(d.ppf(u)) >= 0)
    # linear extension with the adjacent slopes
    assert d.ppf(0.0) == pytest.approx(2 - 0.1 * (5 / 0.4))
    assert d.ppf(1.0) == pytest.approx(21 + 0.1 * (14 / 0.4))
    assert d.support() == pytest.approx((0.75, 24.5))


def test_quantiles_bounds_stop_the_tails() -> None:
    d = Quantiles(points={0.1: 2, 0.5: 7, 0.9: 21}, low=1.5, high=22)
    assert d.ppf(0.0) == 1.5
    assert d.ppf(1.0) == 22
    assert d.support() == (1.5, 22)
    u = np.linspace(0, 1, 101)
    assert np.all((d.ppf(u) >= 1.5) & (d.ppf(u) <= 22))
    # a distant bound does not change the tail
    assert Quantiles(points={0.1: 2, 0.5: 7, 0.9: 21}, low=0).ppf(0.0) == pytest.approx(0.75)


def test_quantiles_cdf_inverts_ppf() -> None:
    d = Quantiles(points={0.1: 2, 0.5: 7, 0.9: 21})
    u = np.linspace(0.01, 0.99, 50)
    np.testing.assert_allclose(d.cdf(d.ppf(u)), u, atol=1e-12)


# --------------------------------------------------------------------------
# mixtures
# --------------------------------------------------------------------------


def test_a_mixtures_cdf_is_the_weighted_sum_and_its_ppf_inverts_it() -> None:
    parts = [LogNormal(median=7, spread=1.25), LogNormal(median=21, spread=2.4), Uniform(low=0, high=3)]
    d = Mixture(weights=[0.45, 0.45, 0.1], parts=parts)
    x = np.array([0.0, 0.5, 1.0, 3.0, 7.0, 21.0, 100.0])
    np.testing.assert_allclose(d.cdf(x), sum(w * p.cdf(x) for w, p in zip(d.weights, parts)), rtol=0, atol=1e-15)
    u = np.linspace(0.0005, 0.9995, 400)
    q = d.ppf(u)
    np.testing.assert_allclose(d.cdf(q), u, rtol=0, atol=1e-12)
    assert np.all(np.diff(q) > 0)
    # between the parts' own quantiles at the same probability
    comp = np.array([p.ppf(u) for p in parts])
    assert np.all((q >= comp.min(axis=0) * (1 - 1e-12)) & (q <= comp.max(axis=0) * (1 + 1e-12)))
    assert d.support() == (0.0, math.inf)
    assert d.mean() == pytest.approx(sum(w * p.mean() for w, p in zip(d.weights, parts)))


def test_a_mixture_of_one_value_twice_is_that_value_and_a_point_mass_is_kept() -> None:
    d = Mixture(weights=[0.5, 0.5], parts=[Fixed(value=2), Fixed(value=2)])
    assert np.all(d.ppf(U) == pytest.approx(2.0))
    d = Mixture(weights=[0.4, 0.6], parts=[Fixed(value=1), Uniform(low=2, high=4)])
    assert d.ppf(0.2) == pytest.approx(1.0) and d.ppf(0.7) == pytest.approx(2.0 + (0.7 - 0.4) / 0.6 * 2.0)


@settings(max_examples=100, deadline=None)
@given(
    w=st.floats(0.05, 0.95),
    m1=st.floats(0.5, 30),
    s1=st.floats(0.1, 3),
    m2=st.floats(0.5, 30),
    s2=st.floats(0.1, 3),
    u=st.floats(1e-6, 1 - 1e-6),
)
def test_a_mixture_of_lognormals_inverts_its_cdf(w, m1, s1, m2, s2, u) -> None:
    d = Mixture(weights=[w, 1 - w], parts=[LogNormal(median=m1, spread=s1), LogNormal(median=m2, spread=s2)])
    assert d.cdf(d.ppf(u)) == pytest.approx(u, abs=1e-10)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("mixture(0.5: uniform(0, 1), 0.4: uniform(1, 2))", "add up to 1"),
        ("mixture(1: uniform(0, 1))", "at least 2 parts"),
        ("mixture(0.5: uniform(0, 1), uniform(1, 2))", "is not 'weight: distribution'"),
        ("mixture(1.5: uniform(0, 1), -0.5: uniform(1, 2))", "above 0"),
        ("mixture(0.5: unifrom(0, 1), 0.5: uniform(1, 2))", "did you mean 'uniform'?"),
    ],
)
def test_mixture_errors(text: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=re.escape(fragment)):
        parse_distribution(text)


def test_the_default_ai_arrival_gives_each_sources_probabilities_at_its_stated_years() -> None:
    """timelines.arrival: an equal mixture whose parts have the published quantiles of the
    forecasting community (25% by 2029, median 2033) and of the expert survey (10% by 2027,
    median 2047), in years from 2026."""
    from careersim.config.schema import ARRIVAL_SOURCES, baseline

    arrival = baseline().timelines.arrival
    assert isinstance(arrival, Mixture) and arrival.weights == [0.5, 0.5]
    assert baseline().run.start_year == 2026
    for part, name in zip(arrival.parts, ("forecasters", "experts")):
        for p, years in ARRIVAL_SOURCES[name]["quantiles"].items():
            assert part.ppf(p) == pytest.approx(years, abs=1e-4)  # within an hour
            assert part.cdf(years) == pytest.approx(p, abs=1e-5)
    # the mixture's probability at a source's year is the average of the parts'
    for years in (1.0, 3.0, 7.0, 21.0):
        assert arrival.cdf(years) == pytest.approx(0.5 * (arrival.parts[0].cdf(years) + arrival.parts[1].cdf(years)))


# --------------------------------------------------------------------------
# validation errors
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda: Uniform(low=1, high=1), "low < high"),
        (lambda: Uniform(low=2, high=1), "low < high"),
        (lambda: Triangular(low=1, mode=5, high=4), "low <= mode <= high"),
        (lambda: Normal(mean=1, sd=-0.2), "sd > 0"),
        (lambda: Normal(mean=1, sd=0), "sd > 0"),
        (lambda: Normal(mean=1, sd=1, low=2, high=1), "low < high"),
        (lambda: Normal(mean=float("nan"), sd=1), "finite"),
        (lambda: Uniform(low=0, high=float("inf")), "finite"),
        (lambda: LogNormal(median=0, spread=1), "median > 0"),
        (lambda: Beta(a=0, b=1), "a > 0"),
        (lambda: Fixed(value=True), "expected a number"),
        (lambda: Quantiles(points={0.1: 5, 0.5: 2}), "must increase"),
        (lambda: Quantiles(points={0.5: 2}), "at least 2 points"),
        (lambda: Quantiles(points={0.1: 1, 1.5: 2}), "in [0, 1]"),
        (lambda: Quantiles(points={0.1: 1, 0.9: 2}, low=1.5), "low=1.5"),
        (lambda: Uniform(low=0, high=1, mode=0.5), "no parameter 'mode'"),
        (lambda: Truncated(base=Uniform(low=2, high=3), high=1), "no probability"),
    ],
)
def test_validation_errors(make: object, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        make()  # type: ignore[operator]
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("uniform(0.6, 0.2)", "low < high"),
        ("normal(1, -0.2)", "sd > 0"),
        ("uniform(nan, 1)", "finite"),
        ("normal(1, inf)", "finite"),
        ("quantiles(0.1: 5, 0.5: 2)", "must increase"),
        ("lognrmal(7, 0.5)", "did you mean 'lognormal'?"),
        ("unifrom(0, 1)", "did you mean 'uniform'?"),
        ("gamma(2, 1)", "expected one of fixed, uniform"),
        ("uniform(1, 2, 3)", "too many values"),
        ("uniform(1)", "missing parameter high"),
        ("uniform(a, 2)", "'a' is not a number"),
        ("normal(1, 0.2, lo=0)", "did you mean 'low'?"),
        ("uniform 0 1", "expected name(arguments)"),
        ("", "could not read ''"),
    ],
)
def test_parse_errors(text: str, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_distribution(text)
    message = str(info.value)
    assert fragment in message
    assert repr(text) in message


# --------------------------------------------------------------------------
# scaled / clipped
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dist", EXAMPLES, ids=lambda d: d.describe())
@pytest.mark.parametrize("factor", [1 / 12, 2.5])
def test_scaled(dist: Distribution, factor: float) -> None:
    scaled = dist.scaled(factor)
    assert type(scaled) is type(dist)
    np.testing.assert_allclose(scaled.ppf(U), factor * dist.ppf(U), rtol=1e-9, atol=1e-12)
    assert scaled.mean() == pytest.approx(factor * dist.mean(), rel=1e-7)


@pytest.mark.parametrize("factor", [0, -1, float("nan"), True])
def test_scaled_rejects_bad_factor(factor: float) -> None:
    with pytest.raises(ValueError, match="factor"):
        Uniform(low=0, high=1).scaled(factor)


def test_clipped_normal_sets_and_tightens_bounds() -> None:
    assert Normal(mean=1, sd=0.2).clipped(0, None) == Normal(mean=1, sd=0.2, low=0)
    assert Normal(mean=1, sd=0.2, low=0.5, high=3).clipped(0, 2) == Normal(mean=1, sd=0.2, low=0.5, high=2)


def test_clipped_returns_self_when_inside() -> None:
    d = Beta(a=2, b=5)
    assert d.clipped(0, 1) is d
    assert Fixed(value=0.3).clipped(0, 1) == Fixed(value=0.3)


def test_clipped_uniform_narrows() -> None:
    assert Uniform(low=-1, high=2).clipped(0, 1) == Uniform(low=0, high=1)


def test_clipped_fixed_outside_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"outside the allowed range \[0, 1\]"):
        Fixed(value=3).clipped(0, 1)


@pytest.mark.parametrize(
    "dist",
    [
        Triangular(low=0.5, mode=0.9, high=1.2),
        LogNormal(median=0.5, spread=1),
        Quantiles(points={0.1: 0.2, 0.9: 1.1}),
        Normal(mean=0.9, sd=0.3),
        Beta(a=2, b=2, low=-0.5, high=1.5),
    ],
    ids=lambda d: d.describe(),
)
def test_clipped_draws_stay_in_range(dist: Distribution) -> None:
    clipped = dist.clipped(0, 1)
    lo, hi = clipped.support()
    assert 0 <= lo < hi <= 1
    draws = clipped.sample(np.random.default_rng(3), size=20_000)
    assert draws.min() >= 0 and draws.max() <= 1
    assert parse_distribution(clipped.describe()) == clipped
    # truncation keeps the shape: the conditional CDF inside the range is the renormalised base CDF
    x = np.array([0.6, 0.8, 0.95])
    f0, f1 = dist.cdf(0.0), dist.cdf(1.0)
    np.testing.assert_allclose(clipped.cdf(x), (dist.cdf(x) - f0) / (f1 - f0), atol=1e-9)


def test_clipped_truncated_tightens_once() -> None:
    d = Triangular(low=0, mode=1, high=3).clipped(None, 2).clipped(0.5, None)
    assert d == Truncated(base=Triangular(low=0, mode=1, high=3), low=0.5, high=2)


# --------------------------------------------------------------------------
# coercion and draw
# --------------------------------------------------------------------------


def test_coerce_number_or_distribution() -> None:
    assert coerce_number_or_distribution(3) == 3.0
    assert isinstance(coerce_number_or_distribution(3), float)
    assert coerce_number_or_distribution(" 0.25 ") == 0.25
    assert coerce_number_or_distribution("uniform(0.2, 0.6)") == Uniform(low=0.2, high=0.6)
    assert coerce_number_or_distribution({"dist": "uniform", "low": 0.2, "high": 0.6}) == Uniform(low=0.2, high=0.6)
    assert coerce_number_or_distribution({"dist": "Normal", "mean": 1, "sd": 0.2}) == Normal(mean=1, sd=0.2)
    assert coerce_number_or_distribution({"dist": "quantiles", "points": {"0.1": 1, "0.9": 3}}) == Quantiles(
        points={0.1: 1, 0.9: 3}
    )
    d = Beta(a=2, b=5)
    assert coerce_number_or_distribution(d) is d


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (True, "expected a number"),
        (float("nan"), "finite"),
        ("inf", "finite"),
        ({"low": 0.2, "high": 0.6}, "add one naming the family"),
        ({"dist": "unifrm", "low": 0.2}, "did you mean 'uniform'?"),
        ({"dist": "uniform", "low": 0.6, "high": 0.2}, "low < high"),
        ("6 moths", "could not read '6 moths'"),
        (None, "got None"),
    ],
)
def test_coerce_errors(value: object, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        coerce_number_or_distribution(value)
    assert fragment in str(info.value)


def test_distribution_type_in_a_pydantic_model() -> None:
    class Params(BaseModel):
        p: float | Distribution

    assert Params(p="0.3").p == 0.3
    assert Params(p="beta(2, 5)").p == Beta(a=2, b=5)
    assert Params(p={"dist": "lognormal", "median": 7, "spread": 0.5}).p == LogNormal(median=7, spread=0.5)
    model = Params(p=Normal(mean=1, sd=0.2, low=0))
    assert Params.model_validate_json(model.model_dump_json()) == model
    with pytest.raises(ValidationError):
        Params(p={"dist": "uniform", "low": 1})


def test_draw() -> None:
    assert draw(2.5, 0.9) == 2.5
    assert draw(2, 0.9) == 2.0
    assert draw(Uniform(low=0, high=2), 0.25) == 0.5
    assert isinstance(draw(Uniform(low=0, high=2), 0.25), float)


# --------------------------------------------------------------------------
# property: ppf is non-decreasing and inside the support, for every family
# --------------------------------------------------------------------------

finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=1e-2, max_value=1e2, allow_nan=False, allow_infinity=False)
shape = st.floats(min_value=0.1, max_value=20, allow_nan=False, allow_infinity=False)


@st.composite
def distributions(draw_: st.DrawFn) -> Distribution:
    family = draw_(
        st.sampled_from(["fixed", "uniform", "triangular", "normal", "lognormal", "beta", "quantiles", "truncated"])
    )
    if family == "fixed":
        return Fixed(value=draw_(finite))
    if family == "uniform":
        low, width = draw_(finite), draw_(positive)
        return Uniform(low=low, high=low + width)
    if family == "triangular":
        low, width, where = draw_(finite), draw_(positive), draw_(st.floats(0, 1))
        return Triangular(low=low, mode=low + where * width, high=low + width)
    if family == "normal":
        mean, sd = draw_(finite), draw_(positive)
        low = draw_(st.none() | st.floats(-3, 1))
        high = draw_(st.none() | st.floats(1.5, 4))
        return Normal(
            mean=mean,
            sd=sd,
            low=None if low is None else mean + low * sd,
            high=None if high is None else mean + high * sd,
        )
    if family == "lognormal":
        return LogNormal(median=draw_(positive), spread=draw_(st.floats(0.01, 3)))
    if family == "beta":
        low, width = draw_(finite), draw_(positive)
        return Beta(a=draw_(shape), b=draw_(shape), low=low, high=low + width)
    if family == "quantiles":
        ps = draw_(st.lists(st.floats(0, 1), min_size=2, max_size=6, unique=True))
        steps = draw_(st.lists(positive, min_size=len(ps), max_size=len(ps)))
        start = draw_(finite)
        values = start + np.cumsum(steps)
        points = {p: float(v) for p, v in zip(sorted(ps), values)}
        low = draw_(st.none() | st.just(float(values[0]) - draw_(st.floats(0, 5))))
        high = draw_(st.none() | st.just(float(values[-1]) + draw_(st.floats(0, 5))))
        return Quantiles(points=points, low=low, high=high)
    base = draw_(distributions().filter(lambda d: not isinstance(d, (Truncated, Fixed))))
    b_lo, b_hi = base.ppf(0.2), base.ppf(0.8)
    if not b_lo < b_hi:
        return base
    return base.clipped(b_lo, b_hi)


@settings(max_examples=150, deadline=None)
@given(dist=distributions(), us=st.lists(st.floats(0, 1), min_size=1, max_size=30))
def test_ppf_monotone_and_within_support(dist: Distribution, us: list[float]) -> None:
    u = np.sort(np.array(us + [0.0, 1.0]))
    x = dist.ppf(u)
    assert np.all(np.isfinite(x))
    assert np.all(np.diff(x) >= 0), dist.describe()
    lo, hi = dist.support()
    assert np.all(x >= lo) and np.all(x <= hi), dist.describe()
    assert parse_distribution(dist.describe()) == dist


def test_uniform_ppf_never_rounds_past_its_upper_bound():
    """low + 1 * (high - low) rounds to just above high for some bounds."""
    d = parse_distribution("uniform(14.400001, 57.600001)")
    assert d.ppf(1.0) == 57.600001
    assert np.all(d.ppf(np.linspace(0.0, 1.0, 1001)) <= 57.600001)


@settings(max_examples=60, deadline=None)
@given(key=st.integers(0, 2**63), tick=st.integers(0, 10_000), n=st.integers(0, 40))
def test_ppf_open_is_ppf_on_careersims_uniforms(key, tick, n) -> None:
    """On careersim's counter-based draws (as the hiring round's outside applicants get
    them), ppf_open gives exactly what ppf gives."""
    from careersim.core.rng import uniforms

    ids = np.arange(n, dtype=np.int64) * 7919 + 3
    u = np.array([uniforms(key, ids, tick, slot) for slot in (2, 3, 4, 5, 6)]).reshape(5, n)
    assert np.all((u > 1e-300) & (u < 1.0))
    for text in ("normal(2.0, 0.25)", "beta(2, 5)", "beta(2, 3)", "lognormal(median=7, spread=0.5)"):
        d = parse_distribution(text)
        assert np.array_equal(d.ppf_open(u[0]), np.asarray(d.ppf(u[0]), dtype=float))


def _open_uniforms() -> np.ndarray:
    """Uniforms as careersim draws them (strictly inside (0, 1)), far into both tails."""
    return np.concatenate(
        [
            np.random.default_rng(11).random(20_000),
            np.ldexp(1.0, -np.arange(1, 54)) * 1.5,
            1 - np.ldexp(1.0, -np.arange(1, 53)),
            [1e-150, 1e-200, 1e-250, 1e-300],  # where betaincinv gives up for some shapes
        ]
    )


def test_compiled_ndtri_and_betaincinv_are_scipys_own_bit_for_bit() -> None:
    """careersim.core.special links compiled code to the routines behind scipy's ufuncs."""
    from careersim.core.compiled import njit
    from careersim.core.special import betaincinv, ndtri

    @njit
    def both(a, b, u):
        z, y = np.empty(len(u)), np.empty(len(u))
        for i in range(len(u)):
            z[i], y[i] = ndtri(u[i]), betaincinv(a, b, u[i])
        return z, y

    u = _open_uniforms()
    for a, b in [(2.0, 5.0), (2.0, 3.0), (0.3, 0.7), (50.0, 2.0)]:
        z, y = both(a, b, u)
        assert np.array_equal(z.view(np.int64), special.ndtri(u).view(np.int64))
        ref = special.betaincinv(a, b, u)
        assert np.array_equal(np.isnan(y), np.isnan(ref))
        assert np.array_equal(y[~np.isnan(y)].view(np.int64), ref[~np.isnan(ref)].view(np.int64))


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(["normal", "beta", "scaled beta", "other"]),
    st.floats(0.2, 20.0),
    st.floats(0.2, 20.0),
    st.floats(-5.0, 5.0),
)
def test_compiled_quantiles_equal_ppf_open_bit_for_bit_or_defer(family, p, q, shift) -> None:
    """ppf_at(compiled_form(d), u) is d.ppf_open(u) to the last bit for an untruncated normal
    and any beta; NaN (the caller's cue to use ppf_open) for other families and where the
    beta's inverse needs its lower-tail fallback."""
    from careersim.core.compiled import njit
    from careersim.core.special import F_NONE, compiled_form, ppf_at

    @njit
    def at(form, u):
        out = np.empty(len(u))
        for i in range(len(u)):
            out[i] = ppf_at(form, u[i])
        return out

    dist = {
        "normal": Normal(mean=shift, sd=p),
        "beta": Beta(a=p, b=q),
        "scaled beta": Beta(a=p, b=q, low=shift, high=shift + q),
        "other": LogNormal(median=p, spread=0.5),
    }[family]
    u = _open_uniforms()
    form = compiled_form(dist)
    got, ref = at(form, u), np.asarray(dist.ppf_open(u), dtype=np.float64)
    if family == "other":
        assert form[0] == F_NONE and np.isnan(got).all()
        return
    ok = ~np.isnan(got)
    assert np.array_equal(got[ok].view(np.int64), ref[ok].view(np.int64))
    if family != "normal":  # deferred exactly where betaincinv gives up
        assert np.array_equal(~ok, np.isnan(special.betaincinv(p, q, u)))
    else:
        assert ok.all()
    assert compiled_form(Normal(mean=0.0, sd=1.0, low=-1.0))[0] == F_NONE  # a truncated normal defers
    # where betaincinv gives up (beta(2, 5) below about 1e-186), compiled code defers to ppf_open's tail formula
    tail = np.array([1e-200, 1e-300])
    assert np.isnan(at(compiled_form(Beta(a=2, b=5)), tail)).all()
    assert (np.asarray(Beta(a=2, b=5).ppf_open(tail)) > 0).all()
