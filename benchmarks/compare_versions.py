"""Compare the speed of this checkout with another one, in one process.

    python benchmarks/compare_versions.py OTHER_CHECKOUT [--entrants N] [--reps R]

Both versions of the package are loaded side by side and run the same
replications of the baseline scaled to N entrants (as in `make bench`),
alternating which goes first. Each part is timed in CPU time, so a busy
machine slows both alike instead of whichever ran during a slow spell; the
medians and minima of each part are printed for both, with the change.

OTHER_CHECKOUT is a directory holding another version of the repository, for
example one made with `git worktree add ../base <commit>`.
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

# (module, class or None, function, label): the parts timed, where both versions have them
PARTS = (
    ("model.field", "FieldModel", "__init__", "build the field"),
    ("model.field", "FieldModel", "monthly_step", "monthly step"),
    ("model.field", "FieldModel", "grant_round", "grant office"),
    ("model.institutions", "Admissions", "round", "admissions"),
    ("model.institutions", "Programme", "round", "programme"),
    ("model.institutions", "Hiring", "round", "hiring"),
    ("model.field", "FieldModel", "run", "whole run"),
)


def load(root: Path, alias: str):
    """Import the package under ``root`` and keep it in ``sys.modules`` as ``alias``."""
    spec = importlib.util.spec_from_file_location(
        "careersim", root / "careersim" / "__init__.py", submodule_search_locations=[str(root / "careersim")]
    )
    mod = importlib.util.module_from_spec(spec)
    sys.modules["careersim"] = mod
    spec.loader.exec_module(mod)
    for name in [k for k in sys.modules if k == "careersim" or k.startswith("careersim.")]:
        sys.modules[alias + name[len("careersim") :]] = sys.modules.pop(name)
    return sys.modules[alias]


def instrument(alias: str, times: dict) -> None:
    for module, cls, func, label in PARTS:
        owner = sys.modules.get(f"{alias}.{module}")
        owner = getattr(owner, cls, None) if owner is not None else None
        if owner is None or not hasattr(owner, func):
            continue
        original = getattr(owner, func)

        def timed(*args, _f=original, _label=label, **kwargs):
            t = time.process_time()
            try:
                return _f(*args, **kwargs)
            finally:
                times[_label] += time.process_time() - t

        setattr(owner, func, timed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("other", type=Path, help="another checkout of the repository")
    ap.add_argument("--entrants", type=int, default=10_000)
    ap.add_argument("--reps", type=int, default=12)
    args = ap.parse_args()

    sys.path.insert(0, str(HERE / "benchmarks"))
    versions = {}
    for tag, root in (("other", args.other.resolve()), ("this", HERE)):
        times: dict = collections.defaultdict(float)
        pkg = load(root, f"careersim_{tag}")
        instrument(f"careersim_{tag}", times)
        versions[tag] = (pkg, times)
    sys.modules["careersim"] = versions["this"][0]  # bench.scaled_baseline builds its scenario with this one
    from bench import scaled_baseline

    scenario = scaled_baseline(args.entrants)
    results = {tag: collections.defaultdict(list) for tag in versions}
    for tag, (pkg, _) in versions.items():
        sc = pkg.load_scenario(scenario.model_dump(mode="json"))
        versions[tag] += (sc,)
        pkg.simulate(sc, seed=0)  # warm-up: compile, load caches
    for rep in range(args.reps):
        order = ("other", "this") if rep % 2 == 0 else ("this", "other")
        for tag in order:
            pkg, times, sc = versions[tag]
            times.clear()
            t = time.process_time()
            pkg.simulate(sc, seed=1, replication=rep)
            results[tag]["replication"].append(time.process_time() - t)
            for label, v in times.items():
                results[tag][label].append(v)

    print(f"{args.entrants:,} entrants, {args.reps} replications each; CPU ms per replication")
    print(f"{'part':16s} {'other':>9s} {'this':>9s} {'change':>8s}   {'min other':>9s} {'min this':>9s}")
    for label in [p[3] for p in PARTS] + ["replication"]:
        a, b = results["other"].get(label), results["this"].get(label)
        if not a or not b:
            continue
        ma, mb = statistics.median(a) * 1e3, statistics.median(b) * 1e3
        print(f"{label:16s} {ma:9.1f} {mb:9.1f} {100 * (mb / ma - 1):+7.1f}%   {min(a) * 1e3:9.1f} {min(b) * 1e3:9.1f}")


if __name__ == "__main__":
    main()
