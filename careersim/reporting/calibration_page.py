"""The page of a calibration: targets against the fitted model, and the fitted values."""

from __future__ import annotations

import base64
import io as _io
import math
from pathlib import Path
from typing import Any

import numpy as np

from careersim.core.files import write_text
from careersim.reporting.palette import FIT_COLOR, NEUTRAL, STATUS
from careersim.reporting.templating import render


def _fmt(x: Any, unit: str = "") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    x = float(x)
    if unit == "share":
        return f"{100 * x:.1f}%"
    return f"{x:.3g}"


def _figure(data: dict[str, Any]) -> str:
    from matplotlib.figure import Figure  # lazy: keeps start-up fast

    rows = data["targets"]
    n = len(rows)
    fig = Figure(figsize=(10, 0.5 * n + 2.2))
    ax, bx = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    ax.axvspan(-1.96, 1.96, color=STATUS["good_band"], zorder=0, label="within 1.96 sd")
    ax.axvline(0, color=NEUTRAL["rule"], lw=0.8)
    for i, r in enumerate(rows):
        for key, off, colour, label in (("before", 0.15, FIT_COLOR["before"], "before"),
                                        ("after", -0.15, FIT_COLOR["after"], "after")):
            iv = r[key]
            if not iv or iv["mean"] is None:
                continue
            lo = (iv["mean_low"] - r["value"]) / r["sd"] if iv["mean_low"] is not None else None
            hi = (iv["mean_high"] - r["value"]) / r["sd"] if iv["mean_high"] is not None else None
            z = (iv["mean"] - r["value"]) / r["sd"]
            err = [[z - lo], [hi - z]] if lo is not None and hi is not None else None
            ax.errorbar([z], [i + off], xerr=err, fmt="o", color=colour, ms=5, capsize=2, label=label if i == 0 else None)
    ax.set_yticks(range(n))
    ax.set_yticklabels([r["name"] + (" (report only)" if r["weight"] == 0 else "") for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("(model - published) / sd")
    ax.set_title("Targets: standardised error", fontsize=10)
    ax.legend(fontsize=7, loc="best")
    hist = data["history"]
    ev = [h["evaluation"] for h in hist]
    bx.plot(ev, [max(h["loss"] or np.nan, 1e-3) if h["loss"] is not None else np.nan for h in hist], ".",
            color=NEUTRAL["link"], label="candidate")
    bx.plot(ev, [max(h["best_loss"], 1e-3) if h["best_loss"] is not None else np.nan for h in hist], "-",
            color=FIT_COLOR["after"], label="best so far")
    bx.set_yscale("log")
    bx.set_xlabel("evaluation")
    bx.set_ylabel("loss")
    bx.set_title("Loss over the search", fontsize=10)
    bx.legend(fontsize=7)
    fig.tight_layout()
    buf = _io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")


def report_html(data: dict[str, Any], base_name: str) -> str:
    """A self-contained page from :func:`fit_json` data (jinja2, autoescaped)."""

    def cell(iv: dict | None, unit: str) -> str:
        if not iv or iv.get("mean") is None:
            return "n/a"
        return f"{_fmt(iv['mean'], unit)} [{_fmt(iv['mean_low'], unit)}, {_fmt(iv['mean_high'], unit)}]"

    targets = []
    for r in data["targets"]:
        u = r["unit"]
        value = (f"{_fmt(r['value'], u)} ({_fmt(r['range'][0], u)} to {_fmt(r['range'][1], u)})" if r["range"]
                 else f"{_fmt(r['value'], u)} ± {_fmt(r['sd'], u)}")
        z = r["z_after"]
        targets.append({**r, "value_text": value, "before_text": cell(r["before"], u), "after_text": cell(r["after"], u),
                        "z_text": "n/a" if z is None else f"{z:+.2f}", "z_class": "" if z is None else ("good" if abs(z) < 2 else "bad"),
                        "options_text": ", ".join(f"{k}={v}" for k, v in r["options"].items())})
    params = []
    for p in data["parameters"]:
        lo, hi = p["interval_95"]
        params.append({**p, "before_text": _fmt(p["before"]) if isinstance(p["before"], (int, float)) else str(p["before"]),
                       "fitted_text": _fmt(p["fitted"]), "interval_text": f"{_fmt(lo)} to {_fmt(hi)}", "sd_text": _fmt(p["sd"]),
                       "bounds_text": f"{_fmt(p['bounds'][0])} to {_fmt(p['bounds'][1])}"})
    prov = data["provenance"]
    return render(
        "calibration.html", generator="careersim calibrate", title=f"Calibration: {base_name}", base_name=base_name, n_fit=sum(1 for r in data["targets"] if r["weight"] > 0),
        param_list=", ".join(p["path"] for p in data["parameters"]), loss_before=data["loss_before"] if data["loss_before"] is not None else math.inf,
        loss_after=data["loss_after"] if data["loss_after"] is not None else math.inf, evaluations=prov["evaluations"],
        replications=prov["replications"], seed=prov["seed"], method=prov["method"], params=params, targets=targets,
        png=_figure(data), version=prov["careersim_version"], date=prov["date_utc"],
        base_hash=prov["base_scenario_sha256"], fitted_hash=prov["fitted_scenario_sha256"],
    )


def write_report(data: dict[str, Any], base_name: str, out_dir) -> None:
    """Write ``report.html`` of the calibration in ``fit.json``'s ``data`` into ``out_dir``."""
    write_text(Path(out_dir) / "report.html", report_html(data, base_name))
