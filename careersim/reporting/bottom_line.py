"""The bottom line of a comparison, the marginal-value table, what the intervals cover,
and the glossary: the parts of a page a reader needs before the details.

The bottom line is one table: a row per scenario, policies (levers a funder can pull)
apart from what-ifs about the world, each sorted by the leads it adds, with its
effect on safety-relevant lead-years before the arrival of transformative AI, who
loses, what binds under it, and its cost and leads per $1M where it has a cost. Then
three plain sentences: what binds, what loosens it and what the intervals cover.
"""

from __future__ import annotations

import math
from typing import Any

from careersim.config.schema import get_path, iter_parameters
from careersim.core.stats import mean_ci
from careersim.reporting.findings import (
    MIN_REPLICATIONS,
    binding_sentence,
    by_leads_added,
    dollars,
    finite,
    num,
    points,
    range_text,
    resource_label,
    verdict,
    who_loses,
)
from careersim.reporting.labels import GROUP_LABEL, RESOURCE_LABEL, STATE_LABEL, STATE_ORDER

__all__ = ["bottom_line", "marginal_rows", "intervals_sentence", "GLOSSARY", "flow_difference_rows", "flow_keys"]


def _effect_cell(e: dict | None, unit: str) -> dict:
    """A paired effect as table text: the signed mean, its interval and the verdict."""
    e = e or {}
    if not finite(e.get("value")):
        return {"value": "n/a", "interval": "", "words": ""}
    value = points(e["value"]) + " pts" if unit == "share" else num(e["value"], True)
    return {"value": value, "interval": range_text(e, unit, True), "words": str(verdict(e))}


def _loser_text(groups: list[dict]) -> str:
    found = who_loses(groups)
    if found is None:
        return "no group clearly loses"
    metric, g = found
    label = GROUP_LABEL.get(g["group"], g["group"])
    e = g[metric]
    if metric == "p_lead":
        return f"{label}: {points(e['value'])} pts lead chance"
    total = float(e["value"]) * float(g.get("n_base") or 0)
    return f"{label}: {num(e['value'], True)} lead-years each ({num(total, True)} in all)"


def _uses_more(effects: dict) -> list[str]:
    """The scarce resources a policy clearly uses more of than the base (the interval of the
    change in their utilisation above zero): what a policy without added dollars draws on."""
    out = []
    for r, label in RESOURCE_LABEL.items():
        e = effects.get(f"util_{r}") or {}
        if finite(e.get("low")) and float(e["low"]) > 0:
            out.append(f"{label} {points(e['value'])} pts of capacity in use")
    return out


def _cost_text(cost: dict | None, effects: dict | None = None) -> dict:
    cost = cost or {}
    if not cost.get("stated"):
        return {"text": "no stated cost", "note": "", "none": "no stated cost"}
    if cost.get("total") == 0:
        more = _uses_more(effects or {})
        return {
            "text": "no added budget" + (f"; it uses existing capacity: {', '.join(more)}" if more else ""),
            "note": "assumption" if cost.get("assumption") else "",
            "none": "no added budget" if more else "costs nothing extra",
        }
    per_year = cost.get("per_year")
    text = f"{dollars(per_year)} a year" if finite(per_year) else dollars(cost.get("total"))
    text += (
        f" ({dollars(cost.get('total'))} over {num(cost.get('years'))} years)" if finite(per_year) else " over the run"
    )
    return {"text": text, "note": "assumption" if cost.get("assumption") else "published figures", "none": ""}


def _binding_words(m: dict | None) -> str:
    """What binds, in words (with the resources not told apart from it), or "not measured"."""
    m = m or {}
    if not m.get("replications"):
        return "not measured"
    return m.get("binding_label") or resource_label(m.get("binding", "none"), m)


def _changed_paths(view: dict) -> set[str]:
    out: set[str] = set()
    for iv in view.get("interventions") or []:
        out |= set(iv.get("set") or {}) | set(iv.get("scale") or {})
    return out


