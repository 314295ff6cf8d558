"""``careersim analyze``: sensitivity analysis and report of a sweep's results."""

from __future__ import annotations

import argparse

from careersim.cli.common import EXIT_OK, UserError, number_text, path, text

SUMMARY = "Sensitivity analysis and report of a sweep's results."
DESCRIPTION = (
    "Merges a sweep's stored runs (several folders are merged as shards of one sweep) and writes "
    "analysis.json and report.html: per outcome, sensitivity indices (Sobol' for a saltelli design, "
    "Morris for morris, given-data estimates otherwise), the split of variation between parameters "
    "and chance, and for yes/no outcomes the regions of the factors where they hold, in words."
)
EXAMPLE = "careersim analyze reports/sweeps/sobol-baseline"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folders", nargs="+", type=text("a sweep output folder"), metavar="DIR",
                        help="sweep output folder(s) of one sweep")
    parser.add_argument("--out", "-o", type=path("a report file name"), default=None, metavar="FILE",
                        help="report file (default: DIR/report.html; analysis.json goes beside it)")
    parser.add_argument("--quiet", "-q", action="store_true", help="print only the report's path")


def run(args: argparse.Namespace) -> int:
    """Merge the stored runs, analyse them, write analysis.json and report.html, print the gist."""
    from careersim.experiments.sweep import StoreError  # lazy: keeps start-up fast
    from careersim.reporting.sweep_page import write_analysis

    try:
        json_path, report, analysis = write_analysis(args.folders, args.out)
    except StoreError as exc:
        raise UserError(f"careersim analyze: {exc}") from None
    if args.quiet:
        print(report)
        return EXIT_OK
    runs = analysis["runs"]
    print(f"{runs['completed']} of {runs['expected']} runs ({runs['failed']} failed).")
    names = analysis.get("outcome_names") or {}
    for expr, e in analysis["outcomes"].items():
        print(f"\n{names.get(expr, expr)}: mean {number_text(e.get('mean'))} over {e.get('runs')} runs ({e['method']})")
        key = {"sobol": "ST", "morris": "mu_star"}.get(e["method"], "S1")
        ranked = sorted(e["indices"], key=lambda r: -(r.get(key) if r.get(key) is not None else -1))
        for r in ranked:
            extra = f"  S1 {number_text(r.get('S1'))}" if key == "ST" else ""
            print(f"  {r['label']:<40} {key} {number_text(r.get(key))} ± {number_text(r.get(key + '_conf'))}{extra}  [{r['role']}]")
        v = e.get("variance", {})
        if v.get("parameter_share") is not None:
            print(f"  variation: {v['parameter_share']:.0%} parameters, {v['chance_share']:.0%} chance")
        if e.get("regions"):
            print(f"  {e['regions']['text']}")
            for rule in e["regions"]["rules"]:
                print(f"    - {rule['text']}")
    print(f"\nReport: {report}\nAnalysis: {json_path}")
    return EXIT_OK
