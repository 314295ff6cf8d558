"""The field's feedback loops (M11): lead positions that reopen, outside applicants, agenda
fit that persists, leads' mentor time, safety-interested advisors that follow a policy,
advisors assigned at random; each against closed-form or exact results in a degenerate
configuration, at fixed seeds."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

import careersim as cs
from careersim.core.codes import PHD, S_ACADEMIA, S_ADJACENT, S_AUTONOMY, S_BIG_RFP
from careersim.core.rng import Streams
from careersim.engine.field import FieldModel
from careersim.engine.hiring import HIRING_SOURCES, SOURCE_INDEX, agenda_fit
from careersim.engine.layout import ADVISOR, F_SAFE_ADVISOR, FLAGS, STATE
from careersim.engine.parameters import draw_parameters
from tests.conftest import quiet, tiny

NO_POSITIONS = {f"positions.{name}": 0.0 for name, _ in HIRING_SOURCES}
NOBODY_READY = {"positions.ready_generation": 1.0}  # no insider candidates: outsiders only


def _model(sc, seed=1, rep=0):
    streams = Streams(seed, rep)
    values = draw_parameters(sc, streams)
    values["timelines.arrival"] = 7.0
    return FieldModel(values, list(sc.interventions), streams).run()


def _vacancy_chain(K: int, p: float, mu: float) -> np.ndarray:
    """Transition matrix of the open positions after a round: each of the K - v held
    positions empties with chance p, then Poisson(mu * open) outside applicants fill
    min(applicants, open) of them."""
    P = np.zeros((K + 1, K + 1))
    for v in range(K + 1):
        dep = stats.binom.pmf(np.arange(K - v + 1), K - v, p)
        for d, pd in enumerate(dep):
            o = v + d
            if o == 0:
                P[v, 0] += pd
                continue
            n = np.arange(o)
            pn = stats.poisson.pmf(n, mu * o)
            for k, pk in zip(n, pn):  # k applicants fill k positions
                P[v, o - k] += pd * pk
            P[v, 0] += pd * (1.0 - pn.sum())  # o or more fill them all
    return P


def test_open_positions_follow_the_birth_death_balance_of_exits_and_outside_applicants():
    """One source of K positions, constant capacity, holders leaving at a constant hazard h
    and a Poisson number of outside applicants per open position (nobody inside is ready):
    the open positions after each round form a Markov chain whose stationary mean is exact,
    and every opening is a replacement, on average p * (K - mean open) a round."""
    K, h, lam = 20, 0.8, 2.0
    sc = quiet(
        **{
            **NO_POSITIONS,
            **NOBODY_READY,
            "positions.autonomy_role": K,
            "positions.growth": 0.0,
            "positions.lead_exit": h,
            "positions.outside_candidates": lam,
            "population.entrants_per_year": 0,
            "run.horizon": 60.0,
            "programme.places": 0,
        }
    )
    p, mu = -math.expm1(-h / 4), lam / 4
    P = _vacancy_chain(K, p, mu)
    w, v = np.linalg.eig(P.T)
    pi = np.real(v[:, np.argmin(np.abs(w - 1))])
    pi /= pi.sum()
    exact_open = float(np.arange(K + 1) @ pi)
    means, repl = [], []
    for rep in range(6):
        hi = cs.simulate(sc, seed=11, replication=rep).institutions["hiring"]
        after = (hi.vacancies - hi.filled).to_numpy()[40:]  # past the first ten years
        means.append(after.mean())
        repl.append(hi.opened_replacement.to_numpy()[40:].mean())
        assert (hi.opened_growth == 0).all() and (hi.positions == K).all()  # the K open at the start are not openings
        assert (hi.held + hi.vacancies - hi.filled == K).all()
    m, se = np.mean(means), np.std(means, ddof=1) / math.sqrt(len(means))
    assert abs(m - exact_open) < 4 * se + 0.02, (m, exact_open, se)
    r, se_r = np.mean(repl), np.std(repl, ddof=1) / math.sqrt(len(repl))
    assert abs(r - p * (K - exact_open)) < 4 * se_r + 0.02, (r, p * (K - exact_open), se_r)


def test_growth_openings_add_up_to_the_positions_when_nobody_leaves():
    """No exits and applicants enough for every opening: each round's openings are the
    capacity added since the last, K0 (1 + g)^(t / year) rounded down, all filled (with the
    K0 positions open at the start)."""
    K0, g = 30.0, 0.2
    sc = quiet(
        **{
            **NO_POSITIONS,
            **NOBODY_READY,
            "positions.big_rfp": K0,
            "positions.focus_required": 0.0,
            "positions.growth": g,
            "positions.outside_candidates": 400.0,
            "population.entrants_per_year": 0,
            "run.horizon": 8.0,
            "programme.places": 0,
        }
    )
    hi = cs.simulate(sc, seed=3).institutions["hiring"]
    expect = np.floor(K0 * (1 + g) ** (hi.tick.to_numpy() / 48) + 1e-9)
    np.testing.assert_allclose(hi.positions, expect)
    assert (hi.opened_replacement == 0).all()
    assert hi.opened_growth.sum() == hi.positions.iloc[-1] - K0
    assert (hi.filled == hi.vacancies).all() and (hi.filled_outside == hi.filled).all()
    assert (hi.outside_leads == hi.positions).all()


def test_the_existing_fields_leads_hold_positions_in_proportion_to_the_sources():
    sc = tiny(
        **{
            **NO_POSITIONS,
            "initial.leads": 40,
            "positions.academia": 10,
            "positions.adjacent_org": 20,
            "positions.autonomy_role": 30,
        }
    )
    m = FieldModel(draw_parameters(sc, Streams(1)), [], Streams(1))
    src = m.hiring.init_src
    held = np.bincount(src[src >= 0], minlength=len(HIRING_SOURCES))
    # 40 leads over 60 positions: quotas 6.67, 13.33, 20 -> 7, 13, 20 (largest remainders)
    assert held[SOURCE_INDEX[S_ACADEMIA]] == 7
    assert held[SOURCE_INDEX[S_ADJACENT]] == 13
    assert held[SOURCE_INDEX[S_AUTONOMY]] == 20
    assert held[SOURCE_INDEX[S_BIG_RFP]] == 0
    # more leads than positions: the rest hold none
    sc2 = sc.with_changes({"initial.leads": 70})
    src2 = FieldModel(draw_parameters(sc2, Streams(1)), [], Streams(1)).hiring.init_src
    assert (src2 >= 0).sum() == 60


def test_a_rounds_outside_applicants_are_counted_per_open_position_with_their_own_draws():
    """_round_open's applicants: per source the Poisson count of _outside_counts, ids
    ((t * sources + source) << OUT_ID_SHIFT) + number within the source, and each one's
    uniforms of slots 2-6 exactly as uniforms() draws them; the noise uniforms are the
    insiders' then the applicants' slot 3."""
    from careersim.core.rng import uniforms
    from careersim.engine.hiring import NS, OUT_ID_SHIFT, _outside_counts, _round_open

    key, t = np.uint64(Streams(9).key("outside")), 7 * 12 + 8
    K0, growth = np.array([3.0, 5.0, 40.0, 12.0, 7.0, 0.0]), 1.3
    out, I = np.zeros((8, 4), dtype=np.int64), np.zeros((1, 64), dtype=np.int64)
    u_pool = np.array([0.25, 0.75])
    cap, left, held, open_now, src, ids, U, unoise = _round_open(
        K0,
        growth,
        out,
        0,
        key,
        t,
        0.0,
        np.zeros(0, dtype=np.int64),
        0,
        np.zeros(0, dtype=np.int64),
        0,
        0,
        I,
        np.zeros(0, dtype=np.int64),
        False,
        2.0,
        u_pool,
        0,
    )
    assert left == 0 and held.tolist() == [0] * NS
    np.testing.assert_array_equal(cap, np.floor(K0 * growth + 1e-9).astype(np.int64))
    np.testing.assert_array_equal(open_now, cap)
    counts = _outside_counts(key, open_now, 2.0, t)
    assert counts.sum() > 20
    np.testing.assert_array_equal(src, np.repeat(np.arange(NS), counts))
    within = np.concatenate([np.arange(c) for c in counts])
    np.testing.assert_array_equal(ids, ((np.int64(t) * NS + src) << OUT_ID_SHIFT) + within)
    for j, slot in enumerate(range(2, 7)):
        np.testing.assert_array_equal(U[j], uniforms(key, ids, t, slot))
    np.testing.assert_array_equal(unoise, np.concatenate([u_pool, U[1]]))


def test_outside_applicants_drawn_in_compiled_code_are_those_of_the_distributions_own_quantiles(monkeypatch):
    """A round draws the outside applicants' score, impact and legibility in compiled code
    (hiring._scores) when their distributions allow it. A field run so, and the same field
    run with every distribution left to its Python ``ppf_open``, must hire the same people
    with the same impact judgements: every table equal to the last bit."""
    import careersim.engine.hiring as hiring
    from careersim.core.special import F_NONE

    sc = tiny(**{"run.horizon": 6.0, "positions.outside_candidates": 6.0, "positions.big_rfp": 6.0})
    original, rounds = hiring._round_start, []

    def watched(*args):
        got = original(*args)
        rounds.append((len(got[3]), got[11], got[12]))  # applicants, drawn in compiled code, a big-RFP applicant
        return got

    monkeypatch.setattr(hiring, "_round_start", watched)
    compiled = _model(sc)
    assert compiled.hiring.n_out[0] > 5  # outside leads were hired
    assert all(drawn for n, drawn, _ in rounds if n) and any(n and big for n, _, big in rounds)
    monkeypatch.setattr(hiring, "compiled_form", lambda dist: np.full(5, float(F_NONE)))
    python = _model(sc)
    for a, b in (
        (compiled.hiring.columns(), python.hiring.columns()),
        (compiled.hiring.outside_leads(compiled.T), python.hiring.outside_leads(python.T)),
    ):
        for name in a:
            assert np.array_equal(np.asarray(a[name]), np.asarray(b[name])), name
    assert np.array_equal(compiled.world.F.view(np.int64), python.world.F.view(np.int64))
    assert np.array_equal(compiled.world.I, python.world.I)


def test_a_persons_agenda_fit_persists_and_drifts_at_its_stated_rate():
    key = np.uint64(Streams(5).key("agenda_fit"))
    pids = np.arange(40_000)
    a = 0.35
    u0 = np.array([agenda_fit(key, p, 0, S_ADJACENT, 0.0) for p in pids])
    u9 = np.array([agenda_fit(key, p, 9 * 48, S_ADJACENT, 0.0) for p in pids])
    np.testing.assert_array_equal(u0, u9)  # no drift: drawn once
    share = (u0 < a).mean()
    assert abs(share - a) < 4 * math.sqrt(a * (1 - a) / len(pids))
    d = 0.2  # a redraw every 5 years: a year later a fifth of the fits are redrawn
    v0 = np.array([agenda_fit(key, p, 48, S_ADJACENT, d) for p in pids])
    v1 = np.array([agenda_fit(key, p, 96, S_ADJACENT, d) for p in pids])
    changed = (v0 != v1).mean()
    assert abs(changed - d) < 4 * math.sqrt(d * (1 - d) / len(pids))
    # the redrawn ones are fresh draws: still a share a of people fit
    assert abs((v1 < a).mean() - a) < 4 * math.sqrt(a * (1 - a) / len(pids))


def test_mentor_time_given_is_the_smaller_of_supply_and_demand_every_month():
    """Programmes first, the rest in proportion: the hours given are exactly
    min(supplied, asked), never more than supplied."""
    for hours in (0.05, 2.0):
        sc = tiny(**{"mentoring.lead_hours": hours, "independent.mentor_hours": 0.5, "phd.cosupervision_hours": 0.2})
        ts = cs.simulate(sc, seed=4).timeseries
        np.testing.assert_allclose(
            ts.mentor_hours_given, np.minimum(ts.mentor_hours_supplied, ts.mentor_hours_asked), rtol=1e-12, atol=1e-9
        )
        assert (ts.mentor_hours_given <= ts.mentor_hours_supplied + 1e-9).all()


def test_programme_places_are_cut_to_the_mentor_time_free_when_a_cohort_begins():
    sc = tiny(
        **{"mentoring.lead_hours": 1.0, "programme.places": 50, "programme.mentor_hours": 1.0, "initial.leads": 12}
    )
    rep = cs.simulate(sc, seed=2)
    pr, ts = rep.institutions["programme"], rep.timeseries.set_index("tick")
    for _, c in pr.iterrows():
        supply = ts.loc[c.tick, "mentor_hours_supplied"]
        assert c.places == min(50, math.floor(supply + 1e-9)), (c.tick, c.places, supply)


def test_the_kernel_shares_the_asked_for_hours_by_the_share_met():
    from careersim.engine import vector as V
    from careersim.engine.kernel import R_CM, R_CS, R_IM, R_PG, WEEKS_PER_MONTH, poisson_tables
    from careersim.engine.parameters import Live

    sc = tiny(**{"learning.dose_response": "linear", "phd.cosupervision_hours": 0.3})
    live = Live(draw_parameters(sc, Streams(1)))
    live.set_derived("x.mentor_met", 0.25)
    live.set_derived("x.programme_met", 0.5)
    _, LAM, _ = poisson_tables(live.P, np.ones(3))
    k = live["learning.signals_per_mentor_hour"] * WEEKS_PER_MONTH
    assert math.isclose(LAM[R_IM], k * live["independent.mentor_hours"] * 0.25)
    assert math.isclose(LAM[R_PG], k * live["programme.mentor_hours"] * 0.5)
    assert math.isclose(LAM[R_CM + 1], k * live["contributor.mentor_hours_nonprofit"] * 0.25)
    assert math.isclose(LAM[R_CM + 0], k * live["contributor.mentor_hours_industry"])  # not the leads' time
    assert math.isclose(LAM[R_CS], k * 0.3 * 0.25)
    assert live.P[V.X_MENTOR_MET] == 0.25 and live.version == 0


def test_more_leads_mean_more_mentor_time_met_when_it_is_short():
    """The compounding loop: with mentor time short, a field with more leads covers a
    larger share of the hours asked."""
    base = {
        **NO_POSITIONS,
        "mentoring.lead_hours": 0.3,
        "independent.mentor_hours": 0.5,
        "phd.cosupervision_hours": 0.5,
    }  # no positions: the leads are the existing field's
    few = cs.simulate(tiny(**base, **{"initial.leads": 2}), seed=5).summary["mentor_met_share"]
    many = cs.simulate(tiny(**base, **{"initial.leads": 30}), seed=5).summary["mentor_met_share"]
    assert few < many <= 1.0


def test_the_safety_interested_share_is_live_for_new_and_current_students():
    from careersim.config.schema import Intervention

    sc = tiny(**{"run.horizon": 3.0}).model_copy(
        update={"interventions": [Intervention(kind="safety_advisors", start=1.0)]}
    )
    m = _model(sc)
    adv = m.advisors
    np.testing.assert_array_equal(adv.safe, (adv.u_safe < 0.6).astype(np.int8))
    base = _model(tiny(**{"run.horizon": 3.0}))
    assert base.advisors.safe.sum() < adv.safe.sum()
    I = m.world.I
    phd = I[: m.world.n][I[: m.world.n, STATE] == PHD]
    flagged = (phd[:, FLAGS] & F_SAFE_ADVISOR) != 0
    np.testing.assert_array_equal(flagged, adv.safe[phd[:, ADVISOR]] > 0)


def test_random_assignment_places_admitted_students_with_any_free_advisor():
    """The same applicants are admitted; matched, the best applicant takes the best
    advisor; at random, the advisor's rank is uniform whatever the applicant's."""
    from careersim.engine.admissions import _admit

    n_adv, n_app = 30, 30
    quality = np.linspace(0, 1, n_adv)
    ranks = []
    for t in range(200):
        for at_random in (False, True):
            I = np.zeros((n_app, 26), dtype=np.int64)
            I[:, 0] = np.arange(n_app)
            I[:, 1] = 1  # applicants
            F = np.zeros((n_app, 23))
            load = np.zeros(n_adv, dtype=np.int64)
            score = np.arange(n_app, dtype=np.float64)  # applicant 29 is the best
            LOG = np.zeros((100, 5), dtype=np.int64)
            n_slots, k = _admit(
                np.arange(n_app),
                score,
                np.full(n_app, np.nan),
                t,
                I,
                F,
                quality,
                np.zeros(n_adv, np.int8),
                np.zeros(n_adv, np.int64),
                load,
                1,
                -1e9,
                48,
                2,
                LOG,
                np.zeros(1, np.int64),
                np.zeros(8, np.int64),
                at_random,
                np.uint64(99),
            )
            assert k == n_app and (load == 1).all()
            best_adv = I[n_app - 1, 8]
            if not at_random:
                assert best_adv == n_adv - 1
                np.testing.assert_array_equal(I[:, 8], np.arange(n_app))
            else:
                ranks.append(best_adv)
    # the best applicant's advisor is uniform over the 30 (chi-square on 200 draws, 6 bins)
    counts = np.bincount(np.array(ranks) // 5, minlength=6)
    assert stats.chisquare(counts).pvalue > 1e-3


def test_c7_is_reported_beside_its_random_assignment_counterfactual():
    from careersim.experiments.experiment import run

    sc = tiny(**{"run.horizon": 6.0, "run.claims_window": 3.0})
    exp = run(sc, replications=2, seed=3, workers=1, policy_claims=1)
    reps = exp.replications
    assert "claim_C7_part_ratio_random_assignment" in reps
    assert np.isnan(reps["claim_C7_part_ratio_random_assignment"].iloc[1])  # not paired
    parts = exp.summary["claims"]["C7"]["parts"]
    assert "ratio_random_assignment" in parts and "p_top_quartile_random_assignment" in parts
