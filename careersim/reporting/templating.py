"""Every HTML page is a Jinja2 template in ``careersim/reporting/templates/``, rendered here.

One environment for all pages: autoescaping on (text from a scenario, a
sweep file or a profile is shown as text, never as markup), undefined
names an error (a misspelt field fails the tests instead of leaving a gap
on the page), the number filters of :mod:`careersim.core.text`, and the
palette as ``palette``. Pages extend ``layout.html``, which inlines the
shared ``style.css`` and sets a content security policy: no scripts, no
requests, images only from ``data:`` URIs.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import jinja2

from careersim.core.text import num, pct, points
from careersim.reporting import palette

__all__ = ["TEMPLATES", "environment", "render", "written_by"]

TEMPLATES = Path(__file__).parent / "templates"


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The environment every page is rendered with."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["pct"] = pct
    env.filters["num"] = num
    env.filters["points"] = points
    env.globals["palette"] = palette
    return env


def render(template: str, **context: Any) -> str:
    """The page ``template`` (a file name in ``templates/``) rendered with ``context``."""
    return environment().get_template(template).render(**context)


def written_by(path: str | os.PathLike, generator: str) -> bool:
    """Whether ``path`` is a page careersim wrote with ``generator`` (its meta generator tag), so
    a command may replace it."""
    if not os.path.isfile(path):  # a folder, a pipe or a device is never a page (and a pipe would block)
        return False
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            head = fh.read(2000)
    except OSError:
        return False
    return f'<meta name="generator" content="{generator}">' in head
