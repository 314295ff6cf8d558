"""Layer (a): exact traces on tiny deterministic scenarios, and the event-count guard."""

from __future__ import annotations

import numpy as np
import pytest

import careersim as cs
from careersim.config.schema import Intervention
from careersim.core.codes import TRACKS
from tests.conftest import quiet, tiny


def _trace(rep, agent=0):
    ev = rep.events[rep.events.agent == agent]
    return [(int(t), str(f), str(to), str(r)) for t, f, to, r in zip(ev.tick, ev.from_state, ev.to_state, ev.reason)]


def test_contributor_who_never_moves_has_one_entry_event():
    sc = quiet(
        **{
            "population.entrants_per_year": 1,
            "population.track_mix.phd": 0.0,
            "population.track_mix.independent": 0.0,
            "population.track_mix.contributor": 1.0,
            "contributor.phd_intent_share": 0.0,
            "positions.ready_generation": 1.0,
        }
    )
    rep = cs.simulate(sc, seed=3)
    assert _trace(rep) == [(0, "waiting", "contributor", "entry")]
    assert list(rep.agents.final_state) == ["contributor"]


def test_phd_student_is_admitted_at_the_first_round_and_graduates_into_industry():
    sc = quiet(
        **{
            "population.entrants_per_year": 1,
            "population.track_mix.phd": 1.0,
            "population.track_mix.independent": 0.0,
            "population.track_mix.contributor": 0.0,
            "phd.admission_month": 1,
            "phd.min_portfolio": 0.0,
            "phd.duration": 2.0,
            "phd.min_years": 0.0,
            "phd.pace_skill": 0.0,
            "phd.pace_feedback": 0.0,
            "phd.pace_wellbeing": 0.0,  # the reference pace: 2 years
            "phd.industry_share": 1.0,
            "phd.independent_share": 0.0,
            "positions.ready_generation": 1.0,
            "run.horizon": 3.0,
        }
    )
    rep = cs.simulate(sc, seed=5)
    assert _trace(rep) == [
        (0, "waiting", "phd_applicant", "entry"),
        (0, "phd_applicant", "phd", "admitted"),
        (96, "phd", "contributor", "graduated"),
    ]
    a = rep.agents.iloc[0]
    assert a.has_phd and a.ever_phd and a.contributor_kind == "industry"


def test_independent_researcher_without_money_leaves_when_the_gap_allowance_ends():
    # no money at all: every application is turned down for lack of budget
    sc = quiet(
        **{
            "population.entrants_per_year": 1,
            "population.track_mix.phd": 0.0,
            "population.track_mix.independent": 1.0,
            "population.track_mix.contributor": 0.0,
            "grants.budget": 0.0,
            "grants.budget_growth": 0.0,
            "independent.gap_to_contributor_share": 0.0,
            "independent.max_gap": 0.5,
            "grants.reapply_delay": 10.0,  # one application, turned down, then no more
            "positions.ready_generation": 1.0,
        }
    )
    rep = cs.simulate(sc, seed=2)
    # allowance before a first grant: max_gap + 0.5 years of grace = 1 year = 48 ticks
    assert _trace(rep) == [(0, "waiting", "unfunded", "entry"), (48, "unfunded", "exited", "exit")]
    assert rep.agents.exit_reason.iloc[0] == "funding_ran_out"


def test_simpy_wakeups_are_an_exact_count():
    # institution wake-ups, one per action at its time (the summary's ``simpy_wakeups``), in 20
    # years: 12/yr each for intake, step, grants, recorder (one SimPy process, which acts at each
    # phase in turn); 1/yr admissions; 2/yr programme cohorts; 4/yr hiring; one arrival (if inside
    # the horizon)
    sc = tiny(**{"run.horizon": 20.0, "timelines.arrival": 7.0})
    rep = cs.simulate(sc, seed=1)
    assert rep.summary["simpy_wakeups"] == 20 * (12 * 4 + 1 + 2 + 4) + 1


def test_intervention_enacted_and_repealed_adds_two_wakeups():
    sc = tiny(**{"run.horizon": 20.0, "timelines.arrival": 7.0})
    sc2 = sc.model_copy(update={"interventions": [Intervention(kind="multi_year_grants", start=2.0, end=5.0)]})
    rep = cs.simulate(sc2, seed=1)
    assert rep.summary["simpy_wakeups"] == 20 * (12 * 4 + 1 + 2 + 4) + 1 + 2


def test_replaying_the_event_log_reproduces_final_states():
    rep = cs.simulate(tiny(), seed=11)
    ev = rep.events.sort_values(["agent", "tick"], kind="stable")
    last = ev.groupby("agent").to_state.last()
    final = rep.agents.set_index("agent").final_state
    entered_initially = rep.agents.track == "initial_field"
    # the existing field starts in its state without an entry event
    for agent, state in final.items():
        if agent in last.index:
            assert last[agent] == state
        else:
            assert entered_initially[agent]


