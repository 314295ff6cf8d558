"""``careersim report``: redraw report.html from stored results without re-running."""

from __future__ import annotations

import argparse
from pathlib import Path

from careersim.cli.common import EXIT_OK, UserError, path

SUMMARY = "Redraw report.html from stored results (a run or a comparison) without re-running."
DESCRIPTION = ""
EXAMPLE = "careersim report reports/baseline"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "folder",
        type=path("a results folder"),
        metavar="DIR",
        help="a folder written by 'careersim run' or 'careersim compare'",
    )


def run(args: argparse.Namespace) -> int:
    """Detect the kind of results in DIR and rewrite its report.html."""
    from careersim.reporting.pages import ReportError, render  # lazy: keeps start-up fast

    folder: Path = args.folder
    if not folder.is_dir():
        raise UserError(
            f"careersim report: {folder} is not a folder (expected a folder written by 'careersim run' or 'careersim compare')"
        )
    try:
        report = render(folder)
    except ReportError as exc:
        raise UserError(f"careersim report: {exc}") from None
    print(report)
    return EXIT_OK
