"""``careersim advise`` profiles: one person, as they describe themselves.

A profile comes from command-line flags or a YAML file whose keys are the flag
names with underscores (``scenarios/profiles/``); both are read by the same
parsers and every problem is located (``FILE:LINE: field: ...`` or
``careersim advise: --flag: ...``). Percentiles and levels are resolved against
the scenario's own distributions when the copies are built
(:mod:`careersim.experiments.advise`).
"""

from __future__ import annotations

import difflib
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from careersim.config.schema import Scenario, baseline
from careersim.config.yaml_file import FileError, FileKind, quoted, read_yaml_file, short, sort_messages
from careersim.core.codes import BACKGROUNDS
from careersim.core.units import parse_quantity

PATHS = ("phd", "independent", "contributor", "contributor_then_phd")
PATH_LABELS = {
    "phd": "PhD",
    "independent": "Independent research",
    "contributor": "Contributor",
    "contributor_then_phd": "Contributor, then PhD",
}
PATH_SHORT = {
    "phd": "the PhD",
    "independent": "independent research",
    "contributor": "the contributor route",
    "contributor_then_phd": "contributor-then-PhD",
}

BACKGROUND_LABELS = {
    "undergraduate": "a bachelor's graduate",
    "masters": "a master's graduate",
    "industry_engineer": "an industry engineer",
    "phd_elsewhere": "a PhD student or graduate from another field",
}
SKILLS = ("execution", "idea_generation", "idea_evaluation", "impact_judgement")
SKILL_LABELS = {
    "execution": "execution",
    "idea_generation": "idea generation",
    "idea_evaluation": "idea evaluation",
    "impact_judgement": "impact judgement",
}
TRAITS = ("self_direction", "resilience", "learning_rate")
TRAIT_LABELS = {"self_direction": "self-direction", "resilience": "resilience", "learning_rate": "learning rate"}
#: trait levels as percentiles of the scenario's trait distribution (middles of the bottom and top fifths)
LEVELS = {"low": 10.0, "typical": 50.0, "high": 90.0}
#: advisor / mentor levels as quantiles of the scenario's advisor-quality distribution (middles of quartiles)
QUALITY_LEVELS = {"weak": 0.125, "typical": 0.5, "top": 0.875}
CONTRIBUTOR_ROLES = ("mix", "industry", "nonprofit", "academic_ra")
GOALS = ("lead-years", "lead-chance")
EXIT_LABELS = {
    "burnout": "burned out (mental health)",
    "funding_ran_out": "funding ran out",
    "left_for_other_work": "left for other work or better pay",
    "no_lead_opening": "was ready but found no lead opening, and left",
}


class ProfileError(FileError):
    """Problems with a profile, each located: ``FILE:LINE: field: ...`` or ``careersim advise: --flag: ...``."""


# ---------------------------------------------------------------------------
# the profile: fields, parsing and validation (shared by YAML and flags)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """One person, as they describe themselves. Percentiles and levels are
    resolved against the scenario's own distributions when the copies are built."""

    background: str = "undergraduate"
    execution: float | None = None
    idea_generation: float | None = None
    idea_evaluation: float | None = None
    impact_judgement: float | None = None
    track_record: float | None = None
    self_direction: float = 50.0  # percentiles, 0-100
    resilience: float = 50.0
    learning_rate: float = 50.0
    self_uncertainty: float = 5.0  # percentile points (sd)
    advisor: tuple[str, float | None] = ("auto", None)  # ('auto'|'level'|'quality', value)
    independent_mentoring: float | None = None  # hours per week; None: the scenario's default
    independent_mentor_quality: tuple[str, float] = ("level", 0.5)
    programme: str = "maybe"
    funded_months: float = 0.0
    contributor_role: str = "mix"
    phd_after: float = 2.0  # years
    timeline: tuple[str, float | None, float | None] = (
        "scenario",
        None,
        None,
    )  # ('fixed', year) | ('lognormal', year, spread)
    goal: str = "lead-years"


