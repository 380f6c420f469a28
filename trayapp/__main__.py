"""`python -m trayapp`: the same as the `trayapp` command."""

import sys

from trayapp.cli import main

sys.exit(main())
