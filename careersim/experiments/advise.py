"""``careersim advise``: one person's own comparison of the paths to research lead.

A person describes themselves (background, skills, traits, the mentorship they
expect on each path, a grant already in hand, their AI timeline) and gets, for
each path -- **PhD**, **independent research**, **contributor**, and
**contributor, then PhD** -- the chance of holding a research-lead role within
10 years and by the horizon, the median years to get there, the expected
lead-years before their AI-arrival belief and the main ways it goes wrong; the
best path and how sure the model is; and which of their inputs, changed within
a plausible range, would change the answer.

Design choice: copies of the person as a small extra cohort in a normal field
------------------------------------------------------------------------------
The person is simulated as *clones*: copies that enter an otherwise normal
field (the chosen scenario, existing researchers, yearly entrants) in its first
year, one path per copy, so they compete for advisors, grants, programme places
and lead openings with everyone else. Per replication there are ``clones``
copies per path, spread over the 12 months of year 0 (copy ``j`` enters in
month ``j mod 12``), and many replications, each with its own draw of the
scenario's uncertain parameters, its own field and its own draw of the
person's uncertainty about themselves (trait percentiles +- a few points).

*Common random numbers.* Copy ``j`` has the same person id on every path and
in every what-if variant, and every random decision in careersim is keyed by
person id, tick and slot. So copy ``j`` on the PhD path and copy ``j`` on the
independent path meet the same luck, and paths (and variants) are compared
paired, copy by copy and replication by replication.

*What-if variants* ("what would change the answer") change one input at a
time (self-direction, resilience and learning rate low/high, independent
mentoring none / an hour every other week, a weak/top advisor, a programme
place, a grant in hand). They run in separate *what-if fields*, never beside
the main copies: putting them there crowded the main answer measurably (the
independent path lost about 11 points of 10-year lead chance with ~120 copies
in year 0). Each main field has a what-if twin: the same replication (the same
draw of the scenario, the same people with the same luck, the same draw of the
person's traits) with the same number of copies on the same slots, each copy
changed by one of the variants acting on its path (the variants take turns,
over slots in a random order, continuing across replications). A changed copy is
paired with the main copy of its slot and path in the twin main field (the
same person, luck and crowd), and the mean paired change is added to the main
answer. No two copies of one person share a path in a field: an earlier
design paired changed and unchanged copies of one slot inside one crowded
field, where they tied for advisor slots, places and openings and competed
with each other (a change that changed nothing lowered PhD lead-years from
1.40 to 0.93; with the ties broken at random, a better copy still took the
places of its own copies, so a high learning rate looked about 0.4 lead-years
better than running it directly). Timeline variants need no simulation:
lead-years before any arrival are recounted from the main copies' lead spells.

How the copies enter the engine
-------------------------------
Only through the engine's front doors: each group of copies is an extra cohort
(:class:`careersim.engine.population.Cohort`) passed to
:func:`careersim.engine.replication.run_replication` (``extra=[...]``). Its
people are drawn as the scenario's entrants are (keyed by their person ids),
with the person's background, traits and skills given, and go through the same
intake, admissions, grants, programme and hiring as everyone. What the person
expects on each path is data the monthly step and the institutions read (the
cohort's :class:`~careersim.engine.population.Settings`): independent-mentor hours
and quality, an advisor quality admissions place them nearest to, a programme
place always / never / competed for, a grant held for N months from entry, and a
PhD application planned after N years as a contributor. :func:`clone_run` reads
the copies' outcomes from the finished field's public arrays.

The alternative of changing only the scenario (every entrant a copy: track
and background mixes set to the path and background, trait distributions
narrowed around the person) was rejected: the trait distributions also set the
existing field's traits, every entrant would compete with copies of the same
person, and per-person mentorship, advisor and grant cannot be expressed.

What is approximated, and said so on the page: the copies are a modest extra
share of the first year's entrants, so they add a little competition (also
with each other); the person's uncertainty about themselves is a per-
replication draw of trait percentiles; the advisor is moved after admission
rather than chosen by the programme; the copies start at random points of the
academic year; lead-years after the horizon are not counted.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from careersim import __version__
from careersim.config.profiles import (
    BACKGROUND_LABELS,
    LEVELS,
    PATH_LABELS,
    PATH_SHORT,
    PATHS,
    QUALITY_LEVELS,
    SKILL_LABELS,
    SKILLS,
    TRAIT_LABELS,
    TRAITS,
    Profile,
    ProfileError,
    load_profile,
    profile_from_mapping,
    start_year,
)
from careersim.config.scenarios import load_scenario
from careersim.config.schema import Scenario, get_path, iter_parameters
from careersim.core.clock import TICKS_PER_YEAR
from careersim.core.codes import (
    BACKGROUNDS,
    EXIT_NAMES,
    EXIT_REASONS,
    LEAD,
    T_CONTRIBUTOR,
    T_INDEPENDENT,
    T_PHD,
)
from careersim.core.stats import km_median, mean_ci, paired_difference
from careersim.core.text import finite as _fin
from careersim.core.text import num, pct
from careersim.core.text import pct as _pct
from careersim.engine.field import FieldModel
from careersim.engine.layout import ENTRY, EXIT_REASON, EXIT_TICK, F_EVER_PHD, FLAGS, LEAD_TICK
from careersim.engine.parameters import uncertain_parameters
from careersim.engine.population import EXTRA_PID_BASE, Cohort, Settings
from careersim.engine.replication import run_replication
from careersim.experiments.experiment import intervals_cover
from careersim.experiments.pool import Progress, run_tasks

__all__ = [
    "PATHS",
    "PATH_LABELS",
    "Profile",
    "ProfileError",
    "CloneGroup",
    "CloneCohort",
    "CloneRun",
    "Advice",
    "profile_from_mapping",
    "load_profile",
    "simulate_clones",
    "clone_run",
    "advise",
]


def ly_text(x: float) -> str:
    """Lead-years to two decimals."""
    return "n/a" if not _fin(x) else f"{x:.2f}"


#: defaults of the run: replications of the field holding the main copies, copies per path in each
DEFAULT_REPLICATIONS = 20
DEFAULT_CLONES = 12
#: person ids of the copies: the engine's range for extra cohorts
CLONE_PID_BASE = EXTRA_PID_BASE
#: spawn key of the person's own random draws (traits within their uncertainty)
_PERSON_STREAM = 0xAD71
#: spawn key of the order in which a what-if twin's slots go to the variants
_TWIN_STREAM = 0xAD72


# ---------------------------------------------------------------------------
# the copies: groups of one person on one path, each an extra cohort of the engine
# ---------------------------------------------------------------------------

_TRACK_OF_PATH = {
    "phd": T_PHD,
    "independent": T_INDEPENDENT,
    "contributor": T_CONTRIBUTOR,
    "contributor_then_phd": T_CONTRIBUTOR,
}
_PROGRAMME_MODE = {"maybe": "compete", "yes": "always", "no": "never"}
_KIND_OF_ROLE = {"industry": 0, "nonprofit": 1, "academic_ra": 2}


@dataclass
class CloneGroup:
    """Copies of one person on one path, added to the field as extra entrants.

    ``slots[c]`` is copy ``c``'s slot ``j``: its person id is
    ``CLONE_PID_BASE + j`` (the same on every path, so paths meet the same
    luck) and it enters ``entry_ticks[c]`` ticks after time zero. ``None`` for the
    background or a trait: drawn per copy as the scenario's entrants' are.
    """

    key: str
    path: str
    slots: np.ndarray
    entry_ticks: np.ndarray
    background: int | None
    learning_rate: float | None
    self_direction: float | None
    resilience: float | None
    skills: np.ndarray | None = None  # four starting skills; None: the background's, with the usual spread
    track_record: float | None = None
    contributor_kind: int | None = None  # None: drawn from the scenario's mix
    advisor_quality: float | None = None  # None: admissions decide
    mentor_hours: float | None = None  # None: the scenario's independent mentoring
    mentor_quality: float | None = None
    programme: str = "maybe"
    funded_months: float = 0.0
    phd_after: float = 2.0  # years, contributor_then_phd only

    @property
    def pids(self) -> np.ndarray:
        return CLONE_PID_BASE + np.asarray(self.slots, dtype=np.int64)

    def cohort(self) -> Cohort:
        """The engine's extra cohort of these copies, with the person's settings on this path."""
        nan = math.nan
        return Cohort(
            pids=self.pids,
            entry_ticks=self.entry_ticks,
            track=_TRACK_OF_PATH[self.path],
            background=self.background,
            learning_rate=self.learning_rate,
            self_direction=self.self_direction,
            resilience=self.resilience,
            skills=self.skills,
            track_record=self.track_record,
            contributor_kind=self.contributor_kind,
            settings=Settings(
                mentor_hours=nan if self.mentor_hours is None else float(self.mentor_hours),
                mentor_quality=nan if self.mentor_quality is None else float(self.mentor_quality),
                advisor_quality=nan if self.advisor_quality is None else float(self.advisor_quality),
                programme=_PROGRAMME_MODE[self.programme],
                funded_months=float(self.funded_months) if self.path == "independent" else 0.0,
                phd_after=float(self.phd_after) if self.path == "contributor_then_phd" else nan,
            ),
        )


@dataclass
class CloneCohort:
    groups: list[CloneGroup]

    @property
    def size(self) -> int:
        return int(sum(len(g.slots) for g in self.groups))


@dataclass
class CloneRun:
    """What one replication says about the copies (ticks are from time zero).

    Per copy: ``group`` (index into the cohort), ``slot``, ``entry``,
    ``lead`` (first lead tick, -1 if never), ``exit`` (-1 if never),
    ``reason`` (exit-reason name), ``ever_phd``; and the lead spells
    ``spell_copy, spell_start, spell_end`` (open spells end at ``T``).
    """

    T: int
    arrival_years: float
    group: np.ndarray
    slot: np.ndarray
    entry: np.ndarray
    lead: np.ndarray
    exit: np.ndarray
    reason: np.ndarray
    ever_phd: np.ndarray
    spell_copy: np.ndarray
    spell_start: np.ndarray
    spell_end: np.ndarray
    entrants_year0: int = 0


def simulate_clones(scenario: Scenario, seed: int, replication: int, cohort: CloneCohort) -> CloneRun:
    """Run replication ``replication`` of ``scenario`` with ``cohort``'s copies as extra cohorts."""
    run = run_replication(scenario, seed, replication, extra=[g.cohort() for g in cohort.groups])
    return clone_run(run.model, cohort)


