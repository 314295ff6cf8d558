"""careersim: an agent-based simulation of research careers.

The main entry points::

    import careersim as cs
    rep = cs.simulate(cs.baseline(), seed=1)        # one replication -> tidy tables
    exp = cs.run(cs.load_scenario("scenarios/baseline.yaml"), replications=20, seed=1)

Every attribute is imported on first use, so ``import careersim`` costs almost
nothing and the command line starts fast (``careersim --help`` loads neither
numpy nor numba). One replication is computed in :mod:`careersim.analysis.replication`.
"""

from __future__ import annotations

import importlib

#: public name -> (module, attribute), imported when first used
_LAZY = {
    "Scenario": ("careersim.config.schema", "Scenario"),
    "baseline": ("careersim.config.schema", "baseline"),
    "load_scenario": ("careersim.config.scenarios", "load_scenario"),
    "ScenarioError": ("careersim.config.scenarios", "ScenarioError"),
    "simulate": ("careersim.analysis.replication", "simulate"),
    "Replication": ("careersim.analysis.replication", "Replication"),
    "run": ("careersim.experiments.experiment", "run"),
    "Experiment": ("careersim.experiments.experiment", "Experiment"),
    "sweep": ("careersim.experiments.sweep.api", "sweep"),
    "load_sweep": ("careersim.experiments.sweep.api", "load_sweep"),
}

__all__ = ["__version__", *_LAZY]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("careersim")
    except PackageNotFoundError:  # running from a source tree without installation
        return "0.0.0+unknown"


def __getattr__(name: str):
    if name == "__version__":
        value = _version()
    elif name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
    else:
        raise AttributeError(f"module 'careersim' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
