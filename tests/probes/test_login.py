"""The login probe signs in to loopback portals that answer each account outcome, in real Chromium."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from pydantic import SecretStr

from agent.engine.runner import run_probes
from demo.web import Page, Request, WebServer
from probes.base import Credentials, ProbeResult
from probes.browser.probe import BrowserProbe
from probes.login.probe import LoginProbe
from probes.profile import AccountMessages, LoginSelectors, Profile
from probes.web.session import BrowserSession
from tests.probes.browser_support import context, needs_chromium, page, shared_browser

pytestmark = [needs_chromium, pytest.mark.asyncio(loop_scope="module")]
__all__ = ["shared_browser"]  # the fixture, imported for pytest

PASSWORD = "Pa55+w\u00f6rd/&x=1"
ANSWERS = {
    "locked.user": "Your account has been locked after too many failed attempts. Contact your administrator.",
    "expired.user": "Your password has expired. Choose a new password to continue.",
    "wrong.user": "Invalid username or password.",
    "odd.user": "We could not process your request (reference 4471).",
    "echo.user": f"The password {PASSWORD} is not valid here, echo.user.",
    "german.user": "Die Anmeldung ist fehlgeschlagen. Bitte versuchen Sie es erneut.",
}


def _session(request: Request) -> Page:
    form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
    user, password = form.get("username", ""), form.get("password", "")
    if password != PASSWORD:
        return page("account.html", MESSAGE="Invalid username or password.")
    if user == "good.user":
        return Page("", status=302, headers={"Location": "/home"})
    if user == "mfa.user":
        return Page("", status=302, headers={"Location": "/mfa"})
    return page("account.html", MESSAGE=ANSWERS.get(user, ANSWERS["wrong.user"]))


def _identify(request: Request) -> Page:
    user = parse_qs(request.body.decode())["loginfmt"][0]
    return page("password_step.html", USER=user)


def _api_login(request: Request) -> Page:
    locked = b"locked.user" in request.body
    message = ANSWERS["locked.user"] if locked else "Welcome back"
    return Page(json.dumps({"message": message}), content_type="application/json")


ROUTES = {
    "/login": page("account.html", MESSAGE=""),
    "/session": _session,
    "/home": page("home.html", USER="good.user"),
    "/mfa": page("mfa.html"),
    "/start": page("identifier.html"),
    "/identify": _identify,
    "/app": page("spa_login.html"),
    "/api/login": _api_login,
    "/loop": Page("", status=302, headers={"Location": "/loop"}),
    "/news": page("news.html"),
}


@pytest.fixture(scope="module")
def portal() -> WebServer:
    with WebServer(ROUTES) as server:
        yield server


async def _login(portal: WebServer, session: BrowserSession, tmp_path: Path, user: str, path: str = "/login",
                 **config: object) -> ProbeResult:
    credentials = Credentials(username=user, password=SecretStr(PASSWORD))
    ctx = context(portal.url(path), tmp_path, session, credentials=credentials, **config)
    async with ctx.resources:
        return await LoginProbe().run(ctx)


@pytest.mark.parametrize("user, cause", [
    ("wrong.user", "account.invalid_credentials"),
    ("locked.user", "account.locked"),
    ("expired.user", "account.password_expired"),
])
async def test_each_account_message_is_its_cause(
    portal: WebServer, shared_browser: BrowserSession, tmp_path: Path, user: str, cause: str
) -> None:
    result = await _login(portal, shared_browser, tmp_path, user)
    assert [f.id for f in result.findings] == [cause]
    assert result.status == "fail"
    assert result.findings[0].data["message"] == ANSWERS[user]
    assert result.evidence.error_text[0] == ANSWERS[user]
    assert Path(result.evidence.screenshot).exists()


async def test_mfa_prompt_means_the_password_was_accepted(
    portal: WebServer, shared_browser: BrowserSession, tmp_path: Path
) -> None:
    result = await _login(portal, shared_browser, tmp_path, "mfa.user")
    assert result.status == "pass" and result.findings == []
    assert result.evidence.outcome == "mfa"


async def test_success_takes_no_screenshot(portal: WebServer, shared_browser: BrowserSession, tmp_path: Path) -> None:
    result = await _login(portal, shared_browser, tmp_path, "good.user")
    assert (result.status, result.evidence.outcome) == ("pass", "success")
    assert result.evidence.final_url.endswith("/home")
    assert result.evidence.screenshot is None  # the signed-in page may show patient data
    assert "good.user" not in result.model_dump_json()


@pytest.mark.parametrize("user", ["odd.user", "german.user"])
async def test_unknown_refusal_is_a_rejected_login_quoted(
    portal: WebServer, shared_browser: BrowserSession, tmp_path: Path, user: str
) -> None:
    """Wording no table knows (the tables were written from other sources): the form is back, so it is a refusal."""
    result = await _login(portal, shared_browser, tmp_path, user)
    assert (result.status, result.evidence.outcome) == ("fail", "rejected")
    (finding,) = result.findings
    assert (finding.id, finding.severity) == ("account.login_rejected", "critical")
    assert result.evidence.message == ANSWERS[user] and ANSWERS[user] in finding.summary


async def test_answer_shown_without_leaving_the_page(
    portal: WebServer, shared_browser: BrowserSession, tmp_path: Path
) -> None:
    result = await _login(portal, shared_browser, tmp_path, "locked.user", path="/app")
    assert [f.id for f in result.findings] == ["account.locked"]


async def test_identifier_first_sign_in(portal: WebServer, shared_browser: BrowserSession, tmp_path: Path) -> None:
    result = await _login(portal, shared_browser, tmp_path, "nobody@clinic.test", path="/start")
    assert [f.id for f in result.findings] == ["account.invalid_credentials"]
    assert len(result.evidence.steps) == 2


async def test_a_field_the_browser_refuses_is_quoted(
    portal: WebServer, shared_browser: BrowserSession, tmp_path: Path
) -> None:
    result = await _login(portal, shared_browser, tmp_path, "not-an-email", path="/start")
    assert result.evidence.outcome == "rejected"
    assert "@" in (result.evidence.message or "")  # the browser's own validation message


async def test_profile_selectors_and_wording(portal: WebServer, shared_browser: BrowserSession, tmp_path: Path) -> None:
    profile = Profile(
        name="demo", title="Demo portal", login_url=portal.url("/login"),
        login_selectors=LoginSelectors(username="#username", password="#password", submit="#sign-in"),
        account_messages=AccountMessages(invalid_credentials=[], locked=[], mfa=[],
                                         password_expired=["choose a new password"]),
    )
    result = await _login(portal, shared_browser, tmp_path, "expired.user", profile=profile)
    assert [f.id for f in result.findings] == ["account.password_expired"]
    assert result.findings[0].data["pattern"] == "choose a new password"
    assert result.evidence.form["password"] == "profile selector #password"


@pytest.mark.parametrize("path, why", [
    ("/loop", "the login page did not load: net::ERR_TOO_MANY_REDIRECTS"),
    ("/news", "the login page showed no login form"),
])
async def test_no_form_to_fill_is_a_skip(
    portal: WebServer, shared_browser: BrowserSession, tmp_path: Path, path: str, why: str
) -> None:
    result = await _login(portal, shared_browser, tmp_path, "good.user", path=path)
    assert result.status == "skip"
    assert (result.reason or "").startswith(why)


async def test_without_credentials_the_probe_skips(tmp_path: Path) -> None:
    ctx = context("http://127.0.0.1:9/login", tmp_path)
    result = await LoginProbe().run(ctx)
    assert (result.status, result.reason) == ("skip", "no credentials given")


async def test_the_password_appears_in_no_artifact(
    portal: WebServer, shared_browser: BrowserSession, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    credentials = Credentials(username="echo.user", password=SecretStr(PASSWORD))
    ctx = context(portal.url("/login"), tmp_path, shared_browser, credentials=credentials)
    results = await run_probes([BrowserProbe(), LoginProbe()], ctx, deadline=20)
    assert [r.status for r in results] == ["pass", "fail"], [r.summary for r in results]
    out = tmp_path / "out"
    files = sorted(out.iterdir())
    assert {f.suffix for f in files} == {".har", ".png"} and len(files) == 4
    encoded = {PASSWORD, "Pa55%2Bw%C3%B6rd%2F%26x%3D1", "Pa55+w\\u00f6rd/&x=1"}
    texts = [r.model_dump_json() for r in results] + [f.read_text() for f in files if f.suffix == ".har"]
    texts += [f.name for f in files] + [caplog.text]
    for text in texts:
        for form in encoded:
            assert form not in text
    assert "echo.user" not in results[1].model_dump_json()
    assert "[redacted]" in results[1].evidence.message
    for png in (f for f in files if f.suffix == ".png"):
        assert PASSWORD.encode() not in png.read_bytes()
