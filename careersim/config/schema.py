"""The scenario: every parameter of the model, with its unit, range, default and source.

This module is the single source of truth for parameters. Validation, defaults,
units, the JSON Schema, the parameter reference in ``docs/parameters.md`` and
the assumptions table of every report are all generated from the classes below.

Each parameter is declared with :func:`param`, which records

* ``kind``: how a string is read (``duration`` -> years, ``rate`` -> per year,
  ``hours`` -> hours of mentor time per week, ``probability``, ``number``,
  ``count``);
* the allowed range, checked for fixed values and for the support of a
  distribution (a distribution whose tails leave the range is truncated to it);
* ``source``: a seed-essay statement (``000``: the essay on independent
  research, ``001``: the essay on PhDs and its comments), a published figure,
  or the word "assumption";
* ``live``: whether an intervention may change it during a run;
* ``kernel``: whether the compiled monthly step reads it (its place in the
  kernel's parameter vector is generated from these flags, in declaration
  order: :mod:`careersim.engine.vector`).

A numeric parameter may be a distribution, drawn once per replication
(parameter uncertainty). Fields typed ``Distribution`` instead describe how a
trait varies *between people* and are drawn once per person.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from careersim.config.posterior import Posterior, PosteriorError, read_posterior
from careersim.core.distributions import (
    Distribution,
    coerce_number_or_distribution,
    parse_distribution,
)
from careersim.core.units import parse_quantity

Num = float | Distribution

UNIT_OF_KIND = {
    "duration": "years",
    "rate": "per year",
    "hours": "hours per week",
    "probability": "probability",
    "number": "",
    "count": "count",
    "share": "share",
    "money": "US dollars",
}


def param(
    default: Any,
    desc: str,
    source: str,
    *,
    kind: str = "number",
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    live: bool = False,
    kernel: bool = False,
    integer: bool = False,
) -> Any:
    """Declare a parameter. ``lo_open`` makes the lower bound strict (> lo); ``kernel`` puts
    it in the compiled monthly step's parameter vector; ``integer`` marks a whole number the
    engine rounds (a head count, a month), so calibration draws it from whole numbers only."""
    if kind in ("probability", "share"):
        lo = 0.0 if lo is None else lo
        hi = 1.0 if hi is None else hi
    if kind in ("duration", "rate", "hours", "count", "money") and lo is None:
        lo = 0.0
    extra = {
        "kind": kind,
        "unit": UNIT_OF_KIND[kind],
        "range": [lo, hi],
        "lo_open": lo_open,
        "source": source,
        "live": live,
        "kernel": kernel,
        "integer": integer,
    }
    return Field(default=default, description=desc, json_schema_extra=extra)


def _meta(model: type[BaseModel], name: str) -> dict:
    extra = model.model_fields[name].json_schema_extra
    return extra if isinstance(extra, dict) else {}


def _out_of_range(v: float, meta: dict) -> str | None:
    """What is wrong with value ``v`` for a parameter with metadata ``meta``, or None."""
    lo, hi = meta.get("range", (None, None))
    lo_open = meta.get("lo_open", False)
    bad = not np.isfinite(v) or (lo is not None and (v < lo or (lo_open and v == lo))) or (hi is not None and v > hi)
    return f"must be {_range_text(lo, hi, lo_open)} ({meta.get('unit') or 'a number'}); got {v:g}" if bad else None


def _range_text(lo, hi, lo_open) -> str:
    if lo is not None and hi is not None:
        return f"between {lo:g} and {hi:g}"
    if lo is not None:
        return f"{'greater than' if lo_open else 'at least'} {lo:g}"
    if hi is not None:
        return f"at most {hi:g}"
    return "a finite number"


class Section(BaseModel):
    """Base of every scenario section: unknown keys are errors; strings with
    units are converted to the canonical unit of the field's kind."""

    model_config = ConfigDict(extra="forbid", validate_default=True)

    @field_validator("*", mode="before")
    @classmethod
    def _read_units(cls, value: Any, info: ValidationInfo) -> Any:
        meta = _meta(cls, info.field_name)
        kind = meta.get("kind")
        if kind is None or kind == "choice":
            return value
        if isinstance(value, bool):
            raise ValueError(f"expected a number, got {value!r}")
        if isinstance(value, str):
            return _read_number_text(value, kind)
        if isinstance(value, dict) or hasattr(value, "ppf"):
            return coerce_number_or_distribution(value)
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _check_range(cls, value: Any, info: ValidationInfo) -> Any:
        """Every field is checked on its own, so a file with several mistakes
        gets a message for each."""
        meta = _meta(cls, info.field_name)
        if "range" not in meta:
            return value
        lo, hi = meta["range"]
        lo_open = meta.get("lo_open", False)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            v = float(value)
            problem = _out_of_range(v, meta)
            if problem:
                raise ValueError(problem)
            return v
        if value is not None and hasattr(value, "support"):
            s_lo, s_hi = value.support()
            outside = (lo is not None and s_lo < lo) or (hi is not None and s_hi > hi)
            if not outside:
                return value
            finite_edge = (lo is not None and s_lo < lo and np.isfinite(s_lo)) or (
                hi is not None and s_hi > hi and np.isfinite(s_hi)
            )
            if finite_edge:  # a stated bound outside the range is a mistake, not a tail
                raise ValueError(
                    f"the distribution {value.describe()} reaches outside the allowed range "
                    f"({_range_text(lo, hi, lo_open)}); give bounds inside it"
                )
            return value.clipped(lo, hi)  # unbounded tails are truncated to the range
        return value


def _read_number_text(text: str, kind: str) -> Any:
    """Read ``"6 months"``, ``"0.3"`` or ``"uniform(3, 6) months"``."""
    t = text.strip()
    if "(" in t and t.endswith(")") or ("(" in t and ")" in t):
        head, _, tail = t.rpartition(")")
        dist = parse_distribution(head + ")")
        unit = tail.strip()
        if unit and kind in ("duration", "rate", "hours"):
            factor = parse_quantity(f"1 {unit}", kind)
            dist = dist.scaled(factor)
        elif unit:
            raise ValueError(f"'{unit}' after a distribution is only allowed for durations, rates and hours")
        return dist
    if kind in ("duration", "rate", "hours"):
        return parse_quantity(t, kind)
    try:
        return float(t)
    except ValueError:
        raise ValueError(f"could not read {text!r} as a number") from None


class PopDist(Section):
    """Marker base for sections whose fields are population distributions."""


def dist_field(default: str, desc: str, source: str, *, lo=None, hi=None) -> Any:
    return Field(
        default=parse_distribution(default),
        description=desc,
        json_schema_extra={
            "kind": "distribution",
            "unit": "",
            "source": source,
            "range": [lo, hi],
            "lo_open": False,
            "live": False,
        },
    )


# ---------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------

SRC_ASSUMPTION = "assumption"


class RunSettings(Section):
    horizon: Num = param(
        20.0, "Length of the simulated period.", "brief: default horizon 20 years", kind="duration", lo=0, lo_open=True
    )
    start_year: Num = param(2026.0, "Calendar year at time zero (labels only).", SRC_ASSUMPTION, kind="number")
    burn_in: Num = param(
        10.0,
        "Burn-in before time zero: the existing field (initial.*) starts this long before time zero and the model's own flows make the field of time zero; its entrants, months and lead-years are left out of outcomes. Intake and capacities grow to their stated values at time zero. 0 starts outcomes from the existing field as stated.",
        "assumption: long enough for every stock to come from the model's flows (a PhD lasts at most phd.max_years, 10); tests/test_balance.py checks that the first cohort's lead chance is within the spread of the next cohorts'",
        kind="duration",
    )
    claims_window: Num = param(
        10.0,
        "'Within N years' window for lead chances, counted from entry.",
        "brief C1-C3: within 10 years",
        kind="duration",
        lo=0,
        lo_open=True,
    )


class BackgroundMix(Section):
    undergraduate: Num = param(
        0.35, "Share of entrants straight from a bachelor's degree.", SRC_ASSUMPTION, kind="share"
    )
    masters: Num = param(0.30, "Share with a master's degree.", SRC_ASSUMPTION, kind="share")
    industry_engineer: Num = param(0.25, "Share who were industry software/ML engineers.", SRC_ASSUMPTION, kind="share")
    phd_elsewhere: Num = param(
        0.10,
        "Share who are PhD students or graduates in another field.",
        "000: 'Master's or Ph.D. students ... already have some of the research skills'",
        kind="share",
    )


class TrackMix(Section):
    phd: Num = param(0.40, "Share of entrants whose intended starting track is the PhD.", SRC_ASSUMPTION, kind="share")
    independent: Num = param(
        0.25, "Share starting as grant-funded independent researchers.", SRC_ASSUMPTION, kind="share"
    )
    contributor: Num = param(0.35, "Share starting as research contributors.", SRC_ASSUMPTION, kind="share")


class ContributorKindMix(Section):
    industry: Num = param(
        0.50, "Share of contributors who are industry research engineers.", SRC_ASSUMPTION, kind="share"
    )
    nonprofit: Num = param(0.30, "Share at non-profit safety organisations.", SRC_ASSUMPTION, kind="share")
    academic_ra: Num = param(0.20, "Share who are research assistants in academic labs.", SRC_ASSUMPTION, kind="share")


class Traits(PopDist):
    learning_rate: Distribution = dist_field(
        "lognormal(median=1, spread=0.35)",
        "Talent: multiplies how much a person learns from each signal.",
        SRC_ASSUMPTION,
        lo=0,
    )
    self_direction: Distribution = dist_field(
        "beta(2, 2)",
        "How much a person learns from their own unsupervised work (0-1).",
        "000: 'some people excel at it while others get nearly nothing out of it'",
        lo=0,
        hi=1,
    )
    resilience: Distribution = dist_field(
        "beta(3, 2)",
        "Mental-health resilience (0-1); sets the wellbeing a person returns to.",
        "001: 'Many PhD students experience mental health issues'",
        lo=0,
        hi=1,
    )
    safety_motivation: Distribution = dist_field(
        "beta(3, 2)",
        "Commitment to safety work (0-1); lowers the hazard of leaving for other work.",
        SRC_ASSUMPTION,
        lo=0,
        hi=1,
    )
    legibility: Distribution = dist_field(
        "beta(2, 3)",
        "How legible the person's agenda is to funders (0-1).",
        "001 comments: 'If your agenda is legibly exciting to them...'",
        lo=0,
        hi=1,
    )


