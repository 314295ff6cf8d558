"""``python -m careersim``: the command line (see :mod:`careersim.cli`)."""

import sys

from careersim.cli import main

sys.exit(main())
