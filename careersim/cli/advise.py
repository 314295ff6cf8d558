"""``careersim advise``: one person's own comparison of the paths to research lead.

Every profile field is a flag (``--self-direction high``) and a key of a profile
YAML file (``self_direction: high``); flags override the file. Bad values are
refused with exit status 2 and a located message: ``FILE:LINE: field: ...`` for
a file, ``careersim advise: --flag: ...`` for a flag, each with what was
expected and, where one is close, a suggestion.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path

from careersim.cli.common import (
    EXIT_OK,
    STARTUP_SECONDS,
    UserError,
    check_out_file,
    compile_engine,
    human_seconds,
    path,
    positive_int,
    seed_number,
    text,
    workers,
)

SUMMARY = "Your own comparison of the paths: PhD, independent, contributor, contributor-then-PhD."
DESCRIPTION = textwrap.fill(
    "Runs copies of you (a profile: flags, or a YAML file whose keys are the flag names with underscores) "
    "through each path inside a field scenario, on the same random luck, and reports per path the chance of "
    "becoming a research lead within 10 years and by the horizon, the median years to get there, the expected "
    "lead-years before your AI-arrival belief and the main ways it goes wrong; the best path and how sure the "
    "model is; and which of your inputs would change the answer. Prints the answer and writes an HTML page "
    "(atomically). Every number is a model's, built from two essays and stated assumptions.",
    width=88,
)
EXAMPLE = "careersim advise --background masters --self-direction high --timeline 2035"

DEFAULT_OUT = Path("reports") / "advice" / "advice.html"


def _replications(value: str) -> int:
    n = positive_int(value)
    if n < 2:
        raise argparse.ArgumentTypeError(f"got {n} (expected 2 or more: intervals need two replications)")
    return n


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from careersim.config.profiles import PROFILE_FIELDS  # lazy: keeps start-up fast

    parser.add_argument(
        "--profile",
        "-p",
        type=path("a profile file"),
        metavar="FILE",
        default=None,
        help="a profile YAML file, e.g. scenarios/profiles/masters-self-directed.yaml (flags override it)",
    )
    parser.add_argument(
        "--scenario",
        "-s",
        type=text("a scenario file or a shipped scenario name"),
        metavar="SCENARIO",
        default=None,
        help="the field: a scenario file or shipped name (default: the profile's 'scenario', else baseline)",
    )
    for f in PROFILE_FIELDS:
        parser.add_argument(
            "--" + f.name.replace("_", "-"),
            metavar=f.metavar,
            default=None,
            type=text(f.help.split(" (default")[0].replace("%", "%%")),
            help=f.help.replace("%", "%%"),
        )
    parser.add_argument(
        "--replications",
        "-n",
        type=_replications,
        default=None,
        metavar="N",
        help="replications of the field holding your main copies (default: 20; what-if fields: as many more, a twin of each)",
    )
    parser.add_argument(
        "--clones",
        type=positive_int,
        default=None,
        metavar="K",
        help="copies of you per path in each replication (default: 12)",
    )
    parser.add_argument("--seed", type=seed_number, default=1, metavar="S", help="root random seed (default: 1)")
    parser.add_argument(
        "--workers", "-j", type=workers, default=None, metavar="K", help="worker processes (default: all cores)"
    )
    parser.add_argument(
        "--out",
        "-o",
        type=path("an HTML file name"),
        default=DEFAULT_OUT,
        metavar="FILE",
        help=f"where to write the HTML page (default: {DEFAULT_OUT})",
    )
    parser.add_argument(
        "--no-sensitivity", action="store_true", help="skip 'what would change the answer' (about a third faster)"
    )
    parser.add_argument(
        "--quiet", "-q", action="store_true", help="no progress; print only the answer's first line and the page"
    )


def run(args: argparse.Namespace) -> int:
    """Read the profile (file, then flags), load the field, run the copies, print and write the page."""
    from careersim.config import profiles  # lazy: keeps start-up fast
    from careersim.config.scenarios import load_scenario, resolve_scenario
    from careersim.config.shipped import find_parent
    from careersim.experiments import advise as adv
    from careersim.reporting import advice_page

    data: dict = {}
    where: dict[str, str] = {}
    profile_dir = None
    if args.profile is not None:
        data, where = profiles.read_profile_file(args.profile)
        profile_dir = Path(args.profile).parent
    # the field: the flag, else the profile's 'scenario' (a file beside the profile, or a shipped name)
    spec = args.scenario
    if spec is None and "scenario" in data:
        spec = data["scenario"]
        if not isinstance(spec, str) or not spec.strip():
            raise profiles.ProfileError(
                [
                    f"{where.get('scenario', args.profile)}: scenario: got {spec!r} "
                    "(expected a scenario file or a shipped name such as baseline)"
                ]
            )
        try:  # like a scenario's extends: a .yaml file beside the profile, or a shipped name
            spec = str(find_parent(spec, profile_dir or Path.cwd()))
        except LookupError as exc:
            raise profiles.ProfileError([f"{where.get('scenario', args.profile)}: scenario: {exc}"]) from None
    scenario = load_scenario(spec) if spec is not None else load_scenario(resolve_scenario("baseline"))
    # flags override the file
    for f in profiles.FIELD_NAMES:
        value = getattr(args, f)
        if value is None:
            continue
        data[f] = value
        where[f] = "--" + f.replace("_", "-")
        if f == "timeline":
            for k in ("timeline_median", "timeline_spread"):
                if k in data and getattr(args, k) is None:
                    data.pop(k)
        if f in ("timeline_median", "timeline_spread") and "timeline" in data and args.timeline is None:
            data.pop("timeline")
    profile = profiles.profile_from_mapping(data, scenario, where)

    out: Path = args.out
    check_out_file(out, "advise", advice_page.GENERATOR, "careersim advice page", "advice.html")

    replications = args.replications or adv.DEFAULT_REPLICATIONS
    clones = args.clones or adv.DEFAULT_CLONES
    if not args.quiet:
        from careersim.experiments.experiment import estimate_cost  # lazy: keeps start-up fast

        fields = replications + adv.variant_replications(replications, not args.no_sensitivity)
        seconds, _ = estimate_cost(scenario, fields, policy_claims=0)
        n_workers = args.workers or os.cpu_count() or 1
        wall = STARTUP_SECONDS + seconds / max(1, min(n_workers, fields))
        print(
            f"Simulating {replications} replications of '{scenario.name}' with {clones} copies of you per path"
            f"{' and what-if variants' if not args.no_sensitivity else ''}, about {human_seconds(wall)}...",
            file=sys.stderr,
        )
    compile_engine(args.quiet)
    try:
        advice = adv.advise(
            profile,
            scenario,
            replications=replications,
            clones=clones,
            seed=args.seed,
            workers=args.workers,
            sensitivity=not args.no_sensitivity,
            progress=not args.quiet,
        )
    except ValueError as exc:
        raise UserError(f"careersim advise: {exc}") from None
    command_line = (
        "careersim " + " ".join(sys.argv[1:])
        if sys.argv and Path(sys.argv[0]).name.startswith("careersim")
        else "careersim advise"
    )
    advice_page.write_html(advice, out, command_line)
    if args.quiet:
        print(advice_page.headline(advice)[0])
        print(out)
    else:
        advice_page.print_advice(advice, page=str(out))
    return EXIT_OK
