"""Fingerprints of many replications, to check that a change keeps results identical.

    python benchmarks/fingerprint.py --save before.json     # on the old code
    python benchmarks/fingerprint.py --check before.json    # on the new code

Runs every shipped scenario (``scenarios/*.yaml`` and the calibration base)
and the baseline scaled to 10,000 entrants (as in ``make bench``), 4 seeds
each, and hashes each replication's ``agents``, ``events`` and ``timeseries``
tables, its summary and its institution tables. A speed change meant to leave
results alone must leave every fingerprint unchanged; ``--check`` lists the
replications and the parts that differ, and exits with status 1 if any do.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SEEDS = (1, 2, 3, 4)


def _frame_hash(df: pd.DataFrame) -> str:
    h = hashlib.sha256()
    h.update(",".join(map(str, df.columns)).encode())
    h.update(",".join(map(str, df.dtypes)).encode())
    h.update(pd.util.hash_pandas_object(df, index=True).to_numpy().tobytes())
    return h.hexdigest()[:16]


def _plain(x):
    if isinstance(x, float):
        return "nan" if math.isnan(x) else x.hex()
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if hasattr(x, "item"):  # numpy scalar
        return _plain(x.item())
    return x


def fingerprint(rep) -> dict[str, str]:
    out = {
        "agents": _frame_hash(rep.agents),
        "events": _frame_hash(rep.events),
        "timeseries": _frame_hash(rep.timeseries),
        "summary": hashlib.sha256(json.dumps(_plain(rep.summary), sort_keys=True).encode()).hexdigest()[:16],
    }
    for name, table in sorted(rep.institutions.items()):
        out[f"institutions.{name}"] = _frame_hash(table)
    return out


def cases():
    import careersim as cs

    files = sorted((ROOT / "scenarios").glob("*.yaml")) + [ROOT / "scenarios" / "calibration" / "base.yaml"]
    for f in files:
        yield f.stem, cs.load_scenario(f)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench import scaled_baseline

    yield "baseline-10k", scaled_baseline(10_000)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path, help="write the fingerprints to this file")
    group.add_argument("--check", type=Path, help="compare with fingerprints saved earlier")
    args = ap.parse_args()
    import careersim as cs

    prints = {}
    for name, scenario in cases():
        for seed in SEEDS:
            prints[f"{name}/{seed}"] = fingerprint(cs.simulate(scenario, seed=seed))
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