class SkillProfile(Section):
    execution: Num = param(
        0.2, "Initial execution skill (programming, ML engineering), 0-1.", SRC_ASSUMPTION, kind="share"
    )
    idea_generation: Num = param(0.05, "Initial idea-generation skill, 0-1.", SRC_ASSUMPTION, kind="share")
    idea_evaluation: Num = param(
        0.05, "Initial idea-evaluation skill (research taste), 0-1.", SRC_ASSUMPTION, kind="share"
    )
    impact_judgement: Num = param(
        0.05, "Initial impact judgement (does a project matter for safety), 0-1.", SRC_ASSUMPTION, kind="share"
    )
    track_record: Num = param(0.0, "Initial track record (publication-equivalents).", SRC_ASSUMPTION, kind="count")


def _profile(e, g, v, i, tr):
    return SkillProfile(execution=e, idea_generation=g, idea_evaluation=v, impact_judgement=i, track_record=tr)


class Backgrounds(Section):
    undergraduate: SkillProfile = Field(
        default_factory=lambda: _profile(0.15, 0.04, 0.04, 0.05, 0.0),
        description="Starting skills after a bachelor's degree.",
    )
    masters: SkillProfile = Field(
        default_factory=lambda: _profile(0.25, 0.08, 0.08, 0.06, 0.5),
        description="Starting skills after a master's degree.",
    )
    industry_engineer: SkillProfile = Field(
        default_factory=lambda: _profile(0.45, 0.06, 0.08, 0.05, 0.2),
        description="Starting skills of an industry engineer.",
    )
    phd_elsewhere: SkillProfile = Field(
        default_factory=lambda: _profile(0.35, 0.18, 0.18, 0.06, 1.5),
        description="Starting skills of a PhD student or graduate from another field.",
    )
    skill_spread: Num = param(
        0.05,
        "Standard deviation of individual starting skills around the background's profile.",
        SRC_ASSUMPTION,
        kind="number",
        lo=0,
    )


class Population(Section):
    entrants_per_year: Num = param(
        300.0,
        "New entrants to the field in the first year.",
        "assumption, scaled to ~600 technical AI-safety FTEs in 2025 (McAleese 2025)",
        kind="number",
        lo=0,
    )
    entrant_growth: Num = param(
        0.05,
        "Yearly growth of the number of entrants.",
        "assumption: below the recent ~21%/year growth of technical FTEs (McAleese 2022, 2025), which is not expected to last 20 years",
        kind="number",
        lo=-0.5,
        hi=1.0,
    )
    single_cohort: bool = Field(
        False,
        description="If true, all entrants arrive at time zero instead of every year.",
        json_schema_extra={"kind": "choice", "unit": "", "source": "assumption", "live": False},
    )
    intake: Literal["monthly", "yearly"] = Field(
        "monthly",
        description="Whether each year's entrants arrive spread over the months or all at once (yearly intake sends every grant application into the same month).",
        json_schema_extra={
            "kind": "choice",
            "unit": "",
            "source": "assumption: yearly intake with one-year grants sends every application into the same month",
            "live": False,
        },
    )
    track_rule: Literal["assigned", "choice"] = Field(
        "assigned",
        description="'assigned': starting tracks drawn at random from track_mix, independently of traits, so tracks compare like a trial (intention to treat). 'choice': people choose by background and traits.",
        json_schema_extra={
            "kind": "choice",
            "unit": "",
            "source": "brief: tracks are compared as intended starting tracks (intention to treat)",
            "live": False,
        },
    )
    track_mix: TrackMix = Field(
        default_factory=TrackMix, description="Shares of intended starting tracks (assigned rule)."
    )
    background_mix: BackgroundMix = Field(default_factory=BackgroundMix, description="Shares of entrants' backgrounds.")
    contributor_kinds: ContributorKindMix = Field(
        default_factory=ContributorKindMix, description="Shares of contributor sub-kinds."
    )
    traits: Traits = Field(default_factory=Traits, description="Distributions of traits between people.")
    backgrounds: Backgrounds = Field(default_factory=Backgrounds, description="Starting skills by background.")

    @model_validator(mode="after")
    def _mixes_sum_to_one(self) -> Population:
        for label, mix in (
            ("track_mix", self.track_mix),
            ("background_mix", self.background_mix),
            ("contributor_kinds", self.contributor_kinds),
        ):
            vals = [getattr(mix, k) for k in type(mix).model_fields]
            if all(isinstance(v, float) for v in vals):
                total = sum(vals)
                if abs(total - 1.0) > 1e-6:
                    raise ValueError(f"{label}: shares must add up to 1; they add up to {total:g}")
        return self


class Learning(Section):
    signal_gain: Num = param(
        0.08,
        "Share of the remaining gap to mastery that one feedback signal of quality 1 closes for a person of learning rate 1.",
        "assumption, set so the median PhD starter is lead-ready after 4-5 years (001: 'around 5 years')",
        kind="share",
        live=True,
        kernel=True,
    )
    teachable_floor: Num = param(
        0.2,
        "Skill level any feedback source can teach; a source of quality q teaches up to floor + (1 - floor) * q.",
        "001: 'if you are surrounded by mediocre researchers, your learning opportunities will be significantly diminished'",
        kind="share",
        live=True,
        kernel=True,
    )
    dose_response: Literal["saturating", "linear", "threshold"] = Field(
        "saturating",
        description="How feedback grows with mentor hours h a week: 'saturating', k h0 (1 - exp(-h/h0)) with h0 = saturation_hours (returns diminish beyond the essay's minimum); 'threshold', k h at or above threshold_hours and k h below_threshold_factor below it (the essay's 'minimum' read literally: below it a mentor's feedback teaches little); 'linear', k h. k = signals_per_mentor_hour.",
        json_schema_extra={
            "kind": "choice",
            "unit": "",
            "source": "default 'saturating': assumption of diminishing returns to mentor time, on the scale of the essay's minimum (001: 'an hour every other week is the minimum mentorship most people need'; MATS: 1-2 hours a week per scholar); 'threshold' reads that minimum as a threshold (brief: a stated decision)",
            "live": False,
        },
    )
    signals_per_mentor_hour: Num = param(
        1.0,
        "Feedback signals (ideas evaluated) per hour of mentor time.",
        "001: 'you get it every week you propose an idea'",
        kind="number",
        lo=0,
        live=True,
        kernel=True,
    )
    saturation_hours: Num = param(
        0.5,
        "Mentor hours per week beyond which extra hours add little (saturating dose-response).",
        "001: 'an hour every other week is the minimum mentorship most people need'",
        kind="hours",
        lo=0,
        lo_open=True,
        live=True,
        kernel=True,
    )
    project_length: Num = param(
        0.5,
        "Time to finish a project and get its self-evaluation signal.",
        "001: 'rather than getting meaningful feedback every 6 months you finish a project'",
        kind="duration",
        lo=0,
        lo_open=True,
        live=True,
        kernel=True,
    )
    self_eval_quality: Num = param(
        0.5,
        "Quality of the self-evaluation signal at project completion, scaled by self-direction.",
        SRC_ASSUMPTION,
        kind="share",
        live=True,
        kernel=True,
    )
    hands_on_rate: Num = param(
        0.15,
        "Yearly share of the execution gap closed by hands-on work (multiplied by the track's hands-on multiplier).",
        SRC_ASSUMPTION,
        kind="rate",
        live=True,
        kernel=True,
    )
    peer_quality_ratio: Num = param(
        0.6,
        "Quality of peers' feedback as a share of the advisor's or manager's quality.",
        "001: 'post-docs, promising senior PhD students'",
        kind="share",
        live=True,
        kernel=True,
    )
    self_study_signals: Num = param(
        12.0,
        "Signals per year a fully self-directed person draws from their own unsupervised work (scaled by self-direction squared and by the autonomy of the role).",
        "001: 'some people are exceptionally quick independent learners'",
        kind="rate",
        live=True,
        kernel=True,
    )
    hands_on_phd: Num = param(
        1.0,
        "Hands-on execution learning multiplier in a PhD (the reference).",
        SRC_ASSUMPTION,
        kind="number",
        lo=0,
        live=True,
        kernel=True,
    )
    hands_on_independent: Num = param(
        0.8,
        "Hands-on multiplier for independent researchers.",
        SRC_ASSUMPTION,
        kind="number",
        lo=0,
        live=True,
        kernel=True,
    )
    impact_weight: Num = param(
        0.5,
        "Share of a safety-aware signal that trains impact judgement.",
        "001: 'PhD's do not train you to evaluate the theory of impact'",
        kind="share",
        live=True,
        kernel=True,
    )
    mentor_execution_weight: Num = param(
        0.3,
        "Weight on execution of a mentor's signal (an independent researcher's mentor, a programme mentor).",
        SRC_ASSUMPTION,
        kind="share",
        live=True,
        kernel=True,
    )
    mentor_idea_weight: Num = param(
        0.35,
        "Weight on idea generation and on idea evaluation (each) of a mentor's signal.",
        "001: a mentor evaluates 'every week you propose an idea'; assumption for the number",
        kind="share",
        live=True,
        kernel=True,
    )
    project_execution_weight: Num = param(
        0.3,
        "Weight on execution of the self-evaluation signal at a project's completion.",
        SRC_ASSUMPTION,
        kind="share",
        live=True,
        kernel=True,
    )
    project_generation_weight: Num = param(
        0.3,
        "Weight on idea generation of the self-evaluation signal at a project's completion.",
        SRC_ASSUMPTION,
        kind="share",
        live=True,
        kernel=True,
    )
    project_evaluation_weight: Num = param(
        0.4,
        "Weight on idea evaluation of the self-evaluation signal at a project's completion.",
        "001: 'meaningful feedback every 6 months you finish a project'; assumption for the number",
        kind="share",
        live=True,
        kernel=True,
    )
    study_execution_weight: Num = param(
        0.2,
        "Weight on execution of a self-study signal (also of early feedback on a written plan, and of a lead's peers).",
        SRC_ASSUMPTION,
        kind="share",
        live=True,
        kernel=True,
    )
    study_idea_weight: Num = param(
        0.4,
        "Weight on idea generation and on idea evaluation (each) of a self-study signal (also of early feedback on a written plan, and of a lead's peers).",
        SRC_ASSUMPTION,
        kind="share",
        live=True,
        kernel=True,
    )
    output_base: Num = param(
        0.5,
        "Research output scales with (output_base + execution) x (output_base + idea generation).",
        SRC_ASSUMPTION,
        kind="number",
        lo=0,
        live=True,
        kernel=True,
    )
    lead_peer_signals: Num = param(
        12.0, "Feedback signals per year a lead gets from peers.", SRC_ASSUMPTION, kind="rate", live=True, kernel=True
    )
    lead_peer_quality: Num = param(
        0.6, "Quality of a lead's peers' feedback (0-1).", SRC_ASSUMPTION, kind="share", live=True, kernel=True
    )
    lead_impact_share: Num = param(
        0.5,
        "Share of learning.impact_weight that a lead's peers' signals put on impact judgement.",
        SRC_ASSUMPTION,
        kind="share",
        live=True,
        kernel=True,
    )
    lead_publications: Num = param(
        1.0,
        "Publication-equivalents per year of a lead of median skill.",
        SRC_ASSUMPTION,
        kind="rate",
        live=True,
        kernel=True,
    )
    threshold_hours: Num = param(
        0.5,
        "Threshold dose-response: mentor hours per week below which a mentor's feedback teaches little.",
        "001: 'an hour every other week is the minimum mentorship most people need'",
        kind="hours",
        live=True,
        kernel=True,
    )
    below_threshold_factor: Num = param(
        0.2,
        "Threshold dose-response: share of a mentor's signals that still teach below threshold_hours.",
        "assumption (001: 'getting comments on your Google Docs every 3 months is unlikely to be good enough')",
        kind="share",
        live=True,
        kernel=True,
    )


