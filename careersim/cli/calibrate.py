"""``careersim calibrate``: a posterior over scenario parameters from published statistics (ABC-SMC)."""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

from careersim.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    UserError,
    check_writable,
    compile_engine,
    path,
    positive_int,
    seed_number,
    text,
    workers,
)

SUMMARY = "Fit scenario parameters to published statistics: a posterior by ABC-SMC, with held-out targets predicted."
DESCRIPTION = (
    "Approximate Bayesian computation (ABC-SMC, pyabc) of the parameters the targets file lists (or --params) "
    "against its 'fit' targets, on common random numbers; 'holdout' targets are predicted, not fitted, and targets "
    "marked 'needs' are shown but neither fitted nor scored (see docs/calibration.md). Every generation is kept in "
    "DIR/abc.db: run the same command again to continue an interrupted calibration. --time-limit stops starting "
    "generations that would not finish in time. Writes posterior.parquet (weighted joint samples), calibrated.yaml "
    "(the base drawing its fitted parameters from the posterior), fit.json and report.html; --install also writes "
    "the posterior, atomically, where shipped scenarios read it."
)
EXAMPLE = "careersim calibrate scenarios/calibration/targets.yaml --time-limit 28 --out reports/calibration"


def _minutes_arg(value: str) -> float:
    try:
        minutes = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {value!r} (expected a number of minutes such as 28)") from None
    if not (math.isfinite(minutes) and 0 < minutes <= 7 * 24 * 60):
        raise argparse.ArgumentTypeError(f"got {value!r} (expected minutes above 0 and at most a week)")
    return minutes


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "targets", type=text("a targets file"), metavar="TARGETS", help="targets file (YAML; see docs/calibration.md)"
    )
    parser.add_argument(
        "--scenario",
        "-s",
        type=text("a scenario file or a shipped scenario name"),
        default=None,
        metavar="BASE",
        help="scenario to start from: a file or a shipped name (default: the targets "
        "file's 'scenario:', else baseline)",
    )
    parser.add_argument(
        "--params",
        "-p",
        type=text("dotted parameter paths such as phd.duration"),
        default=None,
        metavar="NAME[,NAME...]",
        help="dotted parameter paths to fit (default: the targets file's 'parameters:' list)",
    )
    parser.add_argument(
        "--bounds",
        type=text("PATH=LOW:HIGH, e.g. phd.duration=3:8"),
        action="append",
        default=[],
        metavar="PATH=LOW:HIGH",
        help="prior bounds for a fitted parameter in its canonical unit (repeatable; default: the targets "
        "file's prior, else the schema's range, else 1/4 to 4 times the base value)",
    )
    parser.add_argument(
        "--population", type=positive_int, default=100, metavar="N", help="particles per generation (default: 100)"
    )
    parser.add_argument(
        "--generations",
        type=positive_int,
        default=8,
        metavar="G",
        help="most generations in all, generation 0 (the prior) and earlier runs included (default: 8)",
    )
    parser.add_argument(
        "--replications", "-n", type=positive_int, default=4, metavar="R", help="replications per particle (default: 4)"
    )
    parser.add_argument(
        "--predictive",
        type=positive_int,
        default=100,
        metavar="M",
        help="replications of the calibrated scenario that predict the targets (default: 100)",
    )
    parser.add_argument(
        "--time-limit",
        type=_minutes_arg,
        default=None,
        metavar="MINUTES",
        help="wall-clock budget for this call, predictions included: a generation is started only if "
        "its estimate fits, and stopped (not stored) if it would overrun (default: none)",
    )
    parser.add_argument(
        "--seed",
        type=seed_number,
        default=1,
        metavar="S",
        help="root random seed, shared by every particle (default: 1)",
    )
    parser.add_argument("--restart", action="store_true", help="discard a calibration stored in --out and start afresh")
    parser.add_argument(
        "--install",
        type=path("a posterior file to write, e.g. scenarios/calibration/posterior.parquet"),
        default=None,
        metavar="FILE",
        help="also write the posterior to FILE (atomically), where scenarios name it in "
        "'calibration: {posterior: ...}'",
    )
    parser.add_argument(
        "--workers", "-j", type=workers, default=None, metavar="K", help="worker processes (default: all cores)"
    )
    parser.add_argument(
        "--out",
        "-o",
        type=path("an output folder"),
        default=None,
        metavar="DIR",
        help="output folder (default: reports/<scenario name>-calibration/)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress; print only the output folder")


