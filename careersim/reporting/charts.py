"""The report's charts: matplotlib (Agg, no pyplot state) drawn to SVG data URIs.

Every chart uses the Okabe-Ito colour-blind-safe palette and never carries
information by colour alone: series also differ by marker and line style, and
categories are labelled directly. Each function returns a :class:`Chart` with
the image, its size and an alt text that states the numbers the chart shows.
Output is deterministic (fixed SVG id salt, no date), so redrawing a report
from the same results gives the same file.
"""

from __future__ import annotations

import base64
import io
import math
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path as MPath

from careersim.analysis.views import PERCENT_SERIES, SERIES
from careersim.config.schema import get_path
from careersim.reporting.findings import finite, num, pct, points
from careersim.reporting.labels import (
    BACKGROUND_SHORT,
    EXIT_LABEL,
    RESOURCE_LABEL,
    SHORT_SERIES,
    STATE_LABEL,
    STATE_ORDER,
    TRACK_SHORT,
)
from careersim.reporting.palette import NEUTRAL, SCENARIO_STYLES, STATE_COLOR, TRACK_STYLE

RC = {
    "svg.hashsalt": "careersim-report",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 11,
    "axes.titlesize": 11.5,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 10.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": NEUTRAL["axis"],
    "axes.grid": True,
    "grid.color": NEUTRAL["grid"],
    "grid.linewidth": 0.7,
    "legend.frameon": False,
    "legend.fontsize": 9.5,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "hatch.linewidth": 0.6,
    "path.simplify": True,
}
WIDTH = 5.0  # inches; charts scale down on small screens


