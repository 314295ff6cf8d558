"""The answer of ``careersim advise``, for people: the terminal text and the HTML page."""

from __future__ import annotations

import math
import os
import textwrap
from pathlib import Path

from careersim.config.profiles import (
    BACKGROUND_LABELS,
    EXIT_LABELS,
    LEVELS,
    PATH_LABELS,
    PATH_SHORT,
    PATHS,
    TRAIT_LABELS,
    TRAITS,
)
from careersim.core.codes import EXIT_REASONS
from careersim.core.files import write_text
from careersim.core.text import finite, pct
from careersim.experiments.advise import Advice, _hours_text, _level_text, ly_text
from careersim.reporting.labels import EXIT_SHORT, PATH_TERM
from careersim.reporting.palette import PATH_STYLE
from careersim.reporting.templating import render

# ---------------------------------------------------------------------------
# words and numbers
# ---------------------------------------------------------------------------


def share_text(d: dict) -> str:
    """'22% (18–27%)': a share with its 95% interval."""
    if not finite(d.get("value")):
        return "n/a"
    return f"{pct(d['value'])} ({pct(d['low']).rstrip('%')}\u2013{pct(d['high'])})"


def years_text(d: dict) -> str:
    """Lead-years with their 95% interval: '1.11 (1.01–1.20)'."""
    if not finite(d.get("value")):
        return "n/a"
    return f"{ly_text(d['value'])} ({ly_text(d['low'])}\u2013{ly_text(d['high'])})"


def median_text(d: dict, horizon_window: float, short: bool = False) -> str:
    """Kaplan-Meier median with its interval, or 'not reached' (within the horizon window)."""
    nr = "n.r." if short else "not reached"
    if not d.get("reached"):
        return "not reached" if short else f"not reached in {horizon_window:g} years"
    lo = f"{d['low']:.1f}" if finite(d["low"]) else "?"
    hi = f"{d['high']:.1f}" if finite(d["high"]) else nr
    return f"{d['value']:.1f} ({lo}\u2013{hi})"


def _main_risks(res: dict, k: int = 2, keys: bool = False) -> list[tuple[str, dict]]:
    reasons = sorted(EXIT_REASONS, key=lambda r: -res["exits_10"][r]["value"])[:k]
    return [(r if keys else EXIT_LABELS[r], res["exits_10"][r]) for r in reasons if res["exits_10"][r]["value"] > 0]


def _profile_sentence(a: Advice) -> str:
    p = a.profile
    parts = [BACKGROUND_LABELS[p.background]]
    unusual = [f"{TRAIT_LABELS[t]} {_level_text(getattr(p, t))}" for t in TRAITS if getattr(p, t) != LEVELS["typical"]]
    typical = [TRAIT_LABELS[t] for t in TRAITS if getattr(p, t) == LEVELS["typical"]]
    if unusual:
        parts.append(", ".join(unusual + ([f"{' and '.join(typical)} typical"] if typical else [])))
    else:
        parts.append("typical self-direction, resilience and learning rate")
    if p.advisor[0] != "auto":
        parts.append(f"PhD advisor {a.inputs[[i['input'] for i in a.inputs].index('PhD advisor')]['given']}")
    if p.independent_mentoring is not None:
        parts.append(f"independent mentoring {_hours_text(p.independent_mentoring)}")
    if p.programme != "maybe":
        parts.append("a programme place" if p.programme == "yes" else "no programme place")
    if p.funded_months:
        parts.append(f"{p.funded_months:g} months of grant in hand")
    parts.append(a.timeline_text)
    return "; ".join(parts)


def _metric_head(a: Advice) -> str:
    if a.goal == "lead-years":
        when = f"before {a.start_year + a.arrival['median']:g}" if a.arrival["fixed"] else "before AI arrives"
        return f"lead-years {when}"
    return f"chance of a lead role within {a.window:g} years"


