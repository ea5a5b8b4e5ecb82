"""The healthy portal the benchmarks diagnose, on loopback, and the arguments that point a run at it.

Its own DNS server names it, HTTPS comes with a certificate from its own CA, and an NTP
server answers for the clock check: every reference a run needs, none beyond 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from demo.certs import DemoCA  # noqa: E402
from demo.dns_server import DnsServer  # noqa: E402
from demo.ntp_server import NtpServer  # noqa: E402
from demo.web import Page, WebServer  # noqa: E402

HOST = "portal.bench.test"
LOGIN = '<html><title>Sign in</title><form method="post"><input name="u"><input type="password" name="p"></form></html>'


@dataclass(frozen=True)
class Portal:
    port: int  # of the HTTPS server, on 127.0.0.1
    dns: tuple[str, int]
    ntp: tuple[str, int]
    bundle: Path  # the CA that issued its certificate, as PEM

    @property
    def url(self) -> str:
        return f"https://{HOST}:{self.port}/login"

    def args(self, skip: str, report: Path) -> list[str]:
        """`diagnose` arguments for a run of this portal without the probes in `skip`, its report into `report`."""
        return [self.url, "--dns-server", "{}:{}".format(*self.dns), "--ca-bundle", str(self.bundle),
                "--time-server", "{}:{}".format(*self.ntp), "--skip", skip, "--captive-check", "off",
                "--json", str(report)]


@contextlib.contextmanager
def healthy_portal(folder: Path) -> Iterator[Portal]:
    """The portal's servers, running until the block ends; its CA bundle is written into `folder`."""
    ca = DemoCA()
    bundle = ca.write_bundle(folder / "ca.pem")
    with (
        DnsServer({HOST: ["127.0.0.1"]}) as dns,
        WebServer({"/login": Page(LOGIN)}, ssl_context=ca.server_context([HOST])) as web,
        NtpServer() as ntp,
    ):
        yield Portal(web.port, dns.address, ntp.address, bundle)
