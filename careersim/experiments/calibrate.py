"""Calibration: fit scenario parameters to published statistics.

A *target* is a published statistic expressed as a model output: a
:data:`STATISTICS` entry (a function of one replication returning a float),
its options, a value, an uncertainty (``sd``, or a ``range`` read as a 95%
interval so ``sd = half-width / 1.96``) and its source. Targets live in a YAML
file (format: ``docs/calibration.md``; worked example:
``scenarios/calibration/targets.yaml``).

Method
------
* **Loss.** ``L(theta) = sum_k w_k * ((mean_k(theta) - value_k) / sd_k)^2``
  where ``mean_k`` is the mean of statistic ``k`` over ``R`` replications
  (weights default to 1; weight 0 makes a target report-only). A statistic
  that is undefined in every replication adds :data:`UNDEFINED_PENALTY`.
* **Noise.** Every candidate runs the *same* replications ``0..R-1`` with the
  *same* root seed (common random numbers), so two candidates differ only
  through their parameters and the loss is a deterministic function of them.
  The seed is an input, never a parameter of the fit.
* **Search space.** Each free parameter is mapped to ``[0, 1]`` between its
  bounds (logarithmically when the bounds are positive and span a factor of 10
  or more). Bounds come from the schema's range where it has one, else from
  the base value (a quarter to four times it), else from ``--bounds``.
* **Optimiser** (``method="nelder-mead"``, the default): the base point plus a
  scrambled Sobol design (``scipy.stats.qmc.Sobol``, seeded) over the box, then
  Nelder-Mead (``scipy.optimize.minimize``, box-bounded) from the best design
  point until the evaluation budget is spent. ``method="differential-evolution"``
  uses ``scipy.optimize.differential_evolution`` (seeded, no polishing) instead.
  The budget counts candidate evaluations, each of ``R`` replications.
* **Uncertainty of fitted values.** Treating ``L`` as a chi-square (targets'
  errors independent and normal), candidates with
  ``L <= L_min + chi2_{0.95}(p)`` form an approximate 95% confidence region;
  each parameter's interval is its range over the *evaluated* candidates in that
  region (coarse: no finer than the points the search visited). ``sd`` is the
  spread of evaluated candidates weighted by ``exp(-(L - L_min) / 2)``.
  (Press et al., *Numerical Recipes*, 3rd ed., section 15.6.)

Nothing here writes files except :func:`write_outputs`.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as _dt
import difflib
import hashlib
import io as _io
import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import ValidationError

from careersim.config.scenarios import ScenarioError, dump_scenario, load_scenario
from careersim.config.schema import Scenario, get_path, iter_parameters
from careersim.analysis.replication import Replication, simulate
from careersim.core.units import TICKS_PER_MONTH, TICKS_PER_YEAR, parse_quantity

__all__ = [
    "STATISTICS",
    "Statistic",
    "Target",
    "TargetsError",
    "FreeParameter",
    "Candidate",
    "Fit",
    "load_targets",
    "parse_targets",
    "free_parameters",
    "parse_bounds",
    "statistic_values",
    "Evaluator",
    "loss",
    "fit",
    "fit_json",
    "fitted_yaml",
    "report_html",
    "write_outputs",
]

#: loss added for a target whose statistic is undefined (NaN) in every replication
UNDEFINED_PENALTY = 1e4
#: methods :func:`fit` accepts
METHODS = ("nelder-mead", "differential-evolution")
#: states counted as "in the field" by ``field_growth`` (people holding a research role)
FIELD_STATES = ("phd", "independent", "contributor", "lead")
#: a range is read as a 95% interval: sd = half-width / 1.96
RANGE_Z = 1.959963984540054


# ---------------------------------------------------------------------------
# statistics: replication -> float
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Statistic:
    """A model output comparable with a published figure."""

    name: str
    func: Callable[..., float]
    unit: str
    description: str
    options: dict[str, Any]
    option_help: dict[str, str]

    def __call__(self, rep: Replication, horizon: float, options: Mapping[str, Any] | None = None) -> float:
        kwargs = {**self.options, **(options or {})}
        return float(self.func(rep, horizon, **kwargs))


STATISTICS: dict[str, Statistic] = {}


def statistic(name: str, unit: str, description: str, option_help: dict[str, str] | None = None, **options: Any):
    """Register ``func(rep, horizon, **options) -> float`` as a statistic with default ``options``."""

    def register(func: Callable[..., float]) -> Callable[..., float]:
        STATISTICS[name] = Statistic(name, func, unit, " ".join(description.split()), dict(options), dict(option_help or {}))
        return func

    return register


def _first_ticks(events: pd.DataFrame, mask: np.ndarray) -> pd.Series:
    """Each agent's first tick among the events selected by ``mask``."""
    ev = events.loc[mask, ["agent", "tick"]]
    return ev.groupby("agent")["tick"].min()


def _phd_spells(rep: Replication) -> pd.DataFrame:
    """Start and graduation ticks of PhDs started during the run (NaN: not graduated)."""
    ev = rep.events
    reason = ev["reason"].astype(str).to_numpy()
    start = _first_ticks(ev, (reason == "admitted") & (ev["tick"].to_numpy() >= 0))
    grad = _first_ticks(ev, (reason == "graduated") & (ev["from_state"].astype(str).to_numpy() == "phd"))
    out = pd.DataFrame({"start": start})
    out["graduated"] = grad.reindex(out.index)
    out.loc[out["graduated"] < out["start"], "graduated"] = np.nan
    return out


@statistic(
    "phd_completion_share", "share",
    """Share of PhD starters who graduated within `years` of starting. Starters are
    agents admitted to a PhD during the run (an `admitted` event at or after time 0)
    early enough to be observed for `years`; the existing field's students are left out.
    Compare: Council of Graduate Schools' cumulative completion rates.""",
    {"years": "years after the PhD start"},
    years=10.0,
)
def _phd_completion_share(rep: Replication, horizon: float, years: float) -> float:
    s = _phd_spells(rep)
    window = years * TICKS_PER_YEAR
    s = s[s["start"] <= horizon * TICKS_PER_YEAR - window + 1e-9]
    if len(s) == 0:
        return math.nan
    return float(((s["graduated"] - s["start"]) <= window + 1e-9).mean())


@statistic(
    "phd_median_years", "years",
    """Median time from PhD start to graduation among graduates whose start falls in
    the run (time in the doctoral programme, as the Survey of Earned Doctorates measures it).""",
)
def _phd_median_years(rep: Replication, horizon: float) -> float:
    s = _phd_spells(rep).dropna()
    if len(s) == 0:
        return math.nan
    return float(np.median((s["graduated"] - s["start"]).to_numpy()) / TICKS_PER_YEAR)


@statistic(
    "phd_industry_share", "share",
    """Share of new PhD graduates (entrants and the existing field) whose next state is an
    industry contributor role. The engine's `phd.industry_share` sets this directly, so it
    is a sanity target. Uses the agent's contributor kind at the end of the run.""",
)
def _phd_industry_share(rep: Replication, horizon: float) -> float:
    ev = rep.events
    g = ev[(ev["reason"].astype(str) == "graduated") & (ev["from_state"].astype(str) == "phd")]
    if len(g) == 0:
        return math.nan
    kind = rep.agents["contributor_kind"].astype(str).to_numpy()[g["agent"].to_numpy()]
    return float(((g["to_state"].astype(str).to_numpy() == "contributor") & (kind == "industry")).mean())


