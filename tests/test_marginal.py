"""The marginal value of each scarce resource, and what resources and policies cost.

Exact values where the maths gives them: a paired difference on identical inputs is
exactly 0; a resource with slack (never fully used) has a marginal value of exactly 0
on common random numbers, as its stepped run is the same run; the summary's means,
intervals, rescaling and per-$1M figures are the formulas applied to known numbers;
costs are closed-form integrals.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from careersim.analysis.effects import metric_effects
from careersim.analysis.marginal import marginal_summary
from careersim.analysis.replication import outcomes
from careersim.config.resources import (
    RESOURCES,
    cost_over,
    growth_integral,
    scenario_cost,
    step_cost,
    unit_cost,
)
from careersim.config.scenarios import load_scenario
from careersim.config.schema import Scenario, baseline, get_path
from careersim.core.stats import mean_ci
from careersim.experiments.marginal import marginal_runs, stepped, variants

BY_KEY = {r.key: r for r in RESOURCES}


def tiny(**changes) -> Scenario:
    return baseline().with_changes(
        {
            "population.entrants_per_year": 40,
            "run.horizon": 6.0,
            "run.claims_window": 3.0,
            "initial.leads": 5,
            "initial.phd_students": 8,
            "initial.independents": 6,
            "initial.contributors": 10,
            "phd.advisors": 10,
            **changes,
        }
    )


# ---------------------------------------------------------------------------
# the stepped scenarios
# ---------------------------------------------------------------------------


def test_a_step_raises_one_lever_only_and_reports_the_step_taken() -> None:
    sc = baseline()
    more, taken = stepped(sc, BY_KEY["openings_adjacent_org"], 0.1)
    assert taken == pytest.approx(0.1)
    assert get_path(more, "positions.adjacent_org") == pytest.approx(1.1 * get_path(sc, "positions.adjacent_org"))
    a, b = sc.model_dump(), more.model_dump()
    b["positions"]["adjacent_org"] = a["positions"]["adjacent_org"]
    assert a == b  # nothing else moved


def test_whole_units_round_up_to_at_least_one_more() -> None:
    sc, taken = stepped(baseline(), BY_KEY["advisor_slots"], 0.1)  # 100 advisors -> 110
    assert get_path(sc, "phd.advisors") == 110 and taken == pytest.approx(0.1)
    sc, taken = stepped(tiny(**{"phd.advisors": 3}), BY_KEY["advisor_slots"], 0.1)  # 3 -> 4, not 3.3
    assert get_path(sc, "phd.advisors") == 4 and taken == pytest.approx(1 / 3)


def test_grantmaker_time_is_raised_by_reviewing_faster() -> None:
    sc, taken = stepped(baseline(), BY_KEY["grantmaker_time"], 0.1)
    assert get_path(sc, "grants.review_time") == pytest.approx(0.01 / 1.1)
    assert get_path(sc, "grants.reviewers") == 3 and taken == pytest.approx(0.1)


def test_a_resource_the_scenario_lacks_is_not_run_but_one_an_intervention_provides_is() -> None:
    assert stepped(baseline(), BY_KEY["openings_agnostic_org"]) is None
    assert "openings_agnostic_org" not in variants(baseline())
    org = load_scenario("agenda-agnostic-org")
    sc, taken = stepped(org, BY_KEY["openings_agnostic_org"], 0.1)
    assert sc.interventions[0].set["positions.agnostic_org"] == pytest.approx(
        1.1 * org.interventions[0].set["positions.agnostic_org"]
    )
    assert taken == pytest.approx(0.1)


# ---------------------------------------------------------------------------
# paired changes on common random numbers
# ---------------------------------------------------------------------------


def test_paired_difference_on_identical_inputs_is_exactly_zero() -> None:
    sc = tiny()
    a = pd.DataFrame([dict(outcomes(sc, 5, r), replication=r) for r in range(3)])
    b = pd.DataFrame([dict(outcomes(sc, 5, r), replication=r) for r in range(3)])
    eff = metric_effects(a, b)
    for key in ("new_leads", "field_safety_lead_years_before_arrival", "p_lead"):
        e = eff[key]
        assert (e["value"], e["low"], e["high"]) == (0.0, 0.0, 0.0), key
        assert e["share_equal"] == 1.0


def test_a_resource_with_slack_has_a_marginal_value_of_exactly_zero() -> None:
    # Money ten times what funders can spend is never the constraint: 10% more of it changes no
    # decision, so on the same random numbers the stepped run is the same run (tolerance: exactly 0).
    sc = tiny(**{"grants.budget": 2000.0})
    only = {"money": stepped(sc, BY_KEY["money"], 0.1)}
    for rep in range(2):
        base = outcomes(sc, 11, rep)
        out = marginal_runs(sc, 11, rep, base, 0.1, only)
        assert out["marginal_money_new_leads"] == 0.0
        assert out["marginal_money_safety_lead_years"] == 0.0
        assert out["binding_constraint"] == "none"


def test_scarce_lead_openings_add_leads() -> None:
    # A field short of openings (one a year from each main source, with more candidates than openings):
    # doubling one source's openings adds leads in every replication.
    sc = tiny(
        **{
            "run.horizon": 12.0,
            "population.entrants_per_year": 60,
            "positions.adjacent_org": 1.0,
            "positions.big_rfp": 1.0,
            "positions.academia": 1.0,
        }
    )
    only = {"openings_adjacent_org": stepped(sc, BY_KEY["openings_adjacent_org"], 1.0)}
    gains = []
    for rep in range(3):
        out = marginal_runs(sc, 11, rep, outcomes(sc, 11, rep), 1.0, only)
        gains.append(out["marginal_openings_adjacent_org_new_leads"])
    assert min(gains) > 0, gains


# ---------------------------------------------------------------------------
# the summary over replications
# ---------------------------------------------------------------------------


def reps_with(changes: dict[str, list[float]], steps: dict[str, float]) -> pd.DataFrame:
    n = len(next(iter(changes.values())))
    cols: dict[str, list] = {"replication": list(range(n))}
    for key, xs in changes.items():
        cols[f"marginal_{key}_new_leads"] = xs
        cols[f"marginal_{key}_safety_lead_years"] = [2 * x for x in xs]
        cols[f"marginal_{key}_step"] = [steps.get(key, 0.1)] * n
    best = [max(changes, key=lambda k: changes[k][i] * 0.1 / steps.get(k, 0.1)) for i in range(n)]
    cols["binding_constraint"] = best
    return pd.DataFrame(cols)


def test_summary_means_intervals_rescaling_and_cost_are_the_formulas() -> None:
    sc = baseline()
    reps = reps_with(
        {
            "openings_adjacent_org": [20.0, 24.0, 28.0, 24.0],
            "advisor_slots": [8.0, 12.0, 10.0, 10.0],
            "money": [0.0, 0.0, 0.0, 0.0],
        },
        steps={"advisor_slots": 0.2},
    )
    m = marginal_summary(reps, sc, 0.1)
    rows = {r["key"]: r for r in m["resources"]}
    top = rows["openings_adjacent_org"]
    ci = mean_ci([20.0, 24.0, 28.0, 24.0])
    assert top["new_leads"]["value"] == 24.0
    assert top["new_leads"]["low"] == pytest.approx(ci["low"]) and top["new_leads"]["high"] == pytest.approx(ci["high"])
    assert top["safety_lead_years"]["value"] == 48.0
    cost = step_cost(sc, BY_KEY["openings_adjacent_org"], 0.1)
    assert top["cost_of_step"] == pytest.approx(cost)
    assert top["new_leads_per_million"]["value"] == pytest.approx(24.0 * 1e6 / cost)
    # measured with a 20% step, reported per 10%: halved, and said so
    adv = rows["advisor_slots"]
    assert adv["new_leads"]["value"] == pytest.approx(5.0) and adv["rescaled"]
    assert rows["money"]["new_leads"]["value"] == 0.0 and rows["money"]["new_leads"]["share_equal"] == 1.0
    assert rows["grantmaker_time"]["status"] == "absent"
    assert m["binding"] == "openings_adjacent_org" and m["tied"] == []
    assert m["binding_label"] == "lead positions at adjacent-agenda organisations"
    assert m["share_of_replications"] == {"openings_adjacent_org": 1.0}
    assert m["not_modelled"] == {} and rows["mentor_time"]["status"] == "absent"


def test_nothing_binds_when_no_interval_lies_above_zero() -> None:
    reps = reps_with({"money": [1.0, -1.0, 2.0, -2.0], "advisor_slots": [0.0, 0.0, 0.0, 0.0]}, {})
    m = marginal_summary(reps, baseline(), 0.1)
    assert m["binding"] == "none" and m["binding_label"] == "none clearly"


def test_when_the_largest_gain_is_uncertain_the_sentence_names_those_clearly_above_zero() -> None:
    """The top gain's interval includes zero, so nothing is called binding; but another
    resource's interval lies above zero, and the sentence must not say none does."""
    from careersim.reporting.findings import binding_sentence

    reps = reps_with({"money": [60.0, -10.0, 50.0, 0.0], "advisor_slots": [20.0, 22.0, 24.0, 21.0]}, {})
    m = marginal_summary(reps, baseline(), 0.1)
    assert m["binding"] == "none"
    text = binding_sentence(m)
    advisor = next(r["label"] for r in m["resources"] if r["key"] == "advisor_slots")
    assert "adds no leads whose interval lies above zero" not in text
    assert "includes zero" in text and advisor in text.split("above zero:")[1]
    quiet = marginal_summary(
        reps_with({"money": [1.0, -1.0, 2.0, -2.0], "advisor_slots": [0.0] * 4}, {}), baseline(), 0.1
    )
    assert "adds no leads whose interval lies above zero" in binding_sentence(quiet)


