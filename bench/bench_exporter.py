"""`/probe` latency of `diagnose serve` (no browser) side by side with blackbox_exporter, on one local target.

One HTTPS login page on 127.0.0.1 with a certificate from a test CA, served by nginx
(or, without nginx, by the demo's Python server), and an SNTP server on loopback for
the clock check. Both exporters run as their own processes, are warmed
up, then scraped one request at a time, alternately, N times each:

- blackbox_exporter (Debian's `prometheus-blackbox-exporter`), module `http_2xx` with
  the test CA: one HTTPS GET, certificate verified;
- `diagnose serve` with the target's probes but `browser` and `login`: the address, TCP
  connect and route, proxy settings, the TLS chain, the clock against NTP and the
  portal's Date header, the login page's answer.

It prints the median and 90th percentile of each and the ratio of the medians. Then
sustained throughput: each exporter pinned to one core (`GOMAXPROCS=1` for the Go
one), the other core driving `--clients` scrapes at once for `--seconds`, and the
scrapes per second each sustained. Each client of `diagnose serve` scrapes its own
target name for the same portal: scrapes of one target at once share one diagnosis,
which would flatter the figure. Beside them, the floor a Python scrape stands on: httpx
alone, pinned the same way, making one HTTPS GET on a new connection at a time.

With `--instructions N`, it then counts the instructions each exporter executes per scrape
(valgrind's callgrind, over N scrapes one at a time after a warm-up; start-up left out). The
counts repeat within about 1% where the seconds above move with the machine's other load.

Usage: .venv/bin/python bench/bench_exporter.py [-n REQUESTS] [--server nginx|python] [--seconds S] [--clients C]
                                                [--instructions N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import httpx
import trustme

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loopback_portal import LOGIN  # noqa: E402

from demo.ntp_server import NtpServer  # noqa: E402
from demo.web import Page, WebServer  # noqa: E402

DIAGNOSE = str(ROOT / ".venv" / "bin" / "diagnose")
BLACKBOX = shutil.which("prometheus-blackbox-exporter")
NGINX = shutil.which("nginx")
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url}: the exporter exited with {process.returncode}")
        try:
            with DIRECT.open(url, timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{url}: the exporter did not come up within {seconds:g} s")


@contextlib.contextmanager
def python_portal(work: Path, ca: trustme.CA) -> Iterator[str]:
    """The demo's threaded server. It writes headers and body as separate TCP segments with Nagle on,
    so an httpx client waits for a delayed ACK (about 40 ms) that Go's client does not: nginx shows
    the agent's own cost."""
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    with WebServer({"/login": Page(LOGIN)}, ssl_context=server_context) as portal:
        yield portal.url("/login")