def _with_rc(fn):
    """Draw the whole chart under the report's style settings (no global state changed)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(RC):
            return fn(*args, **kwargs)

    return wrapper


@dataclass
class Chart:
    id: str
    title: str
    uri: str
    alt: str
    caption: str
    width: int
    height: int


def _t(text: Any) -> str:
    """Text safe for matplotlib (no mathtext from user input)."""
    return str(text).replace("\\", "\\\\").replace("$", r"\$")


def _minify(svg: str) -> str:
    """Smaller SVG: no metadata or comments, path and position coordinates to 0.1 pt, no line breaks."""
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)  # matplotlib repeats every label as a comment

    def coords(m: re.Match) -> str:
        return m.group(1) + re.sub(r"(\d+\.\d)\d+", r"\1", m.group(2)) + '"'

    svg = re.sub(r'(\s(?:d|x|y)=")([^"]*)"', coords, svg)  # never transforms: glyph scales are small numbers
    svg = re.sub(r"\s*\n\s*", " ", svg)
    return svg


def _render(fig: Figure) -> tuple[str, int, int]:
    buf = io.BytesIO()
    with matplotlib.rc_context(RC):
        fig.savefig(
            buf, format="svg", bbox_inches="tight", pad_inches=0.08, metadata={"Date": None, "Creator": "careersim"}
        )
    svg = _minify(buf.getvalue().decode("utf-8")).encode("utf-8")
    head = svg[:2000].decode("utf-8", "replace")
    w = re.search(r'width="([\d.]+)pt"', head)
    h = re.search(r'height="([\d.]+)pt"', head)
    width = int(round(float(w.group(1)) * 96 / 72)) if w else 640
    height = int(round(float(h.group(1)) * 96 / 72)) if h else 400
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii"), width, height


def _figure(h: float, w: float = WIDTH) -> Figure:
    with matplotlib.rc_context(RC):
        return Figure(figsize=(w, h), layout="constrained")


def _chart(id: str, title: str, fig: Figure, alt: str, caption: str) -> Chart:
    uri, w, h = _render(fig)
    return Chart(id, title, uri, alt, caption, w, h)


def _styles(views: Sequence[dict]) -> list[dict]:
    return [SCENARIO_STYLES[i % len(SCENARIO_STYLES)] for i in range(len(views))]


def _iv(d: dict | None) -> tuple[float, float, float]:
    d = d or {}

    def f(k):
        v = d.get(k)
        return float(v) if finite(v) else float("nan")

    return f("value"), f("low"), f("high")


def _quant(x: Sequence[float]) -> tuple[float, float, float]:
    a = np.asarray(x, dtype=float)
    a = a[np.isfinite(a)]
    if not len(a):
        return (float("nan"),) * 3
    lo, hi = np.quantile(a, [0.025, 0.975])
    return float(a.mean()), float(lo), float(hi)


# ---------------------------------------------------------------------------
# generic dot-and-interval panel
# ---------------------------------------------------------------------------


#: more series than this in one dot chart and its dots are not labelled with their values
CROWDED = 5


def _dots(
    ax,
    categories: list[str],
    series: list[tuple[str, dict, list[tuple[float, float, float]]]],
    fmt: Callable[[float], str],
    xlabel: str,
    zero: float | None = None,
    label_values: bool = True,
) -> None:
    """Horizontal dot plot with interval bars: one row per category, one dot per series."""
    n = len(categories)
    k = len(series)
    crowded = k > CROWDED  # too many dots in a row to label each: the alt text and the tables give the numbers
    label_values = label_values and not crowded
    step = 0.62 / max(1, k)
    ys = np.arange(n)[::-1].astype(float)
    finite_hi = []
    for j, (label, style, vals) in enumerate(series):
        off = (j - (k - 1) / 2) * step
        for y, (v, lo, hi) in zip(ys, vals):
            if not math.isfinite(v):
                if not crowded:
                    ax.text(0, y - off, "  not available", va="center", ha="left", fontsize=9.5, color=NEUTRAL["muted"])
                continue
            if math.isfinite(lo) and math.isfinite(hi):
                ax.plot([lo, hi], [y - off, y - off], color=style["color"], lw=2.2, solid_capstyle="butt")
                for end in (lo, hi):
                    ax.plot([end, end], [y - off - 0.08, y - off + 0.08], color=style["color"], lw=1.2)
                finite_hi.append(max(hi, v))
            else:
                finite_hi.append(v)
            ax.plot(
                [v],
                [y - off],
                marker=style["marker"],
                color=style["color"],
                markersize=7,
                markeredgecolor="white",
                markeredgewidth=0.8,
                ls="none",
            )
            if label_values:
                right = max(v, hi) if math.isfinite(hi) else v
                ax.annotate(
                    fmt(v),
                    (right, y - off),
                    xytext=(5, 0),
                    textcoords="offset points",
                    va="center",
                    ha="left",
                    fontsize=9.5,
                    color=NEUTRAL["ink"],
                )
    ax.set_yticks(ys, [_t(c) for c in categories])
    ax.set_ylim(-0.6, n - 0.4)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(_t(xlabel))
    if zero is not None:
        ax.axvline(zero, color=NEUTRAL["axis"], lw=1.0)
    ax.margins(x=0.18)


def _fig_legend(fig: Figure, items: list[tuple[str, dict]], lines: bool = True, always: bool = False) -> None:
    """One legend for the whole figure, above the charts (marker, line style and colour per series)."""
    if len(items) < (1 if always else 2):
        return
    handles = [
        Line2D(
            [],
            [],
            color=s["color"],
            marker=s["marker"],
            ls=s["ls"] if lines else "-",
            lw=2,
            markersize=6,
            label=_t(lbl),
        )
        for lbl, s in items
    ]
    longest = max(len(lbl) for lbl, _ in items)
    ncols = 1 if longest > 28 else min(3 if longest <= 18 else 2, len(items))
    fig.legend(handles=handles, loc="outside upper center", ncols=ncols, fontsize=9, handlelength=3)


def _pct_axis(ax, axis: str = "x") -> None:
    from matplotlib.ticker import FuncFormatter

    f = FuncFormatter(lambda v, _p: f"{100 * v:.0f}%" if abs(v) >= 0.1 or v == 0 else f"{100 * v:.1f}%")
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(f)


def _points_axis(ax) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{100 * v:+.1f}".replace("+0.0", "0")))


# ---------------------------------------------------------------------------
# 1. chance of becoming a lead by starting track (and background)
# ---------------------------------------------------------------------------


@_with_rc
def chance_by_track(views: list[dict], window: float) -> Chart:
    styles = _styles(views)
    cats = ["All entrants"] + [f"{TRACK_SHORT[t]} track" for t in TRACK_SHORT]
    series = []
    alt_parts = []
    for v, s in zip(views, styles):
        p = v["summary"].get("outcomes", {}).get("p_lead") or {}
        vals = [_iv(p)] + [_iv((p.get("by_track") or {}).get(t)) for t in TRACK_SHORT]
        series.append((v["name"], s, vals))
        alt_parts.append(
            f"{v['name']}: " + ", ".join(f"{c} {pct(x[0])} ({pct(x[1])} to {pct(x[2])})" for c, x in zip(cats, vals))
        )
    if not any(math.isfinite(x[0]) for _, _, vals in series for x in vals):
        return None  # no cohort observed for the whole window
    has_bg = all(v.get("groups") is not None for v in views)
    fig = _figure(2.2 + 0.42 * len(cats) * max(1, 0.6 * len(views)) + (2.4 if has_bg else 0))
    axes = fig.subplots(2 if has_bg else 1, 1, squeeze=False)[:, 0]
    _dots(axes[0], cats, series, pct, f"Share holding a lead role within {num(window)} years of entry")
    _pct_axis(axes[0])
    axes[0].set_title("By intended starting track")
    axes[0].set_xlim(left=0)
    if has_bg:
        bgs = list(BACKGROUND_SHORT)
        bseries = []
        for v, s in zip(views, styles):
            g = v["groups"]
            vals = []
            for b in bgs:
                sel = g[(g["kind"] == "background") & (g["group"] == b)]
                vals.append(_quant(sel["p_lead"]))
            bseries.append((v["name"], s, vals))
            alt_parts.append(
                f"by background, {v['name']}: "
                + ", ".join(f"{BACKGROUND_SHORT[b]} {pct(x[0])}" for b, x in zip(bgs, vals))
            )
        _dots(
            axes[1],
            [BACKGROUND_SHORT[b] for b in bgs],
            bseries,
            pct,
            f"Share holding a lead role within {num(window)} years of entry",
        )
        _pct_axis(axes[1])
        axes[1].set_title("By background")
        axes[1].set_xlim(left=0)
    _fig_legend(fig, [(v["name"], s) for v, s in zip(views, styles)], lines=False)
    alt = (
        f"Dot chart of the chance of holding a lead role within {num(window)} years of entry, with 95% ranges over replications. "
        + "; ".join(alt_parts)
        + "."
    )
    caption = (
        f"Dots are means over replications; bars span 95% of replications. Only cohorts observed for the full "
        f"{num(window)} years count. Tracks are intended starting tracks (an entrant not admitted to a PhD stays in the PhD group)."
    )
    return _chart("chance-by-track", "Chance of becoming a lead by starting track", fig, alt, caption)


# ---------------------------------------------------------------------------
# 2. cumulative share becoming a lead by years since entry
# ---------------------------------------------------------------------------


def _curve(df, track):
    c = df[df["track"] == track].sort_values("years")
    return (c["years"].to_numpy(float), c["value"].to_numpy(float), c["low"].to_numpy(float), c["high"].to_numpy(float))


@_with_rc
def time_to_lead(views: list[dict], window: float) -> Chart | None:
    usable = [v for v in views if v.get("curves") is not None and len(v["curves"])]
    if not usable:
        return None
    alt_parts = []
    horizon = max(float(v["curves"]["years"].max()) for v in usable)
    if len(views) == 1:
        v = views[0]
        fig = _figure(3.9)
        ax = fig.subplots()
        ends = []
        _few_cohorts(ax, horizon)
        for tr, st in TRACK_STYLE.items():
            x, y, lo, hi = _curve(v["curves"], tr)
            if not len(x) or not np.isfinite(y).any():
                continue
            ax.fill_between(x, lo, hi, color=st["color"], alpha=0.16, lw=0)
            ax.plot(
                x,
                y,
                color=st["color"],
                ls=st["ls"],
                lw=2,
                marker=st["marker"],
                markevery=max(1, len(x) // 8),
                markersize=5,
            )
            last = np.flatnonzero(np.isfinite(y))[-1]
            ends.append((x[last] + 0.012 * horizon, y[last], TRACK_SHORT[tr], st["color"]))
            at = _at(x, y, window)
            alt_parts.append(
                f"{TRACK_SHORT[tr]} {pct(at)} by {num(window)} years and {pct(y[last])} by {num(x[last])} years"
            )
        ax.set_xlim(0, horizon)
        _window_marker(ax, window)
        ax.set_xlabel("Years since entry")
        ax.set_ylabel("Share who became a lead")
        _pct_axis(ax, "y")
        ax.set_ylim(bottom=0)
        _end_labels(ax, ends)
        alt = (
            "Line chart of the cumulative share of entrants who became a lead by years since entry, by intended track: "
            + "; ".join(alt_parts)
            + "."
        )
    else:
        styles = _styles(views)
        fig = _figure(2.3 * 3 + 0.4)
        axes = fig.subplots(3, 1, sharex=True)
        for ax, (tr, _st) in zip(axes, TRACK_STYLE.items()):
            parts = []
            for v, s in zip(views, styles):
                if v.get("curves") is None:
                    continue
                x, y, lo, hi = _curve(v["curves"], tr)
                if not len(x):
                    continue
                ax.fill_between(x, lo, hi, color=s["color"], alpha=0.12, lw=0)
                ax.plot(
                    x,
                    y,
                    color=s["color"],
                    ls=s["ls"],
                    lw=1.8,
                    marker=s["marker"],
                    markevery=max(1, len(x) // 8),
                    markersize=4.5,
                    label=_t(v["name"]),
                )
                parts.append(f"{v['name']} {pct(_at(x, y, window))}")
            ax.set_title(f"{TRACK_SHORT[tr]} track")
            _few_cohorts(ax, horizon)
            ax.set_ylabel("Became a lead")
            _pct_axis(ax, "y")
            ax.set_ylim(bottom=0)
            ax.set_xlim(0, horizon)
            _window_marker(ax, window)
            alt_parts.append(f"{TRACK_SHORT[tr]} track by {num(window)} years: " + ", ".join(parts))
        _fig_legend(fig, [(v["name"], s) for v, s in zip(views, styles)])
        axes[-1].set_xlabel("Years since entry")
        alt = (
            "Three line charts, one per intended track, of the cumulative share of entrants who became a lead by years since entry, "
            "one line per scenario: " + "; ".join(alt_parts) + "."
        )
    caption = (
        "Cumulative incidence (Aalen-Johansen): leaving the field counts as a competing outcome, and people still in "
        "progress when the run ended are censored (counted until they leave view, never as failures), so a curve is the "
        "share of all entrants who became a lead by that many years. Late years rest on the earliest cohorts only "
        "(shaded: fewer than a quarter of cohorts are observed that long), so bands widen. Bands span 95% of replications."
    )
    return _chart("time-to-lead", "Cumulative share becoming a lead", fig, alt, caption)


def _end_labels(ax, items: list[tuple[float, float, str, str]], fontsize: float = 9.0) -> None:
    """Direct labels at the ends of lines, nudged apart so they never overlap."""
    if not items:
        return
    lo, hi = ax.get_ylim()
    gap = 0.065 * (hi - lo) * fontsize / 9.0
    order = sorted(range(len(items)), key=lambda i: items[i][1])
    pos = [items[i][1] for i in order]
    for k in range(1, len(pos)):
        pos[k] = max(pos[k], pos[k - 1] + gap)
    shift = max(0.0, pos[-1] - (hi - 0.02 * (hi - lo)))
    pos = [p - shift for p in pos]
    for k in range(len(pos) - 2, -1, -1):
        pos[k] = min(pos[k], pos[k + 1] - gap)
    for k, i in enumerate(order):
        x, y, text, color = items[i]
        ax.annotate(
            _t(text),
            (x, y),
            xytext=(x, pos[k]),
            textcoords="data",
            va="center",
            ha="left",
            fontsize=fontsize,
            color=color,
            fontweight="bold",
            annotation_clip=False,
        )


def _few_cohorts(ax, horizon: float) -> None:
    """Shade the years since entry that fewer than a quarter of cohorts are observed for."""
    if horizon and math.isfinite(horizon):
        ax.axvspan(0.75 * horizon, horizon, color=NEUTRAL["shade"], zorder=0, lw=0, hatch="..", ec=NEUTRAL["edge"])
        ax.annotate(
            "few cohorts\nobserved",
            (0.75 * horizon, 0.02),
            xycoords=("data", "axes fraction"),
            xytext=(3, 2),
            textcoords="offset points",
            fontsize=8.5,
            color=NEUTRAL["axis"],
            va="bottom",
        )


def _at(x, y, t):
    if not len(x):
        return float("nan")
    i = np.searchsorted(x, t + 1e-9, side="right") - 1
    return float(y[i]) if i >= 0 else float("nan")


def _window_marker(ax, window):
    lo, hi = ax.get_xlim()
    if not (lo <= window <= hi):
        return
    ax.axvline(window, color=NEUTRAL["muted"], lw=1, ls=(0, (2, 2)))
    ax.annotate(
        f"{num(window)}-year window",
        (window, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(3, -2),
        textcoords="offset points",
        va="top",
        fontsize=9.5,
        color=NEUTRAL["text"],
    )


# ---------------------------------------------------------------------------
# 3. lead-years before arrival
# ---------------------------------------------------------------------------


@_with_rc
def lead_years(views: list[dict]) -> Chart | None:
    styles = _styles(views)
    cols = [
        ("lead_years_before_arrival_per_entrant", "All lead-years"),
        ("safety_lead_years_before_arrival_per_entrant", "Safety-relevant lead-years"),
    ]
    if not any("arrival_years" in v["replications"] for v in views):
        return None
    fig = _figure(3.4)
    axes = fig.subplots(1, 2, sharey=True)
    alt_parts = []
    # arrivals after the horizon give the same lead-years (all of them): drawn at its right edge
    horizons = [get_path(v["scenario"], "run.horizon") for v in views]
    cap = max(float(h) for h in horizons) if all(isinstance(h, (int, float)) for h in horizons) else np.inf
    late = False
    for ax, (col, title) in zip(axes, cols):
        xs_by_view = []
        for v, s in zip(views, styles):
            r = v["replications"]
            if col not in r or "arrival_years" not in r:
                continue
            x = np.asarray(r["arrival_years"], float)
            late = late or bool(np.any(x > cap))
            x = np.minimum(x, 1.04 * cap)
            y = np.asarray(r[col], float)
            xs_by_view.append((x, y))
            ax.plot(
                x,
                y,
                ls="none",
                marker=s["marker"],
                color=s["color"],
                markersize=6,
                alpha=0.9,
                markeredgecolor="white",
                markeredgewidth=0.6,
                label=_t(v["name"]),
            )
            alt_parts.append(
                f"{title.lower()} per entrant in {v['name']}: mean {num(np.nanmean(y))}, "
                f"from {num(np.nanmin(y))} to {num(np.nanmax(y))}"
            )
        if len(xs_by_view) > 1:  # join paired replications
            x0, y0 = xs_by_view[0]
            for x1, y1 in xs_by_view[1:]:
                if len(x1) == len(x0):
                    for a, b, c, d in zip(x0, y0, x1, y1):
                        ax.plot([a, c], [b, d], color=NEUTRAL["link"], lw=0.8, zorder=0)
        ax.set_title(title)
        ax.set_ylim(bottom=0)
        if late:
            ax.axvline(cap, color=NEUTRAL["link"], lw=0.8, zorder=0)
            ax.set_xlim(0, 1.08 * cap)
    fig.supxlabel(
        "Arrival year of transformative AI drawn in each replication"
        + (" (after the horizon: at the right edge)" if late else ""),
        fontsize=10,
    )
    axes[0].set_ylabel("Lead-years per entrant")
    _fig_legend(fig, [(v["name"], s) for v, s in zip(views, styles)], lines=False)
    alt = (
        "Two scatter charts of lead-years before the arrival of transformative AI per entrant against the arrival year drawn "
        "in each replication: " + "; ".join(alt_parts) + ". Later arrivals give more lead-years."
    )
    caption = (
        "One point per replication: the arrival year is drawn per replication, and entrants' lead-years before it rise "
        "steeply with it. Safety-relevant lead-years weight each lead-year by how safety-relevant the lead's agenda is "
        "(set by impact judgement)."
        + (" Grey lines join the same replication in each scenario (same random numbers)." if len(views) > 1 else "")
    )
    return _chart("lead-years", "Lead-years before arrival", fig, alt, caption)


# ---------------------------------------------------------------------------
# 4. flows between states
# ---------------------------------------------------------------------------


def _band(x0, y0a, y0b, x1, y1a, y1b):
    xm = (x0 + x1) / 2
    verts = [(x0, y0a), (xm, y0a), (xm, y1a), (x1, y1a), (x1, y1b), (xm, y1b), (xm, y0b), (x0, y0b), (x0, y0a)]
    codes = [
        MPath.MOVETO,
        MPath.CURVE4,
        MPath.CURVE4,
        MPath.CURVE4,
        MPath.LINETO,
        MPath.CURVE4,
        MPath.CURVE4,
        MPath.CURVE4,
        MPath.CLOSEPOLY,
    ]
    return MPath(verts, codes)


def _sankey(ax, flows, title: str) -> str:
    f = flows[flows["mean"] > 0]
    if not len(f):
        ax.text(0.5, 0.5, "no moves recorded", ha="center", va="center")
        ax.set_axis_off()
        return f"{title}: no moves recorded"
    order = {s: i for i, s in enumerate(STATE_ORDER)}
    f = f.assign(o1=f["from_state"].map(lambda s: order.get(s, 99)), o2=f["to_state"].map(lambda s: order.get(s, 99)))
    f = f.sort_values(["o1", "o2"])
    total = float(f["mean"].sum())
    gap = 0.03 * total
    out_tot = f.groupby("from_state", sort=False)["mean"].sum()
    in_tot = f.groupby("to_state", sort=False)["mean"].sum()
    left = sorted(out_tot.index, key=lambda s: order.get(s, 99))
    right = sorted(in_tot.index, key=lambda s: order.get(s, 99))
    span = total + gap * (max(len(left), len(right)) - 1)

    def positions(nodes, tot):
        pos, y = {}, span
        extra = (span - (tot[nodes].sum() + gap * (len(nodes) - 1))) / 2
        y -= extra
        for s in nodes:
            pos[s] = [y, y - tot[s]]  # top, bottom
            y -= tot[s] + gap
        return pos

    lpos, rpos = positions(left, out_tot), positions(right, in_tot)
    lcur = {s: p[0] for s, p in lpos.items()}
    rcur = {s: p[0] for s, p in rpos.items()}
    w = 0.035
    f_r = f.sort_values(["o2", "o1"])
    rstart = {}
    for _, row in f_r.iterrows():
        key = (row["from_state"], row["to_state"])
        rstart[key] = rcur[row["to_state"]]
        rcur[row["to_state"]] -= row["mean"]
    for _, row in f.iterrows():
        a, b, m = row["from_state"], row["to_state"], row["mean"]
        y0 = lcur[a]
        lcur[a] -= m
        y1 = rstart[(a, b)]
        patch = PathPatch(
            _band(w, y0, y0 - m, 1 - w, y1, y1 - m),
            facecolor=STATE_COLOR.get(a, NEUTRAL["fill"]),
            alpha=0.45,
            lw=0.4,
            edgecolor="white",
            hatch="////" if b == "exited" else None,
        )
        ax.add_patch(patch)
    for side, pos, tot, x in (("l", lpos, out_tot, 0.0), ("r", rpos, in_tot, 1 - w)):
        for s, (top, bot) in pos.items():
            ax.add_patch(
                Rectangle(
                    (x, bot),
                    w,
                    top - bot,
                    facecolor=STATE_COLOR.get(s, NEUTRAL["fill"]),
                    edgecolor=NEUTRAL["ink"],
                    lw=0.6,
                    hatch="////" if s == "exited" else None,
                )
            )
            label = f"{STATE_LABEL.get(s, s)} ({num(tot[s])})"
            if side == "l":
                ax.text(-0.015, (top + bot) / 2, _t(label), ha="right", va="center", fontsize=9.5)
            else:
                ax.text(1.015, (top + bot) / 2, _t(label), ha="left", va="center", fontsize=9.5)
    ax.set_xlim(0, 1)
    ax.set_ylim(-gap, span + gap)
    ax.set_axis_off()
    if title:
        ax.set_title(_t(title), loc="center", pad=14)
    ax.text(
        -0.015, span + gap * 0.6, "From", ha="right", va="bottom", fontsize=9, fontweight="bold", color=NEUTRAL["text"]
    )
    ax.text(1.015, span + gap * 0.6, "To", ha="left", va="bottom", fontsize=9, fontweight="bold", color=NEUTRAL["text"])
    big = f.sort_values("mean", ascending=False).head(4)
    return f"{title or 'all moves'}: largest moves " + ", ".join(
        f"{STATE_LABEL.get(a, a)} to {STATE_LABEL.get(b, b)} {num(m)}"
        for a, b, m in zip(big["from_state"], big["to_state"], big["mean"])
    )


@_with_rc
def flows(views: list[dict]) -> Chart | None:
    """The flow diagram of one run; of a comparison, the base's only (the table beside it gives
    every alternative's difference, instead of one near-identical diagram per scenario)."""
    v = views[0]
    if v.get("flows") is None or not len(v["flows"]):
        return None
    fig = _figure(3.9, w=WIDTH * 1.25)
    ax = fig.subplots()
    title = f"{v['name']} (base)" if len(views) > 1 else ""
    alt = (
        "Flow diagram of entrants' moves between career states, mean number of moves per replication, states on the left "
        "flowing to states on the right. " + _sankey(ax, v["flows"], title) + "."
    )
    caption = (
        "Band widths are the mean number of moves per replication over the whole run (entrants only; a person can "
        "move several times, e.g. between grants and back). Hatched bands and boxes lead out of the field. "
        + (
            "The table below gives every flow in the base and how each other scenario changes it."
            if len(views) > 1
            else "The table below lists every flow."
        )
    )
    return _chart("flows", "Flows between states", fig, alt, caption)


