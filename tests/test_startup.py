"""Start-up and the compiled engine: the command line starts without the numerical
libraries, and the engine is compiled once, by the warm-up, for every command."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

HEAVY = ("numpy", "numba", "pandas", "scipy", "pydantic", "simpy", "matplotlib")


def modules_after(code: str, cwd: Path) -> set[str]:
    """The top-level packages imported by ``code`` run in a fresh interpreter."""
    probe = code + "\nimport sys, json\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=cwd, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["run", "--help"], ["sweep", "--help"], ["list"], []])
def test_the_command_line_starts_without_numerical_libraries(argv: list[str], tmp_path: Path) -> None:
    code = textwrap.dedent(f"""
        import contextlib, io
        from careersim import cli
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            cli.main({argv!r})
    """)
    loaded = modules_after(code, tmp_path)
    assert "careersim" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_import_careersim_is_lazy_but_complete(tmp_path: Path) -> None:
    assert not modules_after("import careersim", tmp_path) & set(HEAVY)
    code = (
        "import careersim as cs\nassert callable(cs.simulate) and callable(cs.run) and callable(cs.load_scenario)\n"
        "assert cs.baseline().name == 'baseline' and isinstance(cs.baseline(), cs.Scenario)\n"
        "assert cs.Replication.__name__ == 'Replication' and cs.__version__\n"
    )
    assert "numba" in modules_after(code, tmp_path)
    with pytest.raises(AttributeError):
        import careersim

        careersim.no_such_name  # noqa: B018


def test_each_command_imports_only_its_own_module(tmp_path: Path) -> None:
    code = textwrap.dedent("""
        import contextlib, io, sys
        from careersim import cli
        with contextlib.redirect_stdout(io.StringIO()):
            cli.main(["list"])
        print(sorted(m for m in sys.modules if m.startswith("careersim.cli.")))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.strip().splitlines()[-1]
        == "['careersim.cli.common', 'careersim.cli.dispatch', 'careersim.cli.list']"
    )


# -- the compiled engine ----------------------------------------------------------


def _signatures() -> dict[str, set]:
    """Every compiled careersim function -> the argument types it has code for."""
    out: dict[str, set] = {}
    for name, module in list(sys.modules.items()):
        if not name.startswith("careersim.") or module is None:
            continue
        for attr, value in vars(module).items():
            func = getattr(value, "py_func", None)
            if func is not None and hasattr(value, "signatures") and func.__module__ == name:
                out[f"{name}.{attr}"] = set(value.signatures)
    return out


def _new_specialisations(before: dict[str, set], after: dict[str, set]) -> dict[str, set]:
    """The engine's functions made ready after ``before`` (compiled, or loaded from the cache)."""
    return {
        k: v - before.get(k, set())
        for k, v in after.items()
        if k.startswith("careersim.engine.") and v - before.get(k, set())
    }


def test_run_compare_sweep_and_calibrate_use_the_engine_the_warm_up_compiled(tmp_path: Path) -> None:
    """After the warm-up, no command's work needs engine code the warm-up did not make ready: no
    engine function is compiled later, nor again for other argument types (on a new machine
    the step alone costs half a minute)."""
    from careersim.config.schema import baseline
    from careersim.config.targets import Target
    from careersim.experiments import experiment
    from careersim.experiments.calibrate import _Model
    from careersim.experiments.compare import compare
    from careersim.experiments.sweep import SerialExecutor, load_sweep_file, run_sweep
    from careersim.experiments.warmup import tiny_scenario, warm_up

    calls: list[tuple[str, bool]] = []
    warm_up(on_compile=lambda name, finished: calls.append((name, finished)))
    assert all(name.startswith("careersim.") for name, _ in calls)
    assert sum(1 for _, finished in calls if not finished) == sum(1 for _, finished in calls if finished)
    before = _signatures()
    assert before["careersim.engine.kernel.step"], "the warm-up compiled (or loaded) the monthly step"
    small = baseline().with_changes(
        {
            "population.entrants_per_year": 20,
            "run.horizon": 2.0,
            "initial.leads": 3,
            "initial.phd_students": 3,
            "initial.independents": 3,
            "initial.contributors": 3,
            "phd.advisors": 4,
        }
    )
    experiment.run(small, 2, 1, workers=1)
    compare(small, [small.with_changes({"grants.grant_length": 2.0})], 2, 1, 1, False)
    funded = Target(name="funded", statistic="grant_funded_share", options={}, value=0.5, sd=0.1, source="x")
    _Model(small, [], [funded], seed=1, replications=1)({})  # what each ABC particle runs (in forked workers)
    (tmp_path / "small.yaml").write_text(
        "extends: baseline\nname: small\npopulation: {entrants_per_year: 20}\nrun: {horizon: 2 years}\n"
    )
    (tmp_path / "s.yaml").write_text(
        "base: small.yaml\nfactors:\n  - {path: grants.grant_length, levels: [1, 2]}\n"
        "design: {kind: grid}\nreplications: 1\noutcomes: [p_lead]\n"
    )
    run_sweep(load_sweep_file(tmp_path / "s.yaml"), tmp_path / "out", SerialExecutor(), progress=False)
    assert _new_specialisations(before, _signatures()) == {}
    assert tiny_scenario().population.entrants_per_year == 20


