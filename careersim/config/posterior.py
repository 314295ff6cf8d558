"""A calibration's posterior: weighted joint samples of fitted parameters, read from a file.

``careersim calibrate`` writes ``posterior.parquet``: one row per joint sample
(a particle of the last ABC-SMC generation), a ``weight`` column and one column
per fitted parameter (its dotted path, in canonical units), plus a JSON record
in the file's schema metadata (key ``careersim``: the targets fitted and held
out, each parameter's prior and the held-out coverage; see
``docs/calibration.md``).

A scenario names such a file in ``calibration: {posterior: FILE}`` (a path
relative to the scenario file). Each replication then draws **one joint
sample**, with probability proportional to its weight, from its own random
stream (``posterior``: :mod:`careersim.core.rng`), so the spread over
replications covers calibrated ignorance of the parameters, with their
correlations kept; the draw depends only on (seed, replication), never on the
number of workers (:func:`careersim.engine.parameters.draw_parameters`).

:func:`read_posterior` checks the file (every column a numeric scenario
parameter, values finite and inside the parameter's range, whole numbers where
the parameter is a whole number, weights positive) and caches it by path,
modification time and size, so workers that validate a scenario for every
task read it once.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from careersim.core.files import json_text, write_bytes

#: the key of the JSON record in the Parquet schema metadata
META_KEY = b"careersim"
#: the value of that record's ``format``
FORMAT = "careersim-posterior"
#: the column of weights
WEIGHT = "weight"
#: further columns a posterior may hold besides weight and parameters (ignored when drawing)
EXTRA_COLUMNS = ("distance",)


class PosteriorError(ValueError):
    """A posterior file that cannot be used; the message says what is wrong and what was expected."""


@dataclass(frozen=True, eq=False)
class Posterior:
    """Weighted joint samples of fitted parameters."""

    path: str
    sha256: str
    parameters: tuple[str, ...]
    values: np.ndarray  # (samples, parameters), canonical units
    weights: np.ndarray  # normalised to sum 1
    meta: dict = field(default_factory=dict)

    @property
    def cumulative(self) -> np.ndarray:
        c = np.cumsum(self.weights)
        c[-1] = 1.0
        return c

    def __len__(self) -> int:
        return len(self.weights)

    def index(self, u: float) -> int:
        """The sample a uniform number ``u`` in (0, 1) selects: sample ``i`` with probability ``weights[i]``
        (inverse CDF over the samples in file order)."""
        i = int(np.searchsorted(self.cumulative, float(u), side="right"))
        return min(i, len(self.weights) - 1)

    def draw(self, u: float) -> dict[str, float]:
        """The joint sample ``u`` selects, by parameter path."""
        row = self.values[self.index(u)]
        return {p: float(v) for p, v in zip(self.parameters, row)}

    def fitted_source(self, path: str) -> str | None:
        """The source text of a fitted parameter: the targets it was fitted to (None: not fitted here)."""
        if path not in self.parameters:
            return None
        targets = [t.get("name", "") for t in self.meta.get("targets", []) if t.get("role", "fit") == "fit"]
        named = "; ".join(t for t in targets if t) or "published targets"
        return f"fitted to {named} (posterior {Path(self.path).name}, {len(self)} weighted samples)"

    def provenance(self) -> dict[str, str]:
        """Flat text entries for a run's provenance: the file, what was fitted, and the held-out coverage."""
        fit = [t.get("name", "") for t in self.meta.get("targets", []) if t.get("role", "fit") == "fit"]
        out = {
            "posterior": f"{self.path} ({len(self)} weighted joint samples)",
            "posterior_sha256": self.sha256,
            "posterior_parameters": ", ".join(self.parameters),
            "calibrated_to": "; ".join(fit) or "not recorded",
        }
        h = self.meta.get("holdout")
        if isinstance(h, dict) and "n" in h:
            text = f"{h.get('covered', 0)} of {h['n']} held-out targets inside the model's 95% predictive interval"
            if h.get("outside"):
                text += f" (outside: {'; '.join(h['outside'])})"
            out["held_out_coverage"] = text
        else:
            out["held_out_coverage"] = "not recorded in the posterior file"
        if self.meta.get("tolerance_reached") is False:
            out["calibration_note"] = (
                "the calibration stopped before reaching its target tolerance: the posterior is wider than the targets allow"
            )
        return out

    def summary(self) -> dict[str, dict[str, float]]:
        """Per parameter: weighted mean, median and central 95% interval."""
        out = {}
        for k, p in enumerate(self.parameters):
            x = self.values[:, k]
            lo, med, hi = weighted_quantiles(x, self.weights, [0.025, 0.5, 0.975])
            out[p] = {"mean": float(np.sum(self.weights * x)), "median": med, "low": lo, "high": hi}
        return out


