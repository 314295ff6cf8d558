"""Reports: sections in order, findings worded by their intervals, escaping, self-contained, regenerated identically."""

from __future__ import annotations

import base64
import os
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from careersim import cli
from careersim.config.schema import baseline, iter_parameters
from careersim.experiments import experiment
from careersim.experiments.compare import compare, write_comparison
from careersim.reporting import findings as F
from careersim.reporting import pages
from careersim.reporting.pages import render, render_comparison, render_run

PAYLOAD = "<script>alert(1)</script>"

RUN_SECTIONS = [
    "findings",
    "headline",
    "binding",
    "charts",
    "chance-by-track-section",
    "time-to-lead-section",
    "lead-years-section",
    "flows-section",
    "attrition-section",
    "resources-section",
    "demand-section",
    "arrival-section",
    "claims",
    "caveats",
    "glossary",
    "assumptions",
    "provenance",
]
COMPARE_SECTIONS = ["bottom-line"] + RUN_SECTIONS[:12] + ["group-effects"] + RUN_SECTIONS[12:]


def tiny_scenario(name: str = PAYLOAD, policy: bool = True):
    sc = baseline().with_changes(
        {
            "population.entrants_per_year": 40,
            "run.horizon": 6.0,
            "run.claims_window": 3.0,
            "initial.leads": 5,
            "initial.phd_students": 8,
            "initial.independents": 6,
            "initial.contributors": 10,
            "phd.advisors": 10,
        }
    )
    data = sc.model_dump()
    data["name"] = name
    data["description"] = f"Description with {PAYLOAD} & <b>markup</b>"
    if policy:
        data["interventions"] = [{"kind": "multi_year_grants", "start": 1.0, "name": f"grants {PAYLOAD}"}]
    return type(sc).model_validate(data)


def make_run(folder: Path, replications: int = 2) -> Path:
    exp = experiment.run(tiny_scenario(), replications, 3, 1, policy_claims=replications)
    experiment.write_results(exp, folder)
    render_run(folder)
    return folder


def make_comparison(folder: Path, replications: int = 2) -> Path:
    base = tiny_scenario("base " + PAYLOAD, policy=False)
    data = compare(base, [tiny_scenario()], replications, 3, 1, policy_claims=replications)
    write_comparison(data, folder)
    render_comparison(folder)
    return folder


def make_crowded_comparison(folder: Path, replications: int = 2) -> Path:
    """A comparison of more scenarios than one chart can show (every preset policy): folded
    tables, small multiples and the resource-use table."""
    from careersim.config.schema import PRESETS

    base = tiny_scenario("baseline", policy=False)
    alts = []
    for kind in sorted(PRESETS):
        data = tiny_scenario(f"{kind.replace('_', '-')}-with-a-long-name").model_dump()
        data["interventions"] = [{"kind": kind, "start": 1.0, "name": kind}]
        alts.append(type(base).model_validate(data))
    data = compare(base, alts, replications, 3, 1, policy_claims=replications)
    write_comparison(data, folder)
    render_comparison(folder)
    return folder


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    return make_run(tmp_path_factory.mktemp("run") / "out")


@pytest.fixture(scope="module")
def cmp_dir(tmp_path_factory) -> Path:
    return make_comparison(tmp_path_factory.mktemp("cmp") / "out")


def html_of(folder: Path) -> str:
    return (folder / "report.html").read_text(encoding="utf-8")


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.imgs: list[dict] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "img":
            self.imgs.append(a)


def parse(html: str) -> _Collect:
    p = _Collect()
    p.feed(html)
    return p


# ---------------------------------------------------------------------------
# structure
# ---------------------------------------------------------------------------


def test_run_report_has_every_section_in_order(run_dir: Path) -> None:
    ids = parse(html_of(run_dir)).ids
    positions = [ids.index(s) for s in RUN_SECTIONS]
    assert positions == sorted(positions)
    assert "group-effects" not in ids


def test_comparison_report_has_every_section_in_order(cmp_dir: Path) -> None:
    ids = parse(html_of(cmp_dir)).ids
    positions = [ids.index(s) for s in COMPARE_SECTIONS]
    assert positions == sorted(positions)
    html = html_of(cmp_dir)
    assert "Effects per group beside the total" in html
    assert "All entrants (total)" in html


