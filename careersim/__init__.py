"""careersim: an agent-based simulation of research careers."""

from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("careersim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

from .scenario import Scenario, baseline  # noqa: E402
from .simulate import Replication, simulate  # noqa: E402

__all__ = ["Scenario", "baseline", "simulate", "Replication", "__version__"]