def test_resources_not_told_apart_are_named_together() -> None:
    # the two opening sources differ by -1, +1, -1, +3 per replication: their difference's interval includes 0
    reps = reps_with(
        {
            "openings_adjacent_org": [20.0, 26.0, 22.0, 30.0],
            "openings_big_rfp": [21.0, 25.0, 23.0, 27.0],
            "advisor_slots": [1.0, 2.0, 1.0, 2.0],
        },
        {},
    )
    m = marginal_summary(reps, baseline(), 0.1)
    assert m["binding"] == "openings_adjacent_org"
    assert [t["key"] for t in m["tied"]] == ["openings_big_rfp"]
    assert m["tied"][0]["difference"]["value"] == 0.5
    assert m["binding_label"] == "lead positions (the sources are not told apart)"
    reps = reps_with({"openings_adjacent_org": [20.0, 26.0, 22.0, 30.0], "advisor_slots": [21.0, 25.0, 23.0, 27.0]}, {})
    m = marginal_summary(reps, baseline(), 0.1)
    assert m["binding_label"] == (
        "lead positions at adjacent-agenda organisations or PhD advisor slots (not told apart)"
    )


# ---------------------------------------------------------------------------
# costs
# ---------------------------------------------------------------------------


def test_growth_integral_is_the_closed_form() -> None:
    assert growth_integral(0.0, 1.0, 4.0) == 3.0
    assert growth_integral(0.1, 0.0, 2.0) == pytest.approx((1.1**2 - 1) / math.log(1.1))
    assert growth_integral(0.1, 3.0, 3.0) == 0.0