def weighted_quantiles(x: np.ndarray, w: np.ndarray, qs) -> list[float]:
    """Quantiles of a weighted sample: the inverse of its step CDF, with the step at each
    sample's midpoint of cumulative weight (so equal weights give the usual median)."""
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    ok = np.isfinite(x) & (w > 0)
    x, w = x[ok], w[ok]
    if x.size == 0:
        return [math.nan for _ in qs]
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order] / w.sum()
    mid = np.cumsum(w) - w / 2
    return [float(np.interp(q, mid, x)) for q in qs]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_posterior(path: str | os.PathLike[str], parameters: Mapping[str, Mapping[str, Any]]) -> Posterior:
    """Read and check a posterior file; raises :class:`PosteriorError` with what is wrong and what
    was expected. ``parameters`` are the numeric scenario parameters by path, each with its
    schema metadata (``range``, ``lo_open``, ``integer``): every column must be one of them.
    The file is read once per process for each (path, modification time, size)."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        raise PosteriorError(
            f"cannot find the posterior file {p} (expected a posterior.parquet written by careersim calibrate; "
            "a relative path is read from the scenario file's folder)"
        ) from None
    if not p.is_file():
        raise PosteriorError(f"{p} is not a file (expected a posterior.parquet written by careersim calibrate)")
    resolved, names, columns, meta, sha = _read_cached(str(p.resolve()), st.st_mtime_ns, st.st_size)
    problems: list[str] = []
    if WEIGHT not in names:
        raise PosteriorError(
            f"{resolved}: no '{WEIGHT}' column (expected a column of sample weights and one column per fitted parameter)"
        )
    params = [c for c in names if c not in (WEIGHT, *EXTRA_COLUMNS)]
    if not params:
        raise PosteriorError(
            f"{resolved}: no parameter columns (expected one column per fitted parameter, named by its dotted path)"
        )
    w = columns[WEIGHT]
    if w is None or w.size == 0:
        raise PosteriorError(f"{resolved}: no samples (expected at least one row of finite weights)")
    if not (np.all(np.isfinite(w)) and np.all(w >= 0) and w.sum() > 0):
        problems.append(f"column '{WEIGHT}' must hold finite weights of 0 or more, not all 0")
    cols = []
    for c in params:
        meta_c = parameters.get(c)
        if meta_c is None:
            problems.append(
                f"column '{c}' is not a numeric scenario parameter (expected dotted paths such as "
                "grants.base_acceptance; see docs/parameters.md)"
            )
            continue
        x = columns[c]
        if x is None:
            problems.append(f"column '{c}' is not numeric")
            continue
        lo, hi = meta_c.get("range", (None, None))
        bad = ~np.isfinite(x)
        if lo is not None:
            bad |= (x <= lo) if meta_c.get("lo_open") else (x < lo)
        if hi is not None:
            bad |= x > hi
        if bad.any():
            problems.append(
                f"column '{c}': {int(bad.sum())} value(s) outside the parameter's allowed range "
                f"[{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}], e.g. {x[bad][0]:g}"
            )
        if meta_c.get("integer") and np.any(np.isfinite(x) & (x != np.round(x))):
            problems.append(f"column '{c}' must hold whole numbers ({c} is a count the engine rounds)")
        cols.append(x)
    if problems:
        raise PosteriorError(f"{resolved}: " + "; ".join(problems))
    return Posterior(
        path=resolved,
        sha256=sha,
        parameters=tuple(params),
        values=np.column_stack(cols).astype(float),
        weights=w / w.sum(),
        meta=meta,
    )


@functools.lru_cache(maxsize=8)
def _read_cached(path: str, mtime_ns: int, size: int) -> tuple:
    """(path, column names, numeric columns by name (None: not numeric), metadata record, SHA-256)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise PosteriorError(
            f"cannot read {path} as Parquet ({exc}) (expected a posterior.parquet written by careersim calibrate)"
        ) from None
    raw = (table.schema.metadata or {}).get(META_KEY)
    meta: dict[str, Any] = {}
    if raw is not None:
        try:
            meta = json.loads(raw.decode())
        except (ValueError, UnicodeDecodeError):
            raise PosteriorError(
                f"{path}: its careersim metadata is not valid JSON (expected the record careersim calibrate writes)"
            ) from None
    columns: dict[str, np.ndarray | None] = {}
    for c in table.column_names:
        try:
            columns[c] = np.asarray(table.column(c).to_numpy(zero_copy_only=False), dtype=float)
        except (TypeError, ValueError, pa.ArrowException):
            columns[c] = None
    return path, list(table.column_names), columns, meta, _sha256(Path(path))


def write_posterior(
    path: str | os.PathLike[str],
    parameters: dict[str, np.ndarray],
    weights: np.ndarray,
    meta: dict,
    extra: dict[str, np.ndarray] | None = None,
    integer: Iterable[str] = (),
) -> Path:
    """Write a posterior file (atomically): ``weight``, one column per parameter (those in ``integer``
    as whole numbers), optional extra columns (:data:`EXTRA_COLUMNS`) and the JSON record ``meta``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    integer = set(integer)
    arrays = {WEIGHT: pa.array(np.asarray(weights, dtype=float))}
    for p, x in parameters.items():
        x = np.asarray(x, dtype=float)
        arrays[p] = pa.array(np.round(x).astype(np.int64)) if p in integer else pa.array(x)
    for k, x in (extra or {}).items():
        if k not in EXTRA_COLUMNS:
            raise ValueError(f"unknown extra posterior column {k!r} (expected one of {EXTRA_COLUMNS})")
        arrays[k] = pa.array(np.asarray(x, dtype=float))
    table = pa.table(arrays)
    record = {"format": FORMAT, "version": 1, **meta}
    table = table.replace_schema_metadata({META_KEY: json_text(record, indent=None).encode()})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return write_bytes(path, sink.getvalue().to_pybytes())
