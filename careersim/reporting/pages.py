"""Self-contained HTML reports of a run or of a paired comparison of scenarios.

``render_run(out_dir)`` reads a run folder written by ``careersim run`` and
writes ``report.html`` there; ``render_comparison(out_dir)`` does the same from
``comparison.json`` written by ``careersim compare``; ``render(out_dir)`` picks
the right one. Nothing is re-run and nothing is fetched from the network: the
charts are inline SVG images, the styles are inline, and the page has no
scripts. Templates are Jinja2 with autoescaping on, so any text from a
scenario (its name, description, intervention names) is shown as text.

The page follows one order, the same for runs and comparisons: (for
comparisons, the bottom line: one table ranking the scenarios, and what binds,
what loosens it and what the intervals cover), key findings, headline numbers,
what binds (the marginal value of each scarce resource), charts, (for
comparisons, effects per group beside the total), the essays' claims, caveats
and a glossary, the assumptions table and provenance.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from careersim.analysis.claims import CLAIM_SHORT, CLAIM_TEXT, SOURCES
from careersim.analysis.views import load_run, view_from_json
from careersim.config.scenarios import ScenarioError, load_scenario
from careersim.config.schema import baseline, get_path, iter_parameters
from careersim.core.files import UnreadableResults, read_results_json, write_text
from careersim.experiments.pool import Pool
from careersim.reporting import charts as ch
from careersim.reporting.bottom_line import (
    GLOSSARY,
    bottom_line,
    flow_difference_rows,
    flow_keys,
    intervals_sentence,
    marginal_rows,
)
from careersim.reporting.findings import (
    by_leads_added,
    claim_verdict,
    comparison_findings,
    counts,
    finite,
    interval_text,
    num,
    pct,
    points,
    range_text,
    run_findings,
    verdict,
)
from careersim.reporting.labels import GROUP_LABEL, RESOURCE_LABEL, STATE_LABEL, TRACK_SHORT
from careersim.reporting.templating import render as render_page

__all__ = ["render_run", "render_comparison", "render", "ReportError"]


class ReportError(Exception):
    """The folder holds no results a report can be drawn from."""


# ---------------------------------------------------------------------------
# entry points
# ---------------------------------------------------------------------------


def render(out_dir: str | os.PathLike) -> Path:
    """Regenerate ``report.html`` from the results stored in ``out_dir`` (a run or a comparison)."""
    out = Path(out_dir)
    try:
        if (out / "comparison.json").exists():
            return render_comparison(out)
        if (out / "summary.json").exists():
            return render_run(out)
    except UnreadableResults as exc:
        raise ReportError(str(exc)) from None
    raise ReportError(f"{out} holds neither summary.json (a run) nor comparison.json (a comparison)")


def render_run(out_dir: str | os.PathLike) -> Path:
    """Write ``report.html`` for the run folder ``out_dir``; returns its path."""
    out = Path(out_dir)
    view = load_run(out)
    html = run_html(view)
    path = out / "report.html"
    write_text(path, html)
    return path


def render_comparison(out_dir: str | os.PathLike) -> Path:
    """Write ``report.html`` from ``comparison.json`` in ``out_dir``; returns its path."""
    out = Path(out_dir)
    data = read_results_json(out / "comparison.json", ("base", "scenarios", "comparisons"))
    html = comparison_html(data)
    path = out / "report.html"
    write_text(path, html)
    return path


# ---------------------------------------------------------------------------
# page content
# ---------------------------------------------------------------------------


def _value(scenario, path: str, default: float) -> float:

    v = get_path(scenario, path)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    if hasattr(v, "mean"):
        try:
            return float(v.mean())
        except Exception:  # noqa: BLE001 - a distribution without a finite mean
            return default
    return default


def _claim_keys(views: list[dict]) -> list[str]:

    keys = list(CLAIM_TEXT)
    for v in views:
        for k in v["summary"].get("claims") or {}:
            if k not in keys:
                keys.append(k)
    return keys


def _claims_rows(views: list[dict]) -> list[dict]:

    rows = []
    for k in _claim_keys(views):
        cells = []
        for v in views:
            c = (v["summary"].get("claims") or {}).get(k)
            sym, words = claim_verdict(c)
            n = len(v["replications"])
            if c and (finite(c.get("share_holds")) or c.get("verdict")):
                st = c.get("statistic") or {}
                stat = num(st.get("value"))
                rng = interval_text(st.get("low"), st.get("high"), "ratio") if finite(st.get("low")) else ""
                judged = int(c.get("replications_judged") or n)
                holds = (
                    f"{int(round(float(c['share_holds']) * judged))} of {judged} replications"
                    if finite(c.get("share_holds")) and judged
                    else "no replication"
                )
            else:
                stat, rng, holds = "", "", ""
            extra = ""
            rnd = ((c or {}).get("parts") or {}).get("ratio_random_assignment") or {}
            if finite(rnd.get("value")):  # C7 beside its counterfactual: advisors assigned at random
                extra = (
                    f"with advisors assigned at random: {num(rnd['value'])}"
                    + (
                        f" ({interval_text(rnd.get('low'), rnd.get('high'), 'ratio')})"
                        if finite(rnd.get("low"))
                        else ""
                    )
                    + f", {int(rnd.get('n') or 0)} paired replications"
                )
            conds = (c or {}).get("conditions") or []
            deciding = [
                d["condition"]
                + (f" (spread {interval_text(d['low'], d['high'], 'ratio')})" if finite(d.get("low")) else "")
                for d in conds
                if d.get("verdict") == (c or {}).get("verdict") != "holds"
            ]
            cells.append(
                {
                    "symbol": sym,
                    "words": words + (f" on: {'; '.join(deciding)}" if deciding else ""),
                    "deciding": deciding,
                    "verdict": (c or {}).get("verdict"),
                    "stat": stat,
                    "range": rng,
                    "holds": holds,
                    "holds_short": holds.replace(" of ", "/").replace(" replications", ""),
                    "evaluated": bool(c and (finite(c.get("share_holds")) or c.get("verdict"))),
                    "extra": extra,
                }
            )
        rows.append(
            {
                "key": k,
                "text": CLAIM_TEXT.get(k, ""),
                "short": CLAIM_SHORT.get(k, ""),
                "source": SOURCES.get(k, ""),
                "cells": cells,
            }
        )
    return rows


def _claim_failures(rows: list[dict], views: list[dict]) -> list[dict]:
    """Each failing claim with the part that fails it and the scenarios where it does."""
    out: dict[tuple, list[str]] = {}
    for r in rows:
        for v, c in zip(views, r["cells"]):
            if c.get("verdict") == "fails":
                out.setdefault((r["key"], tuple(c["deciding"])), []).append(v["name"])
    return [{"key": k, "parts": list(parts), "scenarios": names} for (k, parts), names in out.items()]


def _fmt_param(v: Any) -> str:
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int, float)):
        f = float(v)
        if f.is_integer() and abs(f) < 1e12:
            return str(int(f))
        text = f"{f:.4g}"
        return text if "e" not in text else f"{f:g}"
    if hasattr(v, "describe"):
        return v.describe()
    return str(v)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    if hasattr(a, "model_dump") and hasattr(b, "model_dump"):
        return type(a) is type(b) and a.model_dump() == b.model_dump()
    return a == b


def _assumption_rows(views: list[dict]) -> tuple[list[dict], int, int]:
    """Every parameter: description, unit, source, value in each scenario and whether it differs from the baseline
    (``changes``: the scenarios where it differs, with their values, for the compact table of a comparison)."""

    base = baseline()
    try:  # the shipped baseline draws its fitted parameters from a posterior: its values are those draws
        shipped = load_scenario("baseline").calibration.read()
    except ScenarioError:
        shipped = None
    rows, section = [], None
    n_params = n_assumption = 0
    view_posteriors = [v["scenario"].calibration.read() for v in views]  # read once, not once per parameter
    posteriors = [p for p in view_posteriors if p is not None]
    for path, info, meta in iter_parameters():
        if "." not in path:
            continue  # name, description
        n_params += 1
        fitted = next((p.fitted_source(path) for p in posteriors if path in p.parameters), None)
        src = fitted or str(meta.get("source") or "")  # a fitted value's source is its calibration
        if not fitted and src.startswith("fitted"):  # fitted for the shipped baseline, but not drawn here
            src = "assumption in these results (no posterior draws it); " + src
        if src.strip().lower().startswith("assumption"):
            n_assumption += 1
        top = path.split(".")[0]
        if top != section:
            section = top
            rows.append({"section": "PhD" if top == "phd" else top.capitalize()})
        b = get_path(base, path)
        b_text = _posterior_text(shipped, path) if shipped is not None and path in shipped.parameters else None
        cells = []
        for v, post in zip(views, view_posteriors):
            val = get_path(v["scenario"], path)
            if post is not None and path in post.parameters:
                text = _posterior_text(post, path)
                cells.append({"value": text, "differs": text != b_text})
                continue
            cells.append({"value": _fmt_param(val), "differs": b_text is not None or not _same(val, b)})
        unit = meta.get("unit") or ""
        if meta.get("kind") == "distribution":
            unit = "drawn per person"
        changes = [f"{v['name']}: {c['value']}" for v, c in zip(views, cells) if c["differs"]]
        rows.append(
            {
                "path": path,
                "description": info.description or "",
                "unit": unit,
                "source": src or "\u2014",
                "baseline": b_text or _fmt_param(b),
                "baseline_short": "drawn from its posterior" if b_text else _fmt_param(b),
                "cells": cells,
                "differs": any(c["differs"] for c in cells),
                "changes": changes,
            }
        )
    return rows, n_params, n_assumption


def _posterior_text(post: Any, path: str) -> str:
    q = post.summary()[path]
    return f"posterior: median {_fmt_param(q['median'])} (95% {_fmt_param(q['low'])} to {_fmt_param(q['high'])})"


def _interventions(views: list[dict]) -> list[dict]:
    rows = []
    for v in views:
        for iv in v.get("interventions") or []:
            changes = [f"{k} = {_fmt_param(x)}" for k, x in (iv.get("set") or {}).items()]
            changes += [f"{k} \u00d7 {_fmt_param(x)}" for k, x in (iv.get("scale") or {}).items()]
            rows.append(
                {
                    "scenario": v["name"],
                    "name": iv["name"],
                    "kind": iv.get("kind", ""),
                    "start": num(iv["start"]) if iv["start"] else "0",
                    "end": "never" if iv.get("end") is None else num(iv["end"]),
                    "changes": changes,
                }
            )
    return rows


def _caveats(views: list[dict], n_params: int, n_assumption: int, comparison: bool) -> list[str]:

    sc = views[0]["scenario"]
    n = len(views[0]["replications"])
    out = [
        f"Calibration: {n_assumption} of the model's {n_params} parameters are assumptions rather than published figures "
        "(see the Source column). The baseline is set so a typical PhD starter is lead-ready after 4-5 years, as the essays say, "
        "but the model has not been fitted to observed career histories. Read the results as comparisons between scenarios "
        "under stated assumptions, not as forecasts.",
        "Skills are four numbers between 0 and 1 (execution, idea generation, idea evaluation, impact judgement) that grow "
        "with feedback signals; research taste, writing, networks and luck are not modelled separately.",
        "Lead positions grow with their sources' funding at a stated rate and reopen when a lead leaves; they do not "
        "respond to how many people are ready, to the economy or to the AI labs' hiring, except through the "
        "interventions listed above. Outside applicants for them arrive at a stated rate with stated scores.",
        "There is no geography: no countries, visas, relocation, time zones or national funding systems. Pay enters only as "
        "a higher hazard of leaving for industry contributors.",
        "People do not change their plans as timelines shift: the arrival of transformative AI is drawn once per replication "
        "and only decides which lead-years count as 'before arrival'.",
        "Safety-relevant lead-years weight each lead-year by the lead's impact judgement; this is a modelling convention, "
        "not a measure of research impact.",
    ]
    if getattr(sc.population, "track_rule", "assigned") == "assigned":
        out.append(
            "Starting tracks are assigned at random, independently of traits, so tracks compare like a trial "
            "(intention to treat); real people sort themselves into tracks, which this does not show."
        )
    if comparison:
        out.append(
            f"With {n} replications per scenario, intervals of the paired differences are only as good as the "
            "t-approximation allows; a 'may not change' verdict can mean the effect is small or that more "
            "replications are needed."
        )
    else:
        out.append(
            f"Ranges are the spread over {n} replications (chance plus any parameter drawn per replication), not "
            "confidence intervals of the mean; with few replications their tails are rough."
        )
    m = views[0]["summary"].get("marginal_value") or {}
    if m.get("replications"):
        out.append(
            f"Marginal values (what binds) come from the first {m['replications']} replications only, each rerun once "
            f"per resource with that capacity raised by {100 * float(m['step']):g}%; a larger change need not act in "
            "proportion."
        )
    out.append(
        "Costs are undiscounted US dollars over the run, from stated unit costs (the costs section of the assumptions "
        "table): a grant-year, a programme place and a PhD stipend are published figures; a grantmaker's year, a lead "
        "position's year and an hour of a lead's mentoring are assumptions. The leads' mentor time is costed as if "
        "the field had its starting leads growing with the positions. Costs count what a policy adds, not what it "
        "displaces."
    )
    w = get_path(sc, "run.claims_window")
    h = get_path(sc, "run.horizon")
    if isinstance(w, (int, float)) and isinstance(h, (int, float)) and h - w < 5:
        out.append(
            f"Only entrants of the first {num(max(h - w, 0))} years are observed for the full {num(w)}-year window, "
            "so lead chances rest on few cohorts."
        )
    return out


#: the demand table's rows: key of summary.json's ``outcomes.demand``, label, unit
#: (key, label, short column heading for comparisons, unit)
DEMAND_ROWS = (
    ("positions_at_end", "Lead positions at the horizon", "Positions at the horizon", "count"),
    ("openings_growth", "Openings over the run from growth of the sources' positions", "Openings from growth", "count"),
    (
        "openings_replacement",
        "Openings over the run from replacement (a holder left, or a role ended)",
        "Openings from replacement",
        "count",
    ),
    ("replacement_share", "Share of openings that replaced a lead", "Replacement share", "share"),
    ("outside_hires", "Positions filled by outside applicants", "Outside hires", "count"),
    ("outside_share_of_hires", "Outside applicants' share of positions filled", "Outside share", "share"),
    (
        "mentor_met_share",
        "Share of mentor hours asked of the leads that their time covered",
        "Mentor hours covered",
        "share",
    ),
)


def _use_table(views: list[dict]) -> dict | None:
    """How much of each scarce resource is used, a row per scenario: the share of capacity in
    use and the unmet demand per unit of capacity (the binding chart's numbers, for comparisons
    with more scenarios than one dot chart can show)."""
    outcomes = [(v["summary"].get("outcomes") or {}).get("binding_constraint") or {} for v in views]
    present = [r for r in RESOURCE_LABEL if any(r in (bc.get("utilisation") or {}) for bc in outcomes)]
    if not present:
        return None
    rows = []
    for v, bc in zip(views, outcomes):
        cells = []
        for r in present:
            u = (bc.get("utilisation") or {}).get(r)
            e = (bc.get("excess_demand") or {}).get(r)
            cells.append(
                {"use": _cell(u, "share"), "excess": num(e["value"]) if e and finite(e.get("value")) else "n/a"}
            )
        rows.append({"name": v["name"], "cells": cells})
    return {"resources": [RESOURCE_LABEL[r][0].upper() + RESOURCE_LABEL[r][1:] for r in present], "rows": rows}


def _demand_rows(views: list[dict]) -> list[dict]:
    """Replacement against growth openings, outside hires and mentor time met, per scenario:
    a row per outcome (``cells`` per scenario), with its short heading for the comparison's
    table, which has a row per scenario instead (report.html)."""
    rows = []
    for key, label, short, unit in DEMAND_ROWS:
        cells = [_cell(((v["summary"].get("outcomes") or {}).get("demand") or {}).get(key), unit) for v in views]
        if any(c["value"] != "n/a" for c in cells):
            rows.append({"label": label, "short": short, "cells": cells})
    return rows


def _prov_rows(prov: dict) -> list[tuple[str, str]]:
    labels = {
        "posterior": "Posterior (fitted parameters)",
        "posterior_sha256": "Posterior SHA-256",
        "posterior_parameters": "Fitted parameters",
        "calibrated_to": "Fitted to",
        "held_out_coverage": "Held-out validation",
        "intervals_cover": "What the intervals cover",
        "careersim_version": "careersim version",
        "scenario_sha256": "Scenario hash (SHA-256)",
        "seed": "Root seed",
        "replications": "Replications",
        "date_utc": "Run date (UTC)",
        "python": "Python",
        "numpy": "NumPy",
        "simpy": "SimPy",
        "pandas": "pandas",
        "platform": "Platform",
        "command": "Command",
        "wall_seconds": "Wall-clock seconds",
    }
    rows = []
    for k, v in prov.items():
        if isinstance(v, (dict, list)):
            continue
        rows.append((labels.get(k, k.replace("_", " ")), str(v)))
    return rows


def _flow_rows(views: list[dict]) -> list[dict]:
    keys = flow_keys(views)
    rows = []
    for a, b in keys:
        vals = []
        for v in views:
            f = v.get("flows")
            m = f[(f["from_state"] == a) & (f["to_state"] == b)]["mean"] if f is not None else []
            vals.append(num(float(m.iloc[0])) if len(m) else "0")
        rows.append({"from": STATE_LABEL.get(a, a), "to": STATE_LABEL.get(b, b), "values": vals})
    return rows


def _group_quant(groups, kind, group, col):
    if groups is None:
        return None
    sel = groups[(groups["kind"] == kind) & (groups["group"] == group)][col].to_numpy(dtype=float)
    sel = sel[np.isfinite(sel)]
    if not len(sel):
        return None
    lo, hi = np.quantile(sel, [0.025, 0.975])
    return {"value": float(sel.mean()), "low": float(lo), "high": float(hi)}


def _cell(iv: dict | None, unit: str) -> dict:
    if not iv or not finite(iv.get("value")):
        return {"value": "n/a", "range": ""}
    v = pct(iv["value"]) if unit == "share" else num(iv["value"])
    r = range_text(iv, unit) if finite(iv.get("low")) else ""
    return {"value": v, "range": r}


def _run_headline(view: dict) -> list[dict]:
    oc = view["summary"].get("outcomes") or {}
    p = oc.get("p_lead") or {}
    g = view.get("groups")
    rows = [
        {
            "label": "All entrants",
            "p": _cell(p, "share"),
            "ly": _cell(oc.get("lead_years_before_arrival_per_entrant"), "years"),
            "sly": _cell(oc.get("safety_lead_years_before_arrival_per_entrant"), "years"),
            "n": num(_group_quant(g, "all", "all", "n")["value"]) if _group_quant(g, "all", "all", "n") else "n/a",
        }
    ]
    for tr, label in TRACK_SHORT.items():
        nq = _group_quant(g, "track", tr, "n")
        rows.append(
            {
                "label": f"{label} track",
                "p": _cell((p.get("by_track") or {}).get(tr), "share"),
                "ly": _cell(_group_quant(g, "track", tr, "lead_years"), "years"),
                "sly": _cell(_group_quant(g, "track", tr, "safety_lead_years"), "years"),
                "n": num(nq["value"]) if nq else "n/a",
            }
        )
    return rows


#: the headline outcomes of a comparison: each per-person number followed by its whole-field total
def _run_totals(view: dict) -> list[dict]:
    """The run's whole-field totals beside the per-entrant numbers: leads made, lead-years and
    safety-relevant lead-years before arrival (the existing field's included)."""
    oc = view["summary"].get("outcomes") or {}
    return [
        {"label": label, **_cell(oc.get(key), "count")}
        for key, label in (
            ("new_leads", "Entrants who became leads"),
            ("field_lead_years_before_arrival", "Lead-years before arrival, whole field"),
            ("field_safety_lead_years_before_arrival", "Safety-relevant lead-years before arrival, whole field"),
        )
        if oc.get(key)
    ]


#: the headline outcomes of a comparison: each per-person number followed by its whole-field total
HEADLINE_METRICS = [
    "p_lead",
    "new_leads",
    "lead_years_before_arrival_per_entrant",
    "field_lead_years_before_arrival",
    "safety_lead_years_before_arrival_per_entrant",
    "field_safety_lead_years_before_arrival",
    "exit_funding_ran_out",
    "n_exit_funding_ran_out",
]
#: the whole-field totals among them (shown indented under their per-person number)
WHOLE_FIELD = {
    "new_leads",
    "field_lead_years_before_arrival",
    "field_safety_lead_years_before_arrival",
    "n_exit_funding_ran_out",
}


def _effect_row(key: str, meta: dict, e: dict, window: float | None = None) -> dict:
    """A row of an effects table; its verdict and its count of replications never disagree
    (:func:`careersim.reporting.findings.verdict`)."""
    unit = meta.get("unit", "")
    hib = meta.get("higher_is_better")
    words = str(verdict(e, hib))
    c = counts(e, hib)
    if c is None:
        better = ""
    elif hib is None:
        better = f"higher in {c[0]}, lower in {c[1]} of {c[2]}"
    else:
        good, bad = (c[0], c[1]) if hib else (c[1], c[0])
        better = f"{good} of {c[2]}" + (f" ({bad} worse)" if bad else "")
    fmt = (lambda x: pct(x)) if unit == "share" else num
    change = (points(e.get("value")) + " pts") if unit == "share" else num(e.get("value"), True)
    direction = "" if hib is None else ("higher is better" if hib else "lower is better")
    label = str(meta.get("label", key)).replace(
        "within the window", f"within {num(window)} years" if window else "within the window"
    )
    return {
        "key": key,
        "label": label,
        "base": fmt(e.get("base_mean")),
        "alt": fmt(e.get("alt_mean")),
        "change": change,
        "interval": range_text(e, unit, True),
        "words": words,
        "better": better,
        "direction": direction,
        "whole_field": key in WHOLE_FIELD,
    }


def _group_rows(comp: dict, group_meta: dict) -> list[dict]:
    rows = []
    for g in comp.get("groups") or []:
        kind, group = g["kind"], g["group"]
        if kind == "all":
            label = "All entrants (total)"
        elif kind == "track":
            label = f"{TRACK_SHORT.get(group, group)} track"
        else:
            label = GROUP_LABEL.get(group, group)
            label = label[0].upper() + label[1:]
        cells = []
        for col, meta in group_meta.items():
            e = g.get(col) or {}
            if kind == "existing" and col == "p_lead":
                cells.append({"change": "\u2014", "interval": "", "words": ""})
                continue
            unit = meta.get("unit", "")
            change = (points(e.get("value")) + " pts") if unit == "share" else num(e.get("value"), True)
            cells.append({"change": change, "interval": range_text(e, unit, True), "words": str(verdict(e))})
        rows.append({"label": label, "total": kind == "all", "n": num(g.get("n_base")), "cells": cells})
    return rows


def _draw_jobs(views: list[dict], jobs: dict) -> dict:
    return {name: fn(views, *args) for name, (fn, args) in jobs.items()}


def _draw_charts(views: list[dict], jobs: dict) -> dict:
    """Draw the report's charts; with a second core (and fork), half of them in a
    forked helper process. Each chart is drawn the same way wherever it is drawn
    (tested); ``CAREERSIM_SERIAL_CHARTS=1`` draws them all in this process."""
    names = list(jobs)
    if (os.cpu_count() or 1) < 2 or len(names) < 2 or os.environ.get("CAREERSIM_SERIAL_CHARTS"):
        return _draw_jobs(views, jobs)
    import multiprocessing as mp

    if not sys.platform.startswith("linux") or "fork" not in mp.get_all_start_methods():
        return _draw_jobs(views, jobs)  # fork is only dependable on Linux
    away = {n: jobs[n] for n in names[1::2]}
    try:
        pool = Pool(1, warm=False)  # drawing needs no engine
    except OSError:  # no processes to spare: draw them all here
        return _draw_jobs(views, jobs)
    with pool:
        future = pool.submit(_draw_jobs, views, away)
        drawn = _draw_jobs(views, {n: jobs[n] for n in names[0::2]})
        drawn.update(future.result())
    return {n: drawn[n] for n in names}


def _common(views: list[dict], comparison: bool) -> dict:
    window = _value(views[0]["scenario"], "run.claims_window", 10.0)
    start_year = _value(views[0]["scenario"], "run.start_year", 0.0)
    crowded = len(views) > ch.CROWDED  # too many scenarios for one dot chart of use: a table instead
    charts = _draw_charts(
        views,
        {
            "chance": (ch.chance_by_track, (window,)),
            "time_to_lead": (ch.time_to_lead, (window,)),
            "lead_years": (ch.lead_years, ()),
            "flows": (ch.flows, ()),
            "attrition": (ch.attrition, ()),
            "resources": (ch.resources_over_time, (start_year,)),
            "demand": (ch.demand_over_time, (start_year,)),
            "arrival": (ch.arrival_vs_lead, (window,)),
            **({} if crowded else {"binding": (ch.binding, ())}),
            "marginal": (ch.marginal_values, ()),
        },
    )
    rows, n_params, n_assumption = _assumption_rows(views)
    claims = _claims_rows(views)
    horizon = _value(views[0]["scenario"], "run.horizon", 20.0)
    chart_na = {}
    if horizon < window:
        chart_na["chance"] = (
            f"no entrant cohort is observed for the whole {num(window)}-year window within the "
            f"{num(horizon)}-year horizon"
        )
    return {
        "chart_na": chart_na,
        "views": views,
        "window": window,
        "charts": charts,
        "claims": claims,
        "claim_failures": _claim_failures(claims, views),
        "assumptions": rows,
        "n_params": n_params,
        "n_assumption": n_assumption,
        "n_differs": sum(1 for r in rows if r.get("differs")),
        "interventions": _interventions(views),
        "caveats": _caveats(views, n_params, n_assumption, comparison),
        "flow_rows": _flow_rows(views),
        "flow_diffs": flow_difference_rows(views) if comparison else [],
        "marginal": marginal_rows(views[0]),
        "glossary": GLOSSARY,
        "intervals": intervals_sentence(views, comparison),
        "demand_rows": _demand_rows(views),
        "use_table": _use_table(views) if crowded else None,
        "missing": sorted({m for v in views for m in v.get("missing", [])}),
        "intervals_cover": ((views[0].get("summary") or {}).get("provenance") or {}).get("intervals_cover"),
    }


def run_html(view: dict) -> str:
    """The report page of one run."""
    ctx = _common([view], comparison=False)
    s = view["summary"]
    horizon = _value(view["scenario"], "run.horizon", 20.0)
    ctx.update(
        {
            "kind": "run",
            "title": f"careersim report: {view['name']}",
            "name": view["name"],
            "description": view["description"],
            "findings": run_findings(s, view["replications"], ctx["window"], horizon, _claim_keys([view])),
            "headline": _run_headline(view),
            "totals": _run_totals(view),
            "provenance": _prov_rows(s.get("provenance") or {}),
            "scenario_hashes": [],
            "n_reps": len(view["replications"]),
        }
    )
    return render_page("report.html", generator="careersim", **ctx)


def comparison_html(data: dict) -> str:
    """The report page of a comparison (from the content of comparison.json)."""
    views = [view_from_json(d) for d in data["scenarios"]]
    ctx = _common(views, comparison=True)
    metrics = data.get("metrics") or {}
    group_meta = data.get("group_metrics") or {}
    comps = []
    order = by_leads_added(data)
    for comp in (data["comparisons"][i] for i in order):
        eff = comp.get("effects") or {}
        comps.append(
            {
                "alternative": comp["alternative"],
                "base": comp["base"],
                "headline": [
                    _effect_row(k, metrics.get(k, {}), eff[k], ctx["window"]) for k in HEADLINE_METRICS if k in eff
                ],
                "all": [_effect_row(k, metrics.get(k, {}), e, ctx["window"]) for k, e in eff.items()],
                "groups": _group_rows(comp, group_meta),
            }
        )
    prov = data.get("provenance") or {}
    ctx.update(
        {
            "kind": "comparison",
            "title": f"careersim comparison: {data['base']} vs {', '.join(data['alternatives'])}",
            "name": (
                f"{data['base']} vs {', '.join(data['alternatives'])}"
                if len(data["alternatives"]) <= 2
                else f"{data['base']} against {len(data['alternatives'])} scenarios"
            ),
            "description": "",
            "findings": comparison_findings(data, views),
            "comparisons": comps,
            "group_metric_labels": [
                str(m.get("label", k)).replace("within the window", f"within {num(ctx['window'])} years")
                for k, m in group_meta.items()
            ],
            "group_chart": ch.group_effects(data, order),
            "bottom": bottom_line(data, views),
            "provenance": _prov_rows(prov),
            "scenario_hashes": prov.get("scenarios")
            or [{"role": v["role"], "name": v["name"], "scenario_sha256": v["sha256"]} for v in views],
            "n_reps": len(views[0]["replications"]),
            "headline": [],
        }
    )
    return render_page("report.html", generator="careersim", **ctx)
