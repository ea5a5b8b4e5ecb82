"""Entry point of the one-file build (packaging/diagnose.spec): the `diagnose` console script."""

import sys

from agent.cli import main

if __name__ == "__main__":
    sys.exit(main())