def bottom_line(data: dict, views: list[dict]) -> dict:
    """Rows of the bottom-line table (policies, then what-ifs about the world, each by leads
    added) and its three sentences."""
    rows = []
    for i in by_leads_added(data):
        comp, view = data["comparisons"][i], views[1 + i]
        eff = comp.get("effects") or {}
        m = view["summary"].get("marginal_value") or {}
        pm = comp.get("per_million") or {}
        kind = comp.get("kind") or getattr(view["scenario"], "kind", "world")
        rows.append(
            {
                "name": comp["alternative"],
                "kind": kind,
                "description": view.get("description") or "",
                "leads": _effect_cell(eff.get("new_leads"), "count"),
                "sly": _effect_cell(eff.get("field_safety_lead_years_before_arrival"), "years"),
                "loses": _loser_text(comp.get("groups") or []),
                "binding": _binding_words(m),
                "cost": _cost_text(comp.get("cost"), eff),
                "leads_per_m": _effect_cell(pm.get("new_leads"), "count") if pm else None,
                "sly_per_m": _effect_cell(pm.get("field_safety_lead_years_before_arrival"), "years") if pm else None,
                "_per_m_value": (pm.get("new_leads") or {}).get("value") if pm else None,
            }
        )
    base = views[0]
    policies = [r for r in rows if r["kind"] == "policy"]
    return {
        "base": data["base"],
        "most": most_sentence(data, views),
        "cheapest_policy": cheapest_policy_sentence(policies),
        "policies": [r for r in rows if r["kind"] == "policy"],
        "world": [r for r in rows if r["kind"] != "policy"],
        "binds": binding_sentence(base["summary"].get("marginal_value"), base["name"]),
        "loosens": loosens_sentence(data, views),
        "cheapest": cheapest_sentence(base["summary"].get("marginal_value")),
        "intervals": intervals_sentence(views, comparison=True),
    }


def _paired_leads(a: dict, b: dict) -> dict | None:
    """Mean and interval of ``a``'s new leads minus ``b``'s, replication by replication (both
    scenarios of one comparison share their random numbers)."""
    ra, rb = a.get("replications"), b.get("replications")
    if ra is None or rb is None or "new_leads" not in getattr(ra, "columns", []) or "new_leads" not in rb.columns:
        return None
    x = ra.set_index("replication")["new_leads"]
    y = rb.set_index("replication")["new_leads"]
    common = x.index.intersection(y.index)
    if len(common) < 2:
        return None
    return mean_ci((x[common] - y[common]).to_numpy(dtype=float))


def most_sentence(data: dict, views: list[dict]) -> str | None:
    """Which policy adds the most leads, and whether it is told apart from the next one (their paired
    difference on the same random numbers)."""
    order = [i for i in by_leads_added(data) if (data["comparisons"][i].get("kind") or "world") == "policy"]
    if not order:
        return None
    first = data["comparisons"][order[0]]
    e = (first.get("effects") or {}).get("new_leads") or {}
    if not finite(e.get("value")):
        return None
    if verdict(e).direction <= 0:
        return (
            f"No policy compared clearly adds leads: the largest estimated change, {first['alternative']}'s, is "
            f"{num(e['value'], True)} ({range_text(e, 'count', True)})."
        )
    text = (
        f"Of the policies compared, {first['alternative']} adds the most leads: {num(e['value'], True)} "
        f"({range_text(e, 'count', True)}) over the run against {data['base']}"
    )
    if len(order) > 1:
        second = data["comparisons"][order[1]]
        e2 = (second.get("effects") or {}).get("new_leads") or {}
        next_text = (
            f"{second['alternative']} ({num(e2['value'], True)})" if finite(e2.get("value")) else second["alternative"]
        )
        d = _paired_leads(views[1 + order[0]], views[1 + order[1]])
        if d is not None and finite(d["low"]) and d["low"] > 0:
            text += (
                f", clearly more than the next, {next_text}: {num(d['value'], True)} leads more than it "
                f"({range_text(d, 'count', True)})"
            )
        elif d is not None:
            text += (
                f", not told apart from the next, {next_text}: the difference between them is "
                f"{num(d['value'], True)} ({range_text(d, 'count', True)})"
            )
    return text + "."


