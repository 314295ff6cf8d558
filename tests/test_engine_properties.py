"""Layer (b): invariants that hold for any scenario and seed (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import careersim as cs
from careersim.config.schema import PRESETS, Intervention
from careersim.engine.layout import ST_READY, ST_WANTS
from tests.conftest import tiny

SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def small_scenarios(draw):
    mix = np.array([draw(st.floats(0.05, 1.0)) for _ in range(3)])
    mix = mix / mix.sum()
    changes = {
        "population.entrants_per_year": draw(st.integers(0, 60)),
        "run.horizon": draw(st.sampled_from([0.5, 1.0, 3.0, 6.0])),
        "population.track_mix.phd": float(mix[0]),
        "population.track_mix.independent": float(mix[1]),
        "population.track_mix.contributor": float(1.0 - mix[0] - mix[1]),
        "phd.max_students": draw(st.integers(1, 4)),
        "grants.budget": draw(st.integers(0, 30)),
        "grants.reviewers": draw(st.integers(1, 4)),
        "programme.places": draw(st.integers(0, 6)),
        "positions.adjacent_org": draw(st.floats(0, 20)),
        "positions.outside_candidates": draw(st.sampled_from([0.0, 1.0, 8.0])),
        "mentoring.lead_hours": draw(st.sampled_from([0.1, 2.0])),
        "independent.mentor_hours": draw(st.sampled_from([0.08, 1.0])),
        "population.intake": draw(st.sampled_from(["monthly", "yearly"])),
        "phd.lead_rule": draw(st.sampled_from(["after_graduation", "final_phase"])),
    }
    return tiny(**changes), draw(st.integers(0, 2**32 - 1))


@SETTINGS
@given(small_scenarios())
def test_every_agent_is_in_exactly_one_state_and_counts_sum_to_the_population(case):
    sc, seed = case
    rep = cs.simulate(sc, seed)
    ts = rep.timeseries
    state_cols = [c for c in ts.columns if c.startswith("n_")]
    total = ts[state_cols].sum(axis=1)
    assert (total == total.iloc[0]).all()
    assert rep.agents.final_state.notna().all()
    # exits have a reason; nobody else does
    exited = rep.agents.final_state == "exited"
    assert (rep.agents.exit_reason[exited] != "none").all()
    assert (rep.agents.exit_reason[~exited] == "none").all()


@SETTINGS
@given(small_scenarios())
def test_the_step_visits_exactly_the_researchers_in_the_field_and_counts_match(case):
    """The monthly step walks a list of active rows kept by intake and the step itself;
    before every step it must hold everyone in the field (anyone who left since the last
    step may still be listed), in increasing order, and the state counts must match."""
    from careersim.core.codes import EXITED, N_STATES, WAITING
    from careersim.core.rng import Streams
    from careersim.engine.field import FieldModel
    from careersim.engine.layout import STATE
    from careersim.engine.parameters import draw_parameters

    sc, seed = case
    checked = []

    class Checked(FieldModel):
        def step_rows(self, t, hours):
            w = self.world
            listed = w.listed()
            states = w.I[: w.n, STATE]
            in_field = np.flatnonzero((states != WAITING) & (states != EXITED))
            assert np.all(np.diff(listed) > 0)
            assert np.isin(in_field, listed).all()
            assert np.array_equal(np.bincount(w.I[:, STATE], minlength=N_STATES), w.counts)
            super().step_rows(t, hours)
            checked.append(t)

    streams = Streams(seed, 0)
    Checked(draw_parameters(sc, streams), list(sc.interventions), streams).run()
    assert len(checked) == int(sc.run.horizon * 12)


@SETTINGS
@given(small_scenarios())
def test_hiring_sees_every_ready_candidate_in_the_field(case):
    """Hiring reads the lead-ready rows the monthly step lists instead of scanning the
    field; at every round that list must yield exactly the candidates, scores and
    noise draws a scan of everyone in the field would."""
    from careersim.core.rng import Streams
    from careersim.engine.field import FieldModel
    from careersim.engine.hiring import Hiring, _lead_candidates
    from careersim.engine.layout import READY
    from careersim.engine.parameters import draw_parameters

    sc, seed = case
    rounds = []

    class CheckedHiring(Hiring):
        def candidates(self, t):
            got = super().candidates(t)
            w, live = self.w, self.w.live
            listed = w.listed()
            assert np.all(np.diff(w.ready[: w.stats[ST_READY]]) > 0)
            final_from = 1.0 - 1.0 / live["phd.duration"] if live["x.lead_rule_final"] > 0.5 else np.inf
            scan = _lead_candidates(
                listed,
                len(listed),
                w.I,
                w.F,
                self.key,
                t,
                final_from,
                live["positions.credential_weight"],
                live["positions.letter_weight"],
                live["positions.record_weight"],
                live["positions.record_cap"],
            )
            for a, b in zip(got, scan):
                np.testing.assert_array_equal(a, b)
            rounds.append((t, int((w.I[listed, READY] >= 0).sum())))
            return got

    class Checked(FieldModel):
        def __init__(self, *args):
            super().__init__(*args)
            self.hiring = CheckedHiring(self.world)

    streams = Streams(seed, 0)
    Checked(draw_parameters(sc, streams), list(sc.interventions), streams).run()
    assert len(rounds) == len(range(8, int(sc.run.horizon * 48), 12))


@SETTINGS
@given(small_scenarios(), st.sampled_from(["queue", "openings"]), st.floats(0.0, 4.0))
def test_hiring_counts_the_positions_held_as_a_scan_of_the_field_would(case, small_leads, small_positions):
    """A round counts the positions held from the last monthly step's leads (the end of its
    visiting order) instead of scanning everyone in the field; at every round the counts
    must equal those of a scan of every listed row, small funders' positions included."""
    import careersim.engine.hiring as hiring
    from careersim.core.codes import S_SMALL_FUNDER
    from careersim.core.rng import Streams
    from careersim.engine.field import FieldModel
    from careersim.engine.parameters import draw_parameters

    sc, seed = case
    sc = sc.with_changes({"positions.small_funder_leads": small_leads, "positions.small_funder": small_positions})
    original, seen = hiring._round_start, []

    def checked(K0, growth, out, n_out, key, t, p_leave, act, nact, vis, lo, hi, I, init_src, queue_small, *rest):
        got = original(K0, growth, out, n_out, key, t, p_leave, act, nact, vis, lo, hi, I, init_src, queue_small, *rest)
        scan = hiring._holders(act, nact, I, init_src, out, n_out)  # after the outside leads' exits, as the round
        if queue_small:
            scan[hiring.SOURCE_INDEX[S_SMALL_FUNDER]] = 0
        np.testing.assert_array_equal(got[1], scan)
        assert hiring._leads_listed(vis, lo, hi, I, rest[-1], queue_small), "the round fell back to the scan"
        seen.append((t, int((I[act[:nact], hiring.STATE] == hiring.LEAD).sum())))
        return got

    streams = Streams(seed, 0)
    try:
        hiring._round_start = checked
        FieldModel(draw_parameters(sc, streams), list(sc.interventions), streams).run()
    finally:
        hiring._round_start = original
    assert len(seen) == len(range(8, int(sc.run.horizon * 48), 12))
    assert not seen or any(leads for _, leads in seen)  # the existing field's leads, at least


