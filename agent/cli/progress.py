"""Live progress while the probes run: a ticking table on a terminal, nothing elsewhere.

On a terminal the table redraws ten times a second from the clock, so running probes
keep counting between events, and it vanishes at the end to leave the answer alone on
the screen. Off a terminal (a log, a scheduler) nothing is printed while the run goes:
the run ends in one line.
"""

from __future__ import annotations

import time

from rich.console import Console, Group
from rich.live import Live
from rich.spinner import Spinner
from rich.text import Text

from probes.base import ProbeResult
from reports.text import probe_line


class Progress:
    """An observer for the runner: called with (name, None) when a probe starts, (name, result) when done."""

    def __init__(self, console: Console, names: list[str]) -> None:
        self.console = console
        self.names = names
        self.results: dict[str, ProbeResult] = {}
        self.started: dict[str, float] = {}
        self.spinners = {name: Spinner("dots") for name in names}
        self.live = Live(console=console, refresh_per_second=10, transient=True, get_renderable=self._view) \
            if console.is_terminal else None

    def __call__(self, name: str, result: ProbeResult | None) -> None:
        if result is None:
            self.started[name] = time.monotonic()
        else:
            self.results[name] = result

    def _view(self) -> Group:
        rows: list[Text | Spinner] = []
        for name in self.names:
            result = self.results.get(name)
            if result is not None:
                rows.append(probe_line(name, result.status, result.duration_ms, result.summary))
            elif name in self.started:
                waited = int((time.monotonic() - self.started[name]) * 1000)
                spinner = self.spinners[name]
                spinner.update(text=Text(f"{name:<13}running {waited:>5} ms"))
                rows.append(spinner)
            else:
                rows.append(Text(f"  {name:<13}waiting", style="dim"))
        return Group(*rows)

    def __enter__(self) -> Progress:
        if self.live is not None:
            self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.stop()