class PhD(Section):
    advisors: Num = param(
        100.0, "Advisors supervising safety-relevant PhDs at time zero.", SRC_ASSUMPTION, kind="count", integer=True
    )
    advisor_growth: Num = param(
        0.05, "Yearly growth of the number of advisors.", SRC_ASSUMPTION, kind="number", lo=-0.5, hi=1.0
    )
    max_students: Num = param(
        4.0, "Students an advisor takes at most.", SRC_ASSUMPTION, kind="count", lo=1, integer=True
    )
    advisor_hours: Num = param(
        3.0,
        "An advisor's weekly hours of one-to-one mentoring, shared between their students.",
        "001: 'mentor-time is hard to come by'; assumption for the number",
        kind="hours",
        live=True,
    )
    advisor_quality: Distribution = dist_field(
        "beta(1.5, 1.5)",
        "Advisor quality (0-1) across advisors: the value of a signal they give.",
        "001: 'it matters enormously where you do your PhD'; 'the quality of mentorship varies significantly between advisors'",
        lo=0,
        hi=1,
    )
    safety_interested_share: Num = param(
        0.25,
        "Share of advisors interested in AI safety (their students' signals train impact judgement).",
        SRC_ASSUMPTION,
        kind="share",
        live=True,
    )
    admission_month: Num = param(
        9.0, "Month of the yearly admission round (1-12).", SRC_ASSUMPTION, kind="number", lo=1, hi=12, integer=True
    )
    min_portfolio: Num = param(
        0.25, "Lowest portfolio score a programme admits.", SRC_ASSUMPTION, kind="number", live=True
    )
    max_attempts: Num = param(
        2.0,
        "Admission rounds a PhD applicant tries before taking a contributor job.",
        SRC_ASSUMPTION,
        kind="count",
        lo=1,
        integer=True,
    )
    duration: Num = param(
        4.75,
        "Years of thesis work a student needs at the reference pace (progress 1/duration a year; the pace follows skills, the advisor's feedback and wellbeing).",
        "fitted to PhD completion within 7 years (CGS) and the median time to degree (NSF SED) (scenarios/calibration/targets.yaml): the shipped baseline draws it per replication from the calibration's posterior; this default, used only without a posterior, is assumption: the fixed length of a PhD before time to degree emerged",
        kind="duration",
        lo=0,
        lo_open=True,
        live=True,
        kernel=True,
    )
    funded_years: Num = param(
        5.0,
        "Years of a PhD the admitting programme funds.",
        "001: 'basically guaranteed funding ... for 3-5 years' (the upper end)",
        kind="duration",
        lo=0,
        lo_open=True,
        live=True,
        kernel=True,
    )
    extension_chance: Num = param(
        0.75,
        "Chance, at the end of the funded years and at each anniversary after, that a student still writing finds another year of funding (else leaves the field: funding ran out).",
        "fitted to PhD completion within 7 years and the median time to degree (scenarios/calibration/targets.yaml): the shipped baseline draws it per replication from the calibration's posterior; this default, used only without a posterior, is assumption",
        kind="probability",
        live=True,
        kernel=True,
    )
    min_years: Num = param(
        3.0,
        "Years before which no thesis is accepted, however fast the progress.",
        SRC_ASSUMPTION,
        kind="duration",
        live=True,
        kernel=True,
    )
    max_years: Num = param(
        10.0,
        "Time limit of a PhD: a student not finished by then leaves (funding ran out).",
        "assumption (universities' time limits are commonly 7-10 years)",
        kind="duration",
        lo=0,
        lo_open=True,
        live=True,
        kernel=True,
    )
    pace_skill: Num = param(
        1.0,
        "Pace of thesis progress: change per unit of the student's mean of execution and idea generation above pace_skill_reference.",
        SRC_ASSUMPTION,
        kind="number",
        live=True,
        kernel=True,
    )
    pace_skill_reference: Num = param(
        0.5,
        "Mean of execution and idea generation at which skill neither speeds nor slows progress.",
        SRC_ASSUMPTION,
        kind="share",
        live=True,
        kernel=True,
    )
    pace_feedback: Num = param(
        0.5,
        "Pace of thesis progress: change per unit of the advisor's quality (the value of their feedback) above 0.5.",
        "001: 'it matters enormously where you do your PhD'; assumption for the number",
        kind="number",
        live=True,
        kernel=True,
    )
    pace_wellbeing: Num = param(
        1.0,
        "Pace of thesis progress: change per unit of wellbeing above 0.6 (the level at which base hazards apply).",
        "001: 'The mental health of graduate students is notoriously bad'; assumption for the number",
        kind="number",
        live=True,
        kernel=True,
    )
    attrition_early: Num = param(
        0.05,
        "Yearly hazard of leaving a PhD (for other work) in its first attrition_early_years, beside burnout and leaving for other work.",
        "fitted to PhD completion within 7 years and the median time to degree (scenarios/calibration/targets.yaml): the shipped baseline draws it per replication from the calibration's posterior; this default, used only without a posterior, is assumption",
        kind="rate",
        live=True,
        kernel=True,
    )
    attrition_early_years: Num = param(
        2.0, "Length of the early period of PhD attrition.", SRC_ASSUMPTION, kind="duration", live=True, kernel=True
    )
    attrition_late: Num = param(
        0.02,
        "Yearly hazard of leaving a PhD (for other work) after attrition_early_years.",
        "fitted to PhD completion within 7 years and the median time to degree (scenarios/calibration/targets.yaml): the shipped baseline draws it per replication from the calibration's posterior; this default, used only without a posterior, is assumption",
        kind="rate",
        live=True,
        kernel=True,
    )
    apprentice_years: Num = param(
        1.5,
        "Length of the apprentice phase (others' ideas, execution-heavy feedback).",
        "001: 'After the first year or two ... switch to working more on your own ideas'",
        kind="duration",
        kernel=True,
    )
    ambition_years: Num = param(
        3.0,
        "Start of the ambition phase (an overarching agenda).",
        "001: 'Gradually start being more ambitious'",
        kind="duration",
        kernel=True,
    )
    peer_signals: Num = param(
        12.0,
        "Feedback signals per year from lab peers (post-docs, senior students).",
        "001: 'other professors, post-docs, promising senior PhD students'",
        kind="rate",
        live=True,
        kernel=True,
    )
    exposure_rate: Num = param(
        0.15,
        "Yearly chance of outside safety exposure (conferences, hubs, internships) for students of advisors not interested in safety.",
        "001: 'attend AI safety focused conferences ... co-work from an AI safety hub ... intern'",
        kind="rate",
        live=True,
        kernel=True,
    )
    exposure_signals: Num = param(
        6.0,
        "Safety-aware feedback signals per year after outside exposure.",
        SRC_ASSUMPTION,
        kind="rate",
        live=True,
        kernel=True,
    )
    publications: Num = param(
        1.2,
        "Publication-equivalents per year for a PhD student of median skill.",
        "001: 'publish or perish'",
        kind="rate",
        live=True,
        kernel=True,
    )
    stress: Num = param(
        0.12,
        "Drop in the wellbeing a PhD student returns to.",
        "fitted to PhD completion within 7 years and the median time to degree (scenarios/calibration/targets.yaml): the shipped baseline draws it per replication from the calibration's posterior; this default, used only without a posterior, is 001: 'The mental health of graduate students is notoriously bad'",
        kind="share",
        live=True,
        kernel=True,
    )
    lead_rule: Literal["after_graduation", "final_phase"] = Field(
        "after_graduation",
        description="When PhD students may take lead roles: only after graduating, or in their final phase (within one year's work at the reference pace of finishing: progress at least 1 - 1/duration).",
        json_schema_extra={
            "kind": "choice",
            "unit": "",
            "source": "assumption (brief: this rule largely sets C4 and C5)",
            "live": False,
        },
    )
    industry_share: Num = param(
        0.65,
        "Share of graduates who take industry roles (the rest take post-docs or go independent).",
        "AI Index 2021: ~65% of new North American AI PhDs went to industry in 2019",
        kind="share",
        live=True,
        kernel=True,
    )
    independent_share: Num = param(
        0.10,
        "Share of graduates who apply for independent grants.",
        SRC_ASSUMPTION,
        kind="share",
        live=True,
        kernel=True,
    )
    apprentice_execution_weight: Num = param(
        0.6,
        "Weight on execution of the advisor's and peers' signals in the apprentice phase.",
        "001: 'it's fine to work on other people's ideas'; assumption for the number",
        kind="share",
        live=True,
        kernel=True,
    )
    apprentice_idea_weight: Num = param(
        0.2,
        "Weight on idea generation and on idea evaluation (each) in the apprentice phase.",
        SRC_ASSUMPTION,
        kind="share",
        live=True,
        kernel=True,
    )
    independence_execution_weight: Num = param(
        0.3,
        "Weight on execution of the advisor's and peers' signals between the apprentice and ambition phases.",
        "001: 'switch to working more on your own ideas'; assumption for the number",
        kind="share",
        live=True,
        kernel=True,
    )
    independence_idea_weight: Num = param(
        0.35,
        "Weight on idea generation and on idea evaluation (each) between the apprentice and ambition phases.",
        SRC_ASSUMPTION,
        kind="share",
        live=True,
        kernel=True,
    )
    ambition_execution_weight: Num = param(
        0.2,
        "Weight on execution of the advisor's and peers' signals in the ambition phase.",
        "001: 'Gradually start being more ambitious'; assumption for the number",
        kind="share",
        live=True,
        kernel=True,
    )
    ambition_idea_weight: Num = param(
        0.4,
        "Weight on idea generation and on idea evaluation (each) in the ambition phase.",
        SRC_ASSUMPTION,
        kind="share",
        live=True,
        kernel=True,
    )
    exposure_quality: Num = param(
        0.6,
        "Quality of the safety-aware feedback that follows outside exposure (0-1).",
        SRC_ASSUMPTION,
        kind="share",
        live=True,
        kernel=True,
    )
    exposure_idea_weight: Num = param(
        0.1,
        "Weight on idea generation and on idea evaluation (each) of that feedback (impact judgement gets learning.impact_weight).",
        SRC_ASSUMPTION,
        kind="share",
        live=True,
        kernel=True,
    )
    project_quality_base: Num = param(
        0.5,
        "A PhD student's self-evaluation signal has quality learning.self_eval_quality x (project_quality_base + self-direction).",
        SRC_ASSUMPTION,
        kind="number",
        lo=0,
        live=True,
        kernel=True,
    )
    self_study_share: Num = param(
        0.5,
        "Share of the full self-study rate (learning.self_study_signals) a PhD's autonomy allows.",
        SRC_ASSUMPTION,
        kind="share",
        live=True,
        kernel=True,
    )
    publication_advisor_base: Num = param(
        0.5,
        "A PhD student's publications scale with (publication_advisor_base + advisor quality).",
        "001: 'it matters enormously where you do your PhD'; assumption for the number",
        kind="number",
        lo=0,
        live=True,
        kernel=True,
    )
    portfolio_record_weight: Num = param(
        0.15,
        "Admission portfolio: weight per publication-equivalent of track record (up to portfolio_record_cap).",
        "001: 'can you publish in this role, and get a strong recommendation letter?'; assumption for the number",
        kind="number",
        lo=0,
        live=True,
    )
    portfolio_record_cap: Num = param(
        5.0,
        "Admission portfolio: track record counted up to this many publication-equivalents.",
        SRC_ASSUMPTION,
        kind="count",
        live=True,
    )
    portfolio_letter_weight: Num = param(
        0.4,
        "Admission portfolio: weight of recommendation-letter strength.",
        "001: 'Professors are well-placed to write a strong recommendation letter'; assumption for the number",
        kind="number",
        lo=0,
        live=True,
    )
    portfolio_execution_weight: Num = param(
        0.6, "Admission portfolio: weight of execution skill.", SRC_ASSUMPTION, kind="number", lo=0, live=True
    )
    portfolio_idea_weight: Num = param(
        0.5,
        "Admission portfolio: weight of idea generation plus idea evaluation.",
        SRC_ASSUMPTION,
        kind="number",
        lo=0,
        live=True,
    )
    portfolio_noise: Num = param(
        0.1,
        "Admission portfolio: standard deviation of the committee's noise.",
        SRC_ASSUMPTION,
        kind="number",
        lo=0,
        live=True,
    )
    rejected_ra_letter: Num = param(
        0.5,
        "Applicants out of admission attempts take an academic RA post if their letters are at least this strong, else an industry job.",
        SRC_ASSUMPTION,
        kind="share",
        live=True,
    )
    advisor_assignment: Literal["matched", "random"] = Field(
        "matched",
        description="How admitted students are placed with advisors: 'matched', best applicant to best free advisor; 'random', each admitted student to a free advisor drawn at random (a counterfactual that separates the advisor's effect from selection, claim C7).",
        json_schema_extra={
            "kind": "choice",
            "unit": "",
            "source": "001: 'it matters enormously where you do your PhD'; matching: assumption",
            "live": False,
        },
    )
    cosupervision_hours: Num = param(
        0.0,
        "Weekly hours of co-supervision each PhD student asks of the field's leads (safety-aware feedback of lead quality), shared from the leads' mentor time.",
        "assumption: no published figure; 0 by default, a lever",
        kind="hours",
        live=True,
        kernel=True,
    )


