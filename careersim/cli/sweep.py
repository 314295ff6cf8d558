"""``careersim sweep``, ``careersim analyze`` and ``careersim replay``: parameter sweeps in batch."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import signal
import sys
from pathlib import Path

from careersim.cli.common import UserError, arg, command, positive_int, seed_number

EXIT_OK = 0
EXIT_FAILED_RUN = 1
EXIT_INTERRUPTED = 130


def _shard(text: str) -> tuple[int, int]:
    try:
        i, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r} (expected I/N such as 0/4: this process runs points whose index is I modulo N)") from None
    if n < 1 or not 0 <= i < n:
        raise argparse.ArgumentTypeError(f"got {text!r} (expected I/N with 0 <= I < N, such as 0/4)")
    return i, n



@contextlib.contextmanager
def _sigterm_as_interrupt():
    """Treat SIGTERM like Ctrl-C while a sweep runs, so finished runs are committed first."""
    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        old = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _minutes(seconds: float) -> str:
    if seconds < 1.5:
        return "1 second"
    if seconds < 90:
        return f"{round(seconds)} seconds"
    if seconds < 5400:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds / 3600:.1f} hours"


@command(
    "sweep",
    "Run a parameter sweep in batch (resumable; local workers or a Dask cluster).",
    example="careersim sweep scenarios/sweeps/mentorship-x-grant-length.yaml --workers 4 --out reports/sweeps/mentorship",
    description=(
        "Runs every (point, replication) of a sweep file and stores one row per run in the output folder: "
        "append-only Parquet chunks and a ledger of run keys. Rerunning the same command (or --resume) "
        "skips every run already stored, so an interrupted or killed sweep continues where it stopped. "
        "A run that fails is stored with its error and seed and does not stop the sweep; "
        "'careersim replay DIR KEY' reruns it alone. Results are identical for any number of workers, "
        "shards or a Dask cluster. Then: careersim analyze DIR."
    ),
    args=[
        arg("sweep", metavar="SWEEP.yaml", help="sweep file (see scenarios/sweeps/)"),
        arg("--workers", "-j", type=positive_int, default=None, metavar="K", help="local worker processes (default: all cores)"),
        arg("--scheduler", default=None, metavar="ADDRESS", help="run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786"),
        arg("--scheduler-timeout", type=float, default=30.0, metavar="S", help="seconds to wait for the Dask scheduler (default: 30)"),
        arg("--out", "-o", type=Path, default=None, metavar="DIR", help="output folder (default: reports/sweeps/<sweep name>/)"),
        arg("--resume", action="store_true", help="continue the sweep stored in --out (an error if there is none)"),
        arg("--shard", type=_shard, default=(0, 1), metavar="I/N", help="run only points whose index is I modulo N (default: 0/1, all)"),
        arg("--retry-failed", action="store_true", help="rerun runs that failed before (they are otherwise kept as failed)"),
        arg("--quiet", "-q", action="store_true", help="no progress bar; print only the output folder"),
        arg("--dry-run", action="store_true", help="check the sweep file and print the plan (points, runs, time) without running"),
        arg("--chunk-rows", type=positive_int, default=500, help=argparse.SUPPRESS),
        arg("--flush-seconds", type=float, default=2.0, help=argparse.SUPPRESS),
    ],
)
def sweep_command(args: argparse.Namespace) -> int:
    from careersim.experiments.sweep import StoreError, load_sweep_file, make_executor, point_count, run_sweep
    from careersim.config.sweeps import folder_name

    sweep = load_sweep_file(args.sweep)
    if args.workers is not None and args.scheduler:
        raise UserError("careersim sweep: give --workers or --scheduler, not both (--scheduler runs on the Dask cluster's workers)")
    out: Path = args.out if args.out is not None else Path("reports") / "sweeps" / folder_name(sweep.name)
    if args.resume and not (out / "manifest.json").exists():
        raise UserError(f"careersim sweep: --resume: {out} holds no sweep to resume; run without --resume to start it")
    n_points = point_count(sweep.design, sweep.factors)
    if args.dry_run:
        from careersim.experiments import experiment

        per_run, _ = experiment.estimate_cost(sweep.base, 1)
        runs = n_points * sweep.replications
        print(f"OK {args.sweep}: '{sweep.name}', {len(sweep.factors)} factors, {sweep.design.kind} design, "
              f"{n_points} points × {sweep.replications} replications = {runs} runs, "
              f"about {_minutes(per_run * runs)} on one core; results would go to {out}/")
        for f in sweep.factors:
            print(f"  {f.path} ({f.role}): {f.describe()}{' ' + f.unit if f.unit and f.levels is None else ''}")
        return EXIT_OK
    try:
        executor = make_executor(args.workers, args.scheduler, args.scheduler_timeout)
    except (OSError, TimeoutError) as exc:
        raise UserError(f"careersim sweep: cannot reach the Dask scheduler at {args.scheduler} ({exc}); "
                        "check the address and that 'dask scheduler' is running") from None

    def announce(run) -> None:
        if args.quiet:
            return
        todo = run.planned - run.skipped
        from careersim.experiments import experiment

        per_run, _ = experiment.estimate_cost(sweep.base, 1)
        wall = per_run * todo / max(1, getattr(executor, "workers", 1))
        shard = f" (shard {args.shard[0]}/{args.shard[1]}: {run.points} points)" if args.shard[1] > 1 else ""
        print(f"Sweep '{sweep.name}': {n_points} points{shard} × {sweep.replications} replications = {run.planned} runs; "
              f"{run.skipped} already stored, {todo} to run on {executor.description}"
              + (f", about {_minutes(wall)}." if todo else "."), file=sys.stderr)

    try:
        with _sigterm_as_interrupt():
            run = run_sweep(sweep, out, executor, shard=args.shard, resume=args.resume, retry_failed=args.retry_failed,
                            progress=not args.quiet, chunk_rows=args.chunk_rows, flush_seconds=args.flush_seconds,
                            on_start=announce)
    except StoreError as exc:
        executor.close()
        raise UserError(f"careersim sweep: {exc}") from None
    except KeyboardInterrupt:
        print(f"\ncareersim sweep: interrupted; every finished run is stored in {out}. "
              "Run the same command again to continue.", file=sys.stderr)
        return EXIT_INTERRUPTED
    if args.quiet:
        print(out)
        return EXIT_OK
    print(f"Stored {run.done} runs ({run.failed} failed) in {run.seconds:.1f} s; {run.skipped} were already stored.")
    if run.failed:
        print(f"Failed runs keep their error and seed: see 'careersim analyze {out}' or replay one with "
              f"'careersim replay {out} KEY'.")
    print(f"Results: {out}/  Next: careersim analyze {out}")
    return EXIT_OK


@command(
    "analyze",
    "Sensitivity analysis and report of a sweep's results.",
    example="careersim analyze reports/sweeps/sobol-baseline",
    description=(
        "Merges a sweep's stored runs (several folders are merged as shards of one sweep) and writes "
        "analysis.json and report.html: per outcome, sensitivity indices (Sobol' for a saltelli design, "
        "Morris for morris, given-data estimates otherwise), the split of variation between parameters "
        "and chance, and for yes/no outcomes the regions of the factors where they hold, in words."
    ),
    args=[
        arg("folders", nargs="+", metavar="DIR", help="sweep output folder(s) of one sweep"),
        arg("--out", "-o", type=Path, default=None, metavar="FILE", help="report file (default: DIR/report.html; analysis.json goes beside it)"),
        arg("--quiet", "-q", action="store_true", help="print only the report's path"),
    ],
)
def analyze_command(args: argparse.Namespace) -> int:
    from careersim.experiments.sweep import StoreError
    from careersim.reporting.sweep_page import write_analysis

    try:
        json_path, report, analysis = write_analysis(args.folders, args.out)
    except StoreError as exc:
        raise UserError(f"careersim analyze: {exc}") from None
    if args.quiet:
        print(report)
        return EXIT_OK
    runs = analysis["runs"]
    print(f"{runs['completed']} of {runs['expected']} runs ({runs['failed']} failed).")
    names = analysis.get("outcome_names") or {}
    for expr, e in analysis["outcomes"].items():
        print(f"\n{names.get(expr, expr)}: mean {_g(e.get('mean'))} over {e.get('runs')} runs ({e['method']})")
        key = {"sobol": "ST", "morris": "mu_star"}.get(e["method"], "S1")
        ranked = sorted(e["indices"], key=lambda r: -(r.get(key) if r.get(key) is not None else -1))
        for r in ranked:
            extra = f"  S1 {_g(r.get('S1'))}" if key == "ST" else ""
            print(f"  {r['label']:<40} {key} {_g(r.get(key))} ± {_g(r.get(key + '_conf'))}{extra}  [{r['role']}]")
        v = e.get("variance", {})
        if v.get("parameter_share") is not None:
            print(f"  variation: {v['parameter_share']:.0%} parameters, {v['chance_share']:.0%} chance")
        if e.get("regions"):
            print(f"  {e['regions']['text']}")
            for rule in e["regions"]["rules"]:
                print(f"    - {rule['text']}")
    print(f"\nReport: {report}\nAnalysis: {json_path}")
    return EXIT_OK


def _g(v) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e12:
        return str(int(v))
    return f"{v:.3g}"


@command(
    "replay",
    "Rerun one run of a sweep alone (e.g. a failed one) and print its summary or traceback.",
    example="careersim replay reports/sweeps/sobol-baseline 3f2a9c",
    args=[
        arg("folder", metavar="DIR", help="the sweep's output folder"),
        arg("key", metavar="RUN_KEY", help="the run's key, or its first 6 or more hex digits"),
        arg("--json", action="store_true", help="print the summary as JSON"),
    ],
)
def replay_command(args: argparse.Namespace) -> int:
    from careersim.experiments.sweep import Store, StoreError, find_run, replay

    try:
        store = Store.open(args.folder)
        info = find_run(store, args.key)
    except StoreError as exc:
        raise UserError(f"careersim replay: {exc}") from None
    values = ", ".join(f"{k} = {v}" for k, v in info.values.items())
    print(f"Replaying run {info.key}: point {info.point}, replication {info.replication}, seed {info.seed}; {values}",
          file=sys.stderr)
    summary, error = replay(store, info)
    if error is not None:
        print(error, file=sys.stderr)
        print("careersim replay: the run failed (traceback above).", file=sys.stderr)
        return EXIT_FAILED_RUN
    if args.json:
        print(json.dumps(summary, indent=2, allow_nan=True))
    else:
        width = max(len(k) for k in summary)
        for k, v in summary.items():
            print(f"{k:<{width}}  {_g(v) if isinstance(v, float) else v}")
    stored = info.stored
    if stored is not None:
        if stored.get("error"):
            print("The stored run had failed; this replay worked.", file=sys.stderr)
        else:
            same = all(_same(stored.get(k), v) for k, v in summary.items() if k in stored)
            print("The replay matches the stored result." if same else
                  "The replay differs from the stored result (has the engine changed since the sweep ran?).", file=sys.stderr)
    return EXIT_OK


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    return a == b