@SETTINGS
@given(small_scenarios())
def test_capacities_are_never_exceeded(case):
    sc, seed = case
    rep = cs.simulate(sc, seed)
    ts = rep.timeseries
    assert (ts.advisor_slots_used <= ts.advisor_slots).all()
    # the advisors' loads, kept incrementally, always equal the number of PhD students
    assert (ts.advisor_slots_used == ts.n_phd).all()
    inst = rep.institutions
    gm = inst["grant_months"]
    if len(gm):
        assert (gm.funded <= gm.budget + 1e-9).all()
    pr = inst["programme"]
    if len(pr):
        assert (pr.admitted <= pr.places).all()
    hi = inst["hiring"]
    if len(hi):
        assert (hi.filled <= hi.vacancies).all()
        # positions never grow below what is held (capacity only grows here), outside leads hold some of them
        assert (hi.held <= hi.positions).all()
        assert (hi.held + hi.vacancies - hi.filled == hi.positions).all()
        assert (hi.outside_leads <= hi.held).all()
        assert (hi.opened_growth >= 0).all() and (hi.opened_replacement >= 0).all()
    # mentor hours are never over-allocated, and programmes take no more places than mentors allow
    assert (ts.mentor_hours_given <= ts.mentor_hours_supplied + 1e-9).all()
    assert (ts.mentor_hours_given <= ts.mentor_hours_asked + 1e-9).all()
    if len(pr):
        supply = ts.set_index("tick").mentor_hours_supplied.reindex(pr.tick).to_numpy()
        assert (pr.places * sc.programme.mentor_hours <= supply + 1e-9).all()
    # no advisor holds more students than allowed at the end (advisors told apart by their quality)
    phd = rep.agents[rep.agents.final_state == "phd"]
    if len(phd):
        assert phd.groupby("advisor_quality").size().max() <= sc.phd.max_students


