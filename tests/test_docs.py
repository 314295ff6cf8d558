"""The documentation is generated from, and checked against, the code."""

from __future__ import annotations

import re
from pathlib import Path

from careersim.config.schema import iter_parameters
from careersim.reporting import reference as docs

ROOT = Path(__file__).resolve().parent.parent


def test_parameter_reference_and_odd_table_are_up_to_date():
    assert docs.main(["--check"]) == 0, "run `make docs`"


def test_every_parameter_is_in_the_odd_description():
    odd = (ROOT / "docs" / "ODD.md").read_text()
    missing = [p for p, _, _ in iter_parameters() if f"`{p}`" not in odd]
    assert not missing, missing


def test_every_module_the_odd_names_exists():
    odd = (ROOT / "docs" / "ODD.md").read_text()
    for path in set(re.findall(r"`(careersim/[\w/]+\.py)", odd)):
        assert (ROOT / path).exists(), path


def test_every_parameter_has_a_description_and_a_source():
    for path, info, meta in iter_parameters():
        assert info.description, path
        if meta:  # choices (Literal/bool fields) carry no unit or source
            assert meta.get("source"), path


def test_validation_cites_tests_that_exist_and_covers_every_claim():
    text = (ROOT / "docs" / "VALIDATION.md").read_text()
    theory = (ROOT / "tests" / "test_engine_theory.py").read_text()
    for name in re.findall(r"`(test_\w+)`", text):
        assert f"def {name}(" in theory, name
    for k in range(1, 10):
        assert f"| C{k} " in text, f"C{k} missing from the claims table"
    from careersim.analysis.claims import CLAIM_TEXT

    assert sorted(CLAIM_TEXT) == [f"C{k}" for k in range(1, 10)]
