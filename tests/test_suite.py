"""The suite's own rules: a test whose tool is missing fails in CI, and none skips any other way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import in_ci, unavailable

TESTS = Path(__file__).resolve().parent


def test_a_missing_tool_skips_here_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    for value in ("", "false", "0"):
        monkeypatch.setenv("CI", value)
        assert not in_ci()
        with pytest.raises(pytest.skip.Exception, match="no such tool"):
            unavailable("no such tool")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        unavailable("no such tool")
    for value in ("true", "TRUE", "1", "yes"):
        monkeypatch.setenv("CI", value)
        assert in_ci()
        with pytest.raises(pytest.fail.Exception, match="no such tool; CI=true"):
            unavailable("no such tool")


def test_tests_skip_only_through_the_ci_aware_rule() -> None:
    """``pytest.skip`` and ``importorskip`` would let CI pass without running a test; tests
    call :func:`tests.conftest.unavailable` instead (a platform ``skipif`` is allowed)."""
    offenders = []
    for path in sorted(TESTS.glob("*.py")):
        if path.name in ("conftest.py", Path(__file__).name):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"pytest\.(skip|importorskip)\(|allow_module_level", line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
