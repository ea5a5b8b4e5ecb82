"""One command-line run: progress while it goes, the report written, the rendering, the exit code.

SIGINT and SIGTERM stop the probes early rather than kill the process, so browsers are
closed and the report (with unfinished probes marked) is still written.
"""

from __future__ import annotations

import asyncio
import sys

from rich.console import Console

from agent.cli import signals
from agent.cli.options import Run
from agent.cli.progress import Progress
from agent.engine.diagnosis import diagnose
from agent.engine.registry import select
from probes.resources import RunResources
from reports import json_report, text
from reports.models import Report


async def _diagnose_until_signalled(
    run: Run, progress: Progress, resources: RunResources | None, began: float | None
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
    """Run the diagnosis and write its outputs; return the contract's exit code.

    `resources` is handed to the run as it is (a Playwright driver already starting).
    """
    json_to_stdout = run.json_path == "-" or run.stdout_format != "text"
    human = Console(stderr=json_to_stdout, highlight=False)
    with Progress(human, select(run.only, run.skip)) as progress:
        report = await _diagnose_until_signalled(run, progress, resources, began)
    if run.reference is not None:
        from agent.engine.compare import with_comparison

        report = with_comparison(report, *run.reference)
    document = json_report.render(report, run.secrets)
    if run.json_path is not None:
        json_report.write(document, run.json_path)
    if run.stdout_format == "json":
        if run.json_path != "-":
            sys.stdout.write(document)
    elif run.stdout_format in ("html", "markdown"):
        from agent.cli.report_cmd import render

        sys.stdout.write(render(report, run.stdout_format, secrets=run.secrets))
    else:
        text.render(report, human)
        if report.comparison is not None:
            from agent.cli.compare import render as render_comparison

            render_comparison(report.comparison, human)
    if report.status == "unknown" and report.status_reason:
        sys.stderr.write(f"diagnose: UNKNOWN: {report.status_reason}\n")
    if run.history is not None:
        from agent.schedule.scheduled import after_run

        after_run(report, run.history, run.webhook)
    return report.exit_code
