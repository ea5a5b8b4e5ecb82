"""The browser probe drives real Chromium against loopback pages that each inject one fault."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from demo.proxy_server import ProxyServer
from demo.web import Page, WebServer
from probes.base import ProbeResult
from probes.browser.evidence import BrowserEvidence
from probes.browser.probe import BrowserProbe, _screenshot
from probes.net.proxy_settings import ProxySettings
from probes.network.evidence import NetworkEvidence
from probes.web.session import BrowserSession
from tests.probes.browser_support import closed_port, context, needs_chromium, page, portal_routes, shared_browser

pytestmark = [needs_chromium, pytest.mark.asyncio(loop_scope="module")]
__all__ = ["shared_browser"]  # the fixture, imported for pytest


async def _run(url: str, session: BrowserSession, tmp_path: Path, **config: object) -> ProbeResult:
    ctx = context(url, tmp_path, session, **config)
    async with ctx.resources:
        return await BrowserProbe().run(ctx)


def _ids(result: ProbeResult) -> list[str]:
    return [f.id for f in result.findings]


async def test_healthy_login_page_passes_with_screenshot_and_redacted_har(
    shared_browser: BrowserSession, tmp_path: Path
) -> None:
    routes = portal_routes()
    routes["/login"] = Page(routes["/login"].body, headers={"Set-Cookie": "portal_session=s3ss10nvalue; Path=/"})
    with WebServer(routes) as server:
        result = await _run(server.url("/login?token=abc123secret"), shared_browser, tmp_path)
    assert result.status == "pass", result.summary
    assert result.findings == []
    ev = result.evidence
    assert ev.login_form == "password"
    assert ev.browser["name"] == "Chromium" and ev.browser["version"].count(".") == 3 and ev.browser["path"]
    assert ev.redirect_hosts == ["127.0.0.1"]
    assert ev.cookies.test_write is True and ev.cookies.stored >= 1 and ev.cookies.rejected == []
    assert ev.wording == {}  # the <noscript> "enable JavaScript" line is not shown
    assert Path(ev.screenshot).read_bytes().startswith(b"\x89PNG")
    har = Path(ev.har).read_text()
    assert "s3ss10nvalue" not in har and "abc123secret" not in har
    assert "portal_session=[redacted]" in har
    assert "abc123secret" not in result.model_dump_json()
    assert json.loads(har)["log"]["entries"]


async def test_script_that_throws_before_rendering_the_form_is_a_script_error(
    shared_browser: BrowserSession, tmp_path: Path
) -> None:
    routes = {"/login": page("scripted.html", SCRIPT="/broken.js"), "/broken.js": page("broken.js")}
    with WebServer(routes) as server:
        result = await _run(server.url("/login"), shared_browser, tmp_path)
    assert _ids(result) == ["browser.script_error"]
    assert result.status == "fail"
    assert any("reading 'init'" in e for e in result.evidence.page_errors)
    assert result.evidence.error_text  # the exact message, for support
    assert result.evidence.login_form is None


@pytest.mark.parametrize("script, error", [
    ("http://cdn.nonexistent.invalid/render.js", "net::ERR_NAME_NOT_RESOLVED"),
    ("/missing.js", "HTTP 404"),
])
async def test_required_script_that_does_not_load_is_a_blocked_resource(
    shared_browser: BrowserSession, tmp_path: Path, script: str, error: str
) -> None:
    with WebServer({"/login": page("scripted.html", SCRIPT=script)}) as server:
        result = await _run(server.url("/login"), shared_browser, tmp_path)
    assert _ids(result) == ["browser.resource_blocked"]
    finding = result.findings[0]
    assert finding.severity == "critical"
    failed = finding.data["failed"][0]
    assert failed["resource_type"] == "script" and failed["error"] == error
    assert failed["url"].endswith(script.rsplit("/", 1)[1])


@pytest.mark.parametrize("script, cause", [
    ("/enable.js", None),
    ("/enable_broken.js", "browser.script_error"),
    ("http://cdn.nonexistent.invalid/enable.js", "browser.resource_blocked"),
])
async def test_static_form_whose_button_a_script_enables(
    shared_browser: BrowserSession, tmp_path: Path, script: str, cause: str | None
) -> None:
    routes = {"/login": page("gated.html", SCRIPT=script), "/enable.js": page("enable.js"),
              "/enable_broken.js": page("enable_broken.js")}
    with WebServer(routes) as server:
        result = await _run(server.url("/login"), shared_browser, tmp_path)
    assert _ids(result) == ([cause] if cause else [])
    assert result.evidence.login_form == "password"
    assert result.evidence.login_form_usable is (cause is None)


async def test_script_rendered_form_passes(shared_browser: BrowserSession, tmp_path: Path) -> None:
    routes = {"/login": page("scripted.html", SCRIPT="/render.js"), "/render.js": page("render.js")}
    with WebServer(routes) as server:
        result = await _run(server.url("/login"), shared_browser, tmp_path)
    assert result.status == "pass" and result.evidence.login_form == "password"


async def test_unsupported_browser_page(shared_browser: BrowserSession, tmp_path: Path) -> None:
    with WebServer({"/login": page("unsupported.html")}) as server:
        result = await _run(server.url("/login"), shared_browser, tmp_path)
    assert _ids(result) == ["browser.unsupported"]
    assert result.findings[0].severity == "critical"
    assert "not supported" in result.findings[0].data["text"]


async def test_maintenance_banner_rendered_by_a_script(shared_browser: BrowserSession, tmp_path: Path) -> None:
    routes = {"/login": page("maintenance.html"),
              "/api/status": Page('{"maintenance": true}', content_type="application/json")}
    with WebServer(routes) as server:
        result = await _run(server.url("/login"), shared_browser, tmp_path)
    assert _ids(result) == ["portal.maintenance"]
    assert result.findings[0].data["sentences"] == ["We are down for scheduled maintenance."]


async def test_announced_maintenance_on_a_working_page_is_a_warning(
    shared_browser: BrowserSession, tmp_path: Path
) -> None:
    body = str(page("login.html").body).replace(
        "<h1>Sign in</h1>", "<p>The portal will be down for maintenance on Saturday from 10 PM to 2 AM ET.</p>")
    with WebServer(portal_routes(**{"/login": Page(body)})) as server:
        ctx = context(server.url("/login"), tmp_path, shared_browser)
        ctx.now = lambda: datetime(2024, 5, 1, 15, 0, tzinfo=UTC)  # a Wednesday
        async with ctx.resources:
            result = await BrowserProbe().run(ctx)
    assert _ids(result) == ["portal.maintenance_scheduled"]
    assert result.status == "warn"


async def test_cookie_the_browser_refuses(shared_browser: BrowserSession, tmp_path: Path) -> None:
    refused = Page(page("cookies.html").body,
                   headers={"Set-Cookie": "portal_session=abc; Domain=portal.example.com; Path=/"})
    with WebServer({"/login": refused}) as server:
        result = await _run(server.url("/login"), shared_browser, tmp_path)
    assert _ids(result) == ["browser.cookies_blocked"]
    data = result.findings[0].data
    assert data["rejected"] == ["portal_session"]
    assert "enable cookies" in data["text"]


async def test_redirect_to_a_dead_identity_provider(shared_browser: BrowserSession, tmp_path: Path) -> None:
    idp = f"http://localhost:{closed_port()}/saml/login?SAMLRequest=c2VjcmV0"
    with WebServer({"/login": Page("", status=302, headers={"Location": idp})}) as server:
        result = await _run(server.url("/login"), shared_browser, tmp_path)
    assert _ids(result) == ["sso.idp_unreachable"]
    data = result.findings[0].data
    assert data["host"] == "localhost" and data["net_error"] == "net::ERR_CONNECTION_REFUSED"
    assert result.evidence.redirect_hosts == ["127.0.0.1", "localhost"]
    assert "SAMLRequest" not in result.model_dump_json()


async def test_redirect_loop(shared_browser: BrowserSession, tmp_path: Path) -> None:
    routes = {"/login": Page("", status=302, headers={"Location": "/sso"}),
              "/sso": Page("", status=302, headers={"Location": "/login"})}
    with WebServer(routes) as server:
        result = await _run(server.url("/login"), shared_browser, tmp_path)
    assert _ids(result) == ["portal.redirect_loop"]
    assert result.findings[0].data["net_error"] == "net::ERR_TOO_MANY_REDIRECTS"


async def test_login_form_inside_an_identity_provider_iframe(shared_browser: BrowserSession, tmp_path: Path) -> None:
    with WebServer(portal_routes()) as idp:
        framed = page("framed.html", FRAME=idp.url("/login", host="localhost"))
        with WebServer({"/login": framed}) as server:
            result = await _run(server.url("/login"), shared_browser, tmp_path)
    assert result.status == "pass"
    assert result.evidence.login_form == "password"
    assert result.evidence.login_form_frame.startswith("http://localhost:")


async def test_identifier_first_sign_in_counts_as_a_form(shared_browser: BrowserSession, tmp_path: Path) -> None:
    with WebServer({"/login": page("identifier.html")}) as server:
        result = await _run(server.url("/login"), shared_browser, tmp_path)
    assert result.status == "pass" and result.evidence.login_form == "identifier"


async def test_page_without_a_form(shared_browser: BrowserSession, tmp_path: Path) -> None:
    with WebServer({"/login": page("news.html")}) as server:
        result = await _run(server.url("/login"), shared_browser, tmp_path)
    assert _ids(result) == ["browser.login_form_missing"]


async def test_server_error_page(shared_browser: BrowserSession, tmp_path: Path) -> None:
    with WebServer({"/login": Page("<h1>Internal Server Error</h1>", status=500)}) as server:
        result = await _run(server.url("/login"), shared_browser, tmp_path)
    assert _ids(result) == ["portal.outage"]


async def test_refused_portal_is_reported_without_a_page_verdict(
    shared_browser: BrowserSession, tmp_path: Path
) -> None:
    result = await _run(f"http://127.0.0.1:{closed_port()}/login", shared_browser, tmp_path)
    assert _ids(result) == ["network.refused"]
    assert result.evidence.navigation_error == "net::ERR_CONNECTION_REFUSED"
    assert Path(result.evidence.screenshot).read_bytes().startswith(b"\x89PNG")  # Chromium's error page


@pytest.mark.parametrize("mode, causes", [("forward", []), ("auth_required", ["proxy.auth_required"])])
async def test_the_workstation_proxy_carries_the_page(
    shared_browser: BrowserSession, tmp_path: Path, mode: str, causes: list[str]
) -> None:
    with WebServer(portal_routes()) as server, ProxyServer(mode, hosts={"portal.test": "127.0.0.1"}) as proxy:
        ctx = context(server.url("/login", host="portal.test"), tmp_path, shared_browser)
        ctx.proxy = ProxySettings(proxies={"http": proxy.url})
        async with ctx.resources:
            result = await BrowserProbe().run(ctx)
    assert _ids(result) == causes
    assert proxy.requests[0].startswith("GET http://portal.test:")


async def test_skipped_when_the_network_probe_reached_nothing(
    shared_browser: BrowserSession, tmp_path: Path
) -> None:
    ctx = context("http://127.0.0.1:9/login", tmp_path, shared_browser)
    ctx.provide(ProbeResult(name="network", status="fail", summary="connection refused", evidence=NetworkEvidence(host="portal.test", port=443, addresses_from="dns")))
    async with ctx.resources:
        result = await BrowserProbe().run(ctx)
    assert result.status == "skip" and "not reachable" in (result.reason or "")
    assert result.evidence.har is None and not list(tmp_path.rglob("*.har"))  # the page opened, nothing was visited


async def test_no_browser_is_an_error_with_the_fix(tmp_path: Path) -> None:
    ctx = context("http://127.0.0.1:9/login", tmp_path, browser=str(tmp_path / "no-such-chrome"))
    async with ctx.resources:
        result = await BrowserProbe().run(ctx)
    assert result.status == "error"
    assert "no such file" in (result.reason or "") and "--browser" in (result.reason or "")


async def test_a_capture_that_fails_says_why(shared_browser: BrowserSession, tmp_path: Path) -> None:
    """No screenshot is a loss for support, never for the diagnosis; the evidence keeps the reason."""
    ctx = context("http://127.0.0.1/", tmp_path, shared_browser)
    evidence = BrowserEvidence()
    browser_context = await shared_browser.new_context(ctx)
    closed, live = await browser_context.new_page(), await browser_context.new_page()
    await closed.close()
    assert await _screenshot(closed, tmp_path / "shot.png", evidence) is None
    assert evidence.screenshot_error and evidence.screenshot_error.startswith("Error: ")  # Playwright's, first line
    assert await _screenshot(live, tmp_path / "shot.png", evidence) == str(tmp_path / "shot.png")
    assert evidence.screenshot_error is None  # the capture that counts succeeded
    await browser_context.close()
