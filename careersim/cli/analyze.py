"""``careersim analyze``: sensitivity analysis and report of a sweep's results."""

from __future__ import annotations

import argparse
from pathlib import Path

from careersim.cli.common import EXIT_OK, UserError, check_out_file, path, text

SUMMARY = "Sensitivity analysis and report of a sweep's results."
DESCRIPTION = (
    "Merges a sweep's stored runs (several folders are merged as shards of one sweep) and writes "
    "analysis.json and report.html: per outcome, sensitivity indices (Sobol' for a saltelli design, "
    "Morris for morris, given-data estimates otherwise), the split of variation between parameters "
    "and chance (indices only where the parameters explain enough, with warnings and a convergence "
    "check), PRIM boxes for yes/no outcomes and outcomes with a threshold, and the regret of lever settings."
)
EXAMPLE = "careersim analyze reports/sweeps/sobol-baseline"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "folders",
        nargs="+",
        type=text("a sweep output folder"),
        metavar="DIR",
        help="sweep output folder(s) of one sweep",
    )
    parser.add_argument(
        "--out",
        "-o",
        type=path("a report file name"),
        default=None,
        metavar="FILE",
        help="report file (default: DIR/report.html; analysis.json goes beside it)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="print only the report's path")


def run(args: argparse.Namespace) -> int:
    """Merge the stored runs, analyse them, write analysis.json and report.html, print the gist."""
    from careersim.experiments.sweep import StoreError  # lazy: keeps start-up fast
    from careersim.reporting.sweep_page import (  # lazy: keeps start-up fast
        GENERATOR,
        analysis_lines,
        write_analysis,
    )

    if args.out is not None:
        check_out_file(args.out, "analyze", GENERATOR, "careersim sweep report", "report.html")
        beside = args.out.with_name("analysis.json")
        if beside.is_dir() or (beside.exists() and not _is_analysis(beside)):
            raise UserError(
                f"careersim analyze: --out: the analysis goes beside the report, and {beside} exists and is not "
                "an analysis careersim wrote; choose another --out or remove it"
            )
    try:
        json_path, report, analysis = write_analysis(args.folders, args.out)
    except StoreError as exc:
        raise UserError(f"careersim analyze: {exc}") from None
    if args.quiet:
        print(report)
        return EXIT_OK
    print("\n".join(analysis_lines(analysis)))
    print(f"\nReport: {report}\nAnalysis: {json_path}")
    return EXIT_OK


def _is_analysis(path: Path) -> bool:
    """Whether ``path`` is an ``analysis.json`` careersim wrote (so it may be replaced)."""
    from careersim.core.files import UnreadableResults, read_results_json  # lazy: keeps start-up fast

    if not path.is_file():  # a pipe would block
        return False
    try:
        read_results_json(path, ("sweep", "runs", "provenance"))
    except UnreadableResults:
        return False
    return True
