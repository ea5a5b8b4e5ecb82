"""PAC files on loopback: fetched, run and obeyed by every probe; broken ones named as causes."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from agent.engine.diagnosis import diagnose
from demo.dns_server import DnsServer
from demo.proxy_server import ProxyServer
from demo.web import Page, WebServer
from probes.base import RunConfig
from probes.browser.evidence import BrowserEvidence
from probes.http.evidence import HttpEvidence
from probes.net.pac import parse_answer
from probes.net.proxy_settings import ProxySettings
from probes.network.evidence import NetworkEvidence
from probes.osinfo.wpad import candidates, workstation_domains
from probes.proxy.evidence import ProxyEvidence
from probes.status_page.evidence import StatusPageEvidence
from probes.target import Target
from reports.models import Report
from tests.probes.browser_support import needs_chromium

PORTAL = "localhost"  # resolvable without DNS, so the network probe can also connect direct
PAC = """function FindProxyForURL(url, host) {
  if (host == "localhost") return "%s";
  return "DIRECT";
}"""


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def portal() -> Iterator[WebServer]:
    status = '{"page": {"name": "x"}, "status": {"indicator": "none", "description": "All Systems Operational"}}'
    with WebServer({"/login": Page("<title>Sign in</title><form><input type=password></form>"),
                    "/api/v2/summary.json": Page(status, content_type="application/json")}) as web:
        yield web


def pac_server(answer: str, body: str | None = None) -> WebServer:
    return WebServer({"/proxy.pac": Page(body if body is not None else PAC % answer,
                                         content_type="application/x-ns-proxy-autoconfig")})


async def run(portal: WebServer, pac_url: str, only: set[str]) -> Report:
    """A run through the engine with the OS's settings naming `pac_url`, as a GNOME or Windows PAC setting does."""
    settings = ProxySettings(pac_url=pac_url, source="system", detail="test PAC setting")
    config = RunConfig(status_page=portal.url("/"), captive_check_url=None, timeout=12)
    return await diagnose(Target.parse(f"http://{PORTAL}:{portal.port}/login"), config, only=only, proxy=settings)


def evidence(report: Report, name: str) -> object:
    return next(p for p in report.probes if p.name == name).evidence


async def test_every_probe_takes_the_pac_path(portal: WebServer) -> None:
    with ProxyServer("forward", hosts={PORTAL: "127.0.0.1"}) as proxy, pac_server(f"PROXY {proxy.address[0]}:"
                                                                                   f"{proxy.address[1]}") as pac:
        report = await run(portal, pac.url("/proxy.pac"), {"proxy", "network", "http", "status_page"})
    proxy_ev, network_ev, http_ev, status_ev = (evidence(report, n) for n in ("proxy", "network", "http",
                                                                              "status_page"))
    assert isinstance(proxy_ev, ProxyEvidence) and proxy_ev.pac is not None
    assert (proxy_ev.pac.fetched, proxy_ev.pac.parsed, proxy_ev.pac.failure) == (True, True, None)
    chosen = {d.url.split("/")[2].split(":")[0]: d.chosen for d in proxy_ev.pac.decisions}
    assert chosen == {PORTAL: proxy.url, "127.0.0.1": None}
    assert proxy_ev.proxy_for_target == proxy.url and proxy_ev.path is not None and proxy_ev.path.status == 200
    assert isinstance(network_ev, NetworkEvidence) and network_ev.proxy == proxy.url
    assert isinstance(http_ev, HttpEvidence) and http_ev.proxy == proxy.url
    assert isinstance(status_ev, StatusPageEvidence) and status_ev.summary is not None
    # the portal went through the proxy; the status page (another host) went direct
    assert any(PORTAL in line for line in proxy.requests)
    assert not any("summary.json" in line for line in proxy.requests)
    assert {p.name: p.status for p in report.probes if p.name in ("proxy", "http", "status_page")} == {
        "proxy": "pass", "http": "pass", "status_page": "pass"}


async def test_fallback_list_skips_a_dead_proxy(portal: WebServer) -> None:
    with ProxyServer("forward", hosts={PORTAL: "127.0.0.1"}) as proxy, \
            pac_server(f"PROXY 127.0.0.1:{closed_port()}; PROXY 127.0.0.1:{proxy.address[1]}; DIRECT") as pac:
        report = await run(portal, pac.url("/proxy.pac"), {"proxy", "http"})
    proxy_ev = evidence(report, "proxy")
    assert isinstance(proxy_ev, ProxyEvidence) and proxy_ev.proxy_for_target == proxy.url
    assert "did not answer" in (proxy_ev.pac.decisions[0].reason if proxy_ev.pac else "")
    assert report.causes == []


