"""Sweeps on Dask: a LocalCluster of worker processes, and a separate scheduler and worker.

Both must give exactly the table of a serial run. Dask is a dependency of
careersim; the tests skip when it cannot start a cluster here (without local
networking, say), except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import distributed
import pandas as pd
import pytest

from careersim import cli
from careersim.experiments.sweep import (
    DaskExecutor,
    SerialExecutor,
    load_sweep_file,
    read_results,
    run_sweep,
)
from tests.conftest import unavailable
from tests.test_sweep import write_sweep


def test_local_cluster_of_processes_gives_the_serial_table(tmp_path):
    path = write_sweep(tmp_path)
    sweep = load_sweep_file(path)
    run_sweep(sweep, tmp_path / "serial", SerialExecutor())
    try:
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        )
    except Exception as exc:  # pragma: no cover - depends on the machine
        unavailable(f"Dask cannot start a local cluster here: {exc}")
    try:
        with distributed.Client(cluster) as client:
            executor = DaskExecutor(client)
            assert executor.workers == 2
            run = run_sweep(sweep, tmp_path / "dask", executor, chunk_rows=3)
            assert run.done == 12 and run.failed == 0
    finally:
        cluster.close()
    pd.testing.assert_frame_equal(read_results([tmp_path / "dask"]), read_results([tmp_path / "serial"]))


def _dask_cli() -> list[str] | None:
    script = Path(sys.executable).with_name("dask")
    if script.exists():
        return [str(script)]
    found = shutil.which("dask")
    return [found] if found else None


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def test_separate_scheduler_and_worker_processes(tmp_path, capsys, monkeypatch):
    dask = _dask_cli()
    if dask is None:
        unavailable("the 'dask' command is not installed")
    monkeypatch.chdir(tmp_path)
    path = write_sweep(tmp_path)
    run_sweep(load_sweep_file(path), tmp_path / "serial", SerialExecutor())
    info = tmp_path / "scheduler.json"
    logs = open(tmp_path / "dask.log", "w")
    procs = []
    try:
        # port 0: the scheduler picks a free port and writes its address to the scheduler file
        procs.append(
            subprocess.Popen(
                [
                    *dask,
                    "scheduler",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--no-dashboard",
                    "--scheduler-file",
                    str(info),
                ],
                stdout=logs,
                stderr=logs,
                start_new_session=True,
            )
        )
        deadline = time.time() + 60
        while not info.exists() and time.time() < deadline and procs[0].poll() is None:
            time.sleep(0.1)
        if not info.exists():
            unavailable("the Dask scheduler did not start: " + (tmp_path / "dask.log").read_text()[-500:])
        procs.append(
            subprocess.Popen(
                [
                    *dask,
                    "worker",
                    "--scheduler-file",
                    str(info),
                    "--nworkers",
                    "2",
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                ],
                stdout=logs,
                stderr=logs,
                start_new_session=True,
            )
        )
        import json

        address = json.loads(info.read_text())["address"]
        with distributed.Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        status = cli.main(["sweep", str(path), "--scheduler", address, "--out", "cluster", "--quiet"])
        assert status == 0, capsys.readouterr().err
    finally:
        for proc in reversed(procs):
            _stop(proc)
        logs.close()
    pd.testing.assert_frame_equal(read_results([tmp_path / "cluster"]), read_results([tmp_path / "serial"]))


def test_unreachable_scheduler_is_a_user_error(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_sweep(tmp_path)
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    status = cli.main(
        ["sweep", str(path), "--scheduler", f"tcp://127.0.0.1:{port}", "--scheduler-timeout", "1", "--out", "x"]
    )
    assert status == 2
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err


@pytest.mark.parametrize("address", ["notaurl", "tcp://", "http://[::1"])
def test_a_malformed_scheduler_address_is_a_user_error(address, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_sweep(tmp_path)
    status = cli.main(["sweep", str(path), "--scheduler", address, "--scheduler-timeout", "1", "--out", "x"])
    err = capsys.readouterr().err
    assert status == 2
    assert f"--scheduler {address!r} is not a Dask scheduler address" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()
