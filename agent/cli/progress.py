"""Live progress while the probes run: a spinner table on a terminal, plain lines elsewhere."""

from __future__ import annotations

import time

from rich.console import Console, Group, RenderableType
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
        self.live = Live(self._view(), console=console, refresh_per_second=10, transient=True) \
            if console.is_terminal else None

    def __call__(self, name: str, result: ProbeResult | None) -> None:
        if result is None:
            self.started[name] = time.monotonic()
        else:
            self.results[name] = result
            if self.live is None:
                self.console.print(probe_line(name, result.status, result.duration_ms, result.summary))
        if self.live is not None:
            self.live.update(self._view())

    def _view(self) -> Group:
        rows: list[RenderableType] = []
        for name in self.names:
            result = self.results.get(name)
            if result is not None:
                rows.append(probe_line(name, result.status, result.duration_ms, result.summary))
            else:
                waited = int((time.monotonic() - self.started.get(name, time.monotonic())) * 1000)
                rows.append(Spinner("dots", text=Text(f"{name:<12}running {waited:>5} ms")))
        return Group(*rows)

    def __enter__(self) -> Progress:
        if self.live is not None:
            self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.stop()
