"""The sweep report: one self-contained HTML page (inline PNG charts, no scripts).

For each outcome: how much of its variation is the parameters and how much
chance (and so whether indices are shown at all, or "chance dominates"), a
tornado chart and table of the sensitivity indices with warnings on
estimates that cannot be right and the convergence verdict, for thresholded
outcomes the regions (a tree, in words) and PRIM boxes with their peeling
trajectory, for sweeps with levers and uncertainties the regret and
satisficing of each lever setting, the response of the outcome to each
factor (mean and 95% interval of the runs at each value) and a heatmap over
the two most influential factors. Then the factors, the failed runs (with
the command that replays each) and the provenance. Text from the sweep file
is autoescaped by Jinja2. :func:`analysis_lines` is the same analysis for a
terminal.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from careersim.core.files import write_json, write_text
from careersim.experiments.sweep import analyze_folders
from careersim.experiments.sweep.sensitivity import factor_matrix, outcome_values
from careersim.reporting.palette import MARK, NEUTRAL, ROLE_COLOR
from careersim.reporting.templating import render

__all__ = ["GENERATOR", "render_report", "write_analysis", "analysis_lines"]

#: the meta generator of a sweep report: a page with it is one an analysis may replace
GENERATOR = "careersim sweep"

MAX_FACTORS_SHOWN = 6


def _png(fig: Figure) -> str:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _fig(w: float, h: float) -> Figure:
    return Figure(figsize=(w, h), layout="constrained")


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(True, color=NEUTRAL["grid"], linewidth=0.7)
    ax.set_axisbelow(True)


def _importance(entry: dict) -> list[tuple[int, float]]:
    """(factor index, importance) sorted from the most to the least important."""
    out = []
    for i, row in enumerate(entry["indices"]):
        v = row.get("ST", row.get("mu_star", row.get("S1")))
        if v is None and row.get("S1") is not None:
            v = row["S1"]
        out.append((i, v if v is not None else -1.0))
    return sorted(out, key=lambda t: -t[1])


def tornado(entry: dict, title: str) -> str | None:
    rows = entry["indices"]
    method = entry["method"]
    if method == "sobol":
        keys = [("ST", "total (ST)"), ("S1", "first order (S1)")]
    elif method == "morris":
        keys = [("mu_star", "mu* (mean absolute effect)")]
    else:
        keys = [("S1", "first order (S1, given data)")]
    order = [i for i, _ in _importance(entry)][::-1]
    if not any(rows[i].get(keys[0][0]) is not None for i in order):
        return None
    fig = _fig(6.2, 0.45 * len(rows) + 1.3)
    ax = fig.add_subplot()
    height = 0.8 / len(keys)
    for k, (key, label) in enumerate(keys):
        vals = [rows[i].get(key) or 0.0 for i in order]
        errs = [rows[i].get(f"{key}_conf") or 0.0 for i in order]
        y = np.arange(len(order)) + (k - (len(keys) - 1) / 2) * height
        colors = [ROLE_COLOR[rows[i]["role"]] for i in order]
        ax.barh(
            y,
            vals,
            height=height * 0.9,
            xerr=errs,
            color=colors,
            alpha=1.0 if k == 0 else 0.55,
            hatch=None if k == 0 else "//",
            edgecolor="white",
            error_kw={"elinewidth": 0.8, "ecolor": NEUTRAL["text"]},
            label=label,
        )
    ax.set_yticks(np.arange(len(order)), [f"{rows[i]['label']} ({rows[i]['role']})" for i in order])
    ax.set_xlabel("mu* (outcome units per factor range)" if method == "morris" else "share of output variance")
    ax.set_title(title, loc="left", fontsize=10.5, fontweight="bold")
    if len(keys) > 1:
        ax.legend(frameon=False, fontsize=8.5, loc="lower right")
    _style(ax)
    return _png(fig)


def _binned(x: np.ndarray, y: np.ndarray, max_levels: int = 12, n_bins: int = 8) -> pd.DataFrame:
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(y) == 0:
        return pd.DataFrame(columns=["x", "mean", "low", "high", "n"])
    uniq = np.unique(x)
    if len(uniq) <= max_levels:
        labels = x
    else:
        edges = np.quantile(x, np.linspace(0, 1, n_bins + 1))
        b = np.clip(np.searchsorted(edges[1:-1], x, side="right"), 0, n_bins - 1)
        centers = pd.Series(x).groupby(b).mean()
        labels = centers.loc[b].to_numpy()
    df = pd.DataFrame({"x": labels, "y": y}).groupby("x")["y"].agg(["mean", "std", "count"]).reset_index()
    half = 1.96 * df["std"].fillna(0) / np.sqrt(df["count"])
    return pd.DataFrame(
        {"x": df["x"], "mean": df["mean"], "low": df["mean"] - half, "high": df["mean"] + half, "n": df["count"]}
    )


def response_curves(x: np.ndarray, y: np.ndarray, factors: list[dict], order: list[int], name: str) -> str | None:
    shown = order[:MAX_FACTORS_SHOWN]
    if not shown or not np.isfinite(y).any():
        return None
    cols = min(3, len(shown))
    rows = math.ceil(len(shown) / cols)
    fig = _fig(3.0 * cols, 2.4 * rows)
    for k, j in enumerate(shown):
        ax = fig.add_subplot(rows, cols, k + 1)
        f = factors[j]
        d = _binned(x[:, j], y)
        ax.fill_between(
            d["x"], d["low"], d["high"], color=ROLE_COLOR[f.get("role", "uncertainty")], alpha=0.18, linewidth=0
        )
        ax.plot(d["x"], d["mean"], marker="o", markersize=3.5, color=ROLE_COLOR[f.get("role", "uncertainty")])
        if f.get("kind") == "categorical" and f.get("levels"):
            ax.set_xticks(range(len(f["levels"])), [str(v) for v in f["levels"]], fontsize=8)
        unit = f" ({f['unit']})" if f.get("unit") else ""
        ax.set_xlabel(f"{f.get('label', f['path'])}{unit}", fontsize=8.5)
        if k % cols == 0:
            ax.set_ylabel(name if len(name) < 28 else name[:25] + "...", fontsize=8.5)
        ax.tick_params(labelsize=8)
        _style(ax)
    return _png(fig)


def heatmap(x: np.ndarray, y: np.ndarray, factors: list[dict], order: list[int], name: str) -> str | None:
    if len(order) < 2 or not np.isfinite(y).any():
        return None
    a, b = sorted(order[:2])
    ok = np.isfinite(y) & np.isfinite(x[:, a]) & np.isfinite(x[:, b])
    xa, xb, yy = x[ok, a], x[ok, b], y[ok]

    def bins(v):
        uniq = np.unique(v)
        if len(uniq) <= 12:
            return np.searchsorted(uniq, v), uniq
        edges = np.quantile(v, np.linspace(0, 1, 9))
        lab = np.clip(np.searchsorted(edges[1:-1], v, side="right"), 0, 7)
        return lab, (edges[:-1] + edges[1:]) / 2

    la, ca = bins(xa)
    lb, cb = bins(xb)
    grid = np.full((len(cb), len(ca)), np.nan)
    df = pd.DataFrame({"a": la, "b": lb, "y": yy}).groupby(["b", "a"])["y"].mean()
    for (ib, ia), v in df.items():
        grid[ib, ia] = v
    fig = _fig(5.4, 4.0)
    ax = fig.add_subplot()
    im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
    fig.colorbar(im, ax=ax, label=name if len(name) < 40 else name[:37] + "...")

    def ticks(f, centers):
        if f.get("kind") == "categorical" and f.get("levels"):
            return [str(f["levels"][int(round(c))]) for c in centers]
        return [f"{c:.3g}" for c in centers]

    ax.set_xticks(range(len(ca)), ticks(factors[a], ca), fontsize=8, rotation=30)
    ax.set_yticks(range(len(cb)), ticks(factors[b], cb), fontsize=8)
    ax.set_xlabel(factors[a].get("label", factors[a]["path"]))
    ax.set_ylabel(factors[b].get("label", factors[b]["path"]))
    if grid.size <= 64:
        for (ib, ia), v in np.ndenumerate(grid):
            if math.isfinite(v):
                ax.text(
                    ia,
                    ib,
                    f"{v:.2g}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if v < np.nanmean(grid) else "black",
                )
    ax.set_title(f"Mean {name}" if len(name) < 50 else "Mean outcome", loc="left", fontsize=10.5, fontweight="bold")
    return _png(fig)


def _num(v: Any, digits: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, float) and not math.isfinite(v):
        return "–"
    if isinstance(v, float) and abs(v) < 1e-12:  # rounding error around 0 (e.g. 3e-30)
        return "0"
    if isinstance(v, (int, np.integer)):
        return f"{v:,}"
    return f"{v:.{digits}g}"


def _pct(v: Any) -> str:
    return "–" if v is None else f"{100 * v:.0f}%"


def _variance_text(v: dict) -> str:
    """Where an outcome's variation comes from, in words."""
    share = v.get("parameter_share")
    if share is None or v.get("points", 0) < 2:
        return "Too few points or replications to split the variation between parameters and chance."
    r = v.get("replications_per_point", 0)
    if v.get("method") == "two-way":
        text = (
            f"Of the variance of a single run, about {_pct(share)} comes from the parameters, "
            f"{_pct(v.get('shared_chance_share'))} from chance shared by every point (a replication's own "
            f"draws, such as when transformative AI arrives: with common seeding every point uses the same "
            f"ones, so this part cancels out between points) and {_pct(v.get('point_chance_share'))} from "
            f"chance particular to a point."
        )
    else:
        text = (
            f"Of the variance of a single run, about {_pct(share)} comes from the parameters and "
            f"{_pct(v.get('chance_share'))} from chance (differences between replications of the same point)."
        )
    return text + (
        f" Variance of the point means {_num(v.get('between_point_variance'))} over {v['points']} points "
        f"with about {r:.1f} replications each; chance left in a point mean "
        f"{_num((v.get('point_chance_variance') or 0) / r if r else None)}."
    )