def clone_run(model: FieldModel, cohort: CloneCohort) -> CloneRun:
    """What a finished field says about the copies of ``cohort`` (its extra cohorts, in order)."""
    w = model.world
    I = w.I
    rows = np.concatenate(model.extra_rows) if model.extra_rows else np.zeros(0, dtype=np.int64)
    log = w.LOG[: int(w.nlog[0])]
    copy_of_row = np.full(len(I), -1, dtype=np.int64)
    copy_of_row[rows] = np.arange(len(rows))
    sel = (copy_of_row[log[:, 0]] >= 0) & ((log[:, 3] == LEAD) | (log[:, 2] == LEAD))
    ev = log[sel]
    b = model.burn_in
    sc, ss, se = _spells(copy_of_row[ev[:, 0]], ev[:, 1] - b, ev[:, 3] == LEAD, model.T - b)
    lead, ext = I[rows, LEAD_TICK], I[rows, EXIT_TICK]
    ordinary = np.ones(len(I), dtype=bool)
    ordinary[rows] = False
    ordinary[: w.n_initial] = False
    entry = w.entry_ticks
    return CloneRun(
        T=int(model.T - b),
        arrival_years=float(model.arrival_years),
        group=np.repeat(np.arange(len(cohort.groups)), [len(g.slots) for g in cohort.groups]),
        slot=np.concatenate([np.asarray(g.slots, dtype=np.int64) for g in cohort.groups]),
        entry=I[rows, ENTRY] - b,
        lead=np.where(lead >= 0, lead - b, -1),
        exit=np.where(ext >= 0, ext - b, -1),
        reason=np.array(EXIT_NAMES, dtype=object)[I[rows, EXIT_REASON]],
        ever_phd=(I[rows, FLAGS] & F_EVER_PHD) != 0,
        spell_copy=sc,
        spell_start=ss,
        spell_end=se,
        entrants_year0=int(np.count_nonzero(ordinary & (entry >= b) & (entry < b + TICKS_PER_YEAR))),
    )


def _spells(copy: np.ndarray, tick: np.ndarray, starts: np.ndarray, T: int):
    """Lead spells from (copy, tick, is-start) transitions in time order per copy."""
    order = np.lexsort((tick, copy))
    copy, tick, starts = copy[order], tick[order], starts[order]
    out_c, out_s, out_e = [], [], []
    open_at: dict[int, int] = {}
    for c, t, s in zip(copy.tolist(), tick.tolist(), starts.tolist()):
        if s:
            open_at.setdefault(c, t)
        elif c in open_at:
            out_c.append(c)
            out_s.append(open_at.pop(c))
            out_e.append(t)
    for c, t in open_at.items():
        out_c.append(c)
        out_s.append(t)
        out_e.append(T)
    return (np.array(out_c, dtype=np.int64), np.array(out_s, dtype=np.int64), np.array(out_e, dtype=np.int64))


# ---------------------------------------------------------------------------
# from a profile to copies: resolution against the scenario, variants
# ---------------------------------------------------------------------------


def _dist_ppf(dist: Any, u: float) -> float:
    return float(dist.ppf(float(u))) if hasattr(dist, "ppf") else float(dist)


def _median_value(x: Any) -> float:
    return _dist_ppf(x, 0.5)


def trait_value(scenario: Scenario, trait: str, percentile: float) -> float:
    """The value of ``trait`` at ``percentile`` (0-100) of the scenario's distribution between people."""
    p = min(99.5, max(0.5, float(percentile))) / 100.0
    return _dist_ppf(getattr(scenario.population.traits, trait), p)


def advisor_quality_at(scenario: Scenario, quantile: float) -> float:
    return _dist_ppf(scenario.phd.advisor_quality, quantile)


def _quality(scenario: Scenario, spec: tuple[str, float | None]) -> float | None:
    kind, v = spec
    if kind == "auto" or v is None:
        return None
    return advisor_quality_at(scenario, v) if kind == "level" else float(v)


def _default_mentor_hours(scenario: Scenario) -> float:
    return _median_value(scenario.independent.mentor_hours)


@dataclass(frozen=True)
class Variant:
    """One input changed over its plausible range ("what would change the answer")."""

    key: str
    input: str  # the profile field
    text: str  # "your self-direction were low (10th percentile)"
    paths: tuple[str, ...]
    profile: Profile | None  # None for timeline variants (no simulation)
    arrival: float | None = None  # timeline variants: years from now
    index: int = 0


def _level_text(p: float) -> str:
    for name, v in LEVELS.items():
        if abs(p - v) < 1e-9:
            return f"{name} ({_ordinal(p)} percentile)"
    return f"at the {_ordinal(p)} percentile"