@dataclass(frozen=True)
class _Field:
    name: str
    help: str
    metavar: str


def _fields() -> list[_Field]:
    return [
        _Field(
            "background",
            "where you come from: undergraduate, masters, industry_engineer or phd_elsewhere (default: undergraduate)",
            "B",
        ),
        _Field(
            "execution",
            "your execution skill (programming, ML engineering), 0-0.95 (default: typical for your background)",
            "X",
        ),
        _Field("idea_generation", "your idea-generation skill, 0-0.95 (default: typical for your background)", "X"),
        _Field(
            "idea_evaluation",
            "your idea-evaluation skill (research taste), 0-0.95 (default: typical for your background)",
            "X",
        ),
        _Field(
            "impact_judgement",
            "your judgement of what matters for safety, 0-0.95 (default: typical for your background)",
            "X",
        ),
        _Field("track_record", "your publication-equivalents so far (default: typical for your background)", "N"),
        _Field(
            "self_direction",
            "how much you learn on your own: low, typical, high or a percentile 0-100 (default: typical)",
            "LEVEL",
        ),
        _Field(
            "resilience",
            "mental-health resilience: low, typical, high or a percentile 0-100 (default: typical)",
            "LEVEL",
        ),
        _Field(
            "learning_rate",
            "how fast you learn from feedback: low, typical, high or a percentile 0-100 (default: typical)",
            "LEVEL",
        ),
        _Field(
            "self_uncertainty", "how unsure you are of those percentiles, in percentile points (default: 5)", "POINTS"
        ),
        _Field(
            "advisor",
            "the PhD advisor you expect: auto (admissions decide), top, typical, weak, or a quality 0-1 (default: auto)",
            "A",
        ),
        _Field(
            "independent_mentoring",
            "mentor time as an independent researcher, e.g. '1 hour every 2 weeks', or none (default: the scenario's, about an hour a quarter)",
            "TIME",
        ),
        _Field(
            "independent_mentor_quality", "that mentor's quality: top, typical, weak or 0-1 (default: typical)", "Q"
        ),
        _Field(
            "programme",
            "a place in a mentorship programme (e.g. MATS) in your first year: yes, no, or maybe = apply and compete (default: maybe)",
            "YES/NO",
        ),
        _Field("funded_months", "months of an independent grant already in hand (default: 0)", "N"),
        _Field(
            "contributor_role",
            "the contributor job you would take: industry, nonprofit, academic_ra, or mix (default: mix)",
            "ROLE",
        ),
        _Field(
            "phd_after", "on the contributor-then-PhD path, apply to PhDs after this long (default: 2 years)", "TIME"
        ),
        _Field(
            "timeline", "the year you expect transformative AI, e.g. 2035 (default: the scenario's timeline)", "YEAR"
        ),
        _Field("timeline_median", "or: your median year for transformative AI (with --timeline-spread)", "YEAR"),
        _Field("timeline_spread", "spread of that belief: sd of log years-from-now (default: 0.5)", "S"),
        _Field(
            "goal",
            "what 'best' means: lead-years (before your AI arrival) or lead-chance (within 10 years) (default: lead-years)",
            "G",
        ),
    ]


PROFILE_FIELDS = _fields()
FIELD_NAMES = tuple(f.name for f in PROFILE_FIELDS)

YAML_ONLY = ("scenario",)

#: what a profile file is, for the YAML reader's messages
PROFILE_FILE = FileKind(
    noun="an advise profile",
    example="scenarios/profiles/masters-self-directed.yaml",
    empty_hint="a profile such as 'background: masters'",
    keys_hint="'background:', 'self_direction:', 'timeline:'",
    keys=frozenset(FIELD_NAMES + YAML_ONLY),
    error=ProfileError,
)


def _suggest(word: str, options) -> str:
    near = difflib.get_close_matches(str(word).strip().lower(), list(options), n=1, cutoff=0.6)
    return f"; did you mean '{near[0]}'?" if near else ""


