"""``careersim schema``: the JSON Schema of scenario files, for editors."""

from __future__ import annotations

import argparse
import json

from careersim.cli.common import EXIT_OK

SUMMARY = "Print the JSON Schema of scenario files, or of sweep files (for editor completion)."
DESCRIPTION = "Both are generated from the declarations that check the files (the scenario schema, the sweep format)."
EXAMPLE = "careersim schema > careersim.schema.json; careersim schema --sweep > careersim-sweep.schema.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sweep", action="store_true", help="the JSON Schema of sweep files instead of scenario files")


def run(args: argparse.Namespace) -> int:
    """Write the JSON Schema to stdout."""
    if args.sweep:
        from careersim.config.sweep_format import sweep_json_schema  # lazy: keeps start-up fast

        print(json.dumps(sweep_json_schema(), indent=2))
        return EXIT_OK
    from careersim.config.scenarios import scenario_json_schema  # lazy: keeps start-up fast

    print(json.dumps(scenario_json_schema(), indent=2))
    return EXIT_OK
