"""Scenario files: safe loading, located errors, extends, dumping, schema."""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import pytest
import yaml

from careersim.config import scenarios as io
from careersim.config import yaml_file
from careersim.config.scenarios import (
    ScenarioError,
    dump_scenario,
    load_scenario,
    shipped_scenarios,
)
from careersim.config.schema import PRESETS, Scenario

DATA = Path(__file__).parent / "data"


def errors_of(source) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(source)
    assert info.value.messages, "a ScenarioError carries at least one message"
    return info.value.messages


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- bad inputs: file, line and field in the message ---------------------------

BAD = [
    # fixture, line, field path (None: file-level), text expected in the message
    ("unknown_key.yaml", 4, "run.horizn", "did you mean 'horizon'?"),
    ("wrong_type.yaml", 4, "population.single_cohort", "expected true or false"),
    ("bad_unit.yaml", 4, "learning.project_length", "unknown unit 'monts'"),
    ("nan.yaml", 4, "population.entrants_per_year", "finite"),
    ("inf.yaml", 4, "grants.budget", "finite"),
    ("probability.yaml", 4, "grants.base_acceptance", "between 0 and 1"),
    ("negative_rate.yaml", 4, "exits.burnout", "at least 0"),
    ("too_many_cohorts.yaml", 4, "programme.cohorts_per_year", "between 0 and 12"),
    ("empty.yaml", 1, None, "empty"),
    ("comments_only.yaml", 1, None, "empty"),
    ("not_mapping.yaml", 1, None, "expected a mapping"),
    ("invalid_utf8.yaml", 2, None, "not valid UTF-8"),
    ("unsafe_tag.yaml", 2, "name", "unsupported YAML tag '!!python/object/apply:os.system'"),
    ("billion_laughs.yaml", None, None, "billion laughs"),
    ("duplicate_key.yaml", 4, "run.horizon", "duplicate key 'horizon'"),
    ("cycle_a.yaml", 1, "extends", "cycle"),
    ("missing_parent.yaml", 1, "extends", "cannot find 'no-such-parent.yaml'"),
    ("syntax_error.yaml", 4, None, "invalid YAML"),
]


@pytest.mark.parametrize("fixture, line, field, text", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_located(fixture: str, line: int | None, field: str | None, text: str) -> None:
    messages = errors_of(DATA / fixture)
    joined = "\n".join(messages)
    assert text in joined
    stem = fixture if fixture != "cycle_a.yaml" else "cycle_"
    assert stem in messages[0]
    if line is not None:
        assert any(f"{fixture}:{line}:" in m or (fixture.startswith("cycle") and ".yaml:1:" in m) for m in messages), (
            joined
        )
    if field is not None:
        assert f": {field}:" in joined


def test_error_in_parent_names_the_parent_line() -> None:
    messages = errors_of(DATA / "child_of_bad.yaml")
    assert any("bad_parent.yaml:5: grants.base_acceptance:" in m for m in messages), messages


def test_several_errors_reported_together_in_line_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "many.yaml",
        "name: many\nrun:\n  horizn: 3\npopulation:\n  entrants_per_year: .nan\n"
        "learning:\n  dose_response: linar\nrnu: 1\n",
    )
    messages = errors_of(path)
    lines = [int(m.split(":")[1]) for m in messages]
    assert lines == sorted(lines) == [3, 5, 7, 8]
    assert "did you mean 'linear'?" in messages[2]
    assert "did you mean 'run'?" in messages[3]


def test_key_in_the_wrong_section_points_to_its_home(tmp_path: Path) -> None:
    messages = errors_of(write(tmp_path, "s.yaml", "run:\n  entrants_per_year: 3\n"))
    assert "did you mean 'population.entrants_per_year'?" in messages[0]


def test_distribution_and_intervention_errors_are_located(tmp_path: Path) -> None:
    text = (
        "population:\n  traits:\n    self_direction: bta(2, 2)\n"
        "interventions:\n  - kind: multi_yer_grants\n  - kind: custom\n    set: {grants.grant_lenght: 2}\n"
    )
    joined = "\n".join(errors_of(write(tmp_path, "s.yaml", text)))
    assert "s.yaml:3: population.traits.self_direction:" in joined and "did you mean 'beta'?" in joined
    assert "s.yaml:5: interventions[0].kind:" in joined and "multi_year_grants" in joined
    assert "s.yaml:7: interventions[1].set['grants.grant_lenght']:" in joined


