"""The ``careersim`` command line.

Each subcommand is one function decorated with :func:`command`, which names
it, gives its one-line help, an example for ``--help`` and its arguments::

    @command("hello", "Say hello.", example="careersim hello --name Ada",
             args=[arg("--name", default="world", help="whom to greet")])
    def hello(args: argparse.Namespace) -> int:
        print(f"hello {args.name}")
        return 0

A handler returns the exit status. User errors raise :class:`UserError` (or
:class:`~careersim.config.scenarios.ScenarioError`): the message goes to stderr and the
status is 2, without a traceback. Ctrl-C exits with 130 and leaves no
partial output.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from careersim import __version__
from careersim.config.scenarios import (
    ScenarioError,
    load_scenario,
    scenario_json_schema,
    shipped_scenarios,
)
from careersim.core.files import atomic_output
from careersim.reporting.pages import render_comparison, render_run

EXIT_OK = 0
EXIT_USER = 2
EXIT_INTERRUPTED = 130

#: a run estimated to take longer than this (seconds, wall clock) needs --force
MAX_SECONDS = 600.0
#: start-up (compiled code loaded, workers started) and report writing, seconds
STARTUP_SECONDS = 3.0
#: a run estimated to need more memory than this (bytes) needs --force
MAX_BYTES = 8e9

Handler = Callable[[argparse.Namespace], int]


class UserError(Exception):
    """A mistake the user can fix; reported on stderr with exit status 2."""


@dataclass
class _Command:
    name: str
    summary: str
    example: str
    args: list[tuple[tuple[Any, ...], dict[str, Any]]]
    handler: Handler
    description: str = ""


_COMMANDS: list[_Command] = []


def arg(*names: Any, **options: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """An argument for :func:`command`, as for ``ArgumentParser.add_argument``."""
    return names, options


def command(
    name: str,
    summary: str,
    *,
    example: str,
    args: Sequence[tuple[tuple[Any, ...], dict[str, Any]]] = (),
    description: str = "",
) -> Callable[[Handler], Handler]:
    """Register a subcommand: its handler takes the parsed arguments and returns the exit status."""

    def register(handler: Handler) -> Handler:
        _COMMANDS.append(_Command(name, summary, example, list(args), handler, description))
        return handler

    return register


def _err(message: str) -> None:
    print(message, file=sys.stderr)


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r} (expected a whole number such as 4)") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"got {value} (expected 1 or more)")
    return value


def seed_number(text: str) -> int:
    """argparse type: a seed, a whole number of at least 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r} (expected a whole number such as 1)") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"got {value} (expected 0 or more)")
    return value


def _folder_name(name: str) -> str:
    """A safe folder name for a scenario name."""
    slug = re.sub(r"[^\w.-]+", "-", name).strip(".-")
    return slug or "scenario"


def _compile_note() -> str:
    """A note for the first run on a machine, when the engine's compiled code is not
    cached yet (careersim.core.compiled says where it is kept)."""
    from careersim.core import compiled
    from careersim.engine import kernel  # noqa: F401 - the engine declares its cache's key when imported

    cached = any(compiled.cache_directory("engine").rglob("kernel.step-*.nbi"))
    return "" if cached else " The engine is compiled first, once per machine: about 40 seconds more."


def _human_seconds(seconds: float) -> str:
    if seconds < 90:
        return "1 second" if round(seconds) <= 1 else f"{seconds:.0f} seconds"
    if seconds < 5400:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds / 3600:.1f} hours"


def _check_out_dir(out: Path, command: str = "run", marker: str = "summary.json", what: str = "report",
                   earlier: str = "a previous report", not_folder_hint: str = "expected a folder for the report; ") -> None:
    """Refuse to replace anything but an earlier careersim output of the same kind
    (a folder holding ``marker``) or an empty folder."""
    if not out.exists():
        return
    if not out.is_dir():
        raise UserError(f"careersim {command}: {out} exists and is not a folder ({not_folder_hint}choose another --out)")
    if any(out.iterdir()) and not (out / marker).exists():
        raise UserError(
            f"careersim {command}: {out} already holds files that are not a careersim {what}; "
            f"choose another --out or remove it ({earlier} there would be replaced)"
        )
    cwd = Path.cwd().resolve()
    if out.resolve() == cwd or out.resolve() in cwd.parents:
        raise UserError(f"careersim {command}: --out {out} is the current folder or above it (expected a folder of its own)")