@SETTINGS
@given(small_scenarios())
def test_probabilities_and_skills_stay_in_the_unit_interval(case):
    sc, seed = case
    rep = cs.simulate(sc, seed)
    for k, v in rep.summary.items():
        if k.startswith(("p_lead", "exit_", "util_")) and v == v:
            assert 0.0 <= v <= 1.0, (k, v)
    skills = rep.agents[["execution", "idea_generation", "idea_evaluation", "impact_judgement"]].to_numpy()
    assert ((skills >= 0) & (skills <= 1)).all()


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_the_same_seed_gives_identical_tables(seed):
    a = cs.simulate(tiny(), seed)
    b = cs.simulate(tiny(), seed)
    pd.testing.assert_frame_equal(a.agents, b.agents)
    pd.testing.assert_frame_equal(a.events, b.events)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    assert list(a.summary) == list(b.summary)
    for key, x in a.summary.items():  # equal, or both undefined (NaN)
        y = b.summary[key]
        assert x == y or (x != x and y != y), (key, x, y)


@settings(max_examples=5, deadline=None)
@given(st.sampled_from(sorted(PRESETS)), st.integers(0, 1000))
def test_an_intervention_starting_after_the_horizon_changes_nothing(kind, seed):
    sc = tiny()
    late = sc.model_copy(update={"interventions": [Intervention(kind=kind, start=sc.run.horizon + 1)]})
    a, b = cs.simulate(sc, seed), cs.simulate(late, seed)
    pd.testing.assert_frame_equal(a.agents, b.agents)
    pd.testing.assert_frame_equal(a.events, b.events)


def test_changing_one_mechanism_leaves_unrelated_outcomes_exactly_equal():
    """Common random numbers: PhD stress changes PhD students' paths only. With no
    lead positions and more mentor time than anyone asks for to compete for, every
    contributor's row is exactly the same, and everyone's traits, background and starting
    track are the same."""
    sc = tiny(
        **{
            "positions.big_rfp": 0,
            "positions.adjacent_org": 0,
            "positions.academia": 0,
            "positions.autonomy_role": 0,
            "contributor.phd_intent_share": 0.0,
            "mentoring.external_hours": 1e6,
            "programme.places": 0,
            "run.horizon": 8.0,
        }
    )
    other = sc.with_changes({"phd.stress": 0.4})
    a, b = cs.simulate(sc, 5), cs.simulate(other, 5)
    traits = ["person_id", "track", "background", "learning_rate", "self_direction", "resilience", "entry_year"]
    pd.testing.assert_frame_equal(a.agents[traits], b.agents[traits])
    con_a = a.agents[a.agents.track == "contributor"]
    con_b = b.agents[b.agents.track == "contributor"]
    # (the path column's categories are those of everyone's paths: compared as text)
    pd.testing.assert_frame_equal(con_a.assign(path=con_a.path.astype(str)), con_b.assign(path=con_b.path.astype(str)))
    # ...while PhD entrants are affected
    phd_a, phd_b = a.agents[a.agents.track == "phd"], b.agents[b.agents.track == "phd"]
    assert not phd_a[["final_state", "exit_reason"]].equals(phd_b[["final_state", "exit_reason"]]) or not np.allclose(
        phd_a.idea_generation, phd_b.idea_generation
    )