METHOD_TEXT = {
    "sobol": "Sobol' indices from the Saltelli design (SALib), with 95% bootstrap intervals, of the mean outcome per "
    "point (chance left in the point means is measured above); S1 is the share of variance a factor "
    "explains alone, ST the share it takes part in, interactions included",
    "morris": "Morris elementary effects (SALib): mu* is the mean absolute change of the outcome when a factor moves "
    "across its range, sigma shows interactions or curvature",
    "given-data": "given-data estimates on the completed points: S1 is the correlation ratio (the share of the "
    "variance of point means, i.e. of the mean outcome over replications, explained by a factor alone, "
    "95% bootstrap interval; the chance left in the point means is measured above); PAWN is the median "
    "Kolmogorov-Smirnov distance between conditional and overall outcome distributions",
}
COLUMNS = {
    "sobol": [("S1", "S1"), ("S1_conf", "± S1"), ("ST", "ST"), ("ST_conf", "± ST")],
    "morris": [("mu_star", "mu*"), ("mu_star_conf", "± mu*"), ("mu", "mu"), ("sigma", "sigma")],
    "given-data": [("S1", "S1"), ("S1_conf", "± S1"), ("PAWN_median", "PAWN median"), ("PAWN_max", "PAWN max")],
}


def _design_text(design: dict) -> str:
    kind = design.get("kind")
    if kind == "grid":
        return "a full grid"
    if kind == "saltelli":
        return f"a Saltelli (Sobol') design with N = {design.get('points')}"
    if kind == "morris":
        return f"a Morris design with {design.get('trajectories')} trajectories on {design.get('levels')} levels"
    return {"random": "random points", "lhs": "a Latin hypercube", "sobol": "a Sobol' sequence"}.get(kind, str(kind))


