"""Scenario discovery: where in the factors' space a yes/no outcome holds, or fails.

Two readouts for every thresholded outcome (a yes/no outcome such as
``claim_C1_holds`` or ``p_lead_independent - p_lead_phd > 0``, or an outcome
given a ``threshold:`` in the sweep file), both on the runs:

* a **classification tree** of depth at most 3 (Gini impurity, leaves of at
  least 5% of the runs), whose leaves are read out as boxes: "where A > x and
  B <= y, it holds in z% of runs";
* **PRIM boxes** (the patient rule induction method of Friedman & Fisher
  1999, doi:10.1023/A:1008894516817, as used for scenario discovery by
  Bryant & Lempert 2010, doi:10.1016/j.techfore.2009.08.002), computed by
  EMA Workbench's implementation (``ema_workbench.analysis.prim``; Kwakkel
  2017, doi:10.1016/j.envsoft.2017.06.054). The cases of interest are the
  rarer of the two answers (where a claim fails, if it mostly holds). PRIM
  peels the box that holds every run, a slice of at most 5% at a time,
  keeping the slice that raises the share of cases of interest inside the
  box (its *density*) most, down to a box of 5% of the runs; each step's
  *coverage* (the share of all cases of interest that are inside) and
  density make the peeling trajectory. The box chosen from it is the densest
  one that still covers at least half of the cases of interest (for a
  second box: half of those the first box left out). Each restriction comes
  with its quasi-p value (a one-sided binomial test of whether the
  restriction raises the density; Bryant & Lempert 2010): one above 0.05 is
  marked as not significant.

EMA Workbench is imported only when a sweep has such an outcome (it takes a
few seconds), with its import-time warnings (about optional packages this
analysis does not use) silenced.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["discover", "prim_boxes", "grow_tree", "tree_rules", "regions", "is_binary", "hits"]

#: PRIM settings: the share of the runs peeled at each step and the smallest box
PEEL_ALPHA = 0.05
MASS_MIN = 0.05
#: a chosen box covers at least this share of the cases of interest it could cover
MIN_COVERAGE = 0.5
#: at most this many boxes
MAX_BOXES = 2
#: a restriction whose quasi-p value is above this is marked as not significant
QP_LEVEL = 0.05


def is_binary(y: np.ndarray) -> bool:
    v = y[np.isfinite(y)]
    return len(v) > 0 and bool(np.all((v == 0) | (v == 1)))


def hits(y: np.ndarray, binary: bool, goal: dict) -> np.ndarray:
    """1 where a run meets the outcome's test (holds, or reaches its threshold), 0 where not, NaN
    where the outcome has no finite value."""
    ok = np.isfinite(y)
    out = np.full(len(y), np.nan)
    threshold = goal.get("threshold")
    if threshold is None:
        out[ok] = y[ok]
    elif goal.get("goal") == "minimize":
        out[ok] = (y[ok] <= threshold).astype(float)
    else:
        out[ok] = (y[ok] >= threshold).astype(float)
    return out


# ---------------------------------------------------------------------------
# regions: a shallow classification tree
# ---------------------------------------------------------------------------


@dataclass
class Node:
    idx: np.ndarray
    share: float
    depth: int
    factor: int | None = None
    threshold: float | None = None
    left: Node | None = None
    right: Node | None = None


def _gini(pos: np.ndarray, n: np.ndarray) -> np.ndarray:
    p = np.divide(pos, n, out=np.zeros_like(pos, dtype=float), where=n > 0)
    return 2 * p * (1 - p)


def _best_split(x: np.ndarray, y: np.ndarray, min_leaf: int) -> tuple[float, int, float] | None:
    n = len(y)
    parent = 2 * y.mean() * (1 - y.mean())
    best = None
    for j in range(x.shape[1]):
        order = np.argsort(x[:, j], kind="stable")
        xs, ys = x[order, j], y[order]
        cum = np.cumsum(ys)
        left_n = np.arange(1, n)
        valid = (xs[1:] > xs[:-1]) & (left_n >= min_leaf) & (n - left_n >= min_leaf)
        if not valid.any():
            continue
        left_pos = cum[:-1]
        right_pos = cum[-1] - left_pos
        impurity = (left_n * _gini(left_pos, left_n) + (n - left_n) * _gini(right_pos, n - left_n)) / n
        gain = np.where(valid, parent - impurity, -np.inf)
        k = int(np.argmax(gain))
        if best is None or gain[k] > best[0] + 1e-12:
            best = (float(gain[k]), j, float((xs[k] + xs[k + 1]) / 2))
    return best


def grow_tree(
    x: np.ndarray, y: np.ndarray, max_depth: int = 3, min_leaf: int | None = None, min_gain: float = 0.005
) -> Node:
    """A classification tree on runs: x (runs, factors), y in {0, 1}."""
    min_leaf = min_leaf or max(5, int(0.05 * len(y)))

    def grow(idx: np.ndarray, depth: int) -> Node:
        node = Node(idx=idx, share=float(y[idx].mean()), depth=depth)
        if depth >= max_depth or len(idx) < 2 * min_leaf or node.share in (0.0, 1.0):
            return node
        split = _best_split(x[idx], y[idx], min_leaf)
        if split is None or split[0] < min_gain:
            return node
        _, j, t = split
        node.factor, node.threshold = j, t
        node.left = grow(idx[x[idx, j] <= t], depth + 1)
        node.right = grow(idx[x[idx, j] > t], depth + 1)
        return node

    return grow(np.arange(len(y)), 0)


def _fmt(v: float) -> str:
    if v == 0:
        return "0"
    return f"{v:.3g}" if abs(v) >= 1e-3 else f"{v:.2e}"


def _conditions(path: list[tuple[int, str, float]], factors: list[dict]) -> list[str]:
    """Readable conditions, one per factor (bounds on the same factor merged)."""
    bounds: dict[int, list[float]] = {}
    for j, op, t in path:
        lo, hi = bounds.get(j, [-math.inf, math.inf])
        if op == "<=":
            hi = min(hi, t)
        else:
            lo = max(lo, t)
        bounds[j] = [lo, hi]
    out = []
    for j in sorted(bounds):
        f = factors[j]
        lo, hi = bounds[j]
        label = f.get("label", f["path"])
        levels = f.get("levels")
        if f.get("kind") == "categorical" and levels:
            chosen = [str(v) for i, v in enumerate(levels) if lo < i <= hi]
            out.append(f"{label} is {chosen[0]}" if len(chosen) == 1 else f"{label} is one of {', '.join(chosen)}")
            continue
        unit = f" {f['unit']}" if f.get("unit") and f["unit"] not in ("share", "probability", "count") else ""
        if math.isfinite(lo) and math.isfinite(hi):
            out.append(f"{label} is between {_fmt(lo)} and {_fmt(hi)}{unit}")
        elif math.isfinite(lo):
            out.append(f"{label} > {_fmt(lo)}{unit}")
        else:
            out.append(f"{label} ≤ {_fmt(hi)}{unit}")
    return out


def tree_rules(tree: Node, factors: list[dict], verb: str = "holds") -> list[dict]:
    """The tree's leaves as boxes, from the highest share to the lowest."""
    leaves: list[dict] = []

    def walk(node: Node, path: list[tuple[int, str, float]]) -> None:
        if node.left is None or node.right is None:
            conds = _conditions(path, factors)
            where = "everywhere" if not conds else "where " + " and ".join(conds)
            leaves.append(
                {
                    "conditions": conds,
                    "where": where,
                    "share": node.share,
                    "runs": int(len(node.idx)),
                    "text": f"{where[0].upper()}{where[1:]}, it {verb} in {node.share:.0%} of runs ({len(node.idx)} runs).",
                }
            )
            return
        walk(node.left, path + [(node.factor, "<=", node.threshold)])
        walk(node.right, path + [(node.factor, ">", node.threshold)])

    walk(tree, [])
    leaves.sort(key=lambda leaf: (-leaf["share"], -leaf["runs"]))
    return leaves