def _decided(rep: Replication) -> pd.DataFrame:
    apps = rep.institutions.get("grant_applications")
    if apps is None or len(apps) == 0:
        return pd.DataFrame(columns=["agent", "submit", "start", "decided", "outcome"])
    return apps[apps["outcome"].astype(str).isin(("funded", "rejected", "no_money"))]


@statistic(
    "grant_funded_share", "share",
    """Share of decided grant applications that were funded. Decided = funded, rejected
    or not funded for lack of money (`no_money`); withdrawn, abandoned and still-open
    applications are left out. With `count_no_money: false` lack-of-money decisions are
    left out as well.""",
    {"count_no_money": "count lack-of-money decisions as rejections (true) or leave them out (false)"},
    count_no_money=True,
)
def _grant_funded_share(rep: Replication, horizon: float, count_no_money: bool) -> float:
    d = _decided(rep)
    if not count_no_money:
        d = d[d["outcome"].astype(str) != "no_money"]
    if len(d) == 0:
        return math.nan
    return float((d["outcome"].astype(str) == "funded").mean())


@statistic(
    "grant_decision_months", "months",
    """Time from submitting a grant application to its decision, in months (queue wait +
    review + decision delay), over decided applications: the quantile `q` (default the
    median), or the mean with `mean: true`. Decisions fall on the grant process's rounds,
    so the median moves in steps; the mean is smoother to fit.""",
    {"q": "quantile between 0 and 1 (0.5: the median)", "mean": "use the mean instead of the quantile"},
    q=0.5,
    mean=False,
)
def _grant_decision_months(rep: Replication, horizon: float, q: float, mean: bool) -> float:
    d = _decided(rep)
    if len(d) == 0:
        return math.nan
    delay = (d["decided"].to_numpy(float) - d["submit"].to_numpy(float)) / TICKS_PER_MONTH
    return float(np.mean(delay)) if mean else float(np.quantile(delay, q))


@statistic(
    "programme_acceptance_rate", "share",
    """Share of mentorship-programme applicants accepted, over all cohorts: places filled
    (at most the places of each cohort) divided by applicants, counting the applicants
    from outside the simulated population (`programme.outside_applicants`), as published
    acceptance rates do. With `insiders_only: true`: admitted / applicants among the
    simulated population only.""",
    {"insiders_only": "only count applicants from the simulated population"},
    insiders_only=False,
)
def _programme_acceptance_rate(rep: Replication, horizon: float, insiders_only: bool) -> float:
    p = rep.institutions.get("programme")
    if p is None or len(p) == 0:
        return math.nan
    if insiders_only:
        apps, acc = p["insiders"].sum(), p["admitted"].sum()
    else:
        apps = p["applicants"].sum()
        acc = np.minimum(p["places"].clip(lower=0), p["applicants"]).sum()
    return float(acc / apps) if apps > 0 else math.nan


@statistic(
    "programme_alumni_retention", "share",
    """Share of mentorship-programme alumni still in the field (not exited) `years` after
    their programme ended, among alumni observed that long. Needs the agents table's
    `programme_end_year`; without it (the engine does not record it yet) the statistic
    falls back to the share of alumni who never exited during the run, a lower bound that
    is much lower than a one-year retention over a long horizon.""",
    {"years": "years after the programme ended"},
    years=1.0,
)
def _programme_alumni_retention(rep: Replication, horizon: float, years: float) -> float:
    a = rep.agents
    alumni = a[a["programme"].to_numpy(bool)]
    if "programme_end_year" in a.columns:
        end = alumni["programme_end_year"].to_numpy(float)
        ok = np.isfinite(end) & (end <= horizon - years + 1e-9)
        alumni, end = alumni[ok], end[ok]
        if len(alumni) == 0:
            return math.nan
        exit_year = alumni["exit_year"].to_numpy(float)
        return float(np.mean(~(exit_year <= end + years)))
    if len(alumni) == 0:
        return math.nan
    return float(np.mean(~np.isfinite(alumni["exit_year"].to_numpy(float))))


@statistic(
    "field_growth", "per year",
    """Annualised growth of the number of people holding a research role (PhD student,
    independent researcher, contributor or lead) from year `start` to year `start + years`:
    (N(end) / N(start)) ** (1 / years) - 1, from the monthly time series.""",
    {"years": "length of the period", "start": "first year of the period"},
    years=3.0,
    start=0.0,
)
def _field_growth(rep: Replication, horizon: float, years: float, start: float) -> float:
    ts = rep.timeseries
    cols = [f"n_{s}" for s in FIELD_STATES if f"n_{s}" in ts.columns]
    if not cols or years <= 0:
        return math.nan
    yr = ts["year"].to_numpy(float)
    total = ts[cols].sum(axis=1).to_numpy(float)

    def at(t: float) -> float:
        i = int(np.argmin(np.abs(yr - t)))
        return total[i] if abs(yr[i] - t) <= 1 / 12 + 1e-9 else math.nan

    n0, n1 = at(start), at(start + years)
    if not (n0 > 0 and np.isfinite(n1)):
        return math.nan
    return float((n1 / n0) ** (1.0 / years) - 1.0)


@statistic(
    "summary", "as the metric",
    """Any numeric entry of a replication's summary (see `careersim run`'s summary.json),
    named by `key`, e.g. `p_lead` or `exit_burnout`.""",
    {"key": "name of the summary metric"},
    key="",
)
def _summary(rep: Replication, horizon: float, key: str) -> float:
    value = rep.summary.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        return math.nan
    return float(value)


# ---------------------------------------------------------------------------
# targets
# ---------------------------------------------------------------------------


class TargetsError(ScenarioError):
    """Problems with a targets file, each ``FILE:LINE: where: what is wrong (expected ...)``."""


@dataclass(frozen=True)
class Target:
    """A published figure expressed as a model statistic."""

    name: str
    statistic: str
    options: dict[str, Any]
    value: float
    sd: float
    source: str
    range: tuple[float, float] | None = None
    weight: float = 1.0
    note: str = ""

    @property
    def label(self) -> str:
        return self.name

    def compute(self, rep: Replication, horizon: float) -> float:
        return STATISTICS[self.statistic](rep, horizon, self.options)


TARGET_KEYS = ("name", "statistic", "options", "value", "sd", "range", "source", "note", "weight")
TOP_KEYS = ("description", "targets")
MAX_TARGET_BYTES = 1_000_000


def _yaml_node_tree(text: str, shown: str) -> yaml.Node:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = " ".join(x for x in (exc.context, exc.problem) if x)
        raise TargetsError([f"{shown}:{line}: invalid YAML: {what} (expected valid YAML; check indentation, colons and quotes)"]) from None
    except yaml.YAMLError as exc:
        raise TargetsError([f"{shown}:1: invalid YAML: {exc} (expected valid YAML)"]) from None
    if node is None:
        raise TargetsError([f"{shown}:1: the file is empty (expected a mapping with a 'targets:' list)"])
    return node