def _factor_values(f: dict) -> str:
    if f.get("levels") is not None:
        return ", ".join(str(v) for v in f["levels"])
    if f.get("distribution"):
        return f["distribution"]
    lo, hi = f.get("range") or (None, None)
    return f"{_num(lo)} to {_num(hi)}" + (" (log scale)" if f.get("scale") == "log" else "")


def _findings(analysis: dict, names: dict) -> list[str]:
    out = []
    for expr, e in analysis["outcomes"].items():
        name = names.get(expr, expr)
        verdict = e.get("attribution", {}).get("verdict")
        order = _importance(e) if e["indices"] else []
        if verdict in ("chance dominates", "too uncertain"):
            out.append(f"{name}: {verdict}; no sensitivity index is given.")
        elif order and order[0][1] is not None and order[0][1] > 0:
            top = e["indices"][order[0][0]]
            conv = e.get("convergence", {}).get("verdict")
            out.append(
                f"{name}: driven most by {top['label']} ({top['role']})"
                + (f"; indices {conv}." if conv and conv != "not checked" else ".")
            )
        if e.get("nonfinite_note"):
            out.append(f"{name}: {e['nonfinite_note']}")
        prim = e.get("prim") or {}
        if prim.get("boxes"):
            out.append(f"{name}: {prim['boxes'][0]['text']}")
        elif e.get("regions") and e["regions"].get("text"):
            out.append(f"{name}: {e['regions']['text']}")
        robust = e.get("robustness") or {}
        if robust.get("settings"):
            out.append(f"{name}: {robust['text']}")
    return out


