"""careersim: an agent-based simulation of research careers.

The main entry points::

    import careersim as cs
    rep = cs.simulate(cs.baseline(), seed=1)        # one replication -> tidy tables
    exp = cs.run(cs.load_scenario("scenarios/baseline.yaml"), replications=20, seed=1)

Attributes are imported on first use, so ``import careersim`` is quick (and
the command line can answer Ctrl-C at once). One replication is computed in
:mod:`careersim.analysis.replication`.
"""

from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("careersim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

from careersim.config.schema import Scenario, baseline  # noqa: E402
from careersim.analysis.replication import Replication, simulate  # noqa: E402

_LAZY = {
    "load_scenario": ("careersim.config.scenarios", "load_scenario"),
    "run": ("careersim.experiments.experiment", "run"),
    "Experiment": ("careersim.experiments.experiment", "Experiment"),
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'careersim' has no attribute {name!r}")
