"""The command line: exit codes, located errors on stderr, no tracebacks, no partial output."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

import careersim
from careersim import cli
from careersim.config.scenarios import load_scenario, shipped_dir
from careersim.config.schema import baseline

DATA = Path(__file__).parent / "data"
TINY = DATA / "tiny.yaml"


def _largest_advisor_count(first: float) -> float:
    """The run's largest yearly number of advisors for ``first`` at time zero, under the shipped
    baseline's advisor growth, burn-in and horizon (the last year's count)."""
    b = baseline()
    years = math.ceil(b.run.burn_in + b.run.horizon)
    return first * (1 + b.phd.advisor_growth) ** (years - 1 - b.run.burn_in)


BAD = [
    # fixture, text every run must print on stderr (file:line: field: ...)
    ("unknown_key.yaml", "unknown_key.yaml:4: run.horizn: unknown key 'horizn' (did you mean 'horizon'?)"),
    ("wrong_type.yaml", "wrong_type.yaml:4: population.single_cohort:"),
    ("bad_unit.yaml", "bad_unit.yaml:4: learning.project_length:"),
    ("nan.yaml", "nan.yaml:4: population.entrants_per_year:"),
    ("inf.yaml", "inf.yaml:4: grants.budget:"),
    ("probability.yaml", "probability.yaml:4: grants.base_acceptance:"),
    ("negative_rate.yaml", "negative_rate.yaml:4: exits.burnout:"),
    ("empty.yaml", "empty.yaml:1: the file is empty"),
    ("comments_only.yaml", "comments_only.yaml:1: the file is empty"),
    ("not_mapping.yaml", "not_mapping.yaml:1: the top level is a list"),
    ("invalid_utf8.yaml", "invalid_utf8.yaml:2: the file is not valid UTF-8"),
    ("unsafe_tag.yaml", "unsafe_tag.yaml:2: name: unsupported YAML tag"),
    ("billion_laughs.yaml", "billion laughs"),
    ("duplicate_key.yaml", "duplicate_key.yaml:4: run.horizon: duplicate key"),
    ("cycle_a.yaml", ".yaml:1: extends:"),
    ("missing_parent.yaml", "missing_parent.yaml:1: extends: cannot find"),
    ("child_of_bad.yaml", "bad_parent.yaml:5: grants.base_acceptance:"),
    ("syntax_error.yaml", "syntax_error.yaml:4: invalid YAML"),
    ("huge_entrants.yaml", "huge_entrants.yaml:5: population.entrants_per_year: the field would hold an unbounded"),
    (
        "huge_advisors.yaml",
        f"huge_advisors.yaml:5: phd.advisors: the run would have about {_largest_advisor_count(1e15):.3g} advisors",
    ),
    ("huge_initial.yaml", "huge_initial.yaml:5: initial.leads: the field would hold about 1e+35 people"),
]


@pytest.mark.parametrize("fixture, expected", BAD, ids=[b[0] for b in BAD])
def test_bad_input_exits_2_with_located_message(
    fixture: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    for argv in (["validate", str(DATA / fixture)], ["run", str(DATA / fixture), "--out", str(out), "--quiet"]):
        assert cli.main(argv) == 2
        captured = capsys.readouterr()
        assert expected in captured.err
        assert "Traceback" not in captured.err
        assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written, nothing executed


def test_validate_reports_good_and_bad_files(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", str(TINY), str(DATA / "probability.yaml")]) == 2
    captured = capsys.readouterr()
    assert f"OK {TINY}" in captured.out
    assert "probability.yaml:4:" in captured.err


def test_every_shipped_scenario_validates(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(str(p) for p in shipped_dir().glob("*.yaml"))
    assert len(files) >= 12
    assert cli.main(["validate", *files]) == 0
    assert capsys.readouterr().out.count("OK ") == len(files)


def test_list_shows_shipped_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("baseline ")
    assert "multi-year-grants" in out and "contributor-then-phd" in out


def test_schema_prints_valid_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["type"] == "object" and "population" in schema["properties"]
    assert cli.main(["schema", "--sweep"]) == 0
    sweep = json.loads(capsys.readouterr().out)
    assert sweep["title"] == "careersim sweep file" and {"base", "factors", "design", "outcomes"} <= set(
        sweep["properties"]
    )


def test_the_sweep_api_is_at_the_top_level() -> None:
    from careersim.experiments.sweep import api

    assert careersim.sweep is api.sweep and careersim.load_sweep is api.load_sweep


def test_init_writes_a_valid_starter_and_refuses_to_overwrite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["init", "my-path"]) == 0
    text = (tmp_path / "my-path.yaml").read_text()
    assert text.startswith("#") and "extends: baseline" in text and "# interventions:" in text
    scenario = load_scenario(tmp_path / "my-path.yaml")
    assert scenario.name == "my-path"
    assert cli.main(["validate", "my-path.yaml"]) == 0
    # every commented-out example is valid too
    uncommented = "\n".join(re.sub(r"^# (\s*(?:- )?[a-z_]+:(?: |$))", r"\1", line) for line in text.splitlines())
    (tmp_path / "all.yaml").write_text(uncommented.replace("name: my-path", "name: all"))
    assert load_scenario(tmp_path / "all.yaml").interventions[0].kind == "multi_year_grants"
    capsys.readouterr()
    assert cli.main(["init", "my-path"]) == 2
    assert "already exists" in capsys.readouterr().err


def test_version_and_help_on_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--version"]) == 0
    assert careersim.__version__ in capsys.readouterr().out
    assert cli.main(["--help"]) == 0
    capsys.readouterr()
    for command in ("run", "validate", "schema", "init", "list"):
        assert cli.main([command, "--help"]) == 0
        assert "example:" in capsys.readouterr().out


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert cli.main(["frobnicate"]) == 2
    assert cli.main(["run", str(TINY), "--replications", "0"]) == 2
    assert cli.main(["run", str(TINY), "--seed", "x"]) == 2
    assert cli.main(["run", "no-such-file.yaml"]) == 2
    assert "no-such-file.yaml: no such file" in capsys.readouterr().err


# -- run, with a stand-in experiment (fast, engine-independent) ----------------


def fake_experiment(
    monkeypatch: pytest.MonkeyPatch,
    *,
    seconds: float = 1.0,
    nbytes: float = 1e6,
    run_raises: BaseException | None = None,
    write_raises: BaseException | None = None,
) -> dict:
    calls: dict = {}

    def run(scenario, replications, seed, workers, progress, spool_dir=None):
        calls["run"] = (scenario.name, replications, seed, workers, progress)
        if run_raises is not None:
            raise run_raises
        return "EXP"

    def write_results(exp, out_dir: Path) -> None:
        (out_dir / "summary.json").write_text("{}")
        if write_raises is not None:
            raise write_raises
        (out_dir / "report.html").write_text("<html></html>")

    module = types.SimpleNamespace(
        run=run, write_results=write_results, estimate_cost=lambda s, n: (seconds * n, nbytes)
    )
    monkeypatch.setitem(sys.modules, "careersim.experiments.experiment", module)
    warmup = types.SimpleNamespace(warm_up=lambda on_compile=None, advise=False: calls.setdefault("warm_up", True))
    monkeypatch.setitem(sys.modules, "careersim.experiments.warmup", warmup)
    import careersim.experiments

    monkeypatch.setattr(careersim.experiments, "experiment", module, raising=False)  # not yet imported in a lone test
    return calls


def test_run_writes_report_atomically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = fake_experiment(monkeypatch)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", str(TINY), "--replications", "3", "--seed", "7", "--workers", "2", "--quiet"]) == 0
    assert calls["run"] == ("tiny", 3, 7, 2, False)
    assert calls["warm_up"], "the engine is made ready before the workers start"
    report = Path("reports") / "tiny" / "report.html"
    assert capsys.readouterr().out.strip() == str(report)
    assert report.exists()
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["tiny"]
    assert cli.main(["run", "baseline", "--replications", "1", "--quiet"]) == 0  # a shipped name
    assert (tmp_path / "reports" / "baseline" / "report.html").exists()


def test_run_refuses_to_clobber_a_foreign_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_experiment(monkeypatch)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    assert cli.main(["run", str(TINY), "--out", str(tmp_path / "mine"), "--quiet"]) == 2
    assert "not a careersim report" in capsys.readouterr().err
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "precious"


def test_an_output_folder_that_cannot_be_made_is_refused_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A place where no folder can be made (here: under a file) is refused at once, naming the
    --out the user gave, not a temporary folder; nothing runs and nothing is left behind."""
    ran = []
    fake_experiment(monkeypatch)
    monkeypatch.setattr("careersim.cli.run.compile_engine", lambda quiet: ran.append("compile"))
    (tmp_path / "file.txt").write_text("x")
    out = tmp_path / "file.txt" / "report"
    assert cli.main(["run", str(TINY), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"cannot make the output folder {out}" in err and "partial" not in err and "Traceback" not in err
    assert not ran
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt"]


@pytest.mark.parametrize("command", ["sweep", "calibrate"])
def test_sweep_and_calibrate_refuse_an_output_folder_that_cannot_be_made_before_any_work(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As run does: named with the --out given, before any banner or work, nothing left behind."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file.txt").write_text("x")
    out = tmp_path / "file.txt" / "results"
    shipped = shipped_dir()
    source = {
        "sweep": shipped / "sweeps" / "mentorship-x-grant-length.yaml",
        "calibrate": shipped / "calibration" / "targets.yaml",
    }
    assert cli.main([command, str(source[command]), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"careersim {command}: cannot make the output folder {out}") and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt"]


def test_run_needs_force_when_expensive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = fake_experiment(monkeypatch, seconds=10_000.0)
    out = tmp_path / "out"
    assert cli.main(["run", str(TINY), "--out", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "--force" in err and "hours" in err
    assert "run" not in calls and not out.exists()
    fake_experiment(monkeypatch, nbytes=20e9)
    assert cli.main(["run", str(TINY), "--out", str(out)]) == 2
    assert "GB" in capsys.readouterr().err
    assert cli.main(["run", str(TINY), "--out", str(out), "--force", "--quiet"]) == 0
    assert (out / "report.html").exists()


@pytest.mark.parametrize("where", ["run", "write"])
def test_ctrl_c_exits_130_and_leaves_nothing(
    where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key = "run_raises" if where == "run" else "write_raises"
    fake_experiment(monkeypatch, **{key: KeyboardInterrupt()})
    out = tmp_path / "reports" / "x"
    assert cli.main(["run", str(TINY), "--out", str(out), "--quiet"]) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_the_previous_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text('{"old": true}')
    fake_experiment(monkeypatch, write_raises=KeyboardInterrupt())
    assert cli.main(["run", str(TINY), "--out", str(out), "--quiet"]) == 130
    assert json.loads((out / "summary.json").read_text()) == {"old": True}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


# -- the real thing -------------------------------------------------------------


def test_real_run_of_a_tiny_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import importlib

    experiment = importlib.import_module("careersim.experiments.experiment")
    assert hasattr(experiment, "write_results"), experiment
    out = tmp_path / "tiny-report"
    assert cli.main(["run", str(TINY), "--replications", "2", "--workers", "1", "--out", str(out), "--quiet"]) == 0
    assert (out / "summary.json").exists() and (out / "report.html").exists()
    assert str(out / "report.html") in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ["tiny-report"]
    # again, not quiet: the headline numbers, and the earlier report replaced, said so
    assert cli.main(["run", str(TINY), "--replications", "2", "--workers", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    summary = json.loads((out / "summary.json").read_text())
    leads = summary["outcomes"]["new_leads"]["value"]
    assert f"entrants who became leads: {leads:,.0f}" in printed.out
    assert "What binds:" in printed.out and "(replaced the earlier one)" in printed.out
    assert f"The report in {out} will be replaced" in printed.err
    assert "Warning" not in printed.err


def test_python_m_careersim_has_no_traceback(tmp_path: Path) -> None:
    env_python = sys.executable
    bad = subprocess.run(
        [env_python, "-m", "careersim", "validate", str(DATA / "unknown_key.yaml")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert bad.returncode == 2
    assert "did you mean 'horizon'?" in bad.stderr and "Traceback" not in bad.stderr
    good = subprocess.run(
        [env_python, "-m", "careersim", "run", str(DATA / "empty.yaml"), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert good.returncode == 2 and "Traceback" not in good.stderr
    assert not (tmp_path / "o").exists()


# -- hostile files of every kind, and bad command-line values -----------------------


def _kind_commands(path: Path, out: Path) -> dict[str, list[str]]:
    """A command that reads ``path`` as each kind of careersim file."""
    return {
        "scenario": ["run", str(path), "--out", str(out), "--quiet"],
        "sweep": ["sweep", str(path), "--out", str(out), "--quiet"],
        "targets": ["calibrate", str(path), "--scenario", str(TINY), "--params", "phd.duration", "--out", str(out)],
        "profile": ["advise", "--profile", str(path), "--scenario", str(TINY), "--out", str(out / "a.html")],
    }


@pytest.mark.parametrize("kind", ["scenario", "sweep", "targets", "profile"])
@pytest.mark.parametrize(
    "fixture, expected",
    [
        ("deep_flow.yaml", "deep_flow.yaml:3: nested more than 64 levels deep"),
        ("deep_alias.yaml", "deep_alias.yaml:3: nested more than 64 levels deep"),
        ("billion_laughs.yaml", "billion laughs"),
        ("nul_byte.yaml", "nul_byte.yaml:3: invalid character U+0000"),
        ("invalid_utf8.yaml", "invalid_utf8.yaml:2: the file is not valid UTF-8"),
        ("text_only.yaml", "text_only.yaml:1: the top level is text"),
        ("foreign_mapping.yaml", "foreign_mapping.yaml:1: this is not a"),
    ],
)
def test_hostile_files_of_every_kind_exit_2(
    kind: str, fixture: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert cli.main(_kind_commands(DATA / fixture, out)[kind]) == 2
    err = capsys.readouterr().err
    if fixture in ("billion_laughs.yaml", "deep_alias.yaml") and kind == "targets":
        expected = "YAML aliases (*name) are not allowed in a calibration targets file"
    assert expected in err, err
    assert "Traceback" not in err and "SECRET" not in err
    assert not out.exists()


def test_a_huge_file_of_every_kind_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("a: 1\n" * 300_000)
    for kind, argv in _kind_commands(big, tmp_path / "out").items():
        assert cli.main(argv) == 2, kind
        err = capsys.readouterr().err
        assert f"big.yaml: the file is {big.stat().st_size} bytes" in err and "Traceback" not in err, (kind, err)


def test_references_to_other_files_follow_only_yaml_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """extends:, a sweep's base: and a profile's scenario: never read a file that is not .yaml/.yml
    (nor print any file's contents)."""
    (tmp_path / "notes.txt").write_text("SECRET-CONTENT\n")
    (tmp_path / "passwd").write_text("root:x:0:0:SECRET-CONTENT:/root:/bin/sh\n")
    cases = {
        "s.yaml": ("extends: passwd\n", ["validate"], "s.yaml:1: extends: got 'passwd', which is not a scenario file"),
        "t.yaml": (
            "extends: notes.txt\n",
            ["validate"],
            "t.yaml:1: extends: got 'notes.txt' (expected a scenario file ending in .yaml",
        ),
        "w.yaml": (
            "base: notes.txt\nfactors:\n  - {path: grants.grant_length, levels: [1, 2]}\ndesign: {kind: grid}\noutcomes: [p_lead]\n",
            ["sweep"],
            "w.yaml:1: base: got 'notes.txt' (expected a scenario file ending in .yaml",
        ),
        "p.yaml": (
            "background: masters\nscenario: passwd\n",
            ["advise", "--profile"],
            "p.yaml:2: scenario: got 'passwd', which is not a scenario file",
        ),
    }
    for name, (text, command, expected) in cases.items():
        (tmp_path / name).write_text(text)
        assert cli.main([*command, str(tmp_path / name)]) == 2, name
        err = capsys.readouterr().err
        assert expected in err, err
        assert "SECRET" not in err and "root:" not in err and "Traceback" not in err


BAD_VALUES = [
    # argv, text the message must contain
    (
        ["sweep", "x.yaml", "--scheduler", ""],
        "argument --scheduler: got an empty value (expected a Dask scheduler address",
    ),
    (["sweep", "x.yaml", "--scheduler", "  "], "argument --scheduler: got an empty value"),
    (["sweep", "x.yaml", "--scheduler-timeout", "nan"], "argument --scheduler-timeout: got 'nan'"),
    (["sweep", "x.yaml", "--scheduler-timeout", "-1"], "argument --scheduler-timeout: got '-1'"),
    (["sweep", "x.yaml", "--scheduler-timeout", "inf"], "argument --scheduler-timeout: got 'inf'"),
    (["sweep", "x.yaml", "--flush-seconds", "0"], "argument --flush-seconds: got '0'"),
    (["sweep", "x.yaml", "--chunk-rows", "0"], "argument --chunk-rows: got 0 (expected 1 or more)"),
    (["sweep", "x.yaml", "--shard", "3/2"], "argument --shard: got '3/2'"),
    (["sweep", ""], "argument SWEEP.yaml: got an empty value"),
    (["run", ""], "argument SCENARIO: got an empty value"),
    (["run", "baseline", "-n", "-3"], "argument --replications/-n: got -3 (expected 1 or more)"),
    (
        ["run", "baseline", "-n", "99999999999"],
        "argument --replications/-n: got 99999999999 (expected at most 1000000)",
    ),
    (["run", "baseline", "-n", "nan"], "argument --replications/-n: got 'nan' (expected a whole number"),
    (["run", "baseline", "--seed", "-1"], "argument --seed: got -1 (expected a whole number from 0 to"),
    (["run", "baseline", "--seed", str(2**64)], "argument --seed: got 18446744073709551616"),
    (["run", "baseline", "--workers", "0"], "argument --workers/-j: got 0 (expected 1 to"),
    (["run", "baseline", "--workers", "100000"], "argument --workers/-j: got 100000 (expected 1 to"),
    (["run", "baseline", "--paired-claims", "-1"], "argument --paired-claims: got -1 (expected 0 to 1000000)"),
    (["run", "baseline", "--out", ""], "argument --out/-o: got an empty value (expected an output folder)"),
    (
        ["run", "\x1b[2J"],
        "argument SCENARIO: got '\\x1b[2J' (expected a scenario file or a shipped scenario name, without control characters)",
    ),
    (["compare", "baseline", ""], "argument ALT: got an empty value"),
    (["validate", ""], "argument FILE: got an empty value"),
    (["init", ""], "argument NAME: got an empty value"),
    (["init", ".."], "careersim init: got '..' (expected a name such as my-path)"),
    (["init", "baseline"], "careersim init: 'baseline' is the name of a shipped scenario"),
    (["init", "short-timelines.yaml"], "choose another name, such as my-short-timelines"),
    (["report", ""], "argument DIR: got an empty value"),
    (["analyze", ""], "argument DIR: got an empty value"),
    (["replay", "out", ""], "argument RUN_KEY: got an empty value"),
    (["calibrate", "t.yaml", "--params", ""], "argument --params/-p: got an empty value"),
    (["calibrate", "t.yaml", "--params", "p", "--bounds", ""], "argument --bounds: got an empty value"),
    (
        ["calibrate", "t.yaml", "--params", "p", "--population", "0"],
        "argument --population: got 0 (expected 1 or more)",
    ),
    (["calibrate", "t.yaml", "--time-limit", "0"], "argument --time-limit: got '0' (expected minutes above 0"),
    (["calibrate", "t.yaml", "--install", ""], "argument --install: got an empty value"),
    (["advise", "--self-direction", ""], "argument --self-direction: got an empty value"),
    (["advise", "--profile", ""], "argument --profile/-p: got an empty value"),
    (["advise", "--clones", "0"], "argument --clones: got 0 (expected 1 or more)"),
    (["advise", "-n", "1"], "argument --replications/-n: got 1 (expected 2 or more"),
]


@pytest.mark.parametrize("argv, expected", BAD_VALUES, ids=[" ".join(a) for a, _ in BAD_VALUES])
def test_bad_command_line_values_exit_2(
    argv: list[str], expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert expected in err, err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_paths_that_are_the_wrong_kind_of_thing_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder.yaml").mkdir()
    (tmp_path / "file.txt").write_text("x")
    cases = [
        (["validate", "folder.yaml"], "folder.yaml: is a folder"),
        (["run", "folder.yaml"], "folder.yaml: is a folder"),
        (["sweep", "folder.yaml"], "folder.yaml: is a folder"),
        (["calibrate", "folder.yaml", "--params", "phd.duration"], "folder.yaml: is a folder"),
        (["advise", "--profile", "folder.yaml"], "folder.yaml: is a folder"),
        (["advise", "--scenario", str(TINY), "--out", "folder.yaml"], "--out: folder.yaml is a folder"),
        (["run", str(TINY), "--out", "file.txt"], "file.txt exists and is not a folder"),
        (["report", "file.txt"], "file.txt is not a folder"),
        (["analyze", "file.txt"], "careersim analyze:"),
        (["replay", "file.txt", "abcdef"], "careersim replay:"),
        (["validate", "/dev/null"], "/dev/null: is not a regular file"),
    ]
    for argv, expected in cases:
        assert cli.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert expected in err and "Traceback" not in err, (argv, err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt", "folder.yaml"]


def test_a_first_run_says_it_compiles_and_how_long_it_takes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = fake_experiment(monkeypatch)

    def compiling(on_compile=None, advise=False):  # what numba reports on a new machine
        for name in ("careersim.engine.kernel._skill_pass", "careersim.engine.kernel.step"):
            on_compile(name, False)
            on_compile(name, True)
        calls["advise"] = advise

    monkeypatch.setitem(sys.modules, "careersim.experiments.warmup", types.SimpleNamespace(warm_up=compiling))
    assert cli.main(["run", str(TINY), "--out", str(tmp_path / "o")]) == 0
    err = capsys.readouterr().err
    assert "Compiling the engine for this machine: once, about" in err and "later runs start at once" in err
    assert "Compiled the engine in" in err
    assert err.index("Running 'tiny'") < err.index("Compiling the engine") < err.index("Compiled the engine")
    assert cli.main(["run", str(TINY), "--out", str(tmp_path / "o"), "--quiet"]) == 0
    assert "Compil" not in capsys.readouterr().err  # quiet: no word of it


def test_a_run_with_the_engine_ready_says_nothing_of_compiling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_experiment(monkeypatch)
    assert cli.main(["run", str(TINY), "--out", str(tmp_path / "o")]) == 0
    assert "Compil" not in capsys.readouterr().err


def test_a_mistyped_shipped_name_gets_the_near_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "baselin", "--out", "o"]) == 2
    err = capsys.readouterr().err
    assert "baselin: no such file or shipped scenario (did you mean 'baseline'?" in err
    assert "careersim init" in err and "Traceback" not in err and not (tmp_path / "o").exists()


def test_compare_leaves_out_the_base_given_again(capsys: pytest.CaptureFixture[str]) -> None:
    base = str(shipped_dir() / "baseline.yaml")
    assert cli.main(["compare", base, "baseline"]) == 2  # the shipped name and the file are the same scenario
    err = capsys.readouterr().err
    assert "leaving out baseline: it is the base scenario" in err
    assert "nothing to compare" in err and "Traceback" not in err


def test_running_out_of_memory_is_a_clean_error_that_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr("careersim.experiments.experiment.run", no_memory)
    out = tmp_path / "out"
    assert cli.main(["run", str(TINY), "-n", "1", "--out", str(out), "--quiet"]) == 2
    captured = capsys.readouterr()
    assert "careersim: out of memory" in captured.err and "Traceback" not in captured.err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_compare_reports_every_bad_file_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = ["compare", "baseline", str(DATA / "nan.yaml"), str(DATA / "probability.yaml"), "--out", "cmp", "-q"]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "nan.yaml:4: population.entrants_per_year:" in err and "probability.yaml:4: grants.base_acceptance:" in err
    assert "Traceback" not in err and list(tmp_path.iterdir()) == []