def prim_chart(prim: dict, name: str) -> str | None:
    """The peeling trajectory of the first PRIM box: coverage against density, the chosen box marked."""
    traj = prim.get("trajectory") or []
    if len(traj) < 2 or not prim.get("boxes"):
        return None
    fig = _fig(5.4, 3.6)
    ax = fig.add_subplot()
    cov = [t["coverage"] for t in traj]
    den = [t["density"] for t in traj]
    sc = ax.scatter(cov, den, c=[t["restricted"] for t in traj], cmap="viridis", s=18, zorder=3)
    ax.plot(cov, den, color=NEUTRAL["link"], linewidth=0.8, zorder=2)
    i = prim["boxes"][0]["trajectory_index"]
    ax.scatter(
        [cov[i]], [den[i]], s=120, facecolors="none", edgecolors=MARK, linewidths=2, zorder=4, label="chosen box"
    )
    fig.colorbar(sc, ax=ax, label="factors restricted")
    ax.set_xlabel("coverage (share of the cases of interest inside the box)")
    ax.set_ylabel("density (share of the box's runs\nthat are of interest)")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(0, 1.02)
    ax.legend(frameon=False, fontsize=8.5, loc="lower left")
    ax.set_title(
        f"PRIM peeling trajectory: {name}" if len(name) < 25 else "PRIM peeling trajectory",
        loc="left",
        fontsize=10.5,
        fontweight="bold",
    )
    _style(ax)
    return _png(fig)


def _index_rows(e: dict, order: list[int], present: list[tuple[str, str]]) -> list[dict]:
    rows = []
    for i in order:
        r = e["indices"][i]
        flags = set(r.get("flags") or [])
        cells = []
        for k, _ in present:
            base = k.removesuffix("_conf")
            flagged = (
                f"{k}<0" in flags
                or (k == "S1" and "S1>ST" in flags)
                or (k.endswith("_conf") and f"{base} interval" in flags)
            )
            cells.append({"text": _num(r.get(k)), "flag": flagged})
        rows.append({"label": r["label"], "role": r["role"], "cells": cells})
    return rows