def _shown(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else short(value)


def _as_number(value: Any, expected: str) -> float:
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        raise ValueError(f"got {_shown(value)} (expected {expected})")
    if isinstance(value, (int, float)):
        x = float(value)
    else:
        try:
            x = float(str(value).strip())
        except ValueError:
            raise ValueError(f"got {_shown(value)} (expected {expected})") from None
    if not math.isfinite(x):
        raise ValueError(f"got {_shown(value)} (expected {expected})")
    return x


def _choice(value: Any, options: tuple[str, ...], aliases: dict[str, str], expected: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"got {_shown(value)} (expected {expected})")
    key = value.strip().lower().replace("-", "_").replace(" ", "_")
    if key in options:
        return key
    if key in aliases:
        return aliases[key]
    raise ValueError(f"got {_shown(value)} (expected {expected}{_suggest(key, list(options) + list(aliases))})")


_BG_ALIASES = {
    "bachelor": "undergraduate",
    "bachelors": "undergraduate",
    "undergrad": "undergraduate",
    "bsc": "undergraduate",
    "ba": "undergraduate",
    "master": "masters",
    "msc": "masters",
    "ms": "masters",
    "ma": "masters",
    "industry": "industry_engineer",
    "engineer": "industry_engineer",
    "swe": "industry_engineer",
    "phd": "phd_elsewhere",
    "phd_student": "phd_elsewhere",
}
_LEVEL_ALIASES = {
    "median": "typical",
    "average": "typical",
    "medium": "typical",
    "normal": "typical",
    "mid": "typical",
    "very_low": "low",
    "very_high": "high",
    "exceptional": "high",
}
_QUALITY_ALIASES = {
    "good": "top",
    "strong": "top",
    "great": "top",
    "best": "top",
    "excellent": "top",
    "average": "typical",
    "median": "typical",
    "medium": "typical",
    "normal": "typical",
    "poor": "weak",
    "bad": "weak",
    "low": "weak",
    "high": "top",
}


def _parse_background(v, ctx):
    return _choice(v, BACKGROUNDS, _BG_ALIASES, "undergraduate, masters, industry_engineer or phd_elsewhere")


def _bounded(v, lo: float, hi: float, number: str, in_range: str) -> float:
    """A number (described by ``number`` when it is not one) within [lo, hi]."""
    x = _as_number(v, number)
    if not lo <= x <= hi:
        raise ValueError(f"got {x:g} (expected {in_range})")
    return x


def _parse_skill(v, ctx):
    return _bounded(
        v,
        0.0,
        0.95,
        "a skill level from 0 to 0.95, e.g. 0.3",
        "a skill level from 0 to 0.95, e.g. 0.3; 1 would be perfect mastery",
    )


def _parse_record(v, ctx):
    return _bounded(
        v, 0.0, 50.0, "a number of publication-equivalents, e.g. 1.5", "publication-equivalents from 0 to 50, e.g. 1.5"
    )


_NUM_RE = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$", re.IGNORECASE)


def _numeric_text(v: Any) -> bool:
    return not isinstance(v, str) or bool(_NUM_RE.match(v))


_PCT_RE = re.compile(r"^(?:p\s*)?(\d+(?:\.\d*)?)\s*(?:st|nd|rd|th)?\s*(?:%|percent|percentile)?$")


def _parse_trait(v, ctx):
    expected = "low, typical, high or a percentile between 0 and 100 such as 75"
    if isinstance(v, str):
        key = v.strip().lower().replace("-", "_").replace(" ", "_")
        if key in LEVELS:
            return LEVELS[key]
        if key in _LEVEL_ALIASES:
            return LEVELS[_LEVEL_ALIASES[key]]
        m = _PCT_RE.match(v.strip().lower())
        if not m:
            raise ValueError(
                f"got {_shown(v)} (expected {expected}{_suggest(key, list(LEVELS) + list(_LEVEL_ALIASES))})"
            )
        x = float(m[1])
    else:
        x = _as_number(v, expected)
    if not 0.0 < x < 100.0:
        raise ValueError(f"got {x:g} (expected {expected}; percentiles 0 and 100 are not people)")
    return x


def _parse_uncertainty(v, ctx):
    return _bounded(v, 0.0, 25.0, "percentile points from 0 to 25, e.g. 5", "percentile points from 0 to 25, e.g. 5")


def _parse_quality(v, allow_auto: bool):
    expected = (
        "auto, top, typical, weak or a quality from 0 to 1"
        if allow_auto
        else "top, typical, weak or a quality from 0 to 1"
    )
    if not _numeric_text(v):
        key = v.strip().lower().replace("-", "_").replace(" ", "_")
        if allow_auto and key in ("auto", "default", "any"):
            return ("auto", None)
        key = _QUALITY_ALIASES.get(key, key)
        if key in QUALITY_LEVELS:
            return ("level", QUALITY_LEVELS[key])
        opts = (["auto"] if allow_auto else []) + list(QUALITY_LEVELS) + list(_QUALITY_ALIASES)
        raise ValueError(f"got {_shown(v)} (expected {expected}{_suggest(key, opts)})")
    x = _as_number(v, expected)
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"got {x:g} (expected {expected}, e.g. 0.7)")
    return ("quality", x)