def test_cost_of_a_step_and_of_a_policy() -> None:
    sc = baseline()
    h = float(sc.run.horizon)
    # programme places: 50 places x 2 cohorts x $35K a year, no growth
    r = BY_KEY["programme_places"]
    assert unit_cost(sc, r) == 70_000.0
    assert cost_over(sc, r, 0.0, h) == pytest.approx(50 * 70_000.0 * h)
    assert step_cost(sc, r, 0.1) == pytest.approx(5 * 70_000.0 * h)
    # the shipped policy doubles places from year 1: 50 more places for h - 1 years
    policy = load_scenario("more-programme-places")
    cost = scenario_cost(policy, load_scenario("baseline"))
    assert cost.total == pytest.approx(50 * 70_000.0 * (h - 1))
    assert cost.per_year == pytest.approx(50 * 70_000.0) and cost.years == pytest.approx(h - 1)
    assert not cost.assumption and "MATS" in cost.sources[0]
    # a scenario adding nothing states no cost; a world what-if (timelines) neither
    assert not scenario_cost(load_scenario("baseline"), load_scenario("baseline")).stated
    assert not scenario_cost(load_scenario("long-timelines"), load_scenario("baseline")).stated


def test_a_stated_cost_counts_once_and_needs_a_source() -> None:
    base = baseline()
    data = base.model_dump()
    data["interventions"] = [
        {
            "kind": "more_programme_places",
            "start": 2.0,
            "cost_per_year": 1_000_000.0,
            "cost_source": "assumption: a round figure",
        }
    ]
    sc = Scenario.model_validate(data)
    cost = scenario_cost(sc, base)
    h = float(base.run.horizon)
    assert cost.total == pytest.approx(1_000_000.0 * (h - 2))  # the stated figure, not the places it adds as well
    assert cost.assumption
    data["interventions"][0]["cost_source"] = ""
    with pytest.raises(ValidationError, match="cost_source"):
        Scenario.model_validate(data)
    data["interventions"][0].update(cost_per_year=-5.0, cost_source="x")
    with pytest.raises(ValidationError, match="at least 0"):
        Scenario.model_validate(data)