class Independent(Section):
    mentor_hours: Num = param(
        0.08,
        "Weekly hours of mentor time an independent researcher gets by default.",
        "001: 'getting comments on your Google Docs every 3 months is unlikely to be good enough' (~1 hour a quarter)",
        kind="hours",
        live=True,
        kernel=True,
    )
    mentor_quality: Num = param(
        0.5, "Quality of that mentor (0-1).", SRC_ASSUMPTION, kind="share", live=True, kernel=True
    )
    collaboration_share: Num = param(
        0.3,
        "Share of independent researchers with a collaborator.",
        "000: 'Actively look for collaborations'",
        kind="share",
        live=True,
    )
    collaborator_signals: Num = param(
        12.0,
        "Feedback signals per year from a collaborator.",
        "000: 'you can share ideas and debug each other'",
        kind="rate",
        live=True,
        kernel=True,
    )
    collaborator_quality: Num = param(
        0.4, "Quality of a collaborator's feedback.", SRC_ASSUMPTION, kind="share", live=True, kernel=True
    )
    plan_feedback_share: Num = param(
        0.3,
        "Share who write a project plan and get early feedback (one extra outside signal per project).",
        "000: 'Write down your project and get feedback early on'",
        kind="share",
        live=True,
    )
    accountability_share: Num = param(
        0.4,
        "Share who commit to publishing (track record grows faster).",
        "000: 'Create accountability mechanisms ... publish'",
        kind="share",
        live=True,
    )
    cut_losses_share: Num = param(
        0.3,
        "Share who cut losses early (projects end sooner, more self-evaluation signals).",
        "000: 'how likely would exploring this avenue further change your final decision?'",
        kind="share",
        live=True,
    )
    upskilling_share: Num = param(
        0.4,
        "Share whose goal is upskilling rather than research output.",
        "000: 'whether they want to do independent research or upskilling'",
        kind="share",
    )
    publications: Num = param(
        0.8,
        "Publication-equivalents per year for an independent researcher of median skill and self-direction.",
        SRC_ASSUMPTION,
        kind="rate",
        live=True,
        kernel=True,
    )
    alone_penalty: Num = param(
        0.12,
        "Drop in motivation from working alone without a collaborator or programme.",
        "001: 'Working by yourself is bad for motivation'",
        kind="share",
        live=True,
        kernel=True,
    )
    gap_penalty: Num = param(
        0.25,
        "Drop in motivation while unfunded.",
        "brief M5: 'A funding gap costs motivation'",
        kind="share",
        live=True,
        kernel=True,
    )
    max_gap: Num = param(
        0.5,
        "Longest funding gap before the person leaves the independent track.",
        SRC_ASSUMPTION,
        kind="duration",
        live=True,
        kernel=True,
    )
    gap_to_contributor_share: Num = param(
        0.5,
        "Share of those whose funding runs out who take a contributor job instead of leaving.",
        SRC_ASSUMPTION,
        kind="share",
        live=True,
        kernel=True,
    )
    focus_match_share: Num = param(
        0.45,
        "Share of agendas inside funders' narrow focus areas.",
        "001 comments: 'most RFPs from large funders have a narrow focus area'",
        kind="share",
    )
    upskilling_gain: Num = param(
        1.2,
        "Multiplier of the learning gain of researchers whose goal is upskilling.",
        "000: 'whether they want to do independent research or upskilling'; assumption for the number",
        kind="number",
        lo=0,
        live=True,
        kernel=True,
    )
    upskilling_publications: Num = param(
        0.5,
        "Multiplier of the publications of researchers whose goal is upskilling.",
        SRC_ASSUMPTION,
        kind="number",
        lo=0,
        live=True,
        kernel=True,
    )
    accountability_publications: Num = param(
        1.5,
        "Multiplier of the publications of researchers who commit to publishing.",
        "000: 'Create accountability mechanisms ... publish'; assumption for the number",
        kind="number",
        lo=0,
        live=True,
        kernel=True,
    )
    unfunded_publications: Num = param(
        0.5,
        "Multiplier of the publications of an independent researcher without a grant.",
        SRC_ASSUMPTION,
        kind="number",
        lo=0,
        live=True,
        kernel=True,
    )
    cut_losses_speed: Num = param(
        1.5,
        "Multiplier of the project-completion rate of researchers who cut losses early.",
        "000: 'how likely would exploring this avenue further change your final decision?'; assumption for the number",
        kind="number",
        lo=0,
        live=True,
        kernel=True,
    )
    project_quality_factor: Num = param(
        2.0,
        "An independent researcher's self-evaluation signal has quality learning.self_eval_quality x project_quality_factor x self-direction.",
        "000: 'some people excel at it while others get nearly nothing out of it'; assumption for the number",
        kind="number",
        lo=0,
        live=True,
        kernel=True,
    )
    plan_quality: Num = param(
        0.6,
        "Quality of the early feedback on a written project plan (0-1).",
        "000: 'Write down your project and get feedback early on'; assumption for the number",
        kind="share",
        live=True,
        kernel=True,
    )
    collaborator_execution_weight: Num = param(
        0.4, "Weight on execution of a collaborator's signal.", SRC_ASSUMPTION, kind="share", live=True, kernel=True
    )
    collaborator_idea_weight: Num = param(
        0.3,
        "Weight on idea generation and on idea evaluation (each) of a collaborator's signal.",
        "000: 'you can share ideas and debug each other'; assumption for the number",
        kind="share",
        live=True,
        kernel=True,
    )
    collaborator_impact_share: Num = param(
        0.5,
        "Share of learning.impact_weight that a collaborator's signal puts on impact judgement.",
        SRC_ASSUMPTION,
        kind="share",
        live=True,
        kernel=True,
    )
    publication_self_direction_base: Num = param(
        0.5,
        "An independent researcher's publications scale with (publication_self_direction_base + self-direction).",
        "000: 'some people excel at it while others get nearly nothing out of it'; assumption for the number",
        kind="number",
        lo=0,
        live=True,
        kernel=True,
    )
    gap_industry_share: Num = param(
        0.6,
        "Share of those who leave a funding gap for a contributor job who go to industry (the rest to non-profits).",
        SRC_ASSUMPTION,
        kind="share",
        live=True,
        kernel=True,
    )


