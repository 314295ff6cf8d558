"""The regression baseline: what careersim's results are, kept in ``tests/baseline.json``.

Every shipped scenario, the calibration base and the baseline scaled to 10,000
entrants (as in ``make bench``) are run with seeds 1-4: 60 replications. For each
the baseline holds

* its **fingerprints**: hashes of the ``agents``, ``events`` and ``timeseries``
  tables, of the summary and of every institution table, so any change to any
  number is seen, and
* its **headline numbers** (:data:`HEADLINES`), rounded to 6 significant
  digits, so a reviewer sees *what* moved: the lead chance by track, lead-years
  per entrant, new leads, the exit shares... (not the binding constraint: it is
  measured by paired runs over replications, not read from one replication)

``tests/test_baseline.py`` recomputes them in ``make test`` and names every
replication, part and headline number that differs, with the old and new values.
When results are *meant* to change, refresh the file and say in the commit
message what moved and why::

    make baseline                          # = python -m tests.baseline --update
    python -m tests.baseline --check       # the whole check, without pytest
    python -m tests.baseline --check baseline short-timelines   # some scenarios only

The fingerprints are exact: the same code on the same platform gives the same
hashes. A numerical library that rounds differently (another numpy, another
CPU's vector maths) can move a hash while every headline number stays put;
the headline numbers tell the two cases apart.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import math
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
BASELINE = Path(__file__).resolve().with_name("baseline.json")
SEEDS = (1, 2, 3, 4)
SCALED = "baseline-10k"  # the baseline scaled to 10,000 entrants, as in benchmarks/bench.py
CALIBRATION_BASE = "base"  # scenarios/calibration/base.yaml
TRACKS = ("phd", "independent", "contributor")

#: summary numbers kept per replication, in the order they are listed
HEADLINES = (
    "entrants",
    "new_leads",
    "leads_at_end",
    "p_lead",
    *(f"p_lead_{t}" for t in TRACKS),
    "median_years_to_lead",
    "lead_years_before_arrival_per_entrant",
    "safety_lead_years_before_arrival_per_entrant",
    "exit_burnout",
    "exit_funding_ran_out",
    "exit_left_for_other_work",
    "exit_no_lead_opening",
    "simpy_wakeups",
)
#: numbers counted from the replication itself rather than read from its summary
COUNTED = ("events", "claims_holding")
DIGITS = 6
_CLAIM_HOLDS = re.compile(r"claim_C(\d+)_holds")
UPDATE_COMMAND = "make baseline (python -m tests.baseline --update)"


# ---------------------------------------------------------------------------
# the cases
# ---------------------------------------------------------------------------


def case_names() -> list[str]:
    """Every shipped scenario by file name, then the calibration base and the 10,000-entrant field."""
    return [f.stem for f in sorted((ROOT / "scenarios").glob("*.yaml"))] + [CALIBRATION_BASE, SCALED]


def scenario(name: str):
    """The scenario a case name stands for."""
    import careersim as cs

    if name == SCALED:
        spec = importlib.util.spec_from_file_location("careersim_bench", ROOT / "benchmarks" / "bench.py")
        bench = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(bench)
        return bench.scaled_baseline(10_000)
    if name == CALIBRATION_BASE:
        return cs.load_scenario(ROOT / "scenarios" / "calibration" / "base.yaml")
    return cs.load_scenario(ROOT / "scenarios" / f"{name}.yaml")


# ---------------------------------------------------------------------------
# what is kept of one replication
# ---------------------------------------------------------------------------


def _frame_hash(df: pd.DataFrame) -> str:
    h = hashlib.sha256()
    h.update(",".join(map(str, df.columns)).encode())
    h.update(",".join(map(str, df.dtypes)).encode())
    h.update(pd.util.hash_pandas_object(df, index=True).to_numpy().tobytes())
    return h.hexdigest()[:16]


def _plain(x):
    """Summary values as exact, JSON-safe text (floats in hex, so no digit is lost)."""
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
    """Hashes of a replication's tables and summary, one per part."""
    out = {
        "agents": _frame_hash(rep.agents),
        "events": _frame_hash(rep.events),
        "timeseries": _frame_hash(rep.timeseries),
        "summary": hashlib.sha256(json.dumps(_plain(rep.summary), sort_keys=True).encode()).hexdigest()[:16],
    }
    for name, table in sorted(rep.institutions.items()):
        out[f"institutions.{name}"] = _frame_hash(table)
    return out


