"""The built-in demo portal: a whole portal on loopback, healthy or with one fault, for the real agent.

`DemoPortal(fault)` starts, each in its own thread on an ephemeral port: a DNS server
answering the demo names (portal.demo.test, status.demo.test, sso.demo.test), the
portal over HTTPS with a certificate from the demo's own CA, its status page, its
identity provider, an NTP server, a captive-portal check URL, and a proxy when the
fault needs one. It then tells the agent how to reach all that, as a user would:
command-line arguments (`cli_args`), or `RunConfig` fields (`config_overrides`), plus
the environment (`environment`: a proxy, the demo account, a home folder with the demo
user's browser profile). It diagnoses nothing.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from agent.engine.profiles import dump_profile, load_profiles
from demo.certs import DemoCA
from demo.dns_server import DnsServer
from demo.faults import FAULTS, HEALTHY, Fault
from demo.idp import idp_routes
from demo.ntp_server import NtpServer
from demo.pages import ACCOUNTS
from demo.pages import portal_routes as portal_pages
from demo.proxy_server import ProxyServer
from demo.status import status_routes
from demo.web import Page, SilentServer, WebServer
from demo.workstation import make_home
from probes.profile import Profile

PORTAL_HOST = "portal.demo.test"
STATUS_HOST = "status.demo.test"
IDP_HOST = "sso.demo.test"
PORTAL_ZONE = ZoneInfo("America/New_York")


def maintenance_window(now: datetime) -> tuple[datetime, datetime]:
    """Tomorrow night, 10 PM to 2 AM in the portal's time zone: the window the demo announces."""
    tomorrow = now.astimezone(PORTAL_ZONE).date() + timedelta(days=1)
    start = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 22, tzinfo=PORTAL_ZONE)
    return start, start + timedelta(hours=4)