def regions(
    x: np.ndarray, y: np.ndarray, factors: list[dict], replications: int, max_depth: int = 3, verb: str = "holds"
) -> dict:
    """The tree's readout: where a yes/no outcome (``y`` in {0, 1}) holds most and least."""
    ok = np.isfinite(y) & np.all(np.isfinite(x), axis=1)
    x, y = x[ok], y[ok]
    if len(y) == 0:
        return {"overall_share": None, "rules": [], "text": "No completed runs."}
    overall = float(y.mean())
    tree = grow_tree(x, y, max_depth=max_depth, min_leaf=max(replications, 5, int(0.05 * len(y))))
    rules = tree_rules(tree, factors, verb)
    if len(rules) == 1:
        text = f"It {verb} in {overall:.0%} of runs, with no region of the factors where this clearly changes."
    else:
        text = (
            f"Over all runs it {verb} in {overall:.0%}. It {verb} most ({rules[0]['share']:.0%}) "
            f"{rules[0]['where']}, and least ({rules[-1]['share']:.0%}) {rules[-1]['where']}."
        )
    return {"overall_share": overall, "runs": int(len(y)), "rules": rules, "text": text}


# ---------------------------------------------------------------------------
# PRIM (EMA Workbench)
# ---------------------------------------------------------------------------