def test_summary_has_lead_chance_by_track():
    """Entrants who entered at least a window before the horizon are observed for the whole
    window: their lead chance, overall and by track, is the share of them who became a lead
    within the window, counted here from the agents table (finite, in [0, 1]). With a horizon
    shorter than the window nobody is observed that long, and only then is the chance NaN."""
    horizon, window = 10.0, 4.0
    rep = cs.simulate(tiny(**{"run.horizon": horizon, "run.claims_window": window}), seed=1)
    s, a = rep.summary, rep.agents
    observed = a[a.entrant & (a.entry_year <= horizon - window + 1e-9)]
    led = observed.years_to_lead <= window + 1e-9  # NaN (never a lead) compares False
    assert len(observed) > 0 and led.any()
    for tr in TRACKS:
        on_track = (observed.track == tr).to_numpy()
        assert on_track.any(), tr
        assert s[f"p_lead_{tr}"] == int(led[on_track].sum()) / int(on_track.sum()), tr
        assert 0.0 <= s[f"p_lead_{tr}"] <= 1.0
    assert s["p_lead"] == int(led.sum()) / len(observed)
    assert 0.0 < s["p_lead"] < 1.0
    short = cs.simulate(tiny(**{"run.horizon": 4.0, "run.claims_window": 10.0}), seed=1).summary
    assert all(np.isnan(short[k]) for k in ("p_lead", *(f"p_lead_{tr}" for tr in TRACKS)))


@pytest.mark.parametrize("burn_in", [0.0, 3.0])
def test_lead_years_from_the_event_log_match_the_engine_accumulators(burn_in):
    """Also after a burn-in: lead-years count from time zero, in the log as in the engine."""
    from careersim.analysis.claims import lead_years_before

    rep = cs.simulate(
        tiny(**{"run.horizon": 12.0, "population.entrants_per_year": 120, "run.burn_in": burn_in}), seed=4
    )
    horizon = 12.0
    total = lead_years_before(rep.events, rep.agents, np.inf, horizon).to_numpy()
    assert rep.agents.lead_years.sum() > 0
    np.testing.assert_allclose(total, rep.agents.lead_years.to_numpy(), atol=1e-9)
    # before the arrival: equal up to the arrival's rounding to a whole tick (1/48 year)
    arr = rep.summary["arrival_years"]
    before = lead_years_before(rep.events, rep.agents, arr, horizon).to_numpy()
    np.testing.assert_allclose(before, rep.agents.lead_years_before_arrival.to_numpy(), atol=1 / 48)


def test_track_history_paths_from_the_event_log():
    """Paths list distinct consecutive states in time order, stop at 20 states, and
    count every transition; agents without events have an empty path."""
    from careersim.analysis.tables import _paths

    # (agent, tick, from, to, reason): agent 0 phd_applicant>phd>contributor, a repeat of
    # contributor collapses; agent 2 alternates unfunded/independent 30 times
    ev = [(0, 0, 0, 1, 0), (0, 4, 1, 2, 1), (0, 8, 2, 5, 3), (0, 9, 5, 5, 6)]
    ev += [(2, 4 * k, 0, 4 if k % 2 == 0 else 3, 4) for k in range(30)]
    path, transitions = _paths(np.array(ev, dtype=np.int64), 3)
    assert list(path.astype(str)[:2]) == ["phd_applicant>phd>contributor", ""]
    assert path.astype(str)[2] == ">".join(["unfunded", "independent"] * 10)
    assert list(transitions) == [4, 0, 30]


def test_institution_tables_are_built_when_first_read_and_equal_the_eager_tables():
    """A replication's institution tables are built on first reading (most runs read none):
    each equals a DataFrame of its columns, is built once, and the mapping pickles without
    the field it came from."""
    import pickle

    import pandas as pd

    from careersim.analysis.tables import GRANT_OUTCOMES, Tables, institution_columns
    from careersim.engine.replication import run_replication

    sc = tiny(**{"run.horizon": 4.0, "run.burn_in": 1.0})
    run = run_replication(sc, 3)
    rep = cs.simulate(sc, seed=3)
    inst = rep.institutions
    assert isinstance(inst, Tables) and not inst._built
    cols = institution_columns(run.model)
    assert list(inst) == ["grant_applications", *cols]
    for name, c in cols.items():
        pd.testing.assert_frame_equal(inst[name], pd.DataFrame(c))
    apps = run.model.grants.applications()
    apps = apps[apps[:, 1] >= run.model.burn_in]
    got = inst["grant_applications"]
    assert len(got) == len(apps) > 0
    np.testing.assert_array_equal(got["submit"], apps[:, 1] - run.model.burn_in)
    assert list(got["outcome"]) == [GRANT_OUTCOMES[int(k)] for k in apps[:, 4]]
    assert inst["hiring"] is inst["hiring"]  # built once
    again = pickle.loads(pickle.dumps(inst))
    pd.testing.assert_frame_equal(again["programme"], inst["programme"])
    with pytest.raises(KeyError):
        inst["no_such_table"]