# ---------------------------------------------------------------------------
# 5. attrition by reason
# ---------------------------------------------------------------------------


@_with_rc
def attrition(views: list[dict]) -> Chart | None:
    reasons = list(EXIT_LABEL)
    series = []
    parts = []
    for v, s in zip(views, _styles(views)):
        att = v["summary"].get("outcomes", {}).get("attrition") or {}
        vals = [_iv(att.get(r)) for r in reasons]
        series.append((v["name"], s, vals))
        parts.append(f"{v['name']}: " + ", ".join(f"{EXIT_LABEL[r]} {pct(x[0])}" for r, x in zip(reasons, vals)))
    if not any(math.isfinite(x[0]) for _, _, vals in series for x in vals):
        return None
    fig = _figure(1.4 + 0.55 * len(reasons) * max(1, 0.6 * len(views)))
    ax = fig.subplots()
    cats = [EXIT_LABEL[r][0].upper() + EXIT_LABEL[r][1:] for r in reasons]
    _dots(ax, cats, series, pct, "Share of entrants who left for this reason during the run")
    _fig_legend(fig, [(lbl, st) for lbl, st, _ in series], lines=False)
    _pct_axis(ax)
    ax.set_xlim(left=0)
    alt = (
        "Dot chart of the share of entrants who left the field, by reason, with 95% ranges over replications. "
        + "; ".join(parts)
        + "."
    )
    caption = "Every exit has one recorded reason. Dots are means over replications; bars span 95% of replications."
    return _chart("attrition", "Attrition by reason", fig, alt, caption)