def test_every_shipped_scenario_says_whether_it_is_a_policy() -> None:
    from careersim.config.shipped import shipped_files

    kinds = {name: load_scenario(name).kind for name in shipped_files()}
    assert kinds["baseline"] == "world" and kinds["long-timelines"] == "world"
    assert kinds["more-programme-places"] == "policy" and kinds["multi-year-grants"] == "policy"
    assert np.all([k in ("policy", "world") for k in kinds.values()])


def test_with_fewer_paired_replications_than_an_interval_needs_nothing_is_named():
    """One or two paired replications give no interval, so no resource is named as binding
    (a single replication's gain has low = high = value, which looked clearly above zero), and
    the report and the terminal say too few to tell."""
    from careersim.reporting.findings import binding_sentence
    from careersim.reporting.terminal import run_lines

    for n in (1, 2):
        reps = reps_with({"money": [28.0, 30.0][:n], "advisor_slots": [5.0, 6.0][:n]}, {})
        m = marginal_summary(reps, baseline(), 0.1)
        assert m["replications"] == n and m["binding"] == "none"
        assert binding_sentence(m).startswith(f"What binds: too few paired replications to tell ({n};")
        lines = run_lines({"outcomes": {}, "marginal_value": m})
        assert any(f"too few paired replications to tell ({n};" in line for line in lines)
    m = marginal_summary(
        reps_with({"money": [28.0, 30.0, 29.0], "advisor_slots": [5.0, 6.0, 5.0]}, {}), baseline(), 0.1
    )
    assert m["binding"] == "money"


def test_the_report_section_says_too_few_to_tell_with_one_or_two_paired_replications():
    from careersim.reporting.bottom_line import marginal_rows

    m = marginal_summary(reps_with({"money": [28.0], "advisor_slots": [5.0]}, {}), baseline(), 0.1)
    assert marginal_rows({"summary": {"marginal_value": m}})["binding"] == "too few paired replications to tell"