def _check_out(out: Path) -> None:
    """Refuse anything but an earlier calibration (to continue or replace) or an empty folder."""
    from careersim.experiments.calibrate import is_calibration_folder  # lazy: keeps start-up fast

    check_writable(out, "calibrate")
    if not out.exists():
        return
    if not out.is_dir():
        raise UserError(
            f"careersim calibrate: {out} exists and is not a folder (expected a folder for the results; "
            "choose another --out)"
        )
    if any(out.iterdir()) and not is_calibration_folder(out):
        raise UserError(
            f"careersim calibrate: {out} already holds files that are not a calibration; "
            "choose another --out or remove it (an earlier calibration there would be continued)"
        )
    cwd = Path.cwd().resolve()
    if out.resolve() == cwd or out.resolve() in cwd.parents:
        raise UserError(
            f"careersim calibrate: --out {out} is the current folder or above it (expected a folder of its own)"
        )


def _check_install(target: Path) -> None:
    if target.suffix != ".parquet":
        raise UserError(
            f"careersim calibrate: --install {target}: expected a file name ending in .parquet "
            "(e.g. scenarios/calibration/posterior.parquet)"
        )
    if target.exists() and not target.is_file():
        raise UserError(
            f"careersim calibrate: --install {target} exists and is not a file (expected a posterior file to replace)"
        )
    if not target.parent.is_dir():
        raise UserError(
            f"careersim calibrate: --install {target}: the folder {target.parent} does not exist "
            "(expected an existing folder, e.g. scenarios/calibration)"
        )