class _Reader:
    """Plain values from composed YAML nodes (core tags only, no aliases), with lines."""

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.errors: list[str] = []
        self._scalar = yaml.SafeLoader("")
        self.count = 0

    def error(self, node: yaml.Node, where: str, message: str) -> None:
        prefix = f" {where}:" if where else ""
        self.errors.append(f"{self.shown}:{node.start_mark.line + 1}:{prefix} {message}")

    def value(self, node: yaml.Node, where: str) -> Any:
        self.count += 1
        if self.count > 10_000:
            raise TargetsError([f"{self.shown}:{node.start_mark.line + 1}: more than 10000 values (expected a short list of targets)"])
        if isinstance(node, yaml.ScalarNode):
            if not node.tag.startswith("tag:yaml.org,2002:") or node.tag.endswith((":binary", ":timestamp", ":set", ":omap", ":pairs")):
                self.error(node, where, f"unsupported YAML tag '{node.tag}' (expected plain numbers, text or true/false)")
                return None
            try:
                return self._scalar.construct_object(node)
            except (ValueError, yaml.YAMLError) as exc:
                self.error(node, where, f"cannot read the value ({exc}) (expected a plain number or text)")
                return None
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                self.error(node, where, f"unsupported YAML tag '{node.tag}' (expected a plain list)")
                return None
            return [self.value(v, f"{where}[{i}]") for i, v in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            if node.tag != "tag:yaml.org,2002:map":
                self.error(node, where, f"unsupported YAML tag '{node.tag}' (expected a plain mapping)")
                return None
            out: dict[str, Any] = {}
            for k, v in node.value:
                key = self.value(k, where)
                if not isinstance(key, (str, int, float, bool)) and key is not None:
                    self.error(k, where, "a key must be plain text (expected e.g. 'statistic:')")
                    continue
                if key in out:
                    self.error(k, f"{where}.{key}" if where else str(key), f"duplicate key '{key}' (expected each key once)")
                    continue
                out[key] = self.value(v, f"{where}.{key}" if where else str(key))
            return out
        return None  # pragma: no cover


def _entries(node: yaml.MappingNode) -> dict[Any, tuple[yaml.Node, yaml.Node]]:
    out: dict[Any, tuple[yaml.Node, yaml.Node]] = {}
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value not in out:
            out[k.value] = (k, v)
    return out


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(float(x))


def _unknown(key: str, allowed: Sequence[str]) -> str:
    near = difflib.get_close_matches(str(key), list(allowed), n=1, cutoff=0.6)
    hint = f"did you mean '{near[0]}'? " if near else ""
    return f"unknown key '{key}' ({hint}expected one of: {', '.join(allowed)})"


def parse_targets(text: str, shown: str = "<targets>") -> list[Target]:
    """Read targets from YAML text; raises :class:`TargetsError` with every located problem."""
    root = _yaml_node_tree(text, shown)
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise TargetsError([f"{shown}:{event.start_mark.line + 1}: YAML aliases (*name) are not allowed in a targets file (expected the values written out)"])
    reader = _Reader(shown)
    if not isinstance(root, yaml.MappingNode):
        raise TargetsError([f"{shown}:{root.start_mark.line + 1}: the top level is not a mapping (expected 'targets:' followed by a list of targets)"])
    top = _entries(root)
    errors: list[str] = []
    for key, (k_node, _) in top.items():
        if key not in TOP_KEYS:
            errors.append(f"{shown}:{k_node.start_mark.line + 1}: {_unknown(key, TOP_KEYS)}")
    if "targets" not in top:
        raise TargetsError(errors + [f"{shown}:{root.start_mark.line + 1}: missing 'targets:' (expected a list of targets, each with statistic, value, sd or range, and source)"])
    t_key, t_node = top["targets"]
    if not isinstance(t_node, yaml.SequenceNode) or not t_node.value:
        raise TargetsError(errors + [f"{shown}:{t_key.start_mark.line + 1}: targets: expected a non-empty list of targets (each item starting with '- statistic: ...')"])
    targets: list[Target] = []
    names: dict[str, int] = {}
    for i, item in enumerate(t_node.value):
        where = f"targets[{i}]"
        line = item.start_mark.line + 1
        if not isinstance(item, yaml.MappingNode):
            errors.append(f"{shown}:{line}: {where}: expected a mapping with statistic, value, sd or range, and source")
            continue
        data = reader.value(item, where)
        ent = _entries(item)

        def at(key: str) -> int:
            return (ent[key][1].start_mark.line + 1) if key in ent else line

        def bad(key: str, message: str) -> None:
            errors.append(f"{shown}:{at(key)}: {where}.{key}: {message}")

        for key in data or {}:
            if key not in TARGET_KEYS:
                errors.append(f"{shown}:{ent[key][0].start_mark.line + 1 if key in ent else line}: {where}: {_unknown(key, TARGET_KEYS)}")
        data = data or {}
        stat = data.get("statistic")
        ok = True
        if stat is None:
            errors.append(f"{shown}:{line}: {where}: missing 'statistic' (expected one of: {', '.join(STATISTICS)})")
            ok = False
        elif not isinstance(stat, str) or stat not in STATISTICS:
            near = difflib.get_close_matches(str(stat), list(STATISTICS), n=1)
            hint = f"did you mean '{near[0]}'? " if near else ""
            bad("statistic", f"unknown statistic {stat!r} ({hint}expected one of: {', '.join(STATISTICS)})")
            ok = False
        options = data.get("options", {}) or {}
        if not isinstance(options, dict):
            bad("options", f"got {options!r} (expected a mapping such as {{years: 10}})")
            options, ok = {}, False
        elif ok:
            spec = STATISTICS[stat]
            for key, value in options.items():
                if key not in spec.options:
                    allowed = ", ".join(spec.options) or "none"
                    near = difflib.get_close_matches(str(key), list(spec.options), n=1)
                    hint = f"did you mean '{near[0]}'? " if near else ""
                    bad("options", f"'{stat}' has no option '{key}' ({hint}expected: {allowed})")
                    ok = False
                    continue
                default = spec.options[key]
                if isinstance(default, bool):
                    if not isinstance(value, bool):
                        bad("options", f"{key}: got {value!r} (expected true or false)")
                        ok = False
                elif isinstance(default, (int, float)):
                    if not _number(value):
                        bad("options", f"{key}: got {value!r} (expected a number)")
                        ok = False
                    elif float(value) < 0 or (key == "q" and float(value) > 1):
                        bad("options", f"{key}: got {value!r} (expected {'a quantile between 0 and 1' if key == 'q' else 'a number of 0 or more'})")
                        ok = False
                elif isinstance(default, str) and not (isinstance(value, str) and value.strip()):
                    bad("options", f"{key}: got {value!r} (expected text)")
                    ok = False
            if stat == "summary" and ok and not str(options.get("key", "")).strip():
                bad("options" if "options" in ent else "statistic", "the 'summary' statistic needs options: {key: NAME} (expected e.g. {key: p_lead})")
                ok = False
        value, sd, rng = data.get("value"), data.get("sd"), data.get("range")
        lohi: tuple[float, float] | None = None
        if rng is not None:
            if not (isinstance(rng, list) and len(rng) == 2 and all(_number(x) for x in rng) and float(rng[0]) < float(rng[1])):
                bad("range", f"got {rng!r} (expected [low, high] with low < high, e.g. [0.05, 0.15])")
                ok = False
            else:
                lohi = (float(rng[0]), float(rng[1]))
        if sd is not None and rng is not None:
            bad("sd", "give either sd or range, not both (expected one uncertainty)")
            ok = False
        elif sd is None and rng is None:
            errors.append(f"{shown}:{line}: {where}: missing uncertainty (expected 'sd: NUMBER' or 'range: [low, high]')")
            ok = False
        elif sd is not None and not (_number(sd) and float(sd) > 0):
            bad("sd", f"got {sd!r} (expected a positive number)")
            ok = False
        if value is None:
            if lohi is None:
                if rng is None:
                    errors.append(f"{shown}:{line}: {where}: missing 'value' (expected the published figure, e.g. 'value: 0.65')")
                ok = False
            else:
                value = (lohi[0] + lohi[1]) / 2
        elif not _number(value):
            bad("value", f"got {value!r} (expected a finite number)")
            ok = False
        elif lohi is not None and not (lohi[0] <= float(value) <= lohi[1]):
            bad("value", f"{value!r} lies outside its range {list(lohi)} (expected low <= value <= high)")
            ok = False
        source = data.get("source")
        if not (isinstance(source, str) and source.strip()):
            if "source" in data:
                bad("source", f"got {source!r} (expected the citation as text)")
            else:
                errors.append(f"{shown}:{line}: {where}: missing 'source' (expected the citation of the published figure)")
            ok = False
        weight = data.get("weight", 1.0)
        if not (_number(weight) and float(weight) >= 0):
            bad("weight", f"got {weight!r} (expected a number of 0 or more; 0 reports the target without fitting it)")
            ok = False
        note = data.get("note", "")
        if not isinstance(note, str):
            bad("note", f"got {note!r} (expected text)")
            ok = False
        name = data.get("name")
        if name is not None and not (isinstance(name, str) and name.strip()):
            bad("name", f"got {name!r} (expected a short label)")
            ok = False
        if not ok:
            continue
        if name is None:
            name = stat + "".join(f" {k}={v}" for k, v in options.items())
        if name in names:
            bad("name" if "name" in ent else "statistic", f"duplicate target name '{name}' (first on line {names[name]}; expected distinct names; add 'name:')")
            continue
        names[name] = line
        sd_value = float(sd) if sd is not None else (lohi[1] - lohi[0]) / 2 / RANGE_Z
        targets.append(Target(name=name, statistic=stat, options=dict(options), value=float(value), sd=sd_value,
                              source=" ".join(source.split()), range=lohi, weight=float(weight), note=" ".join(note.split())))
    errors = reader.errors + errors
    if errors:
        raise TargetsError(sorted(dict.fromkeys(errors), key=_line_key))
    if not any(t.weight > 0 for t in targets):
        raise TargetsError([f"{shown}:{t_key.start_mark.line + 1}: targets: every target has weight 0 (expected at least one target to fit)"])
    return targets


def _line_key(message: str) -> tuple[str, int]:
    head, _, rest = message.partition(":")
    line = rest.split(":", 1)[0]
    return (head, int(line)) if line.isdigit() else (head, 0)


def load_targets(path: str | os.PathLike[str]) -> list[Target]:
    """Read and check a targets YAML file (see ``docs/calibration.md``)."""
    from careersim.config.scenarios import read_user_text

    text = read_user_text(Path(path), str(path), "a targets file such as scenarios/calibration/targets.yaml",
                          MAX_TARGET_BYTES, TargetsError)
    return parse_targets(text, str(path))


# ---------------------------------------------------------------------------
# free parameters
# ---------------------------------------------------------------------------

NUMERIC_KINDS = ("duration", "rate", "hours", "probability", "share", "count", "number")


@dataclass(frozen=True)
class FreeParameter:
    """A scenario parameter the fit may change, with its box and scale."""

    path: str
    lo: float
    hi: float
    log: bool
    kind: str
    unit: str
    base: float | None  # the base scenario's value (None: a distribution)
    base_text: str

    def value(self, u: float) -> float:
        """The parameter value at ``u`` in [0, 1]."""
        u = min(1.0, max(0.0, float(u)))
        if self.log:
            return float(math.exp(math.log(self.lo) + u * (math.log(self.hi) - math.log(self.lo))))
        return float(self.lo + u * (self.hi - self.lo))

    def unit_of(self, value: float) -> float:
        """``u`` in [0, 1] for a parameter value (clipped to the box)."""
        v = min(self.hi, max(self.lo, float(value)))
        if self.log:
            return (math.log(v) - math.log(self.lo)) / (math.log(self.hi) - math.log(self.lo))
        return (v - self.lo) / (self.hi - self.lo)


def parse_bounds(items: Iterable[str]) -> dict[str, tuple[float, float]]:
    """``['phd.duration=3:7', ...]`` (commas also separate) -> {path: (lo, hi)}; raw text values."""
    out: dict[str, tuple[Any, Any]] = {}
    for item in items:
        for part in str(item).split(","):
            part = part.strip()
            if not part:
                continue
            path, eq, rng = part.partition("=")
            lo, colon, hi = rng.partition(":")
            if not eq or not colon or not path.strip() or not lo.strip() or not hi.strip():
                raise ValueError(f"--bounds: got {part!r} (expected PATH=LOW:HIGH, e.g. phd.duration=3:7)")
            out[path.strip()] = (lo.strip(), hi.strip())
    return out  # type: ignore[return-value]


def _read_bound(text: Any, kind: str, path: str) -> float:
    if isinstance(text, (int, float)):
        return float(text)
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return float(parse_quantity(text, kind if kind in ("duration", "rate", "hours") else "number"))
    except ValueError as exc:
        raise ValueError(f"--bounds {path}: cannot read {text!r} ({exc})") from None


def free_parameters(base: Scenario, paths: Sequence[str], bounds: Mapping[str, tuple[Any, Any]] | None = None) -> list[FreeParameter]:
    """Check ``paths`` name numeric parameters and work out each one's box; raises ValueError."""
    bounds = dict(bounds or {})
    meta = {p: m for p, _, m in iter_parameters() if m.get("kind") in NUMERIC_KINDS}
    out: list[FreeParameter] = []
    problems: list[str] = []
    if not paths:
        raise ValueError("--params: no parameters given (expected e.g. --params phd.duration,programme.places)")
    if len(set(paths)) != len(paths):
        raise ValueError(f"--params: a parameter is named twice in {', '.join(paths)} (expected each once)")
    for path in bounds:
        if path not in paths:
            problems.append(f"--bounds: {path} is not among --params (expected bounds only for fitted parameters)")
    for path in paths:
        if path not in meta:
            near = difflib.get_close_matches(path, list(meta), n=1)
            hint = f"did you mean '{near[0]}'? " if near else ""
            problems.append(f"--params: '{path}' is not a numeric scenario parameter ({hint}see docs/parameters.md)")
            continue
        m = meta[path]
        kind = m["kind"]
        s_lo, s_hi = m.get("range", [None, None])
        lo_open = bool(m.get("lo_open"))
        current = get_path(base, path)
        base_value = float(current) if isinstance(current, (int, float)) else None
        base_text = f"{current:g}" if base_value is not None else current.describe() if hasattr(current, "describe") else str(current)
        if path in bounds:
            try:
                lo, hi = (_read_bound(x, kind, path) for x in bounds[path])
            except ValueError as exc:
                problems.append(str(exc))
                continue
        elif s_lo is not None and s_hi is not None:
            lo, hi = float(s_lo), float(s_hi)
        else:
            ref = base_value
            if ref is None and hasattr(current, "ppf"):
                ref = float(current.ppf(0.5))
            if not (ref is not None and ref > 0):
                problems.append(f"--params: {path} has no bounds in the schema and no positive base value to derive them from (expected --bounds {path}=LOW:HIGH)")
                continue
            lo, hi = ref / 4.0, ref * 4.0
            if s_lo is not None:
                lo = max(lo, float(s_lo))
            if s_hi is not None:
                hi = min(hi, float(s_hi))
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            problems.append(f"--bounds {path}: got {lo:g}:{hi:g} (expected LOW < HIGH)")
            continue
        bad_lo = s_lo is not None and (lo < s_lo or (lo_open and lo <= s_lo))
        bad_hi = s_hi is not None and hi > s_hi
        if bad_lo or bad_hi:
            rng = f"{'(' if lo_open else '['}{s_lo if s_lo is not None else '-inf'}, {s_hi if s_hi is not None else 'inf'}]"
            problems.append(f"--bounds {path}: {lo:g}:{hi:g} leaves the parameter's allowed range {rng} ({m.get('unit') or 'number'})")
            continue
        log = lo > 0 and hi / lo >= 10.0
        out.append(FreeParameter(path, float(lo), float(hi), log, kind, m.get("unit", ""), base_value, base_text))
    if problems:
        raise ValueError("\n".join(problems))
    return out


# ---------------------------------------------------------------------------
# evaluation
# ---------------------------------------------------------------------------


def _horizon(scenario: Scenario, rep: Replication) -> float:
    h = scenario.run.horizon
    if isinstance(h, (int, float)):
        return float(h)
    ts = rep.timeseries
    return float(ts["year"].iloc[-1] + 1 / 12) if len(ts) else math.nan


def statistic_values(rep: Replication, targets: Sequence[Target], horizon: float) -> np.ndarray:
    """Each target's statistic for one replication (NaN where undefined)."""
    out = np.empty(len(targets))
    for k, t in enumerate(targets):
        try:
            out[k] = t.compute(rep, horizon)
        except (ZeroDivisionError, FloatingPointError, KeyError, IndexError):
            out[k] = math.nan
    return out


def _job(blob: str, seed: int, rep: int, targets: tuple[Target, ...]) -> np.ndarray:
    scenario = Scenario.model_validate_json(blob)
    r = simulate(scenario, seed, rep)
    return statistic_values(r, targets, _horizon(scenario, r))


def _warm_up(base: Scenario) -> None:
    """Compile the engine in the parent so forked workers inherit it."""
    tiny = base.with_changes({
        "population.entrants_per_year": 5, "run.horizon": 0.25, "run.burn_in": 0.0,
        "initial.leads": 1, "initial.phd_students": 1, "initial.independents": 1, "initial.contributors": 1,
        "phd.advisors": 2,
    })
    simulate(tiny, 0, 0)


class Evaluator:
    """Runs candidates' replications with common random numbers, in parallel.

    Every candidate runs replications ``0..R-1`` of the root ``seed``; results
    are cached by parameter values. Use as a context manager to close the pool.
    """

    def __init__(self, base: Scenario, params: Sequence[FreeParameter], targets: Sequence[Target],
                 seed: int = 1, replications: int = 4, workers: int | None = None) -> None:
        if replications < 1:
            raise ValueError("replications must be at least 1")
        self.base, self.params, self.targets = base, list(params), tuple(targets)
        self.seed, self.replications = int(seed), int(replications)
        self.workers = max(1, int(workers if workers is not None else (os.cpu_count() or 1)))
        self.cache: dict[str, np.ndarray] = {}
        self.simulations = 0
        self._pool = None

    def __enter__(self) -> "Evaluator":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close(kill=exc[0] is not None)

    def close(self, kill: bool = False) -> None:
        """Shut the worker pool down; ``kill`` terminates workers still running (after an error or Ctrl-C)."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        procs = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=not kill, cancel_futures=True)
        if kill:
            for proc in procs:
                with contextlib.suppress(Exception):
                    proc.terminate()

    def scenario(self, values: Mapping[str, float]) -> Scenario:
        """The base scenario with ``values`` set (raises ValidationError if inconsistent)."""
        return self.base.with_changes(dict(values)) if values else self.base

    def _pool_(self):
        if self._pool is None:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            _warm_up(self.base)
            ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
        return self._pool

    def run(self, candidates: Sequence[Mapping[str, float] | None]) -> list[np.ndarray | None]:
        """(R x targets) statistic values per candidate; None for an invalid scenario.

        ``None`` as a candidate means the base scenario unchanged. Results are
        cached by the scenario's hash, so a candidate equal to the base (or to an
        earlier candidate) is not run again.
        """
        keys: list[str | None] = []
        todo: dict[str, str] = {}
        for cand in candidates:
            try:
                scen = self.base if cand is None else self.scenario(cand)
            except (ValidationError, ValueError):
                keys.append(None)
                continue
            key = scen.hash()
            keys.append(key)
            if key not in self.cache and key not in todo:
                todo[key] = scen.model_dump_json()
        jobs = [(key, rep) for key in todo for rep in range(self.replications)]
        results: dict[tuple[str, int], np.ndarray] = {}
        if jobs:
            if self.workers == 1 or len(jobs) == 1:
                for key, rep in jobs:
                    results[(key, rep)] = _job(todo[key], self.seed, rep, self.targets)
            else:
                pool = self._pool_()
                futs = {pool.submit(_job, todo[key], self.seed, rep, self.targets): (key, rep) for key, rep in jobs}
                for f, job in futs.items():
                    results[job] = f.result()
            self.simulations += len(jobs)
        for key in todo:
            self.cache[key] = np.vstack([results[(key, rep)] for rep in range(self.replications)])
        return [None if key is None else self.cache[key] for key in keys]


def loss(values: np.ndarray | None, targets: Sequence[Target]) -> float:
    """Weighted sum of squared standardised errors of the replication means (inf: invalid)."""
    if values is None:
        return math.inf
    values = np.atleast_2d(values)
    total = 0.0
    for k, t in enumerate(targets):
        if t.weight == 0:
            continue
        col = values[:, k]
        col = col[np.isfinite(col)]
        if col.size == 0:
            total += t.weight * UNDEFINED_PENALTY
            continue
        total += t.weight * ((float(col.mean()) - t.value) / t.sd) ** 2
    return float(total)


# ---------------------------------------------------------------------------
# the fit
# ---------------------------------------------------------------------------


@dataclass
class Candidate:
    """One evaluated point of the search."""

    index: int
    phase: str  # "base", "start", "design", "local" (Nelder-Mead) or "evolve" (differential evolution)
    u: tuple[float, ...] | None
    values: dict[str, float]
    stats: np.ndarray | None
    loss: float


@dataclass
class Fit:
    """The result of :func:`fit`."""

    base: Scenario
    fitted: Scenario
    targets: list[Target]
    params: list[FreeParameter]
    candidates: list[Candidate]
    before: Candidate
    best: Candidate
    seed: int
    replications: int
    budget: int
    method: str
    seconds: float
    simulations: int

    @property
    def loss_before(self) -> float:
        return self.before.loss

    @property
    def loss_after(self) -> float:
        return self.best.loss

    def uncertainty(self) -> dict[str, dict[str, float]]:
        """Per parameter: fitted value, weighted sd and 95% interval over evaluated candidates."""
        from scipy.stats import chi2

        ok = [c for c in self.candidates if c.u is not None and math.isfinite(c.loss)]
        if not ok:
            return {}
        lmin = min(c.loss for c in ok)
        cut = lmin + float(chi2.ppf(0.95, df=max(1, len(self.params))))
        w = np.array([math.exp(-(c.loss - lmin) / 2) for c in ok])
        out = {}
        for p in self.params:
            x = np.array([c.values[p.path] for c in ok])
            m = float(np.sum(w * x) / np.sum(w))
            sd = float(math.sqrt(max(0.0, np.sum(w * (x - m) ** 2) / np.sum(w))))
            region = [c.values[p.path] for c in ok if c.loss <= cut]
            out[p.path] = {
                "value": float(self.best.values[p.path]),
                "sd": sd,
                "low": float(min(region)),
                "high": float(max(region)),
                "n_in_region": len(region),
                "at_bound": bool(math.isclose(self.best.values[p.path], p.lo, rel_tol=1e-6, abs_tol=1e-12)
                                 or math.isclose(self.best.values[p.path], p.hi, rel_tol=1e-6, abs_tol=1e-12)),
            }
        return out


class _BudgetSpent(Exception):
    pass


def fit(
    base: Scenario,
    targets: Sequence[Target],
    params: Sequence[FreeParameter],
    *,
    replications: int = 4,
    seed: int = 1,
    budget: int = 40,
    workers: int | None = None,
    method: str = "nelder-mead",
    progress: Callable[[Candidate, Candidate, int], None] | None = None,
    evaluator: Evaluator | None = None,
) -> Fit:
    """Fit ``params`` of ``base`` to ``targets`` (see the module docstring for the method).

    ``budget`` is the number of candidate evaluations (each of ``replications``
    replications), including the base scenario. ``progress(candidate, best, budget)``
    is called after each evaluation.
    """
    if method not in METHODS:
        raise ValueError(f"method: got {method!r} (expected one of {', '.join(METHODS)})")
    p = len(params)
    if p == 0:
        raise ValueError("no parameters to fit")
    budget = int(budget)
    if budget < p + 3:
        raise ValueError(f"--budget {budget} is too small for {p} parameter(s) (expected at least {p + 3})")
    started = time.time()
    own = evaluator is None
    ev = evaluator or Evaluator(base, params, targets, seed, replications, workers)
    cands: list[Candidate] = []
    by_u: dict[tuple, Candidate] = {}

    def record(phase: str, u: tuple[float, ...] | None, values: dict[str, float], stats: np.ndarray | None) -> Candidate:
        c = Candidate(len(cands), phase, u, values, stats, loss(stats, targets))
        cands.append(c)
        if u is not None:
            by_u[u] = c
        if progress is not None:
            best = min(cands, key=lambda x: x.loss)
            progress(c, best, budget)
        return c

    def values_at(u: Sequence[float]) -> dict[str, float]:
        # 6 significant digits: the values fitted.yaml writes are exactly those evaluated
        return {q.path: float(f"{q.value(x):.6g}") for q, x in zip(params, u)}

    def evaluate_batch(us: Sequence[Sequence[float]], phase: str) -> list[Candidate]:
        keys = [tuple(float(round(min(1.0, max(0.0, x)), 12)) for x in u) for u in us]
        new = list(dict.fromkeys(k for k in keys if k not in by_u))
        room = budget - len(cands)
        new = new[: max(0, room)]
        if new:
            stats = ev.run([values_at(k) for k in new])
            for k, s in zip(new, stats):
                record(phase, k, values_at(k), s)
        return [by_u[k] for k in keys if k in by_u]

    failed = True
    try:
        before = record("base", None, {}, ev.run([None])[0])
        u0 = tuple(
            float(q.unit_of(q.base)) if q.base is not None
            else float(q.unit_of(float(get_path(base, q.path).ppf(0.5)))) if hasattr(get_path(base, q.path), "ppf")
            else 0.5
            for q in params
        )
        if method == "nelder-mead":
            _nelder_mead(evaluate_batch, u0, p, budget, seed, cands)
        else:
            _differential_evolution(evaluate_batch, u0, p, budget, seed, cands)
        failed = False
    finally:
        if own:
            ev.close(kill=failed)
    pool = [c for c in cands if c.u is not None and math.isfinite(c.loss)]
    if not pool:
        raise ValueError("every candidate scenario was invalid; check --params and --bounds")
    best = min(pool, key=lambda c: (c.loss, c.index))
    fitted = base.with_changes(best.values)
    fitted = fitted.model_copy(update={
        "name": f"{base.name}-fitted",
        "description": f"{base.name} with {', '.join(q.path for q in params)} fitted to published targets by careersim calibrate.",
    })
    return Fit(base=base, fitted=fitted, targets=list(targets), params=list(params), candidates=cands, before=before,
               best=best, seed=int(seed), replications=ev.replications, budget=budget, method=method,
               seconds=round(time.time() - started, 3), simulations=ev.simulations)


def _nelder_mead(evaluate_batch, u0: tuple[float, ...], p: int, budget: int, seed: int, cands: list) -> None:
    from scipy.optimize import minimize
    from scipy.stats import qmc

    remaining = budget - len(cands)
    n_design = min(remaining - (p + 1), max(2 * p + 2, remaining // 3))
    n_design = max(1, n_design)
    design = [u0]
    if n_design > 1:
        sob = qmc.Sobol(d=p, scramble=True, seed=np.random.default_rng([int(seed), 0xCA1]))
        pts = sob.random(1 << int(math.ceil(math.log2(n_design - 1))) if n_design > 2 else 2)[: n_design - 1]
        design += [tuple(float(x) for x in row) for row in pts]
    first = evaluate_batch([design[0]], "start")
    rest = evaluate_batch(design[1:], "design")
    done = first + rest
    start = min(done, key=lambda c: (c.loss, c.index))
    x0 = np.array(start.u, dtype=float)
    spacing = 0.5 / max(1.0, len(design) ** (1.0 / p))
    simplex = [x0]
    for i in range(p):
        e = x0.copy()
        e[i] = e[i] + spacing if e[i] + spacing <= 1.0 else e[i] - spacing
        simplex.append(e)

    def objective(u: np.ndarray) -> float:
        got = evaluate_batch([tuple(u)], "local")
        if not got:
            raise _BudgetSpent
        return got[0].loss

    with contextlib.suppress(_BudgetSpent):
        # evaluate the starting simplex as one parallel batch
        evaluate_batch([tuple(s) for s in simplex], "local")
        minimize(objective, x0, method="Nelder-Mead", bounds=[(0.0, 1.0)] * p,
                 options={"initial_simplex": np.array(simplex), "maxfev": 10 * budget, "xatol": 1e-3, "fatol": 1e-6})


def _differential_evolution(evaluate_batch, u0: tuple[float, ...], p: int, budget: int, seed: int, cands: list) -> None:
    from scipy.optimize import differential_evolution

    remaining = budget - len(cands)
    popsize = max(4, min(10, remaining // (3 * p)))
    n = popsize * p
    maxiter = max(0, remaining // n - 1)

    def batch_map(func, iterable):
        us = [tuple(float(x) for x in u) for u in iterable]
        got = {c.u: c.loss for c in evaluate_batch(us, "evolve")}
        keys = [tuple(float(round(min(1.0, max(0.0, x)), 12)) for x in u) for u in us]
        return [got.get(k, math.inf) for k in keys]

    differential_evolution(lambda u: 0.0, bounds=[(0.0, 1.0)] * p, seed=int(seed), popsize=popsize, maxiter=maxiter,
                           polish=False, init="sobol" if (n & (n - 1)) == 0 else "latinhypercube", x0=np.array(u0),
                           updating="deferred", workers=batch_map, tol=0.0)


# ---------------------------------------------------------------------------
# outputs
# ---------------------------------------------------------------------------


def _interval(values: np.ndarray) -> dict[str, Any]:
    from careersim.core.stats import mean_ci, summarise

    ci = mean_ci(values)
    sp = summarise(values)
    return {"mean": ci["value"], "mean_low": ci["low"], "mean_high": ci["high"], "se": ci["se"],
            "spread_low": sp["low"], "spread_high": sp["high"], "n": ci["n"]}


def _target_rows(fit_: Fit) -> list[dict[str, Any]]:
    rows = []
    for k, t in enumerate(fit_.targets):
        before = _interval(fit_.before.stats[:, k]) if fit_.before.stats is not None else None
        after = _interval(fit_.best.stats[:, k]) if fit_.best.stats is not None else None
        z = lambda iv: None if iv is None or not math.isfinite(iv["mean"]) else (iv["mean"] - t.value) / t.sd  # noqa: E731
        rows.append({
            "name": t.name, "statistic": t.statistic, "options": t.options, "unit": STATISTICS[t.statistic].unit,
            "value": t.value, "sd": t.sd, "range": list(t.range) if t.range else None, "weight": t.weight,
            "source": t.source, "note": t.note,
            "before": before, "after": after, "z_before": z(before), "z_after": z(after),
        })
    return rows


def _sha256_file(path: Path | None) -> str | None:
    if path is None or not Path(path).is_file():
        return None
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _clean(o: Any) -> Any:
    if isinstance(o, dict):
        return {str(k): _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    if isinstance(o, (np.floating, float)):
        return float(o) if math.isfinite(float(o)) else None
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.bool_):
        return bool(o)
    return o


def fit_json(fit_: Fit, *, targets_file: Path | None = None, base_ref: str | None = None,
             command: str | None = None) -> dict[str, Any]:
    """Everything about the fit as JSON-able data (NaN/inf become null)."""
    from careersim import __version__

    unc = fit_.uncertainty()
    params = []
    for q in fit_.params:
        u = unc.get(q.path, {})
        params.append({
            "path": q.path, "unit": q.unit, "kind": q.kind, "bounds": [q.lo, q.hi], "scale": "log" if q.log else "linear",
            "before": q.base if q.base is not None else q.base_text, "fitted": u.get("value"),
            "sd": u.get("sd"), "interval_95": [u.get("low"), u.get("high")], "candidates_in_region": u.get("n_in_region"),
            "at_bound": u.get("at_bound"),
        })
    history = []
    best = math.inf
    for c in fit_.candidates:
        best = min(best, c.loss)
        history.append({"evaluation": c.index, "phase": c.phase, "parameters": c.values, "loss": c.loss, "best_loss": best})
    import scipy

    return _clean({
        "provenance": {
            "careersim_version": __version__,
            "command": command if command is not None else " ".join(sys.argv),
            "date_utc": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
            "base_scenario": base_ref,
            "base_scenario_sha256": fit_.base.hash(),
            "fitted_scenario_sha256": fit_.fitted.hash(),
            "targets_file": str(targets_file) if targets_file else None,
            "targets_sha256": _sha256_file(targets_file),
            "seed": fit_.seed,
            "replications": fit_.replications,
            "budget": fit_.budget,
            "evaluations": len(fit_.candidates),
            "simulations": fit_.simulations,
            "method": fit_.method,
            "wall_seconds": fit_.seconds,
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "platform": f"{platform.system()} {platform.machine()}",
        },
        "method": {
            "loss": "sum over targets of weight * ((model mean - value) / sd)^2; range -> sd = half-width / 1.96",
            "common_random_numbers": f"every candidate runs replications 0..{fit_.replications - 1} of seed {fit_.seed}",
            "optimiser": fit_.method,
            "parameter_interval": "range over evaluated candidates with loss <= best + chi2_0.95(p); sd: spread weighted by exp(-(loss - best)/2)",
            "model_interval": "mean with a Student-t 95% interval over replications; spread: 2.5%-97.5% quantiles of replications",
        },
        "loss_before": fit_.loss_before,
        "loss_after": fit_.loss_after,
        "parameters": params,
        "targets": _target_rows(fit_),
        "history": history,
    })


def _yaml_number(x: float) -> str:
    return repr(float(f"{x:.6g}"))


def fitted_yaml(fit_: Fit, base_ref: str | None) -> str:
    """The fitted scenario: ``extends`` the base (``base_ref``) with the fitted values, or a full dump."""
    unc = fit_.uncertainty()
    head = [
        f"# careersim scenario '{fit_.fitted.name}': written by careersim calibrate.",
        f"# Fitted {', '.join(q.path for q in fit_.params)} to {sum(t.weight > 0 for t in fit_.targets)} published target(s);",
        f"# loss {fit_.loss_before:.4g} before, {fit_.loss_after:.4g} after (seed {fit_.seed}, {fit_.replications} replications).",
        "# See fit.json and report.html beside this file for the targets, sources and intervals.",
    ]
    if base_ref is None:
        return "\n".join(head) + "\n" + dump_scenario(fit_.fitted)
    nested: dict[str, Any] = {}
    for q in fit_.params:
        node = nested
        *parts, last = q.path.split(".")
        for part in parts:
            node = node.setdefault(part, {})
        node[last] = q.path
    lines = head + [f"extends: {json.dumps(base_ref)}", f"name: {json.dumps(fit_.fitted.name)}",
                    f"description: {json.dumps(fit_.fitted.description)}"]

    def emit(node: dict, indent: int) -> None:
        for key, val in node.items():
            if isinstance(val, dict):
                lines.append(" " * indent + f"{key}:")
                emit(val, indent + 2)
            else:
                q = next(x for x in fit_.params if x.path == val)
                u = unc.get(val, {})
                lines.append(" " * indent + f"{key}: {_yaml_number(fit_.best.values[val])}"
                             f"  # {q.unit or 'value'}; was {q.base_text}; 95% region {u.get('low', math.nan):.4g} to {u.get('high', math.nan):.4g}")

    emit(nested, 0)
    return "\n".join(lines) + "\n"


_REPORT = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Calibration: {{ name }}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;width:100%;margin:1em 0;font-size:.92em}
th,td{border-bottom:1px solid #ddd;padding:.35em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4} td.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.good{color:#1a7f37}.bad{color:#b3261e}.muted{color:#666;font-size:.9em}
img{max-width:100%}
</style></head><body>
<h1>Calibration of {{ base_name }}</h1>
<p>{{ n_fit }} target(s) fitted by changing {{ param_list }}. Loss (sum of squared standardised errors)
<b>{{ "%.3g"|format(loss_before) }}</b> before, <b>{{ "%.3g"|format(loss_after) }}</b> after
({{ evaluations }} candidates x {{ replications }} replications, seed {{ seed }}, common random numbers, {{ method }}).
A target is matched when its model mean lies within about 2 sd of the published value (|z| &lt; 2).</p>
<h2>Fitted parameters</h2>
<table><tr><th>parameter</th><th>before</th><th>fitted</th><th>95% region</th><th>sd</th><th>bounds</th></tr>
{% for p in params %}<tr><td><code>{{ p.path }}</code> <span class="muted">{{ p.unit }}</span>{% if p.at_bound %} <span class="bad">(at a bound)</span>{% endif %}</td>
<td class="n">{{ p.before_text }}</td><td class="n"><b>{{ p.fitted_text }}</b></td><td class="n">{{ p.interval_text }}</td>
<td class="n">{{ p.sd_text }}</td><td class="n">{{ p.bounds_text }}{% if p.scale == 'log' %} (log){% endif %}</td></tr>
{% endfor %}</table>
<h2>Targets</h2>
<table><tr><th>target</th><th>published</th><th>model before</th><th>model after</th><th>z after</th><th>source</th></tr>
{% for t in targets %}<tr><td><b>{{ t.name }}</b><br><span class="muted">{{ t.statistic }}{% if t.options %} {{ t.options_text }}{% endif %} ({{ t.unit }}){% if t.weight == 0 %}; report only{% elif t.weight != 1 %}; weight {{ t.weight }}{% endif %}</span></td>
<td class="n">{{ t.value_text }}</td><td class="n">{{ t.before_text }}</td><td class="n">{{ t.after_text }}</td>
<td class="n {{ t.z_class }}">{{ t.z_text }}</td><td>{{ t.source }}{% if t.note %}<br><span class="muted">{{ t.note }}</span>{% endif %}</td></tr>
{% endfor %}</table>
<p class="muted">Model cells: mean over replications [95% interval of the mean]. Published cells: value ± sd, or the range
(read as a 95% interval).</p>
<img alt="Standardised errors before and after the fit, and the loss over the search" src="data:image/png;base64,{{ png }}">
<h2>Caveats</h2>
<ul>
<li>Parameter regions come from the candidates the search evaluated; with a small budget they are coarse.</li>
<li>The loss counts only the published figures' uncertainty; the model's own noise at {{ replications }} replications is shown by the intervals.</li>
<li>Fitting a parameter makes it a fixed value; uncertainty drawn per replication in the base scenario is replaced for it.</li>
</ul>
<p class="muted">careersim {{ version }} · {{ date }} · base scenario sha256 {{ base_hash[:12] }} · fitted {{ fitted_hash[:12] }}</p>
</body></html>
"""


