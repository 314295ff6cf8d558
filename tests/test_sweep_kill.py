"""A sweep killed with SIGKILL mid-way loses only runs in flight and resumes to the same table."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import pandas as pd

from careersim.experiments.sweep import PoolExecutor, Store, load_sweep_file, read_results, run_sweep
from tests.test_sweep import write_sweep

BODY = """\
factors:
  - path: exits.leave
    range: [0.01, 0.3]
  - path: grants.grant_length
    levels: [1 year, 2 years]
design: {kind: grid, levels: 20}
replications: 2
seed: 3
outcomes: [exit_left_for_other_work]
"""
TOTAL = 20 * 2 * 2


def _sweep(path, out, *extra):
    cmd = [
        sys.executable,
        "-m",
        "careersim",
        "sweep",
        str(path),
        "--workers",
        "2",
        "--out",
        str(out),
        "--quiet",
        "--chunk-rows",
        "4",
        "--flush-seconds",
        "0.05",
        *extra,
    ]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def _group_gone(pgid: int, timeout: float = 10.0) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_sigkill_then_resume_gives_the_uninterrupted_table(tmp_path):
    path = write_sweep(tmp_path, BODY, name="kill")
    run_sweep(load_sweep_file(path), tmp_path / "reference", PoolExecutor(2))
    reference = read_results([tmp_path / "reference"])
    out = tmp_path / "out"
    kills = 0
    for target, whole_group in ((8, False), (32, True)):  # kill once some chunks are committed, twice
        proc = _sweep(path, out)
        try:
            deadline = time.time() + 120
            while proc.poll() is None and time.time() < deadline:
                if out.exists() and (out / "ledger.jsonl").exists() and len(Store(out).completed()) >= target:
                    if whole_group:
                        os.killpg(proc.pid, signal.SIGKILL)  # the parent and its workers, at once
                    else:
                        os.kill(proc.pid, signal.SIGKILL)  # the parent only: its workers must not linger
                    kills += 1
                    break
                time.sleep(0.01)
            proc.wait(timeout=30)
            assert _group_gone(proc.pid), "worker processes outlived the killed sweep"
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        partial = read_results([out])
        assert partial["key"].is_unique
        assert len(partial) < TOTAL
        pd.testing.assert_frame_equal(partial, reference[reference["key"].isin(partial["key"])].reset_index(drop=True))
    assert kills == 2
    proc = _sweep(path, out, "--resume")
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err.decode()
    pd.testing.assert_frame_equal(read_results([out]), reference)
