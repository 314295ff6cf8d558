"""The sweep-file reference, ``docs/sweeps.md``, generated from the sweep format's declaration.

Every key, type, default, bound, choice and description comes from the
pydantic models of :mod:`careersim.config.sweep_format`, the same models the
sweep files are checked against and ``careersim schema --sweep`` prints.
``python -m careersim.reporting.sweep_reference`` writes the page; with
``--check`` it exits 1 when the page is stale (the test suite runs that check).
"""

from __future__ import annotations

import sys
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from careersim.config.sweep_format import (
    DESIGN_MODELS,
    FactorSpec,
    OutcomeSpec,
    SweepFile,
    expected,
)
from careersim.core.files import write_text

__all__ = ["sweeps_markdown", "main", "SWEEPS_MD"]

ROOT = Path(__file__).resolve().parents[2]
SWEEPS_MD = ROOT / "docs" / "sweeps.md"

EXAMPLE = """\
# Question: does more mentorship help more when grants are longer?
name: mentorship-x-grant-length
base: ../baseline.yaml            # a scenario file (relative to this file) or a shipped name
fixed:                            # changes applied to the base for every point
  population.entrants_per_year: 100
factors:
  - path: independent.mentor_hours
    name: mentor hours for independents
    range: [0 hours per week, 1 hour per week]
    role: lever
  - path: grants.grant_length
    levels: [6 months, 1 year, 2 years, 3 years]
    role: uncertainty
design: {kind: grid, levels: 5}
replications: 4
seed: 1
outcomes:
  - p_lead_independent
  - claim_C1_holds
  - {name: independents beat the PhD, expr: "p_lead_independent - p_lead_phd > 0"}
  - {expr: p_lead, goal: maximize, threshold: 0.3}
"""


