"""Usage errors every subcommand reports the same way: one line, exit 3 (UNKNOWN)."""

from __future__ import annotations

import argparse
from typing import Final, NoReturn

EXIT_UNKNOWN: Final = 3  # the contract's UNKNOWN (reports.models.EXIT_CODES has them all; this stays light)


class UsageError(Exception):
    """Bad invocation or input: reported in one line, exit 3."""


class Parser(argparse.ArgumentParser):
    """argparse, but a bad option is a `UsageError` (one line, exit 3) instead of usage text and exit 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {self.prog} --help)")
