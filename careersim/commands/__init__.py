"""Further ``careersim`` subcommands, one module each.

Every module in this package registers its commands with
:func:`careersim.cli.command` when imported; :func:`load` imports them all, in
name order, before the parser is built.
"""

from __future__ import annotations

import importlib
import pkgutil


def load() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{info.name}")
