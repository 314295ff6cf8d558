"""``python -m careersim``: the command line (see :mod:`careersim.cli`)."""

import sys

from ._entry import main

sys.exit(main())
