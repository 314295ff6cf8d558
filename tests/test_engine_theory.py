"""Layer (c): the engine against closed-form theory in degenerate configurations.

Each check runs at a fixed seed and asserts agreement within a stated number
of standard errors (or a goodness-of-fit p-value above 0.001).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit
from scipy import stats

import careersim as cs
from careersim.core.rng import Streams, poisson_from_uniform, poisson_given_p0, uniforms
from careersim.engine.grants import serve_fifo
from careersim.engine.kernel import (
    CH,
    NBITS,
    NSRC,
    POIS_K,
    WEEKS_PER_MONTH,
    _draw,
    _exp_above,
    _skill_pass,
    _tabulate,
    exp_upper_table,
)
from tests.conftest import quiet

CONTRIBUTORS_ONLY = {
    "population.track_mix.phd": 0.0,
    "population.track_mix.independent": 0.0,
    "population.track_mix.contributor": 1.0,
    "contributor.phd_intent_share": 0.0,
    "positions.ready_generation": 1.0,  # nobody becomes ready: no hiring, no waiting hazard
    "programme.places": 0,
}


def _exit_times(rep, h_total):
    """Continuous exit times from the monthly draws: a month-k exit is placed
    inside its month by the exponential's conditional law, which makes the
    times exactly Exp(h_total) if the engine's monthly hazard is right."""
    a = rep.agents
    dt = 1 / 12
    k = np.round(a.exit_year.to_numpy() * 12)
    u = Streams(99).generator("params").random(len(k))
    q = 1 - math.exp(-h_total * dt)
    v = -np.log(1 - u * q) / (h_total * dt)
    return dt * (k + v)


def test_a_lone_constant_exit_hazard_gives_exponential_times():
    h = 1.0
    sc = quiet(
        **CONTRIBUTORS_ONLY,
        **{
            "population.entrants_per_year": 3000,
            "run.horizon": 12.0,
            "population.contributor_kinds.industry": 1.0,
            "population.contributor_kinds.nonprofit": 0.0,
            "population.contributor_kinds.academic_ra": 0.0,
            "exits.leave": h,
            "exits.leave_sensitivity": 0.0,
            "exits.industry_pull": 1.0,
        },
    )
    rep = cs.simulate(sc, seed=7)
    assert rep.agents.exit_year.notna().all()  # exp(-12) censoring chance per person
    times = _exit_times(rep, h)
    ks = stats.kstest(times, stats.expon(scale=1 / h).cdf)
    assert ks.pvalue > 1e-3, ks
    assert set(rep.agents.exit_reason) == {"left_for_other_work"}


def test_two_competing_hazards_split_exits_h1_over_h1_plus_h2():
    h1, h2 = 0.2, 0.6
    sc = quiet(
        **CONTRIBUTORS_ONLY,
        **{
            "population.entrants_per_year": 4000,
            "run.horizon": 15.0,
            "population.contributor_kinds.industry": 1.0,
            "population.contributor_kinds.nonprofit": 0.0,
            "population.contributor_kinds.academic_ra": 0.0,
            "exits.burnout": h1,
            "exits.burnout_sensitivity": 0.0,
            "exits.leave": h2,
            "exits.leave_sensitivity": 0.0,
            "exits.industry_pull": 1.0,
        },
    )
    rep = cs.simulate(sc, seed=8)
    reasons = rep.agents.exit_reason[rep.agents.exit_year.notna()]
    n = len(reasons)
    share = float((reasons == "burnout").mean())
    p = h1 / (h1 + h2)
    se = math.sqrt(p * (1 - p) / n)
    assert abs(share - p) < 3 * se, (share, p, se)
    # and the time to the first of the two is exponential with the summed hazard
    assert rep.agents.exit_year.notna().all()
    assert stats.kstest(_exit_times(rep, h1 + h2), stats.expon(scale=1 / (h1 + h2)).cdf).pvalue > 1e-3


