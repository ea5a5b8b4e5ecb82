"""A full diagnosis with the browser, side by side with the floor: a bare Playwright script.

A healthy portal runs on loopback (its own DNS server, HTTPS with its own CA, an NTP
server). In one run, this prints the median wall time (process start and browser
launch included) of:

- `diagnose` with every probe but `login` (which needs credentials);
- a bare Playwright script that only launches the same Chromium and waits for the
  same page's password field (the floor: nothing can be faster than that);
- their ratio (goal: at most 1.10), and, in separate runs, the peak memory of each process tree
  (agent, Playwright driver and Chromium together; proportional set size, so pages
  the Chromium processes share count once), sampled every 50 ms, the median of
  `MEMORY_RUNS` runs of each; and the agent's own process alone (goal: under 150 MB).

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


MEMORY_RUNS = 3  # one peak moves by some 3% from run to run


def peak_memory(cmd: list[str]) -> tuple[float, float]:
    """Peak memory (MiB, proportional set size) of the command's process tree and of its own process, in a run
    of its own: sampling costs CPU, so it never shares a run with a timing."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = own = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, own
        root = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                sizes = [p.memory_full_info().pss for p in (root, *root.children(recursive=True))]
                peak, own = max(peak, sum(sizes)), max(own, sizes[0])
            except psutil.Error:
                pass
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    proc.wait()
    done.set()
    sampler.join()
    return peak / 2**20, own / 2**20


def median_peaks(cmd: list[str]) -> tuple[float, float]:
    """The median over MEMORY_RUNS runs of each figure `peak_memory` gives."""
    peaks = [peak_memory(cmd) for _ in range(MEMORY_RUNS)]
    return statistics.median(p[0] for p in peaks), statistics.median(p[1] for p in peaks)


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
        (agent_mib, own_mib), (bare_mib, _) = median_peaks(agent), median_peaks(bare)
    agent_s = statistics.median(r[0] for r in agent_runs)
    bare_s = statistics.median(r[0] for r in bare_runs)
    print(f"diagnose with the browser (median of {runs}): {agent_s:.3f} s  exit {agent_runs[-1][1]}")
    print(f"bare Playwright launch + password field (median of {runs}): {bare_s:.3f} s")
    print(f"ratio diagnose / bare: {agent_s / bare_s:.2f}  (goal: <= 1.10)")
    print(f"peak memory (median of {MEMORY_RUNS}), agent + driver + Chromium: {agent_mib:.0f} MiB; "
          f"bare script tree: {bare_mib:.0f} MiB; ratio {agent_mib / bare_mib:.2f} (goal: <= 1.10)")
    print(f"peak memory of the agent's own process (median of {MEMORY_RUNS}): {own_mib:.0f} MiB (goal: < 150 MB)")


if __name__ == "__main__":
    main()
