"""``python -m careersim``: the command line (see :mod:`careersim.cli.common`)."""

import sys

from careersim.cli.common import main

sys.exit(main())
