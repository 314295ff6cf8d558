"""The page of a calibration: the posterior, the targets against the model's predictions,
held-out coverage, what the model cannot reach together, and how the ABC ran."""

from __future__ import annotations

import base64
import io as _io
import math
from pathlib import Path
from typing import Any

from careersim.core.files import write_text
from careersim.reporting.palette import FIT_COLOR, NEUTRAL, STATUS
from careersim.reporting.templating import render


def _finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _fmt(x: Any, unit: str = "") -> str:
    if not _finite(x):
        return "n/a"
    x = float(x)
    if unit == "share":
        return f"{100 * x:.1f}%"
    return f"{x:.3g}"


def _interval(lo: Any, hi: Any, unit: str = "") -> str:
    return f"{_fmt(lo, unit)} to {_fmt(hi, unit)}" if _finite(lo) and _finite(hi) else "n/a"


def _figure(data: dict[str, Any]) -> str:
    """Left: each target's published value against the 95% predictive interval, in units of its sd.
    Right: tolerance by generation."""
    from matplotlib.figure import Figure  # lazy: keeps start-up fast

    rows = data["targets"]
    n = len(rows)
    fig = Figure(figsize=(10, 0.5 * n + 2.4))
    ax, bx = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    ax.axvspan(-1.96, 1.96, color=STATUS["good_band"], zorder=0, label="published value \u00b1 1.96 sd")
    ax.axvline(0, color=NEUTRAL["rule"], lw=0.8)
    for i, r in enumerate(rows):
        p, sd, v = r["predictive"], r["sd"], r["value"]
        if _finite(p.get("published_low")) and _finite(p.get("published_high")) and sd:
            lo, hi = (p["published_low"] - v) / sd, (p["published_high"] - v) / sd
            mid = (p["mean"] - v) / sd
            colour = (
                NEUTRAL["rule"]
                if r.get("needs")
                else FIT_COLOR["after"]
                if r["role"] == "fit"
                else STATUS["bad"]
                if r["inside"] is False
                else NEUTRAL["ink"]
            )
            ax.errorbar(
                [mid],
                [i],
                xerr=[[mid - lo], [hi - mid]],
                fmt="o" if r["role"] == "fit" else "s",
                color=colour,
                ms=5,
                capsize=3,
            )
        if _finite(r.get("prior_mean")) and sd:
            ax.plot(
                [(r["prior_mean"] - v) / sd],
                [i + 0.25],
                "x",
                color=FIT_COLOR["before"],
                ms=5,
                label="prior sample mean" if i == 0 else None,
            )
    ax.set_yticks(range(n))
    ax.set_yticklabels(
        [
            r["name"] + (" (not computable yet)" if r.get("needs") else " (held out)" if r["role"] == "holdout" else "")
            for r in rows
        ],
        fontsize=8,
    )
    ax.invert_yaxis()
    ax.set_xlabel("(model \u2212 published value) / sd of the published value")
    ax.set_title("Targets: 95% predictive interval under the posterior", fontsize=10)
    ax.legend(fontsize=7, loc="best")
    gens = data["generations"]
    ts = [g["t"] for g in gens if _finite(g["epsilon"])]
    eps = [g["epsilon"] for g in gens if _finite(g["epsilon"])]
    if ts:
        bx.plot(ts, eps, "o-", color=FIT_COLOR["after"], label="tolerance")
    bx.axhline(data["tolerance"]["target"], color=NEUTRAL["rule"], ls="--", lw=1, label="target tolerance")
    bx.set_xlabel("generation")
    bx.set_ylabel("tolerance (distance)")
    bx.set_title("Tolerance by generation (generation 0: the prior)", fontsize=10)
    bx.legend(fontsize=7)
    fig.tight_layout()
    buf = _io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")


def report_html(data: dict[str, Any], base_name: str) -> str:
    """A self-contained page from :func:`careersim.experiments.calibrate.fit_json` data (jinja2, autoescaped)."""
    targets = []
    for r in data["targets"]:
        u = r["unit"]
        value = (
            f"{_fmt(r['value'], u)} ({_fmt(r['range'][0], u)} to {_fmt(r['range'][1], u)})"
            if r["range"]
            else f"{_fmt(r['value'], u)} \u00b1 {_fmt(r['sd'], u)}"
        )
        p = r["predictive"]
        verdict = (
            ("not scored" if r.get("needs") else "n/a")
            if r["inside"] is None
            else ("inside" if r["inside"] else "outside")
        )
        targets.append(
            {
                **r,
                "value_text": value,
                "prior_text": _fmt(r.get("prior_mean"), u),
                "posterior_text": _fmt(r.get("model_posterior_mean"), u),
                "model_text": _interval(p.get("low"), p.get("high"), u),
                "published_interval_text": _interval(p.get("published_low"), p.get("published_high"), u),
                "verdict": verdict,
                "verdict_class": {"inside": "good", "outside": "bad"}.get(verdict, ""),
                "options_text": ", ".join(f"{k}={v}" for k, v in r["options"].items()),
            }
        )
    params = []
    for p in data["parameters"]:
        params.append(
            {
                **p,
                "base_text": _fmt(p["base"]) if _finite(p["base"]) else str(p["base"]),
                "median_text": _fmt(p["median"]),
                "interval_text": _interval(p["low"], p["high"]),
            }
        )
    gens = [
        {
            **g,
            "epsilon_text": "\u221e (all accepted)" if not _finite(g["epsilon"]) else f"{g['epsilon']:.3g}",
            "rate_text": f"{100 * g['acceptance_rate']:.1f}%" if _finite(g["acceptance_rate"]) else "n/a",
            "ess_text": f"{g['ess']:.0f}" if _finite(g["ess"]) else "n/a",
            "seconds_text": f"{g['seconds']:.0f}",
        }
        for g in data["generations"]
    ]
    by_name = {t["name"]: t for t in targets}
    unreached = [{"name": n, "if_missed": by_name[n]["if_missed"]} for n in data["unreached"] if n in by_name]
    conf = data["conflicts"]
    pairs = [c for c in conf["pairs"] if c["conflict"]]
    out_of_reach = [{"name": n, "if_missed": by_name[n]["if_missed"]} for n in conf["out_of_reach"] if n in by_name]
    prov = data["provenance"]
    tol = data["tolerance"]
    return render(
        "calibration.html",
        generator="careersim calibrate",
        title=f"Calibration: {base_name}",
        base_name=base_name,
        n_fit=sum(1 for r in data["targets"] if r["role"] == "fit" and r["weight"] > 0 and not r.get("needs")),
        n_holdout=sum(1 for r in data["targets"] if r["role"] == "holdout" and not r.get("needs")),
        needs=[r for r in targets if r.get("needs")],
        param_list=", ".join(p["path"] for p in data["parameters"]),
        tol=tol,
        params=params,
        targets=targets,
        holdout=data["holdout"],
        unreached=unreached,
        pairs=pairs,
        out_of_reach=out_of_reach,
        conflicts=conf,
        alone=[{"name": k, "share": _fmt(v, "share")} for k, v in conf["alone"].items()],
        all_together=_fmt(conf.get("all_together"), "share"),
        generations=gens,
        prov=prov,
        minutes=f"{(prov.get('abc_seconds') or prov.get('wall_seconds') or 0) / 60:.1f}",
        png=_figure(data),
        posterior=data["posterior"],
    )


def write_report(data: dict[str, Any], base_name: str, out_dir) -> None:
    """Write ``report.html`` of the calibration in ``fit.json``'s ``data`` into ``out_dir``."""
    write_text(Path(out_dir) / "report.html", report_html(data, base_name))
