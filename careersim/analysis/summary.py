"""A replication's outcome metrics: lead chances, time to lead, lead-years, exits
and the use of each scarce resource (the flat ``summary`` dict)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from careersim.analysis.claims import as_columns, followed_for, select, share_within
from careersim.core.clock import TICKS_PER_YEAR
from careersim.core.codes import EXIT_NAMES, TRACKS
from careersim.core.stats import km_median
from careersim.engine.field import FieldModel


def summarise_replication(agents, ts, inst: dict, values: dict, model: FieldModel) -> dict:
    """The replication's outcome metrics; ``agents`` is the agents table or its :class:`Columns`,
    ``ts`` and ``inst`` the time series and institution tables or their columns."""
    horizon = values["run.horizon"]
    window = values["run.claims_window"]
    col = as_columns(agents)
    e = col.where("entrant")
    full = followed_for(e["entry_year"], horizon, window)  # cohorts observed for the whole window
    on_track = {tr: e["track"] == tr for tr in TRACKS}
    n_ent = len(e["entrant"])
    out: dict = {"arrival_years": model.arrival_years, "entrants": n_ent, "simpy_wakeups": model.wakeups}
    out["p_lead"] = share_within(e["years_to_lead"][full], window)
    for tr in TRACKS:
        out[f"p_lead_{tr}"] = share_within(e["years_to_lead"][full & on_track[tr]], window)
    for tr in TRACKS:
        out[f"p_ready_{tr}"] = share_within(e["years_to_ready"][full & on_track[tr]], window)
        m = on_track[tr]
        out[f"exit_funding_ran_out_{tr}"] = (
            float(np.mean(e["exit_reason"][m] == "funding_ran_out")) if m.any() else float("nan")
        )
    dur, obs = _time_to_lead(e["years_to_lead"], e["exit_year"], e["entry_year"], horizon)
    out["median_years_to_lead"] = km_median(dur, obs) if len(dur) else float("nan")
    for tr in TRACKS:
        m = on_track[tr]
        out[f"median_years_to_lead_{tr}"] = km_median(*select(m, dur, obs)) if m.any() else float("nan")
    n = max(1, n_ent)
    out["lead_years_before_arrival_per_entrant"] = float(e["lead_years_before_arrival"].sum() / n)
    out["safety_lead_years_before_arrival_per_entrant"] = float(e["safety_lead_years_before_arrival"].sum() / n)
    out["field_lead_years_before_arrival"] = float(col["lead_years_before_arrival"].sum())
    out["field_safety_lead_years_before_arrival"] = float(col["safety_lead_years_before_arrival"].sum())
    out["leads_at_end"] = int((col["final_state"] == "lead").sum())
    out["new_leads"] = int(np.isfinite(e["years_to_lead"]).sum())
    for reason in EXIT_NAMES[1:]:
        out[f"exit_{reason}"] = float(np.mean(e["exit_reason"] == reason)) if n_ent else float("nan")
    out.update(phd_completion(col["phd_start_year"], col["phd_end_year"], col["has_phd"], horizon))
    out.update(bottlenecks(ts, inst, values))
    out.update(demand_and_mentoring(ts, inst, model))
    return out


def demand_and_mentoring(ts, inst: dict, model: FieldModel) -> dict:
    """The field's demand for leads and its mentor time (M11): lead positions at the end,
    openings from growth and from replacement over the run (and replacement's share),
    positions filled by outside applicants (and their share of all filled), the outside
    leads' lead-years before the AI arrival (plain and safety-relevant), and the mentor
    time: the share of the hours asked for that the leads' time covered, over the run,
    and the hours a week supplied and asked for in the last month."""
    hi = inst["hiring"]
    out: dict = {}
    n = len(hi["tick"]) if "tick" in hi else 0
    growth = float(np.sum(hi["opened_growth"])) if n else 0.0
    repl = float(np.sum(hi["opened_replacement"])) if n else 0.0
    filled = float(np.sum(hi["filled"])) if n else 0.0
    outside = float(np.sum(hi["filled_outside"])) if n else 0.0
    out["positions_at_end"] = float(hi["positions"][-1]) if n else float("nan")
    out["openings_growth"] = growth
    out["openings_replacement"] = repl
    out["replacement_share"] = repl / (growth + repl) if growth + repl > 0 else float("nan")
    out["outside_hires"] = outside
    out["outside_share_of_hires"] = outside / filled if filled > 0 else float("nan")
    lead = model.hiring.outside_leads(model.T)
    pre = np.clip(np.minimum(lead["left"], model.arrival_tick) - lead["hired"], 0, None) / TICKS_PER_YEAR
    out["outside_lead_years_before_arrival"] = float(pre.sum())
    out["outside_safety_lead_years_before_arrival"] = float((pre * lead["impact_judgement"]).sum())
    asked = np.asarray(ts["mentor_hours_asked"], dtype=np.float64)
    given = np.asarray(ts["mentor_hours_given"], dtype=np.float64)
    out["mentor_met_share"] = float(given.sum() / asked.sum()) if asked.sum() > 0 else float("nan")
    out["mentor_hours_supplied_at_end"] = (
        float(np.asarray(ts["mentor_hours_supplied"])[-1]) if len(asked) else float("nan")
    )
    out["mentor_hours_asked_at_end"] = float(asked[-1]) if len(asked) else float("nan")
    return out


#: years since the PhD start at which the completion curve is read (CGS reports years 3-10)
COMPLETION_YEARS = tuple(range(1, 11))


def phd_completion(start: np.ndarray, end: np.ndarray, has_phd: np.ndarray, horizon: float) -> dict:
    """The PhD completion curve as the CGS Ph.D. Completion Project reads it, for one
    entering group followed throughout: of those who started a PhD at or after time zero
    and at least 10 years before the horizon, the share who graduated within ``k`` years
    of the start (``phd_completed_by_{k}``, for each k in :data:`COMPLETION_YEARS`), and
    their median time to degree among those who graduated within the 10 years
    (``phd_median_years_to_degree``). A graduate's PhD ended with the degree (``has_phd``);
    anyone else's ended by leaving. NaN when nobody started early enough."""
    start = np.asarray(start, float)
    years = np.asarray(end, float) - start
    last = COMPLETION_YEARS[-1]
    followed = np.isfinite(start) & (start >= 0.0) & (start <= horizon - last)
    graduated = np.asarray(has_phd, bool)[followed] & np.isfinite(years[followed])
    years = years[followed]
    out = {}
    for k in COMPLETION_YEARS:
        out[f"phd_completed_by_{k}"] = (
            float(np.mean(graduated & (years <= k + 1e-9))) if followed.any() else float("nan")
        )
    done = graduated & (years <= last + 1e-9)
    out["phd_median_years_to_degree"] = float(np.median(years[done])) if done.any() else float("nan")
    return out


def _time_to_lead(ytl: np.ndarray, exit_year: np.ndarray, entry_year: np.ndarray, horizon: float):
    observed = np.isfinite(ytl)
    exit_after = exit_year - entry_year
    censor = np.where(np.isfinite(exit_after), exit_after, horizon - entry_year)
    dur = np.where(observed, ytl, np.maximum(censor, 0.0))
    return dur, observed


def bottlenecks(ts, inst: dict, values: dict) -> dict:
    """Utilisation and excess demand of each scarce resource: how much of it is used and
    how much demand goes unserved.

    excess demand = unserved demand per unit of capacity, in each resource's own unit
    (applicants per advisor slot, queued applications per month of review capacity...),
    so levels compare only within a resource. Which resource *binds* is not read from
    these: it is measured causally, as the paired change in leads when one capacity
    alone is raised (:mod:`careersim.experiments.marginal`). ``ts`` and the tables in
    ``inst`` may be DataFrames or dicts of columns.
    """
    res: dict[str, dict] = {}

    def cols(table, *names: str) -> list[np.ndarray]:
        return [np.asarray(table[c], dtype=np.float64) for c in names]

    def rows(table) -> int:
        return len(table) if isinstance(table, pd.DataFrame) else len(next(iter(table.values()), ()))

    adm = inst["admissions"]
    if rows(adm):
        applicants, admitted, slots = cols(adm, "applicants", "admitted", "slots")
        used, avail = cols(ts, "advisor_slots_used", "advisor_slots")
        res["advisor_slots"] = {
            "utilisation": float(np.mean(used / np.maximum(avail, 1))),
            "excess_demand": float(np.mean((applicants - admitted) / np.maximum(slots, 1))),
        }
    gm = inst["grant_months"]
    if rows(gm):
        busy, queue, accepted, short, funded, budget = cols(
            gm, "reviewer_busy", "queue", "accepted", "money_short", "funded", "budget"
        )
        res["grantmaker_time"] = {
            "utilisation": float(np.mean(np.minimum(busy, 1))),
            "excess_demand": float(
                np.mean(
                    queue / max(1.0, values["grants.reviewers"] * 4 / (values["grants.review_time"] * TICKS_PER_YEAR))
                )
            ),
        }
        dec = accepted.sum() + short.sum()
        res["money"] = {
            "utilisation": float(np.mean(np.minimum(funded / np.maximum(budget, 1e-9), 1))),
            "excess_demand": float(short.sum() / dec) if dec else 0.0,
        }
    pr = inst["programme"]
    if rows(pr):
        filled, places, insiders, admitted = cols(pr, "filled", "places", "insiders", "admitted")
        res["programme_places"] = {
            "utilisation": float(np.mean(filled / np.maximum(places, 1))),
            "excess_demand": float(np.mean(np.maximum(insiders - admitted, 0) / np.maximum(places, 1))),
        }
    hi = inst["hiring"]
    if rows(hi):
        filled, vac, cand = cols(hi, "filled", "vacancies", "candidates")
        vac = np.maximum(vac, 1)
        res["lead_openings"] = {
            "utilisation": float(np.mean(filled / vac)),
            "excess_demand": float(np.mean(np.maximum(cand - filled, 0) / vac)),
        }
    out = {f"util_{k}": v["utilisation"] for k, v in res.items()}
    out.update({f"excess_{k}": v["excess_demand"] for k, v in res.items()})
    return out