class Grants(Section):
    reviewers: Num = param(
        3.0,
        "Grantmakers' capacity: reviewers working on applications at once.",
        "001 comments: 'very limited grantmaker time'; assumption for the number",
        kind="count",
        lo=0,
        lo_open=True,
        live=True,
        integer=True,
    )
    review_time: Num = param(
        0.01,
        "Mean reviewer time one application takes (exponentially distributed).",
        "fitted to the LTFF's median time to a decision (29 days, 2022-23) (scenarios/calibration/targets.yaml): the shipped baseline draws it per replication from the calibration's posterior; this default, used only without a posterior, is assumption",
        kind="duration",
        lo=0,
        lo_open=True,
        live=True,
    )
    review_time_shape: Literal["exponential", "fixed"] = Field(
        "exponential",
        description="Distribution of review times.",
        json_schema_extra={"kind": "choice", "unit": "", "source": "assumption", "live": False},
    )
    decision_delay: Num = param(
        1 / 12,
        "Time from the end of review to a decision (committee, paperwork).",
        "fitted to the LTFF's median time to a decision (29 days, 2022-23) (scenarios/calibration/targets.yaml): the shipped baseline draws it per replication from the calibration's posterior; this default, used only without a posterior, is 001 comments: small funders 'may take 3+ months to apply for'",
        kind="duration",
        live=True,
    )
    grant_length: Num = param(
        1.0,
        "Length of an independent research grant.",
        "001 comments: 'only last a year at a time'",
        kind="duration",
        lo=0,
        lo_open=True,
        live=True,
    )
    apply_ahead: Num = param(
        0.25,
        "How long before a grant ends its holder applies for the next.",
        "001 comments: '3+ months to apply for'",
        kind="duration",
        live=True,
        kernel=True,
    )
    budget: Num = param(
        180.0,
        "Money: independent researchers the funders can pay at once at time zero.",
        "assumption, about a quarter of ~600 technical FTEs (McAleese 2025)",
        kind="count",
        live=True,
    )
    budget_growth: Num = param(
        0.08, "Yearly growth of the grant budget.", SRC_ASSUMPTION, kind="number", lo=-0.5, hi=1.0, live=True
    )
    base_acceptance: Num = param(
        0.45,
        "Chance an applicant at every reference value (legibility_reference, focus_reference, record_reference, skill_reference) is funded when money is available.",
        "fitted to the LTFF's share of applications funded (2022-23) (scenarios/calibration/targets.yaml): the shipped baseline draws it per replication from the calibration's posterior; this default, used only without a posterior, is assumption",
        kind="probability",
        live=True,
    )
    legibility_weight: Num = param(
        2.0,
        "Log-odds gained per unit of agenda legibility above legibility_reference.",
        "001 comments: 'novel research is often time-consuming to understand'; assumption for the number",
        kind="number",
        live=True,
    )
    legibility_reference: Num = param(
        0.4,
        "Agenda legibility at which legibility neither raises nor lowers the chance of funding.",
        SRC_ASSUMPTION,
        kind="number",
        live=True,
    )
    focus_weight: Num = param(
        1.0,
        "Log-odds gained when the agenda is in funders' focus areas (against focus_reference).",
        "001 comments: narrow focus areas; assumption for the number",
        kind="number",
        live=True,
    )
    focus_reference: Num = param(
        0.45,
        "Value of 'in focus' (0 or 1) at which focus neither raises nor lowers the chance of funding (about the share of agendas in focus).",
        SRC_ASSUMPTION,
        kind="number",
        live=True,
    )
    record_weight: Num = param(
        0.35,
        "Log-odds gained per publication-equivalent of track record above record_reference (up to record_cap).",
        SRC_ASSUMPTION,
        kind="number",
        live=True,
    )
    record_reference: Num = param(
        1.0,
        "Track record (publication-equivalents) at which the record neither raises nor lowers the chance of funding.",
        SRC_ASSUMPTION,
        kind="number",
        live=True,
    )
    record_cap: Num = param(
        5.0,
        "Track record beyond which more publications no longer raise the chance of funding.",
        SRC_ASSUMPTION,
        kind="number",
        lo=0,
        live=True,
    )
    skill_weight: Num = param(
        2.0,
        "Log-odds gained per unit of the applicant's idea generation plus research evaluation above skill_reference.",
        SRC_ASSUMPTION,
        kind="number",
        live=True,
    )
    skill_reference: Num = param(
        0.4,
        "Idea generation plus research evaluation at which skill neither raises nor lowers the chance of funding.",
        SRC_ASSUMPTION,
        kind="number",
        live=True,
    )
    calibrated: Num = param(
        0.0,
        "1 if funders announce calibrated decision times, so applicants apply early enough to avoid a gap; 0 if applicants apply apply_ahead before their grant ends whatever the queue.",
        "001 comments: 'be faster, be calibrated on their timelines'",
        kind="share",
        live=True,
    )
    reapply_delay: Num = param(
        0.25, "Wait before reapplying after a rejection.", SRC_ASSUMPTION, kind="duration", live=True
    )


class Programme(Section):
    cohorts_per_year: Num = param(
        2.0,
        "Mentorship-programme cohorts per year (at most one starting each month).",
        "MATS runs summer and winter cohorts",
        kind="count",
        lo=0,
        hi=12,
        integer=True,
    )
    places: Num = param(
        50.0,
        "Places per cohort.",
        "MATS: tens of scholars per cohort; assumption for the number",
        kind="count",
        live=True,
        integer=True,
    )
    outside_applicants: Num = param(
        500.0,
        "Applicants per cohort from outside the simulated population.",
        "MATS acceptance fell from ~15% to ~5% as applications grew",
        kind="count",
        live=True,
        integer=True,
    )
    duration: Num = param(
        0.25,
        "Length of a programme.",
        "000: programmes give a few months of intense mentorship",
        kind="duration",
        lo=0,
        lo_open=True,
        live=True,
    )
    mentor_hours: Num = param(
        1.0,
        "Weekly mentor hours per scholar.",
        "MATS: at least 1 hour a week of mentor time per scholar",
        kind="hours",
        live=True,
        kernel=True,
    )
    mentor_quality: Num = param(
        0.75, "Quality of programme mentors (0-1).", SRC_ASSUMPTION, kind="share", live=True, kernel=True
    )
    apply_independent: Num = param(
        0.6,
        "Chance an independent researcher applies to a cohort.",
        "000: 'even if you think your chance of getting accepted is low, you should still apply'",
        kind="probability",
        live=True,
    )
    apply_other: Num = param(
        0.08, "Chance a PhD student or contributor applies to a cohort.", SRC_ASSUMPTION, kind="probability", live=True
    )
    alumni_collaboration: Num = param(
        0.5, "Chance a programme alumnus leaves with a collaborator.", SRC_ASSUMPTION, kind="probability", live=True
    )
    motivation_bonus: Num = param(
        0.1,
        "Rise in the motivation a researcher returns to while in a programme.",
        "000: 'joining them is almost surely better than doing research on your own'; assumption for the number",
        kind="share",
        live=True,
        kernel=True,
    )
    record_weight: Num = param(
        0.05,
        "Selection-score weight of each publication-equivalent of an applicant's track record (up to record_cap).",
        SRC_ASSUMPTION,
        kind="number",
        lo=0,
        live=True,
    )
    record_cap: Num = param(
        5.0,
        "Track record beyond which a programme applicant's score gains nothing.",
        SRC_ASSUMPTION,
        kind="count",
        live=True,
    )
    selection_noise: Num = param(
        0.15,
        "Standard deviation of the noise in the programme's assessment of an applicant (score units).",
        SRC_ASSUMPTION,
        kind="number",
        lo=0,
        live=True,
    )
    outside_noise: Num = param(
        0.05,
        "Standard deviation of an outside applicant's score around the insider it resembles.",
        SRC_ASSUMPTION,
        kind="number",
        lo=0,
        live=True,
    )


class Contributor(Section):
    mentor_hours_industry: Num = param(
        1.0,
        "Weekly hours of feedback from a manager in industry.",
        SRC_ASSUMPTION,
        kind="hours",
        live=True,
        kernel=True,
    )
    mentor_hours_nonprofit: Num = param(
        0.8, "Weekly hours of feedback at a non-profit.", SRC_ASSUMPTION, kind="hours", live=True, kernel=True
    )
    mentor_hours_academic: Num = param(
        0.6,
        "Weekly hours of feedback for an academic RA or post-doc.",
        SRC_ASSUMPTION,
        kind="hours",
        live=True,
        kernel=True,
    )
    quality_industry: Num = param(
        0.6,
        "Mentor quality in industry.",
        "001: industry senior team leads comparable to top professors",
        kind="share",
        live=True,
        kernel=True,
    )
    quality_nonprofit: Num = param(
        0.4,
        "Mentor quality at non-profits.",
        "001: 'often staffed by more junior researchers'",
        kind="share",
        live=True,
        kernel=True,
    )
    quality_academic: Num = param(
        0.6, "Mentor quality for academic RAs and post-docs.", SRC_ASSUMPTION, kind="share", live=True, kernel=True
    )
    own_idea_share: Num = param(
        0.1,
        "Share of feedback on one's own ideas (agendas are set top-down).",
        "001: 'Industry lab agendas are often set top-down'",
        kind="share",
        live=True,
        kernel=True,
    )
    hands_on_industry: Num = param(
        2.5,
        "Hands-on execution learning multiplier in industry (PhD = 1).",
        "001: 'engineering skills are often acquired faster and better in a company'",
        kind="number",
        lo=0,
        live=True,
        kernel=True,
    )
    hands_on_nonprofit: Num = param(
        2.0, "Hands-on multiplier at a non-profit.", SRC_ASSUMPTION, kind="number", lo=0, live=True, kernel=True
    )
    hands_on_academic: Num = param(
        1.5, "Hands-on multiplier for academic RAs.", SRC_ASSUMPTION, kind="number", lo=0, live=True, kernel=True
    )
    publications_industry: Num = param(
        0.3, "Publication-equivalents per year in industry.", SRC_ASSUMPTION, kind="rate", live=True, kernel=True
    )
    publications_nonprofit: Num = param(
        0.5, "Publication-equivalents per year at a non-profit.", SRC_ASSUMPTION, kind="rate", live=True, kernel=True
    )
    publications_academic: Num = param(
        1.0,
        "Publication-equivalents per year as an academic RA.",
        "001: 'RA projects are usually designed to be publishable'",
        kind="rate",
        live=True,
        kernel=True,
    )
    letter_academic: Num = param(
        0.8,
        "Strength of an academic RA's recommendation letter (0-1).",
        "001: 'Professors are well-placed to write a strong recommendation letter'",
        kind="share",
        kernel=True,
    )
    letter_other: Num = param(
        0.3, "Strength of other contributors' letters.", SRC_ASSUMPTION, kind="share", kernel=True
    )
    to_phd_rate: Num = param(
        0.10,
        "Yearly chance a contributor who intends to do a PhD applies, after the first year.",
        "001: 'a good starting point for the first year or two'",
        kind="rate",
        live=True,
        kernel=True,
    )
    phd_intent_share: Num = param(0.3, "Share of contributors who would consider a PhD.", SRC_ASSUMPTION, kind="share")
    planned_phd_after: Num = param(
        0.0,
        "If above zero, every contributor intending a PhD applies after this long (contributor-then-PhD route).",
        SRC_ASSUMPTION,
        kind="duration",
        kernel=True,
    )
    pay_cut_refusal: Num = param(
        0.5,
        "Share of industry contributors who will not take the pay cut of a PhD or academic post.",
        "001: 'going from an industry role to a PhD will involve taking a massive pay-cut'",
        kind="share",
    )
    execution_weight: Num = param(
        0.6,
        "Weight on execution of a manager's and colleagues' signals.",
        "001: 'engineering skills are often acquired faster and better in a company'; assumption for the number",
        kind="share",
        live=True,
        kernel=True,
    )
    evaluation_weight: Num = param(
        0.25,
        "Weight on idea evaluation of a manager's and colleagues' signals (idea generation gets own_idea_share).",
        SRC_ASSUMPTION,
        kind="share",
        live=True,
        kernel=True,
    )
    industry_impact_share: Num = param(
        0.2,
        "Share of learning.impact_weight that signals in industry put on impact judgement (non-profits: all of it; academic RAs: none).",
        SRC_ASSUMPTION,
        kind="share",
        live=True,
        kernel=True,
    )
    peer_signals: Num = param(
        12.0, "Feedback signals per year from colleagues.", SRC_ASSUMPTION, kind="rate", live=True, kernel=True
    )


