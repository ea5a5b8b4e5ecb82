"""A full diagnosis with the browser, side by side with the floor: a bare Playwright script.

A healthy portal runs on loopback (its own DNS server, HTTPS with its own CA, an NTP
server). In one run, this prints the median wall time (process start and browser
launch included) of:

- `diagnose` with every probe but `login` (which needs credentials);
- a bare Playwright script that only launches the same Chromium and waits for the
  same page's password field (the floor: nothing can be faster than that);
- their ratio (goal: at most 1.10), and, in separate runs, the peak memory of each process tree
  (agent, Playwright driver and Chromium together; proportional set size, so pages
  the Chromium processes share count once), sampled every 50 ms.

Usage: .venv/bin/python bench/bench_browser.py [-n RUNS]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loopback_portal import HOST, healthy_portal  # noqa: E402

from probes.web.discovery import find_browser  # noqa: E402

DIAGNOSE = str(ROOT / ".venv" / "bin" / "diagnose")
BARE = """
import asyncio, sys
from playwright.async_api import async_playwright

async def main():
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=sys.argv[1], args=[
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-gpu", "--disable-quic", "--host-resolver-rules=MAP %s 127.0.0.1", "--ignore-certificate-errors"])
        page = await browser.new_page()
        await page.goto(sys.argv[2], wait_until="commit")
        await page.wait_for_selector("input[type=password]", state="visible")
        await browser.close()

asyncio.run(main())
"""


def timed(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and exit code."""
    started = time.perf_counter()
    code = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    return time.perf_counter() - started, code


def peak_memory(cmd: list[str]) -> float:
    """Peak memory (MiB, proportional set size) of the command's process tree, in a run of its own:
    sampling costs CPU, so it never shares a run with a timing."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        root = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_full_info().pss for p in tree))
            except psutil.Error:
                pass
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    proc.wait()
    done.set()
    sampler.join()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=5)
    runs = parser.parse_args().runs
    tmp = Path(tempfile.mkdtemp(prefix="bench-browser-"))
    (tmp / "bare.py").write_text(BARE % HOST)
    chromium = find_browser().path
    with healthy_portal(tmp) as portal:
        agent = [DIAGNOSE, *portal.args("login", tmp / "report.json")]
        bare = [sys.executable, str(tmp / "bare.py"), chromium, portal.url]
        timed(agent), timed(bare)  # warm the file cache, as a second run on a workstation would be
        agent_runs, bare_runs = [], []
        for _ in range(runs):  # interleaved, so a busy moment weighs on both alike
            agent_runs.append(timed(agent))
            bare_runs.append(timed(bare))
        agent_mib, bare_mib = peak_memory(agent), peak_memory(bare)
    agent_s = statistics.median(r[0] for r in agent_runs)
    bare_s = statistics.median(r[0] for r in bare_runs)
    print(f"diagnose with the browser (median of {runs}): {agent_s:.3f} s  exit {agent_runs[-1][1]}")
    print(f"bare Playwright launch + password field (median of {runs}): {bare_s:.3f} s")
    print(f"ratio diagnose / bare: {agent_s / bare_s:.2f}  (goal: <= 1.10)")
    print(f"peak memory, agent + driver + Chromium: {agent_mib:.0f} MiB; bare script tree: {bare_mib:.0f} MiB")


if __name__ == "__main__":
    main()
