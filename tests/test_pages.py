"""Every page is a Jinja2 template rendered through one environment, with one palette."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import pytest

from careersim import reporting
from careersim.reporting import palette
from careersim.reporting.templating import TEMPLATES, environment, render

PAGES = ("report.html", "sweep.html", "calibration.html", "advice.html")
PACKAGE = Path(reporting.__file__).parent.parent


def test_every_page_is_a_template_that_extends_the_layout() -> None:
    for page in PAGES:
        source = (TEMPLATES / page).read_text(encoding="utf-8")
        assert source.startswith('{% extends "layout.html" %}'), page
    layout = (TEMPLATES / "layout.html").read_text(encoding="utf-8")
    assert '{% include "style.css" %}' in layout and "Content-Security-Policy" in layout


def test_no_page_is_built_from_strings_in_python() -> None:
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<!doctype|<html|<table|<svg", text, re.IGNORECASE), (
            f"{path}: markup belongs in a template"
        )
        if path.name != "templating.py":
            assert "jinja2.Environment(" not in text and "from_string(" not in text, (
                f"{path}: use careersim.reporting.templating"
            )


def test_the_environment_escapes_text_and_refuses_undefined_names() -> None:
    env = environment()
    assert env is environment()  # one environment
    assert env.from_string("{{ x }}").render(x="<script>") == "&lt;script&gt;"
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()
    with pytest.raises(jinja2.UndefinedError):
        render("sweep.html", generator="careersim sweep", title="t")  # a page's fields are required


def test_colours_are_defined_only_in_the_palette() -> None:
    colour = re.compile(r"#[0-9A-Fa-f]{6}\b|#[0-9A-Fa-f]{3}\b")
    for path in [*PACKAGE.rglob("*.py"), *TEMPLATES.glob("*.html")]:
        if path.name == "palette.py":
            continue
        found = colour.findall(path.read_text(encoding="utf-8"))
        assert not found, f"{path}: colours {found} (expected names from careersim.reporting.palette)"


def test_palette_gives_each_track_one_colour_on_every_page() -> None:
    for track, style in palette.TRACK_STYLE.items():
        assert palette.PATH_STYLE[track]["color"] == style["color"]
    colours = [s["color"] for s in palette.TRACK_STYLE.values()]
    assert len(set(colours)) == len(colours)
    styles = [(s["marker"], str(s["ls"])) for s in palette.SCENARIO_STYLES]
    assert len(set(styles)) == len(styles)  # scenarios differ by marker and line, not by colour alone