def _prim_module():
    """EMA Workbench's PRIM, imported quietly (it warns about optional packages on import)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
    logging.getLogger("EMA").addHandler(logging.NullHandler())  # its messages are not ours to print
    return prim


def _frame(x: np.ndarray, factors: list[dict]) -> pd.DataFrame:
    """The factors of each run as PRIM reads them: numbers, or categories for categorical factors."""
    cols = {}
    for j, f in enumerate(factors):
        if f.get("kind") == "categorical" and f.get("levels"):
            levels = [str(v) for v in f["levels"]]
            codes = x[:, j]
            cols[f["path"]] = pd.Categorical(
                [levels[int(c)] if np.isfinite(c) else None for c in codes], categories=levels
            )
        else:
            cols[f["path"]] = x[:, j].astype(float)
    return pd.DataFrame(cols)


def _restriction(f: dict, lim: pd.Series, init: pd.Series, qp: list[float]) -> dict:
    label = f.get("label", f["path"])
    qps = [q for q in qp if q is not None and q >= 0]
    worst = max(qps) if qps else None
    out = {"factor": f["path"], "label": label, "qp": worst, "significant": worst is not None and worst <= QP_LEVEL}
    if isinstance(lim.iloc[0], (set, frozenset)):
        chosen = [v for v in (f.get("levels") or []) if str(v) in lim.iloc[0]]
        out["levels"] = [str(v) for v in chosen]
        out["text"] = (
            f"{label} is {chosen[0]}" if len(chosen) == 1 else f"{label} is one of {', '.join(str(v) for v in chosen)}"
        )
        return out
    lo, hi = float(lim.iloc[0]), float(lim.iloc[1])
    lo_cut, hi_cut = lo > float(init.iloc[0]), hi < float(init.iloc[1])
    unit = f" {f['unit']}" if f.get("unit") and f["unit"] not in ("share", "probability", "count") else ""
    out["low"], out["high"] = (lo if lo_cut else None), (hi if hi_cut else None)
    if lo_cut and hi_cut:
        out["text"] = f"{label} is between {_fmt(lo)} and {_fmt(hi)}{unit}"
    elif lo_cut:
        out["text"] = f"{label} ≥ {_fmt(lo)}{unit}"
    else:
        out["text"] = f"{label} ≤ {_fmt(hi)}{unit}"
    return out


def prim_boxes(
    x: np.ndarray, hit: np.ndarray, factors: list[dict], phrases: tuple[str, str] = ("it holds", "it fails")
) -> dict:
    """PRIM boxes for a yes/no outcome of the runs (``hit`` in {0, 1}, NaN left out); see the
    module docstring. ``x`` holds the factors of each run (categorical levels as their index);
    ``phrases`` say what a 1 and a 0 mean ("it holds", "it fails")."""
    ok = np.isfinite(hit) & np.all(np.isfinite(x), axis=1)
    h = hit[ok].astype(bool)
    n = int(len(h))
    out: dict = {
        "runs": n,
        "boxes": [],
        "trajectory": [],
        "settings": {
            "peel_alpha": PEEL_ALPHA,
            "mass_min": MASS_MIN,
            "min_coverage": MIN_COVERAGE,
            "qp_level": QP_LEVEL,
        },
    }
    if n == 0:
        out["text"] = "No run has a value, so there is nothing to discover."
        return out
    share = float(h.mean())
    if share in (0.0, 1.0):
        out["text"] = f"{phrases[0 if share == 1 else 1].capitalize()} in every run: there is no region to find."
        return out
    if n < 20:
        out["text"] = f"Too few runs ({n}) for PRIM boxes: at least 20 are needed."
        return out
    interest = h if share <= 0.5 else ~h
    what = phrases[0] if share <= 0.5 else phrases[1]
    out.update({"of_interest": what, "share_of_interest": float(interest.mean())})
    prim = _prim_module()
    frame = _frame(x[ok], factors)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = prim.Prim(
            frame,
            interest.astype(int),
            threshold=float(interest.mean()),
            peel_alpha=PEEL_ALPHA,
            paste_alpha=PEEL_ALPHA,
            mass_min=MASS_MIN,
        )
        for k in range(MAX_BOXES):
            box = p.find_box()
            if box is None or len(box.peeling_trajectory) <= 1:
                break
            traj = box.peeling_trajectory
            reachable = float(traj["coverage"].iloc[0])
            candidates = traj[traj["coverage"] >= MIN_COVERAGE * reachable - 1e-12]
            i = int(candidates.sort_values(["density", "coverage"], ascending=[False, False], kind="stable").index[0])
            if i == 0 or traj["density"].iloc[i] <= traj["density"].iloc[0]:
                break
            box.select(i)
            row = traj.iloc[i]
            lim, init = box.box_lims[i], p.box_init
            by_path = {f["path"]: f for f in factors}
            restricted = [c for c in lim.columns if not all(_same(a, b) for a, b in zip(lim[c], init[c]))]
            rules = [_restriction(by_path[c], lim[c], init[c], box.qp[i].get(c, [-1, -1])) for c in restricted]
            entry = {
                "coverage": float(row["coverage"]),
                "density": float(row["density"]),
                "mass": float(row["mass"]),
                "runs": int(row["n"]),
                "runs_of_interest": int(row["k"]),
                "trajectory_index": i,
                "restrictions": rules,
            }
            where = " and ".join(r["text"] for r in rules)
            weak = [r["label"] for r in rules if not r["significant"]]
            entry["text"] = (
                f"Where {where}: {what} in {entry['density']:.0%} of the runs there (against "
                f"{interest.mean():.0%} overall); the box holds {entry['mass']:.0%} of the runs and "
                f"{entry['coverage']:.0%} of all runs where {what}."
                + (
                    f" The restriction on {', '.join(weak)} is not significant (quasi-p above {QP_LEVEL})."
                    if weak
                    else ""
                )
            )
            out["boxes"].append(entry)
            if k == 0:
                out["trajectory"] = [
                    {
                        "coverage": float(r.coverage),
                        "density": float(r.density),
                        "mass": float(r.mass),
                        "restricted": int(r.res_dim),
                    }
                    for r in traj.itertuples()
                ]
    if out["boxes"]:
        b = out["boxes"][0]
        out["text"] = (
            f"PRIM finds {len(out['boxes'])} box{'es' if len(out['boxes']) > 1 else ''} where {what}. " + b["text"]
        )
    else:
        out["text"] = f"PRIM finds no box where {what} clearly more often than overall ({interest.mean():.0%} of runs)."
    return out


def _same(a, b) -> bool:
    if isinstance(a, (set, frozenset)) or isinstance(b, (set, frozenset)):
        return set(a) == set(b)
    return bool(a == b)


def phrases(goal: dict) -> tuple[str, str, str]:
    """(the tree's verb, what a run that meets the test does, what one that misses it does)."""
    t = goal.get("threshold")
    if t is None:
        return "holds", "it holds", "it fails"
    if goal.get("goal") == "minimize":
        return f"stays at or below {t:g}", f"it stays at or below {t:g}", f"it exceeds {t:g}"
    return f"reaches {t:g}", f"it reaches {t:g}", f"it stays below {t:g}"


def discover(
    x: np.ndarray, y: np.ndarray, factors: list[dict], replications: int, *, binary: bool, goal: dict | None = None
) -> dict:
    """The tree's regions and PRIM's boxes of a thresholded outcome (``{"regions": ..., "prim": ...}``)."""
    goal = goal or {}
    h = hits(y, binary, goal)
    verb, yes, no = phrases(goal)
    return {"regions": regions(x, h, factors, replications, verb=verb), "prim": prim_boxes(x, h, factors, (yes, no))}