def _base_ref(spec: str, out: Path) -> str | None:
    """What calibrated.yaml should extend: a shipped name as is, a file relative to the output folder."""
    from careersim.config.shipped import resolve_scenario, shipped_dir  # lazy: keeps start-up fast

    scenario = resolve_scenario(spec)
    if not scenario.is_file():
        return None
    shipped = shipped_dir().resolve()
    if scenario.resolve().parent == shipped and Path(spec).name == spec and not Path(spec).suffix:
        return scenario.stem
    return os.path.relpath(scenario.resolve(), out.resolve())


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

    def message(self, line: str) -> None:
        if self.enabled:
            print(line, file=sys.stderr, flush=True)

    def generation_start(self, t: int, eps: float, n: int, expected: float, seconds: float) -> None:
        from careersim.experiments.pool import Progress  # lazy: keeps start-up fast

        if not self.enabled:
            return
        what = "the prior" if t == 0 else f"tolerance {eps:.3g} (target {self.tolerance:.3g})"
        self.message(
            f"Generation {t}: {what}; {n} particles to accept, about {expected:.0f} to evaluate "
            f"({expected * self.replications:.0f} runs), about {_minutes(seconds)}."
        )
        self.bar = Progress(n, f"generation {t}", enabled=True)

    def particle(self, evaluated: int, accepted: int) -> None:
        if self.bar is not None:
            self.bar.update(accepted, detail=f"accepted, {evaluated} evaluated")

    def generation_end(self, g) -> None:
        self.close()
        self.message(
            f"  generation {g.t} done: {g.accepted} of {g.evaluations} accepted ({100 * g.acceptance_rate:.1f}%), "
            f"{g.evaluations * self.replications} runs, {_minutes(g.seconds)}; effective sample size {g.ess:.0f}."
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


REASONS = {
    "reached": "reached the target tolerance",
    "generations": "stopped at --generations",
    "acceptance": "stopped: a generation's acceptance rate fell below {min_acceptance}",
    "time": "stopped: the next generation would not finish within --time-limit",
}


def run(args: argparse.Namespace) -> int:
    """Load targets and scenario, check parameters, run or continue the ABC, and write the results."""
    import time

    from careersim.config.scenarios import load_scenario  # lazy: keeps start-up fast
    from careersim.experiments import calibrate as cal
    from careersim.experiments.pool import Progress
    from careersim.reporting import calibration_page

    started = time.time()
    spec = cal.load_calibration(args.targets)
    scenario_ref = args.scenario or spec.scenario or "baseline"
    base = load_scenario(scenario_ref)
    replaced = base.calibration.posterior  # calibrate() fits afresh without it (particles, not an earlier posterior)
    paths = [p.strip() for p in args.params.split(",") if p.strip()] if args.params else None
    if args.params is not None and not paths:
        raise UserError(
            f"careersim calibrate: --params: got {args.params!r} (expected dotted parameter paths such as "
            "phd.duration,grants.base_acceptance)"
        )
    try:
        bounds = cal.parse_bounds(args.bounds)
        params = cal.free_parameters(base, paths, bounds, spec.priors)
    except ValueError as exc:
        raise UserError("\n".join(f"careersim calibrate: {line}" for line in str(exc).splitlines())) from None
    if args.predictive < 10:
        raise UserError(
            f"careersim calibrate: --predictive {args.predictive} is too few (expected at least 10 replications)"
        )
    if args.population < 10:
        raise UserError(
            f"careersim calibrate: --population {args.population} is too small (expected at least 10 particles)"
        )
    out: Path = args.out if args.out is not None else Path("reports") / f"{base.name}-calibration"
    _check_out(out)
    if args.install is not None:
        _check_install(args.install)
    deadline = started + 60 * args.time_limit if args.time_limit is not None else None
    settings = cal.Settings(
        population=args.population,
        generations=args.generations,
        replications=args.replications,
        seed=args.seed,
        workers=args.workers,
        predictive=args.predictive,
    )
    n_workers = args.workers or os.cpu_count() or 1
    tolerance = cal.target_tolerance(spec.targets)
    report = _Report(not args.quiet, tolerance, args.replications)
    n_fit = sum(t.fitted for t in spec.targets)
    n_held = sum(t.scored for t in spec.targets)
    n_needs = sum(bool(t.needs) for t in spec.targets)
    if replaced is not None:
        report.message(
            f"The base scenario '{base.name}' names the posterior {replaced}; the calibration does not draw from it "
            "(every parameter the posterior fitted takes the scenario's own value unless fitted here)."
        )
    report.message(
        f"Calibrating '{base.name}': {len(params)} parameter(s) "
        f"({', '.join(f'{p.path} ~ {p.prior_text()}' for p in params)}) to {n_fit} fitted target(s), {n_held} held out"
        + (f", {n_needs} the engine cannot compute yet (shown, not used)" if n_needs else "")
        + f"; {args.population} particles a generation, at most {args.generations} generations, "
        f"{args.replications} replications per particle (seed {args.seed}), {n_workers} worker(s); "
        f"target tolerance {tolerance:.3g}"
        + (f"; time limit {args.time_limit:g} min." if args.time_limit is not None else ".")
    )
    created = not out.exists()
    compile_engine(args.quiet)
    try:
        result = cal.calibrate(
            base, spec.targets, params, settings, out, restart=args.restart, progress=report, deadline=deadline
        )
    except cal.CalibrationError as exc:
        report.close()
        raise UserError(f"careersim calibrate: {exc}") from None
    except KeyboardInterrupt:
        report.close()
        stored = (out / cal.DB).exists()
        if created and not stored:
            import shutil

            shutil.rmtree(out, ignore_errors=True)
        print(
            "\ncareersim calibrate: interrupted. "
            + (
                f"Every finished generation is kept in {out / cal.DB}; run the same command again to continue."
                if stored
                else "Nothing was stored."
            ),
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    finally:
        report.close()
    why = REASONS.get(result.stop_reason, result.stop_reason).format(min_acceptance=f"{100 * cal.MIN_ACCEPTANCE:g}%")
    report.message(
        f"ABC {why} after generation {result.generations[-1].t} "
        f"(tolerance {result.generations[-1].epsilon:.3g}); {result.evaluations} particles evaluated "
        f"({result.evaluations * args.replications} runs). Predicting the targets from {args.predictive} "
        "replications of the calibrated scenario."
    )
    bar = Progress(args.predictive, "predictions", enabled=not args.quiet)
    try:
        with bar:
            data = cal.write_outputs(
                result,
                out,
                base_ref=_base_ref(scenario_ref, out),
                targets_file=Path(args.targets),
                command="careersim " + " ".join(sys.argv[1:]),
                workers=args.workers,
                progress=bar,
            )
        calibration_page.write_report(data, result.base.name, out)
        if args.install is not None:
            cal.install_posterior(out, args.install)
    except KeyboardInterrupt:
        print(
            f"\ncareersim calibrate: interrupted while writing the results; every generation is kept in {out / cal.DB}: "
            "run the same command again to write them.",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    if args.quiet:
        print(out)
        return EXIT_OK
    h = data["holdout"]
    report.message(
        f"{result.simulations} simulated runs in all, {_minutes(time.time() - started)}. Held-out targets inside "
        f"the model's 95% predictive interval: {h['covered']} of {h['n']}"
        + (f" (outside: {'; '.join(h['outside'])})" if h["outside"] else "")
        + "."
    )
    if data["unreached"]:
        report.message("Fitted targets the model does not reach together: " + "; ".join(data["unreached"]) + ".")
    for p in data["parameters"]:
        report.message(
            f"  {p['path']}: median {p['median']:.4g}, 95% interval {p['low']:.4g} to {p['high']:.4g} "
            f"(prior {p['prior']}){'  [at a bound of its prior]' if p['at_bound'] else ''}"
        )
    lines = [
        f"Report: {out / 'report.html'}",
        f"Posterior: {out / cal.POSTERIOR}",
        f"Calibrated scenario: {out / cal.SCENARIO}",
    ]
    if args.install is not None:
        lines.append(f"Installed posterior: {args.install}")
    print("\n".join(lines))
    return EXIT_OK
