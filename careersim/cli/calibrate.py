"""``careersim calibrate``: fit scenario parameters to published statistics."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from careersim.cli.common import (
    EXIT_OK,
    STARTUP_SECONDS,
    UserError,
    atomic_output,
    check_out_dir,
    compile_engine,
    human_seconds,
    path,
    positive_int,
    seed_number,
    text,
    workers,
)

SUMMARY = "Fit scenario parameters to published statistics (targets with sources)."
DESCRIPTION = (
    "Fits the named parameters of a scenario so that the model's statistics match published "
    "targets (see docs/calibration.md). Every candidate runs the same replications with the same "
    "seed (common random numbers); the loss is the sum of squared standardised errors. Writes "
    "fitted.yaml (extends the base scenario), fitted-full.yaml, fit.json and report.html; the "
    "folder appears only when it is complete."
)
EXAMPLE = (
    "careersim calibrate scenarios/calibration/targets.yaml --scenario scenarios/calibration/base.yaml "
    "--params phd.duration,grants.base_acceptance,grants.reviewers --bounds phd.duration=3:8 --budget 40 --out reports/calibration"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("targets", type=text("a targets file"), metavar="TARGETS",
                        help="targets file (YAML; see docs/calibration.md)")
    parser.add_argument("--scenario", "-s", type=text("a scenario file or a shipped scenario name"), default="baseline",
                        metavar="BASE", help="scenario to start from: a file or a shipped name (default: baseline)")
    parser.add_argument("--params", "-p", type=text("dotted parameter paths such as phd.duration"), required=True,
                        metavar="NAME[,NAME...]", help="dotted parameter paths to fit, e.g. phd.duration,programme.places")
    parser.add_argument("--bounds", type=text("PATH=LOW:HIGH, e.g. phd.duration=3:8"), action="append", default=[],
                        metavar="PATH=LOW:HIGH",
                        help="bounds for a fitted parameter in its canonical unit (repeatable; default: the schema's range, "
                             "else 1/4 to 4 times the base value)")
    parser.add_argument("--replications", "-n", type=positive_int, default=4, metavar="R",
                        help="replications per candidate (default: 4)")
    parser.add_argument("--seed", type=seed_number, default=1, metavar="S",
                        help="root random seed, shared by every candidate (default: 1)")
    parser.add_argument("--budget", type=positive_int, default=40, metavar="EVALS",
                        help="candidate evaluations, including the base scenario (default: 40)")
    parser.add_argument("--method", choices=("nelder-mead", "differential-evolution"), default="nelder-mead",
                        help="optimiser: Sobol design then Nelder-Mead (default), or differential evolution")
    parser.add_argument("--workers", "-j", type=workers, default=None, metavar="K",
                        help="worker processes (default: all cores)")
    parser.add_argument("--out", "-o", type=path("an output folder"), default=None, metavar="DIR",
                        help="output folder (default: reports/<scenario name>-calibration/)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress; print only the output folder")


def _base_ref(spec: str, out: Path) -> str | None:
    """What fitted.yaml should extend: a shipped name as is, a file relative to the output folder."""
    from careersim.config.shipped import resolve_scenario, shipped_dir  # lazy: keeps start-up fast

    scenario = resolve_scenario(spec)
    if not scenario.is_file():
        return None
    shipped = shipped_dir().resolve()
    if scenario.resolve().parent == shipped and Path(spec).name == spec and not Path(spec).suffix:
        return scenario.stem
    return os.path.relpath(scenario.resolve(), out.resolve())


def run(args: argparse.Namespace) -> int:
    """Load targets and scenario, check parameters, fit, and write the results atomically."""
    from careersim.config.scenarios import load_scenario  # lazy: keeps start-up fast
    from careersim.experiments import calibrate as cal
    from careersim.experiments.pool import Progress
    from careersim.reporting import calibration_page

    targets = cal.load_targets(args.targets)
    base = load_scenario(args.scenario)
    paths = [p.strip() for p in args.params.split(",") if p.strip()]
    if not paths:
        raise UserError(f"careersim calibrate: --params: got {args.params!r} (expected dotted parameter paths such as "
                        "phd.duration,grants.base_acceptance)")
    try:
        bounds = cal.parse_bounds(args.bounds)
        params = cal.free_parameters(base, paths, bounds)
    except ValueError as exc:
        raise UserError("\n".join(f"careersim calibrate: {line}" for line in str(exc).splitlines())) from None
    if args.budget < len(params) + 3:
        raise UserError(f"careersim calibrate: --budget {args.budget} is too small for {len(params)} parameter(s) (expected at least {len(params) + 3})")
    out: Path = args.out if args.out is not None else Path("reports") / f"{base.name}-calibration"
    check_out_dir(out, command="calibrate", marker="fit.json", what="calibration", earlier="an earlier calibration",
                  not_folder_hint="expected a folder for the results; ")
    n_workers = args.workers or os.cpu_count() or 1
    if not args.quiet:
        from careersim.experiments.experiment import estimate_cost  # lazy: keeps start-up fast

        box = ", ".join(f"{q.path} in [{q.lo:g}, {q.hi:g}]{' (log)' if q.log else ''}" for q in params)
        seconds, _ = estimate_cost(base, args.budget * args.replications, policy_claims=0)
        wall = STARTUP_SECONDS + seconds / max(1, min(n_workers, args.replications))
        print(f"Calibrating '{base.name}' to {len(targets)} target(s): {box}; "
              f"{args.budget} candidates x {args.replications} replications, seed {args.seed}, {n_workers} worker(s), "
              f"about {human_seconds(wall)} (at the base scenario's size).",
              file=sys.stderr)

    bar = Progress(args.budget, "candidates", enabled=not args.quiet)

    def progress(c, best, budget) -> None:
        vals = ", ".join(f"{k.rsplit('.', 1)[-1]}={v:.4g}" for k, v in c.values.items()) or "base scenario"
        bar.print(f"  [{c.index + 1:>3}/{budget}] {c.phase:<6} loss {c.loss:10.4g}  best {best.loss:10.4g}  ({vals})")
        bar.advance(detail=f"best loss {best.loss:.4g}")

    compile_engine(args.quiet)
    with bar:
        result = cal.fit(base, targets, params, replications=args.replications, seed=args.seed, budget=args.budget,
                         workers=n_workers, method=args.method, progress=progress)
    ref = _base_ref(args.scenario, out)
    with atomic_output(out) as tmp:
        data = cal.write_outputs(result, tmp, base_ref=ref, targets_file=Path(args.targets),
                                 command="careersim " + " ".join(sys.argv[1:]))
        calibration_page.write_report(data, result.base.name, tmp)
    if args.quiet:
        print(out)
    else:
        print(f"Loss {result.loss_before:.4g} -> {result.loss_after:.4g} in {result.seconds:.0f} s.", file=sys.stderr)
        for q in params:
            print(f"  {q.path}: {q.base_text} -> {result.best.values[q.path]:.4g}", file=sys.stderr)
        print(f"Report: {out / 'report.html'}\nFitted scenario: {out / 'fitted.yaml'}")
    return EXIT_OK
