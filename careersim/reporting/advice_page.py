"""The answer of ``careersim advise``, for people: the terminal text and the HTML page."""

from __future__ import annotations

import html
import math
import os
import tempfile
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
from careersim.experiments.advise import Advice, _fin, _hours_text, _level_text, _pct, ly_text

# ---------------------------------------------------------------------------
# words and numbers
# ---------------------------------------------------------------------------


def share_text(d: dict) -> str:
    """'22% (18–27%)': a share with its 95% interval."""
    if not _fin(d.get("value")):
        return "n/a"
    return f"{_pct(d['value'])} ({_pct(d['low']).rstrip('%')}\u2013{_pct(d['high'])})"


def years_text(d: dict) -> str:
    """Lead-years with their 95% interval: '1.11 (1.01–1.20)'."""
    if not _fin(d.get("value")):
        return "n/a"
    return f"{ly_text(d['value'])} ({ly_text(d['low'])}\u2013{ly_text(d['high'])})"


def median_text(d: dict, horizon_window: float, short: bool = False) -> str:
    """Kaplan-Meier median with its interval, or 'not reached' (within the horizon window)."""
    nr = "n.r." if short else "not reached"
    if not d.get("reached"):
        return "not reached" if short else f"not reached in {horizon_window:g} years"
    lo = f"{d['low']:.1f}" if _fin(d["low"]) else "?"
    hi = f"{d['high']:.1f}" if _fin(d["high"]) else nr
    return f"{d['value']:.1f} ({lo}\u2013{hi})"


_SHORT_EXIT = {"burnout": "burned out", "funding_ran_out": "funding ran out", "left_for_other_work": "left for other work",
               "no_lead_opening": "ready, no opening"}


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
    clear = _fin(g.get("low")) and g["low"] > 0
    def signed(x: float) -> str:
        text = ly_text(x) if m == "lead_years" else f"{100 * x:.0f}"
        return text.replace("-", "\u2212")

    unit = "lead-years" if m == "lead_years" else "percentage points"
    diff = f"{signed(g['value'])} {unit} (95% interval {signed(g['low'])} to {signed(g['high'])})"
    if a.paths[b][m]["value"] <= 1e-9:
        return [f"No path stands out: none of your copies held a lead role in a way that counts here "
                f"({_metric_head(a)} is 0 on every path)."] + a.notes
    lines = [f"Best path: {PATH_LABELS[b]}, {val(b)} {_metric_head(a)}."]
    if share >= 0.8 and clear:
        sure = "The model is fairly sure"
    elif clear or share >= 0.6:
        sure = "The model leans this way"
    else:
        sure = "The model is not sure"
    lines.append(f"{sure}: it is best in {_pct(share)} of replications. Next is {PATH_SHORT[r]} at {val(r)}; the "
                 f"difference, {diff}, is {'clear' if clear else 'within the model' + chr(39) + 's noise'}.")
    lines += a.notes
    return lines


# ---------------------------------------------------------------------------
# the terminal
# ---------------------------------------------------------------------------

_TERM_LABEL = {"phd": "PhD", "independent": "Independent", "contributor": "Contributor", "contributor_then_phd": "Contrib\u2192PhD"}


