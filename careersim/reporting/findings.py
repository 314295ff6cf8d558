"""Key findings in plain language, generated from the numbers.

Every sentence states its number with its interval, and its words of
certainty come from the interval (:func:`careersim.core.stats.interval_words`):
a change whose interval includes zero "may not change" an outcome; no
sentence says "will". Two kinds of interval appear, and the sentences say
which:

* in a single run, the *range over replications* (95% of replications fall
  in it: chance plus uncertainty about parameter values), and for gaps
  between tracks the interval of the mean paired difference;
* in a comparison, the 95% interval of the mean paired difference between
  scenarios (common random numbers).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from careersim.config.resources import LABELS
from careersim.config.schema import get_path
from careersim.core.stats import interval_words, paired_difference, sign_test
from careersim.core.text import (  # noqa: F401
    MIN_REPLICATIONS,
    _told_apart,
    dollars,
    finite,
    interval_text,
    num,
    pct,
    points,
    range_text,
    value_text,
)
from careersim.reporting.labels import EXIT_LABEL, GROUP_LABEL, RESOURCE_LABEL, TRACK_LABEL

# ---------------------------------------------------------------------------
# words of certainty
# ---------------------------------------------------------------------------


def certainty(low: Any, high: Any, n: int | None = None) -> str:
    """``interval_words`` for an interval, treating a missing or one-replication interval as uninformative."""
    if not (finite(low) and finite(high)) or (n is not None and n < 2):
        return "may not change"
    return interval_words(float(low), float(high))


@dataclass(frozen=True)
class Verdict:
    """Words for a paired effect that never contradict its count of replications.

    ``words`` is "likely increases", "likely decreases", "may not change", "no change"
    (equal in every replication), "mixed" (the mean moves one way while most replications
    do not) or "too few replications to tell"; ``note`` qualifies a direction that the
    replications show clearly (a sign test) while the interval of the mean still
    includes zero: "size uncertain".
    """

    words: str
    note: str = ""

    def __str__(self) -> str:
        return f"{self.words} ({self.note})" if self.note else self.words

    @property
    def direction(self) -> int:
        return {"likely increases": 1, "likely decreases": -1}.get(self.words, 0)


def counts(e: dict, higher_is_better: bool | None = True) -> tuple[int, int, int] | None:
    """(replications where the alternative is higher, lower, pairs) of a paired effect."""
    n = int(e.get("n") or 0)
    eq = round(float(e["share_equal"]) * n) if finite(e.get("share_equal")) else 0
    if higher_is_better is None:
        if not finite(e.get("share_higher")):
            return None
        up = round(float(e["share_higher"]) * n)
    else:
        if not finite(e.get("share_better")):
            return None
        better = round(float(e["share_better"]) * n)
        up = better if higher_is_better else n - better - eq
    return up, n - up - eq, n


def verdict(e: dict | None, higher_is_better: bool | None = True) -> Verdict:
    """The verdict on a paired effect (``value``, ``low``, ``high``, ``n`` and the shares of
    replications better and equal, as :func:`careersim.core.stats.paired_difference` gives
    them), from its interval and its count together:

    * equal in every pair: no change;
    * fewer than :data:`MIN_REPLICATIONS` pairs: too few to tell;
    * the interval excludes zero: likely increases or decreases, unless most pairs do
      not move that way ("mixed");
    * the interval includes zero: may not change, unless the pairs move one way so
      consistently that a two-sided sign test rejects no change at 5% (say 6 of 6):
      then the direction, with its size uncertain; when most pairs (three in four) move
      one way without that, "may not change" says so and that they are too few to be sure.
    """
    e = e or {}
    n = int(e.get("n") or 0)
    c = counts(e, higher_is_better)
    if c is not None and n > 0 and c[0] == 0 and c[1] == 0:
        return Verdict("no change")  # a fact about every pair, however few
    if n < MIN_REPLICATIONS:
        return Verdict("too few replications to tell")
    words = certainty(e.get("low"), e.get("high"), n)
    if c is None:
        return Verdict(words)
    up, down, _ = c
    if (words == "likely increases" and up <= down) or (words == "likely decreases" and down <= up):
        return Verdict("mixed", f"higher in {up} and lower in {down} of {n} replications")
    if words == "may not change" and sign_test(up, down) < 0.05:
        return Verdict("likely increases" if up > down else "likely decreases", "size uncertain")
    if words == "may not change" and max(up, down) >= 0.75 * (up + down):
        return Verdict(
            words, f"{'higher' if up > down else 'lower'} in {max(up, down)} of {n} replications, too few to be sure"
        )
    return Verdict(words)


def verb(words: str, *, subject_plural: bool = False) -> str:
    """Words of certainty as a verb phrase: 'likely increases', 'may not change'."""
    if subject_plural:
        return {"likely increases": "likely increase", "likely decreases": "likely decrease"}.get(words, words)
    return words


def comparative(words: str) -> str:
    """Words of certainty for a gap between two groups."""
    return {"likely increases": "is likely higher than", "likely decreases": "is likely lower than"}.get(
        words, "may not differ from"
    )


# ---------------------------------------------------------------------------
# claims
# ---------------------------------------------------------------------------


#: a claim's verdict (its statistic's interval against its threshold) as (symbol, words)
VERDICT_WORDS = {"holds": ("\u2714", "holds"), "fails": ("\u2716", "fails"), "undecided": ("?", "undecided")}


def claim_verdict(claim: dict | None) -> tuple[str, str]:
    """(symbol, words) for a claim's verdict: holds, fails or undecided, from its statistic's
    interval against its threshold. Results written before verdicts existed have only the share
    of replications in which the claim holds, and are described by that share."""
    if claim and claim.get("verdict") in VERDICT_WORDS:
        return VERDICT_WORDS[claim["verdict"]]
    if claim and "verdict" in claim:
        return ("\u2014", "not evaluated")
    if not claim or not finite(claim.get("share_holds")):
        return ("\u2014", "not evaluated")
    s = float(claim["share_holds"])
    if s >= 0.95:
        return ("\u2714", "holds in (nearly) every replication")
    if s >= 0.5:
        return ("\u2714?", "holds in most replications")
    if s > 0.05:
        return ("\u2716?", "holds in some replications")
    return ("\u2716", "does not hold")


def _join(items: list[str]) -> str:
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def claims_sentence(claims: dict | None, all_keys: Iterable[str]) -> str | None:
    claims = claims or {}
    if any("verdict" in (c or {}) for c in claims.values()):
        return _verdicts_sentence(claims, all_keys)
    most, some, never, absent = [], [], [], []
    for k in all_keys:
        c = claims.get(k)
        if not c or not finite(c.get("share_holds")):
            absent.append(k)
            continue
        s = float(c["share_holds"])
        (most if s >= 0.5 else some if s > 0.05 else never).append(k)
    parts = []
    if most:
        parts.append(f"{_join(most)} hold{'s' if len(most) == 1 else ''} in most replications")
    if some:
        parts.append(f"{_join(some)} hold{'s' if len(some) == 1 else ''} in only some")
    if never:
        parts.append(f"{_join(never)} do{'es' if len(never) == 1 else ''} not hold")
    if not parts:
        return "None of the essays' claims could be evaluated in this run." if absent else None
    text = "Of the essays' claims (see the claims table), " + _join(parts)
    if absent:
        text += f"; {_join(absent)} {'was' if len(absent) == 1 else 'were'} not evaluated here"
    return text + "."


def _verdicts_sentence(claims: dict, all_keys: Iterable[str]) -> str | None:
    groups: dict[str, list[str]] = {"holds": [], "fails": [], "undecided": [], None: []}
    for k in all_keys:
        groups[(claims.get(k) or {}).get("verdict")].append(k)
    parts = []
    for verdict, one, many in (
        ("holds", "holds", "hold"),
        ("fails", "fails", "fail"),
        ("undecided", "is undecided", "are undecided"),
    ):
        keys = groups[verdict]
        if keys:
            parts.append(f"{_join(keys)} {one if len(keys) == 1 else many}")
    if not parts:
        return "None of the essays' claims could be evaluated in this run." if groups[None] else None
    text = "Of the essays' claims (see the claims table, judged on their statistics' 95% intervals), " + _join(parts)
    if groups[None]:
        text += f"; {_join(groups[None])} {'was' if len(groups[None]) == 1 else 'were'} not evaluated here"
    return text + "."


# ---------------------------------------------------------------------------
# a single run
# ---------------------------------------------------------------------------


def _col(reps, name) -> np.ndarray:
    if reps is None or name not in getattr(reps, "columns", []):
        return np.array([], dtype=float)
    return np.asarray(reps[name], dtype=float)


def track_gap_sentence(by_track: dict, reps, window_text: str) -> str | None:
    """Which intended starting track has the highest lead chance, and whether it is clearly higher."""
    vals = {tr: (by_track.get(tr) or {}).get("value") for tr in TRACK_LABEL}
    vals = {k: float(v) for k, v in vals.items() if finite(v)}
    if len(vals) < 2:
        return None
    order = sorted(vals, key=lambda k: -vals[k])
    best, second = order[0], order[1]
    if vals[best] == vals[second]:
        tied = [TRACK_LABEL[k] for k in order if vals[k] == vals[best]]
        return (
            f"The chance of holding a lead role within {window_text} was the same, {pct(vals[best])}, for entrants "
            f"whose intended starting track was {_join(tied)}."
        )
    a, b = _col(reps, f"p_lead_{best}"), _col(reps, f"p_lead_{second}")
    if len(a) and len(a) == len(b):
        d = paired_difference(b, a)  # best minus second, paired by replication
    else:
        d = {"value": vals[best] - vals[second], "low": float("nan"), "high": float("nan"), "n": 0}
    words = certainty(d["low"], d["high"], d.get("n"))
    others = ", ".join(f"{pct(vals[k])} for {TRACK_LABEL[k]}" for k in order[1:])
    head = f"Entrants whose intended starting track was {TRACK_LABEL[best]} had the highest chance of holding a lead role within {window_text} ({pct(vals[best])}, against {others})"
    if words == "likely increases":
        return (
            f"{head}; this {comparative(words)} the next track, {TRACK_LABEL[second]} "
            f"(difference {points(d['value'])} percentage points, 95% interval {interval_text(d['low'], d['high'], 'share', True)})."
        )
    return (
        f"{head}, but it {comparative(words)} {TRACK_LABEL[second]}: the 95% interval of the difference, "
        f"{interval_text(d['low'], d['high'], 'share', True)}, includes zero."
    )


def run_findings(
    summary: dict, reps=None, window: float = 10.0, horizon: float = 20.0, claim_keys: Iterable[str] = ()
) -> list[str]:
    """3-6 plain-language sentences for one run, from summary.json (and per-replication values)."""
    out: list[str] = []
    oc = summary.get("outcomes") or {}
    n = int((summary.get("provenance") or {}).get("replications") or (len(reps) if reps is not None else 0))
    wtext = f"{num(window)} years of entry"
    p = oc.get("p_lead") or {}
    if finite(p.get("value")):
        out.append(
            f"Across {n} replication{'s' if n != 1 else ''}, {pct(p['value'])} of entrants held a lead role within {wtext} "
            f"(95% of replications: {interval_text(p.get('low'), p.get('high'), 'share')})."
        )
        s = track_gap_sentence(p.get("by_track") or {}, reps, f"{num(window)} years")
        if s:
            out.append(s)
    else:
        out.append(
            f"No entrant cohort is observed for the full {num(window)}-year window within the {num(horizon)}-year horizon, "
            f"so the chance of becoming a lead within {num(window)} years is not estimated; lengthen run.horizon or shorten run.claims_window."
        )
    ly = oc.get("lead_years_before_arrival_per_entrant") or {}
    sly = oc.get("safety_lead_years_before_arrival_per_entrant") or {}
    arr = _col(reps, "arrival_years")
    if finite(ly.get("value")):
        when = (
            f"the median of the {len(arr)} arrival{'s' if len(arr) != 1 else ''} drawn in this run: "
            f"{num(np.median(arr))} years after the start"
            if len(arr)
            else "drawn per replication"
        )
        out.append(
            f"Before transformative AI arrives ({when}), each entrant contributes on average {num(ly['value'])} lead-years "
            f"(95% of replications: {interval_text(ly.get('low'), ly.get('high'), 'years')}), "
            f"of which {num(sly.get('value'))} are safety-relevant; most of this range comes from uncertainty about when AI arrives."
        )
    att = {k: v for k, v in (oc.get("attrition") or {}).items() if finite((v or {}).get("value"))}
    if att:
        top = max(att, key=lambda k: att[k]["value"])
        total = sum(v["value"] for v in att.values())
        out.append(
            f"{pct(total)} of entrants left the field during the run; the most common reason was {EXIT_LABEL.get(top, top.replace('_', ' '))} "
            f"({pct(att[top]['value'])} of entrants; 95% of replications: {interval_text(att[top].get('low'), att[top].get('high'), 'share')})."
        )
    b = binding_sentence(summary.get("marginal_value"))
    if b:
        out.append(b)
    cs = claims_sentence(summary.get("claims"), claim_keys)
    if cs:
        out.append(cs)
    return out[:6]


def few_to_tell_binding(n: int, who: str = "") -> str:
    """What binds when too few paired replications ran to give an interval."""
    return (
        f"What binds{who}: too few paired replications to tell ({n}; an interval needs at least "
        f"{MIN_REPLICATIONS}: more replications, or --paired-claims)."
    )


def binding_sentence(marginal: dict | None, who: str = "") -> str | None:
    """What binds, measured: the resource whose raised capacity adds the most leads, beside the others."""
    if not marginal or not marginal.get("replications"):
        return None
    rows = [r for r in marginal.get("resources") or [] if r.get("status") == "measured"]
    if not rows:
        return None
    step = f"{100 * float(marginal['step']):g}%"
    n = int(marginal["replications"])
    who = f" under {who}" if who else ""
    if n < MIN_REPLICATIONS:
        return few_to_tell_binding(n, who)
    rows = sorted(rows, key=lambda r: -float(r["new_leads"]["value"]))

    def gain(r: dict) -> str:
        return f"{num(r['new_leads']['value'], True)} ({range_text(r['new_leads'], 'count', True)})"

    others = "; ".join(f"{r['label']} {gain(r)}" for r in rows[1:4])
    name = marginal.get("binding", "none")
    if name in (None, "none"):
        clear = [r for r in rows[1:] if float(r["new_leads"].get("low", math.nan)) > 0]
        if not clear:
            return (
                f"No resource clearly binds{who}: raising any one capacity by {step} on the same random numbers adds no "
                f"leads whose interval lies above zero (largest: {rows[0]['label']}, {gain(rows[0])} new leads; "
                f"{n} paired replications)."
            )
        return (
            f"No resource clearly binds{who}: raising one capacity by {step} on the same random numbers adds most "
            f"leads for {rows[0]['label']}, {gain(rows[0])}, an interval that includes zero, so which resource adds "
            f"most is not known; these add leads whose interval lies above zero: "
            + "; ".join(f"{r['label']} {gain(r)}" for r in clear[:3])
            + f" ({n} paired replications)."
        )
    top = next(r for r in rows if r["key"] == name)
    tied = {t["key"]: t for t in marginal.get("tied") or []}
    label = marginal.get("binding_label") or top["label"]
    if tied:
        apart = "; ".join(
            f"{r['label']} (adds {gain(r)}; {num(tied[r['key']]['difference']['value'])} fewer, "
            f"difference {range_text(tied[r['key']]['difference'], 'count', True)})"
            for r in rows
            if r["key"] in tied
        )
        others = "; ".join([f"{r['label']} {gain(r)}" for r in rows[1:] if r["key"] not in tied][:3])
        return (
            f"What binds{who}: {label}. {step} more {top['label']} adds {gain(top)} new leads over the run "
            f"(paired replications: {n}); not told apart from it (the paired difference's interval includes zero): "
            f"{apart}" + (f"; {step} more of the next resources adds: {others}." if others else ".")
        )
    return (
        f"What binds{who}: {label}. Raising it by {step} adds {gain(top)} new leads over the run "
        f"(paired replications: {n}); {step} more of the next resources adds: {others}."
    )


def resource_label(key: str, marginal: dict | None = None) -> str:
    """The words for a resource key of the marginal values (or of the old bottleneck metrics)."""
    for r in (marginal or {}).get("resources") or []:
        if r.get("key") == key:
            return r["label"]
    return (
        LABELS.get(key)
        or RESOURCE_LABEL.get(key)
        or {"none": "none clearly", "not measured": "not measured"}.get(key, key.replace("_", " "))
    )


# ---------------------------------------------------------------------------
# comparisons
# ---------------------------------------------------------------------------


def effect_sentence(
    subject: str,
    outcome: str,
    eff: dict | None,
    unit: str,
    base_name: str,
    better: bool | None = True,
    unit_word: str = "",
) -> str | None:
    """'<subject> likely increases <outcome> by X compared with <base> (...)', worded by :func:`verdict`
    so the words and the count of replications agree."""
    if not eff or not finite(eff.get("value")):
        return None
    v = verdict(eff, better)
    n = int(eff.get("n") or 0)
    level = (
        f"from {value_text(eff.get('base_mean'), unit)} to {value_text(eff.get('alt_mean'), unit)}"
        if finite(eff.get("base_mean"))
        else ""
    )
    word = f" {unit_word}" if unit_word and unit != "share" else ""
    size = (
        points(abs(float(eff["value"])), False) + " percentage points"
        if unit == "share"
        else num(abs(float(eff["value"]))) + word
    )
    share = eff.get("share_better")
    k = (
        f"better in {int(round(float(share) * n))} of {n} paired replications"
        if finite(share) and better is not None
        else ""
    )
    interval = f"95% interval {interval_text(eff.get('low'), eff.get('high'), unit, True)}"
    lead = f"Compared with {base_name}, {subject}" if base_name else subject
    signed = f"{value_text(eff['value'], unit, signed=True)}{word}"
    if v.words == "too few replications to tell":
        return f"{lead}: too few paired replications ({n}) to tell how {outcome} changes (estimated {signed})."
    if v.words == "no change":
        return f"{lead} leaves {outcome} exactly as it is in all {n} paired replications."
    if v.words == "mixed":
        return f"{lead} changes {outcome} by {signed} on average ({interval}), but the change is mixed: {v.note}."
    if v.words == "may not change":
        tail = "; ".join(x for x in (level, k) if x)
        return (
            f"{lead} may not change {outcome}: the estimated change is {signed}, but its {interval} includes no change"
            + (f" ({tail})." if tail else ".")
        )
    if v.note:
        up, down, _ = counts(eff, better) or (0, 0, n)
        return (
            f"{lead} {v.words} {outcome} (higher in {up} and lower in {down} of {n} paired replications), by an "
            f"amount too varied to pin down: estimated {signed}, {interval}."
        )
    detail = "; ".join(x for x in (level, interval, k) if x)
    return f"{lead} {v.words} {outcome} by {size} ({detail})."


def who_loses(groups: list[dict]) -> tuple[str, dict] | None:
    """The group with the largest clear loss (an interval below zero): in lead chance for
    starting tracks and backgrounds, else in lead-years for the existing field; with its
    effect. None if no group clearly loses."""
    losses = []
    for g in groups:
        if g["kind"] not in ("track", "background"):
            continue
        e = g.get("p_lead") or {}
        if verdict(e).words == "likely decreases" and finite(e.get("value")):
            losses.append((float(e["value"]), g))
    if losses:
        _, g = min(losses, key=lambda t: t[0])
        return "p_lead", g
    for g in groups:
        e = g.get("lead_years") or {}
        if g["kind"] == "existing" and verdict(e).words == "likely decreases":
            return "lead_years", g
    return None


def group_sentence(groups: list[dict], alt: str) -> str | None:
    """Who gains and who loses: group effects on the lead chance whose intervals exclude zero."""
    gains, losses = [], []
    for g in groups:
        if g["kind"] not in ("track", "background"):
            continue
        e = g.get("p_lead") or {}
        w = verdict(e).words
        label = GROUP_LABEL.get(g["group"], g["group"])
        if w == "likely increases":
            gains.append((float(e["value"]), f"{label} ({points(e['value'])} points)"))
        elif w == "likely decreases":
            losses.append((float(e["value"]), f"{label} ({points(e['value'])} points)"))
    ly_loss = []
    for g in groups:
        e = g.get("lead_years") or {}
        if g["kind"] in ("track", "background", "existing") and verdict(e).words == "likely decreases":
            total = float(e["value"]) * float(g.get("n_base") or 0)
            ly_loss.append(
                f"{GROUP_LABEL.get(g['group'], g['group'])} ({num(e['value'], True)} lead-years per person, "
                f"{num(total, True)} in all)"
            )
    gains.sort(key=lambda t: -t[0])
    losses.sort(key=lambda t: t[0])
    if gains and (losses or ly_loss):
        lost = [t for _, t in losses] or ly_loss
        return (
            f"Under {alt}, the gains are not shared evenly: {_join([t for _, t in gains[:3]])} likely gain in lead chance, "
            f"while {_join(lost[:3])} likely lose, a sign of displacement in the competition for the same openings."
        )
    if gains:
        return f"Under {alt}, the lead chance likely rises for {_join([t for _, t in gains[:3]])}, and no starting track or background shows a loss whose interval excludes zero."
    if losses or ly_loss:
        return f"Under {alt}, {_join(([t for _, t in losses] or ly_loss)[:3])} likely lose, and no group shows a gain in lead chance whose interval excludes zero."
    return (
        f"Under {alt}, no starting track or background shows a change in lead chance whose 95% interval excludes zero."
    )


def exits_sentence(effects: dict, alt: str, base: str) -> str | None:
    clear = []
    for k, e in effects.items():
        if not k.startswith("exit_"):
            continue
        w = verdict(e, False).words
        if w in ("likely increases", "likely decreases"):
            clear.append((abs(float(e["value"])), k, e, w))
    if not clear:
        if any(k.startswith("exit_") for k in effects):
            return f"No reason for leaving the field changes under {alt} by more than its 95% interval allows."
        return None
    clear.sort(key=lambda t: -t[0])
    _, k, e, w = clear[0]
    reason = EXIT_LABEL.get(k[len("exit_") :], k)
    return (
        f"Under {alt}, exits from {reason} {w.replace('increases', 'increase').replace('decreases', 'decrease')} by "
        f"{points(abs(e['value']), False)} percentage points of entrants compared with {base} "
        f"(95% interval {interval_text(e['low'], e['high'], 'share', True)})."
    )


def by_leads_added(data: dict) -> list[int]:
    """The indices of ``data["comparisons"]``, the alternative adding the most leads first."""

    def added(i: int) -> float:
        v = ((data["comparisons"][i].get("effects") or {}).get("new_leads") or {}).get("value")
        return float(v) if finite(v) else -math.inf

    return sorted(range(len(data["comparisons"])), key=lambda i: (-added(i), i))


def comparison_findings(data: dict, views: list[dict]) -> list[str]:
    """Sentences for each alternative against the base, from comparison.json, the alternative
    adding the most leads first."""
    out: list[str] = []
    base = data["base"]
    window = _window_text(views[0])
    n_alts = len(data["comparisons"])
    for i in by_leads_added(data):
        comp, view = data["comparisons"][i], views[1 + i]
        alt = comp["alternative"]
        eff = comp["effects"]
        s = effect_sentence(
            alt, "the number of entrants who become leads", eff.get("new_leads"), "count", base, unit_word="leads"
        )
        if s:
            s2 = effect_sentence(
                "It",
                "safety-relevant lead-years before transformative AI arrives (whole field)",
                eff.get("field_safety_lead_years_before_arrival"),
                "years",
                "",
                unit_word="lead-years",
            )
            out.append(s + (" " + s2 if s2 else ""))
        if n_alts == 1:
            s = effect_sentence(
                alt, f"the chance that an entrant holds a lead role within {window}", eff.get("p_lead"), "share", base
            )
            if s:
                out.append(s)
        s = group_sentence(comp.get("groups") or [], alt)
        if s:
            out.append(s)
        if n_alts == 1:
            s = exits_sentence(eff, alt, base)
            if s:
                out.append(s)
            # what binds under the base is in the bottom line above the findings; here, under the alternative
            b = binding_sentence(view["summary"].get("marginal_value"), alt)
            if b:
                out.append(b)
    return out


def _window_text(view: dict) -> str:

    w = get_path(view["scenario"], "run.claims_window")
    return f"{num(w)} years of entry" if isinstance(w, (int, float)) else "the claims window"
