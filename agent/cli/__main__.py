"""`python -m agent.cli`: the same as the `diagnose` command."""

from agent.cli.main import main

raise SystemExit(main())