def test_more_mentorship_for_independents_never_lowers_their_lead_chance():
    """At fixed seeds, raising independent researchers' mentor hours does not lower
    their mean 10-year chance of becoming a lead (tolerance 0.01: chance effects
    through competition for openings can move it slightly)."""
    base = cs.baseline().with_changes({"population.entrants_per_year": 150, "run.horizon": 14.0})
    for hours in (0.25, 1.0):
        more = base.with_changes({"independent.mentor_hours": hours})
        lo = np.mean([cs.simulate(base, s).summary["p_lead_independent"] for s in (1, 2, 3)])
        hi = np.mean([cs.simulate(more, s).summary["p_lead_independent"] for s in (1, 2, 3)])
        assert hi >= lo - 0.01, (hours, lo, hi)


@SETTINGS
@given(small_scenarios())
def test_the_order_the_step_visits_researchers_in_changes_nothing(case):
    """The monthly step visits researchers grouped by what they did last month. At
    every month of a run, one step in that order and one in plain row order, from
    copies of the same state, must leave the same rows, lists, counts and log."""
    from careersim.core.rng import Streams
    from careersim.engine.field import EXPHI, FieldModel
    from careersim.engine.kernel import step
    from careersim.engine.parameters import draw_parameters

    sc, seed = case
    compared = []

    class Twice(FieldModel):
        def step_rows(self, t, hours):
            w = self.world
            kfb, khz, ktr = self._step_keys
            runs = []
            for grouped in (True, False):
                act, nact = w.act.copy(), w.nact.copy()
                vis, nvis = w.vis.copy(), (w.nvis.copy() if grouped else np.zeros(1, dtype=np.int64))
                F, I, load, LOG, nlog = w.F.copy(), w.I.copy(), w.adv_load.copy(), w.LOG.copy(), w.nlog.copy()
                stats, wants, ready = w.stats.copy(), w.wants.copy(), w.ready.copy()
                counts = w.counts.copy()
                step(
                    t,
                    act,
                    nact,
                    vis,
                    nvis,
                    self.live.P,
                    kfb,
                    khz,
                    ktr,
                    F,
                    I,
                    self.advisors.quality,
                    self.advisors.safe,
                    self._hours.copy(),
                    hours,
                    load,
                    LOG,
                    nlog,
                    stats,
                    wants,
                    ready,
                    EXPHI,
                    w.out_flags.copy(),
                    w.groups.copy(),
                    w.settings,
                    counts,
                    w.n,
                )
                k = int(nact[0])
                runs.append(
                    (
                        act[:k],
                        F,
                        I,
                        load,
                        LOG[: nlog[0]],
                        stats,
                        counts,
                        wants[: stats[ST_WANTS]],
                        ready[: stats[ST_READY]],
                        np.sort(vis[: nvis[0]]),
                    )
                )
            for a, b in zip(*runs):
                np.testing.assert_array_equal(a, b)
            np.testing.assert_array_equal(runs[0][-1], runs[0][0])  # the visiting list holds those still in the field
            compared.append(t)
            super().step_rows(t, hours)

    streams = Streams(seed, 0)
    Twice(draw_parameters(sc, streams), list(sc.interventions), streams).run()
    assert len(compared) == int(sc.run.horizon * 12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 30), max_size=150), st.integers(0, 5))
def test_the_steps_log_is_put_in_row_order_keeping_each_rows_order(rows, lead):
    """The step's log entries, made in visiting order, are sorted by row; entries of
    one row keep the order they were made in (a stable sort), as a step over rows in
    order would have made them. Short and long blocks take different sorts."""
    from careersim.engine.kernel import _sort_log

    LOG = np.zeros((lead + len(rows) + 3, 5), dtype=np.int64)
    LOG[:, 0] = -1
    for k, r in enumerate(rows):
        LOG[lead + k] = (r, k, 7 * k, r % 8, k % 11)  # column 1: the order the entry was made in
    expected = LOG.copy()
    block = sorted(range(len(rows)), key=lambda k: rows[k])  # Python's sort is stable
    expected[lead : lead + len(rows)] = LOG[lead + np.array(block, dtype=np.int64)] if rows else LOG[lead:lead]
    _sort_log(LOG, lead, lead + len(rows))
    np.testing.assert_array_equal(LOG, expected)


