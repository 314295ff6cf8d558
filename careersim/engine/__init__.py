"""careersim.engine: the world's arrays, the compiled monthly step, the institutions,
the population and the field that runs them (one replication).

Importing the engine declares what its compiled code depends on (its own and
core's source files and the parameter vector's layout), before any of its
functions is compiled, so the compiled cache is keyed on them
(:mod:`careersim.core.compiled`).
"""

from pathlib import Path

from careersim.core import compiled
from careersim.engine.vector import layout_text

compiled.depend_on(compiled.sources(Path(__file__).resolve().parent), layout_text())
