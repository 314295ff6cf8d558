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
    """A model output comparable with a published figure. ``if_missed`` says which missing
    structure a target the calibrated model cannot reach points at."""

    name: str
    func: Callable[..., float]
    unit: str
    description: str
    options: dict[str, Any]
    option_help: dict[str, str]
    if_missed: str = ""

    def __call__(self, rep: Replication, horizon: float, options: Mapping[str, Any] | None = None) -> float:
        kwargs = {**self.options, **(options or {})}
        return float(self.func(rep, horizon, **kwargs))


STATISTICS: dict[str, Statistic] = {}


def statistic(
    name: str,
    unit: str,
    description: str,
    option_help: dict[str, str] | None = None,
    *,
    if_missed: str = "",
    **options: Any,
):
    """Register ``func(rep, horizon, **options) -> float`` as a statistic with default ``options``."""

    def register(func: Callable[..., float]) -> Callable[..., float]:
        STATISTICS[name] = Statistic(
            name,
            func,
            unit,
            " ".join(description.split()),
            dict(options),
            dict(option_help or {}),
            " ".join(if_missed.split()),
        )
        return func

    return register


def _in_window(ticks: np.ndarray, start: float, years: float) -> np.ndarray:
    """Whether each tick falls in the years [start, start + years) of the run (years=inf: to its end)."""
    y = np.asarray(ticks, dtype=float) / TICKS_PER_YEAR
    return (y >= start - 1e-9) & (y < start + years - 1e-9)


_WINDOW_HELP = {
    "start": "first year of the window, from time zero",
    "years": "length of the window in years (default: to the end of the run)",
}


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
    "phd_completion_share",
    "share",
    """Share of PhD starters who graduated within `years` of starting. Starters are
    agents admitted to a PhD during the run (an `admitted` event at or after time 0)
    early enough to be observed for `years`; the existing field's students are left out.
    Compare: Council of Graduate Schools' cumulative completion rates.""",
    {"years": "years after the PhD start"},
    if_missed="""PhD attrition and the spread of time to degree: who leaves a PhD, when, and how long
    those who finish take (funding windows, progress, wellbeing).""",
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
    "phd_attrition_share",
    "share",
    """Share of PhD starters who left their PhD without the degree within `years` of starting
    (any move out of the PhD other than graduating: leaving the field, a job, or funding that
    ran out). Starters as for `phd_completion_share`. Compare: the Council of Graduate Schools'
    cumulative attrition rates.""",
    {"years": "years after the PhD start"},
    if_missed="""when PhD students leave: early and late attrition hazards, burnout and the funding
    window.""",
    years=5.0,
)
def _phd_attrition_share(rep: Replication, horizon: float, years: float) -> float:
    s = _phd_spells(rep)
    ev = rep.events
    reason = ev["reason"].astype(str).to_numpy()
    left_phd = (ev["from_state"].astype(str).to_numpy() == "phd") & (reason != "graduated")
    left = ev.loc[left_phd, ["agent", "tick"]].merge(s[["start"]], left_on="agent", right_index=True)
    left = left[left["tick"] >= left["start"]].groupby("agent")["tick"].min()  # the first leaving after the start
    window = years * TICKS_PER_YEAR
    s = s[s["start"] <= horizon * TICKS_PER_YEAR - window + 1e-9]
    if len(s) == 0:
        return math.nan
    gone = left.reindex(s.index) - s["start"]
    return float((gone <= window + 1e-9).mean())


@statistic(
    "phd_median_years",
    "years",
    """Median time from PhD start to graduation (time in the doctoral programme, as the Survey
    of Earned Doctorates measures it: over completers only) among those who graduated in the
    years [`start`, `start + years`) of the run and whose PhD started during the run.
    The defaults count every graduate; a window that starts several years in avoids the
    bias towards short PhDs of graduates who started late in the run.""",
    dict(_WINDOW_HELP, start="first year of the graduation window, from time zero"),
    if_missed="""how long PhDs take: the funded length, progress towards the degree and
    extensions beyond the funding window.""",
    start=0.0,
    years=math.inf,
)
def _phd_median_years(rep: Replication, horizon: float, start: float, years: float) -> float:
    s = _phd_spells(rep).dropna()
    s = s[_in_window(s["graduated"].to_numpy(), start, years)]
    if len(s) == 0:
        return math.nan
    return float(np.median((s["graduated"] - s["start"]).to_numpy()) / TICKS_PER_YEAR)


@statistic(
    "phd_industry_share",
    "share",
    """Share of new PhD graduates (entrants and the existing field) whose next state is an
    industry contributor role. The engine's `phd.industry_share` sets this directly, so it
    is a sanity target. Uses the agent's contributor kind at the end of the run.""",
    if_missed="where graduates go: the choice between industry, post-docs and independent research.",
)
def _phd_industry_share(rep: Replication, horizon: float) -> float:
    ev = rep.events
    g = ev[(ev["reason"].astype(str) == "graduated") & (ev["from_state"].astype(str) == "phd")]
    if len(g) == 0:
        return math.nan
    kind = rep.agents["contributor_kind"].astype(str).to_numpy()[g["agent"].to_numpy()]
    return float(((g["to_state"].astype(str).to_numpy() == "contributor") & (kind == "industry")).mean())


