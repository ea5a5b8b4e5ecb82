"""The `diagnose` command line: arguments, usage errors, subcommands, the run at a terminal, exit codes."""

from agent.cli.main import main

__all__ = ["main"]
