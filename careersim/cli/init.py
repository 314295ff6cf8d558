"""``careersim init``: a commented starter scenario that extends the baseline."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from careersim.cli.common import EXIT_OK, UserError, text

SUMMARY = "Write a commented starter scenario NAME.yaml that extends the baseline."
DESCRIPTION = ""
EXAMPLE = "careersim init my-path && careersim validate my-path.yaml"

_STARTER = """\
# {name}: a careersim scenario.
# Question: <what does this scenario answer? e.g. "does a 2-year RA job before
# the PhD change my chance of leading research within 10 years?">
#
# It extends the baseline: only what you write here changes. Numbers are in
# years, per year or hours per week unless you give a unit ("6 months",
# "4 per year", "1 hour every 2 weeks"). Any number may instead be a
# distribution drawn once per replication, e.g. "uniform(3, 5) years".
# The baseline draws its fitted parameters (PhD length and attrition, grant
# acceptance and decision times) from its calibration's posterior; to set them
# here, add 'calibration: {{posterior: null}}'.
# Check it with:  careersim validate {file}
# Run it with:    careersim run {file}
extends: baseline
name: {name}
description: What this scenario changes and why.

# Uncomment and edit what you want to change:
# run:
#   horizon: 20 years
# population:
#   entrants_per_year: 300
#   track_mix: {{phd: 0.4, independent: 0.25, contributor: 0.35}}
#   traits:
#     self_direction: beta(2, 2)
# independent:
#   mentor_hours: 1 hour every 2 weeks
# grants:
#   grant_length: 1 year
#   budget: 180
# timelines:
#   arrival: lognormal(median=7, spread=0.7) years

# A policy from year 1 (presets: {presets}):
# interventions:
#   - kind: multi_year_grants
#     start: 1 year
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "name",
        type=text("a scenario name such as my-path"),
        metavar="NAME",
        help="scenario name; writes NAME.yaml in the current folder (or NAME's folder, if it names one)",
    )


def run(args: argparse.Namespace) -> int:
    """Write the starter file, refusing to overwrite."""
    from careersim.config.schema import PRESETS  # lazy: keeps start-up fast
    from careersim.config.shipped import shipped_files  # lazy: keeps start-up fast

    target = Path(args.name)
    if target.name in ("", ".", ".."):
        raise UserError(f"careersim init: got {args.name!r} (expected a name such as my-path)")
    if target.suffix not in (".yaml", ".yml"):
        target = target.with_name(target.name + ".yaml")
    name = target.stem
    if not re.fullmatch(r"[\w.-]+", name):
        raise UserError(f"careersim init: got name {name!r} (expected letters, digits, '-', '_' or '.')")
    if name in shipped_files():
        raise UserError(
            f"careersim init: {name!r} is the name of a shipped scenario; a {name}.yaml here would stand in "
            f"for it in the 'extends: {name}' of the scenarios beside it (and would extend itself); "
            f"choose another name, such as my-{name}"
        )
    starter = _STARTER.format(name=name, file=target, presets=", ".join(PRESETS))
    try:
        with open(target, "x", encoding="utf-8") as fh:
            fh.write(starter)
    except FileExistsError:
        raise UserError(f"careersim init: {target} already exists; choose another name or remove it") from None
    except FileNotFoundError:
        raise UserError(f"careersim init: the folder {target.parent} does not exist") from None
    except IsADirectoryError:
        raise UserError(f"careersim init: {target} is a folder; choose another name") from None
    print(f"Wrote {target}; edit it, then: careersim run {target}")
    return EXIT_OK