def cheapest_policy_sentence(policies: list[dict]) -> str | None:
    """The policy adding the most leads per $1M, where policies state a cost."""
    rows = [r for r in policies if r.get("leads_per_m") and r.get("_per_m_value") is not None]
    if not rows:
        return None
    best = max(rows, key=lambda r: r["_per_m_value"])
    words = "an assumed cost" if best["cost"]["note"] == "assumption" else "published costs"
    return (
        f"Per $1M, {best['name']} adds the most leads: {best['leads_per_m']['value']} "
        f"({best['leads_per_m']['interval']}), at {words} of {best['cost']['text']}. Costs are fixed figures: "
        "the intervals per $1M cover the effect's uncertainty, not the cost's."
    )


def loosens_sentence(data: dict, views: list[dict]) -> str | None:
    """Which compared policies add to the base's binding resource (or its kind), and what they gain."""
    m = views[0]["summary"].get("marginal_value") or {}
    key = m.get("binding")
    if not m.get("replications") or key in (None, "none"):
        return None
    rows = {r["key"]: r for r in m.get("resources") or []}
    top = rows.get(key)
    if top is None:
        return None
    family = top.get("family", key)
    levers = {r["lever"] for r in rows.values() if r.get("family", r["key"]) == family}
    words = "lead positions" if family == "lead_openings" else top["label"]
    hits = []
    for i in by_leads_added(data):
        comp, view = data["comparisons"][i], views[1 + i]
        if (comp.get("kind") or "world") != "policy" or not (_changed_paths(view) & levers):
            continue
        e = (comp.get("effects") or {}).get("new_leads") or {}
        hits.append(f"{comp['alternative']} ({num(e.get('value'), True)} leads, {range_text(e, 'count', True)})")
    if hits:
        return f"What loosens it: of the policies compared, {', '.join(hits)} add {words}."
    return (
        f"What loosens it: none of the policies compared adds {words}; the table of marginal values below shows "
        f"what {100 * float(m['step']):g}% more of each resource would add and cost."
    )


def cheapest_sentence(m: dict | None) -> str | None:
    """The resource whose step adds the most leads per $1M, where costs are stated."""
    rows = [
        r for r in (m or {}).get("resources") or [] if r.get("status") == "measured" and r.get("new_leads_per_million")
    ]
    rows = [r for r in rows if finite(r["new_leads_per_million"].get("value"))]
    if not rows:
        return None
    best = max(rows, key=lambda r: r["new_leads_per_million"]["value"])
    e = best["new_leads_per_million"]
    source = "an assumed cost" if best.get("cost_source", "").lower().startswith("assumption") else "a published cost"
    return (
        f"Per $1M spent over the run, more {best['label']} adds the most leads: {num(e['value'], True)} "
        f"({range_text(e, 'count', True)}), at {source} ({dollars(best.get('cost_of_step'))} for "
        f"{100 * float(m['step']):g}% more over the run)."
    )


def intervals_sentence(views: list[dict], comparison: bool = False) -> str:
    """What the intervals cover, read from the results: chance always, the arrival of
    transformative AI when it is drawn, and each parameter drawn per replication."""
    sc = views[0]["scenario"]
    drawn: list[str] = []
    for v in views:
        reps = v.get("replications")
        cols = list(getattr(reps, "columns", []))
        for c in cols:
            if c.startswith("param.") and c != "param.timelines.arrival" and c[6:] not in drawn:
                drawn.append(c[6:])
    arrival = get_path(sc, "timelines.arrival")
    n_params = sum(1 for p, _i, _m in iter_parameters() if "." in p)  # as the assumptions table counts them
    what = "the difference between scenarios" if comparison else "each number"
    parts = ["chance (who enters, their traits and every random event in their careers)"]
    if hasattr(arrival, "ppf"):
        parts.append("the arrival time of transformative AI (drawn per replication)")
    if drawn:
        parts.append(
            f"uncertainty about {len(drawn)} parameter{'s' if len(drawn) != 1 else ''} drawn per replication "
            f"({', '.join(drawn[:6])}{', ...' if len(drawn) > 6 else ''})"
        )
    fixed = n_params - len(drawn) - (1 if hasattr(arrival, "ppf") else 0)
    return (
        f"What the intervals cover: for {what}, {' and '.join([', '.join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)}. "
        f"They do not cover uncertainty about the model's other {fixed} parameters (of {n_params}), which are fixed at "
        "their stated values or, for traits that vary between people, their stated distributions (many of them "
        "assumptions: see the table below), nor about the model's structure."
    )