def _ordinal(p: float) -> str:
    v = float(p)
    if not v.is_integer():
        return f"{v:g}th"
    n = int(v)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _hours_text(h: float) -> str:
    if h <= 0:
        return "none"
    if abs(h - 0.5) < 1e-9:
        return "1 hour every 2 weeks"
    if abs(h - 1.0) < 1e-9:
        return "1 hour a week"
    if h < 0.2:
        per_quarter = h * 13
        return f"about {per_quarter:.1g} hour{'s' if per_quarter >= 1.5 else ''} a quarter"
    return f"{h:g} hours a week"


def variants(profile: Profile, scenario: Scenario) -> list[Variant]:
    """The one-at-a-time changes of the inputs tried for "what would change the answer"."""
    out: list[Variant] = []
    for t in TRAITS:
        cur = getattr(profile, t)
        alts = []
        for lvl in (LEVELS["low"], LEVELS["high"]):
            alt = lvl if abs(cur - lvl) > 15 else LEVELS["typical"]
            if abs(alt - cur) > 15 and alt not in alts:
                alts.append(alt)
        for alt in alts:
            out.append(
                Variant(
                    f"{t}={alt:g}",
                    t,
                    f"your {TRAIT_LABELS[t]} were {_level_text(alt)}",
                    PATHS,
                    replace(profile, **{t: alt}),
                )
            )
    cur_h = (
        profile.independent_mentoring if profile.independent_mentoring is not None else _default_mentor_hours(scenario)
    )
    alts_h = [h for h in (0.0, 0.5) if abs(h - cur_h) > 0.05] or [1.0]
    for h in alts_h:
        verb = "rose" if h > cur_h else "fell"
        out.append(
            Variant(
                f"independent_mentoring={h:g}",
                "independent_mentoring",
                f"your independent mentoring {verb} to {_hours_text(h)}",
                ("independent",),
                replace(profile, independent_mentoring=h),
            )
        )
    cur_a = profile.advisor
    cur_level = None
    if cur_a[0] == "level":
        cur_level = min(QUALITY_LEVELS, key=lambda k: abs(QUALITY_LEVELS[k] - cur_a[1]))
    elif cur_a[0] == "quality":
        q = float(cur_a[1])
        cur_level = min(QUALITY_LEVELS, key=lambda k: abs(advisor_quality_at(scenario, QUALITY_LEVELS[k]) - q))
    for lvl in (
        ("weak", "top")
        if cur_level not in ("weak", "top")
        else (("typical", "top") if cur_level == "weak" else ("weak", "typical"))
    ):
        out.append(
            Variant(
                f"advisor={lvl}",
                "advisor",
                f"your PhD advisor were {'a ' if lvl != 'top' else 'a '}{lvl} one "
                f"({'top quarter' if lvl == 'top' else 'bottom quarter' if lvl == 'weak' else 'middle'} by quality)",
                ("phd", "contributor_then_phd"),
                replace(profile, advisor=("level", QUALITY_LEVELS[lvl])),
            )
        )
    alt_prog = "yes" if profile.programme != "yes" else "no"
    out.append(
        Variant(
            f"programme={alt_prog}",
            "programme",
            "you had a mentorship-programme place in your first year"
            if alt_prog == "yes"
            else "you did not get a mentorship-programme place",
            PATHS,
            replace(profile, programme=alt_prog),
        )
    )
    alt_f = 12.0 if profile.funded_months == 0 else 0.0
    out.append(
        Variant(
            f"funded_months={alt_f:g}",
            "funded_months",
            "you had a 12-month grant in hand" if alt_f else "you had no grant in hand",
            ("independent",),
            replace(profile, funded_months=alt_f),
        )
    )
    start = start_year(scenario)
    cur_fixed = profile.timeline[1] - start if profile.timeline[0] == "fixed" else None
    for a in (5.0, 20.0):
        if cur_fixed is not None and abs(cur_fixed - a) < 1.5:
            continue
        out.append(
            Variant(
                f"timeline={a:g}",
                "timeline",
                f"transformative AI arrived in {a:g} years ({start + a:g})",
                PATHS,
                None,
                arrival=a,
            )
        )
    return [replace(v, index=i) for i, v in enumerate(out)]


def variant_replications(replications: int, sensitivity: bool = True) -> int:
    """How many what-if fields go with ``replications`` main fields: one twin each."""
    return replications if sensitivity else 0


def _person_draws(seed: int, rep: int) -> np.ndarray:
    """Standard normals for the person's uncertainty about themselves in replication ``rep``
    (three traits, then four skills); the same for every path and variant (common random numbers)."""
    ss = np.random.SeedSequence(seed, spawn_key=(rep, _PERSON_STREAM))
    return np.random.Generator(np.random.PCG64(ss)).standard_normal(7)


def _groups_for(
    profile: Profile, scenario: Scenario, key: str, paths, slots: np.ndarray, z: np.ndarray
) -> list[CloneGroup]:
    sigma = profile.self_uncertainty
    traits = {t: trait_value(scenario, t, getattr(profile, t) + sigma * z[i]) for i, t in enumerate(TRAITS)}
    given = [getattr(profile, s) for s in SKILLS]
    skills = None
    if any(g is not None for g in given):
        skills = np.array(
            [np.nan if g is None else min(0.95, max(0.0, g + 0.03 * z[3 + j])) for j, g in enumerate(given)]
        )
    mq = profile.independent_mentor_quality
    hours = profile.independent_mentoring
    out = []
    for path in paths:
        out.append(
            CloneGroup(
                key=key,
                path=path,
                slots=slots,
                entry_ticks=4 * (slots % 12),
                background=BACKGROUNDS.index(profile.background),
                learning_rate=traits["learning_rate"],
                self_direction=traits["self_direction"],
                resilience=traits["resilience"],
                skills=skills,
                track_record=profile.track_record,
                contributor_kind=None if profile.contributor_role == "mix" else _KIND_OF_ROLE[profile.contributor_role],
                advisor_quality=_quality(scenario, profile.advisor),
                mentor_hours=hours,
                mentor_quality=None if hours is None else _quality(scenario, mq),
                programme=profile.programme,
                funded_months=profile.funded_months,
                phd_after=profile.phd_after,
            )
        )
    return out


def cohort_for(
    profile: Profile, scenario: Scenario, seed: int, rep: int, clones: int, tried: list[Variant] | None = None
) -> CloneCohort:
    """The copies of replication ``rep``.

    A main field (``tried`` empty or None) holds ``clones`` copies per path. Its
    what-if twin (``tried`` given; run as the same replication ``rep``) holds as
    many on the same slots, each changed, so each changed copy is paired with
    the main copy of its slot and path, and no two copies of one person share a
    path. On every path the variants acting on it take the slots in turn,
    continuing from one replication to the next (so every variant gets as many
    copies as the others, give or take one, even with fewer slots than
    variants), the slots taken in a random order of their own per replication
    and path (so no variant keeps the same months of entry).
    """
    z = _person_draws(seed, rep)
    slots = np.arange(clones, dtype=np.int64)
    if not tried:
        return CloneCohort(_groups_for(profile, scenario, "base", PATHS, slots, z))
    groups = []
    gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(rep, _TWIN_STREAM))))
    for p in PATHS:
        acting = [v for v in tried if v.profile is not None and p in v.paths]
        turn = np.empty(clones, dtype=np.int64)
        turn[gen.permutation(clones)] = (np.arange(clones) + rep * clones) % max(1, len(acting))
        for i, v in enumerate(acting):
            mine = slots[turn == i]
            if len(mine):
                groups += _groups_for(v.profile, scenario, v.key, (p,), mine, z)
    return CloneCohort(groups)