class Positions(Section):
    big_rfp: Num = param(
        31.0,
        "Lead positions funded through big funders' RFPs (narrow focus areas) at the start of the run; the capacity grows at positions.growth.",
        "001 comments: 'most RFPs from large funders have a narrow focus area'; assumption for the number: ~100 positions at the start (the ~90 existing leads of initial.leads and a tenth unfilled), split between sources 5:6:4:1 as the yearly openings of earlier versions",
        kind="count",
        live=True,
    )
    adjacent_org: Num = param(
        38.0,
        "Lead positions at organisations with an adjacent agenda at the start of the run.",
        "001 comments: 'Joining an org working on an adjacent research direction'; assumption for the number (see big_rfp)",
        kind="count",
        live=True,
    )
    academia: Num = param(
        25.0,
        "Academic lead posts at the start of the run (PhD required; lower pay).",
        "001 comments: 'Academia ... teach a lot, and live on well below the salary'; assumption for the number (see big_rfp)",
        kind="count",
        live=True,
    )
    small_funder: Num = param(
        0.0,
        "Small-funder lead positions at the start of the run (used when small_funder_leads is 'openings'; a role lasts grants.grant_length, then the position reopens).",
        "001 comments: 'Little funders (like LTFF) ... only last a year at a time'",
        kind="count",
        live=True,
    )
    autonomy_role: Num = param(
        6.0,
        "Rare research roles with autonomy at the start of the run.",
        "001 comments: 'very few will be hired and given research autonomy'; assumption for the number (see big_rfp)",
        kind="count",
        live=True,
    )
    agnostic_org: Num = param(
        0.0,
        "Lead positions at an agenda-agnostic research organisation (intervention C), at the scale of the start of the run.",
        "001 comments: 'At least one truly research agenda-agnostic research organisation'",
        kind="count",
        live=True,
    )
    small_funder_leads: Literal["queue", "openings"] = Field(
        "queue",
        description="'queue': a ready independent researcher funded through the shared grant queue holds a lead role while funded. 'openings': small funders instead hold small_funder positions, filled by hiring.",
        json_schema_extra={
            "kind": "choice",
            "unit": "",
            "source": "001 comments: 'Little funders (like LTFF) ... only last a year at a time'; assumption for the form",
            "live": False,
        },
    )
    growth: Num = param(
        0.10,
        "Yearly growth of every source's lead positions (its funding).",
        "assumption: half the recent ~21%/year growth of the field (McAleese 2025)",
        kind="number",
        lo=-0.5,
        hi=1.0,
        live=True,
    )
    focus_required: Num = param(
        1.0,
        "1 if big RFPs accept only agendas inside funders' focus areas; 0 for agenda-agnostic RFPs.",
        "001 comments (A): 'Research agenda agnostic RFPs'",
        kind="share",
        live=True,
    )
    adjacency: Num = param(
        0.35,
        "Chance a person's agenda is adjacent to the adjacent organisations' (drawn once per person, redrawn as agendas drift: fit_drift).",
        "001 comments: 'they may not exist, depending on what you're excited to work on'",
        kind="probability",
        live=True,
    )
    ready_generation: Num = param(
        0.5,
        "Idea generation needed to be lead-ready.",
        "001: 'very strong at developing research agendas'",
        kind="share",
        live=True,
        kernel=True,
    )
    ready_evaluation: Num = param(
        0.5,
        "Idea evaluation needed to be lead-ready.",
        "001: 'evaluating them so the best ideas can be prioritized'",
        kind="share",
        live=True,
        kernel=True,
    )
    ready_execution: Num = param(
        0.4,
        "Execution needed to be lead-ready ('at least competent').",
        "001: 'at least competent at executing on research projects'",
        kind="share",
        live=True,
        kernel=True,
    )
    ready_record: Num = param(
        3.0,
        "Track record needed to be lead-ready (publication-equivalents).",
        SRC_ASSUMPTION,
        kind="count",
        live=True,
        kernel=True,
    )
    credential_weight: Num = param(
        0.25,
        "Hiring-score bonus for holding a PhD (competence signals; skills are on a 0-1 scale).",
        "001: 'most research leads at these organizations seem to have PhDs anyway'; 001 comments: selection relies on 'competence signals'",
        kind="number",
        lo=0,
        live=True,
    )
    letter_weight: Num = param(
        0.2,
        "Hiring-score weight of a recommendation (a PhD advisor's standing, 0-1).",
        "001: advisors 'want to see you ... land a top research job after graduation'",
        kind="number",
        lo=0,
        live=True,
    )
    lead_exit: Num = param(
        0.04,
        "Yearly hazard that a lead leaves the field (outside hires too).",
        SRC_ASSUMPTION,
        kind="rate",
        live=True,
        kernel=True,
    )
    wait_leave: Num = param(
        0.25,
        "Yearly hazard of leaving the field for a person who has been ready for over a year without a lead role.",
        "001 comments: 'a big part of me just wants to leave AIS for a while'",
        kind="rate",
        live=True,
        kernel=True,
    )
    record_weight: Num = param(
        0.03,
        "Hiring-score weight of each publication-equivalent of track record (up to record_cap).",
        SRC_ASSUMPTION,
        kind="number",
        lo=0,
        live=True,
    )
    record_cap: Num = param(
        10.0,
        "Track record beyond which hiring scores gain nothing (publication-equivalents).",
        SRC_ASSUMPTION,
        kind="count",
        live=True,
    )
    selection_noise: Num = param(
        0.1,
        "Standard deviation of the noise in each hiring round's assessment of a candidate (score units).",
        SRC_ASSUMPTION,
        kind="number",
        lo=0,
        live=True,
    )
    academia_record_weight: Num = param(
        0.05,
        "Extra score academic posts give per publication-equivalent (up to record_cap).",
        "001 comments: academic hiring relies on 'competence signals'; assumption for the number",
        kind="number",
        lo=0,
        live=True,
    )
    rfp_legibility_weight: Num = param(
        0.5,
        "Score big RFPs give per unit of agenda legibility.",
        "001 comments: 'If your agenda is legibly exciting to them...'; assumption for the number",
        kind="number",
        lo=0,
        live=True,
    )
    rfp_impact_weight: Num = param(
        0.5, "Score big RFPs give per unit of impact judgement.", SRC_ASSUMPTION, kind="number", lo=0, live=True
    )
    agnostic_impact_weight: Num = param(
        1.0,
        "Score an agenda-agnostic organisation's department chairs give per unit of impact judgement (they judge the agenda's theory of impact).",
        "001 comments (C): hiring 'through department chairs'; assumption for the number",
        kind="number",
        lo=0,
        live=True,
    )
    autonomy_impact_weight: Num = param(
        0.5,
        "Score roles with autonomy give per unit of impact judgement.",
        SRC_ASSUMPTION,
        kind="number",
        lo=0,
        live=True,
    )
    fit_drift: Num = param(
        0.2,
        "Yearly rate at which a person's fit with the adjacent organisations' agenda is redrawn (agendas drift); 0 keeps the fit drawn at entry for ever.",
        "assumption: a redraw every 5 years on average",
        kind="rate",
        live=True,
    )
    outside_candidates: Num = param(
        1.0,
        "Outside applicants (experienced ML researchers moving into safety) per open position per year; each hiring round draws a Poisson number per source.",
        "assumption: the field grows ~21%/year largely by people moving in from ML (McAleese 2025); no published count of applicants per opening",
        kind="rate",
        live=True,
    )
    outside_score: Distribution = dist_field(
        "normal(2.0, 0.25)",
        "An outside applicant's score before the source's own bonus, on the insiders' scale (skills + track record + PhD + letter; a lead-ready insider's median is about 2.05 in the baseline).",
        "assumption: experienced ML researchers hold a PhD and strong skills, about a median lead-ready insider",
    )
    outside_impact: Distribution = dist_field(
        "beta(2, 5)",
        "An outside applicant's impact judgement (0-1), which sets the source's bonus and their safety-relevant lead-years.",
        "001: 'PhD's do not train you to evaluate the theory of impact'; assumption for the shape (mean 0.29)",
        lo=0,
        hi=1,
    )


class Exits(Section):
    burnout: Num = param(
        0.02,
        "Yearly burnout hazard at median wellbeing.",
        "001: 'Your mental health might suffer'",
        kind="rate",
        live=True,
        kernel=True,
    )
    burnout_sensitivity: Num = param(
        5.0,
        "How steeply the burnout hazard rises as wellbeing falls (per unit).",
        SRC_ASSUMPTION,
        kind="number",
        lo=0,
        live=True,
        kernel=True,
    )
    leave: Num = param(
        0.04,
        "Yearly hazard of leaving for non-safety work or better pay at median motivation.",
        "001: industry pay; 'leave AIS for a while'",
        kind="rate",
        live=True,
        kernel=True,
    )
    leave_sensitivity: Num = param(
        4.0,
        "How steeply leaving rises as motivation falls.",
        SRC_ASSUMPTION,
        kind="number",
        lo=0,
        live=True,
        kernel=True,
    )
    industry_pull: Num = param(
        1.5,
        "Multiplier of the leaving hazard for industry contributors (pay).",
        "001: industry pay",
        kind="number",
        lo=0,
        live=True,
        kernel=True,
    )
    adjustment: Num = param(
        0.5,
        "Time over which wellbeing and motivation move halfway to their set points.",
        SRC_ASSUMPTION,
        kind="duration",
        lo=0,
        lo_open=True,
        kernel=True,
    )
    structure_bonus: Num = param(
        0.05,
        "Wellbeing gain in structured roles (contributor jobs).",
        "001: 'mental health is often better in more structured roles'",
        kind="share",
        live=True,
        kernel=True,
    )
    wellbeing_base: Num = param(
        0.3,
        "Wellbeing set point: wellbeing_base + wellbeing_resilience x resilience (before the role's changes).",
        "001: 'Many PhD students experience mental health issues'; assumption for the number",
        kind="share",
        live=True,
        kernel=True,
    )
    wellbeing_resilience: Num = param(
        0.6,
        "Rise of the wellbeing set point per unit of resilience.",
        SRC_ASSUMPTION,
        kind="share",
        live=True,
        kernel=True,
    )
    motivation_base: Num = param(
        0.35,
        "Motivation set point: motivation_base + motivation_safety x safety motivation (before the role's changes).",
        SRC_ASSUMPTION,
        kind="share",
        live=True,
        kernel=True,
    )
    motivation_safety: Num = param(
        0.5,
        "Rise of the motivation set point per unit of safety motivation.",
        SRC_ASSUMPTION,
        kind="share",
        live=True,
        kernel=True,
    )