def test_feedback_counts_are_poisson_with_mean_and_variance_rate_times_time():
    lam = 2.3
    key = Streams(3).key("feedback")
    u = uniforms(key, np.arange(200_000), 17, 0)
    k = np.array([poisson_from_uniform(lam, x) for x in u])
    n = len(k)
    assert abs(k.mean() - lam) < 4 * math.sqrt(lam / n)
    # variance of the sample variance of a Poisson: (mu4 - sigma^4)/n with mu4 = lam + 3 lam^2
    assert abs(k.var() - lam) < 4 * math.sqrt((lam + 3 * lam**2 - lam**2) / n)
    observed = np.bincount(k, minlength=12)[:12]
    expected = stats.poisson.pmf(np.arange(12), lam) * n
    tail = n - observed.sum(), n - expected.sum()
    chi = stats.chisquare(np.append(observed, tail[0]), np.append(expected, tail[1]))
    assert chi.pvalue > 1e-3


def test_counter_uniforms_are_uniform_and_match_the_compiled_twin():
    from careersim.core.rng import uniform

    key = Streams(1).key("hazard")
    u = uniforms(key, np.arange(100_000), 5, 2)
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    assert all(uniform(np.uint64(key), i, 5, 2) == u[i] for i in range(0, 100_000, 997))
    # neighbouring ticks and slots are not correlated
    v = uniforms(key, np.arange(100_000), 6, 2)
    assert abs(np.corrcoef(u, v)[0, 1]) < 4 / math.sqrt(len(u))


def test_reseeded_generator_draws_as_a_new_one():
    # pcg64_states computes numpy's SeedSequence -> PCG64 seeding directly; it must
    # give exactly the state (and so the draws) of a freshly built generator
    from careersim.core.rng import pcg64_states

    def pcg64_state(root, key):
        return pcg64_states(root, [key])[0]

    rng = np.random.default_rng(7)
    for _ in range(300):
        root = int(rng.integers(0, 2**62)) >> int(rng.integers(0, 62))
        spawn = tuple(int(x) >> int(rng.integers(0, 64)) for x in rng.integers(0, 2**63, size=int(rng.integers(0, 5))))
        built = np.random.PCG64(np.random.SeedSequence(root, spawn_key=spawn)).state
        assert pcg64_state(root, spawn) == built
    assert (
        pcg64_state(2**100 + 3, (1, 2**40))
        == np.random.PCG64(np.random.SeedSequence(2**100 + 3, spawn_key=(1, 2**40))).state
    )
    s = Streams(3, 2)
    kept = s.generator("programme", 0)
    for t in (4, 52, 1000):
        new = s.generator("programme", t)
        kept.bit_generator.state = s.generator_states("programme", [t])[0]
        again = kept
        assert (new.integers(0, 77, size=40) == again.integers(0, 77, size=40)).all()
        assert (new.standard_normal(40) == again.standard_normal(40)).all()
    keys = [(1, 9, 5), (2, 2**40), (7,), (3, 4)]  # several at once, of different lengths
    assert pcg64_states(11, keys) == [np.random.PCG64(np.random.SeedSequence(11, spawn_key=k)).state for k in keys]
    ticks = [4, 52, 100]
    assert s.generator_states("programme", ticks) == [s.generator("programme", t).bit_generator.state for t in ticks]
    with pytest.raises(ValueError):  # as numpy's SeedSequence does
        pcg64_states(1, [(-1,)])