def _plural(unit: str, n: Any) -> str:
    """'opening a year' for one, 'openings a year' for any other number."""
    if finite(n) and float(n) == 1:
        return unit
    first, _, rest = unit.partition(" ")
    return f"{first}s {rest}".strip()


def marginal_rows(view: dict) -> dict:
    """The marginal-value table of one scenario: a row per resource (measured ones by the leads
    their step adds, then those the scenario lacks, then those not yet modelled)."""
    m = view["summary"].get("marginal_value") or {}
    if not m.get("replications"):
        return {"rows": [], "step": "", "n": 0, "binding": "not measured"}
    step = f"{100 * float(m['step']):g}%"
    measured = sorted(
        (r for r in m["resources"] if r.get("status") == "measured"), key=lambda r: -float(r["new_leads"]["value"])
    )
    shares = m.get("share_of_replications") or {}
    n = int(m["replications"])
    rows = []
    for r in measured:
        units = _plural(r["unit"], r.get("step_units"))
        how = (
            f"reviews {step} faster (as {num(r.get('step_units'))} more {units})"
            if r.get("how") == "faster"
            else f"{num(r.get('step_units'))} more {units}"
        )
        if r.get("rescaled"):
            how += f"; measured with +{100 * float(r['step_taken']):.0f}% (whole units) and scaled to {step}"
        cost = r.get("cost_of_step")
        per_m = r.get("new_leads_per_million")
        rows.append(
            {
                "label": r["label"][0].upper() + r["label"][1:],
                "binding": r["key"] == m.get("binding"),
                "tied": r["key"] in {t["key"] for t in m.get("tied") or []},
                "how": how,
                "leads": _effect_cell(r["new_leads"], "count"),
                "sly": _effect_cell(r["safety_lead_years"], "years"),
                "cost": dollars(cost) if cost is not None else "no stated cost",
                "cost_note": "assumption" if r.get("cost_source", "").lower().startswith("assumption") else "",
                "leads_per_m": _effect_cell(per_m, "count") if per_m else None,
                "sly_per_m": _effect_cell(r.get("safety_lead_years_per_million"), "years") if per_m else None,
                "top": f"{round(float(shares.get(r['key'], 0.0)) * n)} of {n}",
            }
        )
    absent = [r["label"] for r in m["resources"] if r.get("status") == "absent"]
    return {
        "rows": rows,
        "step": step,
        "n": n,
        "binding": _binding_words(m),
        "absent": absent,
        "not_modelled": list((m.get("not_modelled") or {}).values()),
        "few": n < MIN_REPLICATIONS,
    }


def flow_keys(views: list[dict]) -> list[tuple[str, str]]:
    """Every (from state, to state) move recorded in any view, in the states' order."""
    keys: list[tuple[str, str]] = []
    for v in views:
        f = v.get("flows")
        if f is None:
            continue
        for a, b in zip(f["from_state"], f["to_state"]):
            if (a, b) not in keys:
                keys.append((a, b))
    order = {s: i for i, s in enumerate(STATE_ORDER)}
    keys.sort(key=lambda k: (order.get(k[0], 99), order.get(k[1], 99)))
    return keys