def test_dropping_the_visiting_order_in_any_month_changes_nothing():
    """Whoever rewrites the list of rows in the field sets ``nvis[0] = 0`` and the next step
    visits the rows in row order, building the grouped order again. Doing so every other
    month must give the plain run."""
    from careersim.core.rng import Streams
    from careersim.engine.field import FieldModel
    from careersim.engine.parameters import draw_parameters

    sc = tiny(**{"population.entrants_per_year": 60, "run.horizon": 4.0})

    class Alternating(FieldModel):
        def step_rows(self, t, hours):
            if (t // 4) % 2:
                self.world.nvis[0] = 0
            super().step_rows(t, hours)

    runs = []
    for cls in (FieldModel, Alternating):
        streams = Streams(3, 0)
        m = cls(draw_parameters(sc, streams), list(sc.interventions), streams).run()
        runs.append(m)
    a, b = (r.world for r in runs)
    np.testing.assert_array_equal(a.LOG[: a.nlog[0]], b.LOG[: b.nlog[0]])
    np.testing.assert_array_equal(a.F, b.F)
    np.testing.assert_array_equal(a.I, b.I)


@SETTINGS
@given(
    small_scenarios(),
    st.sampled_from([0.0, 2.0]),
    st.floats(0.0, 3.0),
    st.sampled_from([None, 0.25, 2.0]),
    st.integers(1, 12),
)
def test_the_monthly_process_acts_in_the_order_of_one_process_per_institution(case, burn_in, start, span, month):
    """The month's intake, step, grant round and record share one SimPy process that waits on
    the calendar only when another event is due first. Its actions, with every other
    institution's, must come in exactly the order (and leave exactly the field) that one
    process per institution gives: policies starting and ending at any tick, any
    admission month, burn-in or none."""
    from careersim.core.clock import TICKS_PER_MONTH
    from careersim.core.rng import Streams
    from careersim.engine.field import FieldModel
    from careersim.engine.parameters import draw_parameters

    sc, seed = case
    end = None if span is None else start + span
    policy = Intervention(kind="multi_year_grants", start=start, end=end)
    sc = sc.with_changes({"run.burn_in": burn_in, "phd.admission_month": month})
    sc = sc.model_copy(update={"interventions": [policy]})

    class Separate(FieldModel):
        """The reference: one SimPy process per monthly institution."""

        def _month(self, chain):
            procs = [self.env.process(self._periodic(p, 0, TICKS_PER_MONTH, a)) for p, a in chain]
            yield self.env.all_of(procs)

    def run(cls):
        streams = Streams(seed, 0)
        model = cls(draw_parameters(sc, streams), list(sc.interventions), streams)
        order = []
        for name in ("intake", "monthly_step", "grant_round", "record", "enact", "repeal"):
            act = getattr(model, name)
            setattr(model, name, lambda *a, _n=name, _f=act: (order.append((_n, a[-1])), _f(*a))[1])
        for inst, name in ((model.admissions, "round"), (model.programme, "round"), (model.hiring, "round")):
            act = getattr(inst, name)
            setattr(inst, name, lambda t, _n=type(inst).__name__, _f=act: (order.append((_n, t)), _f(t))[1])
        model.run()
        return model, order

    merged, order = run(FieldModel)
    separate, reference = run(Separate)
    assert order == reference
    assert merged.wakeups == separate.wakeups
    w, v = merged.world, separate.world
    assert np.array_equal(w.I, v.I) and np.array_equal(w.F.view(np.int64), v.F.view(np.int64))
    assert np.array_equal(w.LOG[: int(w.nlog[0])], v.LOG[: int(v.nlog[0])])
