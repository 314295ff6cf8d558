"""The bottom line of a comparison and the terminal's headline: order, grouping, costs per $1M
and words that never claim more than the intervals allow."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from careersim.config.resources import Cost
from careersim.config.schema import baseline
from careersim.experiments.compare import cost_json, per_million
from careersim.reporting.bottom_line import bottom_line
from careersim.reporting.findings import by_leads_added, verdict
from careersim.reporting.terminal import comparison_lines, run_lines


def eff(value, low, high, n=10, better=None, equal=0.0):
    if better is None:
        better = 0.9 if low > 0 else 0.1 if high < 0 else 0.5
    return {
        "value": value,
        "low": low,
        "high": high,
        "n": n,
        "base_mean": 100.0,
        "alt_mean": 100.0 + value,
        "share_better": better,
        "share_equal": equal,
    }


def comp(name, kind, leads, cost=None):
    effects = {
        "new_leads": leads,
        "field_safety_lead_years_before_arrival": eff(2 * leads["value"], 2 * leads["low"], 2 * leads["high"]),
    }
    c = cost or Cost(0.0, math.nan, 0.0, (), False, ())
    return {
        "base": "baseline",
        "alternative": name,
        "kind": kind,
        "effects": effects,
        "groups": [],
        "cost": cost_json(c),
        "per_million": per_million(effects, c),
    }


def view(name, role="alternative"):
    return {
        "name": name,
        "role": role,
        "description": f"{name} described",
        "scenario": baseline(),
        "summary": {"marginal_value": {}},
        "replications": pd.DataFrame({"replication": [0, 1]}),
    }


@pytest.fixture
def data():
    places = Cost(
        total=10e6, per_year=0.5e6, years=20.0, sources=("MATS",), assumption=False, parts=(("places", 10e6),)
    )
    free = Cost(
        total=0.0,
        per_year=0.0,
        years=19.0,
        sources=("assumption: same budget",),
        assumption=True,
        parts=(("grants (stated)", 0.0),),
    )
    comps = [
        comp("timelines", "world", eff(-30.0, -40.0, -20.0)),
        comp("places", "policy", eff(5.0, 1.0, 9.0), places),
        comp("org", "policy", eff(40.0, 30.0, 50.0)),
        comp("grants", "policy", eff(1.0, -2.0, 4.0), free),
    ]
    return {"base": "baseline", "alternatives": [c["alternative"] for c in comps], "comparisons": comps}


def test_rows_come_most_leads_first_with_policies_apart_from_the_world(data) -> None:
    assert by_leads_added(data) == [2, 1, 3, 0]
    views = [view("baseline", "base")] + [view(c["alternative"]) for c in data["comparisons"]]
    b = bottom_line(data, views)
    assert [r["name"] for r in b["policies"]] == ["org", "places", "grants"]
    assert [r["name"] for r in b["world"]] == ["timelines"]
    org, places, grants = b["policies"]
    assert org["leads"]["value"] == "+40" and org["leads"]["words"] == "likely increases"
    assert org["cost"]["text"] == "no stated cost" and org["leads_per_m"] is None
    # $10M over the run: +5 leads (+1 to +9) is +0.5 (+0.1 to +0.9) per $1M, exactly
    assert (
        places["cost"]["text"] == "$500K a year ($10M over 20 years)" and places["cost"]["note"] == "published figures"
    )
    assert places["leads_per_m"]["value"] == "+0.5" and places["leads_per_m"]["interval"] == "+0.1 to +0.9"
    assert grants["cost"]["text"] == "no added budget" and grants["cost"]["none"] == "costs nothing extra"
    assert grants["leads"]["words"] == "may not change"
    assert "What the intervals cover" in b["intervals"] and "do not cover" in b["intervals"]


def test_a_policy_without_added_budget_says_which_existing_capacity_it_uses_more_of(data) -> None:
    """Only a clear increase in use (interval above zero) is named; a change that may be zero is not."""
    grants = data["comparisons"][3]
    grants["effects"]["util_money"] = eff(0.414, 0.399, 0.429)
    grants["effects"]["util_grantmaker_time"] = eff(0.01, -0.02, 0.04)
    views = [view("baseline", "base")] + [view(c["alternative"]) for c in data["comparisons"]]
    row = next(r for r in bottom_line(data, views)["policies"] if r["name"] == "grants")
    assert row["cost"]["text"] == "no added budget; it uses existing capacity: grant money +41 pts of capacity in use"
    assert row["cost"]["none"] == "no added budget"


def test_per_million_is_the_effect_divided_by_the_cost_in_millions() -> None:
    c = Cost(total=4e6, per_year=2e5, years=20.0, sources=("x",), assumption=False, parts=(("x", 4e6),))
    out = per_million({"new_leads": eff(8.0, 2.0, 14.0)}, c)
    assert out["new_leads"]["value"] == 2.0 and out["new_leads"]["low"] == 0.5 and out["new_leads"]["high"] == 3.5
    assert per_million({"new_leads": eff(8.0, 2.0, 14.0)}, Cost(0.0, 0.0, 1.0, ("x",), True, (("x", 0.0),))) == {}


def test_a_verdict_and_its_count_never_contradict() -> None:
    # the interval excludes zero but most replications move the other way: "mixed", not "likely increases"
    assert verdict(eff(1.0, 0.2, 1.8, n=10, better=0.3)).words == "mixed"
    # 6 of 6 better while the interval includes zero: the direction, its size uncertain
    v = verdict(eff(1.0, -0.1, 2.1, n=6, better=1.0))
    assert (v.words, v.note) == ("likely increases", "size uncertain")
    assert verdict(eff(0.0, 0.0, 0.0, n=5, better=0.0, equal=1.0)).words == "no change"
    assert verdict(eff(3.0, 3.0, 3.0, n=2, better=1.0)).words == "too few replications to tell"


def test_the_terminal_prints_the_same_order_and_numbers(data) -> None:
    lines = comparison_lines(data)
    assert lines[0].startswith("New leads against baseline")
    names = [line.split()[0] for line in lines[1:]]
    assert names == ["org", "places", "grants", "timelines"]
    assert "+0.5 (+0.1 to +0.9) per $1M (costs $500K a year)" in lines[2]
    assert "(a what-if about the world)" in lines[4]
    summary = {
        "outcomes": {
            "new_leads": {"value": 876.0, "low": 854.0, "high": 903.0, "n": 20},
            "p_lead": {"value": 0.131, "low": 0.124, "high": 0.139, "n": 20},
        }
    }
    text = "\n".join(run_lines(summary, 10.0))
    assert "entrants who became leads: 876 (854 to 903)" in text
    assert "within 10 years of entry: 13% (12% to 14%)" in text


def test_the_terminal_says_too_few_once_a_line_when_an_interval_needs_more_pairs() -> None:
    places = Cost(total=10e6, per_year=0.5e6, years=20.0, sources=("MATS",), assumption=False, parts=(("p", 10e6),))
    comps = [comp("places", "policy", eff(5.0, 5.0, 5.0, n=2, better=1.0), places)]
    lines = comparison_lines({"base": "baseline", "alternatives": ["places"], "comparisons": comps})
    assert lines[1] == (
        "  places  +5: too few paired replications to tell (2; an interval needs at least 3); "
        "+0.5 per $1M (costs $500K a year)"
    )