def _parse_mentoring(v, ctx):

    expected = "'none' or mentor time such as '1 hour every 2 weeks' (a bare number means hours per week)"
    if isinstance(v, str):
        key = v.strip().lower()
        if key in ("none", "no", "nothing", "zero"):
            return 0.0
        if key in ("default", "scenario"):
            return None
        if not _numeric_text(key):
            try:
                x = float(parse_quantity(v, "hours"))
            except ValueError:
                raise ValueError(f"got {_shown(v)} (expected {expected})") from None
        else:
            x = _as_number(v, expected)
    else:
        x = _as_number(v, expected)
    if not 0.0 <= x <= 40.0:
        raise ValueError(f"got {x:g} hours per week (expected from 0 to 40, e.g. '1 hour every 2 weeks')")
    return x


def _parse_programme(v, ctx):
    if isinstance(v, bool):
        return "yes" if v else "no"
    return _choice(
        v,
        ("yes", "no", "maybe"),
        {"y": "yes", "true": "yes", "n": "no", "false": "no", "apply": "maybe", "compete": "maybe", "unknown": "maybe"},
        "yes, no or maybe",
    )


def _parse_months(v, ctx):

    expected = "a number of months such as 12, or a duration such as '1 year'"
    if not _numeric_text(v):
        try:
            x = 12.0 * float(parse_quantity(v, "duration"))
        except ValueError:
            raise ValueError(f"got {_shown(v)} (expected {expected})") from None
    else:
        x = _as_number(v, expected)
    if not 0.0 <= x <= 120.0:
        raise ValueError(f"got {x:g} months (expected from 0 to 120)")
    return x


def _parse_role(v, ctx):
    return _choice(
        v,
        CONTRIBUTOR_ROLES,
        {
            "ra": "academic_ra",
            "academic": "academic_ra",
            "non_profit": "nonprofit",
            "lab": "industry",
            "any": "mix",
            "random": "mix",
        },
        "industry, nonprofit, academic_ra or mix",
    )


def _parse_phd_after(v, ctx):

    expected = "a duration such as '18 months' or '2 years' (a bare number means years)"
    if not _numeric_text(v):
        try:
            x = float(parse_quantity(v, "duration"))
        except ValueError:
            raise ValueError(f"got {_shown(v)} (expected {expected})") from None
    else:
        x = _as_number(v, expected)
    if not 0.25 <= x <= 10.0:
        raise ValueError(f"got {x:g} years (expected from 3 months to 10 years, e.g. '2 years')")
    return x


