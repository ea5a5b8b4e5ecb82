"""`diagnose serve`: a Prometheus exporter in the manner of blackbox_exporter, for configured portals only.

`GET /probe?target=NAME` diagnoses the configured target NAME and answers its metrics;
`GET /metrics` answers the exporter's own; `GET /-/healthy` answers OK; `GET /report?target=NAME`
answers the latest report of NAME as JSON (the reference of `diagnose --compare-with`). Each scrape
has a deadline: the `timeout` parameter or the target's timeout, never past Prometheus'
`X-Prometheus-Scrape-Timeout-Seconds` (less a margin) nor the configured cap. At most
`concurrency` diagnoses run at once; a scrape that finds the same target already being
diagnosed, and due to finish within its deadline, shares that answer rather than start
another, and one that gets no slot before its deadline is answered 503. A hung portal
costs one slot for at most its deadline: it never blocks the other targets.

What belongs to the machine rather than the target (its proxy settings, interfaces and routes,
the clock against its time servers, the captive-portal check) is read at most once per
`HOST_STATE_SECONDS` and shared by the scrapes in that window (`probes.osinfo.host_state`).

HTTP is aiohttp's server behind `listener.Listener` (a cap on open connections and on
their idle time); every request comes to `Exporter.handle`, the one place paths are routed.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from agent.engine.diagnosis import diagnose
from agent.exporter import metrics
from agent.exporter.artifacts import ArtifactKeeper
from agent.exporter.config import Loaded, Monitored
from agent.exporter.listener import Listener
from agent.exporter.shared_browser import SharedBrowser
from probes.base import RunConfig
from probes.net.proxy_settings import ProxySettings
from probes.osinfo.host_state import HostState
from probes.resources import RunResources
from reports import json_report
from reports.models import Report

SCRAPE_MARGIN = 0.5  # seconds kept back from Prometheus' scrape timeout, as blackbox_exporter does
MIN_RUN_SECONDS = 1.0  # a scrape with less than this left when a slot frees up is answered 503
GRACE_SECONDS = 1.0  # how far past its deadline a diagnosis may run before the answer gives up on it
# How long scrapes share one read of what belongs to the machine (see the module docstring): a
# round of many targets reads them about once per window, not once per target, and a change (a VPN
# connecting) shows in the scrapes that start at most this much later. Shorter than Prometheus'
# shortest usual interval (15 s), so every scrape of one target reads the machine anew.
HOST_STATE_SECONDS = 5.0
TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8"
PATHS = ("/probe", "/report", "/metrics", "/-/healthy", "/")


@dataclass
class _Run:
    task: asyncio.Task[Report]
    ends_at: float


class Exporter:
    """The exporter's request handling; `start()` listens, `close()` stops and frees the shared browser."""

    def __init__(self, loaded: Loaded, clock: Callable[[], float] = time.monotonic) -> None:
        self.loaded = loaded
        self.browser = SharedBrowser(loaded.browser)
        self.metrics = metrics.ExporterMetrics()
        self._slots = asyncio.Semaphore(loaded.concurrency)
        self.host = HostState(max_age=HOST_STATE_SECONDS, clock=clock)
        self._running: dict[str, list[_Run]] = {}
        self.latest: dict[str, Report] = {}  # the last report of each target, for /report
        self.artifacts = ArtifactKeeper(loaded.keep_artifacts, loaded.artifacts_max_bytes, loaded.artifacts_dir)
        self.listener = Listener(self.handle, self.metrics, loaded.max_connections, loaded.idle_timeout)
        self.server: asyncio.Server | None = None

    async def start(self) -> asyncio.Server:
        self.server = await self.listener.start(self.loaded.host, self.loaded.port)
        if any(self.browser.can_share(item, self.loaded.browser) for item in self.loaded.targets.values()):
            await self.browser.prelaunch()
        return self.server

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        await self.listener.close()
        runs = [run.task for runs in self._running.values() for run in runs]
        for task in runs:
            task.cancel()
        if runs:
            await asyncio.wait(runs, timeout=5)
        await self.browser.aclose()
        self.artifacts.close()

    async def handle(self, request: web.BaseRequest) -> web.Response:
        """Every request: GET and HEAD on the paths below, by path; counted by path and status."""
        if request.method not in ("GET", "HEAD"):
            response = _text(405, f"method {request.method} not allowed: use GET")
            response.headers["Allow"] = "GET, HEAD"
        elif request.path == "/probe":
            response = await self.probe(request)
        elif request.path == "/report":
            response = self.report(request)
        elif request.path == "/metrics":
            response = web.Response(body=self.metrics.exposition(), headers={"Content-Type": TEXT_FORMAT})
        elif request.path == "/-/healthy":
            response = _text(200, "OK")
        elif request.path == "/":
            response = _text(200, self._index())
        else:
            response = _text(404, f"not found: {request.path} (try /probe?target=NAME or /metrics)")
        self.metrics.requests.labels(request.path if request.path in PATHS else "other", str(response.status)).inc()
        return response

    async def probe(self, request: web.BaseRequest) -> web.Response:
        loop = asyncio.get_running_loop()
        name = request.query.get("target")
        if not name:
            return _text(400, "the 'target' parameter is missing: /probe?target=NAME")
        item = self.loaded.targets.get(name)
        if item is None:
            return _text(
                400, f"unknown target {name!r}: only targets named in the configuration are probed "
                f"(configured: {', '.join(sorted(self.loaded.targets))})",
            )
        try:
            budget = self._budget(item, request)
        except ValueError as exc:
            return _text(400, str(exc))
        deadline = loop.time() + budget
        run = self._joinable(name, deadline)
        if run is not None:
            self.metrics.shared.labels(name).inc()
        else:
            try:
                async with asyncio.timeout(max(0.0, budget - MIN_RUN_SECONDS)):
                    await self._slots.acquire()
            except TimeoutError:
                return _text(
                    503, f"busy: no free slot for {name!r} within its {budget:g} s deadline "
                    f"({self.loaded.concurrency} diagnoses at once; raise 'concurrency' or the scrape timeout)",
                )
            run = self._joinable(name, deadline)  # one may have started while this scrape waited
            if run is None:
                run = self._launch(item, deadline - loop.time())
            else:
                self._slots.release()
                self.metrics.shared.labels(name).inc()
        try:
            async with asyncio.timeout(max(0.0, run.ends_at - loop.time()) + GRACE_SECONDS):
                report = await asyncio.shield(run.task)
        except TimeoutError:
            return _metrics(metrics.failed_answer("deadline"))
        except Exception as exc:  # noqa: BLE001 - the agent failing is a 500 with its reason, not a dropped scrape
            return _text(500, f"the diagnosis failed: {type(exc).__name__}: {exc}")
        if request.query.get("debug") == "true":  # as blackbox_exporter: the run's log, then the metrics
            return _text(200, metrics.debug_answer(report))
        return _metrics(metrics.probe_answer(report))

    def report(self, request: web.BaseRequest) -> web.Response:
        """The latest report of a configured target, as JSON; 404 until one has run."""
        name = request.query.get("target")
        if not name or name not in self.loaded.targets:
            return _text(400, f"/report?target=NAME needs a configured target "
                              f"(configured: {', '.join(sorted(self.loaded.targets))})")
        latest = self.latest.get(name)
        if latest is None:
            return _text(404, f"no report of {name!r} yet: a scrape of /probe?target={name} makes one")
        credentials = self.loaded.targets[name].config.credentials
        secrets = [credentials.password.get_secret_value()] if credentials else []
        return web.Response(body=json_report.render(latest, secrets).encode("utf-8"),
                            headers={"Content-Type": "application/json"})

    def _budget(self, item: Monitored, request: web.BaseRequest) -> float:
        """Seconds this scrape may take: requested or the target's, within the scrape timeout and the cap."""
        limits = [self.loaded.max_timeout]
        asked = request.query.get("timeout")
        limits.append(_positive(asked, "timeout") if asked is not None else item.config.timeout)
        header = request.headers.get("x-prometheus-scrape-timeout-seconds")
        if header:
            limits.append(max(0.5, _positive(header, "X-Prometheus-Scrape-Timeout-Seconds") - SCRAPE_MARGIN))
        return min(limits)

    def _joinable(self, name: str, deadline: float) -> _Run | None:
        for run in self._running.get(name, []):
            if not run.task.done() and run.ends_at <= deadline:
                return run
        return None

    def _launch(self, item: Monitored, seconds: float) -> _Run:
        """Start a diagnosis holding an acquired slot; the slot is released when it ends."""
        loop = asyncio.get_running_loop()
        config = self.artifacts.configure(item.config.model_copy(update={"timeout": seconds}), item.name)
        task = loop.create_task(self._diagnose(item, config))
        run = _Run(task, loop.time() + seconds)
        self._running.setdefault(item.name, []).append(run)

        def finished(_: asyncio.Task[Report]) -> None:
            self._slots.release()
            self._running[item.name].remove(run)
            if not self._running[item.name]:
                del self._running[item.name]

        task.add_done_callback(finished)
        return run

    async def _diagnose(self, item: Monitored, config: RunConfig) -> Report:
        """One run; waiting for the shared browser to start comes out of the run's own time."""
        self.metrics.in_flight.inc()
        try:
            loop = asyncio.get_running_loop()
            started = loop.time()
            lent = await self.browser.lend(item, wait=config.timeout - MIN_RUN_SECONDS)
            try:
                detected = await self.host.shared("proxy settings", ProxySettings.detect)
                proxy = detected.model_copy(deep=True)  # each run decides its own PAC answers
                config = config.model_copy(update={"timeout": config.timeout - (loop.time() - started)})
                report = await diagnose(item.target, config, only=item.only, skip=item.skip, proxy=proxy,
                                        resources=RunResources(browser=lent, host=self.host))
            finally:  # however the run ended: its contexts closed, their renderers gone
                await asyncio.shield(self.browser.give_back(lent))
                self.artifacts.prune()
        finally:
            self.metrics.in_flight.dec()
        self.latest[item.name] = report
        self.metrics.runs.labels(item.name, report.status).inc()
        self.metrics.duration.labels(item.name).observe(report.duration_ms / 1000)
        return report

    def _index(self) -> str:
        lines = ["diagnose exporter", "", "Configured targets (GET /probe?target=NAME):"]
        lines += [f"  {name}  {item.target.url}" for name, item in sorted(self.loaded.targets.items())]
        lines += ["", "Latest report: GET /report?target=NAME   Own metrics: GET /metrics   Health: GET /-/healthy"]
        return "\n".join(lines)


def _text(status: int, message: str) -> web.Response:
    return web.Response(status=status, text=message.rstrip("\n") + "\n", content_type="text/plain", charset="utf-8")


def _metrics(body: bytes) -> web.Response:
    return web.Response(body=body, headers={"Content-Type": TEXT_FORMAT})


def _positive(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{what} must be a number of seconds, not {text!r}") from None
    if not 0 < value < float("inf"):
        raise ValueError(f"{what} must be a positive number of seconds, not {text!r}")
    return value


async def serve_until_signalled(loaded: Loaded) -> None:
    """Serve `loaded` until SIGINT or SIGTERM, then close the exporter (its shared browser too)."""
    exporter = Exporter(loaded)
    await exporter.start()
    sys.stderr.write(f"diagnose serve: listening on {loaded.host}:{exporter.port} "
                     f"({len(loaded.targets)} targets, {loaded.concurrency} at once)\n")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await exporter.close()