@pytest.mark.parametrize(("mode", "cause"), [("auth_required", "proxy.auth_required"),
                                             ("forbidden", "proxy.blocked")])
async def test_a_proxy_fault_behind_pac_ranks_like_a_direct_setting(portal: WebServer, mode: str,
                                                                   cause: str) -> None:
    with ProxyServer(mode, hosts={PORTAL: "127.0.0.1"}) as proxy, \
            pac_server(f"PROXY 127.0.0.1:{proxy.address[1]}") as pac:
        report = await run(portal, pac.url("/proxy.pac"), {"proxy", "network", "http"})
    assert report.causes[0].id == cause and report.status == "critical"


async def test_an_unreachable_pac_proxy_is_named(portal: WebServer) -> None:
    with pac_server(f"PROXY 127.0.0.1:{closed_port()}") as pac:
        report = await run(portal, pac.url("/proxy.pac"), {"proxy"})
    assert report.causes[0].id == "proxy.unreachable"


async def test_a_pac_that_cannot_be_fetched(portal: WebServer) -> None:
    report = await run(portal, f"http://127.0.0.1:{closed_port()}/proxy.pac", {"proxy"})
    assert report.causes[0].id == "proxy.pac_unreachable"
    proxy_ev = evidence(report, "proxy")
    assert isinstance(proxy_ev, ProxyEvidence) and proxy_ev.pac is not None and not proxy_ev.pac.fetched
    assert "going direct" in proxy_ev.decision


@pytest.mark.parametrize("body", [
    "function FindProxyForURL(url, host) { return ",  # does not parse
    "function FindProxyForURL(url, host) { throw new Error('broken'); }",  # fails when run
    "function FindProxyForURL(url, host) { return 'TELEPORT somewhere'; }",  # an answer no browser reads
    "function FindProxyForURL(url, host) { while (true) {} }",  # never returns
])
async def test_a_broken_pac_is_invalid(portal: WebServer, body: str) -> None:
    started = time.monotonic()
    with pac_server("", body=body) as pac:
        report = await run(portal, pac.url("/proxy.pac"), {"proxy"})
    assert report.causes[0].id == "proxy.pac_invalid"
    assert time.monotonic() - started < 10  # a script that loops is cut off, the run goes on


async def test_a_pac_behind_a_404_is_unreachable(portal: WebServer) -> None:
    with pac_server("DIRECT") as pac:
        report = await run(portal, pac.url("/missing.pac"), {"proxy"})
    assert report.causes[0].id == "proxy.pac_unreachable"


def test_pac_answers_read_as_browsers_read_them() -> None:
    assert parse_answer("PROXY a:1; HTTPS b:2; SOCKS c:3; SOCKS5 d:4; DIRECT") == [
        "http://a:1", "https://b:2", "socks4://c:3", "socks5://d:4", None]
    with pytest.raises(ValueError, match="not a PAC proxy entry"):
        parse_answer("PROXY")


def test_wpad_candidates_stop_at_the_registered_domain(tmp_path: object) -> None:
    assert candidates("branch.clinic.example.org") == [
        "http://wpad.branch.clinic.example.org/wpad.dat", "http://wpad.clinic.example.org/wpad.dat",
        "http://wpad.example.org/wpad.dat"]
    assert candidates("localhost") == []


def test_wpad_reads_the_search_domains(tmp_path: pytest.TempPathFactory) -> None:
    from pathlib import Path

    conf = Path(str(tmp_path)) / "resolv.conf"
    conf.write_text("nameserver 10.0.0.1\nsearch clinic.example.org lan\n", encoding="utf-8")
    assert "clinic.example.org" in workstation_domains(conf)


@needs_chromium
async def test_with_a_pac_the_browser_still_reaches_the_portal_at_the_named_resolvers_address(portal: WebServer) -> None:
    """Chromium runs the PAC itself, so its names cannot go through the relay: the portal is mapped for it."""
    direct = WebServer({"/proxy.pac": Page('function FindProxyForURL(url, host) { return "DIRECT"; }',
                                           content_type="application/x-ns-proxy-autoconfig")})
    with DnsServer({"portal.test": ["127.0.0.1"]}) as dns, direct as pac:
        settings = ProxySettings(pac_url=pac.url("/proxy.pac"), source="system", detail="test PAC setting")
        config = RunConfig(dns_servers=[dns.address], captive_check_url=None, timeout=15)
        report = await diagnose(Target.parse(portal.url("/login", host="portal.test")), config,
                                only={"dns", "network", "browser"}, proxy=settings)
    browser = next(p for p in report.probes if p.name == "browser")
    assert browser.status == "pass", browser.summary
    assert isinstance(browser.evidence, BrowserEvidence) and browser.evidence.final_host == "portal.test"
