"""One command-line run: progress while it goes, the report and bundle written, the answer, the exit code.

SIGINT and SIGTERM stop the probes early rather than kill the process, so browsers are
closed and the report (with unfinished probes marked) is still written.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from agent.cli import signals
from agent.cli.message import with_message
from agent.cli.options import Run
from agent.engine.diagnosis import diagnose
from agent.engine.registry import select
from probes.resources import RunResources
from reports import bundle, json_report
from reports.log_line import one_line
from reports.models import Bundle, Report

if TYPE_CHECKING:
    from rich.console import Console

    from agent.engine.runner import Observer

_TERMINAL_VARIABLES = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "FORCE_TERMINAL")  # rich's own
DEADLINE_GRACE = 0.8  # seconds past --timeout a webhook may still take (the run ends by --timeout + 1 s)


async def _diagnose_until_signalled(
    run: Run, progress: Observer | None, resources: RunResources | None, began: float | None
) -> Report:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    installed = []
    for signum in signals.STOP_SIGNALS:
        try:
            loop.add_signal_handler(signum, stop.set)
            installed.append(signum)
        except (NotImplementedError, RuntimeError):  # Windows' loop has no signal handlers
            pass
    if signals.arrived():  # stopped while the agent was still loading: run, stop at once, write the report
        stop.set()
    try:
        return await diagnose(run.target, run.config, only=run.only, skip=frozenset(run.skip),
                              observer=progress, stop=stop, proxy=run.proxy, resources=resources, began=began)
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


async def execute(run: Run, resources: RunResources | None = None, began: float | None = None) -> int:
    """Run the diagnosis and write its outputs (report, bundle); return the contract's exit code.

    `resources` is handed to the run as it is (a Playwright driver already starting).
    """
    json_to_stdout = run.json_path == "-" or run.stdout_format != "text"
    human = _console(json_to_stdout, run)
    if human is not None:
        from agent.cli.progress import Progress

        with Progress(human, select(run.only, run.skip)) as progress:
            report = await _diagnose_until_signalled(run, progress, resources, began)
    else:
        report = await _diagnose_until_signalled(run, None, resources, began)
    report = report.model_copy(update={"run_id": run.run_id})
    if run.message:
        report = with_message(report, run.message)
    if run.reference is not None:
        from agent.engine.compare import with_comparison

        report = with_comparison(report, *run.reference)
    written = _write(report, run)
    if run.stdout_format == "json":
        if run.json_path != "-":
            sys.stdout.write(json_report.render(_for_json(report, run), run.secrets))
    elif run.stdout_format in ("html", "markdown"):
        from agent.cli.report_cmd import render

        sys.stdout.write(render(report, run.stdout_format, secrets=run.secrets))
    else:
        terminal = human is not None and human.is_terminal
        if human is not None and (terminal or run.details):
            from reports import text

            text.render(report, human, details=run.details, written=written, note=run.note)
        if not terminal:  # a log or a scheduler: the run as one line
            (sys.stderr if json_to_stdout else sys.stdout).write(one_line(report, written) + "\n")
    if run.stdout_format == "text" and report.comparison is not None and human is not None:
        from agent.cli.compare import render as render_comparison

        render_comparison(report.comparison, human)
    if report.status == "unknown" and report.status_reason:
        sys.stderr.write(f"diagnose: UNKNOWN: {report.status_reason}\n")
    if run.history is not None:
        from agent.schedule.scheduled import after_run

        left = None if began is None else began + run.config.timeout + DEADLINE_GRACE - time.monotonic()
        after_run(report, run.history, run.webhook, left)
    return report.exit_code


def _console(to_stderr: bool, run: Run) -> Console | None:
    """The terminal renderer, or None when a run prints only its one line (off a terminal, no details).

    Off a terminal nothing is drawn, so a scheduled run does not load the renderer at all.
    """
    stream = sys.stderr if to_stderr else sys.stdout
    forced = any(os.environ.get(name) is not None for name in _TERMINAL_VARIABLES)
    if not (forced or run.details or run.reference is not None or _is_terminal(stream)):
        return None
    from rich.console import Console

    return Console(stderr=to_stderr, highlight=False)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _write(report: Report, run: Run) -> dict[str, str]:
    """The bundle folder (always), its zip (on request) and the JSON report; what went where."""
    written: dict[str, str] = {}
    if run.bundle_dir is not None:
        bundle.write(report, run.bundle_dir, zip_path=run.bundle_zip, secrets=run.secrets)
        written["Bundle"] = str(run.bundle_dir)
        if run.bundle_zip:
            written["Zip"] = str(Path(run.bundle_zip).resolve())
    if run.json_path is not None:
        json_report.write(json_report.render(_for_json(report, run), run.secrets), run.json_path)
        if run.json_path != "-":
            written = {"Report": str(Path(run.json_path).resolve()), **written}
    return written


def _for_json(report: Report, run: Run) -> Report:
    """The report as the `--json` file holds it: artifact paths relative to that file, the bundle named."""
    base = Path(run.json_path).resolve().parent if run.json_path not in (None, "-") else Path.cwd()
    info = None
    if run.bundle_dir is not None:
        info = Bundle(folder=Path(os.path.relpath(run.bundle_dir, base)).as_posix(),
                      zip=Path(os.path.relpath(Path(run.bundle_zip).resolve(), base)).as_posix()
                      if run.bundle_zip else None)
    return bundle.relative_to(report.model_copy(update={"bundle": info}), base)
