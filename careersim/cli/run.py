"""``careersim run``: run a scenario's replications and write its report."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from careersim.cli.common import (
    EXIT_OK,
    MAX_BYTES,
    MAX_SECONDS,
    STARTUP_SECONDS,
    UserError,
    atomic_output,
    check_out_dir,
    compile_engine,
    count_or_zero,
    folder_name,
    human_seconds,
    path,
    positive_int,
    seed_number,
    text,
    workers,
)

SUMMARY = "Run a scenario's replications and write its report."
DESCRIPTION = (
    "Runs the replications of a scenario (a YAML file or a shipped scenario name) and "
    "writes summary.json, Parquet tables and report.html into the output folder. "
    "The folder appears only when it is complete; an earlier report there is replaced."
)
EXAMPLE = "careersim run scenarios/multi-year-grants.yaml --replications 50 --out reports/b"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "scenario",
        type=text("a scenario file or a shipped scenario name"),
        metavar="SCENARIO",
        help="scenario file, or a shipped scenario name (see 'careersim list')",
    )
    parser.add_argument(
        "--replications", "-n", type=positive_int, default=20, metavar="N", help="replications to run (default: 20)"
    )
    parser.add_argument("--seed", type=seed_number, default=1, metavar="S", help="root random seed (default: 1)")
    parser.add_argument(
        "--workers", "-j", type=workers, default=None, metavar="K", help="worker processes (default: all cores)"
    )
    parser.add_argument(
        "--out",
        "-o",
        type=path("an output folder"),
        default=None,
        metavar="DIR",
        help="output folder (default: reports/<scenario name>/)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar; print only the report's path")
    parser.add_argument(
        "--force",
        action="store_true",
        help=f"run even if estimated to take over {MAX_SECONDS / 60:.0f} minutes or {MAX_BYTES / 1e9:.0f} GB",
    )
    parser.add_argument(
        "--paired-claims",
        type=count_or_zero,
        default=None,
        metavar="N",
        help="replications that also run the paired counterfactuals behind claims C6 and C8 "
        "and beside C7 (default: up to 10; 0 skips them)",
    )


def run(args: argparse.Namespace) -> int:
    """Load, check the cost, run and write the report atomically."""
    import json

    from careersim.config.scenarios import load_scenario  # lazy: keeps start-up fast
    from careersim.config.schema import get_path
    from careersim.experiments import experiment
    from careersim.reporting.pages import render_run
    from careersim.reporting.terminal import run_lines

    scenario = load_scenario(args.scenario)
    out: Path = args.out if args.out is not None else Path("reports") / folder_name(scenario.name)
    check_out_dir(out)
    replacing = (out / "summary.json").exists()
    n_workers = args.workers or os.cpu_count() or 1
    seconds, peak = experiment.estimate_cost(scenario, args.replications)
    wall = STARTUP_SECONDS + seconds / max(1, min(n_workers, args.replications))
    if (wall > MAX_SECONDS or peak > MAX_BYTES) and not args.force:
        raise UserError(
            f"careersim run: this run is estimated to take about {human_seconds(wall)} on {min(n_workers, args.replications)} "
            f"worker(s) and need about {peak / 1e9:.1f} GB of memory; rerun with --force to go ahead, "
            "or use fewer --replications or a smaller population"
        )
    if not args.quiet:
        print(
            f"Running '{scenario.name}': {args.replications} replication{'s' if args.replications != 1 else ''}, "
            f"seed {args.seed}, "
            f"{min(n_workers, args.replications)} worker(s), about {human_seconds(wall)}.",
            file=sys.stderr,
        )
    if replacing and not args.quiet:
        print(
            f"The report in {out} will be replaced when this run finishes (--out chooses another folder).",
            file=sys.stderr,
        )
    compile_engine(args.quiet)
    with atomic_output(out) as tmp:
        spool = tmp / "agents.parquet"  # workers write one part per replication straight into place
        extra = {} if args.paired_claims is None else {"policy_claims": args.paired_claims}
        exp = experiment.run(
            scenario, args.replications, args.seed, args.workers, not args.quiet, spool_dir=spool, **extra
        )
        experiment.write_results(exp, tmp)
        render_run(tmp)
    report = out / "report.html"
    if args.quiet:
        print(report)
    else:
        print(
            "\n".join(
                run_lines(
                    json.loads((out / "summary.json").read_text(encoding="utf-8")),
                    get_path(scenario, "run.claims_window"),
                )
            )
        )
        print(
            f"Report: {report}{' (replaced the earlier one)' if replacing else ''}\n"
            f"Results: {out}/ (summary.json, Parquet tables)"
        )
    return EXIT_OK