def test_every_chart_is_an_inline_svg_with_alt_text(run_dir: Path, cmp_dir: Path) -> None:
    for folder, expected in ((run_dir, 10), (cmp_dir, 11)):
        imgs = parse(html_of(folder)).imgs
        assert len(imgs) == expected
        for img in imgs:
            assert len(img.get("alt", "")) > 40, img.get("alt")
            src = img["src"]
            assert src.startswith("data:image/svg+xml;base64,")
            svg = base64.b64decode(src.split(",", 1)[1])
            root = ET.fromstring(svg)
            assert root.tag.endswith("svg")
            assert b"<script" not in svg.lower() and b"alert(1)" not in svg
            # text is drawn with glyph outlines scaled by small factors: none may collapse to zero
            scales = re.findall(rb"scale\(([-\d.e]+)(?:[ ,]+([-\d.e]+))?\)", svg)
            assert scales, "no text drawn"
            assert all(float(a) != 0 and (not b or float(b) != 0) for a, b in scales)
            assert int(img["width"]) > 100 and int(img["height"]) > 100


def test_report_is_self_contained_and_has_no_scripts(run_dir: Path, cmp_dir: Path) -> None:
    for folder in (run_dir, cmp_dir):
        html = html_of(folder)
        tags = set(parse(html).tags)
        assert "script" not in tags and "link" not in tags and "iframe" not in tags
        assert "<script" not in html.lower()
        assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', html)
        assert "@import" not in html and "url(" not in html
        assert "Content-Security-Policy" in html
        assert '<meta name="viewport"' in html
        assert "@media print" in html and "@media (max-width" in html


def test_user_text_is_escaped(run_dir: Path, cmp_dir: Path) -> None:
    for folder in (run_dir, cmp_dir):
        html = html_of(folder)
        assert PAYLOAD not in html
        assert "<b>markup</b>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        # the payload appears only as text: every '<script' is escaped, in attributes too
        assert "alert(1)" in html and not re.search(r"<\s*script", html, re.I)


def test_intervention_is_listed_with_its_start(run_dir: Path) -> None:
    html = html_of(run_dir)
    i = html.index('id="assumptions"')
    assert "grants &lt;script&gt;" in html[i:]
    assert "grants.grant_length = 3" in html[i:]


def test_assumptions_table_lists_every_parameter_and_marks_differences(run_dir: Path) -> None:
    html = html_of(run_dir)
    section = html[html.index('id="assumptions"') : html.index('id="provenance"')]
    paths = [p for p, _i, _m in iter_parameters() if "." in p]
    section = section.replace("<wbr>", "")  # break opportunities after the dots of long paths
    for p in paths:
        assert f"<code>{p}</code>" in section, p
    rows = re.findall(r'<tr class="differs">\s*<th scope="row"><code>([\w.]+)</code>', section)
    assert {"population.entrants_per_year", "run.horizon", "initial.leads", "phd.advisors"} <= set(rows)
    assert "run.start_year" not in rows
    assert "assumption" in section


