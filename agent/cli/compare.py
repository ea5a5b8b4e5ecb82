"""`diagnose compare A.json B.json`, and the reference of `--compare-with`: is the fault here only, or everywhere?

A is this workstation's report, B the reference (a monitor's, a colleague's). The
reference is a report file or a `diagnose serve` exporter's `/report?target=NAME`.
The comparison is printed line by line; `--json PATH` writes report A with the
comparison added and its causes ranked again. Exit 0 when written, 3 with one line on
stderr when an input cannot be read. The report's models and the terminal renderer load
once the arguments are known to be good, as for a run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from agent.cli.errors import EXIT_UNKNOWN, Parser, UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from reports.models import Comparison, Report

FETCH_TIMEOUT = 10.0  # seconds to get a reference report from an exporter
SCOPE_WORDS = {"here_only": "HERE ONLY", "everywhere": "EVERYWHERE", "neither": "NEITHER", "unknown": "UNKNOWN"}


def shown(source: str) -> str:
    """`source` as reports and messages may show it: a URL without its user:password, token-like parameters
    replaced (an exporter behind a reverse proxy is reached with them)."""
    from probes.target import without_userinfo
    from probes.web.har_redact import redact_url

    return redact_url(without_userinfo(source)) if source.startswith(("http://", "https://")) else source


def load_report(source: str) -> Report:
    """A report from a file or an exporter's URL; UsageError with one line when it cannot be had."""
    from pydantic import ValidationError

    from reports.models import Report

    if source.startswith(("http://", "https://")):
        import httpx

        try:
            answer = httpx.get(source, timeout=FETCH_TIMEOUT, follow_redirects=True)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            why = f"{type(exc).__name__}: {str(exc).replace(source, shown(source))}"
            raise UsageError(f"cannot fetch the reference report {shown(source)}: {why}") from None
        if answer.status_code != 200:
            first = answer.text.strip().splitlines()[0] if answer.text.strip() else ""
            raise UsageError(f"the reference report {shown(source)} answered HTTP {answer.status_code} "
                             f"{first}".rstrip())
        data = answer.content
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {source}: {exc.strerror or exc}") from None
    try:
        return Report.model_validate_json(data)
    except ValidationError as exc:
        first_error = exc.errors()[0]
        where = ".".join(str(part) for part in first_error["loc"]) or "(top)"
        raise UsageError(f"{shown(source)} is not a diagnose JSON report ({where}: {first_error['msg']})") from None


def render(comparison: Comparison, console: Console) -> None:
    """The comparison on the terminal: the verdict in one line, then what differs, probe by probe."""
    from rich.table import Table

    ref = comparison.reference
    console.print(f"[bold]Compared with {ref.source}[/bold] ({ref.hostname}, {ref.status}, "
                  f"{comparison.minutes_apart:g} min apart)")
    console.print(f"[bold]{SCOPE_WORDS[comparison.scope]}[/bold]: {comparison.summary}")
    if comparison.shared_causes:
        console.print(f"Both runs found: {', '.join(comparison.shared_causes)}")
    if not comparison.differences:
        console.print("No probe saw anything different.")
        return
    table = Table(show_header=True, header_style="bold", expand=False)
    for column in ("probe", "what", "here", "reference"):
        table.add_column(column, overflow="fold")
    for diff in comparison.differences:
        here = f"{diff.here}\n[italic]{diff.note}[/italic]" if diff.note else diff.here
        table.add_row(diff.probe, diff.aspect, here, diff.reference)
    console.print(table)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="diagnose compare",
        description="Line up two reports of the same portal: is the fault here only (the reference passed "
        "at about the same time), everywhere (the portal's side), or unknown? Then what differs, probe by probe.",
    )
    parser.add_argument("here", metavar="A.json", help="this workstation's report (diagnose --json)")
    parser.add_argument("reference", metavar="B.json",
                        help="the reference report: a file, or an exporter's http://HOST:PORT/report?target=NAME")
    parser.add_argument("--json", metavar="PATH", help="write A with the comparison added ('-' = stdout)")
    return parser


def main(argv: Sequence[str]) -> int:
    options = build_parser().parse_args(argv)
    from rich.console import Console

    from agent.engine.compare import with_comparison
    from reports import json_report

    try:
        here, reference = load_report(options.here), load_report(options.reference)
    except UsageError as exc:
        sys.stderr.write(f"diagnose compare: {exc}\n")
        return EXIT_UNKNOWN
    compared = with_comparison(here, reference, shown(options.reference))
    assert compared.comparison is not None
    render(compared.comparison, Console(stderr=options.json == "-", highlight=False))
    if options.json is not None:
        try:
            json_report.write(json_report.render(compared, []), options.json)
        except OSError as exc:
            sys.stderr.write(f"diagnose compare: cannot write {options.json}: {exc.strerror or exc}\n")
            return EXIT_UNKNOWN
    return 0
