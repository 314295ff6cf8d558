"""The one parallel runner (careersim.experiments.pool): order, workers, cancellation, warm-up, progress."""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest

from careersim.experiments.pool import Pool, Progress, default_workers, run_tasks
from careersim.experiments.warmup import warm_up

FORK = sys.platform.startswith("linux")


def _square_after(x: int, pause: float) -> tuple[int, int]:
    time.sleep(pause)
    return x * x, os.getpid()


def _interrupt_myself() -> str:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.2)
    return "still here"


def _fail(x: int) -> int:
    if x == 2:
        raise ValueError("task 2 fails")
    time.sleep(0.05)
    return x


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (ended, not yet reaped) counts as gone
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def test_default_workers() -> None:
    assert default_workers(3) == 3
    assert default_workers(0) == 1 and default_workers(-2) == 1
    assert default_workers(None) == max(1, os.cpu_count() or 1)


def test_results_are_in_task_order_for_any_number_of_workers() -> None:
    # later tasks finish first, so completion order is the reverse of task order
    tasks = [(x, 0.02 * (6 - x)) for x in range(6)]
    serial = run_tasks(_square_after, tasks, 1)
    parallel = run_tasks(_square_after, tasks, 2)
    assert [r for r, _ in serial] == [r for r, _ in parallel] == [x * x for x in range(6)]
    assert {pid for _, pid in serial} == {os.getpid()}  # one worker: this process
    assert os.getpid() not in {pid for _, pid in parallel} and len({pid for _, pid in parallel}) == 2


def test_one_task_runs_here_and_no_task_is_fine() -> None:
    assert run_tasks(_square_after, [(3, 0.0)], 4) == [(9, os.getpid())]
    assert run_tasks(_square_after, [], 4) == []


def test_progress_advances_once_per_task() -> None:
    bar = Progress(5, "tasks", enabled=False)
    run_tasks(_square_after, [(x, 0.0) for x in range(5)], 2, progress=bar)
    assert bar.completed == 5


@pytest.mark.skipif(not FORK, reason="workers are forked only where the platform forks")
def test_workers_ignore_ctrl_c_which_the_parent_handles() -> None:
    with Pool(2, warm=False) as p:
        assert p.submit(_interrupt_myself).result(timeout=30) == "still here"


@pytest.mark.skipif(not FORK, reason="checks processes through /proc")
def test_a_failing_task_stops_the_run_and_its_workers() -> None:
    with Pool(2, warm=False) as p:
        pids = p.pids()
        with pytest.raises(ValueError, match="task 2 fails"):
            run_tasks(_fail, [(x,) for x in range(8)], pool=p)
    assert len(pids) == 2 and not any(_alive(pid) for pid in pids)  # leaving the block by an error ends them


@pytest.mark.skipif(not FORK, reason="checks processes through /proc")
def test_ctrl_c_terminates_the_workers_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[Pool] = []
    real_init = Pool.__init__

    def remember(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(Pool, "__init__", remember)
    pids: list[int] = []

    class CtrlC(Progress):
        """Ctrl-C pressed as the first task finishes."""

        def advance(self, steps: int = 1, detail: str | None = None) -> None:
            pids.extend(made[0].pids())
            raise KeyboardInterrupt

    started = time.time()
    with pytest.raises(KeyboardInterrupt):
        run_tasks(_square_after, [(0, 0.0), (1, 30.0), (2, 30.0)], 2, progress=CtrlC(3, "x", enabled=False))
    assert time.time() - started < 15  # the 30-second tasks were not waited for
    assert len(pids) == 2 and not any(_alive(pid) for pid in pids)


def test_warm_up_runs_once_and_names_every_metric(monkeypatch: pytest.MonkeyPatch) -> None:
    first = warm_up()
    assert {"p_lead", "new_leads", "util_lead_openings"} <= set(first)
    calls = []
    monkeypatch.setattr("careersim.experiments.warmup.simulate", lambda *a: calls.append(a))
    second = warm_up()
    assert second == first and second is not first and calls == []  # cached; each caller gets its own copy
    second["new_leads"] = -1.0
    assert warm_up()["new_leads"] == first["new_leads"] >= 0


def test_pool_warms_up_unless_told_not_to(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr("careersim.experiments.warmup.warm_up", lambda: calls.append(1))
    Pool(1, warm=False).close()
    assert calls == []
    Pool(1).close()
    assert calls == [1]


def _frozen_here() -> int:
    import gc

    return gc.get_freeze_count()


@pytest.mark.skipif(not FORK, reason="forked workers share the parent's objects only where the platform forks")
def test_workers_start_with_the_parents_objects_frozen_and_the_parent_does_not_keep_them() -> None:
    """Forked workers' garbage collections skip what they inherit (no time on it, no copied pages);
    the parent collects as before once they have started."""
    import gc

    assert gc.get_freeze_count() == 0
    with Pool(2, warm=False) as pool:
        assert gc.get_freeze_count() == 0
        inherited = [pool.submit(_frozen_here).result() for _ in range(2)]
    assert min(inherited) > 1000, inherited


def test_progress_lines_go_to_stderr_without_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    with Progress(2, "candidates") as bar:
        bar.print("first line")
        bar.advance(detail="best 1")
        bar.advance()
        assert bar.completed == 2
    Progress(1, "quiet", enabled=False).print("not shown")
    captured = capsys.readouterr()
    assert captured.err == "first line\n" and captured.out == ""


def test_progress_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with Progress(3, "replications") as bar:
        bar.start()
        assert bar._bar is not None  # drawn on a terminal
        bar.print("a line above the bar")
        run_tasks(_square_after, [(x, 0.0) for x in range(3)], 1, progress=bar)
        bar.advance(0, detail="1 failed")
        assert bar.completed == 3
    assert bar._bar is None  # gone once closed
    assert "a line above the bar" in capsys.readouterr().err