def test_mean_skill_under_saturating_learning_from_poisson_feedback_matches_closed_form():
    # academic contributors: two feedback sources of the same quality q train idea
    # generation, with weight own_idea_share each: mentor (dose(h) signals a week)
    # and peers (1 a month). Each signal closes a share gain*lr*q*w of the gap to
    # the level the source can teach, T = floor + (1 - floor) q, so
    # E[T - g(t)] = (T - g0) * exp(-months * sum_k lambda_k * gain * lr * q * w)
    gain, q, ratio, own, hours, h0, floor = 0.05, 0.6, 1.0, 0.3, 0.6, 0.5, 0.2
    years = 6
    sc = quiet(
        **CONTRIBUTORS_ONLY,
        **{
            "population.entrants_per_year": 5000,
            "run.horizon": float(years),
            "population.contributor_kinds.industry": 0.0,
            "population.contributor_kinds.nonprofit": 0.0,
            "population.contributor_kinds.academic_ra": 1.0,
            "population.traits.learning_rate": "fixed(1)",
            "population.backgrounds.skill_spread": 0.0,
            "learning.self_study_signals": 0.0,
            "learning.signal_gain": gain,
            "learning.peer_quality_ratio": ratio,
            "learning.saturation_hours": h0,
            "contributor.own_idea_share": own,
            "contributor.quality_academic": q,
            "contributor.mentor_hours_academic": hours,
            "learning.teachable_floor": floor,
        },
    )
    rep = cs.simulate(sc, seed=4)
    g0 = rep.agents.initial_idea_generation.to_numpy()
    g = rep.agents.idea_generation.to_numpy()
    lam_mentor = 1.0 * h0 * (1 - math.exp(-hours / h0)) * WEEKS_PER_MONTH
    rate = lam_mentor * gain * q * own + 1.0 * gain * q * ratio * own
    target = floor + (1 - floor) * q
    assert (g0 < target).all()
    expected = target - (target - g0.mean()) * math.exp(-12 * years * rate)
    se = g.std(ddof=1) / math.sqrt(len(g))
    assert abs(g.mean() - expected) < 4 * se, (g.mean(), expected, se)