def test_advise_uses_the_engine_the_warm_up_compiled() -> None:
    """advise's copies of a person enter through the engine's front doors with the field's own
    column types, so the one warm-up (whose tiny field has extra people with every setting)
    makes ready everything advise runs: no engine function is compiled again."""
    from careersim.config.profiles import profile_from_mapping
    from careersim.config.schema import baseline
    from careersim.engine import kernel
    from careersim.experiments import advise as adv
    from careersim.experiments.warmup import warm_up

    warm_up()
    before = _signatures()
    field = baseline().with_changes({"population.entrants_per_year": 30, "run.horizon": 3.0})
    adv.advise(
        profile_from_mapping(
            {
                "background": "masters",
                "programme": "yes",
                "funded_months": 6,
                "advisor": "top",
                "independent_mentoring": "1 hour every 2 weeks",
            },
            field,
        ),
        field,
        replications=2,
        clones=2,
        seed=1,
        workers=1,
        sensitivity=True,
    )
    assert _new_specialisations(before, _signatures()) == {}
    assert len(kernel.step.signatures) == 1, kernel.step.signatures


def test_the_list_of_signatures_the_warm_up_compiles_in_parallel_is_current(tmp_path: Path) -> None:
    """warmup_signatures.json lists the argument types of every function the warm-up makes ready, so a new
    machine compiles them on several cores; when the engine changes, rewrite it with
    'python -m careersim.experiments.warmup'."""
    from careersim.experiments import warmup

    listed = json.loads(warmup.SIGNATURES.read_text(encoding="utf-8"))
    code = (
        "from careersim.experiments import warmup as w; w._tiny_run(); import json; print(json.dumps(w.signatures()))"
    )
    for _ in range(2):  # the first may compile; the second loads and lists what Python calls
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=600)
        assert done.returncode == 0, done.stderr
    now = json.loads(done.stdout.strip().splitlines()[-1])
    assert listed == now, "out of date: run 'python -m careersim.experiments.warmup'"
    assert "careersim.engine.kernel.step" in listed


def test_the_listed_types_read_back_as_numba_types() -> None:
    from numba import typeof

    from careersim.experiments.warmup import _type_of, _type_text

    for value in (
        np.zeros((2, 3), dtype=np.int32, order="F"),
        np.zeros(3),
        np.zeros((2, 2, 2), dtype=np.uint64),
        np.int64(3),
        2.5,
        True,
        np.uint64(7),
    ):
        assert _type_of(_type_text(typeof(value))) == typeof(value), value


def test_the_warm_up_knows_whether_the_cache_holds_the_step() -> None:
    from careersim.experiments import warmup

    warmup.warm_up()
    listed = warmup._listed()
    own = [(warmup._OWN, sig) for sig in listed[warmup._OWN]]
    assert warmup._in_cache(own)
    assert not warmup._in_cache([(warmup._OWN, ["float64"])])  # no code for other argument types
    assert not warmup._in_cache([("careersim.engine.kernel.no_such_function", ["int64"])])


def test_only_the_parent_reports_compile_progress_not_the_helpers_it_forks() -> None:
    """The helpers that compile in parallel are forked while the command's progress listener is
    registered; they drop it, so the announcement is printed once."""
    import multiprocessing
    import types as pytypes

    from numba.core import event

    from careersim.experiments import warmup

    assert "fork" in multiprocessing.get_all_start_methods()  # careersim runs on Linux, where helpers are forked
    heard = multiprocessing.get_context("fork").Value("i", 0)

    def on_compile(name: str, finished: bool) -> None:
        with heard.get_lock():
            heard.value += 1

    def child() -> None:
        warmup._compile([], helper=True)
        fake = pytypes.SimpleNamespace(py_func=pytypes.SimpleNamespace(__module__="careersim.x", __qualname__="f"))
        event.start_event("numba:compile", data={"dispatcher": fake})
        event.end_event("numba:compile", data={"dispatcher": fake})

    listener = warmup._Listener(on_compile)
    event.register("numba:compile", listener)
    warmup._listening.append(listener)
    try:
        proc = multiprocessing.get_context("fork").Process(target=child)
        proc.start()
        proc.join(30)
        assert proc.exitcode == 0
        assert heard.value == 0  # the helper heard its own compile events without reporting them
        fake = pytypes.SimpleNamespace(py_func=pytypes.SimpleNamespace(__module__="careersim.x", __qualname__="f"))
        event.start_event("numba:compile", data={"dispatcher": fake})
        event.end_event("numba:compile", data={"dispatcher": fake})
        assert heard.value == 2  # the parent still reports its own
    finally:
        warmup._listening.remove(listener)
        event.unregister("numba:compile", listener)