# ---------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------


@command(
    "run",
    "Run a scenario's replications and write its report.",
    example="careersim run scenarios/multi-year-grants.yaml --replications 50 --out reports/b",
    description=(
        "Runs the replications of a scenario (a YAML file or a shipped scenario name) and "
        "writes summary.json, Parquet tables and report.html into the output folder. "
        "The folder appears only when it is complete; an earlier report there is replaced."
    ),
    args=[
        arg("scenario", metavar="SCENARIO", help="scenario file, or a shipped scenario name (see 'careersim list')"),
        arg("--replications", "-n", type=positive_int, default=20, metavar="N", help="replications to run (default: 20)"),
        arg("--seed", type=seed_number, default=1, metavar="S", help="root random seed (default: 1)"),
        arg("--workers", "-j", type=positive_int, default=None, metavar="K", help="worker processes (default: all cores)"),
        arg("--out", "-o", type=Path, default=None, metavar="DIR", help="output folder (default: reports/<scenario name>/)"),
        arg("--quiet", "-q", action="store_true", help="no progress bar; print only the report's path"),
        arg("--force", action="store_true", help=f"run even if estimated to take over {MAX_SECONDS / 60:.0f} minutes or {MAX_BYTES / 1e9:.0f} GB"),
        arg("--paired-claims", type=int, default=None, metavar="N",
            help="replications that also run the paired counterfactuals behind claims C6 and C8 and beside C7 (default: up to 10; 0 skips them)"),
    ],
)
def run_command(args: argparse.Namespace) -> int:
    """Load, check the cost, run and write the report atomically."""
    scenario = load_scenario(args.scenario)
    try:
        from careersim.experiments import experiment
    except ImportError as exc:  # pragma: no cover - only before the engine exists
        raise UserError(f"careersim run: the experiment runner is not available ({exc})") from None
    missing = [f for f in ("run", "write_results", "estimate_cost") if not hasattr(experiment, f)]
    if missing:  # pragma: no cover - only while the engine is being written
        raise UserError(f"careersim run: the experiment runner lacks {', '.join(missing)}; cannot run yet")
    out: Path = args.out if args.out is not None else Path("reports") / _folder_name(scenario.name)
    _check_out_dir(out)
    workers = args.workers or os.cpu_count() or 1
    seconds, peak = experiment.estimate_cost(scenario, args.replications)
    wall = STARTUP_SECONDS + seconds / max(1, min(workers, args.replications))
    if (wall > MAX_SECONDS or peak > MAX_BYTES) and not args.force:
        raise UserError(
            f"careersim run: this run is estimated to take about {_human_seconds(wall)} on {min(workers, args.replications)} "
            f"worker(s) and need about {peak / 1e9:.1f} GB of memory; rerun with --force to go ahead, "
            "or use fewer --replications or a smaller population"
        )
    if not args.quiet:
        print(
            f"Running '{scenario.name}': {args.replications} replications, seed {args.seed}, "
            f"{min(workers, args.replications)} worker(s), about {_human_seconds(wall)}.{_compile_note()}",
            file=sys.stderr,
        )
    with atomic_output(out) as tmp:
        spool = tmp / "agents.parquet"  # workers write one part per replication straight into place
        extra = {} if args.paired_claims is None else {"policy_claims": max(0, args.paired_claims)}
        exp = experiment.run(scenario, args.replications, args.seed, args.workers, not args.quiet, spool_dir=spool, **extra)
        experiment.write_results(exp, tmp)
        render_run(tmp)
    report = out / "report.html"
    if args.quiet:
        print(report)
    else:
        print(f"Report: {report}\nResults: {out}/ (summary.json, Parquet tables)")
    return EXIT_OK


@command(
    "validate",
    "Check scenario files and report every problem with its line.",
    example="careersim validate scenarios/*.yaml my-scenario.yaml",
    args=[arg("files", nargs="+", metavar="FILE", help="scenario files to check")],
)
def validate_command(args: argparse.Namespace) -> int:
    """Print OK per good file and the located errors of each bad one."""
    status = EXIT_OK
    for name in args.files:
        try:
            scenario = load_scenario(Path(name))
        except ScenarioError as exc:
            for message in exc.messages:
                _err(message)
            status = EXIT_USER
        else:
            print(f"OK {name} ({scenario.name})")
    return status


