"""The monthly step's named helpers, each against the value its formula gives.

Every helper of :mod:`careersim.engine.kernel` that :func:`step` drives is
called here on its own (numba compiles it for a direct call), with a parameter
vector built from the baseline and the entries under test set by name.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from careersim.config.schema import baseline
from careersim.core.clock import DT, TICKS_PER_YEAR, WEEKS_PER_MONTH
from careersim.core.codes import (
    APPLICANT,
    CONTRIBUTOR,
    INDEPENDENT,
    K_ACADEMIC,
    K_INDUSTRY,
    K_NONPROFIT,
    LEAD,
    PHD,
    R_BURNOUT,
    R_NO_OPENING,
    R_OTHER_WORK,
    S_BIG_RFP,
    S_SMALL_FUNDER,
    UNFUNDED,
)
from careersim.core.rng import Streams, poisson_from_uniform, poisson_given_p0
from careersim.engine import kernel as K
from careersim.engine import vector as V
from careersim.engine.layout import F_COLLAB, F_CUTLOSS, F_EXPOSED, F_PENDING, F_PLAN, F_UPSKILL
from careersim.engine.parameters import Live, draw_parameters


@pytest.fixture(scope="module")
def P0() -> np.ndarray:
    values = draw_parameters(baseline(), Streams(0))
    values["timelines.arrival"] = 5.0
    return Live(values).P.copy()


def _with(P0, **entries) -> np.ndarray:
    P = P0.copy()
    for name, value in entries.items():
        P[getattr(V, name)] = value
    return P


# ---------------------------------------------------------------------------------------------
# feedback
# ---------------------------------------------------------------------------------------------


def test_dose_is_linear_or_saturates_at_the_stated_hours(P0):
    P = _with(P0, LEARNING_SIGNALS_PER_MENTOR_HOUR=2.0, LEARNING_SATURATION_HOURS=0.5, X_SATURATING=0.0)
    assert K._dose(3.0, P) == 6.0
    P[V.X_SATURATING] = 1.0
    assert K._dose(3.0, P) == pytest.approx(2.0 * 0.5 * (1.0 - math.exp(-6.0)), rel=1e-15)
    assert K._dose(0.0, P) == 0.0


def test_the_threshold_dose_teaches_little_below_the_essays_minimum(P0):
    """learning.dose_response: threshold: k h at or above threshold_hours, k h f below it."""
    P = _with(
        P0,
        LEARNING_SIGNALS_PER_MENTOR_HOUR=2.0,
        LEARNING_THRESHOLD_HOURS=0.5,
        LEARNING_BELOW_THRESHOLD_FACTOR=0.2,
        X_SATURATING=0.0,
        X_DOSE_THRESHOLD=1.0,
    )
    assert K._dose(0.5, P) == 1.0 and K._dose(3.0, P) == 6.0  # the threshold itself counts in full
    assert K._dose(np.nextafter(0.5, 0.0), P) == 2.0 * np.nextafter(0.5, 0.0) * 0.2
    assert K._dose(0.08, P) == 2.0 * 0.08 * 0.2 and K._dose(0.0, P) == 0.0
    P[V.X_DOSE_THRESHOLD] = 0.0  # linear again
    assert K._dose(0.08, P) == 2.0 * 0.08


@settings(max_examples=200, deadline=None)
@given(
    h1=st.floats(0.0, 20.0),
    h2=st.floats(0.0, 20.0),
    form=st.sampled_from(["saturating", "threshold", "linear"]),
    h0=st.floats(0.05, 3.0),
    theta=st.floats(0.0, 3.0),
    f=st.floats(0.0, 1.0),
)
# a tiny saturating dose: 1 - exp(-h/h0) once rounded above h/h0 (found in CI; expm1 since)
@example(h1=0.0, h2=3.4206620714699676e-12, form="saturating", h0=1.0, theta=0.0, f=0.0)
def test_every_dose_response_is_at_most_linear_and_never_falls_with_more_hours(P0, h1, h2, form, h0, theta, f):
    P = _with(
        P0,
        LEARNING_SIGNALS_PER_MENTOR_HOUR=1.5,
        LEARNING_SATURATION_HOURS=h0,
        LEARNING_THRESHOLD_HOURS=theta,
        LEARNING_BELOW_THRESHOLD_FACTOR=f,
        X_SATURATING=float(form == "saturating"),
        X_DOSE_THRESHOLD=float(form == "threshold"),
    )
    lo, hi = min(h1, h2), max(h1, h2)
    assert 0.0 <= K._dose(lo, P) <= K._dose(hi, P) * (1 + 1e-12) + 1e-300
    assert K._dose(hi, P) <= 1.5 * hi * (1 + 1e-12)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 13, 40])
def test_n_signals_close_the_gap_to_what_the_source_can_teach(n):
    """n signals of quality q with weight w close ``(1 - a*w)**n`` of the gap to
    ``floor + (1 - floor) * q`` (a = gain x learning rate x q); the vectorised pass
    (counts below 2**NBITS) and the one-by-one update agree bit for bit."""
    gl, q, floor = 0.3, 0.8, 0.25
    w = (0.3, 0.35, 0.35, 0.1)
    s0 = np.array([0.1, 0.2, 0.9, 0.05])  # the third is above what the source can teach: unchanged
    target = floor + (1 - floor) * q
    a = gl * q
    expected = [s if s >= target else target - (target - s) * (1 - a * wk) ** n for s, wk in zip(s0, w)]
    SK = s0.reshape(4, 1).copy()
    K._learn_one(SK, 0, n, q, *w, gl, floor)
    np.testing.assert_allclose(SK[:, 0], expected, rtol=0, atol=1e-15)
    if n < 1 << K.NBITS:
        S = [np.array([v]) for v in s0]
        K._learn_chunk(1, np.array([n]), np.array([q]), *[np.array([x]) for x in w], np.array([gl]), *S, floor)
        assert [x[0] for x in S] == list(SK[:, 0])


def _tables(P, hours=(1.0, 0.25)):
    return K.poisson_tables(P, np.array(hours))


def test_the_months_tables_give_the_draws_of_the_inversion(P0):
    """A draw from the month's tables equals the direct Poisson inversion at the row's rate:
    advisors' rows from their hours, the independent mentor's from its hours (saturating)."""
    P = _with(P0, INDEPENDENT_MENTOR_HOURS=0.5)
    TAB, LAM, ADV_ROW = _tables(P)
    assert LAM[K.R_IM] == K._dose(0.5, P) * WEEKS_PER_MONTH
    assert LAM[ADV_ROW[0]] == K._dose(1.0, P) * WEEKS_PER_MONTH
    for u in np.linspace(0.001, 0.999999, 101):
        for r in (K.R_IM, K.R_PP, ADV_ROW[0], ADV_ROW[1]):
            assert K._draw(TAB, LAM, r, u) == poisson_from_uniform(LAM[r], u)


def _scratch():
    return (np.zeros((K.NSRC, 4), dtype=np.int64), np.zeros((K.NSRC, 4)), np.zeros((K.NSRC, 4, 4)))


def test_a_phd_students_sources_follow_the_stage_of_the_degree(P0):
    P = _with(
        P0,
        PHD_APPRENTICE_YEARS=1.0,
        PHD_AMBITION_YEARS=3.0,
        LEARNING_IMPACT_WEIGHT=0.4,
        PHD_STRESS=0.1,
        PHD_PUBLICATIONS=2.0,
    )
    TAB, LAM, ADV_ROW = _tables(P)
    U = np.full((K.N_SLOTS, 4), 0.5)
    for years, weights in ((0.5, (0.6, 0.2, 0.2)), (2.0, (0.3, 0.35, 0.35)), (4.0, (0.2, 0.4, 0.4))):
        SN, SQ, SW = _scratch()
        flags, hands, pubs, well = K._phd_sources(
            SN, SQ, SW, TAB, LAM, U, 1, P, 0, 0.5, years, 0.7, True, ADV_ROW[0], 0.0, 0.4, 0.6
        )
        assert tuple(SW[0, :3, 1]) == weights and SW[0, 3, 1] == 0.4  # impact weight with a safety-interested advisor
        assert SN[0, 1] == poisson_from_uniform(LAM[ADV_ROW[0]], 0.5) and SQ[0, 1] == 0.7
        assert SQ[1, 1] == 0.7 * P[V.LEARNING_PEER_QUALITY_RATIO]
        assert (hands, pubs, well) == (P[V.LEARNING_HANDS_ON_PHD], 2.0 * 1.2, 0.6 - 0.1)
        assert SN[2, 1] == 0 and flags == 0  # not exposed, and no chance to be (safe advisor)


def test_outside_exposure_is_gained_then_learnt_from(P0):
    P = _with(P0, PHD_EXPOSURE_SIGNALS=24.0)
    TAB, LAM, ADV_ROW = _tables(P)
    U = np.full((K.N_SLOTS, 1), 0.3)
    SN, SQ, SW = _scratch()
    flags, *_ = K._phd_sources(SN, SQ, SW, TAB, LAM, U, 0, P, 0, 0.5, 2.0, 0.5, False, ADV_ROW[0], 0.31, 0.4, 0.6)
    assert flags == F_EXPOSED and SN[2, 0] == 0  # gained this month (0.3 < 0.31), learnt from from next month
    flags, *_ = K._phd_sources(
        SN, SQ, SW, TAB, LAM, U, 0, P, F_EXPOSED, 0.5, 2.0, 0.5, False, ADV_ROW[0], 0.31, 0.4, 0.6
    )
    assert flags == F_EXPOSED and SN[2, 0] == poisson_from_uniform(2.0, 0.3) and SQ[2, 0] == 0.6


def test_an_independent_researchers_sources_and_targets(P0):
    P = _with(
        P0,
        INDEPENDENT_ALONE_PENALTY=0.12,
        INDEPENDENT_GAP_PENALTY=0.05,
        INDEPENDENT_PUBLICATIONS=1.0,
        INDEPENDENT_COLLABORATOR_SIGNALS=60.0,
        PROGRAMME_MENTOR_HOURS=4.0,
    )
    TAB, LAM, _ = _tables(P)
    U = np.full((K.N_SLOTS, 1), 0.6)
    SN, SQ, SW = _scratch()
    q_scenario = P[V.INDEPENDENT_MENTOR_QUALITY]
    g, hands, pubs, motiv = K._independent_sources(
        SN, SQ, SW, TAB, LAM, U, 0, P, 0, 0.5, False, False, 0.2, 0.4, 0.6, -1.0, q_scenario
    )
    assert g == 0.2 and motiv == 0.6 - 0.12 and pubs == 1.0  # alone, funded
    assert SN[1, 0] == SN[2, 0] == SN[4, 0] == 0  # no programme, collaborator or plan
    assert SN[0, 0] == poisson_from_uniform(LAM[K.R_IM], 0.6) and SQ[0, 0] == P[V.INDEPENDENT_MENTOR_QUALITY]
    assert SN[3, 0] == poisson_from_uniform(LAM[K.R_PR], 0.6)
    flags = F_COLLAB | F_PLAN | F_CUTLOSS | F_UPSKILL
    g, hands, pubs, motiv = K._independent_sources(
        SN, SQ, SW, TAB, LAM, U, 0, P, flags, 0.5, True, True, 0.2, 0.4, 0.6, -1.0, q_scenario
    )
    assert g == 0.2 * 1.2 and motiv == 0.6 + 0.1 - 0.05 and pubs == 1.0 * 0.5 * 0.5
    assert SN[1, 0] == poisson_from_uniform(LAM[K.R_PG], 0.6) and SN[2, 0] == poisson_from_uniform(5.0, 0.6) > 0
    assert SN[3, 0] == SN[4, 0] == poisson_from_uniform(LAM[K.R_PRC], 0.6)  # own projects sooner when cutting losses
    assert hands == P[V.LEARNING_HANDS_ON_INDEPENDENT]
    # the person's own mentoring: signals at their own rate, of their own quality
    K._independent_sources(SN, SQ, SW, TAB, LAM, U, 0, P, 0, 0.5, False, False, 0.2, 0.4, 0.6, 7.5, 0.9)
    assert SN[0, 0] == poisson_from_uniform(7.5, 0.6) and SQ[0, 0] == 0.9
    K._independent_sources(SN, SQ, SW, TAB, LAM, U, 0, P, 0, 0.5, False, False, 0.2, 0.4, 0.6, 0.0, 0.9)
    assert SN[0, 0] == 0  # none at all


@pytest.mark.parametrize("kind", [K_INDUSTRY, K_NONPROFIT, K_ACADEMIC])
def test_a_contributors_sources_by_kind(P0, kind):
    P = _with(
        P0,
        EXITS_INDUSTRY_PULL=1.7,
        CONTRIBUTOR_LETTER_ACADEMIC=0.8,
        CONTRIBUTOR_LETTER_OTHER=0.4,
        EXITS_STRUCTURE_BONUS=0.05,
    )
    TAB, LAM, _ = _tables(P)
    U = np.full((K.N_SLOTS, 1), 0.6)
    SN, SQ, SW = _scratch()
    hands, pubs, well, leave, letter = K._contributor_sources(SN, SQ, SW, TAB, LAM, U, 0, P, kind, 0.5, 0.4, 0.6)
    name = {K_INDUSTRY: "INDUSTRY", K_NONPROFIT: "NONPROFIT", K_ACADEMIC: "ACADEMIC"}[kind]
    assert SQ[0, 0] == P[getattr(V, f"CONTRIBUTOR_QUALITY_{name}")]
    assert (
        hands == P[getattr(V, f"CONTRIBUTOR_HANDS_ON_{name}")]
        and pubs == P[getattr(V, f"CONTRIBUTOR_PUBLICATIONS_{name}")]
    )
    assert SN[0, 0] == poisson_from_uniform(LAM[K.R_CM + kind], 0.6) and SN[1, 0] == poisson_from_uniform(1.0, 0.6)
    assert well == 0.6 + 0.05 and leave == (1.7 if kind == K_INDUSTRY else 1.0)
    assert letter == (0.8 if kind == K_ACADEMIC else 0.4)


# ---------------------------------------------------------------------------------------------
# hands-on learning, record, mood, readiness
# ---------------------------------------------------------------------------------------------


def test_hands_on_learning_closes_the_gap_at_the_roles_rate(P0):
    P = _with(P0, LEARNING_HANDS_ON_RATE=0.4)
    e, key, factor = K.hands_on(0.3, 1.5, 2.0, np.nan, np.nan, P)
    assert key == -0.8 and factor == math.exp(-0.8 * 1.5 * DT) and e == 1.0 - 0.7 * factor
    # a year of months at the same rate: exactly exp(-r m lr) of the gap left (to rounding)
    for _ in range(11):
        e, key, factor = K.hands_on(e, 1.5, 2.0, key, factor, P)
    assert 1.0 - e == pytest.approx(0.7 * math.exp(-0.8 * 1.5), rel=1e-12)
    # the factor is kept while the role's rate is the same, recomputed when it changes
    assert K.hands_on(0.3, 1.5, 2.0, -0.8, 0.5, P) == (1.0 - 0.7 * 0.5, -0.8, 0.5)
    assert K.hands_on(0.3, 1.5, 1.0, -0.8, 0.5, P)[2] == math.exp(-0.4 * 1.5 * DT)


def test_record_grows_with_output_and_mood_halves_its_gap_in_the_adjustment_time():
    rec, well, motiv = K.record_and_mood(2.0, 0.2, 0.9, 0.5, 0.3, 1.5, 0.8, 0.4, 0.25, 0.5)
    assert rec == 2.0 + 1.5 * ((0.5 + 0.5) * (0.5 + 0.3)) * DT
    assert well == 0.2 + (0.8 - 0.2) * 0.25 and motiv == 0.9 + (0.4 - 0.9) * 0.25
    half_life = 1.5  # years: exits.adjustment
    adj = 1.0 - 0.5 ** (DT / half_life)
    w = 0.0
    for _ in range(18):
        _, w, _ = K.record_and_mood(0.0, w, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, adj, 0.5)
    assert w == pytest.approx(0.5, abs=1e-12)


def test_readiness_needs_every_threshold_met(P0):
    P = _with(
        P0,
        POSITIONS_READY_GENERATION=0.5,
        POSITIONS_READY_EVALUATION=0.4,
        POSITIONS_READY_EXECUTION=0.3,
        POSITIONS_READY_RECORD=2.0,
    )
    assert K.is_ready(0.5, 0.4, 0.3, 2.0, P)  # thresholds are inclusive
    for k in range(4):
        below = [0.5, 0.4, 0.3, 2.0]
        below[k] = np.nextafter(below[k], -1.0)
        assert not K.is_ready(*below, P)


@pytest.mark.parametrize(
    "s, final_rule, prog, expected",
    [
        (CONTRIBUTOR, 0.0, 0.0, True),
        (INDEPENDENT, 0.0, 0.0, True),
        (UNFUNDED, 0.0, 0.0, True),
        (LEAD, 1.0, 0.0, False),
        (APPLICANT, 1.0, 0.0, False),
        (PHD, 0.0, 0.99, False),  # the lead rule keeps students out...
        (PHD, 1.0, np.nextafter(0.75, 0.0), False),
        (PHD, 1.0, 0.75, True),  # ...but for the final phase (duration 4: 1 - 1/4)
    ],
)
def test_who_may_take_a_lead_role(P0, s, final_rule, prog, expected):
    P = _with(P0, X_LEAD_RULE_FINAL=final_rule, PHD_DURATION=4.0)
    assert K.lead_eligible(True, s, prog, P) is expected
    assert K.lead_eligible(False, s, prog, P) is False


# ---------------------------------------------------------------------------------------------
# transitions
# ---------------------------------------------------------------------------------------------


def test_graduates_go_where_the_shares_send_them(P0):
    P = _with(P0, PHD_INDUSTRY_SHARE=0.3, PHD_INDEPENDENT_SHARE=0.25)
    assert [K.graduation_route(u, P) for u in (0.0, np.nextafter(0.3, 0), 0.3, np.nextafter(0.55, 0), 0.55, 0.99)] == [
        0,
        0,
        1,
        1,
        2,
        2,
    ]


def test_a_grant_holder_reapplies_ahead_of_the_grants_end(P0):
    P = _with(P0, GRANTS_APPLY_AHEAD=0.25, X_CALIBRATED_WAIT=0.0)
    end = 480
    assert not K.reapply_due(0, end - 13, 0, end, P) and K.reapply_due(0, end - 12, 0, end, P)
    assert not K.reapply_due(F_PENDING, end, 0, end, P)  # an application in review
    assert not K.reapply_due(0, end, end + 1, end, P)  # not allowed to apply again yet
    P[V.X_CALIBRATED_WAIT] = 0.5  # the calibrated wait, when longer, is the lead time
    assert K.reapply_due(0, end - 24, 0, end, P) and not K.reapply_due(0, end - 25, 0, end, P)


def test_the_gap_allowance_has_a_grace_before_the_first_grant(P0):
    P = _with(P0, INDEPENDENT_MAX_GAP=1.0, X_GAP_GRACE=0.5)
    assert K.gap_allowance(P, -1) == 1.5 and K.gap_allowance(P, 96) == 1.0


def test_a_contributor_applies_to_a_phd_after_a_year_at_the_rate_or_as_planned(P0):
    P = _with(P0, CONTRIBUTOR_PLANNED_PHD_AFTER=0.0)
    assert K.phd_application_due(1.0, 0, False, 0.09, 0.1, P) and not K.phd_application_due(1.0, 0, False, 0.1, 0.1, P)
    assert not K.phd_application_due(0.99, 0, False, 0.0, 0.1, P)  # the first year
    assert not K.phd_application_due(2.0, 1, False, 0.0, 0.1, P)  # applied before
    assert not K.phd_application_due(2.0, 0, True, 0.0, 0.1, P)  # will not take the pay cut
    P[V.CONTRIBUTOR_PLANNED_PHD_AFTER] = 1.5
    assert not K.phd_application_due(1.49, 0, False, 0.0, 0.1, P) and K.phd_application_due(1.5, 0, False, 0.99, 0.1, P)


# ---------------------------------------------------------------------------------------------
# exits
# ---------------------------------------------------------------------------------------------


def test_waiting_for_a_role_adds_its_hazard_after_a_year(P0):
    P = _with(P0, POSITIONS_WAIT_LEAVE=0.3)
    assert K.waiting_hazard(-1, 500, P) == 0.0
    assert (
        K.waiting_hazard(100, 100 + TICKS_PER_YEAR - 1, P) == 0.0
        and K.waiting_hazard(100, 100 + TICKS_PER_YEAR, P) == 0.3
    )


def test_exit_hazards_are_the_base_rates_at_the_middle_and_scale_exponentially(P0):
    P = _with(
        P0,
        EXITS_BURNOUT=0.05,
        EXITS_BURNOUT_SENSITIVITY=3.0,
        EXITS_LEAVE=0.1,
        EXITS_LEAVE_SENSITIVITY=2.0,
        POSITIONS_LEAD_EXIT=0.04,
    )
    assert K.exit_hazards(P, CONTRIBUTOR, K.W_MID, K.W_MID, 1.0) == (0.05, 0.1)
    well, motiv = 0.4, 0.7
    h_burn, h_other = K.exit_hazards(P, INDEPENDENT, well, motiv, 1.5)
    assert h_burn == 0.05 * math.exp(3.0 * (K.W_MID - well)) and h_other == 0.1 * 1.5 * math.exp(
        2.0 * (K.W_MID - motiv)
    )
    assert h_burn == pytest.approx(0.05 * math.exp(0.6)) and h_other == pytest.approx(0.15 * math.exp(-0.2))
    assert K.exit_hazards(P, LEAD, 0.6, 0.0, 1.0)[1] == 0.04  # a lead leaves at the lead rate


@given(
    st.floats(0.0, 1.0),
    st.floats(-0.5, 1.5),
    st.floats(-0.5, 1.5),
    st.floats(0.0, 3.0),
    st.floats(0.0, 2.0),
    st.sampled_from([CONTRIBUTOR, INDEPENDENT, LEAD, PHD]),
)
@settings(max_examples=300, deadline=None)
def test_the_exit_shortcut_never_changes_who_leaves(u, well, motiv, leave_mult, h_wait, s):
    """``leaves`` skips the exps when the uniform is above a bound; the answer must be the
    exact competing-risks one, ``u < 1 - exp(-h * DT)``, with the hazards of ``exit_hazards``."""
    values = draw_parameters(baseline(), Streams(0))
    values["timelines.arrival"] = 5.0
    P = Live(values).P
    gone, h_burn, h_other, h = K.leaves(P, K.exp_upper_table(), s, well, motiv, leave_mult, h_wait, u)
    e_burn, e_other = K.exit_hazards(P, s, well, motiv, leave_mult)
    assert gone == (u < 1.0 - math.exp(-(e_burn + e_other + h_wait) * DT))
    if gone:
        assert (h_burn, h_other, h) == (e_burn, e_other, e_burn + e_other + h_wait)


def test_the_exit_reason_splits_the_hazard_in_proportion():
    assert K.exit_reason(0.0, 0.2, 0.3) == R_BURNOUT and K.exit_reason(np.nextafter(0.2, 0), 0.2, 0.3) == R_BURNOUT
    assert K.exit_reason(0.2, 0.2, 0.3) == R_OTHER_WORK and K.exit_reason(0.5, 0.2, 0.3) == R_NO_OPENING


def test_a_small_funders_lead_works_and_is_paid_like_an_independent_researcher():
    assert K.works_independently(LEAD, S_SMALL_FUNDER) and not K.works_independently(LEAD, S_BIG_RFP)
    assert K.works_independently(UNFUNDED, -1) and not K.holds_grant_role(UNFUNDED, -1)
    assert K.holds_grant_role(INDEPENDENT, -1) and K.holds_grant_role(LEAD, S_SMALL_FUNDER)
    assert not K.holds_grant_role(LEAD, S_BIG_RFP) and not K.works_independently(CONTRIBUTOR, -1)


def test_poisson_tables_and_the_direct_inversion_agree_for_a_rate_beyond_the_table(P0):
    """Counts past the tabulated ``POIS_K`` fall back to the inversion loop with the same values."""
    P = _with(P0, LEARNING_SIGNALS_PER_MENTOR_HOUR=10.0, X_SATURATING=0.0)
    TAB, LAM, ADV_ROW = K.poisson_tables(P, np.array([1.0]))
    lam = LAM[ADV_ROW[0]]
    assert lam == 10.0 * WEEKS_PER_MONTH
    for u in (0.01, 0.5, 0.99):
        assert K._draw(TAB, LAM, ADV_ROW[0], u) == poisson_given_p0(lam, math.exp(-lam), u) > K.POIS_K


# ---------------------------------------------------------------------------------------------
# time to degree
# ---------------------------------------------------------------------------------------------


def test_the_pace_of_thesis_work_follows_skills_feedback_and_wellbeing(P0):
    P = _with(P0, PHD_PACE_SKILL=1.0, PHD_PACE_SKILL_REFERENCE=0.5, PHD_PACE_FEEDBACK=0.5, PHD_PACE_WELLBEING=2.0)
    assert K.phd_pace(0.5, 0.5, K.W_MID, 0.5, P) == 1.0  # the reference student, advisor and mood
    assert K.phd_pace(0.7, 0.5, K.W_MID, 0.5, P) == pytest.approx(1.1)  # skills (mean of execution and generation)
    assert K.phd_pace(0.5, 0.5, K.W_MID, 0.9, P) == pytest.approx(1.2)  # a better advisor's feedback
    assert K.phd_pace(0.5, 0.5, K.W_MID - 0.1, 0.5, P) == pytest.approx(0.8)  # low wellbeing slows
    assert K.phd_pace(0.0, 0.0, 0.0, 0.0, P) == 0.0  # never below 0


def _months_to_degree(P, pace, start=0):
    prog, t = 0.0, start
    while True:
        t += 4
        prog, outcome = K.phd_month(prog, t - start, pace, P)
        if outcome != K.PHD_STAYS:
            return (t - start) // 4, outcome


@pytest.mark.parametrize("duration, pace, months", [(2.0, 1.0, 24), (4.75, 1.0, 57), (4.0, 0.5, 96), (3.0, 1.5, 24)])
def test_at_a_constant_pace_the_degree_takes_ceil_12_duration_over_pace_months(P0, duration, pace, months):
    P = _with(P0, PHD_DURATION=duration, PHD_MIN_YEARS=0.0, PHD_FUNDED_YEARS=20.0, PHD_MAX_YEARS=30.0)
    assert months == math.ceil(round(12 * duration / pace, 9))
    assert _months_to_degree(P, pace) == (months, K.PHD_GRADUATES)


def test_no_degree_before_the_minimum_years_and_none_after_the_time_limit(P0):
    P = _with(P0, PHD_DURATION=1.0, PHD_MIN_YEARS=3.0, PHD_FUNDED_YEARS=20.0, PHD_MAX_YEARS=30.0)
    assert _months_to_degree(P, 1.0) == (36, K.PHD_GRADUATES)  # done in a year, accepted at three
    P = _with(P0, PHD_DURATION=5.0, PHD_MIN_YEARS=0.0, PHD_FUNDED_YEARS=20.0, PHD_MAX_YEARS=6.0)
    assert _months_to_degree(P, 0.5) == (72, K.PHD_TIME_LIMIT)  # half the pace: ten years needed


def test_extension_decisions_fall_at_the_end_of_funding_and_each_anniversary_after(P0):
    P = _with(P0, PHD_DURATION=100.0, PHD_MIN_YEARS=0.0, PHD_FUNDED_YEARS=4.5, PHD_MAX_YEARS=8.0)
    for start in (0, -7):  # a student of the existing field may start between months
        due = []
        t, prog = start, 0.0
        while True:
            t += 4
            prog, outcome = K.phd_month(prog, t - start, 1.0, P)
            if outcome == K.PHD_EXTENSION_DUE:
                due.append(t - start)
            if outcome == K.PHD_TIME_LIMIT:
                break
        assert due[0] >= 216 and due[0] - 4 < 216  # the month the funded 4.5 years are reached
        assert np.all(np.diff(due) == 48) and len(due) == 4  # then once a year until the limit (8 years)
        assert t - start >= 8 * 48 and t - start - 4 < 8 * 48
