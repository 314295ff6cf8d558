"""Benchmark of sweeps: a 1,000-point x 4-replication sweep of a 2,000-entrant field on 1 and 2 workers.

Target: the full sweep in at most 5 minutes on 2 cores, and at least 1.8x
speed-up from a second worker.

    python benchmarks/bench_sweep.py              # scaled down: 100 points, extrapolated to 1,000
    python benchmarks/bench_sweep.py --points 1000  # the full sweep (about 4,000 runs per worker count)

The field is the baseline with 100 entrants a year and no entrant growth
(2,000 entrants over 20 years, plus the existing field). The design is a
Latin hypercube over four parameters. The engine is compiled before timing
starts. Each worker count runs into its own fresh output folder, so the
timings include everything a real sweep does: planning, computing, and
committing chunks with fsync.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from careersim.experiments.sweep import PoolExecutor, SerialExecutor, load_sweep_file, read_results, run_sweep  # noqa: E402
from careersim.experiments.sweep.metrics import known_metrics  # noqa: E402

SWEEP = """\
# Question: how fast do sweeps run? (benchmark)
name: bench-sweep
base: baseline
fixed:
  population.entrants_per_year: 100
  population.entrant_growth: 0
factors:
  - {{path: learning.signal_gain, range: [0.03, 0.06]}}
  - {{path: positions.adjacent_org, range: [3, 12]}}
  - {{path: grants.base_acceptance, range: [0.3, 0.6]}}
  - {{path: independent.mentor_hours, range: [0, 1], role: lever}}
design: {{kind: lhs, points: {points}, seed: 1}}
replications: {replications}
seed: 1
outcomes: [p_lead, lead_years_before_arrival_per_entrant]
"""
FULL_POINTS = 1000


def _peak_mb() -> float:
    """Peak resident memory of this process (VmHWM on Linux)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    """CPU seconds used so far by this process and its finished children."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _engine_seconds(sweep, n: int) -> float:
    """Seconds per run of the engine alone, on the sweep's first points."""
    from careersim.analysis.replication import simulate
    from careersim.experiments.sweep import points_table

    points = points_table(sweep)
    scenarios = [sweep.scenario_at({f.path: points.iloc[i][f.path] for f in sweep.factors}) for i in range(n)]
    started = time.process_time()
    for i, scenario in enumerate(scenarios):
        simulate(scenario, sweep.seed, i % sweep.replications)
    return (time.process_time() - started) / n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--points", type=int, default=100, help="design points (default 100; 1000 is the full benchmark)"
    )
    parser.add_argument("--replications", type=int, default=4)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        tmp = Path(tmp)
        path = tmp / "bench.yaml"
        path.write_text(SWEEP.format(points=args.points, replications=args.replications))
        sweep = load_sweep_file(path)
        known_metrics()  # compile the engine before timing
        runs = args.points * args.replications
        scaled = args.points != FULL_POINTS
        print(
            f"Machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} before timing "
            "(other processes on the machine slow every timing below)"
        )
        print(
            f"Sweep: {args.points} points x {args.replications} replications = {runs} runs of a 2,000-entrant field"
            + (f" (SCALED DOWN from {FULL_POINTS} points; full-size times below are extrapolated)" if scaled else "")
        )
        engine = _engine_seconds(sweep, min(runs, 20))
        print(f"  engine alone (simulate in one process, {min(runs, 20)} runs): {engine:.3f} CPU-seconds per run")
        results: dict[int, float] = {}
        cpus: dict[int, float] = {}
        tables = {}
        for workers in args.workers:
            out = tmp / f"out-{workers}"
            executor = SerialExecutor() if workers == 1 else PoolExecutor(workers)
            cpu0 = _cpu()
            started = time.perf_counter()
            run = run_sweep(sweep, out, executor)
            seconds = time.perf_counter() - started
            cpu = _cpu() - cpu0
            assert run.done == runs and run.failed == 0, run
            results[workers] = seconds
            tables[workers] = read_results([out])
            full = seconds * FULL_POINTS / args.points
            cpus[workers] = cpu
            print(
                f"  {workers} worker(s): {seconds:7.1f} s wall, {runs / seconds:6.2f} runs/s, "
                f"{cpu / runs:.3f} CPU-seconds per run (all processes)"
                + (
                    f"; 1,000 points x {args.replications} would take about {full / 60:.1f} min (extrapolated)"
                    if scaled
                    else f" ({seconds / 60:.1f} min)"
                )
            )
        first = args.workers[0]
        for workers in args.workers[1:]:
            same = tables[workers].equals(tables[first])
            print(
                f"  speed-up {first} -> {workers} workers: {results[first] / results[workers]:.2f}x; identical tables: {same}"
            )
        if 2 in cpus:
            idle = cpus[2] / 2 * FULL_POINTS / args.points
            print(
                f"  on 2 otherwise idle cores the full sweep would take about {idle / 60:.1f} min "
                f"(CPU time of the 2-worker run / 2{', extrapolated' if scaled else ''}; "
                "load from other processes does not bias this estimate)"
            )
        if 2 in results:
            full2 = results[2] * FULL_POINTS / args.points
            print(
                f"  target: full sweep <= 5 min on 2 workers -> {'met' if full2 <= 300 else 'NOT met'} "
                f"({full2 / 60:.1f} min{' extrapolated' if scaled else ''})"
            )
        if 1 in results and 2 in results:
            print(f"  target: speed-up >= 1.8x -> {'met' if results[1] / results[2] >= 1.8 else 'NOT met'}")
        print(f"  load average after timing: {os.getloadavg()[0]:.1f}")
        print(f"  peak memory of the parent process: {_peak_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