@contextlib.contextmanager
def nginx_portal(work: Path, ca: trustme.CA) -> Iterator[str]:
    """nginx in the foreground, one process, everything under `work`: a portal as the fault lab serves one."""
    leaf = ca.issue_cert("127.0.0.1")
    (work / "chain.pem").write_bytes(b"".join(pem.bytes() for pem in leaf.cert_chain_pems))
    leaf.private_key_pem.write_to_path(str(work / "key.pem"))
    port = free_port()
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp = "".join(f"{kind}_temp_path {work}/{kind};\n" for kind in kinds)
    (work / "nginx.conf").write_text(
        f"daemon off;\nmaster_process off;\npid {work}/nginx.pid;\nerror_log {work}/error.log;\n"
        "events { worker_connections 256; }\n"
        f"http {{\naccess_log off;\n{temp}server {{\nlisten 127.0.0.1:{port} ssl;\n"
        f"ssl_certificate {work}/chain.pem;\nssl_certificate_key {work}/key.pem;\n"
        f"location = /login {{ default_type text/html; return 200 '{LOGIN}'; }}\n}}\n}}\n"
    )
    process = subprocess.Popen([NGINX, "-p", str(work), "-c", str(work / "nginx.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"nginx did not start: {(work / 'error.log').read_text()[-500:]}")
            time.sleep(0.05)
        yield f"https://127.0.0.1:{port}/login"
    finally:
        process.terminate()
        process.wait(timeout=10)


def scrape(url: str) -> tuple[float, str]:
    start = time.perf_counter()
    with DIRECT.open(url, timeout=30) as answer:
        body = answer.read().decode()
    return time.perf_counter() - start, body


def pin(core: int) -> list[str]:
    """A command prefix that runs a process on one core, when taskset is here and there are two cores."""
    taskset = shutil.which("taskset")
    return [taskset, "-c", str(core)] if taskset and (os.cpu_count() or 1) >= 2 else []


async def _throughput(urls: list[str], seconds: float) -> tuple[int, int]:
    """Successful and failed scrapes over `seconds` by one loop per URL in `urls`, each scraping its own."""
    counts = [0, 0]
    end = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=len(urls), max_keepalive_connections=len(urls))

    async def loop(client: httpx.AsyncClient, url: str) -> None:
        while time.monotonic() < end:
            try:
                answer = await client.get(url, timeout=30)
                counts[0 if answer.status_code == 200 and succeeded(answer.text) else 1] += 1
            except httpx.HTTPError:
                counts[1] += 1

    async with httpx.AsyncClient(limits=limits, trust_env=False) as client:
        await asyncio.gather(*(loop(client, url) for url in urls))
    return counts[0], counts[1]


def throughput(urls: list[str], seconds: float) -> tuple[float, int]:
    """Scrapes per second sustained by one client per URL in `urls`, from the other core, and how many failed."""
    if pin(1) and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {1})
    ok, failed = asyncio.run(_throughput(urls, seconds))
    return ok / seconds, failed


def instructions_per_scrape(command: list[str], env: dict[str, str], ready: str, url: str, scrapes: int,
                            out: Path) -> float:
    """Instructions the exporter `command` executes per scrape of `url`, counted by callgrind from after its
    warm-up to the last of `scrapes` scrapes, one at a time."""
    process = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}", *command],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        wait_ready(ready, process, seconds=120)
        for _ in range(3):  # imports, first connections, caches
            scrape(url)
        subprocess.run(["callgrind_control", "-i", "on", str(process.pid)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(scrapes):
            if not succeeded(scrape(url)[1]):
                raise SystemExit(f"{command[0]}: a scrape under valgrind did not succeed")
        subprocess.run(["callgrind_control", "-i", "off", str(process.pid)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        process.terminate()
        process.wait(timeout=60)
    total = re.search(r"^totals: (\d+)", out.read_text(errors="replace"), re.MULTILINE)
    if total is None:
        raise SystemExit(f"callgrind wrote no totals to {out}")
    return int(total.group(1)) / scrapes


HTTPX_ALONE = """
import asyncio, ssl, sys, time, httpx
async def main(url, bundle, seconds):
    done, context = 0, ssl.create_default_context(cafile=bundle)
    async with httpx.AsyncClient(verify=context, limits=httpx.Limits(max_keepalive_connections=0)) as client:
        await client.get(url)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            (await client.get(url)).raise_for_status()
            done += 1
    print(done / seconds)
asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
"""


def httpx_alone(url: str, bundle: Path, seconds: float) -> float:
    """GETs per second of httpx alone, one at a time, each on a new connection (as a scrape makes), pinned like
    the exporters: the floor of any Python exporter whose scrape includes one such GET."""
    done = subprocess.run([*pin(0), sys.executable, "-c", HTTPX_ALONE, url, str(bundle), str(seconds)],
                          capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def succeeded(body: str) -> bool:
    return any(line.startswith("probe_success ") and line.split()[1] in ("1", "1.0") for line in body.splitlines())


def summary(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"{name:<24} median {statistics.median(times) * 1000:7.1f} ms   p90 {p90 * 1000:7.1f} ms   (n={len(times)})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--requests", type=int, default=30, help="scrapes of each exporter (default 30)")
    parser.add_argument("--server", choices=["nginx", "python"], default="nginx" if NGINX else "python",
                        help="what serves the login page (default: nginx when installed)")
    parser.add_argument("--seconds", type=float, default=10.0, help="sustained-throughput phase per exporter")
    parser.add_argument("--clients", type=int, default=8, help="scrapes at once in the throughput phase")
    parser.add_argument("--instructions", type=int, default=0, metavar="N",
                        help="then count each exporter's instructions per scrape over N scrapes (needs valgrind)")
    options = parser.parse_args()
    if BLACKBOX is None:
        print("prometheus-blackbox-exporter is not installed (scripts/install-system-deps.sh installs it)")
        return 1
    if options.instructions and not (shutil.which("valgrind") and shutil.which("callgrind_control")):
        print("--instructions needs valgrind (Debian's valgrind package)")
        return 1
    counts: dict[str, float] = {}
    work = Path(tempfile.mkdtemp(prefix="bench-exporter-"))
    ca = trustme.CA()
    bundle = work / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    processes: list[subprocess.Popen[bytes]] = []
    portal = nginx_portal if options.server == "nginx" else python_portal
    with portal(work, ca) as target, NtpServer() as ntp:
        bb_port, dg_port = free_port(), free_port()
        (work / "blackbox.yml").write_text(
            "modules:\n  http_2xx:\n    prober: http\n    timeout: 10s\n    http:\n"
            f"      preferred_ip_protocol: ip4\n      tls_config:\n        ca_file: {bundle}\n"
        )
        # the same portal under one name per client: concurrent scrapes of one target would share a diagnosis
        names = ["portal", *(f"portal{n}" for n in range(1, options.clients))]
        (work / "exporter.toml").write_text(f'listen = "127.0.0.1:{dg_port}"\n' + "".join(
            f'[targets.{name}]\nurl = "{target}"\n'
            f'ca_bundle = "{bundle}"\ntime_servers = ["{ntp.address[0]}:{ntp.address[1]}"]\n'
            'skip = ["browser", "login"]\ncaptive_check = "off"\ntimeout = 10\n' for name in names))
        try:
            processes.append(subprocess.Popen(
                [*pin(0), BLACKBOX, f"--config.file={work / 'blackbox.yml'}",
                 f"--web.listen-address=127.0.0.1:{bb_port}"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "GOMAXPROCS": "1"}))
            processes.append(subprocess.Popen([*pin(0), DIAGNOSE, "serve", "--config", str(work / "exporter.toml")],
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            wait_ready(f"http://127.0.0.1:{bb_port}/-/healthy", processes[0])
            wait_ready(f"http://127.0.0.1:{dg_port}/-/healthy", processes[1])
            urls = {
                "blackbox_exporter": f"http://127.0.0.1:{bb_port}/probe?module=http_2xx&target={target}",
                "diagnose serve": f"http://127.0.0.1:{dg_port}/probe?target=portal",
            }
            times: dict[str, list[float]] = {name: [] for name in urls}
            for name, url in urls.items():  # warm-up: imports, first connections
                _, body = scrape(url)
                if not succeeded(body):
                    print(f"{name}: the warm-up scrape did not succeed:\n{body[:2000]}")
                    return 1
            for _ in range(options.requests):
                for name, url in urls.items():
                    seconds, body = scrape(url)
                    if not succeeded(body):
                        print(f"{name}: a scrape did not succeed")
                        return 1
                    times[name].append(seconds)
            per_client = {
                "blackbox_exporter": [urls["blackbox_exporter"]] * options.clients,
                "diagnose serve": [f"http://127.0.0.1:{dg_port}/probe?target={name}" for name in names],
            }
            rates = {name: throughput(per_client[name], options.seconds) for name in urls}
            alone = httpx_alone(target, bundle, options.seconds)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        if options.instructions:
            bb_port, dg_port = free_port(), free_port()  # new ports: nothing of the timed processes answers
            # a copy: the package's binary carries file capabilities (for ICMP), which valgrind cannot start
            shutil.copy(BLACKBOX, work / "blackbox_exporter")
            counts["blackbox_exporter"] = instructions_per_scrape(
                [str(work / "blackbox_exporter"), f"--config.file={work / 'blackbox.yml'}",
                 f"--web.listen-address=127.0.0.1:{bb_port}"],
                # Go's preemption by signal crashes its programs under valgrind
                {**os.environ, "GOMAXPROCS": "1", "GODEBUG": "asyncpreemptoff=1"},
                f"http://127.0.0.1:{bb_port}/-/healthy",
                f"http://127.0.0.1:{bb_port}/probe?module=http_2xx&target={target}", options.instructions,
                work / "callgrind.blackbox")
            counts["diagnose serve"] = instructions_per_scrape(
                [sys.executable, DIAGNOSE, "serve", "--config", str(work / "exporter.toml"),
                 "--listen", f"127.0.0.1:{dg_port}"], dict(os.environ),
                f"http://127.0.0.1:{dg_port}/-/healthy", f"http://127.0.0.1:{dg_port}/probe?target=portal",
                options.instructions, work / "callgrind.diagnose")
        shutil.rmtree(work, ignore_errors=True)
    print(f"target: {target} (HTTPS, test CA, served by {options.server}), one scrape at a time, alternating")
    for name, values in times.items():
        print(summary(name, values))
    ratio = statistics.median(times["diagnose serve"]) / statistics.median(times["blackbox_exporter"])
    print(f"ratio diagnose/blackbox (medians): {ratio:.2f}")
    where = "each pinned to core 0, clients on core 1" if pin(0) else "not pinned (taskset or a second core missing)"
    print(f"sustained, {options.clients} scrapes at once for {options.seconds:g} s, {where}:")
    for name, (rate, failed) in rates.items():
        print(f"{name:<24} {rate:7.1f} scrapes/s   ({failed} failed)")
    share = rates["diagnose serve"][0] / rates["blackbox_exporter"][0] if rates["blackbox_exporter"][0] else 0.0
    print(f"ratio diagnose/blackbox (scrapes/s): {share:.2f}")
    print(f"floor: httpx alone, one GET on a new connection at a time, pinned alike: {alone:7.1f} GETs/s "
          f"({alone / rates['blackbox_exporter'][0]:.2f} of blackbox_exporter's scrapes/s)")
    if counts:
        print(f"instructions per scrape (callgrind, {options.instructions} scrapes one at a time, after a warm-up):")
        for name, count in counts.items():
            print(f"{name:<24} {count / 1e6:7.2f} M")
        print(f"ratio diagnose/blackbox (instructions): {counts['diagnose serve'] / counts['blackbox_exporter']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
