"""``careersim calibrate``: a posterior over scenario parameters from published statistics (ABC-SMC)."""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

from careersim.cli.common import UserError, arg, command, positive_int, seed_number

EXIT_OK = 0
EXIT_INTERRUPTED = 130


def _check_out(out: Path) -> None:
    """Refuse anything but an earlier calibration (to continue or replace) or an empty folder."""
    from careersim.experiments.calibrate import is_calibration_folder

    if not out.exists():
        return
    if not out.is_dir():
        raise UserError(f"careersim calibrate: {out} exists and is not a folder (expected a folder for the results; choose another --out)")
    if any(out.iterdir()) and not is_calibration_folder(out):
        raise UserError(
            f"careersim calibrate: {out} already holds files that are not a calibration; "
            "choose another --out or remove it (an earlier calibration there would be continued)"
        )
    cwd = Path.cwd().resolve()
    if out.resolve() == cwd or out.resolve() in cwd.parents:
        raise UserError(f"careersim calibrate: --out {out} is the current folder or above it (expected a folder of its own)")


def _base_ref(spec: str, out: Path) -> str | None:
    """What calibrated.yaml should extend: a shipped name as is, a file relative to the output folder."""
    from careersim.config.scenarios import resolve_scenario, shipped_dir

    path = resolve_scenario(spec)
    if not path.is_file():
        return None
    shipped = shipped_dir().resolve()
    if path.resolve().parent == shipped and Path(spec).name == spec and not Path(spec).suffix:
        return path.stem
    return os.path.relpath(path.resolve(), out.resolve())


def _minutes(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "unknown"
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} min"


class _Report:
    """Progress on stderr: a line per generation with its tolerance and a time estimate, and a bar within it."""

    def __init__(self, enabled: bool, tolerance: float, replications: int) -> None:
        self.enabled, self.tolerance, self.replications = enabled, tolerance, replications
        self.bar = None

    def message(self, text: str) -> None:
        if self.enabled:
            print(text, file=sys.stderr, flush=True)

    def generation_start(self, t: int, eps: float, n: int, expected: float, seconds: float) -> None:
        from careersim.experiments.pool import Progress

        if not self.enabled:
            return
        what = "the prior" if t == 0 else f"tolerance {eps:.3g} (target {self.tolerance:.3g})"
        self.message(f"Generation {t}: {what}; {n} particles to accept, about {expected:.0f} to evaluate "
                     f"({expected * self.replications:.0f} runs), about {_minutes(seconds)}.")
        self.bar = Progress(n, f"generation {t}", enabled=True)

    def particle(self, evaluated: int, accepted: int) -> None:
        if self.bar is not None:
            self.bar.update(accepted, detail=f"accepted, {evaluated} evaluated")

    def generation_end(self, g) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        self.message(f"  generation {g.t} done: {g.accepted} of {g.evaluations} accepted ({100 * g.acceptance_rate:.1f}%), "
                     f"{g.evaluations * self.replications} runs, {_minutes(g.seconds)}; effective sample size {g.ess:.0f}.")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


