"""The ``careersim`` console command: the CLI, with Ctrl-C handled even while
the program is still starting up (importing its libraries)."""

from __future__ import annotations

import sys


def main(argv=None) -> int:
    try:
        from careersim.cli.common import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("\ncareersim: interrupted; nothing was written.\n")
        return 130
    return cli_main(argv)


def build_parser():
    from careersim.cli.common import build_parser as build

    return build()