# ---------------------------------------------------------------------------
# 6. queues and utilisation over time
# ---------------------------------------------------------------------------


@_with_rc
def resources_over_time(views: list[dict], start_year: float = 0.0) -> Chart | None:
    return _over_time(
        views,
        ["grant_queue", "reviewer_utilisation", "advisor_utilisation", "ready_waiting"],
        "resources",
        "Queues and utilisation over time",
        "the scarce resources",
        start_year,
        "Dotted horizontal lines mark 90% use, the level at which a resource counts as binding.",
    )


@_with_rc
def demand_over_time(views: list[dict], start_year: float = 0.0) -> Chart | None:
    """The field's demand for leads and its mentor time (M11): lead positions and the
    leads in them, openings a year from growth and from replacement, and the leads'
    mentor hours against those asked for."""
    return _over_time(
        views,
        [
            "positions",
            "n_lead",
            "openings_growth",
            "openings_replacement",
            "mentor_hours_supplied",
            "mentor_hours_asked",
            "mentor_met",
            "outside_leads",
        ],
        "demand",
        "Lead positions, openings and mentor time over time",
        "the demand for leads and the leads' mentor time",
        start_year,
        "Openings are counted over the past twelve months. Leads supply mentor time; more leads mean "
        "more mentor hours, later.",
    )