def flow_difference_rows(views: list[dict]) -> list[dict]:
    """One table of flows: the base's mean moves per replication and each alternative's difference."""
    keys = flow_keys(views)

    def mean(v: dict, a: str, b: str) -> float:
        f = v.get("flows")
        if f is None:
            return math.nan
        m = f[(f["from_state"] == a) & (f["to_state"] == b)]["mean"]
        return float(m.iloc[0]) if len(m) else 0.0

    rows = []
    for a, b in keys:
        base = mean(views[0], a, b)
        diffs: list[Any] = []
        for v in views[1:]:
            d = mean(v, a, b) - base
            diffs.append("0" if d == 0 else num(d, True))
        rows.append({"from": STATE_LABEL.get(a, a), "to": STATE_LABEL.get(b, b), "base": num(base), "diffs": diffs})
    return rows


#: the words a report uses that a reader may not know, in plain language
GLOSSARY = [
    (
        "Replication",
        "One run of the simulated field with its own random draws. Results are averaged over replications; "
        "their spread shows what chance (and any drawn parameter) does.",
    ),
    (
        "Common random numbers",
        "Each scenario's replication 1 uses the same random draws (the same entrants, traits, luck "
        "and AI arrival year) as every other scenario's replication 1, so a difference between "
        "scenarios is the effect of the change, not of different luck.",
    ),
    (
        "Paired difference",
        "A scenario's result minus the base's in the same replication; the report gives the mean "
        "of these differences with a 95% interval of that mean.",
    ),
    (
        "95% interval",
        "For a difference between scenarios: the range that holds the mean difference with 95% confidence "
        "(Student's t). For one scenario's number: the range that 95% of replications fall in. Shown only "
        f"when at least {MIN_REPLICATIONS} replications give the number; otherwise 'too few replications to tell'.",
    ),
    (
        "Likely increases / may not change",
        "The verdict on a difference: 'likely' when its interval excludes zero, or when "
        "the replications move one way so consistently that chance is an unlikely "
        "explanation (a sign test; then the size is uncertain); 'may not change' "
        "otherwise, which can also mean that more replications are needed.",
    ),
    ("Lead", "A research lead: someone holding a role in which they set a research agenda."),
    (
        "Lead-years before arrival",
        "Years spent in lead roles before transformative AI arrives (its arrival year is drawn "
        "per replication); later years do not count.",
    ),
    (
        "Safety-relevant lead-years",
        "Lead-years weighted by how safety-relevant the lead's agenda is (set by their impact "
        "judgement): a modelling convention, not a measure of research impact.",
    ),
    (
        "Marginal value of a resource",
        "The paired change in new leads (and safety-relevant lead-years) when one scarce "
        "resource alone is raised by a stated step (10%), on the same random numbers.",
    ),
    (
        "Binding constraint",
        "The scarce resource whose marginal value is largest: the one that limits the number of leads "
        "most, measured by raising it, not guessed from queues.",
    ),
    (
        "Intention to treat",
        "Entrants are compared by the track they intended to start on, even if they moved (an entrant "
        "not admitted to a PhD stays in the PhD group), as in a trial.",
    ),
    (
        "Censored",
        "Someone whose outcome is not yet known when the run ends (still in progress): counted for as long as they "
        "are observed, never as a failure.",
    ),
    (
        "Aalen-Johansen (cumulative incidence)",
        "The share of entrants who became a lead by each year, counting those who "
        "left the field as having a competing outcome and those still in progress "
        "as censored.",
    ),
    (
        "Kaplan-Meier median",
        "The time by which half become leads, estimated with censoring; not available when fewer than half ever do.",
    ),
    (
        "beta(a, b)",
        "A distribution of values between 0 and 1 with mean a/(a+b): beta(2, 2) spreads around 0.5; beta(8, 2) "
        "has mean 0.8 and puts most people high.",
    ),
    (
        "lognormal(median, spread)",
        "A distribution of positive values: half fall below the median; the spread is the "
        "standard deviation of the logarithm (0.7 gives a long right tail).",
    ),
    ("Percentage points (pts)", "The difference between two percentages: from 10% to 12% is +2 points."),
    (
        "Utilisation, unmet demand",
        "How much of a resource is in use, and the demand it does not serve per unit of capacity, "
        "in each resource's own unit.",
    ),
]
