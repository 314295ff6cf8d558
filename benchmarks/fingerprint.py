"""Fingerprints of many replications, to check that a change keeps results identical.

    python benchmarks/fingerprint.py --save before.json     # on the old code
    python benchmarks/fingerprint.py --check before.json    # on the new code

The same 60 replications and hashes as the committed regression baseline
(``tests/baseline.py``, checked by ``make test``): every shipped scenario, the
calibration base and the baseline scaled to 10,000 entrants, seeds 1-4, each
replication's ``agents``, ``events`` and ``timeseries`` tables, its summary and
its institution tables. This script compares two working copies with each other
(say, before and after a speed-up) without touching ``tests/baseline.json``;
``--check`` lists the replications and the parts that differ, and exits with
status 1 if any do.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.baseline import SEEDS, case_names, fingerprint, scenario  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path, help="write the fingerprints to this file")
    group.add_argument("--check", type=Path, help="compare with fingerprints saved earlier")
    args = ap.parse_args()
    import careersim as cs

    prints = {}
    for name in case_names():
        sc = scenario(name)
        for seed in SEEDS:
            prints[f"{name}/{seed}"] = fingerprint(cs.simulate(sc, seed=seed))
        print(f"{name}: {len(SEEDS)} replications", file=sys.stderr)
    if args.save:
        args.save.write_text(json.dumps(prints, indent=1, sort_keys=True))
        print(f"{len(prints)} fingerprints written to {args.save}")
        return
    saved = json.loads(args.check.read_text())
    bad = []
    for key in sorted(set(saved) | set(prints)):
        a, b = saved.get(key, {}), prints.get(key, {})
        parts = sorted(p for p in set(a) | set(b) if a.get(p) != b.get(p))
        if parts:
            bad.append(f"{key}: {', '.join(parts)}")
    if bad:
        print("DIFFERENT:\n  " + "\n  ".join(bad))
        sys.exit(1)
    print(f"all {len(prints)} replications identical")


if __name__ == "__main__":
    main()
