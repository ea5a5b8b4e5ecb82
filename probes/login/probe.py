"""The `login` probe: sign in with the given credentials and read what the portal answers.

Runs only with credentials (from the environment or a file, never the command line),
in the run's browser with a context of its own. The answer is read from the text the
attempt made appear (`account_messages`): a locked account, an expired password and
wrong credentials are causes, and so is a form Chromium refuses to send (an https://
page posting to plain http://: its "not secure" warning is seen); a second-factor
prompt and a signed-in page are a pass (the password was accepted); anything else is
quoted as it stands. The credentials never reach the evidence, the file names or the
HAR, and both fields are masked in the screenshot. After a successful sign-in no
screenshot is taken: the page may show patient data.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import TYPE_CHECKING, Any, ClassVar

from probes.base import ProbeContext, ProbeResult
from probes.evidence import Finding, Stopwatch
from probes.login.evidence import LoginEvidence
from probes.login.form import ATTRIBUTE, fill_and_submit, find_fields
from probes.profile import Profile
from probes.text.account_messages import Verdict, classify_lines, new_lines
from probes.web.artifacts import artifact_path, artifacts_wanted
from probes.web.discovery import BrowserUnavailable
from probes.web.har_redact import REDACTED, redact_or_remove
from probes.web.insecure_form import blocked_finding, observe_submit, read_form_target
from probes.web.page_checks import (
    FORM_WAIT,
    NAVIGATION_TIMEOUT,
    NetworkQuiet,
    PageView,
    read_view,
    wait_for,
    wait_for_form,
)
from probes.web.page_gate import unless_hung
from probes.web.session import get_browser
from probes.web.watch import bare_url, host_of, net_error

if TYPE_CHECKING:
    from playwright.async_api import Dialog, Page

RESULT_WAIT = 10.0  # after submitting, at most this long for the portal's answer
POLL = 0.25  # how often the page is read while it has not settled
CAUSES = {
    "invalid_credentials": ("account.invalid_credentials", "the portal says the user name or password is wrong"),
    "locked": ("account.locked", "the portal says the account is locked"),
    "password_expired": ("account.password_expired", "the portal says the password has expired"),
    "rejected": ("account.login_rejected", "the portal refused the sign-in"),
}


class LoginProbe:
    name: ClassVar[str] = "login"
    # network: launching the browser (when this probe is the first to) orders the portal's addresses by it
    depends_on: ClassVar[tuple[str, ...]] = ("dns", "network", "tls", "http", "browser")
    budget: ClassVar[float] = 0.9  # of --timeout

    async def run(self, ctx: ProbeContext) -> ProbeResult:
        watch = Stopwatch()
        credentials = ctx.config.credentials
        if credentials is None:
            return ProbeResult(name=self.name, status="skip", reason="no credentials given",
                               summary="not attempted: set DIAGNOSE_USERNAME and DIAGNOSE_PASSWORD, "
                               "or pass --credentials-file")
        secrets = [credentials.password.get_secret_value(), credentials.username]
        evidence = LoginEvidence(url=bare_url(ctx.target.url))
        try:
            hang = await unless_hung(ctx, _attempt(ctx, evidence, watch))
        except BrowserUnavailable as exc:
            return ProbeResult(name=self.name, status="error", summary="no browser could be started",
                               reason=f"{exc}; fix: {exc.fix}", evidence=evidence, duration_ms=watch.ms())
        except Exception as exc:  # noqa: BLE001 - a failed attempt is "could not check", quoted without secrets
            reason = _scrub(f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}", secrets)
            return ProbeResult(name=self.name, status="error", summary="the login attempt failed", reason=reason,
                               evidence=_scrubbed(evidence, secrets), duration_ms=watch.ms())
        evidence = _scrubbed(evidence, secrets)
        if isinstance(hang, str):
            return ProbeResult(name=self.name, status="skip", summary=f"not attempted ({hang})",
                               reason=f"the page cannot load: {hang}", evidence=evidence, duration_ms=watch.ms())
        return await _result(ctx, evidence, watch)


async def _result(ctx: ProbeContext, evidence: LoginEvidence, watch: Stopwatch) -> ProbeResult:
    outcome, quote = evidence.outcome, evidence.message
    if outcome == "insecure_form_blocked" and evidence.form_target is not None:
        finding = blocked_finding(evidence.form_target, "login")
        return ProbeResult(name="login", status="fail", summary=finding.summary, evidence=evidence,
                           findings=[finding], duration_ms=watch.ms())
    said = f": \u201c{quote}\u201d" if quote else ""
    if outcome is None:
        prior = await ctx.result("browser")
        why = f" ({prior.summary})" if prior is not None and prior.summary else ""
        reason = f"the login page did not load: {evidence.error_text[0]}" if evidence.error_text \
            else "the login page showed no login form"
        return ProbeResult(name="login", status="skip", summary=f"no login form to fill{why}",
                           reason=reason, evidence=evidence, duration_ms=watch.ms())
    if outcome in CAUSES:
        cause, summary = CAUSES[outcome]
        finding = Finding(id=cause, severity="critical", summary=f"{summary}{said}",
                          evidence=[f"after signing in at {evidence.url}, the page said{said}"],
                          data={"message": quote, "pattern": evidence.matched, "url": evidence.final_url})
        return ProbeResult(name="login", status="fail", summary=f"{summary}{said}", evidence=evidence,
                           findings=[finding], duration_ms=watch.ms())
    if outcome in ("success", "mfa"):
        summary = ("the password was accepted; the portal asks for a second factor" if outcome == "mfa"
                   else "the portal accepted the credentials")
        return ProbeResult(name="login", status="pass", summary=summary + said, evidence=evidence,
                           duration_ms=watch.ms())
    if evidence.form_after or quote:
        # not signed in, and the form is back or the portal said something: a refusal in words of its own
        evidence.outcome = "rejected"
        cause, summary = CAUSES["rejected"]
        seen = said or " (no message; the sign-in form is shown again)"
        finding = Finding(id=cause, severity="critical", summary=f"{summary}{seen}",
                          evidence=[f"after signing in at {evidence.url}, the page said{seen}"],
                          data={"message": quote, "pattern": None, "url": evidence.final_url})
        return ProbeResult(name="login", status="fail", summary=f"{summary}{seen}", evidence=evidence,
                           findings=[finding], duration_ms=watch.ms())
    return ProbeResult(name="login", status="warn", summary=f"the login gave no recognisable answer{said}",
                       evidence=evidence, duration_ms=watch.ms())


async def _attempt(ctx: ProbeContext, evidence: LoginEvidence, watch: Stopwatch) -> None:
    credentials = ctx.config.credentials
    assert credentials is not None
    session = await get_browser(ctx)
    evidence.browser = session.info.support()
    profile = ctx.config.profile
    har = artifact_path(ctx, "login", "har") if artifacts_wanted(ctx) else None
    context = await session.new_context(ctx, har)
    try:
        context.set_default_timeout(FORM_WAIT * 1000)
        page = await context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: _dismiss(dialog, dialogs))
        from playwright.async_api import Error as PlaywrightError

        navigation = wait_for(ctx, NAVIGATION_TIMEOUT)
        try:
            await page.goto(ctx.target.url, wait_until="commit", timeout=navigation * 1000)
        except PlaywrightError as exc:  # the browser probe tells why; here there is just no form to fill
            evidence.error_text = [ctx.resources.explain(ctx.target.host, net_error(str(exc.message)))]
            return
        await wait_for_form(page, wait_for(ctx, FORM_WAIT))
        fields = await find_fields(page, profile)
        if fields is None:
            return
        evidence.form = fields.how
        evidence.timings_ms["form"] = watch.ms()
        before = (await read_view(page)).text
        password = credentials.password.get_secret_value()
        first_password = password if fields.password else None
        quiet = NetworkQuiet(page)
        target = await read_form_target(page)
        evidence.steps.append(await fill_and_submit(fields, credentials.username, first_password))
        if fields.password is None:  # identifier-first: the password is asked on the next page
            await wait_for_form(page, wait_for(ctx, FORM_WAIT), quiet)
            second = await find_fields(page, profile)
            if second is not None and second.password is not None:
                before = (await read_view(page)).text
                quiet = NetworkQuiet(page)
                target = await read_form_target(page) or target
                second.username = None  # given on the first step
                evidence.steps.append(await fill_and_submit(second, None, password))
        answer_wait = wait_for(ctx, RESULT_WAIT)
        verdict, view = await _await_answer(page, before, dialogs, profile, quiet, answer_wait)
        evidence.timings_ms["answer"] = watch.ms()
        _decide(evidence, verdict, view, page.url, ctx.target.url, before, dialogs)
        if target is not None:
            await observe_submit(page, target)
            evidence.form_target = target
            evidence.outcome = "insecure_form_blocked" if target.observed else evidence.outcome
        if evidence.outcome != "success":
            evidence.screenshot = await _screenshot(ctx, page)
    finally:
        try:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(context.close(), 3.0)
        finally:  # even when cancelled while closing: no unredacted HAR is left behind
            secrets = [credentials.password.get_secret_value(), credentials.username]
            if har is not None and redact_or_remove(har, secrets):
                evidence.har = str(har)


def _dismiss(dialog: Dialog, dialogs: list[str]) -> None:
    """An `alert()` is a message too: keep its text, close it as a user would."""
    dialogs.append(dialog.message)
    asyncio.ensure_future(dialog.dismiss()).add_done_callback(_consume)


def _consume(task: asyncio.Future[None]) -> None:
    if not task.cancelled():
        task.exception()  # a page closed under the dialog: nothing left to dismiss


async def _await_answer(
    page: Page, before: str, dialogs: list[str], profile: Profile | None, quiet: NetworkQuiet, timeout: float
) -> tuple[Verdict | None, PageView]:
    """Read the page until it names an outcome, or has gone quiet without one (at most `timeout`)."""
    settled = asyncio.ensure_future(quiet.wait())
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    try:
        while True:
            view = await read_view(page)
            verdict = classify_lines(new_lines(before, view.text) + dialogs, profile)
            if verdict is not None and verdict.outcome != "success":
                return verdict, view
            if settled.done() or loop.time() >= end:
                return verdict, view
            await asyncio.wait({settled}, timeout=min(POLL, max(0.0, end - loop.time())))
    finally:
        settled.cancel()


def _decide(evidence: LoginEvidence, verdict: Verdict | None, view: PageView, url: str, start: str,
            before: str, dialogs: list[str]) -> None:
    password_shown = any(f.password for f in view.frames)
    moved = bare_url(url) != bare_url(start)
    alerts = [a for f in view.frames for a in f.alerts]
    fresh = new_lines(before, "\n".join(alerts)) + dialogs
    evidence.final_url, evidence.final_host = bare_url(url), host_of(url) or None
    evidence.form_after = password_shown
    if verdict is not None and verdict.outcome != "success":
        evidence.outcome = verdict.outcome
    elif not password_shown and any(f.code for f in view.frames):
        evidence.outcome = "mfa"
    elif not password_shown and (verdict is not None or moved):
        evidence.outcome = "success"
    else:
        evidence.outcome = "unknown"
        verdict = None
    if verdict is not None:
        evidence.message, evidence.matched = verdict.message, verdict.pattern
    elif evidence.outcome == "unknown":
        said = fresh or new_lines(before, view.text)
        evidence.message = said[0] if said else None
    evidence.error_text = list(dict.fromkeys(([evidence.message] if evidence.message else []) + fresh))[:10]


async def _screenshot(ctx: ProbeContext, page: Page) -> str | None:
    if not artifacts_wanted(ctx):
        return None
    path = artifact_path(ctx, "login", "png")
    masks = [f.locator(f"input[type=password], [{ATTRIBUTE}]") for f in page.frames]
    try:
        await page.screenshot(path=str(path), mask=masks, timeout=3000)
    except Exception:  # noqa: BLE001 - no screenshot is a loss for support, not for the diagnosis
        path.unlink(missing_ok=True)
        return None
    return str(path)


def _scrub(text: str, secrets: list[str]) -> str:
    """The password removed wherever it appears; the user name only where it stands as a name.

    `secrets` is [password, user name]. A user name that is also a plain word ("admin",
    "locked") is left in the portal's sentences, so it cannot hide what the portal said;
    one that looks like an identifier (digits, '@', '.', '_' or '-') is masked as a whole token.
    """
    password, *names = secrets
    if password:
        text = text.replace(password, REDACTED)
    for name in names:
        if name and re.search(r"[\d@._-]", name):
            text = re.sub(rf"(?<![\w.@-]){re.escape(name)}(?![\w@-])", REDACTED, text)
    return text


def _scrub_all(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        return _scrub(value, secrets)
    if isinstance(value, dict):
        return {k: _scrub_all(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_all(v, secrets) for v in value]
    return value


def _scrubbed(evidence: LoginEvidence, secrets: list[str]) -> LoginEvidence:
    """The evidence with every credential replaced, wherever a page echoed it back."""
    return LoginEvidence.model_validate(_scrub_all(evidence.model_dump(), secrets))