def test_intervention_values_outside_a_parameters_range_are_located(tmp_path: Path) -> None:
    """A policy cannot set a negative rate, a probability above 1, a negative or infinite
    factor, or scale a parameter out of its range."""
    text = (
        "interventions:\n"
        "  - kind: custom\n    set: {phd.peer_signals: -6}\n"
        "  - kind: custom\n    set: {grants.base_acceptance: 1.5}\n"
        "  - kind: custom\n    scale: {exits.burnout: -1}\n"
        "  - kind: custom\n    scale: {exits.burnout: .inf}\n"
    )
    joined = "\n".join(errors_of(write(tmp_path, "s.yaml", text)))
    assert "s.yaml:3: interventions[0].set: phd.peer_signals: must be at least 0 (per year); got -6" in joined
    assert (
        "s.yaml:5: interventions[1].set: grants.base_acceptance: must be between 0 and 1 (probability); got 1.5"
        in joined
    )
    assert (
        "s.yaml:7: interventions[2].scale: exits.burnout: a factor must be a finite number at least 0; got -1" in joined
    )
    assert "s.yaml:9: interventions[3].scale['exits.burnout']: got .inf (expected a finite number" in joined
    messages = errors_of(
        write(tmp_path, "f.yaml", "interventions:\n  - kind: custom\n    scale: {grants.base_acceptance: 5}\n")
    )
    assert "f.yaml:2: interventions: intervention 1 scales grants.base_acceptance by 5" in messages[0], messages
    assert "must be between 0 and 1 (probability); got 2.25" in messages[0]


def test_unsafe_tag_never_executes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    errors_of(DATA / "unsafe_tag.yaml")
    for tag in ("!!python/object/apply:os.system", "!!python/object/new:os.system", "!!python/name:os.system"):
        errors_of(write(tmp_path, "t.yaml", f'name: {tag} ["echo pwned > careersim-pwned.txt"]\n'))
    assert not (tmp_path / "careersim-pwned.txt").exists()


def test_billion_laughs_is_rejected_without_expanding() -> None:
    """The aliases are counted while composing, so the bomb is refused before it expands:
    the memory used stays small (a count, not a timing, so a busy machine cannot fail it)."""
    import tracemalloc

    errors_of(DATA / "billion_laughs.yaml")  # the libraries load and the schema builds on the first read
    tracemalloc.start()
    try:
        messages = errors_of(DATA / "billion_laughs.yaml")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "alias" in messages[0]
    assert peak < 100_000_000, peak  # at most MAX_NODES values are built; expanded, the file would hold 10**9


def test_too_many_aliases_is_rejected(tmp_path: Path) -> None:
    refs = ", ".join(["*x"] * (io.MAX_ALIASES + 1))
    messages = errors_of(write(tmp_path, "a.yaml", f"x: &x 1\ny: [{refs}]\n"))
    assert "more than" in messages[0] and "aliases" in messages[0] and "a.yaml:2:" in messages[0]


def test_merge_keys_and_a_few_aliases_are_fine(tmp_path: Path) -> None:
    text = (
        "name: m\ninterventions:\n  - &first {kind: multi_year_grants, start: 2 years}\n"
        "  - <<: *first\n    kind: agenda_agnostic_org\n"
    )
    s = load_scenario(write(tmp_path, "m.yaml", text))
    assert [(i.kind, i.start) for i in s.interventions] == [("multi_year_grants", 2.0), ("agenda_agnostic_org", 2.0)]


# -- extends -------------------------------------------------------------------


def test_extends_deep_merges(tmp_path: Path) -> None:
    write(
        tmp_path,
        "parent.yaml",
        "name: parent\ndescription: the parent\nrun:\n  horizon: 12 years\n  claims_window: 8 years\n"
        "population:\n  track_mix: {phd: 0.5, independent: 0.25, contributor: 0.25}\n"
        "interventions:\n  - kind: multi_year_grants\n",
    )
    child = write(
        tmp_path,
        "child.yaml",
        "extends: parent.yaml\nrun:\n  horizon: 6 months\ninterventions:\n  - kind: agenda_agnostic_org\n",
    )
    s = load_scenario(child)
    assert s.run.horizon == 0.5  # child's scalar wins
    assert s.run.claims_window == 8.0  # parent's sibling kept (mappings merge)
    assert s.population.track_mix.phd == 0.5  # parent's section kept
    assert [i.kind for i in s.interventions] == ["agenda_agnostic_org"]  # lists replace
    assert s.name == "child" and s.description == ""  # name/description are not inherited


