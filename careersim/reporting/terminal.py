"""The headline numbers a command prints when it finishes: a few lines read from the
results it wrote (``summary.json`` of a run, ``comparison.json`` of a comparison), worded
as the report words them, so the terminal and the page never disagree.
"""

from __future__ import annotations

from careersim.core.text import MIN_REPLICATIONS, dollars, finite, num, pct, range_text
from careersim.reporting.findings import by_leads_added, few_to_tell_binding, verdict

__all__ = ["run_lines", "comparison_lines"]


def _with_range(iv: dict | None, unit: str, diff: bool = False) -> str:
    iv = iv or {}
    if not finite(iv.get("value")):
        return "n/a"
    value = pct(iv["value"]) if unit == "share" else num(iv["value"], diff)
    return f"{value} ({range_text(iv, unit, diff)})"


def _binding(m: dict | None) -> str | None:
    m = m or {}
    if not m.get("replications"):
        return None
    if int(m["replications"]) < MIN_REPLICATIONS:
        return few_to_tell_binding(int(m["replications"]))
    label = m.get("binding_label") or m.get("binding", "none")
    rows = {r["key"]: r for r in m.get("resources") or [] if r.get("status") == "measured"}
    top = rows.get(m.get("binding"))
    step = f"{100 * float(m['step']):g}%"
    if top is None:
        return f"What binds: {label} ({m['replications']} paired replications)."
    return (
        f"What binds: {label}; {step} more {top['label']} adds {_with_range(top['new_leads'], 'count', True)} leads "
        f"({m['replications']} paired replications)."
    )


def run_lines(summary: dict, window: float | None = None) -> list[str]:
    """A run's headline: leads made, lead chance, safety-relevant lead-years and what binds."""
    oc = summary.get("outcomes") or {}
    out = ["Headline (mean over replications; ranges span 95% of replications):"]
    if oc.get("new_leads"):
        out.append(f"  entrants who became leads: {_with_range(oc['new_leads'], 'count')}")
    p = oc.get("p_lead")
    if p:
        within = f"{num(window)} years" if finite(window) else "the window"
        out.append(f"  chance an entrant holds a lead role within {within} of entry: {_with_range(p, 'share')}")
    if oc.get("field_safety_lead_years_before_arrival"):
        out.append(
            "  safety-relevant lead-years before AI arrives, whole field: "
            + _with_range(oc["field_safety_lead_years_before_arrival"], "count")
        )
    b = _binding(summary.get("marginal_value"))
    if b:
        out.append("  " + b)
    return out


def comparison_lines(data: dict, limit: int | None = None) -> list[str]:
    """A comparison's bottom line: each scenario's change in new leads against the base with its
    interval and verdict, the one adding the most first, with leads per $1M where it has a cost."""
    out = [f"New leads against {data['base']} (mean paired change, 95% interval; most first):"]
    width = max((len(c["alternative"]) for c in data["comparisons"]), default=0)
    for i in by_leads_added(data)[:limit]:
        comp = data["comparisons"][i]
        e = (comp.get("effects") or {}).get("new_leads") or {}
        n = e.get("n")
        few = n is not None and finite(n) and int(n) < MIN_REPLICATIONS and finite(e.get("value"))
        if few:  # said once for the line, not after every number
            line = (
                f"  {comp['alternative']:<{width}}  {num(e['value'], True)}: too few paired replications to tell "
                f"({int(n)}; an interval needs at least {MIN_REPLICATIONS})"
            )
        else:
            line = f"  {comp['alternative']:<{width}}  {_with_range(e, 'count', True)}, {verdict(e)}"
        pm = (comp.get("per_million") or {}).get("new_leads")
        cost = comp.get("cost") or {}
        if pm and finite(pm.get("value")):
            per = num(pm["value"], True) if few else _with_range(pm, "count", True)
            line += f"; {per} per $1M (costs {dollars(cost.get('per_year'))} a year)"
        elif (comp.get("kind") or "world") != "policy":
            line += " (a what-if about the world)"
        elif cost.get("stated") and cost.get("total") == 0:
            line += "; no added budget" + (" (assumption)" if cost.get("assumption") else "")
        else:
            line += "; no stated cost"
        out.append(line)
    return out