def _fmt(x: Any, unit: str = "") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    x = float(x)
    if unit == "share":
        return f"{100 * x:.1f}%"
    return f"{x:.3g}"


def _figure(data: dict[str, Any]) -> str:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    rows = data["targets"]
    n = len(rows)
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 0.5 * n + 2.2), gridspec_kw={"width_ratios": [3, 2]})
    ax.axvspan(-1.96, 1.96, color="#e6f4ea", zorder=0, label="within 1.96 sd")
    ax.axvline(0, color="#888", lw=0.8)
    for i, r in enumerate(rows):
        for key, off, colour, label in (("before", 0.15, "#999999", "before"), ("after", -0.15, "#1f5fbf", "after")):
            iv = r[key]
            if not iv or iv["mean"] is None:
                continue
            lo = (iv["mean_low"] - r["value"]) / r["sd"] if iv["mean_low"] is not None else None
            hi = (iv["mean_high"] - r["value"]) / r["sd"] if iv["mean_high"] is not None else None
            z = (iv["mean"] - r["value"]) / r["sd"]
            err = [[z - lo], [hi - z]] if lo is not None and hi is not None else None
            ax.errorbar([z], [i + off], xerr=err, fmt="o", color=colour, ms=5, capsize=2, label=label if i == 0 else None)
    ax.set_yticks(range(n))
    ax.set_yticklabels([r["name"] + (" (report only)" if r["weight"] == 0 else "") for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("(model - published) / sd")
    ax.set_title("Targets: standardised error", fontsize=10)
    ax.legend(fontsize=7, loc="best")
    hist = data["history"]
    ev = [h["evaluation"] for h in hist]
    bx.plot(ev, [max(h["loss"] or np.nan, 1e-3) if h["loss"] is not None else np.nan for h in hist], ".", color="#bbb", label="candidate")
    bx.plot(ev, [max(h["best_loss"], 1e-3) if h["best_loss"] is not None else np.nan for h in hist], "-", color="#1f5fbf", label="best so far")
    bx.set_yscale("log")
    bx.set_xlabel("evaluation")
    bx.set_ylabel("loss")
    bx.set_title("Loss over the search", fontsize=10)
    bx.legend(fontsize=7)
    fig.tight_layout()
    buf = _io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def report_html(data: dict[str, Any], base_name: str) -> str:
    """A self-contained page from :func:`fit_json` data (jinja2, autoescaped)."""
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    tpl = env.from_string(_REPORT)

    def cell(iv: dict | None, unit: str) -> str:
        if not iv or iv.get("mean") is None:
            return "n/a"
        return f"{_fmt(iv['mean'], unit)} [{_fmt(iv['mean_low'], unit)}, {_fmt(iv['mean_high'], unit)}]"

    targets = []
    for r in data["targets"]:
        u = r["unit"]
        value = (f"{_fmt(r['value'], u)} ({_fmt(r['range'][0], u)} to {_fmt(r['range'][1], u)})" if r["range"]
                 else f"{_fmt(r['value'], u)} ± {_fmt(r['sd'], u)}")
        z = r["z_after"]
        targets.append({**r, "value_text": value, "before_text": cell(r["before"], u), "after_text": cell(r["after"], u),
                        "z_text": "n/a" if z is None else f"{z:+.2f}", "z_class": "" if z is None else ("good" if abs(z) < 2 else "bad"),
                        "options_text": ", ".join(f"{k}={v}" for k, v in r["options"].items())})
    params = []
    for p in data["parameters"]:
        lo, hi = p["interval_95"]
        params.append({**p, "before_text": _fmt(p["before"]) if isinstance(p["before"], (int, float)) else str(p["before"]),
                       "fitted_text": _fmt(p["fitted"]), "interval_text": f"{_fmt(lo)} to {_fmt(hi)}", "sd_text": _fmt(p["sd"]),
                       "bounds_text": f"{_fmt(p['bounds'][0])} to {_fmt(p['bounds'][1])}"})
    prov = data["provenance"]
    return tpl.render(
        name=base_name, base_name=base_name, n_fit=sum(1 for r in data["targets"] if r["weight"] > 0),
        param_list=", ".join(p["path"] for p in data["parameters"]), loss_before=data["loss_before"] if data["loss_before"] is not None else math.inf,
        loss_after=data["loss_after"] if data["loss_after"] is not None else math.inf, evaluations=prov["evaluations"],
        replications=prov["replications"], seed=prov["seed"], method=prov["method"], params=params, targets=targets,
        png=_figure(data), version=prov["careersim_version"], date=prov["date_utc"],
        base_hash=prov["base_scenario_sha256"], fitted_hash=prov["fitted_scenario_sha256"],
    )


def write_outputs(fit_: Fit, out_dir: Path, *, base_ref: str | None = None, targets_file: Path | None = None,
                  command: str | None = None) -> dict[str, Any]:
    """Write ``fitted.yaml``, ``fitted-full.yaml``, ``fit.json`` and ``report.html`` into ``out_dir``.

    ``base_ref`` is what ``fitted.yaml`` extends, relative to ``out_dir`` (or a
    shipped scenario name); the file is checked to load back to the fitted
    scenario, else it is written as a full dump. The caller makes the folder
    appear atomically (see :func:`careersim.config.scenarios.atomic_output`).
    """
    out_dir = Path(out_dir)
    data = fit_json(fit_, targets_file=targets_file, base_ref=base_ref, command=command)
    (out_dir / "fitted-full.yaml").write_text(dump_scenario(fit_.fitted), encoding="utf-8")
    text = fitted_yaml(fit_, base_ref)
    path = out_dir / "fitted.yaml"
    path.write_text(text, encoding="utf-8")
    if base_ref is not None:
        try:
            ok = load_scenario(path).hash() == fit_.fitted.hash()
        except ScenarioError:
            ok = False
        if not ok:
            path.write_text(fitted_yaml(fit_, None), encoding="utf-8")
            data["provenance"]["base_scenario"] = None
    (out_dir / "fit.json").write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    (out_dir / "report.html").write_text(report_html(data, fit_.base.name), encoding="utf-8")
    return data
