"""Speed and memory of a diagnosis without the browser, side by side with the same checks by hand.

A healthy portal runs on loopback (its own DNS server, HTTPS with its own CA, an NTP
server). Then, in one run, this prints:

- `diagnose --skip browser,login` against it, process start included (median of N);
- the same checks run by hand one after the other: `dig`, `openssl s_client`, `curl`,
  an SNTP query and `chromium --headless --dump-dom` (median of N), and the ratio;
- the floor under the first: a Python process that only imports the libraries such a run
  needs (`bench_instructions.FLOOR`), as a share of the same chain;
- `diagnose --help`;
- a run whose every reference is unreachable (silent DNS server, silent NTP server,
  a hung status page) against its `--timeout`;
- the agent process's peak memory (max RSS).

Usage: .venv/bin/python bench/bench_core.py [-n RUNS]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_instructions import FLOOR, PYTHON  # noqa: E402
from loopback_portal import HOST, healthy_portal  # noqa: E402

from demo.dns_server import DnsServer  # noqa: E402
from demo.ntp_server import NtpServer  # noqa: E402
from demo.web import Page, WebServer  # noqa: E402

DIAGNOSE = str(ROOT / ".venv" / "bin" / "diagnose")


def timed(cmd: list[str], stdin: bytes | None = b"") -> tuple[float, int, int]:
    """Wall seconds, exit code and peak RSS (KiB) of one command."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if stdin is not None and proc.stdin:
        proc.stdin.write(stdin)
        proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - started, os.waitstatus_to_exitcode(status), usage.ru_maxrss


def sntp_by_hand(host: str, port: int) -> list[str]:
    script = (
        "import socket,struct;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.settimeout(2);"
        f"s.sendto(b'\\x23'+bytes(47),('{host}',{port}));d=s.recv(48);"
        "print(struct.unpack('!I',d[40:44])[0]-2208988800)"
    )
    return [sys.executable, "-S", "-c", script]


def median_of(runs: int, cmd: list[str]) -> tuple[float, int, int]:
    samples = [timed(cmd) for _ in range(runs)]
    return statistics.median(s[0] for s in samples), samples[-1][1], max(s[2] for s in samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=5)
    runs = parser.parse_args().runs
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    tmp = Path(tempfile.mkdtemp(prefix="bench-core-"))
    with healthy_portal(tmp) as portal:
        dns_host, dns_port = portal.dns
        ntp_host, ntp_port = portal.ntp
        url, bundle = portal.url, portal.bundle
        agent = [DIAGNOSE, *portal.args("browser,login", tmp / "report.json")]
        timed(agent)  # warm the file cache once, as a user's second run would be
        agent_s, agent_rc, agent_kib = median_of(runs, agent)

        by_hand = [
            ["dig", f"@{dns_host}", "-p", str(dns_port), HOST, "A", "+short", "+tries=1"],
            ["openssl", "s_client", "-connect", f"127.0.0.1:{portal.port}", "-servername", HOST,
             "-CAfile", str(bundle), "-verify_return_error", "-brief"],
            ["curl", "-sS", "-o", "/dev/null", "--resolve", f"{HOST}:{portal.port}:127.0.0.1",
             "--cacert", str(bundle), url],
            sntp_by_hand(ntp_host, ntp_port),
        ]
        if chromium:
            by_hand.append([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                            "--disable-component-update", "--disable-sync", "--no-first-run",
                            f"--user-data-dir={tmp / 'chromium-profile'}",
                            f"--host-resolver-rules=MAP {HOST} 127.0.0.1", "--ignore-certificate-errors",
                            "--dump-dom", url])
        hand_runs = []
        for _ in range(runs):
            started = time.perf_counter()
            for cmd in by_hand:
                timed(cmd)
            hand_runs.append(time.perf_counter() - started)
        hand_s = statistics.median(hand_runs)

        help_s, _, _ = median_of(runs, [DIAGNOSE, "--help"])
        floor_s, _, _ = median_of(runs, [PYTHON, "-c", FLOOR])

    with (
        DnsServer({}, faults={HOST: "timeout"}) as silent_dns,
        NtpServer(fault="silent") as silent_ntp,
        WebServer({"/status": Page(hang=True)}) as hung,
    ):
        deadline = 5.0
        dead = [DIAGNOSE, f"https://{HOST}/login", "--dns-server", "{}:{}".format(*silent_dns.address),
                "--time-server", "{}:{}".format(*silent_ntp.address), "--status-page", hung.url("/status"),
                "--skip", "browser,login", "--captive-check", "off", "--timeout", str(deadline),
                "--json", str(tmp / "dead.json")]
        dead_s, dead_rc, _ = timed(dead)

    print(f"diagnose --skip browser,login (healthy, median of {runs}): {agent_s:.3f} s  exit {agent_rc}")
    print(f"same checks by hand, one after the other ({len(by_hand)} commands): {hand_s:.3f} s")
    print(f"ratio diagnose / by hand: {agent_s / hand_s:.2f}  (goal: <= 0.50)")
    print(f"floor: python importing the run's libraries, nothing else: {floor_s:.3f} s  "
          f"({floor_s / hand_s:.2f} of by hand)")
    print(f"diagnose --help: {help_s:.3f} s  (goal: < 0.3 s)")
    print(f"every reference unreachable, --timeout {deadline:g}: ended in {dead_s:.2f} s, exit {dead_rc}")
    print(f"peak memory of the agent process: {agent_kib / 1024:.0f} MiB  (goal: < 150 MiB)")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
