"""Compare the speed of this checkout with another one, in one process.

    python benchmarks/compare_versions.py OTHER_CHECKOUT [--entrants N] [--reps R] [--burn-in YEARS]

Both versions of the package are loaded side by side and run the same
replications of their own baseline scaled to N entrants (as in `make bench`;
each version's schema builds its own, so versions whose parameters differ can
be compared), alternating which goes first. ``--burn-in`` sets ``run.burn_in``
in both (0 compares the same 20 simulated years where one version has a
burn-in and the other none). Each part is timed in CPU time, so a busy
machine slows both alike instead of whichever ran during a slow spell; the
medians and minima of each part are printed for both, with the change.

OTHER_CHECKOUT is a directory holding another version of the repository, for
example one made with `git worktree add ../base <commit>`.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import importlib
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

# (module, class, function, label): the parts timed, where a version has them (the engine's
# modules as they are now, then as they were before the package was split into layers)
PARTS = (
    ("engine.field", "FieldModel", "__init__", "build the field"),
    ("engine.field", "FieldModel", "monthly_step", "monthly step"),
    ("engine.field", "FieldModel", "step_rows", "  compiled step"),
    ("engine.field", "FieldModel", "share_mentor_time", "  mentor time"),
    ("engine.field", "FieldModel", "grant_round", "grant office"),
    ("engine.admissions", "Admissions", "round", "admissions"),
    ("engine.programme", "Programme", "round", "programme"),
    ("engine.hiring", "Hiring", "round", "hiring"),
    ("engine.field", "FieldModel", "record", "recorder"),
    ("engine.field", "FieldModel", "run", "whole run"),
    ("model.field", "FieldModel", "__init__", "build the field"),
    ("model.field", "FieldModel", "monthly_step", "monthly step"),
    ("model.field", "FieldModel", "grant_round", "grant office"),
    ("model.institutions", "Admissions", "round", "admissions"),
    ("model.institutions", "Programme", "round", "programme"),
    ("model.institutions", "Hiring", "round", "hiring"),
    ("model.field", "FieldModel", "run", "whole run"),
)
LABELS = list(dict.fromkeys(p[3] for p in PARTS))


def load(root: Path, alias: str):
    """Import the package under ``root`` as ``alias``: this checkout's is plain ``careersim``;
    another's is copied once into a cache folder with every ``careersim`` in its Python files
    renamed to ``alias``, so its lazy imports load its own modules, never this checkout's."""
    if alias == "careersim":
        sys.path.insert(0, str(root))
        return importlib.import_module("careersim")
    src = root / "careersim"
    h = hashlib.sha256(str(src).encode())
    for f in sorted(src.rglob("*.py")):
        h.update(f.read_bytes())
    dest = Path.home() / ".cache" / "careersim-compare" / h.hexdigest()[:16]
    if not (dest / alias / "__init__.py").exists():
        tmp = dest.with_suffix(".part")
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(src, tmp / alias, ignore=shutil.ignore_patterns("__pycache__"))
        for f in (tmp / alias).rglob("*.py"):
            f.write_text(re.sub(r"\bcareersim\b", alias, f.read_text(encoding="utf-8")), encoding="utf-8")
        shutil.rmtree(dest, ignore_errors=True)
        tmp.rename(dest)
    sys.path.insert(0, str(dest))
    return importlib.import_module(alias)


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
    ap.add_argument("--burn-in", type=float, default=None, help="years of burn-in in both (default: each baseline's)")
    args = ap.parse_args()

    sys.path.insert(0, str(HERE / "benchmarks"))
    versions = {}
    for tag, root, alias in (("other", args.other.resolve(), "careersim_other"), ("this", HERE, "careersim")):
        times: dict = collections.defaultdict(float)
        pkg = load(root, alias)
        versions[tag] = (pkg, times, alias)
    from bench import count_agent_years, scaled_baseline

    results = {tag: collections.defaultdict(list) for tag in versions}
    for tag, (pkg, times, alias) in versions.items():
        sc = scaled_baseline(args.entrants, package=alias)
        if args.burn_in is not None:
            sc = sc.with_changes({"run.burn_in": args.burn_in})
        pkg.simulate(sc, seed=0)  # loads the engine's modules before they are instrumented
        instrument(alias, times)
        versions[tag] = (pkg, times, sc)
    for rep in range(args.reps):
        order = ("other", "this") if rep % 2 == 0 else ("this", "other")
        for tag in order:
            pkg, times, sc = versions[tag]
            times.clear()
            t = time.process_time()
            r = pkg.simulate(sc, seed=1, replication=rep)
            cpu = time.process_time() - t
            results[tag]["replication"].append(cpu)
            years, in_field = count_agent_years(r.agents)
            results[tag]["agent-yr/s"].append(years / cpu)
            results[tag]["  in field"].append(in_field / cpu)
            for label, v in times.items():
                results[tag][label].append(v)

    print(f"{args.entrants:,} entrants, {args.reps} replications each; CPU ms per replication")
    print(f"{'part':16s} {'other':>9s} {'this':>9s} {'change':>8s}   {'min other':>9s} {'min this':>9s}")
    for label in LABELS + ["replication"]:
        a, b = results["other"].get(label), results["this"].get(label)
        if not a or not b:
            continue
        ma, mb = statistics.median(a) * 1e3, statistics.median(b) * 1e3
        print(f"{label:16s} {ma:9.1f} {mb:9.1f} {100 * (mb / ma - 1):+7.1f}%   {min(a) * 1e3:9.1f} {min(b) * 1e3:9.1f}")
    print("agent-years per CPU second, as `make bench` counts them (medians; max for the best):")
    for label in ("agent-yr/s", "  in field"):
        a, b = results["other"][label], results["this"][label]
        ma, mb = statistics.median(a), statistics.median(b)
        print(f"{label:16s} {ma:9,.0f} {mb:9,.0f} {100 * (mb / ma - 1):+7.1f}%   {max(a):9,.0f} {max(b):9,.0f}")


if __name__ == "__main__":
    main()