def headline(a: Advice) -> list[str]:
    """The answer in plain words, most important first."""
    m = a.metric
    b, r = a.best, a.runner_up
    val = (lambda p: years_text(a.paths[p][m])) if m == "lead_years" else (lambda p: share_text(a.paths[p][m]))
    share = a.share_best[b]
    g = a.gap
    clear = finite(g.get("low")) and g["low"] > 0

    def signed(x: float) -> str:
        text = ly_text(x) if m == "lead_years" else f"{100 * x:.0f}"
        return text.replace("-", "\u2212")

    unit = "lead-years" if m == "lead_years" else "percentage points"
    diff = f"{signed(g['value'])} {unit} (95% interval {signed(g['low'])} to {signed(g['high'])})"
    if a.paths[b][m]["value"] <= 1e-9:
        return [
            f"No path stands out: none of your copies held a lead role in a way that counts here "
            f"({_metric_head(a)} is 0 on every path)."
        ] + a.notes
    lines = [f"Best path: {PATH_LABELS[b]}, {val(b)} {_metric_head(a)}."]
    if share >= 0.8 and clear:
        sure = "The model is fairly sure"
    elif clear or share >= 0.6:
        sure = "The model leans this way"
    else:
        sure = "The model is not sure"
    lines.append(
        f"{sure}: it is best in {pct(share)} of replications. Next is {PATH_SHORT[r]} at {val(r)}; the "
        f"difference, {diff}, is {'clear' if clear else 'within the model' + chr(39) + 's noise'}."
    )
    lines += a.notes
    return lines


# ---------------------------------------------------------------------------
# the terminal
# ---------------------------------------------------------------------------


