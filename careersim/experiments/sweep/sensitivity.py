"""Which factors drive each outcome, how much is chance, and where claims flip.

:func:`analyze` reads the merged results of a sweep and returns, per outcome:

* **indices**, by the design:

  - ``saltelli``: Sobol' first-order (S1) and total (ST) indices with 95%
    bootstrap intervals (SALib ``sobol.analyze``; Saltelli et al. 2010,
    doi:10.1016/j.cpc.2009.09.018), on the mean outcome per point. Needs
    every point; with points missing it falls back to the given-data method.
  - ``morris``: elementary effects mu*, mu and sigma with a 95% interval of
    mu* (SALib ``morris.analyze``; Campolongo et al. 2007,
    doi:10.1016/j.envsoft.2006.10.004), per unit of the factor's range.
  - any other design, or an incomplete one: given-data estimates on whatever
    points completed: a first-order index S1 as the correlation ratio
    Var(E[Y | X_i]) / Var(Y) over bins of X_i (the factor's own values when
    it has few, else quantile bins), with a bootstrap interval over points,
    and the PAWN index (median Kolmogorov-Smirnov distance between the
    conditional and unconditional output distributions; SALib
    ``pawn.analyze``; Pianosi & Wagener 2015, doi:10.1016/j.envsoft.2015.01.004).

* **variance split** between parameters and chance: the within-point
  variance (mean over points of the variance between replications) and the
  between-point variance of point means; since a point mean still carries
  chance (within / R for R replications), the parameter share uses the
  between-point variance minus that term.

* **regions** (binary outcomes such as ``claim_C1_holds`` or
  ``p_lead_independent - p_lead_phd > 0``): a classification tree of depth at
  most 3 grown on the runs (Gini impurity, leaves of at least 5% of the runs),
  whose leaves are read out as boxes: "where A > x and B <= y, it holds in
  z% of runs".
"""

from __future__ import annotations

import contextlib
import io
import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from careersim.config.sweeps import evaluate_expression

__all__ = ["analyze", "variance_split", "given_data_s1", "grow_tree", "tree_rules", "outcome_values"]

BOOTSTRAP = 200
ANALYSIS_SEED = 12345


