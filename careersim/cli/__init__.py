"""The ``careersim`` command line: one module per command (``careersim.cli.run``,
``careersim.cli.sweep``, ...), the dispatcher in :mod:`careersim.cli.dispatch` and
what the commands share in :mod:`careersim.cli.common`."""

from careersim.cli.dispatch import COMMANDS, build_parser, main

__all__ = ["COMMANDS", "build_parser", "main"]