def test_extends_a_shipped_scenario_by_name(tmp_path: Path) -> None:
    s = load_scenario(write(tmp_path, "c.yaml", "extends: multi-year-grants\nname: c\n"))
    assert [i.kind for i in s.interventions] == ["multi_year_grants"]


def test_extends_cycle_and_self(tmp_path: Path) -> None:
    assert "cycle" in errors_of(write(tmp_path, "self.yaml", "extends: self.yaml\n"))[0]
    assert "cycle_a.yaml -> " in errors_of(DATA / "cycle_a.yaml")[0]


def test_extends_needs_text(tmp_path: Path) -> None:
    assert "extends: got 3" in errors_of(write(tmp_path, "e.yaml", "extends: 3\n"))[0]


def test_mapping_source() -> None:
    s = load_scenario({"extends": "baseline", "name": "m", "run": {"horizon": "18 months"}})
    assert s.run.horizon == 1.5
    assert "<mapping>" in errors_of({"run": {"horizn": 1}})[0]


# -- shipped scenarios, dump, schema -------------------------------------------


def test_every_shipped_scenario_loads() -> None:
    rows = shipped_scenarios()
    names = {name for name, _, _ in rows}
    expected = {
        "baseline",
        "short-timelines",
        "long-timelines",
        "agenda-agnostic-rfps",
        "more-rfp-positions",
        "multi-year-grants",
        "agenda-agnostic-org",
        "more-programme-places",
        "more-grantmaker-capacity",
        "mentor-independents",
        "safety-advisors",
        "strong-independent",
        "contributor-then-phd",
    }
    assert expected <= names
    assert rows[0][0] == "baseline"
    kinds = set()
    for name, description, path in rows:
        s = load_scenario(path)
        assert s.name == name == path.stem
        assert description and s.description
        assert path.read_text(encoding="utf-8").startswith("#"), f"{path} opens with its question"
        kinds.update(i.kind for i in s.interventions)
    assert kinds == set(PRESETS)
    # the shipped baseline is the schema's defaults, drawing the fitted parameters from the calibration's posterior
    shipped = load_scenario(io.shipped_dir() / "baseline.yaml")
    assert shipped.calibration.posterior == str(io.shipped_dir() / "calibration" / "posterior.parquet")
    assert (
        shipped.with_changes({"calibration": {"posterior": None}}).hash()
        == Scenario(name="baseline", description=shipped.description).hash()
    )


def test_dump_round_trips(tmp_path: Path) -> None:
    for name, _, path in shipped_scenarios():
        s = load_scenario(path)
        text = dump_scenario(s)
        assert load_scenario(yaml.safe_load(text)).hash() == s.hash(), name
        assert load_scenario(write(tmp_path, f"{name}.yaml", text)).hash() == s.hash(), name


def test_shipped_name_loads_without_a_path() -> None:
    assert load_scenario("short-timelines").name == "short-timelines"


def test_odd_values_are_located_not_crashes(tmp_path: Path) -> None:
    huge = "9" * 5000
    messages = errors_of(write(tmp_path, "s.yaml", f"name: s\nrun: {{horizon: {huge}}}\n"))
    assert "s.yaml:2: run.horizon: cannot read the value" in messages[0]
    messages = errors_of(write(tmp_path, "l.yaml", "name: l\ninterventions:\n  - kind: multi_year_grants\n  - 3\n"))
    assert "l.yaml:4: interventions[1]:" in messages[0], messages
    messages = errors_of(write(tmp_path, "k.yaml", "name: k\nrun:\n  ? [a, b]\n  : 1\n"))
    assert "k.yaml:3:" in messages[0] and "key must be plain text" in messages[0]


def test_schema_is_json_and_accepts_unit_text() -> None:
    schema = json.loads(json.dumps(io.scenario_json_schema()))
    assert "extends" in schema["properties"]
    horizon = schema["$defs"]["RunSettings"]["properties"]["horizon"]
    assert {"type": "string"} in [{"type": a.get("type")} for a in horizon["anyOf"]]


