"""Time to a verdict on a hung portal: `diagnose` beside blackbox_exporter's 10 s timeout on the same ports.

Two portals on loopback that take the TCP connection and then say nothing:
- hung TLS: the port accepts, and no ServerHello ever comes;
- hung HTTP: the TLS handshake completes (certificate from a test CA), and no HTTP answer ever comes.

For each, `diagnose URL --timeout 20` runs as a user runs it (browser included unless
`--skip-browser`), and blackbox_exporter's `http_2xx` module (timeout 10 s) is scraped once
on the same port. Printed: wall seconds to the exit, the exit code and first cause, and
blackbox's seconds to `probe_success 0`. Medians of N runs.

Usage: .venv/bin/python bench/bench_hung.py [-n RUNS] [--skip-browser]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import socket
import ssl
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import trustme

DIAGNOSE = str(Path(__file__).resolve().parent.parent / ".venv" / "bin" / "diagnose")
BLACKBOX = shutil.which("prometheus-blackbox-exporter")


@contextlib.contextmanager
def hung_port(tls: ssl.SSLContext | None) -> Iterator[int]:
    """A port that accepts and holds connections; with `tls`, it completes the handshake first."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def hold(connection: socket.socket) -> None:
        if tls is not None:
            with contextlib.suppress(OSError):
                connection = tls.wrap_socket(connection, server_side=True)
        held.append(connection)

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError, OSError):
                connection, _ = listener.accept()
                threading.Thread(target=hold, args=(connection,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join()
        listener.close()
        for connection in held:
            connection.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_diagnose(url: str, bundle: Path, skip_browser: bool, work: Path) -> tuple[float, int, str]:
    report = work / "report.json"
    command = [DIAGNOSE, url, "--timeout", "20", "--ca-bundle", str(bundle), "--captive-check", "off",
               "--time-server", "127.0.0.1:9", "--json", str(report)]
    if skip_browser:
        command += ["--skip", "browser,login"]
    start = time.monotonic()
    code = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60).returncode
    wall = time.monotonic() - start
    causes = json.loads(report.read_text())["causes"]
    return wall, code, causes[0]["id"] if causes else "-"


def scrape_blackbox(port: int, target: str) -> float:
    start = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/probe?module=http_2xx&target={target}", timeout=30) as r:
        body = r.read().decode()
    assert "probe_success 0" in body, body[:500]
    return time.monotonic() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=3, help="runs per portal (default 3)")
    parser.add_argument("--skip-browser", action="store_true", help="leave the browser out of the diagnose runs")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-hung-"))
    ca = trustme.CA()
    bundle = work / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_tls)
    blackbox: subprocess.Popen[bytes] | None = None
    bb_port = free_port()
    if BLACKBOX:
        (work / "blackbox.yml").write_text(
            "modules:\n  http_2xx:\n    prober: http\n    timeout: 10s\n    http:\n"
            f"      preferred_ip_protocol: ip4\n      tls_config:\n        ca_file: {bundle}\n")
        blackbox = subprocess.Popen([BLACKBOX, f"--config.file={work / 'blackbox.yml'}",
                                     f"--web.listen-address=127.0.0.1:{bb_port}"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)
    print(f"{'portal':<10} {'diagnose wall s':>16} {'exit':>5} {'first cause':<24} {'blackbox s':>11}")
    try:
        for name, tls in (("hung TLS", None), ("hung HTTP", server_tls)):
            with hung_port(tls) as port:
                url = f"https://127.0.0.1:{port}/login"
                runs = [run_diagnose(url, bundle, options.skip_browser, work) for _ in range(options.n)]
                box = statistics.median(scrape_blackbox(bb_port, url) for _ in range(options.n)) if blackbox else None
            wall = statistics.median(r[0] for r in runs)
            shown = f"{box:11.2f}" if box is not None else "  not found"
            print(f"{name:<10} {wall:16.2f} {runs[0][1]:>5} {runs[0][2]:<24} {shown}")
    finally:
        if blackbox is not None:
            blackbox.terminate()
            blackbox.wait()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
