"""``careersim sweep``: a parameter sweep in batch (resumable; local workers or a Dask cluster)."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from pathlib import Path

from careersim.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    UserError,
    check_writable,
    compile_engine,
    human_seconds,
    path,
    positive_int,
    seconds,
    text,
    workers,
)

SUMMARY = "Run a parameter sweep in batch (resumable; local workers or a Dask cluster)."
DESCRIPTION = (
    "Runs every (point, replication) of a sweep file and stores one row per run in the output folder: "
    "append-only Parquet chunks and a ledger of run keys. Rerunning the same command (or --resume) "
    "skips every run already stored, so an interrupted or killed sweep continues where it stopped. "
    "A run that fails is stored with its error and seed and does not stop the sweep; "
    "'careersim replay DIR KEY' reruns it alone. Results are identical for any number of workers, "
    "shards or a Dask cluster. Then: careersim analyze DIR."
)
EXAMPLE = "careersim sweep scenarios/sweeps/mentorship-x-grant-length.yaml --workers 4 --out reports/sweeps/mentorship"


def _shard(value: str) -> tuple[int, int]:
    try:
        i, n = (int(part) for part in value.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"got {value!r} (expected I/N such as 0/4: this process runs points whose index is I modulo N)"
        ) from None
    if n < 1 or not 0 <= i < n:
        raise argparse.ArgumentTypeError(f"got {value!r} (expected I/N with 0 <= I < N, such as 0/4)")
    return i, n


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "sweep", type=text("a sweep file"), metavar="SWEEP.yaml", help="sweep file (see scenarios/sweeps/)"
    )
    parser.add_argument(
        "--workers", "-j", type=workers, default=None, metavar="K", help="local worker processes (default: all cores)"
    )
    parser.add_argument(
        "--scheduler",
        type=text("a Dask scheduler address such as tcp://10.0.0.5:8786"),
        default=None,
        metavar="ADDRESS",
        help="run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786",
    )
    parser.add_argument(
        "--scheduler-timeout",
        type=seconds,
        default=30.0,
        metavar="S",
        help="seconds to wait for the Dask scheduler (default: 30)",
    )
    parser.add_argument(
        "--out",
        "-o",
        type=path("an output folder"),
        default=None,
        metavar="DIR",
        help="output folder (default: reports/sweeps/<sweep name>/)",
    )
    parser.add_argument(
        "--resume", action="store_true", help="continue the sweep stored in --out (an error if there is none)"
    )
    parser.add_argument(
        "--shard",
        type=_shard,
        default=(0, 1),
        metavar="I/N",
        help="run only points whose index is I modulo N (default: 0/1, all)",
    )
    parser.add_argument(
        "--retry-failed", action="store_true", help="rerun runs that failed before (they are otherwise kept as failed)"
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar; print only the output folder")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="check the sweep file and print the plan (points, runs, time) without running",
    )
    parser.add_argument("--chunk-rows", type=positive_int, default=500, help=argparse.SUPPRESS)
    parser.add_argument("--flush-seconds", type=seconds, default=2.0, help=argparse.SUPPRESS)


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


def run(args: argparse.Namespace) -> int:
    """Plan the sweep, run what is not stored yet and commit every finished run."""
    from careersim.config.sweeps import folder_name  # lazy: keeps start-up fast
    from careersim.experiments import experiment
    from careersim.experiments.sweep import (
        StoreError,
        load_sweep_file,
        make_executor,
        point_count,
        run_sweep,
    )

    sweep = load_sweep_file(args.sweep)
    if args.workers is not None and args.scheduler:
        raise UserError(
            "careersim sweep: give --workers or --scheduler, not both (--scheduler runs on the Dask cluster's workers)"
        )
    out: Path = args.out if args.out is not None else Path("reports") / "sweeps" / folder_name(sweep.name)
    if not args.dry_run:
        check_writable(out, "sweep")
    if args.resume and not (out / "manifest.json").exists():
        raise UserError(f"careersim sweep: --resume: {out} holds no sweep to resume; run without --resume to start it")
    n_points = point_count(sweep.design, sweep.factors)
    if args.dry_run:
        per_run, _ = experiment.estimate_cost(sweep.base, 1)
        runs = n_points * sweep.replications
        print(
            f"OK {args.sweep}: '{sweep.name}', {len(sweep.factors)} factors, {sweep.design.kind} design, "
            f"{n_points} points × {sweep.replications} replications = {runs} runs, "
            f"about {human_seconds(per_run * runs)} on one core; results would go to {out}/"
        )
        for f in sweep.factors:
            print(f"  {f.path} ({f.role}): {f.describe()}{' ' + f.unit if f.unit and f.levels is None else ''}")
        return EXIT_OK
    if not args.scheduler:  # local workers fork from this process and inherit the compiled engine
        compile_engine(args.quiet)
    try:
        executor = make_executor(args.workers, args.scheduler, args.scheduler_timeout)
    except ValueError as exc:  # distributed's word for an address it cannot parse
        if not args.scheduler:
            raise
        raise UserError(
            f"careersim sweep: --scheduler {args.scheduler!r} is not a Dask scheduler address ({exc}); "
            "expected an address such as tcp://10.0.0.5:8786"
        ) from None
    except (OSError, TimeoutError) as exc:
        raise UserError(
            f"careersim sweep: cannot reach the Dask scheduler at {args.scheduler} ({exc}); "
            "check the address and that 'dask scheduler' is running"
        ) from None

    def announce(plan) -> None:
        if args.quiet:
            return
        todo = plan.planned - plan.skipped
        per_run, _ = experiment.estimate_cost(sweep.base, 1)
        wall = per_run * todo / max(1, getattr(executor, "workers", 1))
        shard = f" (shard {args.shard[0]}/{args.shard[1]}: {plan.points} points)" if args.shard[1] > 1 else ""
        print(
            f"Sweep '{sweep.name}': {n_points} points{shard} × {sweep.replications} replications = {plan.planned} runs; "
            f"{plan.skipped} already stored, {todo} to run on {executor.description}"
            + (f", about {human_seconds(wall)}." if todo else "."),
            file=sys.stderr,
        )

    try:
        with _sigterm_as_interrupt():
            done = run_sweep(
                sweep,
                out,
                executor,
                shard=args.shard,
                resume=args.resume,
                retry_failed=args.retry_failed,
                progress=not args.quiet,
                chunk_rows=args.chunk_rows,
                flush_seconds=args.flush_seconds,
                on_start=announce,
            )
    except StoreError as exc:
        executor.close()
        raise UserError(f"careersim sweep: {exc}") from None
    except KeyboardInterrupt:
        print(
            f"\ncareersim sweep: interrupted; every finished run is stored in {out}. "
            "Run the same command again to continue.",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    if args.quiet:
        print(out)
        return EXIT_OK
    print(
        f"Stored {done.done} runs ({done.failed} failed) in {done.seconds:.1f} s; {done.skipped} were already stored."
    )
    if done.failed:
        print(
            f"Failed runs keep their error and seed: see 'careersim analyze {out}' or replay one with "
            f"'careersim replay {out} KEY'."
        )
    print(f"Results: {out}/  Next: careersim analyze {out}")
    return EXIT_OK