def _finite(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def outcome_values(table: pd.DataFrame, expression: str) -> np.ndarray:
    """The outcome of every run (NaN for failed runs or missing metrics)."""
    y = evaluate_expression(expression, table)
    if "error" in table:
        y = np.where(table["error"].isna().to_numpy(), y, np.nan)
    return y


# ---------------------------------------------------------------------------
# variance split
# ---------------------------------------------------------------------------


def variance_split(point: np.ndarray, y: np.ndarray) -> dict:
    """Within-point (chance) and between-point (parameter) variance of an outcome."""
    ok = np.isfinite(y)
    df = pd.DataFrame({"p": point[ok], "y": y[ok]})
    if df.empty:
        return {"points": 0}
    g = df.groupby("p")["y"]
    n = g.size()
    means = g.mean()
    var = g.var(ddof=1)
    within = float(var[n >= 2].mean()) if (n >= 2).any() else float("nan")
    between = float(means.var(ddof=1)) if len(means) >= 2 else float("nan")
    total = float(df["y"].var(ddof=1)) if len(df) >= 2 else float("nan")
    r_harm = float(len(n) / (1.0 / n).sum())
    out = {"points": int(len(means)), "runs": int(len(df)), "replications_per_point": r_harm,
           "total_variance": total, "within_point_variance": within, "between_point_variance": between}
    if math.isfinite(within) and math.isfinite(between):
        params = max(0.0, between - within / r_harm)
        denom = params + within
        out["parameter_variance"] = params
        out["parameter_share"] = params / denom if denom > 0 else float("nan")
        out["chance_share"] = within / denom if denom > 0 else float("nan")
        raw = between + within
        out["between_share_raw"] = between / raw if raw > 0 else float("nan")
    return out


# ---------------------------------------------------------------------------
# indices
# ---------------------------------------------------------------------------


def _bins(x: np.ndarray, max_levels: int = 12, n_bins: int = 10) -> np.ndarray:
    """Bin labels of a factor's values: its own values if few, else quantile bins."""
    uniq = np.unique(x)
    if len(uniq) <= max_levels:
        return np.searchsorted(uniq, x)
    edges = np.quantile(x, np.linspace(0, 1, n_bins + 1)[1:-1])
    return np.searchsorted(edges, x, side="right")


def _corr_ratio(labels: np.ndarray, y: np.ndarray) -> float:
    var = y.var()
    if not var > 0:
        return float("nan")
    counts = np.bincount(labels)
    sums = np.bincount(labels, weights=y)
    has = counts > 0
    means = sums[has] / counts[has]
    return float(np.sum(counts[has] * (means - y.mean()) ** 2) / len(y) / var)


def given_data_s1(x: np.ndarray, y: np.ndarray, seed: int = ANALYSIS_SEED) -> tuple[float, float]:
    """First-order index by the correlation ratio over bins of x, with a 95% bootstrap half-width."""
    labels = _bins(x)
    s1 = _corr_ratio(labels, y)
    rng = np.random.default_rng(seed)
    boots = []
    for _ in range(BOOTSTRAP):
        i = rng.integers(0, len(y), len(y))
        boots.append(_corr_ratio(labels[i], y[i]))
    boots = np.array([b for b in boots if math.isfinite(b)])
    conf = float(1.96 * boots.std(ddof=1)) if len(boots) > 1 else float("nan")
    return s1, conf


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _problem(factors: list[dict]) -> dict:
    return {"num_vars": len(factors), "names": [f["path"] for f in factors], "bounds": [[0.0, 1.0]] * len(factors)}


def indices(kind: str, factors: list[dict], design: dict, units: np.ndarray, means: np.ndarray) -> tuple[str, list[dict], str]:
    """(method, one dict per factor, note) for the mean outcome per point ``means`` (NaN = missing)."""
    complete = bool(np.all(np.isfinite(means)))
    problem = _problem(factors)
    note = ""
    if kind == "saltelli" and complete and np.var(means) > 0:
        from SALib.analyze import sobol

        res = _quiet(sobol.analyze, problem, means, calc_second_order=False, conf_level=0.95,
                     num_resamples=BOOTSTRAP, seed=ANALYSIS_SEED)
        rows = [{"S1": res["S1"][i], "S1_conf": res["S1_conf"][i], "ST": res["ST"][i], "ST_conf": res["ST_conf"][i]}
                for i in range(len(factors))]
        return "sobol", _label(rows, factors), note
    if kind == "morris" and complete:
        from SALib.analyze import morris

        res = _quiet(morris.analyze, problem, units, means, num_resamples=BOOTSTRAP, conf_level=0.95,
                     num_levels=int(design.get("levels", 4)), seed=ANALYSIS_SEED)
        rows = [{"mu_star": res["mu_star"][i], "mu_star_conf": res["mu_star_conf"][i], "mu": res["mu"][i],
                 "sigma": res["sigma"][i]} for i in range(len(factors))]
        return "morris", _label(rows, factors), note
    if kind in ("saltelli", "morris"):
        missing = int(np.sum(~np.isfinite(means)))
        note = (f"the {kind} design is incomplete ({missing} of {len(means)} points have no result), so "
                "given-data estimates are shown instead" if missing else
                "the outcome does not vary, so there is nothing to attribute")
    ok = np.isfinite(means)
    x, y = units[ok], means[ok]
    rows = []
    for i in range(len(factors)):
        if len(y) >= 4 and np.var(y) > 0:
            s1, conf = given_data_s1(x[:, i], y)
        else:
            s1, conf = float("nan"), float("nan")
        rows.append({"S1": s1, "S1_conf": conf})
    if len(y) >= 10 and np.var(y) > 0:
        from SALib.analyze import pawn

        try:
            res = _quiet(pawn.analyze, problem, x, y, S=min(10, max(2, len(y) // 5)), seed=ANALYSIS_SEED)
            for i, row in enumerate(rows):
                row["PAWN_median"] = res["median"][i]
                row["PAWN_max"] = res["maximum"][i]
        except (ValueError, IndexError, ZeroDivisionError) as exc:  # too few points for PAWN's slices
            note = (note + "; " if note else "") + f"PAWN could not be computed ({exc})"
    return "given-data", _label(rows, factors), note


def _label(rows: list[dict], factors: list[dict]) -> list[dict]:
    out = []
    for row, f in zip(rows, factors):
        out.append({"factor": f["path"], "label": f.get("label", f["path"]), "role": f.get("role", "uncertainty"),
                    **{k: _finite(v) for k, v in row.items()}})
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
    left: "Node | None" = None
    right: "Node | None" = None


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


def grow_tree(x: np.ndarray, y: np.ndarray, max_depth: int = 3, min_leaf: int | None = None,
              min_gain: float = 0.005) -> Node:
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
            leaves.append({"conditions": conds, "where": where, "share": node.share, "runs": int(len(node.idx)),
                           "text": f"{where[0].upper()}{where[1:]}, it {verb} in {node.share:.0%} of runs ({len(node.idx)} runs)."})
            return
        walk(node.left, path + [(node.factor, "<=", node.threshold)])
        walk(node.right, path + [(node.factor, ">", node.threshold)])

    walk(tree, [])
    leaves.sort(key=lambda leaf: (-leaf["share"], -leaf["runs"]))
    return leaves


def regions(x: np.ndarray, y: np.ndarray, factors: list[dict], replications: int, max_depth: int = 3) -> dict:
    ok = np.isfinite(y) & np.all(np.isfinite(x), axis=1)
    x, y = x[ok], y[ok]
    if len(y) == 0:
        return {"overall_share": None, "rules": [], "text": "No completed runs."}
    overall = float(y.mean())
    tree = grow_tree(x, y, max_depth=max_depth, min_leaf=max(replications, 5, int(0.05 * len(y))))
    rules = tree_rules(tree, factors)
    if len(rules) == 1:
        text = f"It holds in {overall:.0%} of runs, with no region of the factors where this clearly changes."
    else:
        text = (f"Over all runs it holds in {overall:.0%}. It holds most ({rules[0]['share']:.0%}) "
                f"{rules[0]['where']}, and least ({rules[-1]['share']:.0%}) {rules[-1]['where']}.")
    return {"overall_share": overall, "runs": int(len(y)), "rules": rules, "text": text}


def _is_binary(y: np.ndarray) -> bool:
    v = y[np.isfinite(y)]
    return len(v) > 0 and bool(np.all((v == 0) | (v == 1)))


# ---------------------------------------------------------------------------
# the whole analysis
# ---------------------------------------------------------------------------


def factor_matrix(table: pd.DataFrame, factors: list[dict]) -> np.ndarray:
    """Numeric factor values per run (categorical levels as their index)."""
    cols = []
    for f in factors:
        values = table[f["path"]]
        if f.get("kind") == "categorical":
            index = {str(v): i for i, v in enumerate(f.get("levels") or [])}
            cols.append(np.array([index.get(str(v), np.nan) for v in values], dtype=float))
        else:
            cols.append(values.to_numpy(dtype=float))
    return np.column_stack(cols) if cols else np.zeros((len(table), 0))


def analyze(table: pd.DataFrame, manifest: dict, points: pd.DataFrame) -> dict:
    """The analysis of a sweep's results: see the module docstring."""
    factors = manifest["factors"]
    design = manifest["design"]
    kind = design["kind"]
    from careersim.experiments.sweep.runner import design_keys

    n_points = len(points)
    units = points[[f"u:{f['path']}" for f in factors]].to_numpy(dtype=float)
    reps = int(manifest.get("replications", 1))
    keys = design_keys(factors, points, reps, manifest["base_sha256"], manifest["seed"])
    wanted_keys = set(keys["key"])
    table = table[table["key"].isin(wanted_keys)].reset_index(drop=True) if len(table) else table
    failed = int(table["error"].notna().sum()) if "error" in table else 0
    expected = len(wanted_keys)
    in_table = len(table)
    # rows of the design: a run shared by points with equal values counts for each of them
    row_of = pd.Series(np.arange(len(table)), index=table["key"]) if len(table) else pd.Series([], dtype=int)
    design_rows = keys.assign(row=keys["key"].map(row_of)).dropna(subset=["row"])
    out: dict[str, Any] = {
        "sweep": {k: manifest.get(k) for k in ("name", "description", "base", "base_sha256", "fixed", "factors",
                                               "design", "replications", "seed", "seeding", "identity", "points")},
        "outcome_names": manifest.get("outcome_names") or {},
        "runs": {"expected": expected, "completed": in_table, "failed": failed, "missing": max(0, expected - in_table)},
        "outcomes": {},
        "provenance": manifest.get("provenance", {}),
    }
    x_runs = factor_matrix(table, factors) if len(table) else np.zeros((0, len(factors)))
    point = table["point"].to_numpy() if len(table) else np.zeros(0, dtype=int)
    wanted = set(manifest.get("regions") or [])
    for expr in manifest.get("outcomes", []):
        y = outcome_values(table, expr) if len(table) else np.zeros(0)
        means = np.full(n_points, np.nan)
        if len(y) and len(design_rows):
            s = pd.Series(y[design_rows["row"].to_numpy(dtype=int)]).groupby(design_rows["point"].to_numpy()).mean()
            means[s.index.to_numpy()] = s.to_numpy()
        method, idx, note = indices(kind, factors, design, units, means)
        entry: dict[str, Any] = {
            "expression": expr,
            "mean": _finite(np.nanmean(y)) if np.isfinite(y).any() else None,
            "sd": _finite(np.nanstd(y, ddof=1)) if np.isfinite(y).sum() > 1 else None,
            "runs": int(np.isfinite(y).sum()),
            "method": method,
            "indices": idx,
            "variance": {k: (_finite(v) if isinstance(v, float) else v) for k, v in variance_split(point, y).items()},
        }
        if note:
            entry["note"] = note
        binary = _is_binary(y) if len(y) else False
        entry["binary"] = binary
        if binary and (not wanted or expr in wanted):
            entry["regions"] = regions(x_runs, y, factors, reps)
        out["outcomes"][expr] = entry
    return out