#: the default AI arrival's parts: each source's two published quantiles (years from 2026, the
#: default run.start_year), which fix a log-normal (tests/test_distributions.py checks them)
ARRIVAL_SOURCES = {
    "forecasters": {
        "quantiles": {0.25: 3.0, 0.5: 7.0},
        "text": "Metaculus community forecast for AGI (question 5121, mid-2026 readings): 25% by 2029, median 2033",
    },
    "experts": {
        "quantiles": {0.1: 1.0, 0.5: 21.0},
        "text": "2023 expert survey (Grace et al. 2024, 'Thousands of AI authors on the future of AI'): "
        "high-level machine intelligence 10% likely by 2027, 50% by 2047",
    },
}


class Timelines(Section):
    arrival: Num = param(
        parse_distribution(
            "mixture(0.5: lognormal(median=7, spread=1.25621), 0.5: lognormal(median=21, spread=2.37565))"
        ),
        "Years from time zero to transformative AI, drawn per replication.",
        "an equal mixture of the forecasting community and the expert survey, each part a log-normal through its "
        "source's two published quantiles in years from 2026: "
        + ARRIVAL_SOURCES["forecasters"]["text"]
        + "; "
        + ARRIVAL_SOURCES["experts"]["text"]
        + ". Assumptions: the log-normal shape, the equal weights, and no "
        "probability removed for arrival before 2026 (the survey was fielded in 2023)",
        kind="duration",
        lo=0,
        lo_open=True,
    )


class InitialField(Section):
    leads: Num = param(
        90.0,
        "Research leads at time zero.",
        "assumption: ~15% of ~600 technical AI-safety FTEs in 2025 (McAleese 2025)",
        kind="count",
        integer=True,
    )
    phd_students: Num = param(
        250.0, "PhD students at time zero, spread over years of study.", SRC_ASSUMPTION, kind="count", integer=True
    )
    independents: Num = param(
        120.0, "Independent researchers at time zero.", SRC_ASSUMPTION, kind="count", integer=True
    )
    contributors: Num = param(
        400.0,
        "Research contributors at time zero.",
        "assumption: most of ~1,100 AI-safety FTEs (McAleese 2025)",
        kind="count",
        integer=True,
    )


class Mentoring(Section):
    lead_hours: Num = param(
        2.0,
        "Weekly hours of mentoring each research lead (insider or outside hire) gives the field: programme scholars, co-supervised PhD students, non-profit contributors and independent researchers.",
        "MATS: at least 1 hour a week per scholar, 1 to 4 scholars per mentor (2023-2026); assumption: 2 hours a week of a lead's time for all of it",
        kind="hours",
        live=True,
    )
    external_hours: Num = param(
        0.0,
        "Weekly mentor hours from senior people outside the simulated field (added to the leads').",
        "assumption: the field's mentors are its leads",
        kind="hours",
        live=True,
    )
    lead_quality: Num = param(
        0.6,
        "Quality (0-1) of a lead's co-supervision of a PhD student.",
        SRC_ASSUMPTION,
        kind="share",
        live=True,
        kernel=True,
    )


class Costs(Section):
    """What a unit of each scarce resource costs, so a policy's cost follows from what it adds
    (:mod:`careersim.config.resources`); money is in undiscounted US dollars."""

    grant_year: Num = param(
        100_000.0,
        "Cost of paying one independent researcher for a year (grant money: grants.budget counts researchers paid at once).",
        "LTFF (L. Zhang, 'A qualitative case for LTFF', EA Forum 2024): '$1M funds roughly 10 person-years of work'",
        kind="money",
    )
    programme_place: Num = param(
        35_000.0,
        "Cost of one mentorship-programme place for one cohort (stipend, compute, housing, running costs).",
        "MATS (R. Kidd, EA Forum 2025): 'could support more scholars at $35k/scholar'; the stipend is $12-15K of it (matsprogram.org FAQ)",
        kind="money",
    )
    phd_student_year: Num = param(
        39_000.0,
        "Cost of funding one PhD student for a year (an advisor adds phd.max_students funded places).",
        "median US computer-science PhD stipend, 65 departments (CSStipendRankings, stipend-us.csv, 2025): $39K; tuition, benefits and the advisor's own salary are not included",
        kind="money",
    )
    reviewer_year: Num = param(
        150_000.0,
        "Cost of one grantmaker reviewing full time for a year.",
        "assumption: no published cost of a grantmaker's time was found (LTFF's fund managers were part-time volunteers)",
        kind="money",
    )
    lead_position_year: Num = param(
        200_000.0,
        "Cost of funding one lead position for a year: the lead's salary and research costs.",
        "assumption: no published salary of a research lead at a safety organisation was found; taken as $200K a year",
        kind="money",
    )
    mentor_hour: Num = param(
        100.0,
        "Cost of one hour of a lead's mentoring time.",
        "assumption: a lead's $200K a year (lead_position_year) over 2,000 working hours",
        kind="money",
    )


PRESETS: dict[str, dict[str, Any]] = {
    "agenda_agnostic_rfps": {"set": {"positions.focus_required": 0.0}},
    "more_rfp_positions": {"scale": {"positions.big_rfp": 1.5}},
    "multi_year_grants": {
        "set": {"grants.grant_length": 3.0, "grants.decision_delay": 1 / 48, "grants.calibrated": 1.0}
    },
    "agenda_agnostic_org": {"set": {"positions.agnostic_org": 20.0}},
    "more_programme_places": {"scale": {"programme.places": 2.0}},
    "more_grantmaker_capacity": {"scale": {"grants.reviewers": 2.0}},
    "safety_advisors": {"set": {"phd.safety_interested_share": 0.6}},
    "mentor_independents": {"set": {"independent.mentor_hours": 0.5, "independent.mentor_quality": 0.5}},
}
PRESET_DESCRIPTIONS = {
    "agenda_agnostic_rfps": "(A) Big funders' RFPs accept agendas outside their focus areas (selection only: no more positions).",
    "more_rfp_positions": "(A, its other half) Big funders' RFPs fund 50% more lead positions.",
    "multi_year_grants": "(B) Three-year grants, decisions a week after review, and better-calibrated decisions.",
    "agenda_agnostic_org": "(C) An agenda-agnostic research organisation with 20 lead positions (at the scale of the start of the run, growing with the field) hires through department chairs.",
    "more_programme_places": "Twice as many mentorship-programme places per cohort.",
    "more_grantmaker_capacity": "Twice as many grantmakers reviewing applications.",
    "safety_advisors": "60% of PhD advisors interested in safety.",
    "mentor_independents": "Every independent researcher gets a mentor of typical advisor quality for an hour every other week.",
}


class Calibration(BaseModel):
    """Where fitted parameter values come from: a posterior file written by ``careersim calibrate``."""

    model_config = ConfigDict(extra="forbid")

    posterior: str | None = Field(
        None,
        description=(
            "A posterior file (posterior.parquet) written by careersim calibrate, relative to the scenario "
            "file: each replication draws one joint sample of the fitted parameters from it, by weight, so "
            "intervals cover calibrated ignorance of those parameters. Its values replace the scenario's."
        ),
    )

    @field_validator("posterior")
    @classmethod
    def _readable(cls, v: str | None) -> str | None:
        if v is None:
            return v
        if not isinstance(v, str) or not v.strip():
            raise ValueError("expected the path of a posterior.parquet written by careersim calibrate")
        try:
            read_posterior(v, numeric_parameters())
        except PosteriorError as exc:
            raise ValueError(str(exc)) from None
        return v

    def read(self) -> Posterior | None:
        """The posterior, or None."""
        return None if self.posterior is None else read_posterior(self.posterior, numeric_parameters())


