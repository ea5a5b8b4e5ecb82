"""Proxy settings, NO_PROXY matching, and the proxy probe against real loopback proxies."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator

import httpx
import pytest
import trustme

from demo.proxy_server import ProxyServer
from demo.web import Page, WebServer
from probes.base import ProbeContext, RunConfig
from probes.net.proxy_settings import ProxySettings, redact
from probes.proxy.probe import ProxyEvidence, ProxyProbe
from probes.target import Target


@pytest.fixture
def portal() -> Iterator[WebServer]:
    with WebServer({"/login": Page("<form>login</form>"), "/proxy.pac": Page("function FindProxyForURL(u, h){ return 'DIRECT'; }")}) as web:
        yield web


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def run_probe(url: str, environ: dict[str, str]) -> tuple[ProxyEvidence, object]:
    ctx = ProbeContext(Target.parse(url), RunConfig(), proxy=ProxySettings.from_environment(environ))
    result = await ProxyProbe().run(ctx)
    assert isinstance(result.evidence, ProxyEvidence)
    return result.evidence, result


# --- settings from the environment ---

def test_environment_upper_and_lower_case() -> None:
    upper = ProxySettings.from_environment({"HTTPS_PROXY": "proxy:3128", "NO_PROXY": "a.example, .b.example"})
    assert upper.proxies == {"https": "http://proxy:3128"} and upper.no_proxy == ["a.example", ".b.example"]
    both = ProxySettings.from_environment({"https_proxy": "http://lower:1", "HTTPS_PROXY": "http://upper:2"})
    assert both.for_url("https://portal.example/") == "http://lower:1"
    cleared = ProxySettings.from_environment({"https_proxy": "", "HTTPS_PROXY": "http://upper:2"})
    assert cleared.proxies == {} and cleared.source == "none"
    assert set(both.variables) == {"https_proxy", "HTTPS_PROXY"}
    fallback = ProxySettings.from_environment({"ALL_PROXY": "socks5://s:1080"})
    assert fallback.decide("https://x.example/").reason == "proxy for all schemes from the environment"


@pytest.mark.parametrize(
    ("entry", "host", "port", "bypassed"),
    [
        ("portal.example.com", "portal.example.com", None, True),
        ("portal.example.com", "other.example.com", None, False),
        ("example.com", "portal.example.com", None, True),
        ("example.com", "badexample.com", None, False),
        (".example.com", "portal.example.com", None, True),
        (".example.com", "example.com", None, True),
        ("*.example.com", "sso.example.com", None, True),
        ("*", "anything.example", None, True),
        ("portal.example.com:8443", "portal.example.com", 8443, True),
        ("portal.example.com:8443", "portal.example.com", 443, False),
        ("10.1.2.3", "10.1.2.3", None, True),
        ("10.1.2.3", "10.1.2.4", None, False),
        ("10.0.0.0/8", "10.200.1.1", None, True),
        ("169.254/16", "169.254.10.1", None, True),
        ("::1", "::1", None, True),
        ("10.*", "10.9.8.7", None, True),
        ("<local>", "intranet", None, True),
        ("<local>", "intranet.corp", None, False),
    ],
)
def test_no_proxy_matching(entry: str, host: str, port: int | None, bypassed: bool) -> None:
    settings = ProxySettings.from_environment({"HTTPS_PROXY": "http://p:1", "NO_PROXY": entry})
    assert settings.bypasses(host, port) is bypassed


def test_decision_names_the_matching_entry_and_dump_redacts() -> None:
    settings = ProxySettings.from_environment(
        {"HTTPS_PROXY": "http://alice:s3cret@proxy:3128", "NO_PROXY": "localhost,.corp.example"}
    )
    decision = settings.decide("https://sso.corp.example/login")
    assert decision.proxy is None and decision.reason == "NO_PROXY entry '.corp.example' matches sso.corp.example"
    assert settings.for_url("https://portal.example/") == "http://alice:s3cret@proxy:3128"
    dumped = settings.model_dump_json()
    assert "s3cret" not in dumped and "alice" not in dumped and "http://***@proxy:3128" in dumped
    assert redact("http://u:p@h:1/x") == "http://***@h:1/x" and redact("h:1") == "h:1"


# --- the probe against real proxies ---

async def test_no_proxy_is_direct(portal: WebServer) -> None:
    evidence, result = await run_probe(portal.url("/login"), {})
    assert result.status == "pass" and result.summary.startswith("direct: no proxy configured")
    assert evidence.path is None and evidence.routes[0].interface == "lo"


async def test_forward_proxy_passes(portal: WebServer) -> None:
    with ProxyServer() as proxy:
        evidence, result = await run_probe(portal.url("/login", host="localhost").replace("http:", "https:"),
                                           {"HTTPS_PROXY": proxy.url})
        assert proxy.requests == [f"CONNECT localhost:{portal.port} HTTP/1.1"]
    assert result.status == "pass", result.summary
    assert evidence.path is not None and evidence.path.status == 200 and evidence.path.connect_ms is not None
    assert evidence.decision == "https proxy from the environment"


async def test_forward_proxy_carries_plain_http(portal: WebServer) -> None:
    with ProxyServer() as proxy:
        evidence, result = await run_probe(portal.url("/login"), {"http_proxy": proxy.url})
    assert result.status == "pass" and evidence.path is not None and evidence.path.status == 200
    assert portal.requests[-1].path == "/login"


async def test_auth_required_never_leaks_credentials(portal: WebServer) -> None:
    with ProxyServer("auth_required") as proxy:
        host, port = proxy.address
        environ = {"HTTPS_PROXY": f"http://alice:s3cret@{host}:{port}"}
        evidence, result = await run_probe(portal.url("/login").replace("http:", "https:"), environ)
    assert result.status == "fail"
    finding = result.findings[0]
    assert finding.id == "proxy.auth_required" and finding.data["auth_schemes"] == ["Basic"]
    assert "credentials from the proxy URL were rejected" in finding.summary
    dumped = result.model_dump_json()
    assert "s3cret" not in dumped and "alice" not in dumped
    assert evidence.variables["HTTPS_PROXY"] == f"http://***@{host}:{port}"


@pytest.mark.parametrize("scheme", ["https", "http"])
async def test_forbidden_is_blocked(portal: WebServer, scheme: str) -> None:
    with ProxyServer("forbidden") as proxy:
        evidence, result = await run_probe(portal.url("/login").replace("http:", f"{scheme}:"),
                                           {f"{scheme}_proxy": proxy.url})
    assert [f.id for f in result.findings] == ["proxy.blocked"]
    assert evidence.path is not None and evidence.path.status_line == "HTTP/1.1 403 Forbidden"
    assert evidence.path.body_first_line == "Access to 127.0.0.1 is blocked"


async def test_proxy_closing_the_connection_is_blocked(portal: WebServer) -> None:
    with ProxyServer("close") as proxy:
        evidence, result = await run_probe(portal.url("/login").replace("http:", "https:"),
                                           {"HTTPS_PROXY": proxy.url})
    assert [f.id for f in result.findings] == ["proxy.blocked"]
    assert "closed the connection without answering" in result.summary


async def test_closed_port_is_unreachable(portal: WebServer) -> None:
    environ = {"HTTPS_PROXY": f"http://127.0.0.1:{closed_port()}"}
    evidence, result = await run_probe(portal.url("/login").replace("http:", "https:"), environ)
    assert result.status == "fail" and [f.id for f in result.findings] == ["proxy.unreachable"]
    assert result.findings[0].severity == "critical" and "connection refused" in result.summary


async def test_no_proxy_entry_sends_the_portal_direct(portal: WebServer) -> None:
    environ = {"HTTPS_PROXY": f"http://127.0.0.1:{closed_port()}", "NO_PROXY": "127.0.0.1"}
    evidence, result = await run_probe(portal.url("/login").replace("http:", "https:"), environ)
    assert result.status == "pass" and evidence.path is None
    assert result.summary == "direct: NO_PROXY entry '127.0.0.1' matches 127.0.0.1"


async def test_pac_is_fetched_and_evaluated_before_the_probe(portal: WebServer) -> None:
    settings = ProxySettings(source="system", pac_url=portal.url("/proxy.pac"), detail="test")
    await settings.resolve_pac([portal.url("/login")], seconds=5)
    ctx = ProbeContext(Target.parse(portal.url("/login")), RunConfig(), proxy=settings)
    result = await ProxyProbe().run(ctx)
    assert result.status == "pass"
    assert f"PAC {portal.url('/proxy.pac')}: fetched" in result.summary
    assert isinstance(result.evidence, ProxyEvidence) and result.evidence.pac is not None
    assert [d.chosen for d in result.evidence.pac.decisions] == [None]


# --- the demo proxy's TLS-inspecting mode ---

def test_mitm_proxy_re_signs_and_relays() -> None:
    real_ca, inspecting_ca = trustme.CA(), trustme.CA(organization_name="Inspection Appliance")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    real_ca.issue_cert("127.0.0.1").configure_cert(server_context)

    def mitm_context(host: str) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        inspecting_ca.issue_cert(host).configure_cert(context)
        return context

    client_context = ssl.create_default_context()
    inspecting_ca.configure_trust(client_context)
    with WebServer({"/": Page("hello through the inspector")}, ssl_context=server_context) as web, \
            ProxyServer("mitm", mitm_context=mitm_context) as proxy:
        with httpx.Client(proxy=proxy.url, verify=client_context, trust_env=False, timeout=5) as client:
            response = client.get(web.url("/"))
    assert response.status_code == 200 and response.text == "hello through the inspector"
    assert proxy.requests == [f"CONNECT 127.0.0.1:{web.port} HTTP/1.1"]


def test_proxy_refuses_non_loopback_upstreams() -> None:
    with ProxyServer() as proxy, socket.create_connection(proxy.address, timeout=5) as sock:
        sock.sendall(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 403 Forbidden")