@command(
    "calibrate",
    "Fit scenario parameters to published statistics: a posterior by ABC-SMC, with held-out targets predicted.",
    example=(
        "careersim calibrate scenarios/calibration/targets.yaml --scenario scenarios/calibration/base.yaml "
        "--population 100 --generations 8 --out reports/calibration"
    ),
    description=(
        "Approximate Bayesian computation (ABC-SMC, pyabc) of the parameters the targets file lists (or --params) "
        "against its 'fit' targets, on common random numbers; 'holdout' targets are predicted, not fitted (see "
        "docs/calibration.md). Every generation is kept in DIR/abc.db: run the same command again to continue an "
        "interrupted calibration. Writes posterior.parquet (weighted joint samples), calibrated.yaml (the base "
        "drawing its fitted parameters from the posterior), fit.json and report.html."
    ),
    args=[
        arg("targets", metavar="TARGETS", help="targets file (YAML; see docs/calibration.md)"),
        arg("--scenario", "-s", default="baseline", metavar="BASE", help="scenario to start from: a file or a shipped name (default: baseline)"),
        arg("--params", "-p", default=None, metavar="NAME[,NAME...]",
            help="dotted parameter paths to fit (default: the targets file's 'parameters:' list)"),
        arg("--bounds", action="append", default=[], metavar="PATH=LOW:HIGH",
            help="prior bounds for a fitted parameter in its canonical unit (repeatable; default: the targets file's prior, "
                 "else the schema's range, else 1/4 to 4 times the base value)"),
        arg("--population", type=positive_int, default=100, metavar="N", help="particles per generation (default: 100)"),
        arg("--generations", type=positive_int, default=8, metavar="G",
            help="most generations in all, generation 0 (the prior) and earlier runs included (default: 8)"),
        arg("--replications", "-n", type=positive_int, default=4, metavar="R", help="replications per particle (default: 4)"),
        arg("--predictive", type=positive_int, default=100, metavar="M",
            help="replications of the calibrated scenario that predict the targets (default: 100)"),
        arg("--seed", type=seed_number, default=1, metavar="S", help="root random seed, shared by every particle (default: 1)"),
        arg("--restart", action="store_true", help="discard a calibration stored in --out and start afresh"),
        arg("--workers", "-j", type=positive_int, default=None, metavar="K", help="worker processes (default: all cores)"),
        arg("--out", "-o", type=Path, default=None, metavar="DIR", help="output folder (default: reports/<scenario name>-calibration/)"),
        arg("--quiet", "-q", action="store_true", help="no progress; print only the output folder"),
    ],
)
def calibrate_command(args: argparse.Namespace) -> int:
    """Load targets and scenario, check parameters, run or continue the ABC, and write the results."""
    from careersim.config.scenarios import load_scenario
    from careersim.experiments import calibrate as cal
    from careersim.experiments.pool import Progress
    from careersim.reporting import calibration_page

    spec = cal.load_calibration(args.targets)
    base = load_scenario(args.scenario)
    paths = [p.strip() for p in args.params.split(",") if p.strip()] if args.params else None
    try:
        bounds = cal.parse_bounds(args.bounds)
        params = cal.free_parameters(base, paths, bounds, spec.priors)
    except ValueError as exc:
        raise UserError("\n".join(f"careersim calibrate: {line}" for line in str(exc).splitlines())) from None
    if args.predictive < 10:
        raise UserError(f"careersim calibrate: --predictive {args.predictive} is too few (expected at least 10 replications)")
    if args.population < 10:
        raise UserError(f"careersim calibrate: --population {args.population} is too small (expected at least 10 particles)")
    out: Path = args.out if args.out is not None else Path("reports") / f"{base.name}-calibration"
    _check_out(out)
    settings = cal.Settings(population=args.population, generations=args.generations, replications=args.replications,
                            seed=args.seed, workers=args.workers, predictive=args.predictive)
    workers = args.workers or os.cpu_count() or 1
    tolerance = cal.target_tolerance(spec.targets)
    report = _Report(not args.quiet, tolerance, args.replications)
    n_fit = sum(t.fitted for t in spec.targets)
    report.message(
        f"Calibrating '{base.name}': {len(params)} parameter(s) "
        f"({', '.join(f'{p.path} ~ {p.prior_text()}' for p in params)}) to {n_fit} fitted target(s), "
        f"{len(spec.targets) - n_fit} held out; {args.population} particles a generation, at most {args.generations} generations, "
        f"{args.replications} replications per particle (seed {args.seed}), {workers} worker(s); target tolerance {tolerance:.3g}.")
    created = not out.exists()
    try:
        result = cal.calibrate(base, spec.targets, params, settings, out, restart=args.restart, progress=report)
    except cal.CalibrationError as exc:
        report.close()
        raise UserError(f"careersim calibrate: {exc}") from None
    except KeyboardInterrupt:
        report.close()
        stored = (out / cal.DB).exists()
        if created and not stored:
            import shutil

            shutil.rmtree(out, ignore_errors=True)
        print("\ncareersim calibrate: interrupted. "
              + (f"Every finished generation is kept in {out / cal.DB}; run the same command again to continue."
                 if stored else "Nothing was stored."), file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        report.close()
    reasons = {"reached": "reached the target tolerance", "generations": "stopped at --generations",
               "acceptance": f"stopped: a generation's acceptance rate fell below {100 * cal.MIN_ACCEPTANCE:g}%"}
    report.message(f"ABC {reasons.get(result.stop_reason, result.stop_reason)} after generation {result.generations[-1].t} "
                   f"(tolerance {result.generations[-1].epsilon:.3g}); {result.evaluations} particles evaluated "
                   f"({result.evaluations * args.replications} runs). Predicting the targets from {args.predictive} "
                   "replications of the calibrated scenario.")
    bar = Progress(args.predictive, "predictions", enabled=not args.quiet)
    try:
        with bar:
            data = cal.write_outputs(result, out, base_ref=_base_ref(args.scenario, out), targets_file=Path(args.targets),
                                     command="careersim " + " ".join(sys.argv[1:]), workers=args.workers, progress=bar)
        calibration_page.write_report(data, result.base.name, out)
    except KeyboardInterrupt:
        print(f"\ncareersim calibrate: interrupted while writing the results; every generation is kept in {out / cal.DB}: "
              "run the same command again to write them.", file=sys.stderr)
        return EXIT_INTERRUPTED
    if args.quiet:
        print(out)
        return EXIT_OK
    h = data["holdout"]
    report.message(f"{result.simulations} simulated runs in all. Held-out targets inside the model's 95% predictive interval: "
                   f"{h['covered']} of {h['n']}.")
    if data["unreached"]:
        report.message("Fitted targets the model does not reach together: " + "; ".join(data["unreached"]) + ".")
    for p in data["parameters"]:
        report.message(f"  {p['path']}: median {p['median']:.4g}, 95% interval {p['low']:.4g} to {p['high']:.4g} "
                       f"(prior {p['prior']}){'  [at a bound of its prior]' if p['at_bound'] else ''}")
    print(f"Report: {out / 'report.html'}\nPosterior: {out / cal.POSTERIOR}\nCalibrated scenario: {out / cal.SCENARIO}")
    return EXIT_OK