class Intervention(Section):
    """A policy: parameter changes that hold from ``start`` until ``end``."""

    kind: str = Field("custom", description=f"A preset ({', '.join(PRESETS)}) or 'custom'.")
    name: str = Field("", description="Label shown in reports (defaults to the kind).")
    start: float = param(0.0, "When the policy takes effect, from time zero.", SRC_ASSUMPTION, kind="duration")
    end: float | None = Field(
        None, description="When it stops (years from time zero, or a duration string); none = never."
    )
    set: dict[str, float] = Field(
        default_factory=dict, description="Live parameters set to a value, by dotted path (e.g. grants.grant_length)."
    )
    scale: dict[str, float] = Field(default_factory=dict, description="Live parameters multiplied by a factor.")
    cost_per_year: float | None = Field(
        None,
        description="What the policy costs a year while it acts, in US dollars; none = follows from the resources it adds (costs section).",
    )
    cost_source: str = Field("", description="Where cost_per_year comes from: a published figure, or 'assumption'.")

    @field_validator("cost_per_year")
    @classmethod
    def _cost(cls, v):
        if v is not None and not (np.isfinite(v) and v >= 0):
            raise ValueError(f"got {v:g} (expected an amount in US dollars a year, at least 0, such as 250000)")
        return v

    @field_validator("end", mode="before")
    @classmethod
    def _end(cls, v):
        if isinstance(v, str):
            return parse_quantity(v, "duration")
        return v

    @field_validator("set", "scale", mode="before")
    @classmethod
    def _values(cls, v, info: ValidationInfo):
        if not isinstance(v, dict):
            raise ValueError("expected a mapping of parameter path to value")
        out = {}
        for path, value in v.items():
            kind = live_parameter_kinds().get(path)
            if kind is None:
                raise ValueError(_unknown_path_message(path))
            if isinstance(value, str):
                value = parse_quantity(value, kind if info.field_name == "set" else "number")
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                _check_live_value(path, float(value), info.field_name)
            out[path] = value
        return out

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        """A preset's name or 'custom' (checked with the other fields, so every problem shows at once)."""
        if v != "custom" and v not in PRESETS:
            import difflib

            near = difflib.get_close_matches(v, list(PRESETS), n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            raise ValueError(f"unknown intervention '{v}'{hint}; expected one of {', '.join(PRESETS)} or 'custom'")
        return v

    @model_validator(mode="after")
    def _expand(self) -> Intervention:
        if self.kind != "custom":
            preset = PRESETS[self.kind]
            self.set = {**preset.get("set", {}), **self.set}
            self.scale = {**preset.get("scale", {}), **self.scale}
        if not self.name:
            self.name = self.kind
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end ({self.end:g} years) must be after start ({self.start:g} years)")
        if not self.set and not self.scale:
            raise ValueError("a custom intervention needs 'set' or 'scale' entries")
        if self.cost_per_year is not None and not self.cost_source.strip():
            raise ValueError(
                "cost_source: missing (expected where cost_per_year comes from: a published figure, "
                "or the word 'assumption')"
            )
        return self


class Scenario(BaseModel):
    """A complete, validated scenario."""

    model_config = ConfigDict(extra="forbid", validate_default=True)

    name: str = Field("baseline", description="Short name; used for the output folder.")
    description: str = Field("", description="The question this scenario answers.")
    kind: Literal["policy", "world"] = Field(
        "world",
        description="'policy': a lever a funder or institution can pull (reports give its cost per lead); 'world': a what-if about the world or the people in it (timelines, entrants).",
    )
    run: RunSettings = Field(default_factory=RunSettings)
    population: Population = Field(default_factory=Population)
    learning: Learning = Field(default_factory=Learning)
    phd: PhD = Field(default_factory=PhD)
    independent: Independent = Field(default_factory=Independent)
    grants: Grants = Field(default_factory=Grants)
    programme: Programme = Field(default_factory=Programme)
    contributor: Contributor = Field(default_factory=Contributor)
    positions: Positions = Field(default_factory=Positions)
    exits: Exits = Field(default_factory=Exits)
    timelines: Timelines = Field(default_factory=Timelines)
    initial: InitialField = Field(default_factory=InitialField)
    mentoring: Mentoring = Field(default_factory=Mentoring)
    calibration: Calibration = Field(
        default_factory=Calibration, description="A posterior the fitted parameters are drawn from."
    )
    costs: Costs = Field(default_factory=Costs)
    interventions: list[Intervention] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        _check_size(self)
        p = self.phd
        if (
            isinstance(p.apprentice_years, float)
            and isinstance(p.ambition_years, float)
            and p.ambition_years < p.apprentice_years
        ):
            raise ValueError("phd.ambition_years must not be earlier than phd.apprentice_years")
        if isinstance(self.phd.industry_share, float) and isinstance(self.phd.independent_share, float):
            if self.phd.industry_share + self.phd.independent_share > 1 + 1e-9:
                raise ValueError("phd.industry_share + phd.independent_share must be at most 1")
        for k, pol in enumerate(self.interventions):  # a factor must keep the parameter in its range
            for path, factor in pol.scale.items():
                base = get_path(self, path)
                if isinstance(base, (int, float)) and not isinstance(base, bool):
                    try:
                        _check_live_value(path, float(base) * factor, "set")
                    except ValueError as e:
                        raise ValueError(
                            f"interventions: intervention {k + 1} scales {path} by {factor:g}, which takes "
                            f"the scenario's {float(base):g} outside the allowed range: "
                            f"{str(e).split(': ', 1)[1]} (give a smaller factor, or 'set' a value)"
                        ) from None
        return self

    # -- conveniences -------------------------------------------------------
    def normalised(self) -> dict:
        """A canonical JSON-able form (every default filled in)."""
        return json.loads(self.model_dump_json())

    def hash(self) -> str:
        """SHA-256 of the normalised scenario (provenance, run keys); a posterior file counts by
        its content, not its path."""
        data = self.normalised()
        posterior = self.calibration.read()
        if posterior is None:
            data.pop("calibration", None)  # a scenario without a posterior hashes as before the section existed
        else:
            data["calibration"] = {"posterior_sha256": posterior.sha256}
        blob = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()

    def with_changes(self, changes: dict[str, Any]) -> Scenario:
        """A new scenario with dotted-path changes applied and validated."""
        data = self.model_dump()
        for path, value in changes.items():
            node = data
            *head, last = path.split(".")
            for h in head:
                node = node[h]
            node[last] = value
        return Scenario.model_validate(data)


# ---------------------------------------------------------------------------
# Parameter introspection (used by the engine, docs, reports and sweeps)
# ---------------------------------------------------------------------------


def iter_parameters(model: type[BaseModel] = Scenario, prefix: str = ""):
    """Yield (dotted path, field info, meta) for every declared parameter."""
    for name, info in model.model_fields.items():
        ann = info.annotation
        path = f"{prefix}{name}"
        if name in ("interventions", "name", "description", "calibration") and not prefix:
            continue  # not parameters: the policies, labels, and where fitted values come from
        sub = _section_type(ann)
        if sub is not None:
            yield from iter_parameters(sub, path + ".")
        elif name not in ("interventions", "name", "description", "kind"):
            yield path, info, (info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {})


def numeric_parameters() -> dict[str, dict]:
    """The numeric parameters (not choices, not between-people distributions) by path, with their metadata."""
    global _NUMERIC
    if _NUMERIC is None:
        _NUMERIC = {p: m for p, _, m in iter_parameters() if m.get("kind") not in (None, "choice", "distribution")}
    return _NUMERIC


_NUMERIC: dict[str, dict] | None = None


def _section_type(ann):
    try:
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            return ann
    except TypeError:
        return None
    return None


_LIVE_KINDS: dict[str, str] | None = None


def live_parameter_kinds() -> dict[str, str]:
    global _LIVE_KINDS
    if _LIVE_KINDS is None:
        _LIVE_KINDS = {p: m["kind"] for p, _, m in iter_parameters() if m.get("live")}
    return _LIVE_KINDS


#: the most people (the existing field and every entrant over the burn-in and the horizon) and
#: advisors a scenario may have: the engine keeps about 2 KB a person in memory, so this is far
#: beyond any machine careersim runs on, and it keeps absurd values (1e308 entrants a year) out
MAX_PEOPLE = 100_000_000


def _typical(value: Any) -> float:
    """A parameter's value, or a distribution's mean, as a float (NaN if it has neither)."""
    try:
        return float(value.mean()) if hasattr(value, "mean") else float(value)
    except (TypeError, ValueError, OverflowError):
        return math.nan


def _grown(start: float, growth: float, years: float, burn_in: float) -> tuple[float, float]:
    """The yearly amounts ``start * (1 + growth) ** (y - burn_in)`` for the run's whole years
    ``y = 0 .. ceil(years) - 1``: their sum and their largest value, in closed form (inf where
    they overflow)."""
    n = math.ceil(years)
    if n <= 0 or start <= 0:
        return 0.0, 0.0
    r = 1.0 + growth
    try:
        first = start * r ** (-burn_in)
        last = start * r ** (n - 1 - burn_in)
        total = first * n if growth == 0 else first * (r**n - 1.0) / growth
    except OverflowError:
        return math.inf, math.inf
    return total, max(first, last)


def _check_size(sc: Scenario) -> None:
    """Refuse a field too large to hold, naming the parameter that makes it so: the run's length,
    a growth rate, the intake or the existing field."""
    b, h = _typical(sc.run.burn_in), _typical(sc.run.horizon)
    if not (math.isfinite(b) and math.isfinite(h)):
        return  # the run section's own checks speak
    initial = {k: _typical(getattr(sc.initial, k)) for k in ("leads", "phd_students", "independents", "contributors")}
    e0, g = _typical(sc.population.entrants_per_year), _typical(sc.population.entrant_growth)

    def people(burn_in: float, horizon: float, growth: float) -> float:
        entrants = e0 if sc.population.single_cohort else _grown(e0, growth, burn_in + horizon, burn_in)[0]
        return sum(initial.values()) + entrants

    def too_big(x: float) -> bool:
        return not x <= MAX_PEOPLE  # NaN counts as too big only where a parameter is NaN, refused elsewhere

    limit = f"expected at most {MAX_PEOPLE:,} people over the run, about 2 KB each in memory"
    total = people(b, h, g)
    if too_big(total) and math.isfinite(e0):
        many = f"about {total:.3g}" if math.isfinite(total) else "an unbounded number of"
        # blame what makes it large: the run's length, then the growth, then the intake or the existing field
        if not too_big(people(min(b, 10.0), min(h, 20.0), g)):
            path, fix = ("run.horizon", "a shorter horizon") if h > 20.0 else ("run.burn_in", "a shorter burn-in")
        elif g > 0 and not too_big(people(b, h, 0.0)):
            path, fix = "population.entrant_growth", "a smaller growth"
        else:
            big = max(initial, key=lambda k: initial[k])
            entrants = total - sum(initial.values())
            path, fix = (
                (f"initial.{big}", "a smaller value")
                if initial[big] > entrants
                else (
                    "population.entrants_per_year",
                    "fewer entrants a year",
                )
            )
        raise ValueError(
            f"{path}: the field would hold {many} people over the run (the existing field and the entrants of "
            f"the burn-in and the horizon; {limit}); give {fix}"
        )
    a0, ga = _typical(sc.phd.advisors), _typical(sc.phd.advisor_growth)
    advisors = _grown(a0, ga, b + h, b)[1]
    if too_big(advisors) and math.isfinite(a0):
        many = f"about {advisors:.3g}" if math.isfinite(advisors) else "an unbounded number of"
        path, fix = (
            ("phd.advisor_growth", "a smaller growth")
            if ga > 0 and not too_big(_grown(a0, 0.0, b + h, b)[1])
            else ("phd.advisors", "a smaller value")
        )
        raise ValueError(
            f"{path}: the run would have {many} advisors (expected at most {MAX_PEOPLE:,}, about 2 KB each "
            f"in memory); give {fix}"
        )


def _check_live_value(path: str, v: float, how: str) -> None:
    """An intervention's value for ``path`` must lie in the parameter's range; a
    factor must be a finite number at least 0."""
    if how == "scale":
        if not np.isfinite(v) or v < 0:
            raise ValueError(f"{path}: a factor must be a finite number at least 0; got {v:g}")
        return
    meta = next(m for p, _, m in iter_parameters() if p == path)
    problem = _out_of_range(v, meta)
    if problem:
        raise ValueError(f"{path}: {problem}")


def _unknown_path_message(path: str) -> str:
    import difflib

    live = list(live_parameter_kinds())
    near = difflib.get_close_matches(path, live, n=1)
    if near:
        return f"'{path}' is not a parameter an intervention can change (did you mean '{near[0]}'?)"
    return f"'{path}' is not a parameter an intervention can change; see docs/parameters.md for live parameters"


def get_path(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def baseline() -> Scenario:
    """The shipped baseline scenario (defaults)."""
    return Scenario(name="baseline", description="The field as the essays describe it.")