# -- running the replications ----------------------------------------------------


def _run_one(args) -> tuple[int, CloneRun, list[tuple[str, str]]]:
    scenario, seed, rep, cohort = args
    run = simulate_clones(scenario, seed, rep, cohort)
    return rep, run, [(g.key, g.path) for g in cohort.groups]


def run_replications(
    scenario: Scenario,
    cohorts: list[CloneCohort],
    seed: int,
    workers: int | None = None,
    progress: bool = False,
    reps: list[int] | None = None,
) -> list[tuple[CloneRun, list[tuple[str, str]]]]:
    """Run replication ``reps[i]`` (default ``i``) with ``cohorts[i]``; the same results for any number of workers.

    ``progress`` shows the progress bar (:class:`careersim.experiments.pool.Progress`)."""
    reps = list(range(len(cohorts))) if reps is None else reps
    tasks = [((scenario, seed, reps[i], cohorts[i]),) for i in range(len(cohorts))]
    with Progress(len(tasks), "replications", enabled=bool(progress)) as bar:
        done = run_tasks(_run_one, tasks, workers, progress=bar)
    return [(run, keys) for _, run, keys in done]


# ---------------------------------------------------------------------------
# analysis: per path, the best path, what would change the answer
# ---------------------------------------------------------------------------


def _iv(x: np.ndarray, lo: float = -math.inf, hi: float = math.inf) -> dict:
    """Mean over replications with a 95% Student-t interval (replications are the independent units)."""

    c = mean_ci(np.asarray(x, dtype=float))
    return {"value": c["value"], "low": max(lo, c["low"]), "high": min(hi, c["high"]), "n": c["n"]}


def _share_iv(x: np.ndarray, n_copies: int) -> dict:
    """A share: the Student-t interval over replications, widened to include the Wilson
    interval of the pooled copies (so a share seen as 0 of 288 is not reported as exactly 0-0%)."""
    iv = _iv(x, 0.0, 1.0)
    v = iv["value"]
    if n_copies > 0 and math.isfinite(v):
        z = 1.959964
        centre = (v + z * z / (2 * n_copies)) / (1 + z * z / n_copies)
        half = z * math.sqrt(v * (1 - v) / n_copies + z * z / (4 * n_copies**2)) / (1 + z * z / n_copies)
        iv["low"] = max(0.0, min(iv["low"], centre - half))
        iv["high"] = min(1.0, max(iv["high"], centre + half))
    return iv


def _km_median_fast(d: np.ndarray, obs: np.ndarray) -> float:
    """Kaplan-Meier median (events before censorings at ties), as careersim.core.stats.km_median."""
    if len(d) == 0:
        return float("nan")
    order = np.lexsort((~obs, d))
    d, obs = d[order], obs[order]
    at_risk = len(d) - np.arange(len(d))
    surv = np.cumprod(np.where(obs, 1.0 - 1.0 / at_risk, 1.0))
    hit = np.flatnonzero(surv <= 0.5 + 1e-12)
    return float(d[hit[0]]) if len(hit) else float("nan")


def _bootstrap(reps: np.ndarray, stat, n_boot: int, rng: np.random.Generator) -> tuple[float, float, float]:
    """Cluster bootstrap over replications: (share of resamples undefined, 2.5%, 97.5%)."""
    ids = np.unique(reps)
    by = {r: np.flatnonzero(reps == r) for r in ids}
    vals = np.empty(n_boot)
    for b in range(n_boot):
        pick = rng.choice(ids, size=len(ids), replace=True)
        vals[b] = stat(np.concatenate([by[r] for r in pick]))
    undefined = float(np.mean(~np.isfinite(vals)))
    fin = vals[np.isfinite(vals)]
    if len(fin) == 0:
        return undefined, float("nan"), float("nan")
    lo, hi = np.quantile(fin, [0.025, 0.975])
    return undefined, float(lo), float(hi)


@dataclass
class Copies:
    """Every copy of every replication as columns (one row per copy)."""

    rep: np.ndarray
    key: np.ndarray
    path: np.ndarray
    slot: np.ndarray
    entry: np.ndarray
    lead: np.ndarray
    exit: np.ndarray
    reason: np.ndarray
    ever_phd: np.ndarray
    spell_copy: np.ndarray
    spell_start: np.ndarray
    spell_end: np.ndarray
    T: int
    arrival: np.ndarray  # per replication, years from time zero
    entrants_year0: np.ndarray
    copies_per_rep: np.ndarray

    @classmethod
    def gather(cls, results: list[tuple[CloneRun, list[tuple[str, str]]]]) -> Copies:
        parts: dict[str, list] = {
            k: []
            for k in (
                "rep",
                "key",
                "path",
                "slot",
                "entry",
                "lead",
                "exit",
                "reason",
                "ever_phd",
                "spell_copy",
                "spell_start",
                "spell_end",
            )
        }
        offset = 0
        for r, (run, keys) in enumerate(results):
            n = len(run.group)
            parts["rep"].append(np.full(n, r, dtype=np.int64))
            parts["key"].append(np.array([keys[g][0] for g in run.group], dtype=object))
            parts["path"].append(np.array([keys[g][1] for g in run.group], dtype=object))
            for name in ("slot", "entry", "lead", "exit", "reason", "ever_phd"):
                parts[name].append(getattr(run, name))
            parts["spell_copy"].append(run.spell_copy + offset)
            parts["spell_start"].append(run.spell_start)
            parts["spell_end"].append(run.spell_end)
            offset += n
        cat = {k: np.concatenate(v) if v else np.zeros(0) for k, v in parts.items()}
        return cls(
            **cat,
            T=min(run.T for run, _ in results),
            arrival=np.array([run.arrival_years for run, _ in results]),
            entrants_year0=np.array([run.entrants_year0 for run, _ in results]),
            copies_per_rep=np.array([len(run.group) for run, _ in results]),
        )

    def lead_years_before(self, arrival_years: np.ndarray) -> np.ndarray:
        """Per copy, years in a lead role between entry and ``entry + arrival`` (per copy), up to the horizon."""
        c = self.spell_copy
        if len(c) == 0:
            return np.zeros(len(self.rep))
        end_cap = np.minimum(self.entry[c] + np.round(arrival_years[c] * TICKS_PER_YEAR), self.T)
        overlap = np.clip(np.minimum(self.spell_end, end_cap) - np.maximum(self.spell_start, self.entry[c]), 0, None)
        return np.bincount(c, weights=overlap / TICKS_PER_YEAR, minlength=len(self.rep))


def _windows(T: int, max_entry: int) -> tuple[float, float]:
    wh = math.floor((T - max_entry) / TICKS_PER_YEAR + 1e-9)
    return float(min(10, wh)), float(wh)


@dataclass
class Advice:
    """The answer for one person: per path, the best path, what would change it."""

    profile: Profile
    scenario_name: str
    scenario_description: str
    goal: str
    window: float
    horizon_window: float
    start_year: float
    timeline_text: str
    arrival: dict
    paths: dict[str, dict]
    ranking: list[str]
    best: str
    share_best: dict[str, float]
    gap: dict
    runner_up: str
    sensitivity: list[dict]
    inputs: list[dict]
    assumptions: list[dict]
    approximations: list[str]
    settings: dict
    copies_share: dict
    engine: str
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    cohort: str = ""  # the entry cohort the answer is for, in words
    intervals_cover: str = ""  # one plain sentence: what the intervals cover and what they do not

    @property
    def metric(self) -> str:
        return "lead_years" if self.goal == "lead-years" else "lead_10"

    def to_dict(self) -> dict:
        from dataclasses import asdict

        out = asdict(self)
        out["profile"] = {k: v for k, v in asdict(self.profile).items()}
        return out


