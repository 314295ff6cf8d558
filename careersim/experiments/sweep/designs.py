"""Experimental designs: the points of a sweep.

Every design first places points in the unit cube [0, 1]^d (one coordinate per
factor) and then maps each coordinate to a value through the factor
(:meth:`Factor.value_at`: linear or log interpolation of a range, the
quantile of a distribution, or one of the levels). So the same design works
for ranges, levels and distributions, and SALib's analyses receive the unit
coordinates they expect.

========  =====================================================  =====================
kind      points                                                 reference
========  =====================================================  =====================
grid      product of each factor's levels (``levels`` per range)  full factorial
random    ``points`` independent uniform draws                    Monte Carlo
lhs       ``points`` (Latin hypercube, scipy.stats.qmc)           McKay et al. 1979
sobol     ``points`` (scrambled Sobol' sequence, power of 2)      Sobol' 1967
saltelli  ``points * (d + 2)`` (SALib Sobol' design, first and    Saltelli 2002,
          total order)                                            doi:10.1016/S0010-4655(02)00280-1
morris    ``trajectories * (d + 1)`` on ``levels`` levels         Morris 1991,
          (SALib)                                                 doi:10.1080/00401706.1991.10484804
========  =====================================================  =====================

Designs are deterministic given the design seed.
"""

from __future__ import annotations

import hashlib
import itertools

import numpy as np
import pandas as pd

from careersim.config.sweeps import Design, Factor, Sweep

__all__ = ["unit_design", "points_table", "point_count", "unit_problem"]


def unit_problem(d: int) -> dict:
    """A SALib problem over the unit cube with ``d`` factors."""
    return {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}


def point_count(design: Design, factors: tuple[Factor, ...] | list[Factor]) -> int:
    """How many points a design makes."""
    d = len(factors)
    if design.kind == "grid":
        n = 1
        for f in factors:
            n *= len(f.levels) if f.levels is not None else design.levels
        return n
    if design.kind == "saltelli":
        return design.points * (d + 2)
    if design.kind == "morris":
        return design.trajectories * (d + 1)
    return design.points


def unit_design(design: Design, factors: tuple[Factor, ...] | list[Factor]) -> np.ndarray:
    """The design's points in the unit cube, shape (points, factors)."""
    from scipy.stats import qmc

    d = len(factors)
    kind = design.kind
    if kind == "grid":
        axes = [f.grid_unit(design.levels) for f in factors]
        return np.array(list(itertools.product(*axes)), dtype=float).reshape(-1, d)
    if kind == "random":
        return np.random.default_rng(design.seed).random((design.points, d))
    if kind == "lhs":
        return qmc.LatinHypercube(d=d, rng=np.random.default_rng(design.seed)).random(design.points)
    if kind == "sobol":
        m = int(design.points).bit_length() - 1
        return qmc.Sobol(d=d, scramble=True, rng=np.random.default_rng(design.seed)).random_base2(m)
    if kind == "saltelli":
        from SALib.sample import sobol as sobol_sample

        return sobol_sample.sample(
            unit_problem(d), design.points, calc_second_order=False, scramble=True, seed=design.seed
        )
    if kind == "morris":
        from SALib.sample import morris as morris_sample

        u = morris_sample.sample(unit_problem(d), design.trajectories, num_levels=design.levels, seed=design.seed)
        return np.asarray(u, dtype=float)
    raise ValueError(f"unknown design kind {kind!r}")  # pragma: no cover - spec checks it


def _value(factor: Factor, u: float, design: Design) -> object:
    if factor.distribution is not None and design.kind == "morris":
        # Morris levels include 0 and 1; use the quantiles at the middle of each level's band
        p = design.levels
        return factor.value_at((u * (p - 1) + 0.5) / p)
    return factor.value_at(u)


def points_table(sweep: Sweep) -> pd.DataFrame:
    """One row per point: ``point`` (its index), each factor's value and its unit coordinate.

    Factor values are in columns named by the factor's path; unit coordinates
    in columns ``u:<path>``.
    """
    factors = sweep.factors
    design = sweep.design
    if design.kind == "grid":
        grids = [f.grid_values(design.levels) for f in factors]
        values = list(itertools.product(*grids))
        units = unit_design(design, factors)
        columns = {f.path: [v[j] for v in values] for j, f in enumerate(factors)}
    else:
        units = unit_design(design, factors)
        columns = {f.path: [_value(f, u, design) for u in units[:, j]] for j, f in enumerate(factors)}
    table = pd.DataFrame({"point": np.arange(len(units), dtype=np.int64)})
    for j, f in enumerate(factors):
        col = columns[f.path]
        table[f.path] = pd.Series(col, dtype=object) if f.categorical else np.asarray(col, dtype=float)
    for j, f in enumerate(factors):
        table[f"u:{f.path}"] = units[:, j]
    return table


def digest(points: pd.DataFrame, factors: tuple[Factor, ...] | list[Factor]) -> str:
    """A content hash of the design's factor values (to recognise the same sweep)."""
    h = hashlib.sha256()
    for f in factors:
        h.update(f.path.encode())
        h.update(repr(list(points[f.path])).encode())
    return h.hexdigest()
