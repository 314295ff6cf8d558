"""``python -m careersim``: the command line (see :mod:`careersim.cli`)."""

import sys

from .cli import main

sys.exit(main())