@command(
    "schema",
    "Print the JSON Schema of scenario files (for editor completion).",
    example="careersim schema > careersim.schema.json",
)
def schema_command(args: argparse.Namespace) -> int:
    """Write the JSON Schema to stdout."""
    print(json.dumps(scenario_json_schema(), indent=2))
    return EXIT_OK


_STARTER = """\
# {name}: a careersim scenario.
# Question: <what does this scenario answer? e.g. "does a 2-year RA job before
# the PhD change my chance of leading research within 10 years?">
#
# It extends the baseline: only what you write here changes. Numbers are in
# years, per year or hours per week unless you give a unit ("6 months",
# "4 per year", "1 hour every 2 weeks"). Any number may instead be a
# distribution drawn once per replication, e.g. "uniform(3, 5) years".
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
#   decision_delay: 1 month
# timelines:
#   arrival: lognormal(median=7, spread=0.7) years

# A policy from year 1 (presets: {presets}):
# interventions:
#   - kind: multi_year_grants
#     start: 1 year
"""


@command(
    "init",
    "Write a commented starter scenario NAME.yaml that extends the baseline.",
    example="careersim init my-path && careersim validate my-path.yaml",
    args=[arg("name", metavar="NAME", help="scenario name; writes NAME.yaml in the current folder")],
)
def init_command(args: argparse.Namespace) -> int:
    """Write the starter file, refusing to overwrite."""
    from careersim.config.schema import PRESETS

    target = Path(args.name)
    if target.suffix not in (".yaml", ".yml"):
        target = target.with_name(target.name + ".yaml")
    name = target.stem
    if not re.fullmatch(r"[\w.-]+", name):
        raise UserError(f"careersim init: got name {name!r} (expected letters, digits, '-', '_' or '.')")
    text = _STARTER.format(name=name, file=target, presets=", ".join(PRESETS))
    try:
        with open(target, "x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        raise UserError(f"careersim init: {target} already exists; choose another name or remove it") from None
    except FileNotFoundError:
        raise UserError(f"careersim init: the folder {target.parent} does not exist") from None
    print(f"Wrote {target}; edit it, then: careersim run {target}")
    return EXIT_OK


@command(
    "list",
    "List the shipped scenarios with what each one asks.",
    example="careersim list",
)
def list_command(args: argparse.Namespace) -> int:
    """Print name, description and path of each shipped scenario."""
    rows = shipped_scenarios()
    if not rows:
        raise UserError("careersim list: no shipped scenarios found (expected a scenarios/ folder beside the package)")
    width = max(len(name) for name, _, _ in rows)
    for name, description, _path in rows:
        print(f"{name:<{width}}  {description}")
    return EXIT_OK


# ---------------------------------------------------------------------------
# compare and report (reports: careersim/compare.py, careersim/report/)
# ---------------------------------------------------------------------------


@command(
    "compare",
    "Compare policies: run scenarios on the same random numbers and report paired differences.",
    example="careersim compare scenarios/baseline.yaml scenarios/multi-year-grants.yaml -n 40",
    description=(
        "Runs BASE and each ALT with the same seed, so replication r of every scenario uses the same random "
        "numbers and differences are paired. Writes comparison.json (paired differences with 95% intervals, "
        "the share of replications in which ALT is better, effects per group) and report.html. "
        "The folder appears only when it is complete; an earlier comparison there is replaced."
    ),
    args=[
        arg("base", metavar="BASE", help="the base scenario (file or shipped name)"),
        arg("alternatives", nargs="+", metavar="ALT", help="one or more alternative scenarios"),
        arg("--replications", "-n", type=positive_int, default=20, metavar="N", help="replications per scenario (default: 20)"),
        arg("--seed", type=seed_number, default=1, metavar="S", help="root random seed shared by all scenarios (default: 1)"),
        arg("--workers", "-j", type=positive_int, default=None, metavar="K", help="worker processes (default: all cores)"),
        arg("--out", "-o", type=Path, default=None, metavar="DIR", help="output folder (default: reports/compare-<base>-vs-<alt>/)"),
        arg("--quiet", "-q", action="store_true", help="no progress bar; print only the report's path"),
        arg("--force", action="store_true", help=f"run even if estimated to take over {MAX_SECONDS / 60:.0f} minutes or {MAX_BYTES / 1e9:.0f} GB"),
    ],
)
def compare_command(args: argparse.Namespace) -> int:
    """Load every scenario, check the cost, run them paired and write the comparison atomically."""
    from careersim.experiments import experiment
    from careersim.experiments.compare import compare, default_out_dir, write_comparison

    base = load_scenario(args.base)
    alts = [load_scenario(a) for a in args.alternatives]
    out: Path = args.out if args.out is not None else default_out_dir(base, alts)
    _check_out_dir(out, command="compare", marker="comparison.json", what="comparison", earlier="an earlier comparison",
                   not_folder_hint="")
    workers = args.workers or os.cpu_count() or 1
    costs = [experiment.estimate_cost(s, args.replications) for s in [base, *alts]]
    wall = sum(c[0] for c in costs) / max(1, min(workers, args.replications))
    peak = max(c[1] for c in costs)
    if (wall > MAX_SECONDS or peak > MAX_BYTES) and not args.force:
        raise UserError(
            f"careersim compare: these runs are estimated to take about {_human_seconds(wall)} on "
            f"{min(workers, args.replications)} worker(s) and need about {peak / 1e9:.1f} GB of memory; rerun with "
            "--force to go ahead, or use fewer --replications or a smaller population"
        )
    if not args.quiet:
        names = ", ".join(f"'{s.name}'" for s in alts)
        print(f"Comparing '{base.name}' with {names}: {args.replications} paired replications each, seed {args.seed}, "
              f"{min(workers, args.replications)} worker(s), about {_human_seconds(wall)}.{_compile_note()}", file=sys.stderr)
    with atomic_output(out) as tmp:
        data = compare(base, alts, args.replications, args.seed, args.workers, not args.quiet)
        write_comparison(data, tmp)
        render_comparison(tmp)
    report = out / "report.html"
    if args.quiet:
        print(report)
    else:
        print(f"Report: {report}\nResults: {out}/comparison.json")
    return EXIT_OK


@command(
    "report",
    "Redraw report.html from stored results (a run or a comparison) without re-running.",
    example="careersim report reports/baseline",
    args=[arg("folder", type=Path, metavar="DIR", help="a folder written by 'careersim run' or 'careersim compare'")],
)
def report_command(args: argparse.Namespace) -> int:
    """Detect the kind of results in DIR and rewrite its report.html."""
    from careersim.reporting.pages import ReportError, render

    folder: Path = args.folder
    if not folder.is_dir():
        raise UserError(f"careersim report: {folder} is not a folder (expected a folder written by 'careersim run' or 'careersim compare')")
    try:
        path = render(folder)
    except ReportError as exc:
        raise UserError(f"careersim report: {exc}") from None
    print(path)
    return EXIT_OK


# ---------------------------------------------------------------------------
# parser and entry point
# ---------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered subcommand."""
    import importlib

    for name in ("advise", "calibrate", "sweep"):  # they register their commands when imported
        importlib.import_module(f"careersim.cli.{name}")
    parser = argparse.ArgumentParser(
        prog="careersim",
        description="Agent-based simulation of research careers: PhD, independent research and "
        "contributor routes to becoming a research lead.",
        epilog="example:\n  careersim init my-path\n  careersim run my-path.yaml\n\n"
        "Run 'careersim COMMAND --help' for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"careersim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for cmd in _COMMANDS:
        p = sub.add_parser(
            cmd.name,
            help=cmd.summary,
            description=cmd.description or cmd.summary,
            epilog=f"example:\n  {cmd.example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        for names, options in cmd.args:
            p.add_argument(*names, **options)
        p.set_defaults(handler=cmd.handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 user error, 130 interrupted)."""
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help, --version or a usage error
            code = exc.code
            return code if isinstance(code, int) else (EXIT_OK if code is None else EXIT_USER)
        if getattr(args, "handler", None) is None:
            parser.print_usage(sys.stderr)
            _err("careersim: error: a command is required (expected one of: " + ", ".join(c.name for c in _COMMANDS) + ")")
            return EXIT_USER
        return args.handler(args)
    except KeyboardInterrupt:
        _err("\ncareersim: interrupted; nothing was written.")
        return EXIT_INTERRUPTED
    except ScenarioError as exc:
        for message in exc.messages:
            _err(message)
        return EXIT_USER
    except UserError as exc:
        _err(str(exc))
        return EXIT_USER
    except BrokenPipeError:  # e.g. 'careersim schema | head'
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return EXIT_OK
    except OSError as exc:
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        _err(f"careersim: cannot access{where}: {exc.strerror or exc}")
        return EXIT_USER


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