def _rounded(x):
    """A headline value as kept: whole numbers as they are, others to 6 significant digits, NaN as null."""
    if hasattr(x, "item"):  # numpy scalar
        x = x.item()
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return x
    if isinstance(x, int):
        return x
    x = float(x)
    if math.isnan(x):
        return None
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == int(x) and abs(x) < 2**53:
        return int(x)
    return float(f"{x:.{DIGITS}g}")


def headlines(rep) -> dict[str, object]:
    """The replication's headline numbers: :data:`HEADLINES` from its summary, its event
    count, and the claims that hold in it (for example ``"C1 C2 C3"``)."""
    s = rep.summary
    out = {key: _rounded(s[key]) for key in HEADLINES if key in s}
    out["events"] = len(rep.events)
    holding = sorted(int(m[1]) for k in s if (m := _CLAIM_HOLDS.fullmatch(k)) and s[k] == 1.0)
    out["claims_holding"] = " ".join(f"C{c}" for c in holding) or "none"
    return out


def replicate(name: str, seeds: Iterable[int] = SEEDS) -> dict[str, dict]:
    """Fingerprints and headline numbers of one case, keyed ``name/seed``."""
    import careersim as cs

    sc = scenario(name)
    out = {}
    for seed in seeds:
        rep = cs.simulate(sc, seed=seed)
        out[f"{name}/{seed}"] = {"fingerprint": fingerprint(rep), "headlines": headlines(rep)}
    return out


def compute(names: Iterable[str] | None = None, progress: bool = False) -> dict[str, dict]:
    out = {}
    for name in case_names() if names is None else names:
        out.update(replicate(name))
        if progress:
            print(f"{name}: {len(SEEDS)} replications", file=sys.stderr)
    return out


# ---------------------------------------------------------------------------
# the file
# ---------------------------------------------------------------------------

ABOUT = (
    "careersim's regression baseline, checked by tests/test_baseline.py. headlines: per scenario, each "
    "number for seeds " + ", ".join(map(str, SEEDS)) + f" ({DIGITS} significant digits; null where undefined). "
    "fingerprints: hashes of each replication's tables and summary. Refresh only when results are "
    f"meant to change, with {UPDATE_COMMAND}, and say in the commit message what moved and why."
)


def to_file(results: dict[str, dict]) -> dict:
    """The file's layout: headline numbers by scenario (one list over the seeds per number), then fingerprints."""
    names = list(dict.fromkeys(key.rsplit("/", 1)[0] for key in results))
    heads: dict[str, dict[str, list]] = {}
    for name in names:
        rows = [results[f"{name}/{seed}"]["headlines"] for seed in SEEDS]
        keys = list(dict.fromkeys(k for row in rows for k in row))
        heads[name] = {k: [row.get(k) for row in rows] for k in keys}
    return {
        "about": ABOUT,
        "seeds": list(SEEDS),
        "headlines": heads,
        "fingerprints": {key: results[key]["fingerprint"] for key in results},
    }


def from_file(data: dict) -> dict[str, dict]:
    """The file read back as ``{name/seed: {"fingerprint", "headlines"}}``."""
    seeds = data["seeds"]
    out = {key: {"fingerprint": parts, "headlines": {}} for key, parts in data["fingerprints"].items()}
    for name, numbers in data["headlines"].items():
        for i, seed in enumerate(seeds):
            entry = out.setdefault(f"{name}/{seed}", {"fingerprint": {}, "headlines": {}})
            entry["headlines"] = {k: values[i] for k, values in numbers.items()}
    return out


