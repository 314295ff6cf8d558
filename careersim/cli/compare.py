"""``careersim compare``: policies compared on the same random numbers, as paired differences."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from careersim.cli.common import (
    EXIT_OK,
    MAX_BYTES,
    MAX_SECONDS,
    UserError,
    atomic_output,
    check_out_dir,
    compile_engine,
    human_seconds,
    path,
    positive_int,
    seed_number,
    text,
    workers,
)

SUMMARY = "Compare policies: run scenarios on the same random numbers and report paired differences."
DESCRIPTION = (
    "Runs BASE and each ALT with the same seed, so replication r of every scenario uses the same random "
    "numbers and differences are paired. Writes comparison.json (paired differences with 95% intervals, "
    "the share of replications in which ALT is better, effects per group) and report.html. "
    "The folder appears only when it is complete; an earlier comparison there is replaced."
)
EXAMPLE = "careersim compare scenarios/baseline.yaml scenarios/multi-year-grants.yaml -n 40"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    scenario = text("a scenario file or a shipped scenario name")
    parser.add_argument("base", type=scenario, metavar="BASE", help="the base scenario (file or shipped name)")
    parser.add_argument(
        "alternatives", nargs="+", type=scenario, metavar="ALT", help="one or more alternative scenarios"
    )
    parser.add_argument(
        "--replications",
        "-n",
        type=positive_int,
        default=20,
        metavar="N",
        help="replications per scenario (default: 20)",
    )
    parser.add_argument(
        "--seed", type=seed_number, default=1, metavar="S", help="root random seed shared by all scenarios (default: 1)"
    )
    parser.add_argument(
        "--workers", "-j", type=workers, default=None, metavar="K", help="worker processes (default: all cores)"
    )
    parser.add_argument(
        "--out",
        "-o",
        type=path("an output folder"),
        default=None,
        metavar="DIR",
        help="output folder (default: reports/compare-<base>-vs-<alt>/)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar; print only the report's path")
    parser.add_argument(
        "--force",
        action="store_true",
        help=f"run even if estimated to take over {MAX_SECONDS / 60:.0f} minutes or {MAX_BYTES / 1e9:.0f} GB",
    )


def run(args: argparse.Namespace) -> int:
    """Load every scenario, check the cost, run them paired and write the comparison atomically."""
    import json

    from careersim.config.scenarios import ScenarioError, load_scenario  # lazy: keeps start-up fast
    from careersim.experiments import experiment
    from careersim.experiments.compare import compare, default_out_dir, write_comparison
    from careersim.reporting.pages import render_comparison
    from careersim.reporting.terminal import comparison_lines

    same = [a for a in args.alternatives if _same_file(a, args.base)]
    for a in same:  # e.g. `compare scenarios/baseline.yaml scenarios/*.yaml`: the base against itself adds nothing
        print(f"careersim compare: leaving out {a}: it is the base scenario", file=sys.stderr)
    loaded, problems = [], []
    for spec in [args.base, *(a for a in args.alternatives if a not in same)]:
        try:
            loaded.append(load_scenario(spec))
        except ScenarioError as exc:  # every file's problems at once, not the first file's alone
            problems += [m for m in exc.messages if m not in problems]
    if problems:
        raise ScenarioError(problems)
    base, alts = loaded[0], loaded[1:]
    if not alts:
        raise UserError(f"careersim compare: nothing to compare {args.base} with (expected another scenario file)")
    out: Path = args.out if args.out is not None else default_out_dir(base, alts)
    check_out_dir(
        out,
        command="compare",
        marker="comparison.json",
        what="careersim comparison",
        earlier="an earlier comparison",
        not_folder_hint="",
    )
    replacing = (out / "comparison.json").exists()
    n_workers = args.workers or os.cpu_count() or 1
    costs = [experiment.estimate_cost(s, args.replications) for s in [base, *alts]]
    wall = sum(c[0] for c in costs) / max(1, min(n_workers, args.replications))
    peak = max(c[1] for c in costs)
    if (wall > MAX_SECONDS or peak > MAX_BYTES) and not args.force:
        raise UserError(
            f"careersim compare: these runs are estimated to take about {human_seconds(wall)} on "
            f"{min(n_workers, args.replications)} worker(s) and need about {peak / 1e9:.1f} GB of memory; rerun with "
            "--force to go ahead, or use fewer --replications or a smaller population"
        )
    if not args.quiet:
        names = ", ".join(f"'{s.name}'" for s in alts)
        print(
            f"Comparing '{base.name}' with {names}: {args.replications} paired replications each, seed {args.seed}, "
            f"{min(n_workers, args.replications)} worker(s), about {human_seconds(wall)}.",
            file=sys.stderr,
        )
    if replacing and not args.quiet:
        print(
            f"The comparison in {out} will be replaced when this one finishes (--out chooses another folder).",
            file=sys.stderr,
        )
    compile_engine(args.quiet)
    with atomic_output(out) as tmp:
        data = compare(base, alts, args.replications, args.seed, args.workers, not args.quiet)
        write_comparison(data, tmp)
        render_comparison(tmp)
    report = out / "report.html"
    if args.quiet:
        print(report)
    else:
        print("\n".join(comparison_lines(json.loads((out / "comparison.json").read_text(encoding="utf-8")))))
        print(f"Report: {report}{' (replaced the earlier one)' if replacing else ''}\nResults: {out}/comparison.json")
    return EXIT_OK


def _same_file(a: str, b: str) -> bool:
    """Whether two scenario arguments name the same file (a shipped name or a path)."""
    from careersim.config.shipped import resolve_scenario  # lazy: keeps start-up fast

    try:
        return resolve_scenario(a).resolve() == resolve_scenario(b).resolve()
    except OSError:
        return False
