"""Run the built-in demo portal and write an exporter configuration that targets it.

    python scripts/demo-exporter-target.py OUT_DIR [--fault NAME]

For checking `diagnose serve` against a real portal without a network: the demo portal
(demo.portal.DemoPortal, the servers `diagnose demo` uses) runs on loopback until SIGTERM
or SIGINT, and OUT_DIR receives exporter.toml (one target, `demo`, with the demo's DNS
server, NTP server, CA bundle and captive-portal check), the demo's profile and CA bundle,
then a file named `ready`. A `diagnose serve --config OUT_DIR/exporter.toml` that shares
this process's loopback (the same container, or a container in its network namespace)
can then answer /probe?target=demo. scripts/image-checks runs it in the built image.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import threading
from pathlib import Path

from demo.portal import DemoPortal


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--fault", default=None)
    parser.add_argument("--listen", default="127.0.0.1:9471", help="the exporter's listen address")
    options = parser.parse_args()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    out: Path = options.out
    out.mkdir(parents=True, exist_ok=True)
    with DemoPortal(options.fault) as demo:
        shutil.copyfile(demo.profile_file, out / "demo-profile.toml")
        shutil.copyfile(demo.ca_bundle, out / "demo-ca.pem")
        overrides = demo.config_overrides()
        (dns_host, dns_port), = overrides["dns_servers"]
        (ntp_host, ntp_port), = overrides["time_servers"]
        (out / "exporter.toml").write_text(
            f'listen = "{options.listen}"\n'
            "concurrency = 2\n"
            "max_timeout = 30\n"
            'profile_file = "demo-profile.toml"\n'
            "\n[targets.demo]\n"
            'profile = "demo"\n'
            f'dns_servers = ["{dns_host}:{dns_port}"]\n'
            f'time_servers = ["{ntp_host}:{ntp_port}"]\n'
            'ca_bundle = "demo-ca.pem"\n'
            f'captive_check = "{overrides["captive_check_url"]}"\n'
            "timeout = 25\n",
            encoding="utf-8",
        )
        (out / "ready").write_text(demo.target_url + "\n", encoding="utf-8")
        stop.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
