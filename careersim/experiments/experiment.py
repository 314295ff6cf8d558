"""Replications of a scenario, in parallel, and their summary over replications.

``run(scenario, replications, seed, workers)`` runs replications ``0..N-1``
of ``scenario`` with root ``seed``. Replication ``r`` draws from
``SeedSequence(seed, spawn_key=(r, stream))`` whatever process runs it, so the
results are identical for any number of workers. Workers return compact
results (the replication's metrics, its monthly time series, its survival
curves); the per-agent table either comes back in memory or, with
``spool_dir``, is written by the worker to one Parquet file per replication
(``part-000000.parquet``, ...): a folder named ``agents.parquet`` holding these
parts is a Parquet dataset that ``pandas.read_parquet`` reads whole.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from careersim import __version__
from careersim.analysis.claims import (
    CLAIM_TEXT,
    DEFINITIONS,
    SOURCES,
    VERDICT_RULE,
    ClaimResult,
    column,
    flatten,
    judge,
)
from careersim.analysis.groups import complete_groups, group_rows
from careersim.analysis.marginal import marginal_summary
from careersim.analysis.replication import outcomes, simulate
from careersim.analysis.summary import COMPLETION_YEARS
from careersim.config.scenarios import dump_scenario
from careersim.config.schema import Intervention, Scenario, get_path
from careersim.core.codes import STATE_NAMES, TRACKS
from careersim.core.files import command_line, jsonable, software, utc_now, write_json, write_text
from careersim.core.rng import Streams
from careersim.core.stats import cumulative_incidence, summarise
from careersim.engine.parameters import draw_parameters, uncertain_parameters
from careersim.engine.population import entrant_schedule
from careersim.experiments.marginal import STEP, marginal_runs, variants
from careersim.experiments.pool import Progress, run_tasks

CURVE_STEP = 0.25  # years between points of the stored survival curves


@dataclass
class RepResult:
    replication: int
    metrics: dict
    parameters: dict
    timeseries: pd.DataFrame
    curves: dict
    flows: pd.DataFrame
    agents: pd.DataFrame | None = None
    groups: pd.DataFrame | None = None  # lead chances and lead-years per group (compare.group_rows)


@dataclass
class Experiment:
    """Results of running a scenario's replications."""

    scenario: Scenario
    seed: int
    results: list[RepResult]
    provenance: dict
    spool_dir: Path | None = None
    marginal_step: float = STEP  # the step of the marginal-value runs (experiments.marginal)
    _agents: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def replications(self) -> pd.DataFrame:
        """One row per replication: drawn parameter values and outcome metrics."""
        rows = []
        for r in self.results:
            row = {"replication": r.replication}
            row.update({f"param.{k}": v for k, v in r.parameters.items()})
            row.update({k: v for k, v in r.metrics.items() if not isinstance(v, (dict, list))})
            rows.append(row)
        return pd.DataFrame(rows)

    @property
    def timeseries(self) -> pd.DataFrame:
        return pd.concat([r.timeseries.assign(replication=r.replication) for r in self.results], ignore_index=True)

    @property
    def agents(self) -> pd.DataFrame:
        if self._agents is None:
            if self.spool_dir is not None:
                parts = sorted(self.spool_dir.glob("part-*.parquet"))
                self._agents = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
            else:
                self._agents = pd.concat([r.agents for r in self.results if r.agents is not None], ignore_index=True)
        return self._agents

    def groups(self) -> pd.DataFrame:
        """Per replication and group of people: lead chance and lead-years (see :func:`careersim.experiments.compare.group_metrics`)."""
        return complete_groups(pd.concat([r.groups for r in self.results], ignore_index=True))

    def curves(self) -> dict:
        """Survival curves of time to lead by track: mean and 95% band over replications."""
        out = {}
        grid = self.results[0].curves["grid"]
        for tr in TRACKS:
            m = np.array([r.curves[tr] for r in self.results], dtype=float)
            out[tr] = {"grid": grid, **_band(m)}
        return out

    @property
    def summary(self) -> dict:
        return summary_json(self)