def test_every_mistake_in_a_file_gets_its_own_located_message(tmp_path) -> None:
    """A misspelt key, a probability of 1.5, a unit that does not parse and a
    distribution reaching outside its range are all reported at once."""
    from careersim.config.scenarios import ScenarioError, load_scenario

    path = tmp_path / "bad.yaml"
    path.write_text(
        "extends: baseline\nname: bad\nindependent:\n  mentor_qualty: 0.5\n  mentor_quality: 1.5\n"
        "  max_gap: 6 moths\nprogramme:\n  mentor_quality: uniform(0.5, 1.5)\n"
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    text = "\n".join(err.value.messages)
    for line, field in (
        (4, "independent.mentor_qualty"),
        (5, "independent.mentor_quality"),
        (6, "independent.max_gap"),
        (8, "programme.mentor_quality"),
    ):
        assert f"bad.yaml:{line}: {field}:" in text, text


# -- hostile files: refused with a located message, their contents never shown ----

HOSTILE = [
    # fixture, text the message must contain, text it must not contain
    ("deep_flow.yaml", "deep_flow.yaml:3: nested more than 64 levels deep", None),
    ("deep_alias.yaml", "deep_alias.yaml:3: nested more than 64 levels deep through aliases", None),
    ("extends_system_file.yaml", "extends_system_file.yaml:2: extends: got '../../", "root:"),
    (
        "extends_not_yaml.yaml",
        "extends_not_yaml.yaml:1: extends: got 'not_a_scenario.txt' (expected a scenario file ending in .yaml or .yml",
        "SECRET",
    ),
    (
        "extends_foreign.yaml",
        "foreign_mapping.yaml:1: this is not a scenario file: none of its top-level keys is one",
        "SECRET",
    ),
    ("extends_text.yaml", "text_only.yaml:1: the top level is text (expected a mapping", "SECRET"),
    ("foreign_mapping.yaml", "foreign_mapping.yaml:1: this is not a scenario file", "SECRET"),
    ("scalar_number.yaml", "scalar_number.yaml:1: the top level is a number (expected a mapping", "42"),
    ("tab_indent.yaml", "tab_indent.yaml:3: invalid YAML", None),
    ("nul_byte.yaml", "nul_byte.yaml:3: invalid character U+0000 (expected printable text)", None),
    ("escape_key.yaml", "escape_key.yaml:2: ['\\x1b[2J\\x1b[31mred']: unknown key '\\x1b[2J\\x1b[31mred'", "\x1b"),
]


@pytest.mark.parametrize("fixture, expected, hidden", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_files_are_refused_with_a_located_message(fixture: str, expected: str, hidden: str | None) -> None:
    joined = "\n".join(errors_of(DATA / fixture))
    assert expected in joined, joined
    if hidden is not None:
        assert hidden not in joined, joined


def test_a_deep_file_is_refused_before_it_exhausts_the_stack(tmp_path: Path) -> None:
    """The YAML composer recurses once per level: the depth is checked while composing."""
    block = "".join(" " * i + f"k{i}:\n" for i in range(400)) + " " * 400 + "1\n"
    messages = errors_of(write(tmp_path, "block.yaml", block))
    assert len(messages) == 1
    assert messages[0].endswith(
        f"block.yaml:{yaml_file.MAX_DEPTH}: nested more than {yaml_file.MAX_DEPTH} levels "
        "deep (expected a scenario file, which nests a few levels)"
    ), messages
    flow = "run: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n"
    assert "nested more than" in errors_of(write(tmp_path, "flow.yaml", flow))[0]


def test_large_files_and_many_values_are_refused(tmp_path: Path) -> None:
    big = write(tmp_path, "big.yaml", "# " + "x" * yaml_file.MAX_BYTES + "\n")
    assert f"big.yaml: the file is {big.stat().st_size} bytes (expected a scenario file" in errors_of(big)[0]
    many = write(tmp_path, "many.yaml", "name: many\nrun: [" + "0, " * 150_000 + "0]\n")
    assert "many.yaml:2: more than 100000 values" in errors_of(many)[0]


def test_long_keys_and_values_are_cut_in_messages(tmp_path: Path) -> None:
    key = "k" * 1000  # YAML allows keys up to 1024 characters
    messages = errors_of(write(tmp_path, "long.yaml", f"name: long\n{key}: 1\nrun: {{horizon: '{'y' * 50_000}'}}\n"))
    assert len(messages) == 2 and all(len(m) < 400 for m in messages), messages
    assert "long.yaml:2: kkkk" in messages[0] and "kkk...: unknown key 'kkk" in messages[0]
    assert "long.yaml:3: run.horizon: could not read 'yyyy" in messages[1] and "yyy...'" in messages[1]


def test_folders_pipes_and_devices_are_not_read(tmp_path: Path) -> None:
    (tmp_path / "folder.yaml").mkdir()
    assert errors_of(tmp_path / "folder.yaml")[0].endswith(
        "folder.yaml: is a folder (expected a scenario file such as my-scenario.yaml)"
    )
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.yaml")
        assert "pipe.yaml: is not a regular file" in errors_of(tmp_path / "pipe.yaml")[0]
    if Path("/dev/zero").exists():
        assert "/dev/zero: is not a regular file" in errors_of("/dev/zero")[0]


def test_extends_names_only_yaml_files_or_shipped_scenarios(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("extends: baseline\nname: looks-fine\n")  # a scenario without .yaml: not followed
    message = errors_of(write(tmp_path, "a.yaml", "extends: secret\n"))[0]
    assert "extends: got 'secret', which is not a scenario file" in message and "looks-fine" not in message
    (tmp_path / "notes.cfg").write_text("SECRET-CONTENT\n")
    message = errors_of(write(tmp_path, "b.yaml", "extends: notes.cfg\n"))[0]
    assert "b.yaml:1: extends: got 'notes.cfg' (expected a scenario file ending in .yaml or .yml" in message
    assert "SECRET" not in message
    write(tmp_path, "parent.yml", "name: parent\nrun: {horizon: 7 years}\n")
    assert load_scenario(write(tmp_path, "c.yaml", "extends: parent\n")).run.horizon == 7.0  # .yml, ending left out
    assert load_scenario(write(tmp_path, "d.yaml", f"extends: {tmp_path / 'parent.yml'}\n")).run.horizon == 7.0
    assert load_scenario(write(tmp_path, "e.yaml", "extends: baseline.yaml\n")).name == "e"  # shipped, by file name


def test_a_file_of_another_kind_is_named_for_what_it_is() -> None:
    messages = errors_of(io.shipped_dir() / "sweeps" / "sobol-baseline.yaml")
    assert len(messages) == 1
    assert "this is not a scenario file: it looks like a sweep file (for 'careersim sweep')" in messages[0]
    messages = errors_of(io.shipped_dir() / "calibration" / "targets.yaml")
    assert "it looks like a calibration targets file (for 'careersim calibrate')" in messages[0]
    # a profile shares 'programme' with scenarios and has 'timeline' close to 'timelines': one message, not twelve
    for profile in sorted((io.shipped_dir() / "profiles").glob("*.yaml")):
        messages = errors_of(profile)
        assert len(messages) == 1 and "it looks like an advise profile" in messages[0], (profile, messages)


def test_a_scenario_with_a_stray_key_of_another_kind_keeps_its_own_errors(tmp_path: Path) -> None:
    """A scenario mostly of its own keys with one profile key is a scenario with a mistake."""
    messages = errors_of(write(tmp_path, "s.yaml", "name: s\nbackground: masters\nrun:\n  horizon: 5 years\n"))
    assert len(messages) == 1 and "background: unknown key 'background'" in messages[0], messages


def test_a_value_the_posterior_would_replace_is_refused_where_it_is_set(tmp_path: Path) -> None:
    """The shipped baseline draws its fitted parameters from the calibration's posterior; a child
    that sets one of them would be overridden in every replication, so it is refused, located."""
    child = write(tmp_path, "short.yaml", "extends: baseline\nname: short\nphd:\n  duration: 4 years\n")
    (msg,) = errors_of(child)
    assert "short.yaml:4: phd.duration: is fitted by the calibration's posterior (" in msg, msg
    assert "calibration: {posterior: null}" in msg
    free = write(
        tmp_path,
        "free.yaml",
        "extends: baseline\nname: free\ncalibration: {posterior: null}\nphd:\n  duration: 4 years\n",
    )
    assert load_scenario(free).phd.duration == 4.0
    assert load_scenario("baseline").calibration.posterior is not None
    # a file naming the posterior replaces its parents' values on purpose (a calibrated scenario over its base)
    posterior = load_scenario("baseline").calibration.posterior
    over = write(tmp_path, "over.yaml", f"extends: free.yaml\nname: over\ncalibration: {{posterior: {posterior}}}\n")
    assert load_scenario(over).calibration.posterior == posterior


def test_a_field_larger_than_the_limit_is_refused_at_the_limit_exactly() -> None:
    """The existing field plus every entrant may be at most MAX_PEOPLE people: with one cohort the
    count is exact, so one person more than the limit is refused and the limit itself is not."""
    from careersim.config.schema import MAX_PEOPLE

    base = Scenario().model_dump()
    existing = sum(base["initial"][k] for k in ("leads", "phd_students", "independents", "contributors"))
    base["population"]["single_cohort"] = True
    base["population"]["entrants_per_year"] = MAX_PEOPLE - existing
    Scenario.model_validate(base)
    base["population"]["entrants_per_year"] = MAX_PEOPLE - existing + 1
    with pytest.raises(ValueError, match=r"population\.entrants_per_year: the field would hold about 1e\+08 people"):
        Scenario.model_validate(base)


def test_the_field_counts_every_entrant_of_the_burn_in_and_the_horizon() -> None:
    """Entrants grow geometrically from e0 at time zero: the run's years (burn-in and horizon) of
    doubling from 100 a year give 100 * (2**years - 1) / 2**burn_in entrants, with the existing
    field about 1.05e8 under the defaults; the growth is what makes it large, and is named."""
    data = Scenario().model_dump()
    data["population"].update(entrants_per_year=100.0, entrant_growth=1.0)
    existing = sum(data["initial"][k] for k in ("leads", "phd_students", "independents", "contributors"))
    burn_in = data["run"]["burn_in"]
    years = math.ceil(burn_in + data["run"]["horizon"])
    people = existing + 100.0 * (2**years - 1) / 2**burn_in
    assert people > 1e8
    with pytest.raises(
        ValueError, match=re.escape(f"population.entrant_growth: the field would hold about {people:.3g} people")
    ):
        Scenario.model_validate(data)
    data["population"]["entrants_per_year"] = 90.0  # 9.4e7 with the existing field: allowed
    Scenario.model_validate(data)


def test_extends_of_something_there_that_is_not_a_scenario_file_says_so(tmp_path: Path) -> None:
    """A folder or a file without a scenario's ending is named as such, not as missing."""
    (tmp_path / "notes").write_text("SECRET")
    (tmp_path / "sub").mkdir()
    for target in ("notes", "sub", str(tmp_path / "sub")):
        f = tmp_path / "child.yaml"
        f.write_text(f"name: child\nextends: {target}\n")
        with pytest.raises(ScenarioError) as e:
            load_scenario(f)
        text = str(e.value)
        assert f"child.yaml:2: extends: got '{target[:12]}" in text and "SECRET" not in text
        assert "which is not a scenario file (expected a file ending in .yaml" in text


def test_an_interventions_kind_and_its_other_fields_are_checked_together(tmp_path: Path) -> None:
    f = tmp_path / "iv.yaml"
    f.write_text("name: iv\ninterventions:\n  - kind: multi_yr_grants\n    start: -1 year\n")
    with pytest.raises(ScenarioError) as e:
        load_scenario(f)
    assert e.value.messages[0].endswith(
        "iv.yaml:3: interventions[0].kind: unknown intervention 'multi_yr_grants' (did you mean 'multi_year_grants'?); "
        "expected one of " + ", ".join(PRESETS) + " or 'custom'"
    )
    assert "iv.yaml:4: interventions[0].start: could not read '-1 year' as a duration" in e.value.messages[1]


def test_a_file_reached_through_a_link_is_named_as_the_user_wrote_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """scenarios/ is a link to the package's folder: messages say scenarios/x.yaml, not the link's target."""
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "x.yaml").write_text("name: x\ngrants:\n  budget: -1\n")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError) as e:
        load_scenario(Path("link") / "x.yaml")
    assert e.value.messages[0].startswith("link/x.yaml:3: grants.budget: got -1")


def test_the_size_check_counts_long_runs_exactly_and_names_the_horizon() -> None:
    # a million years of 300 entrants a year without growth: 3e8 people, counted in closed form
    data = Scenario().model_dump()
    data["run"].update(horizon=1_000_000.0, burn_in=0.0)
    data["population"]["entrant_growth"] = 0.0
    data["phd"]["advisor_growth"] = 0.0
    existing = sum(data["initial"][k] for k in ("leads", "phd_students", "independents", "contributors"))
    people = existing + data["population"]["entrants_per_year"] * 1_000_000
    with pytest.raises(ValueError, match=re.escape(f"run.horizon: the field would hold about {people:.3g} people")):
        Scenario.model_validate(data)
