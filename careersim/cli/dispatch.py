"""The ``careersim`` command line: a small dispatcher over one module per command.

Every command is a module of :mod:`careersim.cli` named after it, with the same shape::

    SUMMARY = "One line for 'careersim --help'."
    DESCRIPTION = "A paragraph for 'careersim COMMAND --help' (may be empty)."
    EXAMPLE = "careersim COMMAND ..."

    def add_arguments(parser: argparse.ArgumentParser) -> None: ...
    def run(args: argparse.Namespace) -> int: ...   # returns the exit status

A command's module is imported only when that command runs (``careersim
--help`` imports them all, for their summaries), and a command imports the
heavy libraries it needs inside ``run``, so the command line starts fast.

Exit statuses: 0 done, 2 a mistake the user can fix (:class:`UserError` or a
located file error, printed without a traceback), 130 interrupted (Ctrl-C;
nothing half-written is left), 1 a sweep or replay whose run failed.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from careersim.cli.common import EXIT_INTERRUPTED, EXIT_OK, EXIT_USER, UserError, err

#: the commands, in the order 'careersim --help' lists them
COMMANDS = (
    "run",
    "validate",
    "schema",
    "init",
    "list",
    "compare",
    "report",
    "advise",
    "calibrate",
    "sweep",
    "analyze",
    "replay",
)


def command_module(name: str) -> ModuleType:
    """The module of command ``name`` (imported now if it was not yet)."""
    return importlib.import_module(f"careersim.cli.{name}")


class _Version(argparse.Action):
    """``--version``, reading the installed version only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        from careersim import __version__  # lazy: read from the installed metadata only when asked

        print(f"careersim {__version__}")
        parser.exit()


def build_parser(command: str | None = None, arguments: bool = True) -> argparse.ArgumentParser:
    """The argument parser: every command, or only ``command``; with each command's
    arguments, or (``arguments=False``) only their names and summaries."""
    parser = argparse.ArgumentParser(
        prog="careersim",
        description="Agent-based simulation of research careers: PhD, independent research and "
        "contributor routes to becoming a research lead.",
        epilog="example:\n  careersim init my-path\n  careersim run my-path.yaml\n\n"
        "Run 'careersim COMMAND --help' for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name in COMMANDS if command is None else (command,):
        module = command_module(name)
        p = sub.add_parser(
            name,
            help=module.SUMMARY,
            description=module.DESCRIPTION or module.SUMMARY,
            epilog=f"example:\n  {module.EXAMPLE}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if arguments:
            module.add_arguments(p)
        p.set_defaults(command_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 user error, 130 interrupted)."""
    words = sys.argv[1:] if argv is None else [str(a) for a in argv]
    try:
        # the command is the first word that is not an option (the top level takes no values)
        at = next((i for i, w in enumerate(words) if not w.startswith("-")), None)
        name = words[at] if at is not None else None
        if name in COMMANDS and not {"-h", "--help", "--version"} & set(words[:at]):
            parser = build_parser(name)
        else:  # help, a usage error or no command: every command's summary
            parser = build_parser(arguments=False)
        try:
            args = parser.parse_args(words)
        except SystemExit as exc:  # --help, --version or a usage error
            code = exc.code
            return code if isinstance(code, int) else (EXIT_OK if code is None else EXIT_USER)
        module = getattr(args, "command_module", None)
        if module is None:
            parser.print_usage(sys.stderr)
            err("careersim: error: a command is required (expected one of: " + ", ".join(COMMANDS) + ")")
            return EXIT_USER
        return module.run(args)
    except KeyboardInterrupt:
        err("\ncareersim: interrupted; nothing was written.")
        return EXIT_INTERRUPTED
    except UserError as exc:
        err(str(exc))
        return EXIT_USER
    except BrokenPipeError:  # e.g. 'careersim schema | head'
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return EXIT_OK
    except MemoryError:
        err(
            "careersim: out of memory: the field and replications asked for need more memory than this machine "
            "has; use a smaller population (population.entrants_per_year, initial.*), fewer --workers or fewer "
            "replications (a run or comparison writes nothing; a sweep or calibration keeps what it finished)"
        )
        return EXIT_USER
    except OSError as exc:
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        err(f"careersim: cannot access{where}: {exc.strerror or exc}")
        return EXIT_USER
    except Exception as exc:
        from careersim.config.yaml_file import FileError  # lazy: keeps start-up fast

        if not isinstance(exc, FileError):
            raise
        for message in exc.messages:
            err(message)
        return EXIT_USER
