"""A login form on an https:// page that posts to plain http://: Chromium stops the sign-in.

Real Chromium on loopback servers: the https:// portal (`portal.test`, certificate from
a `DemoCA` trusted through the --ca-bundle NSS database) serves a login form whose
target is `forms.test` over http://, both names mapped to 127.0.0.1 (a name, not a
loopback address: Chromium exempts loopback targets, as does the rule). Without
credentials the block is predicted from the form's target; with them the login probe
submits and sees Chromium's "not secure" page, and the http server receives nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from pydantic import SecretStr

from agent.engine.ranking import rank
from demo.certs import DemoCA
from demo.web import Page, WebServer
from probes.base import Credentials, ProbeResult
from probes.browser.probe import BrowserProbe
from probes.dns.evidence import DnsEvidence
from probes.http.probe import HttpProbe
from probes.login.probe import LoginProbe
from probes.web.discovery import find_browser
from probes.web.flags import BASE_ARGS, needs_no_sandbox
from probes.web.session import BrowserSession
from probes.web.trust import browser_env, bundle_home
from reports.models import Cause
from tests.probes.browser_support import context, needs_chromium

pytestmark = [needs_chromium, pytest.mark.asyncio(loop_scope="module")]
NAMES = "--host-resolver-rules=MAP portal.test 127.0.0.1, MAP forms.test 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
CA = DemoCA("Insecure Form Test Root CA")


def _explicit(action: str) -> Page:
    return Page(f"""<!doctype html><html><head><title>Portal sign-in</title></head><body>
<form method="post" action="{action}"><label>User <input name="username" autocomplete="username"></label>
<label>Password <input type="password" name="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button></form></body></html>""")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BrowserSession]:
    """Chromium trusting only the DemoCA (an NSS database built as a run builds it), names mapped to loopback."""
    from playwright.async_api import async_playwright

    folder = tmp_path_factory.mktemp("trust")
    ctx = context("https://portal.test/", folder, ca_bundle=CA.write_bundle(folder / "bundle.pem"))
    async with ctx.resources:
        home = await bundle_home(ctx.resources, ctx.config.ca_bundle, 10.0)
        playwright = await async_playwright().start()
        info = find_browser()
        launched = await playwright.chromium.launch(executable_path=info.path, args=[*BASE_ARGS, NAMES], headless=True,
                                                    env=browser_env(home), chromium_sandbox=not needs_no_sandbox())
        session = BrowserSession(playwright, launched, info.with_version(launched.version))
        try:
            yield session
        finally:
            await session.aclose()


@pytest.fixture
def sink() -> Iterator[WebServer]:
    """The plain-http target of the form: records whatever reaches it."""
    with WebServer({"/signin": Page("<p>signed in</p>")}) as server:
        yield server


def _portal(action: str) -> WebServer:
    """The https portal whose login form posts to `action` (start it with `with`)."""
    return WebServer({"/login": _explicit(action)}, ssl_context=CA.server_context(["portal.test"]))


async def _browse_and_login(action: str, session: BrowserSession, tmp_path: Path) -> tuple[ProbeResult, ProbeResult]:
    """The browser probe, then the login probe, on a portal whose form posts to `action`."""
    with _portal(action) as portal:
        url = portal.url("/login", host="portal.test")
        return await _browse(url, session, tmp_path / "browser"), await _login(url, session, tmp_path / "login")


async def _browse(url: str, session: BrowserSession, tmp_path: Path) -> ProbeResult:
    ctx = context(url, tmp_path, session)
    async with ctx.resources:
        return await BrowserProbe().run(ctx)


async def _fetch(url: str, tmp_path: Path) -> ProbeResult:
    """The http probe, its names pinned to loopback as `--dns-server` pins them."""
    ctx = context(url, tmp_path, ca_bundle=CA.write_bundle(tmp_path / "bundle.pem"))
    ctx.provide(ProbeResult(name="dns", status="pass",
                            evidence=DnsEvidence(host="portal.test", mode="dns_servers", addresses=["127.0.0.1"])))
    return await HttpProbe().run(ctx)


async def _login(url: str, session: BrowserSession, tmp_path: Path) -> ProbeResult:
    ctx = context(url, tmp_path, session, credentials=Credentials(username="clinic.user", password=SecretStr("s3cret!")))
    async with ctx.resources:
        return await LoginProbe().run(ctx)