def print_advice(a: Advice, console=None, page: str | None = None, top: int = 4) -> None:
    """The answer in the terminal: plain words first, numbers beside them."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console(highlight=False)
    s = a.settings
    console.print(f"[bold]careersim advise[/bold] for {_profile_sentence(a)}.", highlight=False)
    if a.cohort:
        console.print(f"[dim]Answered for {a.cohort}.[/dim]", highlight=False)
    console.print()
    for i, line in enumerate(headline(a)):
        console.print(("[bold]" + line + "[/bold]") if i == 0 else line, highlight=False)
    t = Table(show_edge=False, header_style="bold", pad_edge=False, box=None, padding=(0, 2, 0, 0))
    t.add_column("Path", no_wrap=True)
    t.add_column(f"Lead in {a.window:g} y", no_wrap=True)
    t.add_column(f"in {a.horizon_window:g} y", no_wrap=True)
    t.add_column("Median years", no_wrap=True)
    t.add_column("Lead-years", no_wrap=True)
    order = list(a.ranking)
    for p in order:
        r = a.paths[p]
        style = "bold" if p == a.best else ""
        t.add_row(
            PATH_TERM[p],
            share_text(r["lead_10"]),
            share_text(r["lead_h"]),
            median_text(r["median_years"], a.horizon_window, short=True),
            years_text(r["lead_years"]),
            style=style,
        )
    console.print()
    console.print(t)
    arrival = (
        f"before {a.start_year + a.arrival['median']:g}"
        if a.arrival["fixed"]
        else f"before transformative AI arrives ({a.timeline_text})"
    )
    console.print(
        f"[dim]Lead in N y: chance of holding a lead role within N years of starting. Median years: Kaplan-Meier, "
        f"for those who stay in the field (n.r.: not reached in {a.horizon_window:g} years). Lead-years: years in a "
        f"lead role {arrival}.[/dim]",
        highlight=False,
    )
    console.print()
    console.print(f"[bold]Main ways it goes wrong[/bold] (left within {a.window:g} years, without a lead role):")
    # wrapped here with a hanging indent, so a continued line stays under the text it continues
    width = max(40, console.width)
    for p in order:
        risks = (
            "; ".join(f"{EXIT_SHORT[k]} {share_text(d)}" for k, d in _main_risks(a.paths[p], keys=True)) or "none seen"
        )
        text = textwrap.fill(risks, width, initial_indent=f"  {PATH_TERM[p]:<13}", subsequent_indent=" " * 15)
        console.print(text, highlight=False, soft_wrap=True, markup=False)
    if a.sensitivity:
        console.print()
        console.print("[bold]What would change the answer[/bold] (one input at a time):")
        for sen in a.sensitivity[:top]:
            text = textwrap.fill(sen["sentence"], width, initial_indent="  \u2022 ", subsequent_indent="    ")
            console.print(text, highlight=False, soft_wrap=True, markup=False)
    console.print()
    console.print(
        f"[dim]Field '{a.scenario_name}': {s['replications']} replications x {s['clones']} copies of you per path, "
        f"seed {s['seed']}, {a.seconds:.1f} s. Intervals are 95%. {a.intervals_cover} "
        "Median years: Kaplan-Meier, for those who stay. "
        "This is a model built from two essays and stated assumptions, not a forecast about you.[/dim]",
        highlight=False,
    )
    if page:
        console.print(f"Page (assumptions, what is approximated): {page}", highlight=False, soft_wrap=True)


def render_text(a: Advice, width: int = 100) -> str:
    """The terminal answer as plain text (for tests and logs)."""
    import io as _io

    from rich.console import Console

    buf = _io.StringIO()
    print_advice(a, Console(file=buf, width=width, color_system=None, force_terminal=False, highlight=False))
    return buf.getvalue()


# ---------------------------------------------------------------------------
# the page
# ---------------------------------------------------------------------------

#: the meta generator of an advice page: a page with it is one advise may replace
GENERATOR = "careersim advise"

_APPLIES = {
    "all": "every path",
    "independent": "independent research",
    "phd": "PhD routes",
    "contributor": "contributor routes",
    "timeline": "lead-years",
}


def _chart(a: Advice) -> dict:
    """Geometry of the page's chart (drawn by ``advice.html``): the cumulative share of copies
    who have held a lead role, by years since starting, with 95% bands."""
    W, H, L, R, Tm, B = 640, 320, 52, 150, 16, 42
    xmax = a.horizon_window
    ymax = max(0.05, max(max(a.paths[p]["curve"]["high"]) for p in PATHS)) * 1.08
    ymax = min(1.0, math.ceil(ymax * 20) / 20)
    X = lambda t: L + (W - L - R) * t / xmax  # noqa: E731
    Y = lambda v: Tm + (H - Tm - B) * (1 - v / ymax)  # noqa: E731
    step = 0.05 if ymax <= 0.3 else 0.1 if ymax <= 0.6 else 0.2
    yticks = []
    v = 0.0
    while v <= ymax + 1e-9:
        yticks.append({"y": f"{Y(v):.1f}", "text_y": f"{Y(v) + 4:.1f}", "label": f"{100 * v:.0f}%"})
        v += step
    arrival = None
    if a.arrival["fixed"] and a.arrival["median"] < xmax:
        xa = X(a.arrival["median"])
        anchor = "end" if a.arrival["median"] <= a.window else "start"
        arrival = {"x": f"{xa:.1f}", "anchor": anchor, "text_x": f"{xa + (-4 if anchor == 'end' else 4):.1f}"}
    series, ends = [], []
    for p in PATHS:
        c = a.paths[p]["curve"]
        t = c["t"]
        up = " ".join(f"{X(x):.1f},{Y(y):.1f}" for x, y in zip(t, c["high"]))
        down = " ".join(f"{X(x):.1f},{Y(y):.1f}" for x, y in zip(reversed(t), reversed(c["low"])))
        series.append(
            {
                "label": PATH_LABELS[p],
                "colour": PATH_STYLE[p]["color"],
                "dash": PATH_STYLE[p]["dash"],
                "band": f"{up} {down}",
                "line": " ".join(f"{X(x):.1f},{Y(y):.1f}" for x, y in zip(t, c["value"])),
            }
        )
        ends.append([Y(c["value"][-1]), p])
    ends.sort()  # by height, then by name
    for k in range(1, len(ends)):  # keep end labels apart
        ends[k][0] = max(ends[k][0], ends[k - 1][0] + 14)
    for y, p in ends:
        series[PATHS.index(p)]["label_y"] = f"{y + 4:.1f}"
    return {
        "width": W,
        "height": H,
        "left": L,
        "right": W - R,
        "top": Tm,
        "bottom": H - B,
        "desc": "; ".join(
            f"{PATH_LABELS[p]}: {pct(a.paths[p]['lead_10']['value'])} by year {a.window:g}, "
            f"{pct(a.paths[p]['lead_h']['value'])} by year {a.horizon_window:g}"
            for p in PATHS
        ),
        "yticks": yticks,
        "xticks": [{"x": f"{X(t):.1f}", "label": t} for t in range(0, int(xmax) + 1, 2 if xmax <= 12 else 5)],
        "x_title": f"{(L + W - R) / 2:.0f}",
        "window": {"x": f"{X(a.window):.1f}", "text_x": f"{X(a.window) + 4:.1f}", "text": f"{a.window:g} years"},
        "arrival": arrival,
        "series": series,
    }


def _median_leads_text(ml: dict) -> str:
    if finite(ml.get("value")) and finite(ml.get("low")):
        return f"{ml['value']:.1f} ({ml['low']:.1f}\u2013{ml['high']:.1f})"
    return "too few leads"


def render_html(a: Advice, command: str = "") -> str:
    """The advice as one self-contained HTML page (``templates/advice.html``; no scripts, no external resources)."""
    order = sorted(PATHS, key=lambda q: a.ranking.index(q))
    paths = []
    for p in order:
        r = a.paths[p]
        risks = sorted(EXIT_REASONS, key=lambda k: -r["exits_10"][k]["value"])[:2]
        paths.append(
            {
                "label": r["label"],
                "colour": PATH_STYLE[p]["color"],
                "best": p == a.best,
                "lead_10": share_text(r["lead_10"]),
                "lead_h": share_text(r["lead_h"]),
                "median": median_text(r["median_years"], a.horizon_window),
                "median_leads": _median_leads_text(r["median_years_leads"]),
                "lead_years": years_text(r["lead_years"]),
                "phd": share_text(r["ever_phd"]) if p in ("phd", "contributor_then_phd") else "\u2014",
                "risks": [(EXIT_LABELS[k], share_text(r["exits_10"][k])) for k in risks],
            }
        )
    exits = [
        {"label": EXIT_LABELS[k], "cells": [share_text(a.paths[p]["exits_10"][k]) for p in order], "total": False}
        for k in EXIT_REASONS
    ]
    exits.append(
        {
            "label": "still working towards a lead role",
            "total": False,
            "cells": [share_text(a.paths[p]["still_working_10"]) for p in order],
        }
    )
    exits.append(
        {"label": "held a lead role", "total": True, "cells": [share_text(a.paths[p]["lead_10"]) for p in order]}
    )
    sensitivity_rows = []
    for x in a.sensitivity:
        unit = ly_text if x["metric"] == "lead_years" else pct
        affected = [p in x["paths"] or x["metric"] != a.metric or x["input"] == "timeline" for p in order]
        sensitivity_rows.append(
            {
                "text": x["text"][0].upper() + x["text"][1:],
                "replications": x["replications"],
                "cells": [
                    {"affected": aff, "before": unit(x["reference"][p]), "after": unit(x["values"][p])}
                    for p, aff in zip(order, affected)
                ],
            }
        )
    arrival_text = (
        f"{a.start_year + a.arrival['median']:g}"
        if a.arrival["fixed"]
        else f"median {a.start_year + a.arrival['median']:.0f}, 80% of draws {a.start_year + a.arrival['low']:.0f}"
        f"\u2013{a.start_year + a.arrival['high']:.0f}"
    )
    return render(
        "advice.html",
        generator=GENERATOR,
        title="Your paths to research lead \u2014 careersim advise",
        s=a.settings,
        scenario_name=a.scenario_name,
        intervals_cover=a.intervals_cover,
        scenario_description=a.scenario_description,
        profile_sentence=_profile_sentence(a),
        findings=headline(a),
        paths=paths,
        exits=exits,
        window=f"{a.window:g}",
        horizon_window=f"{a.horizon_window:g}",
        metric=a.metric,
        metric_word="lead-years" if a.metric == "lead_years" else f"chance of a lead role within {a.window:g} years",
        arrival_head="before AI arrival"
        if not a.arrival["fixed"]
        else f"before {a.start_year + a.arrival['median']:g}",
        arrival_text=arrival_text,
        chart=_chart(a),
        sensitivity_sentences=[x["sentence"] for x in a.sensitivity[:5]],
        sensitivity_rows=sensitivity_rows,
        inputs=a.inputs,
        assumptions=[{**x, "applies": _APPLIES.get(x["applies"], x["applies"])} for x in a.assumptions],
        best_short=PATH_SHORT[a.best],
        runner_up_short=PATH_SHORT[a.runner_up],
        approximations=a.approximations,
        command=command or "careersim advise",
        engine=a.engine,
        seconds=a.seconds,
        cohort=a.cohort,
    )


def write_html(a: Advice, path: str | os.PathLike, command: str = "") -> Path:
    """Write the page atomically (:func:`careersim.core.files.write_text`)."""
    return write_text(path, render_html(a, command))