class DemoPortal:
    """`with DemoPortal("tls-expired") as demo:` runs the portal until the block ends."""

    def __init__(self, fault: str | None = None) -> None:
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown demo fault {fault!r} (diagnose demo --list-faults shows them)")
        self.fault: Fault = FAULTS[fault] if fault else HEALTHY
        self._stack = contextlib.ExitStack()
        self.proxy_url: str | None = None

    def __enter__(self) -> DemoPortal:
        try:
            self._start()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def _serve(self, server: Any) -> Any:
        return self._stack.enter_context(server)

    def _closed_port(self) -> int:
        """A port bound for the demo's lifetime but never listening: connecting to it is refused."""
        sock = socket.socket()
        self._stack.callback(sock.close)
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])

    def _start(self) -> None:
        fault, now = self.fault, datetime.now(UTC)
        window = maintenance_window(now)
        workdir = Path(self._stack.enter_context(tempfile.TemporaryDirectory(prefix="diagnose-demo-")))
        ca = DemoCA()
        self._captive = self._serve(WebServer({"/generate_204": Page("", status=204)}))
        status = self._serve(WebServer(status_routes(fault.status, now, window),
                                       ssl_context=ca.server_context([STATUS_HOST])))
        if fault.idp == "down":
            idp_port = self._closed_port()
        else:
            idp = WebServer(ssl_context=ca.server_context([IDP_HOST]))
            idp.routes.update(idp_routes(fault.idp == "cert_expired", f"https://{IDP_HOST}:{idp.port}"))
            idp_port = self._serve(idp).port
        if fault.refused:
            portal_port = self._closed_port()
        elif fault.silent:
            portal_port = self._serve(SilentServer()).port
        else:
            portal = WebServer(portal_pages(fault.portal, fault.clock, window),
                               ssl_context=ca.server_context([PORTAL_HOST], fault.tls))
            portal_port = self._serve(portal).port
        names = {host: ["127.0.0.1"] for host in (PORTAL_HOST, STATUS_HOST, IDP_HOST)}
        self._dns = self._serve(DnsServer(names, {PORTAL_HOST: fault.dns} if fault.dns else {}))
        self._ntp = self._serve(NtpServer(offset_seconds=fault.clock, fault="silent" if fault.ntp_silent else None))
        if fault.proxy == "unreachable":
            self.proxy_url = f"http://127.0.0.1:{self._closed_port()}"
        elif fault.proxy:
            proxy = ProxyServer(fault.proxy, mitm_context=ca.mitm_context if fault.proxy == "mitm" else None,
                                hosts={host: "127.0.0.1" for host in names})
            self.proxy_url = self._serve(proxy).url
        self.ca_bundle = ca.write_bundle(workdir / "demo-ca.pem")
        if fault.proxy == "mitm":  # the workstation trusts its inspection proxy's CA, as IT installs it
            self.ca_bundle.write_bytes(self.ca_bundle.read_bytes() + ca.mitm_ca_pem())
        self.status_url = status.url("/", host=STATUS_HOST)
        self.target_url = f"https://{PORTAL_HOST}:{portal_port}/login"
        self.profile = _profile(portal_port, idp_port, self.status_url)
        self.home = make_home(workdir / "home")
        self.profile_file = workdir / "demo-profile.toml"
        self.profile_file.write_text(dump_profile(self.profile), encoding="utf-8")

    def config_overrides(self) -> dict[str, Any]:
        """`RunConfig` fields that point the agent at the demo (for runs that do not go through the CLI)."""
        return {
            "dns_servers": [self._dns.address],
            "system_resolvers": [],
            "time_servers": [self._ntp.address],
            "ca_bundle": self.ca_bundle,
            "status_page": self.status_url,
            "captive_check_url": self._captive.url("/generate_204"),
            "profile": self.profile,
        }

    def cli_args(self) -> list[str]:
        """The `diagnose` arguments a user would type to diagnose the demo portal through its profile."""
        dns_host, dns_port = self._dns.address
        ntp_host, ntp_port = self._ntp.address
        return [
            "--profile-file", str(self.profile_file),
            "--dns-server", f"{dns_host}:{dns_port}",
            "--time-server", f"{ntp_host}:{ntp_port}",
            "--ca-bundle", str(self.ca_bundle),
            "--captive-check", self._captive.url("/generate_204"),
            "--proxy", "env",  # the demo plays the workstation's proxy in its environment, never the system's
            "demo",
        ]

    def environment(self) -> dict[str, str]:
        """Environment variables of the workstation the demo plays: its proxy (or none), the demo account.

        Proxy variables are always set, empty when the fault has no proxy, so a proxy of the
        machine running the demo does not carry the demo's loopback traffic.
        """
        proxy = self.proxy_url or ""
        env = {name: proxy for base in ("https_proxy", "http_proxy") for name in (base, base.upper())}
        env.update(all_proxy="", ALL_PROXY="", no_proxy="127.0.0.1,localhost", NO_PROXY="127.0.0.1,localhost")
        username = "demo.user" if self.fault.user == "wrong.password" else self.fault.user
        env.update(DIAGNOSE_USERNAME=username, DIAGNOSE_PASSWORD=ACCOUNTS[self.fault.user][0])
        env["HOME"] = str(self.home)  # the demo workstation's own browser profile, for the user_browser probe
        if sys.platform.startswith("linux"):  # ...while the run's bundle still goes to the real user's data folder
            env["XDG_DATA_HOME"] = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        return env


def _profile(portal_port: int, idp_port: int, status_url: str) -> Profile:
    """The built-in `demo` profile with this run's ports filled in."""
    base = load_profiles()["demo"]
    idp = f"https://{IDP_HOST}:{idp_port}"
    return base.model_copy(update={
        "login_url": f"https://{PORTAL_HOST}:{portal_port}/login",
        "status_page": status_url,
        "idp_hosts": [f"{IDP_HOST}:{idp_port}"],
        "saml_metadata_url": f"{idp}/saml/metadata",
        "oidc_discovery_url": f"{idp}/.well-known/openid-configuration",
        "support_contact": base.support_contact.model_copy(
            update={"url": f"https://{PORTAL_HOST}:{portal_port}/help"}
        ),
    })
