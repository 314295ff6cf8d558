"""Robustness of policy levers: regret and satisficing across the uncertainties.

A sweep whose factors are tagged ``role: lever`` (what a policymaker
chooses) and ``role: uncertainty`` (what the world does) asks which lever
setting does well whatever the world turns out to be. For an outcome with a
``goal:`` (``maximize`` or ``minimize``) in the sweep file, each lever
setting (one combination of the levers' values) is scored across the
uncertainty points (the combinations of the uncertainties' values), on the
mean outcome of its runs there:

* **regret** at an uncertainty point: how far the setting falls short of the
  best setting at that point (the best setting's outcome minus this
  setting's, for an outcome to maximize; the reverse for one to minimize),
  so 0 for the best setting. The most robust setting by this measure has the
  smallest maximum regret (Savage's minimax regret; see McPhail et al.
  2018, doi:10.1002/2017EF000649, for regret and satisficing as robustness
  metrics).
* **satisficing**: the share of uncertainty points where the setting meets
  the outcome's ``threshold:`` (at least the threshold for an outcome to
  maximize, at most for one to minimize; for a yes/no outcome without a
  threshold, holding in at least half of the runs: 0.5).

Both need every lever setting at every uncertainty point, as a grid over the
factors gives; uncertainty points where a setting has no finite value are
left out (and counted).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["robustness", "regret_table"]

BINARY_THRESHOLD = 0.5


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _setting_label(values: tuple, factors: list[dict]) -> str:
    parts = []
    for v, f in zip(values, factors):
        unit = f.get("unit") or ""
        unit = f" {unit}" if unit and unit not in ("share", "probability", "count") else ""
        parts.append(f"{f.get('label', f['path'])} {_fmt(v)}{unit}")
    return ", ".join(parts)


def regret_table(cells: pd.DataFrame, goal: str) -> pd.DataFrame:
    """Regret of each lever setting (columns) at each uncertainty point (rows), from their mean
    outcomes ``cells``: the best setting's outcome minus this one's (``maximize``), or the reverse."""
    if goal == "minimize":
        return cells.sub(cells.min(axis=1), axis=0)
    return cells.rsub(cells.max(axis=1), axis=0)


def robustness(table: pd.DataFrame, factors: list[dict], y: np.ndarray, goal: dict, binary: bool) -> dict | None:
    """Regret and satisficing of every lever setting for one outcome (None when the sweep does not
    have both levers and uncertainties)."""
    levers = [f for f in factors if f.get("role") == "lever"]
    uncs = [f for f in factors if f.get("role", "uncertainty") == "uncertainty"]
    if not levers or not uncs:
        return None
    out: dict[str, Any] = {"levers": [f["path"] for f in levers], "uncertainties": [f["path"] for f in uncs]}
    direction = goal.get("goal")
    if direction not in ("maximize", "minimize"):
        out["text"] = (
            "Give this outcome a goal in the sweep file ({expr: ..., goal: maximize} or minimize) to "
            "see the regret and satisficing of each lever setting across the uncertainties."
        )
        return out
    threshold = goal.get("threshold")
    if threshold is None and binary:
        threshold = BINARY_THRESHOLD
    out.update({"goal": direction, "threshold": threshold})
    lp, up = [f["path"] for f in levers], [f["path"] for f in uncs]
    df = table[lp + up].copy()
    df["y"] = y
    df = df[np.isfinite(df["y"].to_numpy(dtype=float))]
    if df.empty:
        out["text"] = "No run has a finite value."
        return out
    cells = df.groupby(up + lp, sort=True)["y"].mean().unstack(lp)
    if isinstance(cells, pd.Series):  # pragma: no cover - unstack of every level always gives a frame
        cells = cells.to_frame()
    complete = cells.dropna(axis=0, how="any")
    out["uncertainty_points"] = int(len(cells))
    out["uncertainty_points_used"] = int(len(complete))
    if complete.shape[1] < 2 or complete.empty:
        out["text"] = (
            "Regret needs every lever setting at every uncertainty point (a grid over the levers and "
            f"uncertainties); here {len(complete)} of {len(cells)} uncertainty points have all "
            f"{cells.shape[1]} lever settings."
        )
        return out
    regret = regret_table(complete, direction)
    settings = []
    for col in complete.columns:
        values = col if isinstance(col, tuple) else (col,)
        r = regret[col].to_numpy(dtype=float)
        v = complete[col].to_numpy(dtype=float)
        entry = {
            "setting": {p: (x.item() if hasattr(x, "item") else x) for p, x in zip(lp, values)},
            "label": _setting_label(values, levers),
            "mean": float(v.mean()),
            "worst": float(v.min() if direction == "maximize" else v.max()),
            "max_regret": float(r.max()),
            "mean_regret": float(r.mean()),
            "best_at": int((r == 0).sum()),
        }
        if threshold is not None:
            meets = v >= threshold if direction == "maximize" else v <= threshold
            entry["satisficing"] = float(meets.mean())
        settings.append(entry)
    settings.sort(key=lambda e: (e["max_regret"], e["mean_regret"]))
    out["settings"] = settings
    best = settings[0]
    k = len(complete)
    text = (
        f"Across {k} uncertainty points, the setting with the smallest worst-case regret is {best['label']}: "
        f"it is never more than {best['max_regret']:.3g} {'below' if direction == 'maximize' else 'above'} the "
        f"best setting of that point, and is the best at {best['best_at']} of {k}."
    )
    if threshold is not None:
        most = max(settings, key=lambda e: (e["satisficing"], -e["max_regret"]))
        word = "at least" if direction == "maximize" else "at most"
        text += (
            f" The setting that meets the threshold ({word} {threshold:g}) at the most uncertainty points is "
            f"{most['label']}: {most['satisficing']:.0%} of them."
        )
    if len(complete) < len(cells):
        text += f" {len(cells) - len(complete)} uncertainty points lack a lever setting's value and are left out."
    out["text"] = text
    return out