def _robust_rows(robust: dict) -> list[dict]:
    rows = []
    for st in robust.get("settings") or []:
        rows.append(
            {
                "label": st["label"],
                "mean": _num(st["mean"]),
                "worst": _num(st["worst"]),
                "max_regret": _num(st["max_regret"]),
                "mean_regret": _num(st["mean_regret"]),
                "best_at": st["best_at"],
                "satisficing": _pct(st.get("satisficing")) if "satisficing" in st else None,
            }
        )
    return rows


def render_report(analysis: dict, table: pd.DataFrame, manifest: dict, folder: str) -> str:
    """The report's HTML."""
    factors = manifest["factors"]
    names = manifest.get("outcome_names") or {}
    x = factor_matrix(table, factors) if len(table) else np.zeros((0, len(factors)))
    outcomes = []
    for expr, e in analysis["outcomes"].items():
        name = names.get(expr, expr)
        y = outcome_values(table, expr) if len(table) else np.zeros(0)
        order = [i for i, _ in _importance(e)] if e["indices"] else list(range(len(factors)))
        item = {
            "name": name,
            "expression": expr,
            "anchor": f"outcome-{len(outcomes) + 1}",
            "mean": _num(e.get("mean")),
            "sd": _num(e.get("sd")),
            "runs": e.get("runs", 0),
            "nonfinite": e.get("nonfinite_note"),
            "attribution": e.get("attribution", {}),
            "variance_text": _variance_text(e["variance"]),
            "method_text": METHOD_TEXT.get(e["method"]) if e["method"] else None,
            "note": e.get("note"),
            "warnings": e.get("warnings") or [],
            "convergence": e.get("convergence") or {},
            "regions": e.get("regions"),
            "prim": e.get("prim"),
            "robustness": e.get("robustness"),
            "curves": response_curves(x, y, factors, order, name) if len(y) else None,
            "heatmap": heatmap(x, y, factors, order, name) if len(y) else None,
            "rows": None,
            "columns": [],
            "alt": "",
            "tornado": None,
            "prim_chart": None,
            "robust_rows": None,
        }
        if e["indices"]:
            cols = COLUMNS[e["method"]]
            present = [(k, label) for k, label in cols if any(r.get(k) is not None for r in e["indices"])] or cols[:1]
            rows = _index_rows(e, order, present)
            item.update(
                columns=[label for _, label in present],
                rows=rows,
                alt="; ".join(f"{r['label']} {r['cells'][0]['text']}" for r in rows),
                tornado=tornado(e, f"Sensitivity of {name}" if len(name) < 30 else "Sensitivity"),
            )
        if item["prim"]:
            item["prim_chart"] = prim_chart(item["prim"], name)
        if item["robustness"]:
            item["robust_rows"] = _robust_rows(item["robustness"])
        outcomes.append(item)
    failed = table[table["error"].notna()] if len(table) and "error" in table else table.iloc[0:0]
    failures = [
        {
            "point": int(r.point),
            "replication": int(r.replication),
            "key": r.key,
            "error": str(r.error).strip().splitlines()[-1][:300],
        }
        for r in failed.head(20).itertuples()
    ]
    prov = manifest.get("provenance", {})
    provenance = [
        ("sweep", manifest.get("name")),
        ("sweep file", manifest.get("sweep_file")),
        ("base scenario", manifest.get("base")),
        ("base scenario SHA-256", manifest.get("base_sha256")),
        ("design", str(manifest.get("design"))),
        ("root seed", manifest.get("seed")),
        ("seeding", manifest.get("seeding")),
        ("sweep identity", manifest.get("identity")),
        *[(k.replace("_", " "), v) for k, v in prov.items()],
    ]
    name = manifest.get("name", "sweep")
    rules = analysis.get("rules") or {}
    return render(
        "sweep.html",
        generator=GENERATOR,
        title=f"Sweep: {name}",
        name=name,
        description=manifest.get("description", ""),
        runs=analysis["runs"],
        points=manifest.get("points"),
        replications=manifest.get("replications"),
        design_text=_design_text(manifest.get("design", {})),
        base=manifest.get("base", ""),
        findings=_findings(analysis, names),
        outcomes=outcomes,
        outcome_links=[(o["anchor"], o["name"]) for o in outcomes],
        factors=[{**f, "spread": _factor_values(f), "unit": f.get("unit") or ""} for f in factors],
        fixed=manifest.get("fixed") or {},
        failures=failures,
        more_failures=max(0, len(failed) - len(failures)),
        folder=folder,
        provenance=provenance,
        rules=rules,
        library_warnings=analysis.get("library_warnings") or [],
    )


