"""Soak `diagnose serve`: many scrapes of healthy, hung and endless loopback portals; resources must stay flat.

Three login pages on 127.0.0.1: one healthy, one that accepts the request and never
answers, one that answers 200 and then sends its body forever. The exporter runs as
its own process; scrapes go round the three targets, a few at a time, each with a
Prometheus scrape timeout. Every `--every` scrapes it prints the exporter's RSS, its
open file descriptors and its Chromium processes (all, and renderers), then the
growth from the first sample after warm-up to the last. Nothing leaves loopback.

Usage: .venv/bin/python bench/bench_exporter_soak.py [-n SCRAPES] [--browser] [--parallel N] [--every N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from demo.web import Page, WebServer  # noqa: E402

LOGIN = Page("<title>Sign in</title><form><input name=user><input type=password name=pw></form>")
DIAGNOSE = str(ROOT / ".venv" / "bin" / "diagnose")
CHUNK = b"<p>" + b"x" * 4093 + b"\n"


class _Endless(socketserver.BaseRequestHandler):
    """200 and a body that never ends, until the client goes away."""

    def handle(self) -> None:
        self.request.settimeout(30)
        with contextlib.suppress(OSError):
            self.request.recv(65536)
            self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<title>Sign in</title>")
            while not getattr(self.server, "stopping", False):
                self.request.sendall(CHUNK)
                time.sleep(0.001)


@contextlib.contextmanager
def endless_portal() -> Iterator[str]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Endless)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/login"
    finally:
        server.stopping = True  # type: ignore[attr-defined]
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sample(process: psutil.Process) -> dict[str, float]:
    """The exporter's RSS (MB) and open descriptors, its Chromium processes and their RSS (MB)."""
    chromium = renderers = 0
    chromium_rss = 0
    for child in process.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if "chrom" in child.name().lower() and child.status() != psutil.STATUS_ZOMBIE:
                chromium += 1
                chromium_rss += child.memory_info().rss
                renderers += "--type=renderer" in " ".join(child.cmdline())
    return {"rss_mb": process.memory_info().rss / 2**20, "fds": process.num_fds(), "chromium": chromium,
            "renderers": renderers, "chromium_mb": chromium_rss / 2**20}


def line(done: int, elapsed: float, values: dict[str, float], answers: dict[str, int]) -> str:
    return (f"{done:6d} scrapes {elapsed:7.1f} s  exporter RSS {values['rss_mb']:6.1f} MB  fds {values['fds']:4.0f}  "
            f"chromium {values['chromium']:3.0f} (renderers {values['renderers']:2.0f}, "
            f"{values['chromium_mb']:6.1f} MB)  answers {dict(sorted(answers.items()))}")


async def soak(port: int, process: psutil.Process, scrapes: int, parallel: int, every: int, warmup: int,
               timeouts: dict[str, float]) -> tuple[dict[str, float], dict[str, float]]:
    names = list(timeouts)
    queue = iter(range(scrapes))
    answers: dict[str, int] = {}
    done = 0
    started = time.monotonic()
    first: dict[str, float] = {}
    last: dict[str, float] = {}
    limits = httpx.Limits(max_connections=parallel, max_keepalive_connections=parallel)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal done, first, last
        for i in queue:
            name = names[i % len(names)]
            header = {"X-Prometheus-Scrape-Timeout-Seconds": str(timeouts[name])}
            try:
                answer = await client.get(f"http://127.0.0.1:{port}/probe", params={"target": name},
                                          headers=header, timeout=timeouts[name] + 5)
                key = f"{name}:{answer.status_code}"
            except httpx.HTTPError as exc:
                key = f"{name}:{type(exc).__name__}"
            answers[key] = answers.get(key, 0) + 1
            done += 1
            if done == warmup or done % every == 0 or done == scrapes:
                values = sample(process)
                first = first or (values if done >= warmup else {})
                last = values
                print(line(done, time.monotonic() - started, values, answers), flush=True)

    async with httpx.AsyncClient(limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(parallel)))
    return first, last


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--scrapes", type=int, default=10_000, help="scrapes in all (default 10000)")
    parser.add_argument("--browser", action="store_true", help="the targets' runs include the browser probe")
    parser.add_argument("--parallel", type=int, default=4, help="scrapes at once (default 4)")
    parser.add_argument("--every", type=int, default=0, help="print every N scrapes (default: n/10)")
    options = parser.parse_args()
    every = options.every or max(1, options.scrapes // 10)
    warmup = min(options.scrapes, max(every // 2, 30))
    only = '["dns", "network", "http", "browser"]' if options.browser else '["dns", "network", "http"]'
    timeouts = {"good": 8.0, "hung": 2.0, "endless": 2.0}
    work = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    port = free_port()
    with WebServer({"/login": LOGIN}) as good, WebServer({"/login": Page(hang=True)}) as hung, \
            endless_portal() as endless:
        urls = {"good": good.url("/login"), "hung": hung.url("/login"), "endless": endless}
        (work / "exporter.toml").write_text(
            f'listen = "127.0.0.1:{port}"\nconcurrency = {options.parallel}\n' + "".join(
                f'[targets.{name}]\nurl = "{url}"\nonly = {only}\ncaptive_check = "off"\n'
                f"timeout = {timeouts[name]}\n" for name, url in urls.items()))
        exporter = subprocess.Popen([DIAGNOSE, "serve", "--config", str(work / "exporter.toml")],
                                    stdout=subprocess.DEVNULL, stderr=open(work / "stderr.txt", "wb"))  # noqa: SIM115
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"http://127.0.0.1:{port}/-/healthy", timeout=1).status_code == 200:
                        break
                time.sleep(0.1)
            process = psutil.Process(exporter.pid)
            print(f"{options.scrapes} scrapes of healthy, hung and endless loopback portals, {options.parallel} at "
                  f"once, {'with' if options.browser else 'without'} the browser; warm-up: {warmup} scrapes")
            first, last = asyncio.run(soak(port, process, options.scrapes, options.parallel, every, warmup, timeouts))
        finally:
            exporter.terminate()
            exporter.wait(timeout=15)
    stderr = (work / "stderr.txt").read_text(errors="replace").splitlines()
    shutil.rmtree(work, ignore_errors=True)
    if first and last:
        print("growth after warm-up: " + "  ".join(f"{key} {last[key] - first[key]:+.1f}" for key in first))
    print(f"exporter stderr: {len(stderr)} lines" + (f" (last: {stderr[-1][:120]})" if stderr else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