def test_fifo_queue_with_exponential_service_matches_the_mmc_mean_wait():
    lam, mu, c = 3.0, 1.0, 4
    rng = np.random.default_rng(12)
    n = 200_000
    arrivals = np.cumsum(rng.exponential(1 / lam, n))
    service = rng.exponential(1 / mu, n)
    free = np.zeros(c)
    starts = serve_fifo(free, arrivals, service, until=np.inf)
    waits = starts - arrivals
    a = lam / mu
    rho = a / c
    erlang_c = (a**c / math.factorial(c) / (1 - rho)) / (
        sum(a**k / math.factorial(k) for k in range(c)) + a**c / math.factorial(c) / (1 - rho)
    )
    wq = erlang_c / (c * mu - lam)
    batches = waits[n // 10 :].reshape(50, -1).mean(axis=1)  # batch means for autocorrelated waits
    se = batches.std(ddof=1) / math.sqrt(len(batches))
    assert abs(waits[n // 10 :].mean() - wq) < 4 * se, (waits.mean(), wq, se)


def test_grant_queue_obeys_littles_law():
    """L = lambda W over the run, with L the time-average number of applications
    in the system (queued, in review or awaiting decision) sampled at every
    monthly round and W from each application's own enqueue and decision times."""
    sc = cs.baseline().with_changes({"population.entrants_per_year": 150, "run.horizon": 10.0, "run.burn_in": 0.0})
    rep = cs.simulate(sc, seed=21)
    apps = rep.institutions["grant_applications"]
    months = rep.institutions["grant_months"]
    T = months.tick.max() + 4
    L = (months.queue + months.in_review_or_decision).mean()
    lam = len(apps) / T
    W = (apps.decided.fillna(T).clip(upper=T) - apps.submit).mean()
    assert L > 1 and (apps.outcome == "open").any()
    assert abs(L - lam * W) < 1e-9 * L, (L, lam * W)


# -- the monthly step's shortcuts give exactly the draws of the plain formulas ----------


@njit(cache=True)
def _table_and_loop(lam, us):
    TAB = np.empty((1, POIS_K))
    LAM = np.empty(1)
    p0 = np.exp(-lam)
    _tabulate(TAB, LAM, 0, lam, p0)
    out = np.empty((len(us) + POIS_K, 2), dtype=np.int64)
    for j in range(len(us)):
        out[j, 0], out[j, 1] = _draw(TAB, LAM, 0, us[j]), poisson_given_p0(lam, p0, us[j])
    for k in range(POIS_K):  # exactly on a tabulated F(k): the smallest k with F(k) >= u
        out[len(us) + k, 0] = _draw(TAB, LAM, 0, TAB[0, k])
        out[len(us) + k, 1] = poisson_given_p0(lam, p0, TAB[0, k])
    return out


@given(lam=st.floats(-5.0, 40.0), us=st.lists(st.floats(1e-300, 1.0, exclude_max=True), min_size=1, max_size=20))
@settings(max_examples=200, deadline=None)
def test_tabulated_poisson_equals_the_inversion_loop(lam, us):
    """The step draws shared-rate Poisson counts from a per-step table; every count
    must equal :func:`poisson_given_p0`'s, including beyond the table and at u = F(k)."""
    got = _table_and_loop(lam, np.array(us))
    np.testing.assert_array_equal(got[:, 0], got[:, 1])


@given(lam=st.floats(0.0, 40.0), u=st.floats(1e-300, 1.0, exclude_max=True))
@settings(max_examples=300, deadline=None)
def test_poisson_shortcut_equals_the_full_inversion(lam, u):
    """``poisson_from_uniform`` returns 0 early when u <= 1 - lam; that must never change a draw."""
    # p0 from the same libm exp the compiled code uses (numpy's own exp may differ in the
    # last bit, which moves draws of u within 1e-16 of 1 far into the tail)
    assert poisson_from_uniform(lam, u) == (poisson_given_p0(lam, math.exp(-lam), u) if lam > 0 else 0)


def _power(b, n):
    """``b**n`` by squaring over the bits of n, lowest first (numba's order of multiplications)."""
    r = 1.0
    while n:
        if n & 1:
            r *= b
        n >>= 1
        b *= b
    return r


@given(seed=st.integers(0, 2**32 - 1), m=st.integers(1, CH), lam=st.floats(0.0, 12.0))
@settings(max_examples=60, deadline=None)
def test_vectorised_skill_updates_equal_one_update_after_another(seed, m, lam):
    """The step applies a month's feedback across a chunk of people, source by source,
    with the rare counts of 2**NBITS or more set aside and applied one by one (and a
    source few people in the chunk use applied person by person). Every
    skill must equal, bit for bit, the plain rule applied source after source:
    ``s <- target - (target - s) * (1 - a*w)**n`` when ``s < target`` and ``n > 0``."""
    rng = np.random.default_rng(seed)
    floor = 0.2
    n = rng.poisson(lam, size=(NSRC, CH)).astype(np.int64)
    # sources used by everyone, by a few (applied person by person) or by nobody
    n *= rng.random((NSRC, CH)) < rng.choice([0.0, 0.02, 0.1, 0.5, 1.0], size=(NSRC, 1))
    n[:, m:] = 0
    SQ = rng.uniform(0.0, 1.0, size=(NSRC, CH))
    SW = rng.choice([0.0, 0.1, 0.25, 0.35, 0.6], size=(NSRC, 4, CH))
    GL = rng.uniform(0.0, 20.0, size=CH)  # gain x learning rate; large values hit the 0.95 cap
    SK = rng.uniform(0.0, 1.0, size=(4, CH))
    long_ = [(j, k, n[k, j]) for j in range(m) for k in range(NSRC) if n[k, j] >= 1 << NBITS]
    SN = n.copy()
    for j, k, _ in long_:
        SN[k, j] = 0
    LONG = np.array(long_ or [(0, 0, 0)], dtype=np.int64)
    expected = SK.copy()
    for j in range(m):
        for k in range(NSRC):
            if n[k, j] <= 0:
                continue
            q = SQ[k, j]
            a = min(GL[j] * q, 0.95)
            target = floor + (1.0 - floor) * q
            for c in range(4):
                if expected[c, j] < target:
                    expected[c, j] = target - (target - expected[c, j]) * _power(1.0 - a * SW[k, c, j], int(n[k, j]))
    got = SK.copy()
    _skill_pass(m, SN, SQ, SW, GL, got, LONG, len(long_), floor)
    np.testing.assert_array_equal(got, expected)
    # the set-aside counts may come in any order across sources, as long as each source's are in
    # person order: the step queues the PhD students' co-supervision (source 5) after the rest
    by_source = np.array(sorted(long_, key=lambda x: (x[1], x[0])) or [(0, 0, 0)], dtype=np.int64)
    got = SK.copy()
    _skill_pass(m, SN, SQ, SW, GL, got, by_source, len(long_), floor)
    np.testing.assert_array_equal(got, expected)


@njit(cache=True)
def _exp_bound(table, x):
    return _exp_above(table, x)


@given(x=st.floats(-40.0, 40.0))
@settings(max_examples=500, deadline=None)
def test_tabulated_exp_is_an_upper_bound(x):
    """The exit test skips the exact hazards only when a tabulated bound already rules an exit out."""
    bound = _exp_bound(exp_upper_table(), x)
    assert bound >= np.exp(x)
    assert np.isnan(_exp_bound(exp_upper_table(), np.nan))  # never a table lookup at NaN
    assert bound <= np.exp(x) * np.exp(1.0 / 32.0) * (1 + 1e-9)  # tight: within one grid step


@given(
    us=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=50),
    flat=st.integers(0, 8000),
    shape=st.sampled_from(["normal", "linear", "constant"]),
)
@settings(max_examples=100, deadline=None)
def test_trait_table_interpolation_equals_numpy_interp(us, flat, shape):
    """Trait inverse CDFs are interpolated on an evenly spaced logit grid by a compiled
    search; every value must equal ``np.interp``'s, at the nodes, between them, beyond
    the grid ends, on flat stretches and for NaN."""
    from careersim.engine.population import _LOGIT_GRID, _interp_grid

    n = len(_LOGIT_GRID)
    fp = {
        "normal": np.sort(np.random.default_rng(flat).normal(size=n)),
        "linear": np.linspace(0.0, 1.0, n),
        "constant": np.full(n, 0.3),
    }[shape]
    fp[flat : flat + 50] = fp[flat]
    u = np.array(us)
    with np.errstate(divide="ignore"):
        x = np.concatenate([np.log(u) - np.log1p(-u), _LOGIT_GRID[flat : flat + 3], [np.nan, -40.0, 40.0]])
    np.testing.assert_array_equal(_interp_grid(x, _LOGIT_GRID, fp), np.interp(x, _LOGIT_GRID, fp))


def test_tabulated_trait_draws_are_within_their_stated_error_of_the_exact_inverse():
    """Trait draws come from a table of the inverse CDF (at any size for the beta family,
    from 4,096 people for the others). For the shipped trait and advisor-quality
    distributions the table must stay within 1e-6 of the exact inverse for the beta
    family and 1e-4 for the lognormal (whose far tails are steep), from u = 1e-9 to
    1 - 1e-9; small populations of other families are drawn exactly."""
    from careersim.core.distributions import Beta
    from careersim.engine.parameters import draw_parameters
    from careersim.engine.population import _ppf

    values = draw_parameters(cs.baseline(), Streams(1))
    u = np.concatenate([np.random.default_rng(3).random(20_000), np.linspace(1e-9, 1 - 1e-9, 20_001)])
    paths = [p for p in values if p.startswith("population.traits.")] + ["phd.advisor_quality"]
    assert len(paths) == 6
    for path in paths:
        dist = values[path]
        err = np.max(np.abs(_ppf(dist, u) - dist.ppf(u)))
        assert err <= (1e-6 if isinstance(dist, Beta) else 1e-4), (path, err)
        few = u[:100]
        if isinstance(dist, Beta):  # the table at any size
            np.testing.assert_array_equal(_ppf(dist, few), _ppf(dist, u)[:100])
        else:  # few draws of a cheap family are exact
            np.testing.assert_array_equal(_ppf(dist, few), dist.ppf(few))


@given(
    v=st.lists(st.sampled_from([-3.0, -1.5, -1.5, 0.0, 0.25, 2.0, 7.0]) | st.floats(-10, 10), min_size=1, max_size=300),
    k=st.integers(0, 40),
)
@settings(max_examples=200, deadline=None)
def test_hiring_selection_equals_a_stable_sort(v, k):
    """Hiring fills k openings with the k best-scored candidates, ties in pool order:
    the partial selection must pick and order exactly as a stable full sort."""
    from careersim.engine.hiring import smallest_stable

    v = np.array(v)
    k = min(k, len(v))
    np.testing.assert_array_equal(smallest_stable(v, k), np.argsort(v, kind="mergesort")[:k])


@given(
    rates=st.lists(st.floats(0.0, 3.0), min_size=4, max_size=4),
    sens=st.lists(st.floats(-8.0, 8.0), min_size=2, max_size=2),
    w=st.lists(st.floats(-0.5, 1.5), min_size=2, max_size=2),
    mo=st.lists(st.floats(-0.5, 1.5), min_size=2, max_size=2),
    lmax=st.floats(0.0, 3.0),
    at=st.floats(0.0, 1.0),
    lead=st.booleans(),
    waiting=st.booleans(),
)
@settings(max_examples=400, deadline=None)
def test_the_chunks_exit_bound_is_above_everyones_chance_of_leaving(rates, sens, w, mo, lmax, at, lead, waiting):
    """The step skips a person's exit test when their uniform is at or above one bound
    for the whole chunk. Anyone whose wellbeing and motivation lie in the chunk's
    ranges (and whose multiplier of the hazard of leaving is at most the chunk's)
    must have a chance of leaving this month below that bound."""
    from careersim.engine import vector as V
    from careersim.engine.kernel import DT, W_MID, _no_exit_above

    P = np.zeros(V.N_PARAMS)
    P[V.EXITS_BURNOUT], P[V.EXITS_LEAVE], P[V.POSITIONS_LEAD_EXIT], P[V.POSITIONS_WAIT_LEAVE] = rates
    P[V.EXITS_BURNOUT_SENSITIVITY], P[V.EXITS_LEAVE_SENSITIVITY] = sens
    P_BURNOUT, P_LEAVE, P_LEAD_EXIT, P_WAIT_LEAVE = (
        V.EXITS_BURNOUT,
        V.EXITS_LEAVE,
        V.POSITIONS_LEAD_EXIT,
        V.POSITIONS_WAIT_LEAVE,
    )
    P_BURNOUT_SENS, P_LEAVE_SENS = V.EXITS_BURNOUT_SENSITIVITY, V.EXITS_LEAVE_SENSITIVITY
    wlo, whi = sorted(w)
    mlo, mhi = sorted(mo)
    bound = _no_exit_above(P, 0.1, wlo, whi, mlo, mhi, lmax)
    well = wlo + at * (whi - wlo)
    motiv = mhi - at * (mhi - mlo)
    h = P[P_BURNOUT] * np.exp(P[P_BURNOUT_SENS] * (W_MID - well))
    h += P[P_LEAD_EXIT] if lead else P[P_LEAVE] * (lmax * at) * np.exp(P[P_LEAVE_SENS] * (W_MID - motiv))
    h += P[P_WAIT_LEAVE] if waiting else 0.0
    assert 1.0 - np.exp(-h * DT) < bound


def test_live_parameters_count_every_write_and_keep_the_kernel_vector_in_step():
    """Readers keep settings derived from the live values until ``version`` changes:
    a value written any way (``set``, item assignment, ``update``) must count, and a
    kernel parameter must reach the vector the monthly step reads."""
    from careersim.engine.field import FieldModel
    from careersim.engine.parameters import draw_parameters
    from careersim.engine.vector import INDEX

    streams = Streams(1, 0)
    live = FieldModel(draw_parameters(cs.baseline(), streams), [], streams).live
    i = INDEX["exits.leave"]
    v0 = live.version
    live.set("exits.leave", 0.07)
    live["grants.reviewers"] = 9.0
    live.update({"exits.leave": 0.05})
    live.set("exits.leave", 0.05)  # the same value: no change
    assert live.version == v0 + 3
    assert live.P[i] == 0.05 and live["grants.reviewers"] == 9.0


# ---------------------------------------------------------------------------------------------
# time to degree
# ---------------------------------------------------------------------------------------------

PHD_ONLY = {
    "population.track_mix.phd": 1.0,
    "population.track_mix.independent": 0.0,
    "population.track_mix.contributor": 0.0,
    "phd.admission_month": 1,
    "phd.min_portfolio": -10.0,
    "phd.advisors": 2000,
    "phd.max_students": 4,
    "positions.ready_generation": 1.0,  # nobody becomes ready: no hiring
    "phd.industry_share": 1.0,
    "phd.independent_share": 0.0,
    "contributor.phd_intent_share": 0.0,
    "programme.places": 0,
}


def test_a_constant_pace_and_attrition_hazard_give_completion_exp_minus_hazard_times_duration():
    """Every student at the reference pace needs exactly D = 2 years; attrition at a constant
    hazard a: the share who graduate is exp(-a D), all of them at D."""
    a, d = 0.4, 2.0
    sc = quiet(
        **PHD_ONLY,
        **{
            "population.entrants_per_year": 4000,
            "run.horizon": 3.0,
            "phd.duration": d,
            "phd.min_years": 0.0,
            "phd.pace_skill": 0.0,
            "phd.pace_feedback": 0.0,
            "phd.pace_wellbeing": 0.0,
            "phd.attrition_early": a,
            "phd.attrition_late": a,
        },
    )
    rep = cs.simulate(sc, seed=11)
    ag = rep.agents[rep.agents.entrant & rep.agents.ever_phd & (rep.agents.phd_start_year == 0.0)]
    n = len(ag)
    assert n > 1000
    done = ag.has_phd.to_numpy()
    years = (ag.phd_end_year - ag.phd_start_year).to_numpy()
    assert np.all(years[done] == d)
    p = math.exp(-a * d)
    assert abs(done.mean() - p) < 4 * math.sqrt(p * (1 - p) / n), (done.mean(), p, n)
    assert set(ag.exit_reason[~done]) == {"left_for_other_work"}
    # exits spread by month like the hazard: the share gone in the first year is 1 - exp(-a)
    first_year = np.mean(years[~done] <= 1.0 + 1e-9) * (1 - done.mean())
    assert abs(first_year - (1 - math.exp(-a))) < 4 * math.sqrt(0.25 / n)


def test_without_extensions_nobody_studies_past_the_funded_years():
    """An 8-year thesis at the reference pace and 5 funded years with no extension: nobody
    graduates, every student leaves at 5 years, funding ran out."""
    sc = quiet(
        **PHD_ONLY,
        **{
            "population.entrants_per_year": 200,
            "run.horizon": 6.0,
            "phd.duration": 8.0,
            "phd.min_years": 0.0,
            "phd.pace_skill": 0.0,
            "phd.pace_feedback": 0.0,
            "phd.pace_wellbeing": 0.0,
            "phd.funded_years": 5.0,
            "phd.extension_chance": 0.0,
        },
    )
    rep = cs.simulate(sc, seed=12)
    ag = rep.agents[rep.agents.entrant & rep.agents.ever_phd & (rep.agents.phd_start_year == 0.0)]
    assert len(ag) > 50 and not ag.has_phd.any()
    assert np.all((ag.phd_end_year - ag.phd_start_year) == 5.0)
    assert set(ag.exit_reason) == {"funding_ran_out"}