UTILISATION_SERIES = {"reviewer_utilisation", "advisor_utilisation"}


def _over_time(
    views: list[dict], keys: list[str], name: str, title: str, what: str, start_year: float, note: str
) -> Chart | None:
    """Line charts of the monthly series ``keys`` (two to a row), one line per scenario."""
    usable = [(v, s) for v, s in zip(views, _styles(views)) if v.get("ts")]
    if not usable:
        return None
    keys = [k for k in keys if any(k in v["ts"]["series"] for v, _ in usable)]
    if not keys:
        return None
    ncol = 2
    nrow = math.ceil(len(keys) / ncol)
    fig = _figure(2.7 * nrow + 0.6)
    axes = np.atleast_1d(fig.subplots(nrow, ncol, squeeze=False, sharex=True)).ravel()
    alt_parts = []
    crowded = len(usable) > CROWDED
    for ax, key in zip(axes, keys):
        parts = []
        if crowded:  # the base, the others' envelope and the one that departs most: lines would overlap
            parts = _over_time_crowded(ax, usable, key)
        for v, s in [] if crowded else usable:
            ser = v["ts"]["series"].get(key)
            if not ser:
                continue
            x = np.asarray(v["ts"]["year"], float)
            y = np.asarray(ser["mean"], float)
            lo, hi = np.asarray(ser["low"], float), np.asarray(ser["high"], float)
            ax.fill_between(x, lo, hi, color=s["color"], alpha=0.13, lw=0)
            ax.plot(
                x,
                y,
                color=s["color"],
                ls=s["ls"],
                lw=1.5,
                marker=s["marker"],
                markevery=max(1, len(x) // 6),
                markersize=4,
                label=_t(v["name"]),
            )
            fmt = pct if key in PERCENT_SERIES else num
            parts.append(f"{v['name']} averages {fmt(np.nanmean(y))}")
        if key in PERCENT_SERIES:
            _pct_axis(ax, "y")
        if key in UTILISATION_SERIES:
            ax.axhline(0.9, color=NEUTRAL["rule"], lw=0.8, ls=(0, (1, 2)))
        ax.set_ylim(bottom=0)
        ax.set_title(_t(SHORT_SERIES.get(key, SERIES[key])), fontsize=10)
        alt_parts.append(f"{SERIES[key]}: " + ", ".join(parts))
    for ax in axes[len(keys) :]:
        ax.set_visible(False)
    # intervention markers: a vertical line and a label where each starts (and ends)
    marks = []
    for v, s in usable:
        for iv in v.get("interventions") or []:
            marks.append((iv["start"], f"{iv['name']} starts", s))
            if iv.get("end") is not None:
                marks.append((iv["end"], f"{iv['name']} ends", s))
    seen: list[tuple[float, str]] = []
    key_handles = []
    for year, label, st in sorted(marks, key=lambda m: (m[0], m[1])):
        if (year, label) in seen:
            continue
        seen.append((year, label))
        k = len(seen)
        for ax in axes[: len(keys)]:
            ax.axvline(year, color=st["color"], lw=1.1, ls=(0, (4, 2)))
            ax.annotate(
                str(k),
                (year, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(2, -2),
                textcoords="offset points",
                va="top",
                ha="left",
                fontsize=8.5,
                fontweight="bold",
                color=NEUTRAL["ink"],
                bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85},
            )
        key_handles.append(
            Line2D([], [], color=st["color"], ls=(0, (4, 2)), lw=1.1, label=_t(f"{k}: {label} (year {num(year)})"))
        )
        alt_parts.append(f"dashed line {k} at year {num(year)}: {label}")
    if key_handles:
        fig.legend(
            handles=key_handles,
            loc="outside lower center",
            ncols=1,
            fontsize=9,
            handlelength=2.5,
            title="Interventions",
            title_fontsize=9,
        )
    for ax in axes[max(0, len(keys) - ncol) : len(keys)]:
        ax.set_xlabel("Years from the start")
    if crowded:
        handles = [
            Line2D([], [], color=NEUTRAL["ink"], lw=2, label=_t(usable[0][0]["name"])),
            Patch(
                color=NEUTRAL["line"], alpha=0.3, label=_t(f"the other {len(usable) - 1} scenarios, lowest to highest")
            ),
            Line2D([], [], color=SCENARIO_STYLES[1]["color"], lw=1.8, label="the one furthest from it (named)"),
        ]
        fig.legend(handles=handles, loc="outside upper center", ncols=1, fontsize=9, handlelength=3)
    else:
        _fig_legend(fig, [(v["name"], s) for v, s in usable])
    alt = f"{len(keys)} line charts over time of {what}: " + "; ".join(alt_parts) + "."
    caption = (
        (f"Year 0 is {start_year:g}. " if start_year else "")
        + (
            f"With {len(usable)} scenarios, each panel draws {usable[0][0]['name']} (black, with its band spanning 95% of "
            "replications), the range of the other scenarios' monthly means (grey) and, named, the scenario whose line "
            "lies furthest from the base's on average. "
            if crowded
            else "Monthly means over replications with bands spanning 95% of replications. "
        )
        + note
        + (
            " Numbered dashed vertical lines mark where an intervention starts or ends (key below the charts)."
            if key_handles
            else " No intervention acts in this scenario."
        )
    )
    return _chart(name, title, fig, alt, caption)


def _over_time_crowded(ax, usable: list[tuple[dict, dict]], key: str) -> list[str]:
    """One panel of a crowded comparison over time: the base with its band, the envelope of
    the other scenarios' means, and the scenario furthest from the base (mean absolute gap)."""
    fmt = pct if key in PERCENT_SERIES else num
    series = [(v, v["ts"]["series"].get(key)) for v, _s in usable]
    (base, bser), others = series[0], [(v, ser) for v, ser in series[1:] if ser]
    parts = []
    if bser:
        x = np.asarray(base["ts"]["year"], float)
        y0 = np.asarray(bser["mean"], float)
        ax.fill_between(
            x, np.asarray(bser["low"], float), np.asarray(bser["high"], float), color=NEUTRAL["ink"], alpha=0.1, lw=0
        )
    if others:
        n = min(len(ser["mean"]) for _v, ser in others)
        xs = np.asarray(others[0][0]["ts"]["year"], float)[:n]
        ys = np.array([np.asarray(ser["mean"], float)[:n] for _v, ser in others])
        ax.fill_between(xs, np.nanmin(ys, axis=0), np.nanmax(ys, axis=0), color=NEUTRAL["line"], alpha=0.3, lw=0)
        parts.append(f"the other scenarios range from {fmt(np.nanmin(ys))} to {fmt(np.nanmax(ys))}")
        if bser:
            m = min(n, len(y0))
            gaps = [float(np.nanmean(np.abs(row[:m] - y0[:m]))) for row in ys]
            j = int(np.nanargmax(gaps)) if np.isfinite(gaps).any() else 0
            far, color = others[j][0], SCENARIO_STYLES[1]["color"]
            ax.plot(xs, ys[j], color=color, lw=1.8)
            ax.text(
                0.98,
                0.04,
                _t(far["name"]),
                transform=ax.transAxes,
                ha="right",
                va="bottom",
                fontsize=8.5,
                color=color,
                fontweight="bold",
                bbox={"boxstyle": "square,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
            )
            parts.append(f"furthest from the base: {far['name']}, averaging {fmt(np.nanmean(ys[j]))}")
    if bser:
        ax.plot(x, y0, color=NEUTRAL["ink"], lw=2)
        parts.insert(0, f"{base['name']} averages {fmt(np.nanmean(y0))}")
    return parts


# ---------------------------------------------------------------------------
# 7. arrival time against time to lead
# ---------------------------------------------------------------------------


def _arrival_key(v: dict) -> str:
    arr = get_path(v["scenario"], "timelines.arrival")
    return arr.describe() if hasattr(arr, "describe") else f"fixed {arr}"


def _arrival_cdf(v: dict, grid: np.ndarray) -> np.ndarray:
    arr = get_path(v["scenario"], "timelines.arrival")
    return np.asarray(arr.cdf(grid), float) if hasattr(arr, "cdf") else (grid >= float(arr)).astype(float)


def _arrival_panels(views: list[dict], xmax: float) -> Chart:
    """A crowded comparison's arrival chart: a panel per distinct arrival distribution, with the
    lead curves of the scenarios that share it as a band (lowest to highest) and the first of them
    as a line."""
    groups: dict[str, list[dict]] = {}
    for v in views:
        groups.setdefault(_arrival_key(v), []).append(v)
    k = len(groups)
    grid = np.linspace(0, xmax, 200)
    fig = _figure(3.6 if k <= 3 else 3.0 * math.ceil(k / 3))
    axes = np.atleast_1d(fig.subplots(math.ceil(k / 3), min(k, 3), squeeze=False, sharey=True)).ravel()
    alt_parts = []
    for ax, (key, members) in zip(axes, groups.items()):
        cdf = _arrival_cdf(members[0], grid)
        ax.plot(grid, cdf, color=NEUTRAL["line"], lw=3.2, solid_capstyle="butt")
        curves = [c for c in (_mixture_curve(v) for v in members) if c[0] is not None]
        if curves:
            n = min(len(x) for x, _y in curves)
            x = curves[0][0][:n]
            ys = np.array([y[:n] for _x, y in curves])
            if len(curves) > 1:
                ax.fill_between(x, ys.min(axis=0), ys.max(axis=0), color=SCENARIO_STYLES[1]["color"], alpha=0.3, lw=0)
            ax.plot(x, ys[0], color=SCENARIO_STYLES[1]["color"], lw=2)
            alt_parts.append(
                f"arrival {key} ({', '.join(v['name'] for v in members)}): AI has arrived by year 10 with chance "
                f"{pct(_at(grid, cdf, 10))}; {members[0]['name']} entrants who became a lead by year 10: "
                f"{pct(_at(x, ys[0], 10))}"
                + (
                    f", the others from {pct(float(np.min(ys[:, -1])))} to {pct(float(np.max(ys[:, -1])))} at the end"
                    if len(curves) > 1
                    else ""
                )
            )
        names = [v["name"] for v in members]
        ax.set_title(_t(names[0] if len(names) == 1 else f"{names[0]}\nand {len(names) - 1} more"), fontsize=9.5)
        ax.set_xlim(0, xmax)
        ax.set_ylim(-0.02, 1.02)
        _pct_axis(ax, "y")
    for ax in axes[k:]:
        ax.set_visible(False)
    fig.supxlabel("Years from the start", fontsize=10.5)
    handles = [
        Line2D([], [], color=NEUTRAL["line"], lw=3.2, label="AI has arrived (the panel's arrival distribution)"),
        Line2D(
            [],
            [],
            color=SCENARIO_STYLES[1]["color"],
            lw=2,
            label="entrants who became a lead: the panel's first scenario",
        ),
        Patch(
            color=SCENARIO_STYLES[1]["color"],
            alpha=0.3,
            label="the same for the panel's other scenarios, lowest to highest",
        ),
    ]
    fig.legend(handles=handles, loc="outside upper center", ncols=1, fontsize=9, handlelength=3)
    alt = (
        f"{k} line charts, one per arrival distribution of transformative AI, comparing the chance it has arrived with "
        "the share of entrants who became a lead: " + "; ".join(alt_parts) + "."
    )
    grouped = "; ".join(f"{', '.join(v['name'] for v in m)}" for m in groups.values() if len(m) > 1)
    caption = (
        f"With {len(views)} scenarios, one panel per distribution of the arrival of transformative AI (the thick grey line: "
        "the chance it has arrived by each year). In each, the scenarios that share it: the first as a line, the others "
        "as a band from the lowest to the highest cumulative share of entrants who became a lead"
        + (f" (sharing an arrival distribution: {grouped})" if grouped else "")
        + ". The further the lead curves lag behind the arrival curve, the fewer lead-years come before arrival."
    )
    return _chart("arrival", "Arrival of transformative AI against time to lead", fig, alt, caption)


@_with_rc
def arrival_vs_lead(views: list[dict], window: float) -> Chart | None:
    if not any(v.get("curves") is not None for v in views):
        return None
    if len(views) > CROWDED:
        xmax = max(
            [1.0]
            + [float(v["curves"]["years"].max()) for v in views if v.get("curves") is not None and len(v["curves"])]
        )
        return _arrival_panels(views, xmax)
    fig = _figure(3.9 + (0.16 * len(views) if len(views) > 2 else 0.0))  # room for the legend above the axes
    ax = fig.subplots()
    xmax = 0.0
    alt_parts = []
    for v in views:
        if v.get("curves") is not None and len(v["curves"]):
            xmax = max(xmax, float(v["curves"]["years"].max()))
    xmax = max(xmax, 1.0)
    grid = np.linspace(0, xmax, 200)
    drawn = []
    arrivals = []
    for v in views:
        arr = get_path(v["scenario"], "timelines.arrival")
        key = arr.describe() if hasattr(arr, "describe") else f"fixed {arr}"
        if key in drawn:
            continue
        drawn.append(key)
        if hasattr(arr, "cdf"):
            cdf = np.asarray(arr.cdf(grid), float)
        else:
            cdf = (grid >= float(arr)).astype(float)
        arrivals.append((v, key, cdf))
    for i, (v, key, cdf) in enumerate(arrivals):
        ls = ["-", "--", ":"][i % 3]
        ax.plot(grid, cdf, color=NEUTRAL["line"], lw=3.2, ls=ls, solid_capstyle="butt")
        lbl = "AI has arrived" + (f" ({v['name']})" if len(arrivals) > 1 else "")
        j = int(np.argmin(np.abs(cdf - 0.5))) if np.isfinite(cdf).any() else 0
        # to the right of the curve's middle and below it (the curve rises to the right), inside the axes
        ax.annotate(
            _t(lbl),
            (grid[j], cdf[j]),
            xytext=(8, -4),
            textcoords="offset points",
            ha="left",
            va="top",
            fontsize=9,
            fontweight="bold",
        )
        alt_parts.append(
            f"chance AI has arrived: {pct(_at(grid, cdf, 5))} by year 5, {pct(_at(grid, cdf, 10))} by year 10 ({key})"
        )
    ends: list = []
    if len(views) == 1:
        v = views[0]
        for tr, st in TRACK_STYLE.items():
            x, y, _lo, _hi = _curve(v["curves"], tr)
            if not len(x) or not np.isfinite(y).any():
                continue
            ax.plot(
                x,
                y,
                color=st["color"],
                ls=st["ls"],
                lw=2,
                marker=st["marker"],
                markevery=max(1, len(x) // 8),
                markersize=5,
            )
            last = np.flatnonzero(np.isfinite(y))[-1]
            ends.append((xmax * 1.012, y[last], f"{TRACK_SHORT[tr]}: became a lead", st["color"]))
            alt_parts.append(
                f"{TRACK_SHORT[tr]} entrants who became a lead: {pct(_at(x, y, 5))} by year 5, {pct(_at(x, y, 10))} by year 10"
            )
    else:
        for v, s in zip(views, _styles(views)):
            x, y = _mixture_curve(v)
            if x is None:
                continue
            ax.plot(
                x,
                y,
                color=s["color"],
                ls=s["ls"],
                lw=2,
                marker=s["marker"],
                markevery=max(1, len(x) // 8),
                markersize=5,
                label=_t(f"{v['name']}: entrants who became a lead"),
            )
            alt_parts.append(f"{v['name']} entrants who became a lead: {pct(_at(x, y, 10))} by year 10")
        _fig_legend(
            fig,
            [
                (v["name"] if len(views) > 2 else f"{v['name']}: entrants who became a lead", s)
                for v, s in zip(views, _styles(views))
            ],
        )
    for v in views[:1]:
        r = v["replications"]
        if "arrival_years" in r:
            a = np.asarray(r["arrival_years"], float)
            a = a[np.isfinite(a) & (a <= xmax)]
            ax.plot(
                a, np.full(len(a), -0.03), ls="none", marker="|", markersize=9, color=NEUTRAL["line"], clip_on=False
            )
    ax.set_xlim(0, xmax)
    ax.set_ylim(-0.05, 1.02)
    _end_labels(ax, ends, 8.5)
    _pct_axis(ax, "y")
    ax.set_xlabel("Years from the start (for an entrant starting now: years since entry)")
    ax.set_ylabel("Share")
    alt = (
        "Line chart comparing the chance that transformative AI has arrived with the share of entrants who became a lead, by "
        "years from the start: " + "; ".join(alt_parts) + "."
    )
    caption = (
        "The thick grey line is the scenario's distribution of the arrival of transformative AI (the chance it has arrived by "
        "each year); ticks along the bottom are the arrival years drawn in the replications. Coloured lines are the "
        "cumulative share of entrants who became a lead (as in the chart above): the further the lead curves lag behind "
        "the arrival curve, the fewer lead-years come before arrival."
    )
    return _chart("arrival", "Arrival of transformative AI against time to lead", fig, alt, caption)


def _mixture_curve(v):
    c = v.get("curves")
    g = v.get("groups")
    if c is None or not len(c):
        return None, None
    weights = {}
    for tr in TRACK_STYLE:
        if g is not None:
            sel = g[(g["kind"] == "track") & (g["group"] == tr)]
            weights[tr] = float(sel["n"].mean()) if len(sel) else 0.0
        else:
            weights[tr] = 1.0
    x = None
    acc = None
    tot = 0.0
    for tr, w in weights.items():
        xx, y, _lo, _hi = _curve(c, tr)
        if not len(xx) or w <= 0 or not np.isfinite(y).all():
            continue
        x = xx
        acc = y * w if acc is None else acc + y * w
        tot += w
    if acc is None:
        return None, None
    return x, acc / tot


# ---------------------------------------------------------------------------
# 8. which constraint binds
# ---------------------------------------------------------------------------


@_with_rc
def binding(views: list[dict]) -> Chart | None:
    resources = list(RESOURCE_LABEL)
    present = [
        r
        for r in resources
        if any(
            r in ((v["summary"].get("outcomes", {}).get("binding_constraint") or {}).get("utilisation") or {})
            for v in views
        )
    ]
    if not present:
        return None
    styles = _styles(views)
    cats = []
    for r in present:
        label = RESOURCE_LABEL[r]
        cats.append(label[0].upper() + label[1:])
    useries, eseries, parts = [], [], []
    for v, s in zip(views, styles):
        bc = v["summary"].get("outcomes", {}).get("binding_constraint") or {}
        u = [_iv((bc.get("utilisation") or {}).get(r)) for r in present]
        e = [_iv((bc.get("excess_demand") or {}).get(r)) for r in present]
        useries.append((v["name"], s, u))
        eseries.append((v["name"], s, e))
        parts.append(
            f"{v['name']}: "
            + ", ".join(
                f"{RESOURCE_LABEL[r]} {pct(x[0])} used, excess demand {num(y[0])}" for r, x, y in zip(present, u, e)
            )
        )
    fig = _figure(2.2 + 2 * 0.5 * len(present) * max(1, 0.6 * len(views)))
    axes = fig.subplots(2, 1)
    _dots(axes[0], cats, useries, pct, "Share of capacity in use (mean over the run)")
    _pct_axis(axes[0])
    axes[0].axvline(0.9, color=NEUTRAL["axis"], lw=1, ls=(0, (2, 2)))
    axes[0].annotate(
        "90%",
        (0.9, 0.0),
        xycoords=("data", "axes fraction"),
        xytext=(3, 3),
        textcoords="offset points",
        fontsize=9,
        color=NEUTRAL["text"],
    )
    axes[0].set_xlim(0, 1.18)
    axes[0].set_title("Utilisation")
    _dots(axes[1], cats, eseries, num, "Unmet demand per unit of capacity")
    axes[1].set_xlim(left=0)
    axes[1].set_title("Excess demand")
    _fig_legend(fig, [(v["name"], s) for v, s in zip(views, styles)], lines=False)
    alt = "Two dot charts of the utilisation and the excess demand of each scarce resource. " + "; ".join(parts) + "."
    caption = (
        "How congested each resource is. Unmet demand is measured per unit of capacity in each resource's own unit "
        "(applicants not admitted per advisor slot, applications queued per month of review capacity...), so levels "
        "compare only within a resource, never across: which resource binds is measured by its marginal value "
        "(above), not read from these."
    )
    return _chart("binding-chart", "How much of each resource is used", fig, alt, caption)


# ---------------------------------------------------------------------------
# 9. effects per group beside the total (comparisons)
# ---------------------------------------------------------------------------


@_with_rc
def group_effects(data: dict, order: Sequence[int] | None = None) -> Chart | None:
    """Who gains and who loses: one small panel per alternative (every one, in ``order``:
    the one adding the most leads first), the change in each group's lead chance against
    the base with its 95% interval, on one shared scale."""
    comps = data.get("comparisons") or []
    if not comps or not comps[0].get("groups"):
        return None
    order = list(range(len(comps))) if order is None else list(order)
    keys = [(g["kind"], g["group"]) for g in comps[0]["groups"] if g["kind"] != "existing"]
    label = {("all", "all"): "All entrants (total)"}
    for k, g in keys:
        if (k, g) not in label:
            label[(k, g)] = (
                f"{TRACK_SHORT[g]} track" if k == "track" and g in TRACK_SHORT else BACKGROUND_SHORT.get(g, str(g))
            )
    ncol = 1 if len(order) == 1 else 2
    nrow = math.ceil(len(order) / ncol)
    panel_h = 0.9 + 0.3 * len(keys)
    fig = _figure(panel_h * nrow + 0.5, w=WIDTH * (1.0 if ncol == 1 else 1.45))
    axes = np.atleast_1d(fig.subplots(nrow, ncol, squeeze=False, sharex=True)).ravel()
    parts = []
    lo_all, hi_all = [0.0], [0.0]
    for slot, i in enumerate(order):
        c = comps[i]
        style = SCENARIO_STYLES[(i + 1) % len(SCENARIO_STYLES)]
        by = {(g["kind"], g["group"]): g for g in c["groups"]}
        vals = [_iv(by.get(kg, {}).get("p_lead")) for kg in keys]
        for v, lo, hi in vals:
            lo_all += [x for x in (v, lo) if math.isfinite(x)]
            hi_all += [x for x in (v, hi) if math.isfinite(x)]
        ax = axes[slot]
        _dots(
            ax,
            [label[kg] if slot % ncol == 0 else "" for kg in keys],
            [(c["alternative"], style, vals)],
            points,
            "",
            zero=0.0,
            label_values=False,
        )
        ax.set_title(_t(c["alternative"]), fontsize=10, color=style["color"])
        for t in ax.get_yticklabels():
            if t.get_text().startswith("All entrants"):
                t.set_fontweight("bold")
        parts.append(
            f"{c['alternative']} minus {c['base']}: "
            + ", ".join(f"{label[kg]} {points(x[0])} ({points(x[1])} to {points(x[2])})" for kg, x in zip(keys, vals))
        )
    for ax in axes[len(order) :]:
        ax.set_visible(False)
    pad = 0.08 * (max(hi_all) - min(lo_all) or 0.01)
    for ax in axes[: len(order)]:
        ax.set_xlim(min(lo_all) - pad, max(hi_all) + pad)
        _points_axis(ax)
        ax.margins(x=0)
    fig.supxlabel("Change in the chance of a lead role within the window (percentage points)", fontsize=10)
    alt = (
        "Small multiples, one per scenario, of the paired change in each group's chance of a lead role against "
        f"{comps[0]['base']}, with 95% intervals. " + "; ".join(parts) + "."
    )
    caption = (
        "One panel per scenario against the base, on the same scale; dots are mean paired differences (same random "
        "numbers in each replication), bars their 95% intervals, the vertical line no change. A group that loses "
        "while the total gains has been displaced by others competing for the same openings. The tables below give "
        "lead-years too, and the existing field."
    )
    return _chart("group-effects-chart", "Who gains and who loses", fig, alt, caption)


# ---------------------------------------------------------------------------
# 10. the marginal value of each scarce resource
# ---------------------------------------------------------------------------


@_with_rc
def marginal_values(views: list[dict]) -> Chart | None:
    """The paired change in new leads and in safety-relevant lead-years when each resource alone
    is raised by the step (of the first scenario: a run, or a comparison's base)."""
    v = views[0]
    m = v["summary"].get("marginal_value") or {}
    rows = [r for r in m.get("resources") or [] if r.get("status") == "measured"]
    if not rows or not m.get("replications"):
        return None
    rows.sort(key=lambda r: -float(r["new_leads"]["value"]))
    step = f"{100 * float(m['step']):g}%"
    binding = m.get("binding")
    cats = [
        "\n".join(
            textwrap.wrap(r["label"][0].upper() + r["label"][1:] + (" (binds)" if r["key"] == binding else ""), 26)
        )
        for r in rows
    ]
    style = {"color": NEUTRAL["ink"], "marker": "o", "ls": "-"}
    fig = _figure(1.8 + 2 * 0.5 * len(rows), w=WIDTH * 1.15)
    axes = fig.subplots(2, 1)
    parts = []
    for ax, (suffix, xlabel, fmt) in zip(
        axes,
        (
            ("new_leads", f"New leads over the run per {step} more capacity", lambda x: num(x, True)),
            ("safety_lead_years", f"Safety-relevant lead-years before arrival per {step} more", lambda x: num(x, True)),
        ),
    ):
        vals = [_iv(r[suffix]) for r in rows]
        _dots(ax, cats, [(v["name"], style, vals)], fmt, xlabel, zero=0.0)
        for t in ax.get_yticklabels():
            if t.get_text().endswith("(binds)"):
                t.set_fontweight("bold")
        parts.append(
            f"{xlabel}: "
            + ", ".join(f"{r['label']} {fmt(x[0])} ({fmt(x[1])} to {fmt(x[2])})" for r, x in zip(rows, vals))
        )
    axes[0].set_title("New leads")
    axes[1].set_title("Safety-relevant lead-years")
    who = f" in {v['name']}" if len(views) > 1 else ""
    alt = (
        f"Two dot charts of the marginal value of each scarce resource{who}: the paired change when that capacity alone "
        f"is raised by {step}, with 95% intervals. " + "; ".join(parts) + "."
    )
    caption = (
        f"Each row reruns the same replications (same seed, same random numbers) with one capacity raised by {step} "
        f"and nothing else changed; dots are the mean change over {m['replications']} paired replications, bars the "
        "95% interval of the mean, the vertical line no change. The resource whose step adds the most leads binds. "
        "Resources this scenario does not have are left out."
    )
    return _chart("marginal-chart", "Marginal value of each scarce resource", fig, alt, caption)
