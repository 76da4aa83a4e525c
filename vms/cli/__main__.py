"""`python -m vms.cli` is the `vms` command (used to start child processes)."""

import sys

from vms.cli import main

sys.exit(main())