def _parse_year(v, ctx) -> float:
    start = float(ctx["start_year"])
    expected = f"a calendar year after {start:g}, such as {int(start) + 9}"
    x = _as_number(v, expected)
    if not (start < x <= start + 200):
        if x < start:
            when = f"{x:g} is before the model's start, {start:g}; "
        elif x == start:
            when = f"{x:g} is the model's start; "
        else:
            when = f"more than 200 years after the model's start, {start:g}; "
        raise ValueError(f"got {x:g} ({when}expected {expected})")
    return x


class _PartProblem(ValueError):
    """A problem with one key (``part``) of a field given as a mapping, located at that key."""

    def __init__(self, part: str, message: str) -> None:
        super().__init__(message)
        self.part = part


def _parse_timeline(v, ctx):
    if isinstance(v, str) and v.strip().lower() in ("scenario", "default"):
        return ("scenario", None, None)
    if isinstance(v, dict):
        unknown = [k for k in v if k not in ("median", "spread")]
        if unknown:
            raise ValueError(
                f"unknown key '{unknown[0]}' (expected 'median' and optionally 'spread'){_suggest(unknown[0], ['median', 'spread'])}"
            )
        if "median" not in v:
            raise ValueError("a mapping needs 'median' (expected e.g. {median: 2035, spread: 0.5})")
        parsed = []
        for part, parse, default in (("median", _parse_year, None), ("spread", _parse_spread, 0.5)):
            try:
                parsed.append(parse(v.get(part, default), ctx))
            except ValueError as exc:
                raise _PartProblem(part, str(exc)) from None
        return ("lognormal", *parsed)
    return ("fixed", _parse_year(v, ctx), None)


def _parse_spread(v, ctx):
    x = _as_number(v, "a spread such as 0.5 (sd of log years-from-now)")
    if not 0.0 < x <= 3.0:
        raise ValueError(f"got {x:g} (expected a spread greater than 0 and at most 3, e.g. 0.5)")
    return x


def _parse_goal(v, ctx):
    return _choice(
        v,
        ("lead_years", "lead_chance"),
        {"years": "lead_years", "impact": "lead_years", "chance": "lead_chance", "probability": "lead_chance"},
        "lead-years or lead-chance",
    ).replace("_", "-")


_PARSERS = {
    "background": _parse_background,
    "execution": _parse_skill,
    "idea_generation": _parse_skill,
    "idea_evaluation": _parse_skill,
    "impact_judgement": _parse_skill,
    "track_record": _parse_record,
    "self_direction": _parse_trait,
    "resilience": _parse_trait,
    "learning_rate": _parse_trait,
    "self_uncertainty": _parse_uncertainty,
    "advisor": lambda v, ctx: _parse_quality(v, allow_auto=True),
    "independent_mentoring": _parse_mentoring,
    "independent_mentor_quality": lambda v, ctx: _parse_quality(v, allow_auto=False),
    "programme": _parse_programme,
    "funded_months": _parse_months,
    "contributor_role": _parse_role,
    "phd_after": _parse_phd_after,
    "timeline": _parse_timeline,
    "timeline_median": _parse_year,
    "timeline_spread": _parse_spread,
    "goal": _parse_goal,
}


