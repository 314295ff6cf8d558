"""Regenerate the committed example reports (``make examples``).

Writes, under ``reports/examples/``:

* ``baseline/``: a run of the shipped baseline (report.html, summary.json;
  the Parquet tables are written too, for ``careersim report``, but are not
  committed: see ``reports/examples/.gitignore``);
* ``compare-baseline-vs-multi-year-grants/``: a paired comparison of the
  baseline with multi-year grants (intervention B): report.html and
  comparison.json.

Few replications keep them quick to make and small to commit; they show what
a report looks like, not settled results.

Usage: ``python -m careersim.reporting.examples [--replications N] [--out DIR]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from careersim.config.scenarios import load_scenario, shipped_dir
from careersim.core.files import atomic_output, write_text
from careersim.experiments import experiment
from careersim.experiments.compare import compare, write_comparison
from careersim.reporting.pages import render_comparison, render_run

REPLICATIONS = 8
SEED = 1


def build(
    out_root: Path, replications: int = REPLICATIONS, workers: int | None = None, progress: bool = False
) -> list[Path]:
    scen = shipped_dir()
    base = load_scenario(scen / "baseline.yaml")
    alt = load_scenario(scen / "multi-year-grants.yaml")
    out_root.mkdir(parents=True, exist_ok=True)
    made = []
    run_dir = out_root / "baseline"
    with atomic_output(run_dir) as tmp:
        exp = experiment.run(base, replications, SEED, workers, progress)
        experiment.write_results(exp, tmp)
        render_run(tmp)
    made.append(run_dir / "report.html")
    cmp_dir = out_root / "compare-baseline-vs-multi-year-grants"
    with atomic_output(cmp_dir) as tmp:
        data = compare(base, [alt], replications, SEED, workers, progress)
        write_comparison(data, tmp)
        render_comparison(tmp)
    made.append(cmp_dir / "report.html")
    write_text(
        out_root / ".gitignore",
        "# Example reports commit their HTML and JSON only; the tables and scenario copy stay local.\n"
        "*.parquet\n*.yaml\n.*.partial-*/\n",
    )
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m careersim.reporting.examples", description=__doc__.splitlines()[0])
    parser.add_argument("--replications", "-n", type=int, default=REPLICATIONS)
    parser.add_argument("--workers", "-j", type=int, default=None)
    parser.add_argument("--out", type=Path, default=Path("reports/examples"))
    args = parser.parse_args(argv)
    for path in build(args.out, args.replications, args.workers, progress=sys.stderr.isatty()):
        print(path)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