def _decided(rep: Replication, start: float = 0.0, years: float = math.inf) -> pd.DataFrame:
    """Decided grant applications (funded, rejected or not funded for lack of money) submitted in the window."""
    apps = rep.institutions.get("grant_applications")
    if apps is None or len(apps) == 0:
        return pd.DataFrame(columns=["agent", "submit", "start", "decided", "outcome"])
    d = apps[apps["outcome"].astype(str).isin(("funded", "rejected", "no_money"))]
    return d[_in_window(d["submit"].to_numpy(float), start, years)]


@statistic(
    "grant_funded_share",
    "share",
    """Share of decided grant applications that were funded, among applications submitted in
    the years [`start`, `start + years`) of the run. Decided = funded, rejected or not funded
    for lack of money (`no_money`); withdrawn, abandoned and still-open applications are left
    out. With `count_no_money: false` lack-of-money decisions are left out as well. Every
    simulated application is an in-scope proposal that is reviewed in full, so this compares
    with a funder's acceptance rate *excluding* desk rejections.""",
    {"count_no_money": "count lack-of-money decisions as rejections (true) or leave them out (false)", **_WINDOW_HELP},
    if_missed="""how funders decide: the acceptance chance, what it depends on, desk rejections and
    how the budget limits awards.""",
    count_no_money=True,
    start=0.0,
    years=math.inf,
)
def _grant_funded_share(rep: Replication, horizon: float, count_no_money: bool, start: float, years: float) -> float:
    d = _decided(rep, start, years)
    if not count_no_money:
        d = d[d["outcome"].astype(str) != "no_money"]
    if len(d) == 0:
        return math.nan
    return float((d["outcome"].astype(str) == "funded").mean())


@statistic(
    "grant_decision_months",
    "months",
    """Time from submitting a grant application to its decision, in months (queue wait +
    review + decision delay), over decided applications submitted in the years [`start`,
    `start + years`) of the run: the quantile `q` (default the median), or the mean with
    `mean: true`. Applications join the queue and are decided at the grant office's monthly
    rounds, so a quantile moves in whole months (a decision at the next round is 1 month).""",
    {"q": "quantile between 0 and 1 (0.5: the median)", "mean": "use the mean instead of the quantile", **_WINDOW_HELP},
    if_missed="""the grant office: grantmaker time, how reviews queue, and whether decisions wait
    for rounds or come on a rolling basis.""",
    q=0.5,
    mean=False,
    start=0.0,
    years=math.inf,
)
def _grant_decision_months(rep: Replication, horizon: float, q: float, mean: bool, start: float, years: float) -> float:
    d = _decided(rep, start, years)
    if len(d) == 0:
        return math.nan
    delay = (d["decided"].to_numpy(float) - d["submit"].to_numpy(float)) / TICKS_PER_MONTH
    return float(np.mean(delay)) if mean else float(np.quantile(delay, q))


@statistic(
    "programme_acceptance_rate",
    "share",
    """Share of mentorship-programme applicants accepted, over the cohorts selected in the
    years [`start`, `start + years`) of the run: places filled (at most the places of each
    cohort) divided by applicants, counting the applicants from outside the simulated
    population (`programme.outside_applicants`), as published acceptance rates over all
    first-stage applicants do. With `insiders_only: true`: admitted / applicants among the
    simulated population only.""",
    {"insiders_only": "only count applicants from the simulated population", **_WINDOW_HELP},
    if_missed="how programmes select: places, applicants from outside the field and who applies.",
    insiders_only=False,
    start=0.0,
    years=math.inf,
)
def _programme_acceptance_rate(
    rep: Replication, horizon: float, insiders_only: bool, start: float, years: float
) -> float:
    p = rep.institutions.get("programme")
    if p is None or len(p) == 0:
        return math.nan
    p = p[_in_window(p["tick"].to_numpy(float), start, years)]
    if len(p) == 0:
        return math.nan
    if insiders_only:
        apps, acc = p["insiders"].sum(), p["admitted"].sum()
    else:
        apps = p["applicants"].sum()
        acc = np.minimum(p["places"].clip(lower=0), p["applicants"]).sum()
    return float(acc / apps) if apps > 0 else math.nan


@statistic(
    "programme_alumni_retention",
    "share",
    """Share of mentorship-programme alumni still in the field (not exited) `years` after
    their programme ended, among alumni observed that long (from the agents table's
    `programme_end_year`; a table without it falls back to the share of alumni who never
    exited during the run, a lower bound).""",
    {"years": "years after the programme ended"},
    if_missed="""what happens after a programme: collaborations, funding and jobs that keep alumni
    in the field, and who the programme selects.""",
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
    "field_growth",
    "per year",
    """Annualised growth of the number of people holding a research role (PhD student,
    independent researcher, contributor or lead) from year `start` to year `start + years`:
    (N(end) / N(start)) ** (1 / years) - 1, from the monthly time series.""",
    {"years": "length of the period", "start": "first year of the period"},
    if_missed="""the field's size and flows: entrants, exits and how fast organisations and funders
    grow.""",
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
    "summary",
    "as the metric",
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