def analyse(
    profile: Profile,
    scenario: Scenario,
    copies: Copies,
    tried: list[Variant],
    settings: dict,
    seed: int,
    n_main: int | None = None,
) -> Advice:
    """Turn the copies' outcomes into the advice (pure: no simulation here).

    Replications ``0..n_main-1`` are main fields (the main copies only); the
    rest are their what-if twins, in order (changed copies, each paired with the
    main copy of its slot and path in the twin main field).
    """

    R_all = len(copies.arrival)
    R = R_all if n_main is None else n_main
    T = copies.T
    max_entry = int(copies.entry.max()) if len(copies.entry) else 0
    w10, wh = _windows(T, max_entry)
    ytl = np.where(copies.lead >= 0, (copies.lead - copies.entry) / TICKS_PER_YEAR, np.nan)
    lead10 = np.nan_to_num(ytl, nan=np.inf) <= w10 + 1e-9
    leadh = np.nan_to_num(ytl, nan=np.inf) <= wh + 1e-9
    exit_y = np.where(copies.exit >= 0, (copies.exit - copies.entry) / TICKS_PER_YEAR, np.inf)
    failed10 = (copies.lead < 0) & (exit_y <= w10 + 1e-9)
    ly = copies.lead_years_before(copies.arrival[copies.rep])
    cols = {
        "lead_10": lead10.astype(float),
        "lead_h": leadh.astype(float),
        "lead_years": ly,
        "ever_phd": copies.ever_phd.astype(float),
    }
    for reason in EXIT_REASONS:
        cols[f"exit_{reason}"] = (failed10 & (copies.reason == reason)).astype(float)

    def per_rep(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Mean of ``values`` over the copies in ``mask``, per replication (NaN where none)."""
        s = np.bincount(copies.rep[mask], weights=values[mask], minlength=R_all)
        n = np.bincount(copies.rep[mask], minlength=R_all)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, s / np.maximum(n, 1), np.nan)

    main = (copies.key == "base") & (copies.rep < R)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_PERSON_STREAM, 1)))
    paths: dict[str, dict] = {}
    base_rep: dict[str, dict[str, np.ndarray]] = {}
    grid = np.arange(0.0, wh + 1e-9, 0.25)
    from scipy import stats as sps

    for p in PATHS:
        m = main & (copies.path == p)
        base_rep[p] = {c: per_rep(m, v)[:R] for c, v in cols.items()}
        n_copies = int(m.sum())
        res = {"path": p, "label": PATH_LABELS[p], "copies": n_copies}
        for c in ("lead_10", "lead_h", "ever_phd"):
            res[c] = _share_iv(base_rep[p][c], n_copies)
        res["lead_years"] = _iv(base_rep[p]["lead_years"], lo=0.0)
        res["exits_10"] = {r: _share_iv(base_rep[p][f"exit_{r}"], n_copies) for r in EXIT_REASONS}
        still = np.clip(1.0 - base_rep[p]["lead_10"] - sum(base_rep[p][f"exit_{r}"] for r in EXIT_REASONS), 0.0, 1.0)
        still[np.abs(still) < 1e-9] = 0.0
        res["still_working_10"] = _share_iv(still, n_copies)
        # time to lead: Kaplan-Meier, those who leave or are still working at the horizon censored
        idx = np.flatnonzero(m)
        dur = np.where(
            np.isfinite(ytl[idx]), ytl[idx], np.minimum(exit_y[idx], (T - copies.entry[idx]) / TICKS_PER_YEAR)
        )
        obs = np.isfinite(ytl[idx])
        med = km_median(dur, obs) if len(idx) else float("nan")
        undefined, lo, hi = _bootstrap(copies.rep[idx], lambda k: _km_median_fast(dur[k], obs[k]), 200, rng)
        res["median_years"] = {
            "value": med,
            "low": lo,
            "high": hi if undefined <= 0.025 else float("nan"),
            "reached": bool(np.isfinite(med)),
            "share_undefined": undefined,
        }
        leads = idx[obs]
        if len(leads) >= 5:
            lm = float(np.median(ytl[leads]))
            _, llo, lhi = _bootstrap(
                copies.rep[leads], lambda k: float(np.median(ytl[leads][k])) if len(k) else np.nan, 200, rng
            )
            res["median_years_leads"] = {"value": lm, "low": llo, "high": lhi, "n": int(len(leads))}
        else:
            res["median_years_leads"] = {
                "value": float("nan"),
                "low": float("nan"),
                "high": float("nan"),
                "n": int(len(leads)),
            }
        # cumulative share who have held a lead role, by years since starting
        curve = np.full((R, len(grid)), np.nan)
        yy = np.nan_to_num(ytl[idx], nan=np.inf)
        for r in range(R):
            k = copies.rep[idx] == r
            if k.any():
                curve[r] = (yy[k][:, None] <= grid[None, :] + 1e-9).mean(axis=0)
        mean = np.nanmean(curve, axis=0)
        sd = np.nanstd(curve, axis=0, ddof=1) if R > 1 else np.zeros(len(grid))
        half = float(sps.t.ppf(0.975, max(R - 1, 1))) * sd / math.sqrt(max(R, 1))
        res["curve"] = {
            "t": grid.tolist(),
            "value": mean.tolist(),
            "low": np.clip(mean - half, 0, 1).tolist(),
            "high": np.clip(mean + half, 0, 1).tolist(),
        }
        paths[p] = res

    metric = "lead_years" if profile.goal == "lead-years" else "lead_10"
    M = np.column_stack([base_rep[p][metric] for p in PATHS])  # replications x paths
    ranking = sorted(PATHS, key=lambda p: -paths[p][metric]["value"])
    best, runner = ranking[0], ranking[1]
    share = np.zeros(len(PATHS))
    for row in M:
        top = np.flatnonzero(np.isclose(row, np.nanmax(row), rtol=0, atol=1e-12))
        share[top] += 1.0 / len(top)
    share_best = {p: float(share[i] / max(R, 1)) for i, p in enumerate(PATHS)}
    gap = paired_difference(base_rep[runner][metric], base_rep[best][metric])

    sens = _sensitivity(copies, cols, tried, base_rep, paths, metric, per_rep, R)
    arr = copies.arrival[:R]
    arrival = {
        "median": float(np.median(arr)),
        "low": float(np.quantile(arr, 0.1)),
        "high": float(np.quantile(arr, 0.9)),
        "fixed": bool(np.ptp(arr) < 1e-9),
    }
    e0 = max(1.0, float(copies.entrants_year0.mean()))
    copies_share = {
        "main_copies": float(copies.copies_per_rep[:R].mean()),
        "entrants_year0": e0,
        "main_share": float(copies.copies_per_rep[:R].mean() / e0),
        "whatif_copies": float(copies.copies_per_rep[R:].mean()) if R_all > R else 0.0,
        "whatif_share": float(copies.copies_per_rep[R:].mean() / e0) if R_all > R else 0.0,
    }
    return Advice(
        intervals_cover=intervals_cover(scenario, uncertain_parameters(scenario), scenario.calibration.read()),
        profile=profile,
        scenario_name=scenario.name,
        scenario_description=" ".join(scenario.description.split()),
        goal=profile.goal,
        window=w10,
        horizon_window=wh,
        start_year=start_year(scenario),
        timeline_text=_timeline_text(profile, scenario),
        arrival=arrival,
        paths=paths,
        ranking=ranking,
        best=best,
        share_best=share_best,
        gap=gap,
        runner_up=runner,
        sensitivity=sens,
        inputs=_inputs(profile, scenario),
        assumptions=_assumptions(scenario, profile, (best, runner)),
        approximations=[],
        settings=settings,
        copies_share=copies_share,
        engine="copies as extra cohorts of the engine (careersim.engine.population.Cohort)",
        cohort=cohort_text(scenario),
    )


def cohort_text(scenario: Scenario) -> str:
    """Which entry cohort the answer is for: those entering in the first year after time zero."""
    start, burn = start_year(scenario), float(scenario.run.burn_in)
    text = f"someone starting in {start:g}, one of the field's entrants of its first year from time zero"
    if burn > 0:
        return (
            text + f", after a {burn:g}-year burn-in that brings the field to the balance its own flows make "
            "(run.burn_in), so the answer holds much the same for the next few cohorts"
        )
    return (
        text + ", in the field as stated with no burn-in (run.burn_in 0): the first cohort meets nobody ready "
        "and waiting for a lead role, so its chances are higher than later cohorts'"
    )


def _sum_ci(a: np.ndarray, b: np.ndarray | None = None) -> dict:
    """Mean of ``a`` plus mean of ``b`` (independent samples), with a 95% interval."""
    from scipy import stats as sps

    a = np.asarray(a, dtype=float)
    a = a[np.isfinite(a)]
    parts = [a] if b is None else [a, np.asarray(b, dtype=float)[np.isfinite(np.asarray(b, dtype=float))]]
    value = float(sum(x.mean() for x in parts if len(x)))
    if any(len(x) < 2 for x in parts):
        return {"value": value, "low": float("nan"), "high": float("nan")}
    se = math.sqrt(sum(float(np.var(x, ddof=1)) / len(x) for x in parts))
    half = float(sps.t.ppf(0.975, min(len(x) for x in parts) - 1)) * se
    return {"value": value, "low": value - half, "high": value + half}


def _sensitivity(copies: Copies, cols, tried, base_rep, paths, metric, per_rep, R) -> list[dict]:
    """Each variant against the main answer.

    Simulated variants: per what-if field, the mean change in the metric from
    the main copy of the same slot and path in the twin main field (the same
    person, luck and crowd) to the changed copy, averaged over the fields and
    added to the main copies' value. Timeline variants: lead-years of the main
    copies recounted for a fixed arrival.
    """
    R_all = len(copies.arrival)
    whatif = np.arange(R, R_all)
    # the main copy of (replication, path, slot): the partner of the changed copies of that slot in the twin field
    mains = np.flatnonzero((copies.key == "base") & (copies.rep < R))
    twin = np.full((R, len(PATHS), int(copies.slot.max()) + 1 if len(copies.slot) else 0), -1, dtype=np.int64)
    twin[copies.rep[mains], [PATHS.index(p) for p in copies.path[mains]], copies.slot[mains]] = mains
    out = []
    for v in tried:
        if v.profile is None:
            m_name = "lead_years"
            ly = copies.lead_years_before(np.full(len(copies.rep), float(v.arrival)))
            main = (copies.key == "base") & (copies.rep < R)
            A = {p: per_rep(main & (copies.path == p), ly)[:R] for p in PATHS}
            ref = {p: paths[p]["lead_years"]["value"] for p in PATHS}
            shown = {p: float(np.mean(A[p])) for p in PATHS}
            diff = lambda x, y, A=A: _sum_ci(A[x] - A[y])  # noqa: E731
            change = lambda p, A=A: _sum_ci(A[p] - base_rep[p]["lead_years"])  # noqa: E731
            n_reps = R
        else:
            m_name = metric
            in_v = copies.key == v.key
            # with fewer slots than variants and few fields, a variant may have no copy on a path it acts on
            if len(whatif) == 0 or any(not (in_v & (copies.path == p)).any() for p in v.paths):
                continue
            ref = {p: paths[p][m_name]["value"] for p in PATHS}
            shift = {}
            for p in PATHS:
                if p in v.paths:
                    changed = np.flatnonzero(in_v & (copies.path == p))
                    paired = twin[copies.rep[changed] - R, PATHS.index(p), copies.slot[changed]]
                    d = np.zeros(len(copies.rep))
                    d[changed] = cols[m_name][changed] - cols[m_name][paired]
                    shift[p] = per_rep(in_v & (copies.path == p), d)[whatif]  # NaN in a field without such a copy
                else:
                    shift[p] = np.zeros(len(whatif))
            top = 1.0 if m_name != "lead_years" else math.inf
            shown = {p: float(np.clip(ref[p] + np.nanmean(shift[p]), 0.0, top)) for p in PATHS}
            diff = lambda x, y, shift=shift: _sum_ci(shift[x] - shift[y], base_rep[x][m_name] - base_rep[y][m_name])  # noqa: E731
            change = lambda p, shift=shift: _sum_ci(shift[p])  # noqa: E731
            n_reps = len(whatif)

        def close_ref(x, y, ref=ref):
            return abs(ref[x] - ref[y]) < 0.15 * max(ref[x], ref[y], 1e-9)

        ref_rank = sorted(PATHS, key=lambda p: -ref[p])
        ref_best, ref_second = ref_rank[0], ref_rank[1]
        new_best = max(PATHS, key=lambda p: shown[p])
        ranked = sorted(PATHS, key=lambda p: -shown[p])
        second = ranked[1] if ranked[0] == ref_best else ranked[0]
        d = diff(new_best, ref_best) if new_best != ref_best else None
        mover = max(PATHS, key=lambda p: abs(shown[p] - ref[p]))
        change_ci = change(mover)

        def close(x, y):
            return abs(shown[x] - shown[y]) < 0.15 * max(shown[x], shown[y], 1e-9)

        if new_best != ref_best:
            clear = _fin(d["low"]) and d["low"] > 0
            outcome = "overtake" if clear else "match" if close(new_best, ref_best) else "edge"
            other = new_best
        elif close(ref_best, second) and not close_ref(ref_best, second):
            outcome, other = "match", second
        else:
            within_noise = not (_fin(change_ci["low"]) and (change_ci["low"] > 0 or change_ci["high"] < 0))
            outcome, other = ("unclear" if within_noise else "same"), mover
        gap0 = ref[ref_best] - ref[ref_second]
        gap_v = shown[ref_best] - shown[ref_second]
        score = (
            {"overtake": 3.0, "edge": 2.5, "match": 2.0, "unclear": -1.0}.get(outcome, 0.0)
            + min(1.0, abs(gap_v - gap0) / max(abs(gap0), 1e-9))
            - (2.0 if m_name != metric else 0.0)
        )
        out.append(
            {
                "key": v.key,
                "input": v.input,
                "text": v.text,
                "paths": list(v.paths),
                "metric": m_name,
                "values": shown,
                "reference": ref,
                "best": new_best,
                "reference_best": ref_best,
                "outcome": outcome,
                "other": other,
                "difference": d,
                "change": change_ci,
                "score": score,
                "replications": int(n_reps),
                "sentence": "",
            }
        )
    for s in out:
        s["sentence"] = _sentence(s)
    out.sort(key=lambda s: -s["score"])
    return out


def _metric_text(metric: str, x: float) -> str:
    if metric == "lead_years":
        return f"{ly_text(x)} lead-years"
    return _pct(x)


def _sentence(s: dict) -> str:
    """One plain sentence: what the change would do to the ranking (or to the biggest mover)."""
    m, vals, ref = s["metric"], s["values"], s["reference"]
    rb, nb, o = s["reference_best"], s["best"], s["other"]
    t = lambda p: _metric_text(m, vals[p])  # noqa: E731
    head = f"If {s['text']}, "
    if m == "lead_years" and max(vals.values()) < 0.05:
        when = "before it" if s["input"] == "timeline" else "before your AI arrival"
        return (
            head
            + f"no path would give you meaningful lead-years {when} (at most {_metric_text(m, max(vals.values()))})."
        )
    if max(ref.values()) <= 1e-9:
        return head + f"{PATH_SHORT[nb]} would be best ({t(nb)}, from none on every path)."
    if nb != rb:
        fell, rose = ref[rb] - vals[rb], vals[nb] - ref[nb]
        if fell > rose:
            tail = (
                f"about level with {PATH_SHORT[nb]} ({t(nb)})"
                if s["outcome"] == "match"
                else f"leaving {PATH_SHORT[nb]} best ({t(nb)})"
            )
            return head + f"{PATH_SHORT[rb]} would fall from {_metric_text(m, ref[rb])} to {t(rb)}, {tail}."
        if s["outcome"] == "edge":
            return head + (
                f"{PATH_SHORT[nb]} would probably overtake {PATH_SHORT[rb]} ({t(nb)} against {t(rb)}), "
                "though the model is not sure."
            )
        verb = "overtake" if s["outcome"] == "overtake" else "match"
        return head + f"{PATH_SHORT[nb]} would {verb} {PATH_SHORT[rb]} ({t(nb)} against {t(rb)})."
    if s["outcome"] == "match":
        return head + f"{PATH_SHORT[o]} would match {PATH_SHORT[rb]} ({t(o)} against {t(rb)})."
    change = vals[o] - ref[o]
    if s["outcome"] == "unclear" or abs(change) < max(0.02 if m != "lead_years" else 0.05, 0.1 * abs(ref[o])):
        return (
            head
            + f"the answer would not clearly change ({PATH_SHORT[rb]} stays best; the changes are within the model's noise)."
        )
    return head + (
        f"{PATH_SHORT[rb]} would stay best; {PATH_SHORT[o]} would {'rise' if change > 0 else 'fall'} "
        f"from {_metric_text(m, ref[o])} to {t(o)}."
    )


def _timeline_text(profile: Profile, scenario: Scenario) -> str:
    kind, year, spread = profile.timeline
    start = start_year(scenario)
    if kind == "fixed":
        return f"transformative AI in {year:g} ({year - start:g} years from {start:g})"
    if kind == "lognormal":
        return f"transformative AI around {year:g} (median; spread {spread:g})"
    arr = scenario.timelines.arrival
    text = arr.describe() if hasattr(arr, "describe") else f"{float(arr):g}"
    return f"the scenario's timeline ({text} years from {start:g})"


def _inputs(profile: Profile, scenario: Scenario) -> list[dict]:
    """The person's inputs as they enter the model (for the page and the terminal)."""

    out = [
        {
            "input": "background",
            "given": BACKGROUND_LABELS[profile.background],
            "model": "starting skills and track record of that background",
        }
    ]
    bg = getattr(scenario.population.backgrounds, profile.background)
    for s in SKILLS:
        v = getattr(profile, s)
        default = _median_value(getattr(bg, s))
        out.append(
            {
                "input": SKILL_LABELS[s],
                "given": "typical for your background" if v is None else f"{v:g}",
                "model": f"{default:.2f} \u00b1 {_median_value(scenario.population.backgrounds.skill_spread):g} between people"
                if v is None
                else f"{v:.2f} \u00b1 0.03 (your uncertainty)",
            }
        )
    tr = profile.track_record
    out.append(
        {
            "input": "track record",
            "given": "typical for your background" if tr is None else f"{tr:g}",
            "model": f"{_median_value(bg.track_record) if tr is None else tr:g} publication-equivalents",
        }
    )
    for t in TRAITS:
        p = getattr(profile, t)
        lo, hi = max(0.5, p - 1.96 * profile.self_uncertainty), min(99.5, p + 1.96 * profile.self_uncertainty)
        out.append(
            {
                "input": TRAIT_LABELS[t],
                "given": _level_text(p),
                "model": f"{num(trait_value(scenario, t, p))} (95% of draws {num(trait_value(scenario, t, lo))} to "
                f"{num(trait_value(scenario, t, hi))}; scenario distribution "
                f"{getattr(scenario.population.traits, t).describe()})",
            }
        )
    kind, v = profile.advisor
    if kind == "auto":
        adv = ("auto", "admissions place stronger portfolios with better advisors")
    else:
        lvl = next((k for k, q in QUALITY_LEVELS.items() if kind == "level" and abs(q - v) < 1e-9), None)
        adv = (
            lvl or f"quality {v:g}",
            f"an advisor of quality {num(_quality(scenario, profile.advisor))} "
            f"(advisors vary as {scenario.phd.advisor_quality.describe()})",
        )
    out.append({"input": "PhD advisor", "given": adv[0], "model": adv[1]})
    h = profile.independent_mentoring
    if h is None:
        out.append(
            {
                "input": "independent mentoring",
                "given": "the scenario's default",
                "model": f"{_hours_text(_default_mentor_hours(scenario))} at quality {num(_median_value(scenario.independent.mentor_quality))}",
            }
        )
    else:
        out.append(
            {
                "input": "independent mentoring",
                "given": _hours_text(h),
                "model": f"{num(h)} hours a week at quality {num(_quality(scenario, profile.independent_mentor_quality))}",
            }
        )
    out.append(
        {
            "input": "mentorship programme",
            "given": profile.programme,
            "model": {
                "yes": "a place at the first cohort you can join",
                "no": "no place, even if selected",
                "maybe": "you apply and compete like everyone else",
            }[profile.programme],
        }
    )
    out.append(
        {
            "input": "grant in hand",
            "given": f"{profile.funded_months:g} months",
            "model": "independent path: funded from the start for that long"
            if profile.funded_months
            else "independent path: you apply at the start",
        }
    )
    out.append(
        {
            "input": "contributor role",
            "given": profile.contributor_role,
            "model": "drawn from the scenario's mix of industry, non-profit and academic RA roles"
            if profile.contributor_role == "mix"
            else f"a {profile.contributor_role.replace('_', ' ')} role",
        }
    )
    out.append(
        {
            "input": "PhD after contributing",
            "given": f"{profile.phd_after:g} years",
            "model": "contributor-then-PhD path: you apply to PhDs after this long, taking any pay cut",
        }
    )
    out.append(
        {
            "input": "AI timeline",
            "given": _timeline_text(profile, scenario),
            "model": "arrival drawn per replication" if profile.timeline[0] != "fixed" else "a fixed arrival",
        }
    )
    out.append(
        {
            "input": "goal",
            "given": profile.goal,
            "model": "best = most expected lead-years before your AI arrival"
            if profile.goal == "lead-years"
            else "best = highest chance of a lead role within 10 years",
        }
    )
    return out


#: scenario parameters that most shape each path's answer (shown with their values and sources)
DRIVERS = (
    ("learning.dose_response", "all"),
    ("learning.saturation_hours", "all"),
    ("learning.signal_gain", "all"),
    ("learning.self_study_signals", "independent"),
    ("independent.mentor_hours", "independent"),
    ("independent.alone_penalty", "independent"),
    ("independent.max_gap", "independent"),
    ("grants.grant_length", "independent"),
    ("grants.decision_delay", "independent"),
    ("grants.base_acceptance", "independent"),
    ("grants.reviewers", "independent"),
    ("phd.advisor_quality", "phd"),
    ("phd.min_portfolio", "phd"),
    ("phd.duration", "phd"),
    ("phd.lead_rule", "phd"),
    ("phd.stress", "phd"),
    ("contributor.own_idea_share", "contributor"),
    ("contributor.hands_on_industry", "contributor"),
    ("positions.ready_generation", "all"),
    ("positions.ready_record", "all"),
    ("positions.credential_weight", "all"),
    ("positions.big_rfp", "all"),
    ("positions.adjacent_org", "all"),
    ("positions.academia", "all"),
    ("positions.wait_leave", "all"),
    ("exits.leave", "all"),
    ("exits.burnout", "all"),
    ("timelines.arrival", "timeline"),
)


_KINDS_OF_PATH = {
    "phd": ("phd",),
    "independent": ("independent",),
    "contributor": ("contributor",),
    "contributor_then_phd": ("contributor", "phd"),
}


def _assumptions(scenario: Scenario, profile: Profile, compared: tuple[str, ...] = ()) -> list[dict]:
    """The scenario settings that shape the paths, those bearing on the compared paths first."""

    meta = {p: (info, m) for p, info, m in iter_parameters()}
    posterior = scenario.calibration.read()
    fitted = posterior.summary() if posterior is not None else {}
    out = []
    for path, applies in DRIVERS:
        if path not in meta or (applies == "timeline" and profile.timeline[0] != "scenario"):
            continue
        info, m = meta[path]
        v = get_path(scenario, path)
        text = v.describe() if hasattr(v, "describe") else (f"{v:g}" if isinstance(v, (int, float)) else str(v))
        source = str(m.get("source", ""))
        unit = m.get("unit") or ""
        if unit in ("probability", "share", "count"):
            unit = ""
        if path in fitted:  # drawn per replication from the calibration's posterior
            q = fitted[path]
            text = f"posterior median {q['median']:.3g} (95% {q['low']:.3g} to {q['high']:.3g})"
            source = posterior.fitted_source(path)
        kinds = {k for p in compared for k in _KINDS_OF_PATH[p]}
        out.append(
            {
                "parameter": path,
                "value": f"{text} {unit}".strip(),
                "what": info.description or "",
                "source": source,
                "applies": applies,
                "drives": applies in ("all", "timeline") or applies in kinds,
                "assumption": source.strip().lower().startswith("assumption"),
            }
        )
    out.sort(key=lambda x: not x["drives"])
    return out


# ---------------------------------------------------------------------------
# the whole computation
# ---------------------------------------------------------------------------


def advise(
    profile: Profile | Mapping[str, Any] | None = None,
    scenario: Scenario | str | None = None,
    *,
    replications: int = DEFAULT_REPLICATIONS,
    clones: int = DEFAULT_CLONES,
    seed: int = 1,
    workers: int | None = None,
    sensitivity: bool = True,
    progress=None,
) -> Advice:
    """Compare the paths for one person: run ``replications`` fields with ``clones``
    copies per path each (plus the what-if variants) and analyse them.

    The same profile, scenario, seed, replications and clones give identical
    advice for any number of workers.
    """

    started = time.time()
    if scenario is None:  # the shipped baseline, calibrated (as the command uses it)
        scenario = load_scenario("baseline")
    elif isinstance(scenario, (str, os.PathLike)):
        scenario = load_scenario(scenario)
    if profile is None:
        profile = Profile()
    elif isinstance(profile, Mapping):
        profile = profile_from_mapping(profile, scenario)
    if replications < 2:
        raise ValueError("replications must be at least 2 (intervals need two)")
    if clones < 1:
        raise ValueError("clones must be at least 1")
    horizon = _median_value(scenario.run.horizon)
    if horizon < 2.0:
        raise ValueError(f"the scenario's horizon is {horizon:g} years (expected at least 2 years to follow a career)")
    run_scenario = scenario
    kind, year, spread = profile.timeline
    if kind == "fixed":
        run_scenario = scenario.with_changes({"timelines.arrival": float(year - start_year(scenario))})
    elif kind == "lognormal":
        run_scenario = scenario.with_changes(
            {"timelines.arrival": f"lognormal(median={year - start_year(scenario):g}, spread={spread:g})"}
        )
    tried = variants(profile, scenario) if sensitivity else []
    n_whatif = variant_replications(replications, sensitivity) if any(v.profile is not None for v in tried) else 0
    cohorts = [cohort_for(profile, scenario, seed, r, clones) for r in range(replications)]
    cohorts += [cohort_for(profile, scenario, seed, r, clones, tried) for r in range(n_whatif)]
    results = run_replications(
        run_scenario, cohorts, seed, workers, progress, reps=list(range(replications)) + list(range(n_whatif))
    )
    copies = Copies.gather(results)
    per_path = max(sum(1 for v in tried if v.profile is not None and p in v.paths) for p in PATHS) if n_whatif else 1
    settings = {
        "replications": replications,
        "clones": clones,
        "whatif_replications": n_whatif,
        "variant_clones": int(n_whatif * clones // per_path),
        "seed": seed,
        "sensitivity": sensitivity,
        "careersim_version": __version__,
        "scenario_hash": scenario.hash()[:12],
    }
    advice = analyse(profile, scenario, copies, tried, settings, seed, n_main=replications)
    advice.approximations = _approximations(advice)
    advice.notes = _notes(advice)
    advice.seconds = time.time() - started
    return advice


def _approximations(a: Advice) -> list[str]:

    cs = a.copies_share
    out = [
        f"Your main copies are extra entrants in the first year of the field: {cs['main_copies']:.0f} per replication "
        f"beside about {cs['entrants_year0']:.0f} ordinary entrants ({pct(cs['main_share'])} more people that year), so "
        "they add a little competition for advisors, grants and openings, also with each other.",
    ]
    if cs["whatif_copies"]:
        out.append(
            f"The what-if copies ran in {a.settings['whatif_replications']} separate fields ({cs['whatif_copies']:.0f} copies "
            f"each, {pct(cs['whatif_share'])} more first-year entrants), so they do not crowd the main answer; each field "
            "repeats a main field with every copy changed, each change measured against the same person's main copy in "
            "the same draw of the field, and those differences are noisier than the main numbers."
        )
    out += [
        "Each replication draws your traits within your stated uncertainty; all your copies in it share that draw.",
        "Copies start in different months of the first year, so the PhD admission round falls at different times "
        "after you start; the numbers average over that.",
        "With a named advisor, your copy is admitted by the ordinary competition and placed with the free "
        "advisor of nearest quality; the model does not know which programmes would admit you.",
        "Lead-years after the end of the simulated period are not counted.",
    ]
    return out


def _notes(a: Advice) -> list[str]:
    notes = []
    if a.goal == "lead-years":
        top = max(a.paths[p]["lead_years"]["high"] for p in PATHS)
        if top < 0.05:
            notes.append(
                "With your timeline no path gives meaningful lead-years before transformative AI arrives; "
                "the ranking by lead-years is mostly noise. Compare the chances of becoming a lead instead."
            )
    by_chance = max(PATHS, key=lambda p: a.paths[p]["lead_10"]["value"])
    by_years = max(PATHS, key=lambda p: a.paths[p]["lead_years"]["value"])
    if (
        by_chance != by_years
        and a.paths[by_years]["lead_years"]["value"] > 1e-9
        and a.paths[by_chance]["lead_10"]["value"] > 0
    ):
        notes.append(
            f"By the chance of a lead role within {a.window:g} years the best path is {PATH_SHORT[by_chance]}; "
            f"by lead-years before your AI arrival it is {PATH_SHORT[by_years]}."
        )
    return notes
