"""``careersim schema``: the JSON Schema of scenario files, for editors."""

from __future__ import annotations

import argparse
import json

from careersim.cli.common import EXIT_OK

SUMMARY = "Print the JSON Schema of scenario files (for editor completion)."
DESCRIPTION = ""
EXAMPLE = "careersim schema > careersim.schema.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No arguments."""


def run(args: argparse.Namespace) -> int:
    """Write the JSON Schema to stdout."""
    from careersim.config.scenarios import scenario_json_schema  # lazy: keeps start-up fast

    print(json.dumps(scenario_json_schema(), indent=2))
    return EXIT_OK
