"""careersim benchmark: `make bench`.

For the baseline scaled to 10,000 and to 100,000 entrants (the whole field
scaled with it: existing field, advisors, openings, grant budget, reviewers
and programme places), prints seconds per replication, agent-years per second
(agent-years = the sum over researchers of years from entry to the horizon; and
counting only the years each is in the field, from entry to leaving or the horizon),
peak memory, and the bare SimPy `timeout` events per second measured in the
same process, so the ratio can be compared across machines.

Each size runs in a fresh subprocess (so peak memory is that size's own),
after one warm-up replication that compiles the monthly step.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

SIZES = (10_000, 100_000)
REPEATS = {10_000: 5, 100_000: 2}

SCALED = (
    "initial.leads",
    "initial.phd_students",
    "initial.independents",
    "initial.contributors",
    "phd.advisors",
    "positions.big_rfp",
    "positions.adjacent_org",
    "positions.academia",
    "positions.autonomy_role",
    "grants.budget",
    "grants.reviewers",
    "programme.places",
    "programme.outside_applicants",
)


def scaled_baseline(entrants: int, package: str = "careersim"):
    """The baseline with the whole field scaled so that ``entrants`` enter after any burn-in.
    ``package`` names the careersim package to build it with (``compare_versions.py`` loads
    another checkout's under another name; a path its schema lacks is left out)."""
    import importlib

    schema = importlib.import_module(f"{package}.config.schema")
    Streams = importlib.import_module(f"{package}.core.rng").Streams
    draw_parameters = importlib.import_module(f"{package}.engine.parameters").draw_parameters
    entrant_schedule = importlib.import_module(f"{package}.engine.population").entrant_schedule
    baseline, get_path = schema.baseline, schema.get_path

    base = baseline()
    values = draw_parameters(base, Streams(0))
    burn = int(round(values["run.burn_in"] * 48))  # entrants counted from time zero, after the burn-in
    n0 = int((entrant_schedule(values, burn + int(values["run.horizon"] * 48)) >= burn).sum())
    factor = entrants / n0
    changes = {"population.entrants_per_year": base.population.entrants_per_year * factor}
    for path in SCALED:
        try:
            changes[path] = float(get_path(base, path)) * factor
        except (AttributeError, KeyError):  # an older schema without this parameter
            continue
    return base.with_changes(changes)


def count_agent_years(a) -> tuple[float, float]:
    """A replication's agent-years from its agents table: years from entry to the horizon,
    and only the years each researcher is in the field (entry to leaving or the horizon)."""
    end = a["entry_year"] + a["years_observed"]  # the horizon
    in_field = (a["exit_year"].fillna(end).clip(upper=end) - a["entry_year"]).clip(lower=0)
    return float(a["years_observed"].sum()), float(in_field.sum())


def simpy_timeouts_per_second(n_proc: int = 1000, steps: int = 200) -> float:
    import simpy

    env = simpy.Environment()

    def proc(env):
        for _ in range(steps):
            yield env.timeout(1)

    for _ in range(n_proc):
        env.process(proc(env))
    t = time.perf_counter()
    env.run()
    return n_proc * steps / (time.perf_counter() - t)


def measure(entrants: int) -> dict:
    import careersim as cs
    from careersim.core.rng import Streams
    from careersim.engine.field import FieldModel
    from careersim.engine.parameters import draw_parameters

    sc = scaled_baseline(entrants)
    cs.simulate(sc, seed=0)  # warm-up: compile, load caches
    full, engine = [], []
    for rep in range(REPEATS[entrants]):
        t = time.perf_counter()
        r = cs.simulate(sc, seed=1, replication=rep)
        full.append(time.perf_counter() - t)
        streams = Streams(1, rep)
        values = draw_parameters(sc, streams)
        values["timelines.arrival"] = 7.0
        t = time.perf_counter()
        FieldModel(values, list(sc.interventions), streams).run()
        engine.append(time.perf_counter() - t)
    agent_years, in_field = count_agent_years(r.agents)
    a = r.agents
    full_s = sorted(full)[len(full) // 2]
    eng_s = sorted(engine)[len(engine) // 2]
    return {
        "entrants": int(a["entrant"].sum()),
        "researchers": int(len(a)),
        "agent_years": agent_years,
        "seconds_per_replication": full_s,
        "agent_years_per_second": agent_years / full_s,
        "agent_years_in_field": in_field,
        "in_field_agent_years_per_second": in_field / full_s,
        "engine_seconds": eng_s,
        "engine_agent_years_per_second": agent_years / eng_s,
        "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "simpy_timeouts_per_second": simpy_timeouts_per_second(),
    }


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        print(json.dumps(measure(int(sys.argv[2]))))
        return
    print("careersim benchmark (baseline, one core; medians)")
    print(
        f"{'entrants':>9} {'s/replication':>14} {'agent-yr/s':>12} {'in field':>12} {'engine only':>12} {'peak MB':>8} {'SimPy timeouts/s':>17} {'ratio':>7}"
    )
    for n in SIZES:
        out = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True, text=True, check=True)
        m = json.loads(out.stdout.strip().splitlines()[-1])
        ratio = m["agent_years_per_second"] / m["simpy_timeouts_per_second"]
        print(
            f"{m['entrants']:>9,} {m['seconds_per_replication']:>14.3f} {m['agent_years_per_second']:>12,.0f} "
            f"{m['in_field_agent_years_per_second']:>12,.0f} {m['engine_agent_years_per_second']:>12,.0f} {m['peak_memory_mb']:>8.0f} {m['simpy_timeouts_per_second']:>17,.0f} {ratio:>7.2f}"
        )
    print(
        "agent-yr/s: whole replication (engine, output tables, per-replication claims), counting years from"
        " entry to the horizon; in field: the same time, counting only years from entry to leaving the field;"
        " engine only: the SimPy field run without building tables (years to the horizon)."
    )
    print("ratio: agent-years per second / SimPy timeouts per second (machine-independent).")
    print("targets: >= 1,000,000 agent-years/s on one core at both sizes; <= 1 GB at 100,000 entrants.")


if __name__ == "__main__":
    main()
