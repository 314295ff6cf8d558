"""The page of a calibration: targets against the fitted model, and the fitted values."""

from __future__ import annotations

import base64
import io as _io
import math
from typing import Any

import jinja2
import numpy as np

_REPORT = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Calibration: {{ name }}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;width:100%;margin:1em 0;font-size:.92em}
th,td{border-bottom:1px solid #ddd;padding:.35em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4} td.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.good{color:#1a7f37}.bad{color:#b3261e}.muted{color:#666;font-size:.9em}
img{max-width:100%}
</style></head><body>
<h1>Calibration of {{ base_name }}</h1>
<p>{{ n_fit }} target(s) fitted by changing {{ param_list }}. Loss (sum of squared standardised errors)
<b>{{ "%.3g"|format(loss_before) }}</b> before, <b>{{ "%.3g"|format(loss_after) }}</b> after
({{ evaluations }} candidates x {{ replications }} replications, seed {{ seed }}, common random numbers, {{ method }}).
A target is matched when its model mean lies within about 2 sd of the published value (|z| &lt; 2).</p>
<h2>Fitted parameters</h2>
<table><tr><th>parameter</th><th>before</th><th>fitted</th><th>95% region</th><th>sd</th><th>bounds</th></tr>
{% for p in params %}<tr><td><code>{{ p.path }}</code> <span class="muted">{{ p.unit }}</span>{% if p.at_bound %} <span class="bad">(at a bound)</span>{% endif %}</td>
<td class="n">{{ p.before_text }}</td><td class="n"><b>{{ p.fitted_text }}</b></td><td class="n">{{ p.interval_text }}</td>
<td class="n">{{ p.sd_text }}</td><td class="n">{{ p.bounds_text }}{% if p.scale == 'log' %} (log){% endif %}</td></tr>
{% endfor %}</table>
<h2>Targets</h2>
<table><tr><th>target</th><th>published</th><th>model before</th><th>model after</th><th>z after</th><th>source</th></tr>
{% for t in targets %}<tr><td><b>{{ t.name }}</b><br><span class="muted">{{ t.statistic }}{% if t.options %} {{ t.options_text }}{% endif %} ({{ t.unit }}){% if t.weight == 0 %}; report only{% elif t.weight != 1 %}; weight {{ t.weight }}{% endif %}</span></td>
<td class="n">{{ t.value_text }}</td><td class="n">{{ t.before_text }}</td><td class="n">{{ t.after_text }}</td>
<td class="n {{ t.z_class }}">{{ t.z_text }}</td><td>{{ t.source }}{% if t.note %}<br><span class="muted">{{ t.note }}</span>{% endif %}</td></tr>
{% endfor %}</table>
<p class="muted">Model cells: mean over replications [95% interval of the mean]. Published cells: value ± sd, or the range
(read as a 95% interval).</p>
<img alt="Standardised errors before and after the fit, and the loss over the search" src="data:image/png;base64,{{ png }}">
<h2>Caveats</h2>
<ul>
<li>Parameter regions come from the candidates the search evaluated; with a small budget they are coarse.</li>
<li>The loss counts only the published figures' uncertainty; the model's own noise at {{ replications }} replications is shown by the intervals.</li>
<li>Fitting a parameter makes it a fixed value; uncertainty drawn per replication in the base scenario is replaced for it.</li>
</ul>
<p class="muted">careersim {{ version }} · {{ date }} · base scenario sha256 {{ base_hash[:12] }} · fitted {{ fitted_hash[:12] }}</p>
</body></html>
"""


def _fmt(x: Any, unit: str = "") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    x = float(x)
    if unit == "share":
        return f"{100 * x:.1f}%"
    return f"{x:.3g}"


def _figure(data: dict[str, Any]) -> str:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    rows = data["targets"]
    n = len(rows)
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 0.5 * n + 2.2), gridspec_kw={"width_ratios": [3, 2]})
    ax.axvspan(-1.96, 1.96, color="#e6f4ea", zorder=0, label="within 1.96 sd")
    ax.axvline(0, color="#888", lw=0.8)
    for i, r in enumerate(rows):
        for key, off, colour, label in (("before", 0.15, "#999999", "before"), ("after", -0.15, "#1f5fbf", "after")):
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
    bx.plot(ev, [max(h["loss"] or np.nan, 1e-3) if h["loss"] is not None else np.nan for h in hist], ".", color="#bbb", label="candidate")
    bx.plot(ev, [max(h["best_loss"], 1e-3) if h["best_loss"] is not None else np.nan for h in hist], "-", color="#1f5fbf", label="best so far")
    bx.set_yscale("log")
    bx.set_xlabel("evaluation")
    bx.set_ylabel("loss")
    bx.set_title("Loss over the search", fontsize=10)
    bx.legend(fontsize=7)
    fig.tight_layout()
    buf = _io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def report_html(data: dict[str, Any], base_name: str) -> str:
    """A self-contained page from :func:`fit_json` data (jinja2, autoescaped)."""

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    tpl = env.from_string(_REPORT)

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
    return tpl.render(
        name=base_name, base_name=base_name, n_fit=sum(1 for r in data["targets"] if r["weight"] > 0),
        param_list=", ".join(p["path"] for p in data["parameters"]), loss_before=data["loss_before"] if data["loss_before"] is not None else math.inf,
        loss_after=data["loss_after"] if data["loss_after"] is not None else math.inf, evaluations=prov["evaluations"],
        replications=prov["replications"], seed=prov["seed"], method=prov["method"], params=params, targets=targets,
        png=_figure(data), version=prov["careersim_version"], date=prov["date_utc"],
        base_hash=prov["base_scenario_sha256"], fitted_hash=prov["fitted_scenario_sha256"],
    )


def write_report(data: dict[str, Any], base_name: str, out_dir) -> None:
    """Write ``report.html`` of the calibration in ``fit.json``'s ``data`` into ``out_dir``."""
    from pathlib import Path

    (Path(out_dir) / "report.html").write_text(report_html(data, base_name), encoding="utf-8")