def _json(obj, indent: int = 0) -> str:
    """JSON with one line per headline (its values over the seeds) and per fingerprint part, so a
    diff of the file shows which numbers moved."""
    pad = " " * (indent + 1)
    if isinstance(obj, dict) and obj:
        width = max(len(json.dumps(k)) for k in obj) if all(isinstance(v, list) for v in obj.values()) else 0
        items = [f"{pad}{json.dumps(k) + ':':<{width + 1}} {_json(v, indent + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    return json.dumps(obj, allow_nan=False, separators=(", ", ": "))


def save(results: dict[str, dict], path: Path = BASELINE) -> None:
    text = _json(to_file(results)) + "\n"
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def load(path: Path = BASELINE) -> dict[str, dict]:
    return from_file(json.loads(path.read_text(encoding="utf-8")))


# ---------------------------------------------------------------------------
# comparing
# ---------------------------------------------------------------------------


def _shown(x) -> str:
    return "null" if x is None else json.dumps(x)


def differences(saved: dict[str, dict], current: dict[str, dict]) -> list[str]:
    """Lines naming every replication whose fingerprints or headline numbers differ, with
    the parts that differ and each moved number's old and new values."""
    lines = []
    for key in sorted(set(saved) | set(current)):
        if key not in saved:
            lines.append(f"{key}: not in the baseline (a new scenario?)")
            continue
        if key not in current:
            lines.append(f"{key}: in the baseline but not computed (a scenario removed or renamed?)")
            continue
        a, b = saved[key]["fingerprint"], current[key]["fingerprint"]
        parts = sorted(p for p in set(a) | set(b) if a.get(p) != b.get(p))
        ha, hb = saved[key]["headlines"], current[key]["headlines"]
        moved = [k for k in dict.fromkeys([*ha, *hb]) if ha.get(k, "missing") != hb.get(k, "missing")]
        if not parts and not moved:
            continue
        lines.append(f"{key}: " + (f"{', '.join(parts)} differ" if parts else "fingerprints identical"))
        if parts and not moved:
            lines.append(f"  no headline number moved (at {DIGITS} significant digits)")
        for k in moved:
            old = _shown(ha[k]) if k in ha else "(absent)"
            new = _shown(hb[k]) if k in hb else "(absent)"
            lines.append(f"  {k}: {old} -> {new}")
    return lines


def explain(lines: list[str]) -> str:
    return (
        "results differ from tests/baseline.json:\n"
        + "\n".join(lines)
        + f"\nIf this change is meant to move results, run {UPDATE_COMMAND} and say in the commit "
        "message what moved and why; otherwise the change has altered the model's results."
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.baseline", description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--update", action="store_true", help="recompute every case and rewrite tests/baseline.json")
    mode.add_argument("--check", action="store_true", help="recompute and compare with tests/baseline.json")
    ap.add_argument("names", nargs="*", help="with --check: only these cases (default: all)")
    args = ap.parse_args(argv)
    known = case_names()
    unknown = [n for n in args.names if n not in known]
    if unknown or (args.update and args.names):
        ap.error(
            f"unknown case {unknown[0]!r} (expected one of {', '.join(known)})"
            if unknown
            else "--update always recomputes every case"
        )
    if args.update:
        results = compute(progress=True)
        save(results)
        print(f"{len(results)} replications written to {BASELINE.relative_to(ROOT)}")
        return 0
    names = args.names or known
    saved = load()
    if args.names:
        saved = {k: v for k, v in saved.items() if k.rsplit("/", 1)[0] in names}
    current = compute(names, progress=True)
    lines = differences(saved, current)
    if lines:
        print(explain(lines))
        return 1
    print(f"all {len(current)} replications identical to {BASELINE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
