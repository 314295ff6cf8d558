"""``careersim calibrate``: fit scenario parameters to published statistics."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from careersim.cli.common import UserError, arg, command, positive_int, seed_number

EXIT_OK = 0




def _check_out(out: Path) -> None:
    """Refuse to replace anything but an earlier calibration (or an empty folder)."""
    if not out.exists():
        return
    if not out.is_dir():
        raise UserError(f"careersim calibrate: {out} exists and is not a folder (expected a folder for the results; choose another --out)")
    if any(out.iterdir()) and not (out / "fit.json").exists():
        raise UserError(
            f"careersim calibrate: {out} already holds files that are not a calibration; "
            "choose another --out or remove it (an earlier calibration there would be replaced)"
        )
    cwd = Path.cwd().resolve()
    if out.resolve() == cwd or out.resolve() in cwd.parents:
        raise UserError(f"careersim calibrate: --out {out} is the current folder or above it (expected a folder of its own)")


def _base_ref(spec: str, out: Path) -> str | None:
    """What fitted.yaml should extend: a shipped name as is, a file relative to the output folder."""
    from careersim.config.scenarios import resolve_scenario, shipped_dir

    path = resolve_scenario(spec)
    if not path.is_file():
        return None
    shipped = shipped_dir().resolve()
    if path.resolve().parent == shipped and Path(spec).name == spec and not Path(spec).suffix:
        return path.stem
    return os.path.relpath(path.resolve(), out.resolve())


@command(
    "calibrate",
    "Fit scenario parameters to published statistics (targets with sources).",
    example=(
        "careersim calibrate scenarios/calibration/targets.yaml --scenario scenarios/calibration/base.yaml "
        "--params phd.duration,grants.base_acceptance,grants.reviewers --bounds phd.duration=3:8 --budget 40 --out reports/calibration"
    ),
    description=(
        "Fits the named parameters of a scenario so that the model's statistics match published "
        "targets (see docs/calibration.md). Every candidate runs the same replications with the same "
        "seed (common random numbers); the loss is the sum of squared standardised errors. Writes "
        "fitted.yaml (extends the base scenario), fitted-full.yaml, fit.json and report.html; the "
        "folder appears only when it is complete."
    ),
    args=[
        arg("targets", metavar="TARGETS", help="targets file (YAML; see docs/calibration.md)"),
        arg("--scenario", "-s", default="baseline", metavar="BASE", help="scenario to start from: a file or a shipped name (default: baseline)"),
        arg("--params", "-p", required=True, metavar="NAME[,NAME...]", help="dotted parameter paths to fit, e.g. phd.duration,programme.places"),
        arg("--bounds", action="append", default=[], metavar="PATH=LOW:HIGH",
            help="bounds for a fitted parameter in its canonical unit (repeatable; default: the schema's range, else 1/4 to 4 times the base value)"),
        arg("--replications", "-n", type=positive_int, default=4, metavar="R", help="replications per candidate (default: 4)"),
        arg("--seed", type=seed_number, default=1, metavar="S", help="root random seed, shared by every candidate (default: 1)"),
        arg("--budget", type=positive_int, default=40, metavar="EVALS", help="candidate evaluations, including the base scenario (default: 40)"),
        arg("--method", choices=("nelder-mead", "differential-evolution"), default="nelder-mead",
            help="optimiser: Sobol design then Nelder-Mead (default), or differential evolution"),
        arg("--workers", "-j", type=positive_int, default=None, metavar="K", help="worker processes (default: all cores)"),
        arg("--out", "-o", type=Path, default=None, metavar="DIR", help="output folder (default: reports/<scenario name>-calibration/)"),
        arg("--quiet", "-q", action="store_true", help="no progress; print only the output folder"),
    ],
)
def calibrate_command(args: argparse.Namespace) -> int:
    """Load targets and scenario, check parameters, fit, and write the results atomically."""
    from careersim.config.scenarios import load_scenario
    from careersim.core.files import atomic_output
    from careersim.experiments import calibrate as cal
    from careersim.experiments.pool import Progress
    from careersim.reporting import calibration_page

    targets = cal.load_targets(args.targets)
    base = load_scenario(args.scenario)
    paths = [p.strip() for p in args.params.split(",") if p.strip()]
    try:
        bounds = cal.parse_bounds(args.bounds)
        params = cal.free_parameters(base, paths, bounds)
    except ValueError as exc:
        raise UserError("\n".join(f"careersim calibrate: {line}" for line in str(exc).splitlines())) from None
    if args.budget < len(params) + 3:
        raise UserError(f"careersim calibrate: --budget {args.budget} is too small for {len(params)} parameter(s) (expected at least {len(params) + 3})")
    out: Path = args.out if args.out is not None else Path("reports") / f"{base.name}-calibration"
    _check_out(out)
    workers = args.workers or os.cpu_count() or 1
    if not args.quiet:
        box = ", ".join(f"{q.path} in [{q.lo:g}, {q.hi:g}]{' (log)' if q.log else ''}" for q in params)
        print(f"Calibrating '{base.name}' to {len(targets)} target(s): {box}; "
              f"{args.budget} candidates x {args.replications} replications, seed {args.seed}, {workers} worker(s).",
              file=sys.stderr)

    bar = Progress(args.budget, "candidates", enabled=not args.quiet)

    def progress(c, best, budget) -> None:
        vals = ", ".join(f"{k.rsplit('.', 1)[-1]}={v:.4g}" for k, v in c.values.items()) or "base scenario"
        bar.print(f"  [{c.index + 1:>3}/{budget}] {c.phase:<6} loss {c.loss:10.4g}  best {best.loss:10.4g}  ({vals})")
        bar.advance(detail=f"best loss {best.loss:.4g}")

    with bar:
        result = cal.fit(base, targets, params, replications=args.replications, seed=args.seed, budget=args.budget,
                         workers=workers, method=args.method, progress=progress)
    ref = _base_ref(args.scenario, out)
    with atomic_output(out) as tmp:
        data = cal.write_outputs(result, tmp, base_ref=ref, targets_file=Path(args.targets), command="careersim " + " ".join(sys.argv[1:]))
        calibration_page.write_report(data, result.base.name, tmp)
    if args.quiet:
        print(out)
    else:
        print(f"Loss {result.loss_before:.4g} -> {result.loss_after:.4g} in {result.seconds:.0f} s.", file=sys.stderr)
        for q in params:
            print(f"  {q.path}: {q.base_text} -> {result.best.values[q.path]:.4g}", file=sys.stderr)
        print(f"Report: {out / 'report.html'}\nFitted scenario: {out / 'fitted.yaml'}")
    return EXIT_OK
