"""``careersim validate``: check scenario files and report every problem with its line."""

from __future__ import annotations

import argparse
from pathlib import Path

from careersim.cli.common import EXIT_OK, EXIT_USER, err, text

SUMMARY = "Check scenario files and report every problem with its line."
DESCRIPTION = ""
EXAMPLE = "careersim validate scenarios/*.yaml my-scenario.yaml"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files", nargs="+", type=text("a scenario file"), metavar="FILE", help="scenario files to check"
    )


def run(args: argparse.Namespace) -> int:
    """Print OK per good file and the located errors of each bad one."""
    from careersim.config.scenarios import ScenarioError, load_scenario  # lazy: keeps start-up fast

    status = EXIT_OK
    for name in args.files:
        try:
            scenario = load_scenario(Path(name))
        except ScenarioError as exc:
            for message in exc.messages:
                err(message)
            status = EXIT_USER
        else:
            print(f"OK {name} ({scenario.name})")
    return status
