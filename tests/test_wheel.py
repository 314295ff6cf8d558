"""The wheel works outside the checkout: built, installed into a fresh virtual environment
in a temporary folder, and run from another folder, it ships its scenarios, sweeps,
profiles, calibration example and report templates."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(argv: list, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    done = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{argv}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.slow
def test_the_wheel_runs_outside_the_checkout(tmp_path: Path) -> None:
    # build from a copy of the sources, so the checkout gets no build/ folder
    src = tmp_path / "src"
    shutil.copytree(ROOT / "careersim", src / "careersim", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    dist = tmp_path / "dist"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            dist,
            src,
        ],
        cwd=tmp_path,
    )
    (wheel,) = dist.glob("careersim-*.whl")

    # a fresh environment that sees this one's libraries (numpy, numba, ...) but not its careersim
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=tmp_path)
    python = venv / "bin" / "python"
    purelib = _run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp_path
    ).stdout.strip()
    libraries = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(purelib) / "careersim_test_libraries.pth").write_text("\n".join(libraries) + "\n")
    _run([python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheel], cwd=tmp_path)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    careersim = venv / "bin" / "careersim"
    where = _run(
        [python, "-c", "import careersim.config.shipped as s; print(s.__file__); print(s.shipped_dir())"], cwd=elsewhere
    ).stdout.split()
    assert where[0].startswith(str(venv)), where
    shipped = Path(where[1])
    for part in (
        "baseline.yaml",
        "sweeps/sobol-baseline.yaml",
        "profiles/masters-self-directed.yaml",
        "calibration/targets.yaml",
        "calibration/base.yaml",
        "calibration/README.md",
    ):
        assert (shipped / part).is_file(), part
    templates = shipped.parent / "reporting" / "templates"
    assert (templates / "report.html").is_file() and (templates / "style.css").is_file()

    assert "baseline" in _run([careersim, "list"], cwd=elsewhere).stdout
    checked = _run(
        [careersim, "validate", *sorted(shipped.glob("*.yaml")), shipped / "calibration" / "base.yaml"], cwd=elsewhere
    ).stdout
    assert checked.count("OK ") == len(list(shipped.glob("*.yaml"))) + 1
    for sweep in sorted((shipped / "sweeps").glob("*.yaml")):
        assert _run([careersim, "sweep", sweep, "--dry-run"], cwd=elsewhere).stdout.startswith("OK ")
    (elsewhere / "mine.yaml").write_text("extends: multi-year-grants\nname: mine\n")  # a shipped parent, by name
    assert "OK mine.yaml (mine)" in _run([careersim, "validate", "mine.yaml"], cwd=elsewhere).stdout
    _run([careersim, "run", "baseline", "-n", "2", "-j", "1", "--out", "report", "--quiet"], cwd=elsewhere)
    assert (elsewhere / "report" / "summary.json").is_file()
    assert "<html" in (elsewhere / "report" / "report.html").read_text(encoding="utf-8").lower()