def _first(results: list[ProbeResult]) -> Cause:
    causes = rank(results)
    assert causes, [r.summary for r in results]
    return causes[0]


async def test_https_page_posting_to_http_is_predicted_critical_without_credentials(
    browser: BrowserSession, sink: WebServer, tmp_path: Path
) -> None:
    action = sink.url("/signin", host="forms.test")
    with _portal(action) as portal:
        result = await _browse(portal.url("/login", host="portal.test"), browser, tmp_path)
        fetched = await _fetch(portal.url("/login", host="portal.test"), tmp_path)
    assert result.status == "fail", result.summary
    target = result.evidence.form_target
    assert target is not None and target.action == action and target.method == "POST"
    assert target.chromium_blocks is True and target.observed is None  # predicted, not submitted
    [finding] = result.findings
    assert finding.data["browser_blocked"] == "predicted"
    assert any(line.startswith("predicted from the form's target, not submitted") for line in finding.evidence)
    cause = _first([result])
    assert (cause.id, cause.severity) == ("portal.insecure_login", "critical")
    assert any(action in step and "https://" in step for step in cause.remediation)
    assert sink.requests == []
    # the http probe reads the same target from the page's HTML: a warning it flags, which the ranking makes critical
    [flagged] = fetched.findings
    assert (flagged.id, flagged.severity, flagged.data["browser_blocked"]) == ("portal.insecure_login", "warning",
                                                                             "predicted")
    assert (_first([fetched]).severity, _first([fetched, result]).severity) == ("critical", "critical")


async def test_the_login_probe_sees_chromium_stop_the_submit(
    browser: BrowserSession, sink: WebServer, tmp_path: Path
) -> None:
    action = sink.url("/signin", host="forms.test")
    browsed, login = await _browse_and_login(action, browser, tmp_path)
    assert login.status == "fail", login.summary
    assert login.evidence.outcome == "insecure_form_blocked"
    target = login.evidence.form_target
    assert target is not None and target.observed is True
    # Chromium 156 shows its interstitial in place of the target, and sends nothing
    assert target.shown is not None and "not secure" in target.shown
    assert sink.requests == []
    assert "s3cret" not in login.model_dump_json()
    cause = _first([browsed, login])
    assert (cause.id, cause.severity) == ("portal.insecure_login", "critical")
    assert sorted(cause.evidence) == sorted(set(cause.evidence))  # both probes' facts, once each
    assert any(e.startswith("submitted: Chromium stopped it") for e in cause.evidence)


async def test_a_loopback_target_is_exempt_and_the_form_is_sent(
    browser: BrowserSession, sink: WebServer, tmp_path: Path
) -> None:
    # http://127.0.0.1:...: a secure context for Chromium
    browsed, login = await _browse_and_login(sink.url("/signin"), browser, tmp_path)
    assert browsed.findings == [] and browsed.status == "pass", browsed.summary
    assert browsed.evidence.form_target is not None and browsed.evidence.form_target.chromium_blocks is False
    assert login.evidence.outcome != "insecure_form_blocked"
    assert [r.method for r in sink.requests if r.path == "/signin"] == ["POST"]


async def test_a_login_page_over_plain_http_is_a_warning(
    browser: BrowserSession, sink: WebServer, tmp_path: Path
) -> None:
    sink.routes["/login"] = _explicit("/signin")
    url = sink.url("/login", host="portal.test")
    fetched = await _fetch(url, tmp_path)
    browsed = await _browse(url, browser, tmp_path)
    login = await _login(url, browser, tmp_path / "login")
    [finding] = fetched.findings
    assert (finding.id, finding.severity) == ("portal.insecure_login", "warning")
    assert "browser_blocked" not in finding.data
    # Chromium does not warn about a form on a plain-http page: it sends it (the page itself is the risk)
    assert browsed.findings == [] and browsed.evidence.form_target.chromium_blocks is False
    assert [r.method for r in sink.requests if r.path == "/signin"] == ["POST"]
    cause = _first([fetched, browsed, login])
    assert (cause.id, cause.severity) == ("portal.insecure_login", "warning")