def print_advice(a: Advice, console=None, page: str | None = None, top: int = 4) -> None:
    """The answer in the terminal: plain words first, numbers beside them."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console(highlight=False)
    s = a.settings
    console.print(f"[bold]careersim advise[/bold] for {_profile_sentence(a)}.", highlight=False)
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
        t.add_row(_TERM_LABEL[p], share_text(r["lead_10"]), share_text(r["lead_h"]),
                  median_text(r["median_years"], a.horizon_window, short=True), years_text(r["lead_years"]), style=style)
    console.print()
    console.print(t)
    arrival = (f"before {a.start_year + a.arrival['median']:g}" if a.arrival["fixed"]
               else f"before transformative AI arrives ({a.timeline_text})")
    console.print(f"[dim]Lead in N y: chance of holding a lead role within N years of starting. Median years: Kaplan-Meier, "
                  f"for those who stay in the field (n.r.: not reached in {a.horizon_window:g} years). Lead-years: years in a "
                  f"lead role {arrival}.[/dim]", highlight=False)
    console.print()
    console.print(f"[bold]Main ways it goes wrong[/bold] (left within {a.window:g} years, without a lead role):")
    for p in order:
        risks = "; ".join(f"{_SHORT_EXIT[k]} {share_text(d)}" for k, d in _main_risks(a.paths[p], keys=True)) or "none seen"
        console.print(f"  {_TERM_LABEL[p]:<13}{risks}", highlight=False)
    if a.sensitivity:
        console.print()
        console.print("[bold]What would change the answer[/bold] (one input at a time):")
        for sen in a.sensitivity[:top]:
            console.print(f"  \u2022 {sen['sentence']}", highlight=False)
    console.print()
    console.print(f"[dim]Field '{a.scenario_name}': {s['replications']} replications x {s['clones']} copies of you per path, "
                  f"seed {s['seed']}, {a.seconds:.1f} s. Intervals are 95%. Median years: Kaplan-Meier, for those who stay. "
                  "This is a model built from two essays and stated assumptions, not a forecast about you.[/dim]",
                  highlight=False)
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

_COLOURS = {"phd": "#0072B2", "independent": "#D55E00", "contributor": "#009E73", "contributor_then_phd": "#CC79A7"}
_DASH = {"phd": "", "independent": "6 3", "contributor": "2 3", "contributor_then_phd": "9 3 2 3"}
_EXTRA_CSS = """
.answer { font-size: 1.12rem; }
.swatch { display: inline-block; width: .8em; height: .8em; border-radius: 2px; margin-right: .35em; vertical-align: baseline; }
table.paths td { min-width: 6.5rem; }
.chart svg { width: 100%; max-width: 44rem; height: auto; display: block; margin: 0 auto; }
.small { font-size: .88rem; color: var(--muted); }
"""
_FALLBACK_CSS = """
body { margin: 0 auto; padding: 0 1rem 3rem; max-width: 58rem; font: 16px/1.55 system-ui, sans-serif; color: #1a1a1a; }
h2 { border-top: 3px solid #1a1a1a; padding-top: .4rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; margin: .8rem 0 1.4rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #d9d9d9; vertical-align: top; }
ul.findings { list-style: none; padding: 0; } ul.findings li { background: #f4f4f1; border-left: 5px solid #0072B2; padding: .6rem .9rem; margin-bottom: .5rem; }
.meta, .src { color: #555; font-size: .9rem; } .warn { border-left: 4px solid #D55E00; padding: .4rem .8rem; background: #fff6ef; }
:root { --muted: #555555; }
"""


def _css() -> str:
    css = Path(__file__).parent / "report" / "templates" / "style.css"
    try:
        base = css.read_text(encoding="utf-8")
    except OSError:
        base = _FALLBACK_CSS
    return base + _EXTRA_CSS


def _chart_svg(a: Advice) -> str:
    """Cumulative share of copies who have held a lead role, by years since starting (inline SVG)."""
    W, H, L, R, Tm, B = 640, 320, 52, 150, 16, 42
    xmax = a.horizon_window
    ymax = max(0.05, max(max(a.paths[p]["curve"]["high"]) for p in PATHS)) * 1.08
    ymax = min(1.0, math.ceil(ymax * 20) / 20)
    X = lambda t: L + (W - L - R) * t / xmax  # noqa: E731
    Y = lambda v: Tm + (H - Tm - B) * (1 - v / ymax)  # noqa: E731
    e = html.escape
    parts = [f'<svg viewBox="0 0 {W} {H}" role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">',
             '<title id="chart-title">Share of your copies who have held a lead role, by years since starting</title>',
             '<desc id="chart-desc">' + e("; ".join(
                 f"{PATH_LABELS[p]}: {_pct(a.paths[p]['lead_10']['value'])} by year {a.window:g}, "
                 f"{_pct(a.paths[p]['lead_h']['value'])} by year {a.horizon_window:g}" for p in PATHS)) + "</desc>",
             '<g font-size="11" fill="#555" font-family="system-ui, sans-serif">']
    step = 0.05 if ymax <= 0.3 else 0.1 if ymax <= 0.6 else 0.2
    v = 0.0
    while v <= ymax + 1e-9:
        parts.append(f'<line x1="{L}" x2="{W - R}" y1="{Y(v):.1f}" y2="{Y(v):.1f}" stroke="#e6e6e6"/>')
        parts.append(f'<text x="{L - 6}" y="{Y(v) + 4:.1f}" text-anchor="end">{100 * v:.0f}%</text>')
        v += step
    for t in range(0, int(xmax) + 1, 2 if xmax <= 12 else 5):
        parts.append(f'<text x="{X(t):.1f}" y="{H - B + 16}" text-anchor="middle">{t}</text>')
    parts.append(f'<text x="{(L + W - R) / 2:.0f}" y="{H - 6}" text-anchor="middle">years since you start</text>')
    parts.append(f'<line x1="{X(a.window):.1f}" x2="{X(a.window):.1f}" y1="{Tm}" y2="{H - B}" stroke="#999" stroke-dasharray="3 3"/>')
    parts.append(f'<text x="{X(a.window) + 4:.1f}" y="{Tm + 10}">{a.window:g} years</text>')
    if a.arrival["fixed"] and a.arrival["median"] < xmax:
        xa = X(a.arrival["median"])
        parts.append(f'<line x1="{xa:.1f}" x2="{xa:.1f}" y1="{Tm}" y2="{H - B}" stroke="#D55E00" stroke-dasharray="1 3"/>')
        anchor = "end" if a.arrival["median"] <= a.window else "start"
        parts.append(f'<text x="{xa + (-4 if anchor == "end" else 4):.1f}" y="{H - B - 6}" text-anchor="{anchor}" fill="#D55E00">your AI arrival</text>')
    parts.append("</g>")
    ends = []
    for p in PATHS:
        c = a.paths[p]["curve"]
        t = c["t"]
        up = " ".join(f"{X(x):.1f},{Y(y):.1f}" for x, y in zip(t, c["high"]))
        down = " ".join(f"{X(x):.1f},{Y(y):.1f}" for x, y in zip(reversed(t), reversed(c["low"])))
        parts.append(f'<polygon points="{up} {down}" fill="{_COLOURS[p]}" fill-opacity="0.13" stroke="none"/>')
        line = " ".join(f"{X(x):.1f},{Y(y):.1f}" for x, y in zip(t, c["value"]))
        dash = f' stroke-dasharray="{_DASH[p]}"' if _DASH[p] else ""
        parts.append(f'<polyline points="{line}" fill="none" stroke="{_COLOURS[p]}" stroke-width="2.2"{dash}/>')
        ends.append([Y(c["value"][-1]), p])
    ends.sort()
    for k in range(1, len(ends)):  # keep end labels apart
        ends[k][0] = max(ends[k][0], ends[k - 1][0] + 14)
    for y, p in ends:
        parts.append(f'<text x="{W - R + 6}" y="{y + 4:.1f}" font-size="12" fill="{_COLOURS[p]}" '
                     f'font-family="system-ui, sans-serif">{e(PATH_LABELS[p])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(a: Advice, command: str = "") -> str:
    """The advice as one self-contained HTML page (no scripts, no external resources)."""
    e = html.escape
    s = a.settings
    arrival_head = ("before AI arrival" if not a.arrival["fixed"] else f"before {a.start_year + a.arrival['median']:g}")
    order = sorted(PATHS, key=lambda q: a.ranking.index(q))
    rows = []
    for p in order:
        r = a.paths[p]
        risks = sorted(EXIT_REASONS, key=lambda k: -r["exits_10"][k]["value"])[:2]
        risk = "<br>".join(f"{e(EXIT_LABELS[k])}: {e(share_text(r['exits_10'][k]))}" for k in risks)
        phd = share_text(r["ever_phd"]) if p in ("phd", "contributor_then_phd") else "\u2014"
        ml = r["median_years_leads"]
        ml_text = (f"{ml['value']:.1f} ({ml['low']:.1f}\u2013{ml['high']:.1f})" if _fin(ml.get("value")) and _fin(ml.get("low"))
                   else "too few leads")
        rows.append(
            f'<tr{" class=total" if p == a.best else ""}><th><span class="swatch" style="background:{_COLOURS[p]}"></span>{e(r["label"])}</th>'
            f"<td>{e(share_text(r['lead_10']))}</td><td>{e(share_text(r['lead_h']))}</td>"
            f"<td>{e(median_text(r['median_years'], a.horizon_window))}</td><td>{e(ml_text)}</td>"
            f"<td>{e(years_text(r['lead_years']))}</td><td>{e(phd)}</td><td>{risk}</td></tr>")
    exit_rows = []
    for k in EXIT_REASONS:
        exit_rows.append(f"<tr><th>{e(EXIT_LABELS[k])}</th>" + "".join(f"<td>{e(share_text(a.paths[p]['exits_10'][k]))}</td>" for p in order) + "</tr>")
    exit_rows.append("<tr><th>still working towards a lead role</th>" + "".join(
        f"<td>{e(share_text(a.paths[p]['still_working_10']))}</td>" for p in order) + "</tr>")
    exit_rows.append("<tr class=total><th>held a lead role</th>" + "".join(
        f"<td>{e(share_text(a.paths[p]['lead_10']))}</td>" for p in order) + "</tr>")
    sens_items = "".join(f"<li>{e(x['sentence'])}</li>" for x in a.sensitivity[:5])
    sens_rows = []
    for x in a.sensitivity:
        unit = ly_text if x["metric"] == "lead_years" else _pct
        cells = "".join(
            f"<td>{e(unit(x['reference'][p]))} \u2192 <b>{e(unit(x['values'][p]))}</b></td>" if p in x["paths"] or x["metric"] != a.metric
            or x["input"] == "timeline" else f"<td class=small>{e(unit(x['values'][p]))} (not affected)</td>" for p in order)
        sens_rows.append(f"<tr><th>{e(x['text'][0].upper() + x['text'][1:])}</th>{cells}<td>{x['replications']}</td></tr>")
    input_rows = "".join(f"<tr><th>{e(i['input'])}</th><td>{e(i['given'])}</td><td>{e(i['model'])}</td></tr>" for i in a.inputs)
    applies_label = {"all": "every path", "independent": "independent research", "phd": "PhD routes",
                     "contributor": "contributor routes", "timeline": "lead-years"}
    assumption_rows = "".join(
        f"<tr{' class=differs' if x.get('drives') else ''}><th><code>{e(x['parameter'])}</code><span class=w>{e(applies_label.get(x['applies'], x['applies']))}</span></th>"
        f"<td>{e(x['value'])}</td><td>{e(x['what'])}</td><td class=src>{e(x['source'])}"
        f"{' <span class=mark>assumption</span>' if x['assumption'] else ''}</td></tr>" for x in a.assumptions)
    approx = "".join(f"<li>{e(x)}</li>" for x in a.approximations)
    findings = "".join(f"<li{' class=answer' if i == 0 else ''}>{e(x)}</li>" for i, x in enumerate(headline(a)))
    path_heads = "".join(f"<th>{e(PATH_LABELS[p])}</th>" for p in order)
    metric_word = "lead-years" if a.metric == "lead_years" else f"chance of a lead role within {a.window:g} years"
    arrival_text = (f"{a.start_year + a.arrival['median']:g}" if a.arrival["fixed"] else
                    f"median {a.start_year + a.arrival['median']:.0f}, 80% of draws {a.start_year + a.arrival['low']:.0f}"
                    f"\u2013{a.start_year + a.arrival['high']:.0f}")
    sens_table = (f'''<table class="compact stack"><caption>Every change tried: {e(metric_word)}{'' if a.metric == 'lead_years' else ' (lead-years for timelines)'},
before \u2192 after, by path; the last column is the number of replications in which the change was simulated.</caption>
<thead><tr><th>If</th>{path_heads}<th>Replications</th></tr></thead><tbody>{''.join(sens_rows)}</tbody></table>'''
                  if sens_rows else "")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="careersim advise">
<title>Your paths to research lead \u2014 careersim advise</title>
<style>{_css()}</style>
</head>
<body>
<header>
<p class="kicker">careersim advise \u00b7 field: {e(a.scenario_name)}</p>
<h1>Your paths to leading research</h1>
<p class="lede">For {e(_profile_sentence(a))}.</p>
<p class="meta">Each number comes from {s['replications'] * s['clones']} simulated copies of you per path
({s['replications']} replications of the field \u00d7 {s['clones']} copies), with 95% intervals. This is a model built
from two essays and stated assumptions, not a forecast about you.</p>
<nav><a href="#answer">Answer</a><a href="#paths">Each path</a><a href="#wrong">How it goes wrong</a>
<a href="#change">What would change it</a><a href="#inputs">Your inputs</a><a href="#assumptions">Assumptions</a>
<a href="#method">How this was computed</a></nav>
</header>
<main>
<h2 id="answer">The answer</h2>
<ul class="findings">{findings}</ul>

<h2 id="paths">Each path</h2>
<table class="paths stack">
<caption>Outcomes of your copies by the path they started on (intention to treat: a copy refused a PhD place stays
in the PhD row). Best path by {e(metric_word)} highlighted. Intervals are 95%.</caption>
<thead><tr><th>Path</th><th>Lead role within {a.window:g} years</th><th>within {a.horizon_window:g} years</th>
<th>Median years to a lead role (Kaplan-Meier)</th><th>Among copies who lead: median years</th>
<th>Lead-years {e(arrival_head)}</th><th>Admitted to a PhD</th><th>Main ways it goes wrong (within {a.window:g} years)</th></tr></thead>
<tbody>{''.join(rows)}</tbody>
</table>
<p class="small">Median years (Kaplan-Meier): copies who leave the field, or are still working at the end, are treated as
censored, so this is the time to a lead role for someone who stays; it is "not reached" when fewer than half would
get there even then. Lead-years count time in a lead role before transformative AI arrives ({e(arrival_text)}), up to
the end of the {a.horizon_window:g}-year window.</p>
<figure class="chart">{_chart_svg(a)}
<figcaption>Share of your copies who have held a lead role, by years since starting, with 95% bands. Dotted line:
{a.window:g} years{'; orange: your AI arrival' if a.arrival['fixed'] and a.arrival['median'] < a.horizon_window else ''}.</figcaption>
</figure>

<h2 id="wrong">How it goes wrong</h2>
<table class="stack"><caption>Where your copies are {a.window:g} years after starting, by path (95% intervals).</caption>
<thead><tr><th>Outcome by year {a.window:g}</th>{path_heads}</tr></thead><tbody>{''.join(exit_rows)}</tbody></table>

<h2 id="change">What would change the answer</h2>
<p>Each input below was changed on its own over a plausible range, in further copies of you in the same fields
(paired with your main copies, so the difference is not luck). Timelines need no new copies: lead-years were
recounted for other arrival dates.</p>
<ul class="findings">{sens_items or '<li>Not computed (run without --no-sensitivity).</li>'}</ul>
{sens_table}

<h2 id="inputs">Your inputs, and how the model reads them</h2>
<table class="kv stack"><thead><tr><th>Input</th><th>You said</th><th>In the model</th></tr></thead><tbody>{input_rows}</tbody></table>

<h2 id="assumptions">Assumptions that drive this answer</h2>
<p>The model is built from two essays (000: on independent research; 001: on PhDs, with its comments) and from
published figures; where neither says, it assumes, and says so. These are the scenario settings that most shape the
paths compared here; those marked at the left bear on the comparison that decides your answer
({e(PATH_SHORT[a.best])} against {e(PATH_SHORT[a.runner_up])}) and come first. They were not varied for this page;
<code>careersim sweep</code> shows how much they matter, and <code>--scenario</code> runs this advice in another field.</p>
<table class="compact stack"><thead><tr><th>Parameter</th><th>Value</th><th>What it does</th><th>Source</th></tr></thead>
<tbody>{assumption_rows}</tbody></table>

<h2 id="method">How this was computed, and what is approximated</h2>
<p>Your copies entered an otherwise ordinary field ('{e(a.scenario_name)}'{': ' + e(a.scenario_description) if a.scenario_description else ''})
in its first year and competed with everyone else for advisors, grants, programme places and lead openings. Copy
<i>j</i> meets the same random luck on every path (common random numbers), so the paths are compared on the same
luck. Each replication draws the scenario's uncertain parameters, the field's history and your own traits within your
stated uncertainty; intervals are Student-t intervals over replications (for shares widened to include the Wilson
interval of all copies); median intervals are cluster bootstraps over replications.</p>
<ul>{approx}</ul>
<table class="kv"><tbody>
<tr><th>Command</th><td><code>{e(command or 'careersim advise')}</code></td></tr>
<tr><th>Replications \u00d7 copies per path</th><td>{s['replications']} \u00d7 {s['clones']}; what-if: {s['whatif_replications']} further fields, {s['variant_clones']} copies per path and change</td></tr>
<tr><th>Seed</th><td>{s['seed']}</td></tr>
<tr><th>Scenario</th><td>{e(a.scenario_name)} (hash {e(s['scenario_hash'])})</td></tr>
<tr><th>careersim</th><td>{e(str(s['careersim_version']))}; {e(a.engine)}</td></tr>
<tr><th>Run time</th><td>{a.seconds:.1f} s</td></tr>
</tbody></table>
</main>
</body>
</html>
"""


def write_html(a: Advice, path: str | os.PathLike, command: str = "") -> Path:
    """Write the page atomically: a temporary file beside it, renamed into place when complete."""
    out = Path(path)
    created = []
    probe = out.parent
    while not probe.exists():
        created.append(probe)
        probe = probe.parent
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=str(out.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(render_html(a, command))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, out)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        for folder in created:
            try:
                folder.rmdir()
            except OSError:
                pass
        raise
    return out


def is_advice_page(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a page this command wrote (so it may be replaced)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            head = fh.read(2000)
    except OSError:
        return False
    return '<meta name="generator" content="careersim advise">' in head