def _band(m: np.ndarray) -> dict[str, np.ndarray]:
    """Mean and 95% band over the rows of ``m``, column by column; NaN (without a warning) where
    no replication has a value, as for a track nobody starts on."""
    value, low, high = (np.full(m.shape[1:], np.nan) for _ in range(3))
    ok = np.isfinite(m).any(axis=0)
    if ok.any():
        value[ok] = np.nanmean(m[:, ok], axis=0)
        low[ok], high[ok] = np.nanquantile(m[:, ok], [0.025, 0.975], axis=0)
    return {"value": value, "low": low, "high": high}


def _worker(
    scenario_json: str,
    seed: int,
    rep: int,
    spool: str | None,
    keep_agents: bool,
    counterfactual: bool,
    provenance: dict | None,
    step: float = STEP,
) -> RepResult:
    scenario = Scenario.model_validate_json(scenario_json)
    return run_one(scenario, seed, rep, Path(spool) if spool else None, keep_agents, counterfactual, provenance, step)


def write_parquet(df: pd.DataFrame, path: Path, provenance: dict | None) -> None:
    """Write a table with careersim's provenance in the Parquet schema metadata."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    # one thread: a worker's table is small, and starting a thread pool for it costs more than it saves
    table = pa.Table.from_pandas(df, preserve_index=False, nthreads=1)
    # categories' codes at one width whatever their number, so the parts of one folder share a
    # schema and read as one dataset (pandas picks int8 codes for up to 127 categories, int16 above)
    for j, f in enumerate(table.schema):
        if pa.types.is_dictionary(f.type) and f.type.index_type != pa.int32():
            dtype = pa.dictionary(pa.int32(), f.type.value_type, f.type.ordered)
            table = table.set_column(j, pa.field(f.name, dtype, f.nullable, f.metadata), table.column(j).cast(dtype))
    if provenance:
        meta = {**(table.schema.metadata or {}), b"careersim_provenance": json.dumps(provenance).encode()}
        table = table.replace_schema_metadata(meta)
    # dictionary-encode only text columns: for numbers it costs time and usually space
    text = [
        f.name
        for f in table.schema
        if pa.types.is_dictionary(f.type) or pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
    ]
    pq.write_table(table, path, compression="zstd", use_dictionary=text)


def counterfactuals(scenario: Scenario) -> dict[str, Scenario]:
    """The paired variants the policy claims C6 and C8 compare against, and the one
    beside C7 (advisors assigned at random, so the advisor's effect is seen without the
    selection of the best applicants for the best advisors)."""

    q = scenario.phd.advisor_quality.mean()  # a mentor of typical advisor quality (C6)
    variants = {
        "mentor": Intervention(
            kind="custom",
            name="mentor independents (C6)",
            start=0.0,
            set={"independent.mentor_hours": 0.5, "independent.mentor_quality": float(q)},
        ),
        "B": Intervention(kind="multi_year_grants", name="multi-year grants (C8 B)", start=0.0),
        "C": Intervention(kind="agenda_agnostic_org", name="agenda-agnostic org (C8 C)", start=0.0),
    }
    out = {
        k: scenario.model_copy(update={"interventions": list(scenario.interventions) + [v]})
        for k, v in variants.items()
    }
    out["random_advisors"] = scenario.model_copy(
        update={"phd": scenario.phd.model_copy(update={"advisor_assignment": "random"})}
    )
    return out


def paired_policy_claims(scenario: Scenario, seed: int, rep: int, base: dict) -> dict:
    """Claims C6 and C8 for one replication, from paired counterfactual runs
    on the same random streams (common random numbers), and beside C7 its ratio when
    advisors are assigned at random (``claim_C7_part_ratio_random_assignment``, with the
    two quartiles' chances). C8's "grantmaker time binds" is read from
    ``base["binding_constraint"]``, the replication's causal binding constraint
    (:func:`careersim.experiments.marginal.marginal_runs`)."""

    # C7's counterfactual needs the claims (its ratio); the others only the summary
    cf = {
        k: simulate(sc, seed, rep).summary if k == "random_advisors" else outcomes(sc, seed, rep)
        for k, sc in counterfactuals(scenario).items()
    }
    m = cf["mentor"]
    gap = base["p_ready_phd"] - base["p_ready_independent"]
    closed = (m["p_ready_independent"] - base["p_ready_independent"]) / gap if gap > 0 else float("nan")
    c6 = ClaimResult(
        closed,
        None if closed != closed else bool(closed >= 1 / 3),
        {
            "ready_independent": base["p_ready_independent"],
            "ready_independent_mentored": m["p_ready_independent"],
            "ready_phd": base["p_ready_phd"],
            **{f"delta_p_lead_{tr}": m[f"p_lead_{tr}"] - base[f"p_lead_{tr}"] for tr in TRACKS},
            "delta_new_leads": m["new_leads"] - base["new_leads"],
        },
        DEFINITIONS["C6"],
    )
    b, c = cf["B"], cf["C"]
    d_fund = b["exit_funding_ran_out_independent"] - base["exit_funding_ran_out_independent"]
    d_leads_b = b["new_leads"] - base["new_leads"]
    d_leads_c = c["new_leads"] - base["new_leads"]
    grant_binds = base.get("binding_constraint") == "grantmaker_time"
    third = (d_leads_b > 0) == grant_binds
    c8 = ClaimResult(
        d_fund,
        bool(d_fund < 0 and d_leads_c > 0 and third),
        {
            "delta_funding_exits_B": d_fund,
            "delta_new_leads_B": d_leads_b,
            "delta_new_leads_C": d_leads_c,
            "grantmaker_time_binds": float(grant_binds),
        },
        DEFINITIONS["C8"],
    )
    out = flatten({"C6": c6, "C8": c8})
    r = cf["random_advisors"]
    out["claim_C7_part_ratio_random_assignment"] = r.get("claim_C7_stat", float("nan"))
    out["claim_C7_part_p_top_quartile_random_assignment"] = r.get("claim_C7_part_p_top_quartile", float("nan"))
    out["claim_C7_part_p_bottom_quartile_random_assignment"] = r.get("claim_C7_part_p_bottom_quartile", float("nan"))
    return out


def run_one(
    scenario: Scenario,
    seed: int,
    rep: int,
    spool: Path | None = None,
    keep_agents: bool = True,
    counterfactual: bool = False,
    provenance: dict | None = None,
    step: float = STEP,
) -> RepResult:
    """One replication; with ``counterfactual``, also its paired runs: the marginal value
    of each resource (raised by ``step``) and claims C6 and C8."""
    r = simulate(scenario, seed, rep)
    if counterfactual:
        r.summary.update(marginal_runs(scenario, seed, rep, r.summary, step, variants(scenario, step)))
        r.summary.update(paired_policy_claims(scenario, seed, rep, r.summary))
    agents = r.agents.assign(replication=rep)
    curves = _curves(agents, scenario)
    flows = _flows(r.events, agents)
    groups = group_rows(
        agents, _value_of(scenario, r.parameters, "run.horizon"), _value_of(scenario, r.parameters, "run.claims_window")
    )
    if spool is not None:
        write_parquet(agents, spool / f"part-{rep:06d}.parquet", provenance)
        agents = None
    elif not keep_agents:
        agents = None
    return RepResult(rep, r.summary, r.parameters, r.timeseries, curves, flows, agents, groups)


def _value_of(scenario: Scenario, drawn: dict, path: str) -> float:
    """A parameter's value in one replication: as drawn if uncertain, else the scenario's."""

    return float(drawn[path]) if path in drawn else float(get_path(scenario, path))


def _flows(events: pd.DataFrame, agents: pd.DataFrame) -> pd.DataFrame:
    """Entrants' moves between states, counted by (from, to)."""

    ent = agents["entrant"].to_numpy()
    a = events["agent"].to_numpy()
    f = events["from_state"].cat.codes.to_numpy()
    t = events["to_state"].cat.codes.to_numpy()
    keep = ent[a] & (f != STATE_NAMES.index("waiting"))
    n = len(STATE_NAMES)
    counts = np.bincount(f[keep].astype(np.int64) * n + t[keep], minlength=n * n)
    nz = np.flatnonzero(counts)
    return pd.DataFrame(
        {
            "from_state": [STATE_NAMES[k // n] for k in nz],
            "to_state": [STATE_NAMES[k % n] for k in nz],
            "count": counts[nz].astype(np.int64),
        }
    )


def _curves(agents: pd.DataFrame, scenario: Scenario) -> dict:

    horizon = float(scenario.run.horizon) if isinstance(scenario.run.horizon, (int, float)) else 20.0
    grid = np.arange(0.0, horizon + 1e-9, CURVE_STEP)
    ent = agents["entrant"].to_numpy().astype(bool)
    track = column(agents["track"])[ent]
    ytl_all, exit_all, entry_all, obs_all = (
        agents[c].to_numpy()[ent] for c in ("years_to_lead", "exit_year", "entry_year", "years_observed")
    )
    out: dict[str, Any] = {"grid": grid}
    for tr in TRACKS:
        m = track == tr
        if not m.any():
            out[tr] = np.full(len(grid), np.nan)
            continue
        ytl = ytl_all[m]
        led = np.isfinite(ytl)
        exit_after = exit_all[m] - entry_all[m]
        left = ~led & np.isfinite(exit_after)
        dur = np.where(led, ytl, np.where(left, exit_after, obs_all[m]))
        causes = np.where(led, 1, np.where(left, 2, 0))  # leaving the field is a competing risk
        table = cumulative_incidence(np.maximum(dur, 0.0), causes, 1, times=grid)
        out[tr] = table["cif"].to_numpy()  # share of entrants who became a lead by each grid time
    return out


#: replications that run the paired counterfactuals by default (see :func:`run`)
PAIRED = 10


def paired_count(replications: int, policy_claims: int | None = None) -> int:
    """How many replications run the paired counterfactuals."""
    return min(replications, PAIRED) if policy_claims is None else max(0, min(policy_claims, replications))


def run(
    scenario: Scenario,
    replications: int = 20,
    seed: int = 1,
    workers: int | None = None,
    progress: bool = False,
    spool_dir: Path | None = None,
    keep_agents: bool = True,
    policy_claims: int | None = None,
    marginal_step: float = STEP,
) -> Experiment:
    """Run ``replications`` replications; identical results for any ``workers``.

    The first ``policy_claims`` replications (default: up to :data:`PAIRED`; 0 skips
    them) also run their paired counterfactuals on the same random numbers: each
    scarce resource raised by ``marginal_step`` (its marginal value, and so the
    binding constraint; :mod:`careersim.experiments.marginal`), the policies
    behind claims C6 and C8, and C7 with advisors assigned at random.
    """
    n_cf = paired_count(replications, policy_claims)
    if replications < 1:
        raise ValueError("replications must be at least 1")
    started = time.time()
    prov = provenance(scenario, seed, replications)
    if spool_dir is not None:
        Path(spool_dir).mkdir(parents=True, exist_ok=True)
    blob = scenario.model_dump_json()
    spool = str(spool_dir) if spool_dir else None
    tasks = [(blob, seed, rep, spool, keep_agents, rep < n_cf, prov, marginal_step) for rep in range(replications)]
    with Progress(replications, "replications", enabled=progress) as bar:
        results = run_tasks(_worker, tasks, workers, progress=bar)
    prov = dict(prov)
    prov["wall_seconds"] = round(time.time() - started, 3)
    return Experiment(
        scenario=scenario, seed=seed, results=results, provenance=prov, spool_dir=spool_dir, marginal_step=marginal_step
    )


def provenance(scenario: Scenario, seed: int, replications: int) -> dict:
    """What a run's files record about how they were made (and, for a scenario drawing its
    parameters from a calibration's posterior, the posterior and its held-out coverage)."""
    out = {
        "careersim_version": __version__,
        "scenario_sha256": scenario.hash(),
        "seed": int(seed),
        "replications": int(replications),
        "date_utc": utc_now(),
        **software("simpy", "pandas"),
        "command": command_line(),
    }

    posterior = scenario.calibration.read()
    if posterior is not None:
        out.update(posterior.provenance())
    out["intervals_cover"] = intervals_cover(scenario, uncertain_parameters(scenario), posterior)
    return out


def intervals_cover(scenario: Scenario, uncertain: list[str], posterior=None) -> str:
    """One plain sentence: what a run's intervals cover and what they do not."""
    fitted = set(posterior.parameters) if posterior is not None else set()
    stated = [p for p in uncertain if p not in fitted and p != "timelines.arrival"]
    covers = ["chance", "the arrival of transformative AI" if hasattr(scenario.timelines.arrival, "ppf") else None]
    if fitted:
        covers.append(
            f"calibrated uncertainty about {len(fitted)} fitted parameter{'s' if len(fitted) != 1 else ''} "
            "(each replication draws them jointly from the calibration's posterior)"
        )
    if stated:
        covers.append(
            f"the stated uncertainty of {len(stated)} parameter{'s' if len(stated) != 1 else ''} given as distributions"
        )
    covers = [c for c in covers if c]
    text = ", ".join(covers[:-1]) + " and " + covers[-1] if len(covers) > 1 else covers[0]
    return (
        f"Intervals cover {text}; they do not cover uncertainty about the parameters fixed at their stated values, "
        "nor errors in the model's structure."
    )


def estimate_cost(scenario: Scenario, replications: int, policy_claims: int | None = None) -> tuple[float, float]:
    """Rough (CPU seconds, peak bytes) for a run, from the number of agent-years.

    Counts the replications plus the paired counterfactual runs (four for claims C6,
    C7 and C8 and one per scarce resource, each paired replication; those that build
    no tables still cost about 0.95 of a replication: 0.18 against 0.19 CPU seconds
    measured for the baseline); the fixed start-up and report time (about 3 seconds)
    is not included, as it does not shrink with more workers.
    """

    values = draw_parameters(scenario, Streams(0, 0))
    total = int(round((values["run.burn_in"] + values["run.horizon"]) * 48))
    entry = entrant_schedule(values, total)
    n_init = sum(values[f"initial.{k}"] for k in ("leads", "phd_students", "independents", "contributors"))
    agent_years = float(((total - entry) / 48).sum() + n_init * total / 48)
    paired = paired_count(replications, policy_claims)
    per_run = 0.037 + agent_years / 1_280_000.0  # fitted to run -n 200 of the baseline and of a third of it, 2 cores
    extra = 4 + len(variants(scenario))  # C6/C7/C8's four counterfactuals and one run per resource
    seconds = (replications + 0.95 * extra * paired) * per_run
    peak = 200e6 + (len(entry) + n_init) * 2_000.0
    return seconds, peak


def write_results(exp: Experiment, out_dir: Path) -> None:
    """Write a run's results into ``out_dir`` (which the caller makes atomic).

    Files: ``summary.json``, ``replications.parquet``, ``agents.parquet``
    (every replication, with a ``replication`` column), ``timeseries.parquet``,
    ``curves.parquet`` (share who became a lead by years since entry, by
    track), ``flows.parquet`` (moves between states), ``groups.parquet``
    (lead chance and lead-years per replication and group), ``scenario.yaml`` (the
    normalised scenario); the page is :func:`careersim.reporting.pages.render_run`. Every file carries provenance:
    the Parquet files in their schema metadata.
    """

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    def write(df: pd.DataFrame, name: str) -> None:
        write_parquet(df, out_dir / name, exp.provenance)

    write_json(out_dir / "summary.json", summary_json(exp), indent=2)
    write(exp.replications, "replications.parquet")
    write(exp.timeseries, "timeseries.parquet")
    curves = exp.curves()
    write(
        pd.concat(
            [
                pd.DataFrame({"track": tr, "years": c["grid"], "value": c["value"], "low": c["low"], "high": c["high"]})
                for tr, c in curves.items()
            ],
            ignore_index=True,
        ),
        "curves.parquet",
    )
    write(
        pd.concat([r.flows.assign(replication=r.replication) for r in exp.results], ignore_index=True), "flows.parquet"
    )
    write(exp.groups(), "groups.parquet")
    write_text(out_dir / "scenario.yaml", dump_scenario(exp.scenario))
    _write_agents(exp, out_dir / "agents.parquet")


def _write_agents(exp: Experiment, path: Path) -> None:
    """The per-agent table as a Parquet dataset folder, one part per replication.

    Parts the workers already wrote into ``path`` (the usual case from the
    command line) are kept as they are; otherwise they are written now.
    """
    path = Path(path)
    if exp.spool_dir is not None and Path(exp.spool_dir).resolve() == path.resolve():
        return
    path.mkdir(parents=True, exist_ok=True)
    for r in exp.results:
        if exp.spool_dir is not None:
            src = Path(exp.spool_dir) / f"part-{r.replication:06d}.parquet"
            if src.exists():
                src.replace(path / src.name)
        elif r.agents is not None:
            write_parquet(r.agents, path / f"part-{r.replication:06d}.parquet", exp.provenance)


# ---------------------------------------------------------------------------
def _iv(values) -> dict:
    """Mean and 95% interval over replications; ``n`` counts replications
    where the value is defined (a median not reached is undefined)."""
    s = summarise(np.asarray(values, dtype=float))
    return {"value": s["value"], "low": s["low"], "high": s["high"], "n": s["n"]}


def summary_json(exp: Experiment) -> dict:
    """The content of summary.json: outcomes over replications with 95% intervals."""
    reps = exp.replications
    sc = exp.scenario

    def col(name):
        return reps[name].to_numpy(dtype=float) if name in reps else np.full(len(reps), np.nan)

    outcomes: dict[str, Any] = {}
    outcomes["p_lead"] = {
        **_iv(col("p_lead")),
        "by_track": {tr: _iv(col(f"p_lead_{tr}")) for tr in TRACKS},
        "definition": f"share of entrants holding a lead role within {_num(sc.run.claims_window)} years of entry, among cohorts observed for that long",
    }
    outcomes["median_years_to_lead"] = {
        **_iv(col("median_years_to_lead")),
        "by_track": {tr: _iv(col(f"median_years_to_lead_{tr}")) for tr in TRACKS},
        "definition": "Kaplan-Meier median years from entry to a first lead role; researchers still in progress at the horizon, or who left, are censored; NaN where fewer than half become leads",
    }
    outcomes["lead_years_before_arrival_per_entrant"] = _iv(col("lead_years_before_arrival_per_entrant"))
    outcomes["safety_lead_years_before_arrival_per_entrant"] = _iv(col("safety_lead_years_before_arrival_per_entrant"))
    outcomes["field_lead_years_before_arrival"] = _iv(col("field_lead_years_before_arrival"))
    arrivals = col("arrival_years")
    outcomes["arrival_years"] = {
        **_iv(arrivals),
        "value": float(np.nanmedian(arrivals)) if np.isfinite(arrivals).any() else float("nan"),
        "definition": "median of the arrival drawn per replication, years after time zero (the "
        "distribution's tail is long, so not the mean); low and high: 2.5% and 97.5% "
        "of the draws",
    }
    outcomes["attrition"] = {
        r: _iv(col(f"exit_{r}")) for r in ("burnout", "funding_ran_out", "left_for_other_work", "no_lead_opening")
    }
    outcomes["phd_completion"] = {
        "by_year": {str(k): _iv(col(f"phd_completed_by_{k}")) for k in COMPLETION_YEARS},
        "median_years_to_degree": _iv(col("phd_median_years_to_degree")),
        "definition": "of those starting a PhD at or after time zero and at least 10 years before the horizon, the share "
        "graduated within each number of years of the start (the CGS Ph.D. Completion Project's cumulative "
        "completion rate), and their median time to degree among those graduating within 10 years",
    }
    outcomes["demand"] = {
        k: _iv(col(k))
        for k in (
            "positions_at_end",
            "openings_growth",
            "openings_replacement",
            "replacement_share",
            "outside_hires",
            "outside_share_of_hires",
            "outside_lead_years_before_arrival",
            "outside_safety_lead_years_before_arrival",
            "mentor_met_share",
            "mentor_hours_supplied_at_end",
            "mentor_hours_asked_at_end",
        )
    }
    outcomes["demand"]["definition"] = (
        "lead positions (capacity) at the horizon; openings over the run from growth of the sources' capacity and "
        "from replacement (a holder left or their role ended), and replacement's share; positions filled by outside "
        "applicants and their share of all filled; the outside leads' lead-years before the arrival; the share of "
        "the mentor hours asked of the leads that their time covered, and the weekly hours supplied and asked for "
        "in the last month"
    )
    resources = ("advisor_slots", "grantmaker_time", "money", "programme_places", "lead_openings")
    marginal = marginal_summary(reps, sc, exp.marginal_step)
    outcomes["binding_constraint"] = {
        "binding": marginal["binding"] if marginal["replications"] else "not measured",
        "share_of_replications": marginal["share_of_replications"],
        "replications": marginal["replications"],
        "measure": "marginal value: the resource whose raised capacity adds the most new leads (see marginal_value)",
        "utilisation": {r: _iv(col(f"util_{r}")) for r in resources if f"util_{r}" in reps},
        "excess_demand": {r: _iv(col(f"excess_{r}")) for r in resources if f"excess_{r}" in reps},
    }
    outcomes["field_safety_lead_years_before_arrival"] = _iv(col("field_safety_lead_years_before_arrival"))
    outcomes["new_leads"] = _iv(col("new_leads"))

    claims = {}
    for name in sorted(c for c in reps.columns if c.startswith("claim_") and c.endswith("_stat")):
        key = name[len("claim_") : -len("_stat")]
        holds = col(f"claim_{key}_holds")
        share = float(np.nanmean(holds)) if np.isfinite(holds).any() else float("nan")
        parts = sorted(c for c in reps.columns if c.startswith(f"claim_{key}_part_"))
        judged = judge(key, col)  # the verdict: intervals against thresholds, not a vote over replications
        claims[key] = {
            "claim": CLAIM_TEXT.get(key, ""),
            "source": SOURCES.get(key, ""),
            "statistic": {**_iv(col(name)), "definition": DEFINITIONS.get(key, "")},
            "verdict": judged["verdict"],
            "holds": {"holds": True, "fails": False}.get(judged["verdict"]),
            "conditions": judged["conditions"],
            "rule": VERDICT_RULE,
            "share_holds": share,
            "replications_judged": int(np.isfinite(holds).sum()),
            "parts": {c[len(f"claim_{key}_part_") :]: _iv(col(c)) for c in parts},
        }
    out = {
        "scenario": sc.name,
        "kind": sc.kind,
        "description": sc.description,
        "provenance": exp.provenance,
        "outcomes": outcomes,
        "marginal_value": marginal,
    }
    if claims:
        out["claims"] = claims
    return jsonable(out)


def _num(v):
    return v if isinstance(v, (int, float)) else v.describe()
