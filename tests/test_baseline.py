"""The committed regression baseline (tests/baseline.json) still holds.

Each shipped scenario, the calibration base and the 10,000-entrant field are
run with seeds 1-4 (60 replications, about 8 s on one core once compiled) and
compared with the baseline, part by part and headline number by headline
number. See tests/baseline.py for when and how to refresh the file.
"""

from __future__ import annotations

import copy

import pytest

from tests import baseline as B

SAVED = B.load()


@pytest.mark.parametrize("name", B.case_names())
def test_results_match_the_committed_baseline(name: str) -> None:
    saved = {k: v for k, v in SAVED.items() if k.rsplit("/", 1)[0] == name}
    lines = B.differences(saved, B.replicate(name))
    assert not lines, B.explain(lines)


def test_the_baseline_covers_every_case_and_seed() -> None:
    expected = {f"{name}/{seed}" for name in B.case_names() for seed in B.SEEDS}
    assert set(SAVED) == expected, (
        f"cases missing from the baseline: {sorted(expected - set(SAVED))}; "
        f"cases no longer run: {sorted(set(SAVED) - expected)}; run {B.UPDATE_COMMAND}"
    )
    for key, entry in SAVED.items():
        assert {"agents", "events", "timeseries", "summary"} <= set(entry["fingerprint"]), key
        assert set(B.HEADLINES) | set(B.COUNTED) <= set(entry["headlines"]), key


def test_the_comparison_names_what_moved_with_old_and_new_values() -> None:
    """The check itself can fail: a changed hash, a moved number, a missing or an extra
    replication are each reported, with the values on both sides."""
    key = "baseline/2"
    saved = {key: SAVED[key], "baseline/3": SAVED["baseline/3"]}
    assert B.differences(saved, copy.deepcopy(saved)) == []
    current = copy.deepcopy(saved)
    current[key]["fingerprint"]["events"] = "0" * 16
    assert B.differences(saved, current) == [
        f"{key}: events differ",
        "  no headline number moved (at 6 significant digits)",
    ]
    old = saved[key]["headlines"]["p_lead_phd"]
    current[key]["headlines"]["p_lead_phd"] = 0.5
    current[key]["headlines"]["entrants"] = 7
    del current["baseline/3"]
    current["baseline/5"] = saved["baseline/3"]
    assert B.differences(saved, current) == [
        f"{key}: events differ",
        f"  entrants: {B._shown(saved[key]['headlines']['entrants'])} -> 7",
        f"  p_lead_phd: {old} -> 0.5",
        "baseline/3: in the baseline but not computed (a scenario removed or renamed?)",
        "baseline/5: not in the baseline (a new scenario?)",
    ]


def test_the_file_reads_back_exactly_as_written(tmp_path) -> None:
    """Headline numbers keep their value through the file (JSON floats round-trip), and
    undefined numbers (NaN) are kept as null."""
    path = tmp_path / "b.json"
    B.save(SAVED, path)
    assert B.load(path) == SAVED
    assert path.read_text(encoding="utf-8") == B.BASELINE.read_text(encoding="utf-8")
    assert B._rounded(float("nan")) is None and B._rounded(0.1234567890) == 0.123457
    assert B._rounded(12.0) == 12 and isinstance(B._rounded(12.0), int) and B._rounded(True) is True
