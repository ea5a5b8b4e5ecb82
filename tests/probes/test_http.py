"""The `http` probe against real loopback servers: every cause it names, injected for real."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme

from demo.web import Page, Request, WebServer
from probes.base import ProbeContext, ProbeResult, RunConfig
from probes.dns.evidence import DnsEvidence
from probes.http.probe import HttpEvidence, HttpProbe
from probes.net.proxy_settings import ProxySettings
from probes.target import Target

LOGIN = """<html><head><title>Sign in - Portal</title></head><body>
<form method="post"><input name="user"><input type="password" name="pass"><button>Sign in</button></form>
</body></html>"""


def _cookie_login(request: Request) -> Page:
    if "seen=1" in request.headers.get("Cookie", ""):
        return Page(LOGIN)
    return Page(status=302, headers={"Location": "/set-cookie"})


def _endless(request: Request) -> Page:
    n = int(request.path.partition("n=")[2] or 0)
    return Page(status=302, headers={"Location": f"/endless?n={n + 1}"})


@pytest.fixture(scope="module")
def other() -> Iterator[WebServer]:
    """A second host on the chain (127.0.0.2), standing in for an identity provider."""
    with WebServer(host="127.0.0.2") as server:
        yield server


@pytest.fixture(scope="module")
def portal(other: WebServer) -> Iterator[WebServer]:
    routes: dict[str, Page | Callable[[Request], Page]] = {
        "/ok": Page(LOGIN),
        "/error": Page("<h1>Internal Server Error</h1>", status=500),
        "/bad-gateway": Page("upstream failed", status=503, content_type="text/plain"),
        "/retry": Page("<p>Please come back later</p>", status=503, headers={"Retry-After": "120"}),
        "/down": Page("<title>Portal</title><h1>Sorry!</h1><p>We are down for scheduled maintenance. "
                      "Please try again later.</p>"),
        "/banner": Page(LOGIN.replace("<form", "<div class=banner>Scheduled maintenance this Saturday "
                                      "10 PM - 2 AM ET.</div><form")),
        "/loop-a": Page(status=302, headers={"Location": "/loop-b"}),
        "/loop-b": Page(status=302, headers={"Location": "/loop-a"}),
        "/start": Page(status=302, headers={"Location": other.url("/sso")}),
        "/home": Page(LOGIN),
        "/login": _cookie_login,
        "/set-cookie": Page(status=302, headers={"Location": "/login", "Set-Cookie": "seen=1; Path=/"}),
        "/endless": _endless,
        "/big": Page("<p>" + "x" * 5000 + "</p>"),
    }
    with WebServer(routes) as server:
        yield server


@pytest.fixture(scope="module", autouse=True)
def _sso_route(portal: WebServer, other: WebServer) -> None:
    other.routes["/sso"] = Page(status=302, headers={"Location": portal.url("/home")})


def _ctx(url: str, **config: object) -> ProbeContext:
    return ProbeContext(Target.parse(url), RunConfig(**config), proxy=ProxySettings())


def _evidence(result: ProbeResult) -> HttpEvidence:
    assert isinstance(result.evidence, HttpEvidence)
    return result.evidence


async def _run(url: str, probe: HttpProbe | None = None, **config: object) -> ProbeResult:
    return await (probe or HttpProbe()).run(_ctx(url, **config))


async def test_healthy_login_page_passes(portal: WebServer) -> None:
    result = await _run(portal.url("/ok"))
    assert result.status == "pass", result.summary
    assert result.findings == []
    ev = _evidence(result)
    assert (ev.final_status, ev.title, ev.has_password_field) == (200, "Sign in - Portal", True)
    assert ev.date_header and ev.received_at_epoch
    assert ev.content_length == len(LOGIN) and ev.redirect_hosts == ["127.0.0.1"]


async def test_server_error_is_an_outage(portal: WebServer) -> None:
    result = await _run(portal.url("/error"))
    (finding,) = result.findings
    assert (result.status, finding.id, finding.severity) == ("fail", "portal.outage", "critical")
    assert finding.data["status"] == 500 and finding.data["reason"] == "Internal Server Error"


async def test_503_without_maintenance_signs_is_an_outage(portal: WebServer) -> None:
    result = await _run(portal.url("/bad-gateway"))
    assert [f.id for f in result.findings] == ["portal.outage"]


async def test_503_with_retry_after_is_maintenance(portal: WebServer) -> None:
    result = await _run(portal.url("/retry"))
    (finding,) = result.findings
    assert (finding.id, finding.severity) == ("portal.maintenance", "critical")
    assert finding.data["retry_after"] == "120" and finding.data["retry_after_seconds"] == 120
    assert "Retry-After: 120" in finding.evidence


async def test_maintenance_wording_on_a_200_page_is_maintenance(portal: WebServer) -> None:
    result = await _run(portal.url("/down"))
    (finding,) = result.findings
    assert finding.id == "portal.maintenance"
    assert finding.data["sentences"] == ["We are down for scheduled maintenance."]
    assert "We are down for scheduled maintenance." in finding.summary


async def test_announced_maintenance_is_a_warning(portal: WebServer) -> None:
    result = await _run(portal.url("/banner"))
    (finding,) = result.findings
    assert (result.status, finding.id, finding.severity) == ("warn", "portal.maintenance_scheduled", "warning")
    assert finding.data["sentences"] == ["Scheduled maintenance this Saturday 10 PM - 2 AM ET."]


async def test_redirect_loop(portal: WebServer) -> None:
    result = await _run(portal.url("/loop-a"))
    (finding,) = result.findings
    assert (finding.id, finding.severity) == ("portal.redirect_loop", "critical")
    assert finding.data["loop_url"] == portal.url("/loop-a") and finding.data["repeated"] is True
    assert [hop.status for hop in _evidence(result).hops] == [302, 302]


async def test_too_many_redirects_is_a_loop(portal: WebServer) -> None:
    result = await _run(portal.url("/endless"))
    (finding,) = result.findings
    assert finding.id == "portal.redirect_loop" and finding.data["repeated"] is False
    assert finding.data["requests"] == 11


async def test_redirect_back_after_a_cookie_is_not_a_loop(portal: WebServer) -> None:
    result = await _run(portal.url("/login"))
    assert result.status == "pass", result.summary
    assert [hop.status for hop in _evidence(result).hops] == [302, 302, 200]


async def test_redirect_chain_is_recorded_with_its_hosts(portal: WebServer, other: WebServer) -> None:
    result = await _run(portal.url("/start"))
    ev = _evidence(result)
    assert result.status == "pass"
    assert [(hop.url, hop.status) for hop in ev.hops] == [
        (portal.url("/start"), 302), (other.url("/sso"), 302), (portal.url("/home"), 200),
    ]
    assert ev.hops[0].location == other.url("/sso") and ev.hops[0].server
    assert ev.redirect_hosts == ["127.0.0.1", "127.0.0.2"]
    assert ev.final_url == portal.url("/home")


async def test_body_read_is_bounded(portal: WebServer) -> None:
    result = await _run(portal.url("/big"), HttpProbe(max_body=1000))
    ev = _evidence(result)
    assert ev.body_truncated and ev.content_length == 1000


async def test_skipped_when_the_network_reached_nothing(portal: WebServer) -> None:
    ctx = _ctx(portal.url("/ok"))
    ctx.provide(ProbeResult(name="network", status="fail", summary="connection refused"))
    before = len(portal.requests)
    result = await HttpProbe().run(ctx)
    assert result.status == "skip" and "connection refused" in (result.reason or "")
    assert len(portal.requests) == before


async def test_connection_refused_is_an_error_without_findings() -> None:
    result = await _run("http://127.0.0.1:9/login")
    assert result.status == "error" and result.findings == []
    assert "could not fetch http://127.0.0.1:9/login" in (result.reason or "")


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _tls_server(ca: trustme.CA, name: str) -> WebServer:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(context)
    return WebServer({"/login": Page(LOGIN)}, ssl_context=context)


async def test_pinned_fake_name_over_https(ca: trustme.CA, tmp_path: Path) -> None:
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    with _tls_server(ca, "portal.test") as server:
        ctx = _ctx(f"https://portal.test:{server.port}/login", ca_bundle=tmp_path / "ca.pem")
        ctx.provide(ProbeResult(name="dns", status="pass", evidence=DnsEvidence(host="portal.test", mode="dns_servers", addresses=["127.0.0.1"])))
        result = await HttpProbe().run(ctx)
    assert result.status == "pass", result.reason
    assert _evidence(result).hops[0].address == f"127.0.0.1:{server.port}"
    assert server.requests[0].headers["Host"] == f"portal.test:{server.port}"


async def test_untrusted_certificate_is_an_error_left_to_the_tls_probe(ca: trustme.CA) -> None:
    with _tls_server(ca, "127.0.0.1") as server:
        result = await _run(server.url("/login"))
    assert result.status == "error" and result.findings == []
    assert "TLS handshake failed" in (result.reason or "")


@pytest.mark.parametrize(("status", "cause"), [(404, "portal.not_found"), (410, "portal.not_found"),
                                               (403, "portal.access_denied")])
async def test_login_url_refusing_or_missing(status: int, cause: str) -> None:
    with WebServer({"/login": Page("<h1>Nope</h1>", status=status)}) as web:
        ctx = ProbeContext(Target.parse(web.url("/login")), RunConfig(), proxy=ProxySettings())
        result = await HttpProbe().run(ctx)
    assert [f.id for f in result.findings] == [cause] and result.status == "fail"


async def test_announced_window_that_contains_now_is_maintenance_now() -> None:
    from datetime import UTC, datetime

    banner = "<p>Scheduled maintenance: Saturday, December 5, 2026 from 10:00 PM to 11:59 PM UTC.</p><form></form>"
    with WebServer({"/login": Page(banner)}) as web:
        during = ProbeContext(Target.parse(web.url("/login")), RunConfig(), proxy=ProxySettings(),
                              now=lambda: datetime(2026, 12, 5, 23, 0, tzinfo=UTC))
        before = ProbeContext(Target.parse(web.url("/login")), RunConfig(), proxy=ProxySettings(),
                              now=lambda: datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
        now_result, later_result = await HttpProbe().run(during), await HttpProbe().run(before)
    assert [f.id for f in now_result.findings] == ["portal.maintenance"]
    assert [f.id for f in later_result.findings] == ["portal.maintenance_scheduled"]


async def test_a_portal_that_never_answers_is_an_outage() -> None:
    with WebServer({"/login": Page(hang=True)}) as web:
        ctx = ProbeContext(Target.parse(web.url("/login")), RunConfig(), proxy=ProxySettings())
        result = await HttpProbe(timeout=1.0).run(ctx)
    assert [f.id for f in result.findings] == ["portal.outage"] and result.findings[0].hung is True


def _pinned(url: str, **config: object) -> ProbeContext:
    ctx = _ctx(url, **config)
    ctx.provide(ProbeResult(name="dns", status="pass", evidence=DnsEvidence(host="portal.test", mode="dns_servers", addresses=["127.0.0.1"])))
    return ctx


async def test_login_page_over_plain_http_is_an_insecure_login() -> None:
    with WebServer({"/login": Page(LOGIN)}) as server:
        result = await HttpProbe().run(_pinned(f"http://portal.test:{server.port}/login"))
    assert [(f.id, f.severity) for f in result.findings] == [("portal.insecure_login", "warning")]
    assert "plain http://" in result.findings[0].summary
    assert _evidence(result).password_form_action == f"http://portal.test:{server.port}/login"


async def test_https_page_posting_the_password_to_http_is_an_insecure_login(ca: trustme.CA, tmp_path: Path) -> None:
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    form = LOGIN.replace('<form method="post">', '<form method="post" action="http://portal.test/session">')
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("portal.test").configure_cert(context)
    with WebServer({"/login": Page(form), "/ok": Page(LOGIN)}, ssl_context=context) as server:
        insecure = await HttpProbe().run(_pinned(f"https://portal.test:{server.port}/login", ca_bundle=tmp_path / "ca.pem"))
        secure = await HttpProbe().run(_pinned(f"https://portal.test:{server.port}/ok", ca_bundle=tmp_path / "ca.pem"))
    assert [f.id for f in insecure.findings] == ["portal.insecure_login"]
    assert insecure.findings[0].data["form_action"] == "http://portal.test/session"
    assert secure.findings == [] and _evidence(secure).password_form_action == f"https://portal.test:{server.port}/ok"


def test_password_form_action_is_read_from_its_own_form() -> None:
    from probes.text.page_text import read_page

    html = ('<form action="/search"><input name="q"></form>'
            '<form action="http://login.test/post"><input type="password" name="p"></form>')
    assert read_page(html).password_form_action == "http://login.test/post"
    assert read_page("<input type=password>").password_form_action == ""
    assert read_page("<p>no form</p>").password_form_action is None


@pytest.mark.parametrize(("cipher", "fetched"), [("AES128-GCM-SHA256", True), ("DHE-RSA-AES128-GCM-SHA256", False)])
async def test_the_http_probe_offers_what_chrome_offers(ca: trustme.CA, tmp_path: Path, cipher: str, fetched: bool) -> None:
    """A server with RSA key exchange only is fetched, as Chrome fetches it; DHE only is not (Chrome dropped it)."""
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    from tests.probes.tls.pki import authority, leaf, rsa_key, server_context

    root = authority("Cipher Test Root", key=rsa_key())
    (tmp_path / "root.pem").write_bytes(root.pem())
    context = server_context([leaf(root, host="portal.test", key=rsa_key())], ciphers=cipher)
    with WebServer({"/login": Page(LOGIN)}, ssl_context=context) as server:
        result = await HttpProbe().run(_pinned(f"https://portal.test:{server.port}/login", ca_bundle=tmp_path / "root.pem"))
    assert (result.status == "pass") is fetched, result.reason
    if not fetched:
        assert result.status == "error" and "TLS handshake failed" in (result.reason or "")