def test_claims_table_says_not_evaluated_where_absent(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    exp = experiment.run(tiny_scenario(), 2, 3, 1, policy_claims=0)
    experiment.write_results(exp, folder)
    render_run(folder)
    html = html_of(folder)
    section = html[html.index('id="claims"') : html.index('id="caveats"')]
    for k in ("C1", "C5", "C9"):
        assert f"<strong>{k}</strong>" in section
    assert "not evaluated" in section  # policy claims were skipped in this run
    binding = html[html.index('id="binding"') : html.index('id="charts"')]
    assert "were not measured in this run" in binding


def test_headline_and_caveats_and_provenance(run_dir: Path) -> None:
    html = html_of(run_dir)
    head = html[html.index('id="headline"') : html.index('id="binding"')]
    for text in ("Chance of becoming a lead", "Lead-years before arrival", "Safety-relevant lead-years", "PhD track"):
        assert text in head
    cav = html[html.index('id="caveats"') : html.index('id="provenance"')]
    assert "geography" in cav and "calibrat" in cav.lower()
    prov = html[html.index('id="provenance"') :]
    assert "Root seed" in prov and "Scenario hash" in prov


def test_report_command_regenerates_identical_html(
    run_dir: Path, cmp_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for folder in (run_dir, cmp_dir):
        before = (folder / "report.html").read_bytes()
        (folder / "report.html").unlink()
        assert cli.main(["report", str(folder)]) == 0
        assert capsys.readouterr().out.strip() == str(folder / "report.html")
        assert (folder / "report.html").read_bytes() == before
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli.main(["report", str(empty)]) == 2
    assert "neither summary.json" in capsys.readouterr().err
    assert cli.main(["report", str(tmp_path / "missing")]) == 2


_DRAWN_LOG: list[Path] = []  # where _draw_and_record writes; a forked helper inherits it


def _draw_and_record(views, jobs):
    """``pages._draw_jobs`` that also writes which process drew each chart (one line per chart)."""
    drawn = _REAL_DRAW_JOBS(views, jobs)
    with open(_DRAWN_LOG[0], "a", encoding="utf-8") as f:
        f.writelines(f"{os.getpid()} {name}\n" for name in drawn)
    return drawn


_REAL_DRAW_JOBS = pages._draw_jobs


def _render_recording(folder: Path, log: Path) -> dict[str, int]:
    log.unlink(missing_ok=True)
    _DRAWN_LOG[:] = [log]
    render(folder)
    rows = [line.split(" ", 1) for line in log.read_text(encoding="utf-8").splitlines()]
    return {name: int(pid) for pid, name in rows}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="charts are drawn in a forked helper on Linux only")
def test_charts_drawn_in_a_helper_process_are_the_same(
    run_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Half the charts are drawn in a forked helper when there is a second core; the page
    must be byte for byte the one drawn in a single process. The test proves that a helper
    process did draw them (and that the serial switch draws all of them here)."""
    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    monkeypatch.delenv("CAREERSIM_SERIAL_CHARTS", raising=False)
    monkeypatch.setattr(pages, "_draw_jobs", _draw_and_record)
    here = os.getpid()
    by = _render_recording(copy, tmp_path / "drawn.txt")
    parallel = html_of(copy)
    assert len(by) == 10, by  # every chart drawn once
    away = [name for name, pid in by.items() if pid != here]
    assert len({by[name] for name in away}) == 1 and len(away) == 5, (
        f"the helper process did not draw half the charts: {by}"
    )
    monkeypatch.setenv("CAREERSIM_SERIAL_CHARTS", "1")
    serial = _render_recording(copy, tmp_path / "drawn.txt")
    assert set(serial) == set(by) and set(serial.values()) == {here}
    assert html_of(copy) == parallel


def test_run_report_without_agent_table_still_renders(run_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    shutil.rmtree(copy / "agents.parquet") if (copy / "agents.parquet").is_dir() else (copy / "agents.parquet").unlink()
    render(copy)
    assert "agents.parquet" not in html_of(copy)  # the groups come from groups.parquet
    (copy / "groups.parquet").unlink()
    (copy / "flows.parquet").unlink()
    render(copy)
    html = html_of(copy)
    assert "groups.parquet" in html and "agents.parquet" in html and "flows.parquet" in html
    assert "This chart is not available" in html
    ids = parse(html).ids
    assert [ids.index(s) for s in RUN_SECTIONS] == sorted(ids.index(s) for s in RUN_SECTIONS)


# ---------------------------------------------------------------------------
# findings: words of certainty follow the intervals
# ---------------------------------------------------------------------------


def eff(value, low, high, n=10, base=0.1, share=None):
    """A paired effect; by default the share of replications better follows the interval (most
    better above zero, most worse below, half and half across it)."""
    if share is None:
        share = 0.9 if low > 0 else 0.1 if high < 0 else 0.5
    return {
        "value": value,
        "low": low,
        "high": high,
        "n": n,
        "base_mean": base,
        "alt_mean": base + value,
        "share_better": share,
        "share_equal": 0.0,
    }


def test_effect_sentence_words_follow_the_interval() -> None:
    up = F.effect_sentence("B", "the lead chance", eff(0.02, 0.01, 0.03, share=0.9), "share", "base")
    assert "likely increases the lead chance by 2.0 percentage points" in up and "9 of 10" in up
    down = F.effect_sentence("B", "the lead chance", eff(-0.02, -0.03, -0.01), "share", "base")
    assert "likely decreases" in down
    zero = F.effect_sentence("B", "the lead chance", eff(0.02, -0.01, 0.05), "share", "base")
    assert "may not change" in zero and "includes no change" in zero and "likely" not in zero
    single = F.effect_sentence("B", "lead-years", eff(0.5, 0.5, 0.5, n=1), "years", "base")
    assert "too few paired replications (1)" in single and "likely" not in single
    missing = F.effect_sentence("B", "lead-years", eff(0.5, float("nan"), float("nan")), "years", "base")
    assert "may not change" in missing
    assert F.effect_sentence("B", "x", eff(float("nan"), 0, 0), "years", "base") is None
    for s in (up, down, zero, single, missing):
        assert not re.search(r"\bwill\b", s)


def test_track_gap_sentence_follows_the_paired_interval() -> None:
    by_track = {"phd": {"value": 0.2}, "independent": {"value": 0.1}, "contributor": {"value": 0.05}}
    clear = pd.DataFrame(
        {
            "p_lead_phd": [0.2, 0.21, 0.19, 0.2],
            "p_lead_independent": [0.1, 0.1, 0.11, 0.09],
            "p_lead_contributor": [0.05] * 4,
        }
    )
    s = F.track_gap_sentence(by_track, clear, "10 years")
    assert "is likely higher than" in s and "the PhD" in s
    noisy = pd.DataFrame(
        {
            "p_lead_phd": [0.4, 0.0, 0.4, 0.0],
            "p_lead_independent": [0.1, 0.1, 0.1, 0.1],
            "p_lead_contributor": [0.05] * 4,
        }
    )
    s = F.track_gap_sentence(
        {"phd": {"value": 0.2}, "independent": {"value": 0.1}, "contributor": {"value": 0.05}}, noisy, "10 years"
    )
    assert "may not differ from" in s and "includes zero" in s and "likely" not in s


def summary(p=0.1, lo=0.08, hi=0.12, claims=None):
    return {
        "scenario": "x",
        "provenance": {"replications": 4},
        "outcomes": {
            "p_lead": {
                "value": p,
                "low": lo,
                "high": hi,
                "by_track": {"phd": {"value": 0.2}, "independent": {"value": 0.1}, "contributor": {"value": 0.05}},
            },
            "lead_years_before_arrival_per_entrant": {"value": 0.5, "low": 0.1, "high": 1.2},
            "safety_lead_years_before_arrival_per_entrant": {"value": 0.2, "low": 0.05, "high": 0.5},
            "attrition": {
                "burnout": {"value": 0.1, "low": 0.09, "high": 0.11},
                "funding_ran_out": {"value": 0.2, "low": 0.18, "high": 0.22},
            },
            "binding_constraint": {
                "binding": "openings_adjacent_org",
                "share_of_replications": {"openings_adjacent_org": 0.75},
                "utilisation": {"lead_openings": {"value": 0.95}},
                "excess_demand": {"lead_openings": {"value": 3.0}},
            },
        },
        "marginal_value": {
            "step": 0.1,
            "replications": 4,
            "binding": "openings_adjacent_org",
            "resources": [
                {
                    "key": "money",
                    "label": "grant money",
                    "status": "measured",
                    "new_leads": {"value": 0.0, "low": 0.0, "high": 0.0, "n": 4},
                },
                {
                    "key": "openings_adjacent_org",
                    "label": "lead openings at adjacent-agenda organisations",
                    "status": "measured",
                    "new_leads": {"value": 24.0, "low": 18.0, "high": 30.0, "n": 4},
                },
                {
                    "key": "grantmaker_time",
                    "label": "grantmaker time",
                    "status": "measured",
                    "new_leads": {"value": 9.0, "low": -1.0, "high": 19.0, "n": 4},
                },
            ],
        },
        "claims": claims
        if claims is not None
        else {"C1": {"share_holds": 1.0}, "C2": {"share_holds": 0.25}, "C3": {"share_holds": 0.0}},
    }


def test_run_findings_are_three_to_six_plain_sentences() -> None:
    reps = pd.DataFrame(
        {
            "p_lead_phd": [0.2, 0.21, 0.19, 0.2],
            "p_lead_independent": [0.1, 0.1, 0.11, 0.09],
            "p_lead_contributor": [0.05] * 4,
            "arrival_years": [5, 7, 9, 11],
        }
    )
    out = F.run_findings(summary(), reps, 10, 20, ["C1", "C2", "C3", "C6"])
    assert 3 <= len(out) <= 6
    text = " ".join(out)
    assert "10% of entrants held a lead role within 10 years" in text
    assert "running out of funding" in text
    assert (
        "What binds: lead openings at adjacent-agenda organisations. Raising it by 10% adds +24 (+18 to +30) new "
        "leads over the run (paired replications: 4); 10% more of the next resources adds: grantmaker time +9 "
        "(\u22121 to +19); grant money 0 (same in all 4 replications)."
    ) in text
    assert "C1 holds in most replications" in text and "C2 holds in only some" in text
    assert "C3 does not hold" in text and "C6 was not evaluated" in text
    assert not re.search(r"\bwill\b", text)


def test_run_findings_when_no_cohort_is_observed_long_enough() -> None:
    s = summary()
    s["outcomes"]["p_lead"] = {"value": None, "low": None, "high": None, "by_track": {}}
    out = F.run_findings(s, None, 10, 6, [])
    assert "not estimated" in out[0]


def test_group_sentence_reports_displacement() -> None:
    groups = [
        {"kind": "all", "group": "all", "p_lead": eff(0.01, 0.005, 0.02), "lead_years": eff(0, -1, 1)},
        {"kind": "track", "group": "independent", "p_lead": eff(0.05, 0.03, 0.07), "lead_years": eff(0, -1, 1)},
        {"kind": "track", "group": "contributor", "p_lead": eff(-0.01, -0.02, -0.005), "lead_years": eff(0, -1, 1)},
        {"kind": "track", "group": "phd", "p_lead": eff(0.01, -0.02, 0.03), "lead_years": eff(0, -1, 1)},
    ]
    s = F.group_sentence(groups, "B")
    assert "independent-track entrants" in s and "contributor-track entrants" in s and "displacement" in s
    assert "PhD-track" not in s  # its interval includes zero
    none = F.group_sentence([{**g, "p_lead": eff(0.01, -0.01, 0.03)} for g in groups], "B")
    assert "no starting track or background shows a change" in none


def test_claim_verdicts() -> None:
    assert F.claim_verdict(None)[1] == "not evaluated"
    assert F.claim_verdict({"share_holds": None})[1] == "not evaluated"
    assert F.claim_verdict({"share_holds": 1.0})[1].startswith("holds in")
    assert F.claim_verdict({"share_holds": 0.0})[1] == "does not hold"
    # results with verdicts: the verdict (interval against threshold) decides, not the share
    assert F.claim_verdict({"verdict": "holds", "share_holds": 0.6}) == ("\u2714", "holds")
    assert F.claim_verdict({"verdict": "fails", "share_holds": 0.4}) == ("\u2716", "fails")
    assert F.claim_verdict({"verdict": "undecided", "share_holds": 0.9}) == ("?", "undecided")
    assert F.claim_verdict({"verdict": None, "share_holds": None})[1] == "not evaluated"
    text = F.claims_sentence(
        {
            "C1": {"verdict": "holds"},
            "C2": {"verdict": "undecided"},
            "C3": {"verdict": "fails"},
            "C4": {"verdict": "undecided"},
        },
        ["C1", "C2", "C3", "C4", "C5"],
    )
    assert text == (
        "Of the essays' claims (see the claims table, judged on their statistics' 95% intervals), C1 holds, "
        "C3 fails and C2 and C4 are undecided; C5 was not evaluated here."
    )


def test_number_formats() -> None:
    assert F.pct(0.1069) == "11%" and F.pct(0.077) == "7.7%" and F.pct(0.0045) == "0.45%"
    assert F.num(10.0) == "10" and F.num(9921.0) == "9,921" and F.num(0.0801) == "0.0801"
    assert F.points(0.012) == "+1.2" and F.points(-0.2) == "\u221220"
    assert F.num(float("nan")) == "n/a" and F.pct(None) == "n/a"
    assert F.num(0.000046) == "0.000046" and "e" not in F.num(-0.0012)


def test_comparison_findings_from_identical_scenarios_say_no_change(tmp_path: Path) -> None:
    sc = tiny_scenario("same", policy=False)
    data = compare(sc, [sc], 2, 3, 1, policy_claims=0)
    import json

    from careersim.analysis.views import view_from_json
    from careersim.core.files import jsonable

    data = json.loads(json.dumps(jsonable(data)))
    text = " ".join(F.comparison_findings(data, [view_from_json(d) for d in data["scenarios"]]))
    assert "likely" not in text.replace("likely lose", "")
    assert "leaves the number of entrants who become leads exactly as it is in all 2 paired replications" in text


def test_a_narrow_interval_keeps_its_ends_apart() -> None:
    """An interval whose ends round to the same whole number gets the decimals that tell
    them apart (a 200-replication report said '+14 to +14 points')."""
    from careersim.reporting.findings import interval_text

    assert interval_text(0.1362, 0.1431, "share", True) == "+13.6 to +14.3 points"
    assert interval_text(0.13621, 0.13628, "share", True) == "+13.62 to +13.63 points"
    assert interval_text(0.136210, 0.136218, "share", True) == "+13.621 to +13.622 points"
    assert interval_text(-0.1362, -0.1331, "share", True) == "\u221214 to \u221213 points"
    assert interval_text(0.1214, 0.1235, "share") == "12.1% to 12.3%"
    assert interval_text(0.121, 0.139, "share") == "12% to 14%"
    assert interval_text(0.12, 0.12, "share", True) == "+12 to +12 points"  # a point: nothing to tell apart


def test_a_two_scenario_comparison_says_what_binds_under_the_base_once(tmp_path: Path) -> None:
    """The bottom line says what binds under the base; the findings say it under the alternative
    only (a comparison report printed the base's paragraph twice, word for word)."""
    import json

    from careersim.analysis.views import view_from_json
    from careersim.core.files import jsonable
    from careersim.reporting.bottom_line import bottom_line

    base = tiny_scenario("base-one", policy=False)
    alt = tiny_scenario("alt-one", policy=True)
    data = json.loads(json.dumps(jsonable(compare(base, [alt], 3, 3, 1, policy_claims=3))))
    views = [view_from_json(d) for d in data["scenarios"]]
    findings = F.comparison_findings(data, views)
    binds = bottom_line(data, views)["binds"]
    assert binds and "base-one" in binds
    assert not any("base-one" in f and f.startswith(("What binds", "No resource")) for f in findings)
    assert (
        sum(f.startswith(("What binds under alt-one", "No resource clearly binds under alt-one")) for f in findings)
        == 1
    )


@pytest.mark.parametrize(
    "damage, expected",
    [
        (("summary.json", b"{"), "summary.json: cannot read it (invalid JSON at line 1; expected JSON"),
        (("summary.json", b"[1, 2]"), "summary.json: expected a JSON object written by careersim, got a list"),
        (("summary.json", b"\xff\xfe"), "summary.json: cannot read it (not UTF-8 text;"),
        (("replications.parquet", b"PAR1 not a table"), "replications.parquet: cannot read it (not a Parquet table;"),
        (("timeseries.parquet", b""), "timeseries.parquet: cannot read it (not a Parquet table;"),
    ],
    ids=["torn-json", "json-list", "not-utf8", "parquet-garbage", "parquet-empty"],
)
def test_report_of_a_damaged_results_folder_is_a_located_error(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: tuple[str, bytes], expected: str
) -> None:
    """A damaged results file is named with what was expected, never shown, and nothing is rewritten."""
    folder = tmp_path / "out"
    shutil.copytree(run_dir, folder)
    name, data = damage
    (folder / name).write_bytes(data)
    before = (folder / "report.html").read_bytes()
    assert cli.main(["report", str(folder)]) == 2
    err = capsys.readouterr().err
    assert f"careersim report: {folder / name.split('/')[0]}" in err and expected in err
    assert "Traceback" not in err and "rerun the command that made the folder" in err
    assert (folder / "report.html").read_bytes() == before


@pytest.mark.parametrize("text", ['{"a": 1}', "[1]", "{"])
def test_report_of_a_damaged_comparison_is_a_located_error(
    cmp_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    folder = tmp_path / "out"
    shutil.copytree(cmp_dir, folder)
    (folder / "comparison.json").write_text(text)
    assert cli.main(["report", str(folder)]) == 2
    err = capsys.readouterr().err
    assert f"careersim report: {folder / 'comparison.json'}: " in err and "Traceback" not in err
    assert "rerun the command that made the folder" in err
