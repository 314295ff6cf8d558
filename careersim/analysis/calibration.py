"""Model outputs comparable with published figures: the statistics calibration targets name.

Each :class:`Statistic` is a function of one replication (and the horizon)
returning a float, registered in :data:`STATISTICS` with its unit, description
and default options. A target (:class:`careersim.config.targets.Target`) names
one; :func:`target_value` computes it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from careersim.analysis.replication import Replication
from careersim.config.targets import Target
from careersim.core.clock import TICKS_PER_MONTH, TICKS_PER_YEAR

#: states counted as "in the field" by ``field_growth`` (people holding a research role)
FIELD_STATES = ("phd", "independent", "contributor", "lead")




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


def target_value(target: Target, rep: Replication, horizon: float) -> float:
    """The statistic ``target`` names, with its options, for one replication."""
    return STATISTICS[target.statistic](rep, horizon, target.options)
