"""``careersim list``: the shipped scenarios and what each one asks."""

from __future__ import annotations

import argparse

from careersim.cli.common import EXIT_OK, UserError

SUMMARY = "List the shipped scenarios with what each one asks."
DESCRIPTION = ""
EXAMPLE = "careersim list"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No arguments."""


def run(args: argparse.Namespace) -> int:
    """Print name and description of each shipped scenario, baseline first."""
    from careersim.config.shipped import (
        shipped_scenarios,  # reads YAML only: no schema, so it starts fast
    )

    rows = shipped_scenarios()
    if not rows:
        raise UserError(
            "careersim list: no shipped scenarios found (expected them in careersim/scenarios/ "
            "inside the installed package)"
        )
    width = max(len(name) for name, _, _ in rows)
    for name, description, _path in rows:
        print(f"{name:<{width}}  {description}")
    return EXIT_OK
