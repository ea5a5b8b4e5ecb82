"""`diagnose report REPORT.json --html OUT.html --markdown OUT.md`: re-render a saved JSON report.

Support engineers receive the JSON a workstation or a scheduled run wrote and turn it
into a page to read or print, or Markdown to paste into a ticket. The same renderers
serve `--format html|markdown` on a run. Exit 0 when written, 3 with one line on
stderr when the input cannot be read. The report's models load once the arguments
are known to be good, as for a run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from agent.cli.errors import EXIT_UNKNOWN, Parser

if TYPE_CHECKING:
    from reports.models import Report


def render(report: Report, fmt: str, base_dir: Path | None = None, secrets: Iterable[str] = ()) -> str:
    """`report` as `html` or `markdown`, rendered from the report with its secrets removed field by field."""
    from reports import json_report

    clean = json_report.scrubbed(report, secrets)
    if fmt == "html":
        from reports import html

        return html.render(clean, base_dir=base_dir)
    from reports import markdown

    return markdown.render(clean)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="diagnose report",
        description="Render a saved JSON report as one self-contained HTML page (screenshot embedded) "
        "or as Markdown for a ticket. With neither option, Markdown goes to stdout.",
    )
    parser.add_argument("report", metavar="REPORT.json", help="a report written by diagnose --json")
    parser.add_argument("--html", metavar="OUT.html", help="write the HTML page here ('-' = stdout)")
    parser.add_argument("--markdown", metavar="OUT.md", help="write the Markdown here ('-' = stdout)")
    return parser


def main(argv: Sequence[str]) -> int:
    options = build_parser().parse_args(argv)
    from pydantic import ValidationError

    from reports import json_report
    from reports.models import Report

    source = Path(options.report)
    try:
        report = Report.model_validate_json(source.read_bytes())
    except OSError as exc:
        return _fail(f"cannot read {source}: {exc.strerror or exc}")
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top)"
        return _fail(f"{source} is not a diagnose JSON report ({where}: {first['msg']})")
    outputs = [(fmt, path) for fmt, path in (("html", options.html), ("markdown", options.markdown)) if path]
    for fmt, path in outputs or [("markdown", "-")]:
        try:
            json_report.write(render(report, fmt, base_dir=source.resolve().parent), path)
        except OSError as exc:
            return _fail(f"cannot write {path}: {exc.strerror or exc}")
    return 0


def _fail(message: str) -> int:
    sys.stderr.write(f"diagnose report: {message}\n")
    return EXIT_UNKNOWN