def _g(v: Any) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    if isinstance(v, float) and abs(v) < 1e-12:  # rounding error around 0
        return "0"
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e12:
        return str(int(v))
    return f"{v:.3g}"


def analysis_lines(analysis: dict) -> list[str]:
    """The analysis for a terminal: per outcome, its mean, whether chance dominates or the indices
    (with their warnings and convergence verdict), PRIM's first box and the most robust lever setting."""
    runs = analysis["runs"]
    lines = [f"{runs['completed']} of {runs['expected']} runs ({runs['failed']} failed)."]
    names = analysis.get("outcome_names") or {}
    for expr, e in analysis["outcomes"].items():
        method = f" ({e['method']})" if e.get("method") else ""
        lines += ["", f"{names.get(expr, expr)}: mean {_g(e.get('mean'))} over {e.get('runs')} runs{method}"]
        if e.get("nonfinite_note"):
            lines.append(f"  {e['nonfinite_note']}")
        att = e.get("attribution") or {}
        if not att.get("show", True) or att.get("verdict") == "unknown":
            lines.append(f"  {att.get('text', '')}")
        if e["indices"]:
            key = {"sobol": "ST", "morris": "mu_star"}.get(e["method"], "S1")
            ranked = sorted(e["indices"], key=lambda r: -(r.get(key) if r.get(key) is not None else -1))
            for r in ranked:
                extra = f"  S1 {_g(r.get('S1'))}" if key == "ST" else ""
                flag = "  !" + ",".join(r["flags"]) if r.get("flags") else ""
                lines.append(
                    f"  {r['label']:<40} {key} {_g(r.get(key))} ± {_g(r.get(key + '_conf'))}{extra}  [{r['role']}]{flag}"
                )
            for w in e.get("warnings") or []:
                lines.append(f"  warning: {w}")
            lines.append(f"  convergence: {e['convergence']['text']}")
        v = e.get("variance", {})
        if v.get("parameter_share") is not None:
            rho = v.get("means_parameter_share")
            lines.append(
                f"  variation of a run: {v['parameter_share']:.0%} parameters, {v['chance_share']:.0%} chance"
                + (f"; of the point means: {rho:.0%} parameters" if rho is not None else "")
            )
        prim = e.get("prim") or {}
        if prim.get("boxes"):
            lines.append(f"  PRIM: {prim['boxes'][0]['text']}")
        elif e.get("regions"):
            lines.append(f"  {e['regions']['text']}")
            for rule in e["regions"]["rules"]:
                lines.append(f"    - {rule['text']}")
        robust = e.get("robustness") or {}
        if robust.get("text"):
            lines.append(f"  robustness: {robust['text']}")
    return lines


def write_analysis(folders: Sequence[str | Path], report: str | Path | None = None) -> tuple[Path, Path, dict]:
    """Analyse and write ``analysis.json`` and the HTML report; returns (json path, report path, analysis).

    By default both go into the first folder; with ``report`` the HTML goes
    there and ``analysis.json`` beside it.
    """
    analysis, table, manifest = analyze_folders(folders)
    report_path = Path(report) if report is not None else Path(folders[0]) / "report.html"
    json_path = write_json(report_path.with_name("analysis.json"), analysis, indent=2)
    write_text(report_path, render_report(analysis, table, manifest, str(folders[0])))
    return json_path, report_path, analysis