def _type(annotation: Any) -> str:
    """A field's type in words."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        inner = _type(args[0])
        if args[0] is str and any(getattr(m, "min_length", None) for m in args[1:]):
            return "text (not empty)"
        return inner
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{a}`" for a in args)
    if origin is typing.Union:
        names = [_type(a) for a in args if a is not type(None)]
        if all(isinstance(a, type) and issubclass(a, BaseModel) and "design" in a.__name__.lower() for a in args):
            return "a design (see *Designs*)"
        return " or ".join(names)
    if origin is list:
        item = args[0] if args else Any
        if item is FactorSpec:
            return "list of factors (see *Factors*)"
        if typing.get_origin(item) is typing.Union:
            return "list, each " + _type(item)
        return f"list of {_type(item)}s" if item is not Any else "list"
    if origin is dict:
        return "mapping"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {OutcomeSpec: "a mapping (see below)"}.get(annotation, annotation.__name__)
    return {int: "whole number", float: "number", str: "text", bool: "`true` or `false`"}.get(
        annotation, str(annotation)
    )


def _bounds(info) -> str:
    b = {
        k: getattr(m, k)
        for m in info.metadata
        for k in ("ge", "min_length", "max_length")
        if getattr(m, k, None) is not None
    }
    out = []
    if "ge" in b:
        out.append(f"≥ {b['ge']}")
    if typing.get_origin(info.annotation) is list and "min_length" in b:
        n = b["min_length"]
        out.append(f"{n} items" if b.get("max_length") == n else f"at least {n} item{'s' if n > 1 else ''}")
    return ", ".join(out)


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _default(info) -> str:
    if info.is_required():
        return "**required**"
    if info.default is None or info.default == "":
        return ""
    if isinstance(info.default, bool):
        return "`true`" if info.default else "`false`"
    return f"`{info.default}`"


def _table(model: type[BaseModel], skip: tuple[str, ...] = ()) -> list[str]:
    lines = ["| key | type | default | description |", "|---|---|---|---|"]
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        kind = _type(info.annotation)
        bounds = _bounds(info)
        if bounds:
            kind += f" ({bounds})"
        desc = info.description or ""
        if info.examples:
            ex = info.examples[0]
            desc += f" Example: `{ex}`." if not isinstance(ex, (list, dict)) else ""
        lines.append(f"| `{name}` | {_cell(kind)} | {_default(info)} | {_cell(desc)} |")
    return lines


def _doc(model: type[BaseModel]) -> str:
    return " ".join((model.__doc__ or "").split())


def sweeps_markdown() -> str:
    lines = [
        "# Sweep-file reference",
        "",
        "Generated from the sweep format's declaration (`careersim/config/sweep_format.py`) by",
        "`python -m careersim.reporting.sweep_reference`; do not edit by hand. The same declaration checks",
        "sweep files (`careersim sweep FILE --dry-run` reports every problem with its file and line) and gives",
        "their JSON Schema (`careersim schema --sweep > sweep.schema.json`, for editor completion).",
        "",
        "A sweep file says which parameters of a base scenario vary, over what design, how many",
        "replications each point gets and what is measured. Run it with `careersim sweep FILE`",
        "(resumable; `--workers N` or a Dask `--scheduler`), then `careersim analyze DIR`; from Python,",
        "`careersim.sweep(FILE)` and `careersim.load_sweep(DIR)`. Shipped examples are in `scenarios/sweeps/`.",
        "",
        "```yaml",
        *EXAMPLE.rstrip("\n").splitlines(),
        "```",
        "",
        "Values are converted to the parameter's canonical unit when the file is read (years, per year,",
        "hours per week), so the results hold plain numbers. Parameters of kind `count` are rounded to",
        "whole numbers. Every value of a factor is checked against the base scenario before anything runs.",
        "",
        "## Top level",
        "",
        _doc(SweepFile),
        "",
        *_table(SweepFile),
        "",
        "## Factors",
        "",
        _doc(FactorSpec),
        "",
        *_table(FactorSpec),
        "",
        "## Designs",
        "",
        "`design:` is a mapping with a `kind:` and that kind's settings. Every design places points in the",
        "unit cube (one coordinate per factor) and maps each coordinate to a value through the factor: a",
        "range linearly (or logarithmically), a distribution by its quantiles, levels by equal slices.",
        "Designs are deterministic given the design's seed.",
        "",
    ]
    for kind, model in DESIGN_MODELS.items():
        lines += [f"### `kind: {kind}`", "", _doc(model), "", *_table(model, skip=("kind",)), ""]
    lines += [
        "## Outcomes",
        "",
        "Each item of `outcomes:` is a metric name (any key of a run's `summary.json`, such as `p_lead`,",
        "`p_lead_independent` or `claim_C1_holds`), an expression over metrics, or a mapping:",
        "",
        _doc(OutcomeSpec),
        "",
        *_table(OutcomeSpec),
        "",
        "A comparison (`p_lead_independent - p_lead_phd > 0`) gives a yes/no outcome (1 or 0 in each run).",
        "",
        "## What `careersim analyze` does with them",
        "",
        "- **Parameters or chance.** The variance of each outcome is split between the parameters and",
        "  chance (two ways under `seeding: common`: chance shared by every point, which cancels out",
        "  between points, and chance particular to a point). Sensitivity indices divide the variance of the",
        "  point means, so they are shown only when the parameters explain at least half of it with 95%",
        '  confidence; otherwise the report says "chance dominates" (or "too uncertain") and how many',
        "  replications would help.",
        "- **Indices** by design: Sobol' S1 and ST for `saltelli`, Morris mu* for `morris`, given-data S1",
        "  and PAWN otherwise (SALib), with warnings for S1 above ST, negative indices and intervals wider",
        "  than the estimate, and a convergence verdict (half the sample against all of it).",
        "- **Scenario discovery** for yes/no outcomes and outcomes with a `threshold` (limited to `regions:`",
        "  when given): a shallow tree read out in words and PRIM boxes (EMA Workbench) with coverage,",
        "  density and the peeling trajectory.",
        "- **Robustness** when factors include both `role: lever` and `role: uncertainty`: for outcomes with",
        "  a `goal`, each lever setting's regret (how far it falls short of the best setting at each",
        "  uncertainty point) and satisficing (the share of uncertainty points where it meets the",
        "  `threshold`). This needs every lever setting at every uncertainty point, as a grid gives.",
        "",
        f"Problems are reported as `FILE:LINE: key: what is wrong (expected ...)`, for example "
        f"`replications: got 0 (expected {expected(SweepFile, 'replications')})`.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = sweeps_markdown()
    stale = not SWEEPS_MD.exists() or SWEEPS_MD.read_text() != text
    if "--check" in argv:
        if stale:
            print(
                f"{SWEEPS_MD.relative_to(ROOT)} is stale: run `python -m careersim.reporting.sweep_reference`",
                file=sys.stderr,
            )
        return 1 if stale else 0
    if stale:
        write_text(SWEEPS_MD, text)
        print(f"wrote {SWEEPS_MD.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
