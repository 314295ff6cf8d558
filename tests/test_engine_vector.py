"""The kernel's parameter vector and statistics, generated rather than kept by hand."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from careersim.config.schema import baseline, iter_parameters
from careersim.core.codes import STATE_NAMES
from careersim.core.rng import Streams
from careersim.engine import vector as V
from careersim.engine.layout import (
    N_STATS,
    ST_FUNDED,
    ST_INDEPENDENT_LEADS,
    ST_NONPROFIT,
    ST_READY,
    ST_WAITING,
    ST_WANTS,
    STATS,
)
from careersim.engine.parameters import Live, draw_parameters

PACKAGE = Path(V.__file__).resolve().parents[1]
KERNEL_SOURCE = (PACKAGE / "engine" / "kernel.py").read_text(encoding="utf-8")


def test_the_layout_is_the_flagged_schema_parameters_then_the_derived_entries():
    flagged = [path for path, _info, meta in iter_parameters() if meta.get("kernel")]
    assert V.KERNEL_PARAMS == tuple(flagged) + tuple(d.path for d in V.DERIVED)
    assert len(set(V.KERNEL_PARAMS)) == V.N_PARAMS == len(V.KERNEL_PARAMS)
    for i, path in enumerate(V.KERNEL_PARAMS):
        assert V.INDEX[path] == i == getattr(V, V.constant_name(path))
    assert V.constant_name("learning.signal_gain") == "LEARNING_SIGNAL_GAIN"


def test_the_kernel_reads_exactly_the_vectors_entries():
    """A parameter flagged ``kernel=True`` that the step never reads, or a name the step
    reads that is not in the vector, is an error."""
    read = set(re.findall(r"\bV\.([A-Z][A-Z0-9_]*)\b", KERNEL_SOURCE)) - {"N_PARAMS"}
    names = {V.constant_name(p) for p in V.KERNEL_PARAMS}
    assert read - names == set(), "the kernel reads names the layout lacks"
    assert names - read == set(), "parameters flagged kernel=True that the kernel never reads"
    assert "KERNEL_PARAMS" not in KERNEL_SOURCE and not re.search(r"\bP_[A-Z]", KERNEL_SOURCE)


def test_derived_entries_are_declared_once():
    """Every "x." path used anywhere in the package is one of :data:`DERIVED`, declared in
    engine/vector.py only."""
    declared = {d.path for d in V.DERIVED}
    for f in PACKAGE.rglob("*.py"):
        for path in re.findall(r"""["'](x\.[a-z_]+)["']""", f.read_text(encoding="utf-8")):
            assert path in declared, (f, path)
            if f.name != "vector.py":
                assert f'Derived("{path}"' not in f.read_text(encoding="utf-8")


def test_live_parameters_fill_the_vector_by_path():
    values = draw_parameters(baseline(), Streams(3))
    values["timelines.arrival"] = 4.0
    live = Live(values)
    assert live.P.shape == (V.N_PARAMS,)
    for path, i in V.INDEX.items():
        assert live.P[i] == float(live[path])
    assert live["x.arrival_tick"] == V.arrival_tick(values) == round(values["run.burn_in"] * 48) + 4 * 48
    live.set("independent.mentor_hours", 2.5)
    assert live.P[V.INDEPENDENT_MENTOR_HOURS] == 2.5
    np.testing.assert_array_equal(live.P, [float(live[p]) for p in V.KERNEL_PARAMS])


def test_the_steps_statistics_are_named_after_the_states():
    assert STATS[: len(STATE_NAMES)] == STATE_NAMES
    assert [STATS[k] for k in (ST_READY, ST_WAITING, ST_FUNDED, ST_WANTS)] == ["ready", "waiting", "funded", "wants"]
    assert [STATS[k] for k in (ST_NONPROFIT, ST_INDEPENDENT_LEADS)] == ["nonprofit", "independent_leads"]
    assert N_STATS == len(STATE_NAMES) + 6
    for f in (PACKAGE / "engine").glob("*.py"):
        assert not re.search(r"stats\[\d+\]", f.read_text(encoding="utf-8")), f
