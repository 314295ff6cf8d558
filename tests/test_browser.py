"""Reports in a real browser: headless Chromium, nothing downloaded.

For a run report and a comparison report this checks that the page logs no
console errors (a blocked resource or script would be logged as a Content
Security Policy violation), that every image loads, and that nothing is wider
than the screen at phone width (390 px) or desktop width (1280 px). The
report itself is never modified: a separate wrapper page frames it and
measures it. Screenshots at both widths are saved under ``tests/artifacts/``
for a person to look at.

Skipped when Chromium is not installed (Debian: ``apt-get install chromium``), except
under ``CI=true``, where that is a failure (``.ci/run`` installs it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import unavailable
from .test_report import make_comparison, make_crowded_comparison, make_run

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).parent / "artifacts"
WIDTHS = (390, 1280)


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None


CHROMIUM = _chromium()


@pytest.fixture(autouse=True, scope="module")
def _needs_chromium() -> None:
    if CHROMIUM is None:
        unavailable("headless Chromium is not installed (Debian: apt-get install chromium)")


def _args(profile: Path) -> list[str]:
    return [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        "--disable-extensions",
        "--mute-audio",
        f"--user-data-dir={profile}",
    ]


WRAPPER = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>report check</title></head>
<body style="margin:0">
{frames}
<pre id="result">pending</pre>
<script>
window.addEventListener("load", function () {{
  var out = [];
  document.querySelectorAll("iframe").forEach(function (f) {{
    var r = {{width: f.clientWidth}};
    try {{
      var d = f.contentDocument;
      var imgs = Array.prototype.slice.call(d.images);
      r.images = imgs.length;
      r.broken = imgs.filter(function (i) {{ return !(i.complete && i.naturalWidth > 0 && i.naturalHeight > 0); }})
                     .map(function (i) {{ return i.alt.slice(0, 60); }});
      r.scrollWidth = d.documentElement.scrollWidth;
      r.clientWidth = d.documentElement.clientWidth;
      var wide = [];
      d.querySelectorAll("body *").forEach(function (e) {{
        var b = e.getBoundingClientRect();
        if (b.width > 0 && b.right > d.documentElement.clientWidth + 1) wide.push(e.tagName + "#" + e.id + "." + e.className);
      }});
      r.wide = wide.slice(0, 10);
      r.sections = d.querySelectorAll("main section[id]").length;
      r.scripts = d.querySelectorAll("script").length;
    }} catch (e) {{ r.error = String(e); }}
    out.push(r);
  }});
  document.getElementById("result").textContent = "RESULT" + JSON.stringify(out) + "END";
}});
</script>
</body></html>
"""


def _check_in_browser(report: Path, tmp: Path) -> tuple[list[dict], list[str]]:
    """Frame the report at each width; return the measurements and the console messages."""
    frames = "\n".join(
        f'<iframe src="{report.resolve().as_uri()}" style="width:{w}px;height:2400px;border:0;display:block"></iframe>'
        for w in WIDTHS
    )
    wrapper = tmp / "check.html"
    wrapper.write_text(WRAPPER.format(frames=frames), encoding="utf-8")
    cmd = _args(tmp / "profile-check") + [
        "--allow-file-access-from-files",
        "--virtual-time-budget=10000",
        "--enable-logging=stderr",
        "--v=0",
        "--dump-dom",
        wrapper.as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    m = re.search(r"RESULT(.*?)END", proc.stdout, re.S)
    assert m, f"the check page did not finish:\nstdout: {proc.stdout[-2000:]}\nstderr: {proc.stderr[-2000:]}"
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return json.loads(m.group(1)), console


def _screenshots(report: Path, name: str, tmp: Path) -> list[Path]:
    ARTIFACTS.mkdir(exist_ok=True)
    ignore = ARTIFACTS / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# screenshots from tests/test_browser.py\n*\n")
    procs, paths = [], []
    for w, label in zip(WIDTHS, ("phone", "desktop")):
        png = ARTIFACTS / f"{name}-{label}.png"
        png.unlink(missing_ok=True)
        cmd = _args(tmp / f"profile-{label}") + [
            f"--window-size={w},2400",
            f"--screenshot={png}",
            "--virtual-time-budget=10000",
            report.resolve().as_uri(),
        ]
        procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        paths.append(png)
    for p in procs:
        p.wait(timeout=120)
    return paths


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("browser")
    return {
        "run": make_run(root / "run") / "report.html",
        "comparison": make_comparison(root / "cmp") / "report.html",
        "crowded": make_crowded_comparison(root / "crowd") / "report.html",
    }


@pytest.mark.parametrize("kind", ["run", "comparison", "crowded"])
def test_report_renders_cleanly_at_phone_and_desktop_width(kind: str, reports: dict[str, Path], tmp_path: Path) -> None:
    from PIL import Image

    report = reports[kind]
    n_img = report.read_text(encoding="utf-8").count("<img ")
    shots = _screenshots(report, f"report-{kind}", tmp_path)
    results, console = _check_in_browser(report, tmp_path)
    assert console == [], "console messages:\n" + "\n".join(console)
    assert len(results) == len(WIDTHS)
    for r in results:
        assert "error" not in r, r
        assert r["images"] == n_img > 0
        assert r["broken"] == [], f"images that did not load at {r['width']} px: {r['broken']}"
        assert r["scrollWidth"] <= r["clientWidth"], f"horizontal overflow at {r['width']} px: {r['wide']}"
        assert r["wide"] == [], f"elements wider than the screen at {r['width']} px: {r['wide']}"
        assert r["scripts"] == 0
        assert r["sections"] >= 10
    for png, w in zip(shots, WIDTHS):
        assert png.exists(), f"no screenshot {png}"
        with Image.open(png) as im:
            assert im.size == (w, 2400)
            gray = im.convert("L")
            lo, hi = gray.getextrema()
            assert lo < 100 and hi > 200, "the screenshot looks blank"
