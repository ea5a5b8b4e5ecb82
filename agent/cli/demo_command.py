"""`diagnose demo [--fault NAME] [--list-faults] [diagnose options]`: the agent against the built-in demo portal.

The demo portal runs on loopback for the length of the command, and the ordinary
`diagnose` command line runs against it through the demo's profile, with the options
a user would give (its DNS server, its CA bundle, its NTP server) and the environment
the fault needs (a proxy, the demo account). Options the demo does not know, such as
`--skip browser,login` or `--json PATH`, are passed on to `diagnose`.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import shutil
import sys
import textwrap
from collections.abc import Iterator, Sequence

from agent.cli.errors import Parser, UsageError


def _parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="diagnose demo",
        description="Start a local demo portal (offline, on loopback), healthy or with one fault, "
        "and diagnose it with the real agent.",
        epilog="Any other option goes to diagnose, e.g. --skip browser,login or --json report.json.",
    )
    parser.add_argument("--fault", metavar="NAME", help="the fault the demo portal plays (see --list-faults)")
    parser.add_argument("--list-faults", action="store_true", help="list the faults and the cause each should give")
    return parser


def main(argv: Sequence[str]) -> int:
    """Run `diagnose demo`; the exit code is the diagnosis's (a bad invocation raises UsageError: exit 3)."""
    options, rest = _parser().parse_known_args(argv)
    from demo.faults import FAULTS, describe_faults

    if options.list_faults:
        sys.stdout.write(describe_faults() + "\n")
        return 0
    if options.fault is not None and options.fault not in FAULTS:
        close = difflib.get_close_matches(options.fault, list(FAULTS), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UsageError(f"demo: unknown fault {options.fault!r}{hint} (diagnose demo --list-faults shows them)")
    from agent.cli.parser import build_parser
    from agent.cli.run import run as diagnose
    from demo.portal import PORTAL_HOST, DemoPortal

    build_parser().parse_args([f"https://{PORTAL_HOST}/", *rest])  # a stray argument: refused before the portal starts

    with DemoPortal(options.fault) as demo, _environment(demo.environment()):
        fault = demo.fault
        played = "healthy" if options.fault is None else f"fault {fault.name}: {fault.description}"
        _say(f"diagnose demo: a local portal at {demo.target_url} ({played})")
        code = diagnose(demo.cli_args() + rest)
        if options.fault is not None:
            _say(f"diagnose demo: the fault played was {fault.name}; expected first cause {fault.expect}")
        return code


def _say(line: str) -> None:
    """One line of the demo's own on stderr, wrapped between words on a terminal (whole in a log)."""
    if sys.stderr.isatty():
        width = shutil.get_terminal_size().columns
        line = textwrap.fill(line, width, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False)
    sys.stderr.write(line + "\n")


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Set `values` in os.environ for the block, as on the workstation the demo plays; restore after."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old
