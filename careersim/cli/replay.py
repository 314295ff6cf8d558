"""``careersim replay``: rerun one run of a sweep alone (e.g. a failed one)."""

from __future__ import annotations

import argparse
import json
import math
import sys

from careersim.cli.common import (
    EXIT_FAILED_RUN,
    EXIT_OK,
    UserError,
    compile_engine,
    number_text,
    text,
)

SUMMARY = "Rerun one run of a sweep alone (e.g. a failed one) and print its summary or traceback."
DESCRIPTION = ""
EXAMPLE = "careersim replay reports/sweeps/sobol-baseline 3f2a9c"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "folder", type=text("the sweep's output folder"), metavar="DIR", help="the sweep's output folder"
    )
    parser.add_argument(
        "key",
        type=text("a run key or its first 6 or more hex digits"),
        metavar="RUN_KEY",
        help="the run's key, or its first 6 or more hex digits",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def run(args: argparse.Namespace) -> int:
    """Find the run, rerun it alone and print its summary (or traceback), and whether it matches."""
    from careersim.experiments.sweep import (  # lazy: keeps start-up fast
        Store,
        StoreError,
        find_run,
        replay,
    )

    try:
        store = Store.open(args.folder)
        info = find_run(store, args.key)
    except StoreError as exc:
        raise UserError(f"careersim replay: {exc}") from None
    values = ", ".join(f"{k} = {v}" for k, v in info.values.items())
    print(
        f"Replaying run {info.key}: point {info.point}, replication {info.replication}, seed {info.seed}; {values}",
        file=sys.stderr,
    )
    compile_engine()
    summary, error = replay(store, info)
    if error is not None:
        print(error, file=sys.stderr)
        print("careersim replay: the run failed (traceback above).", file=sys.stderr)
        return EXIT_FAILED_RUN
    if args.json:
        print(json.dumps(summary, indent=2, allow_nan=True))
    else:
        width = max(len(k) for k in summary)
        for k, v in summary.items():
            print(f"{k:<{width}}  {number_text(v) if isinstance(v, float) else v}")
    stored = info.stored
    if stored is not None:
        if stored.get("error"):
            print("The stored run had failed; this replay worked.", file=sys.stderr)
        else:
            same = all(_same(stored.get(k), v) for k, v in summary.items() if k in stored)
            print(
                "The replay matches the stored result."
                if same
                else "The replay differs from the stored result (has the engine changed since the sweep ran?).",
                file=sys.stderr,
            )
    return EXIT_OK


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    return a == b