def profile_from_mapping(
    data: Mapping[str, Any], scenario: Scenario | None = None, where: Mapping[str, str] | None = None
) -> Profile:
    """A validated :class:`Profile` from plain values (YAML-style keys).

    ``where`` maps a key to the prefix of its error messages (``FILE:LINE``
    or the flag name); every problem is collected and raised together as a
    :class:`ProfileError`.
    """

    scenario = scenario or baseline()
    where = dict(where or {})
    ctx = {"start_year": start_year(scenario)}
    errors: list[str] = []
    values: dict[str, Any] = {}

    def fail(key: str, message: str) -> None:
        prefix = where.get(key)
        if prefix is None:
            errors.append(f"{key}: {message}")
        elif prefix.startswith("--"):
            errors.append(f"careersim advise: {prefix}: {message}")
        else:
            errors.append(f"{prefix}: {key}: {message}")

    for key, value in data.items():
        if key in YAML_ONLY:
            continue
        if key not in _PARSERS:
            near = difflib.get_close_matches(
                str(key).lower().replace("-", "_"), FIELD_NAMES + YAML_ONLY, n=1, cutoff=0.6
            )
            fail(
                key,
                f"unknown key '{quoted(key)}' (did you mean '{near[0]}'?)"
                if near
                else f"unknown key '{quoted(key)}' (expected one of: {', '.join(FIELD_NAMES + YAML_ONLY)})",
            )
            continue
        if value is None:
            fail(key, f"no value given (expected {_expected_of(key)})")
            continue
        try:
            values[key] = _PARSERS[key](value, ctx)
        except _PartProblem as exc:  # located at the mapping's own key where the file says where it is
            part = f"{key}.{exc.part}"
            if part in where:
                fail(part, str(exc))
            else:
                fail(key, f"{exc.part}: {exc}")
        except ValueError as exc:
            fail(key, str(exc))
    # combinations
    if "timeline_spread" in data and "timeline_median" not in data and "timeline_spread" in values:
        fail(
            "timeline_spread",
            "needs a median year as well (expected e.g. --timeline-median 2035 --timeline-spread 0.5)",
        )
    if "timeline" in data and "timeline_median" in data:
        fail(
            "timeline_median",
            "cannot be combined with a timeline year (expected either a year, or a median and spread)",
        )
    if errors:
        raise ProfileError(errors)
    kwargs: dict[str, Any] = {
        k: v for k, v in values.items() if k not in ("timeline", "timeline_median", "timeline_spread")
    }
    if "timeline" in values:
        kwargs["timeline"] = values["timeline"]
    elif "timeline_median" in values:
        kwargs["timeline"] = ("lognormal", values["timeline_median"], values.get("timeline_spread", 0.5))
    return Profile(**kwargs)


def _expected_of(key: str) -> str:
    for f in PROFILE_FIELDS:
        if f.name == key:
            return f.help.split(" (default")[0]
    return "a value"


def start_year(scenario: Scenario) -> float:
    sy = scenario.run.start_year
    return float(sy if isinstance(sy, (int, float)) else sy.ppf(0.5))


def read_profile_file(path: str | os.PathLike) -> tuple[dict, dict[str, str]]:
    """The raw mapping of a profile YAML file and, per key, its ``FILE:LINE``.

    Read by :mod:`careersim.config.yaml_file` (no Python objects, limits on
    size, depth and aliases, duplicate keys refused); raises :class:`ProfileError`
    with located messages.
    """
    data, marks, soft, _, _ = read_yaml_file(path, PROFILE_FILE)
    where = {}
    for loc, mark in marks.items():
        if len(loc) == 1:
            where[str(loc[0])] = f"{mark.file}:{mark.line if not isinstance(data.get(loc[0]), dict) else mark.key_line}"
        elif len(loc) == 2 and isinstance(data.get(loc[0]), dict):  # a key inside a mapping (timeline's spread)
            where[f"{loc[0]}.{loc[1]}"] = f"{mark.file}:{mark.line}"
    if soft:  # values the reader refused (NaN, an unsupported tag): with the other fields' problems, in line order
        messages = [m for _, m in soft]
        refused = {loc[0] for loc, _ in soft if loc}
        # the other fields on their own; the timeline's are left for later, as they depend on the
        # scenario's start year and on each other
        later = refused | {"timeline", "timeline_median", "timeline_spread"}
        try:
            profile_from_mapping({k: v for k, v in data.items() if k not in later}, None, where)
        except ProfileError as exc:
            messages += list(exc.messages)
        raise ProfileError(sort_messages(messages))
    return data, where


def load_profile(path: str | os.PathLike, scenario: Scenario | None = None) -> Profile:
    """Load and validate a profile YAML file (errors: ``FILE:LINE: field: ...``)."""
    data, where = read_profile_file(path)
    return profile_from_mapping(data, scenario, where)
