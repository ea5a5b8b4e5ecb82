"""The `browser` probe: a real Chromium loads the login page, and what it sees is recorded.

Most logins that "don't work" fail inside the browser: a script that throws, a resource
from a host that does not resolve, a page that rejects the browser, cookies refused,
an identity provider that never answers. The browser is launched at the very start (it
is the slowest step, and overlaps every other probe); the page is watched until a
visible password field appears, or until it settles without one, never for a fixed
time. A screenshot and a redacted HAR are left for support. What the evidence means is
decided in `browser_findings`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from probes.base import ProbeContext, ProbeResult
from probes.browser.evidence import BrowserEvidence
from probes.browser.rules import classify, maintenance_matches, summarize, unchecked
from probes.evidence import Stopwatch, status_from
from probes.web.artifacts import artifact_path, artifacts_wanted
from probes.web.discovery import BrowserUnavailable
from probes.web.har_redact import redact_or_remove
from probes.web.insecure_form import read_form_target
from probes.web.page_checks import (
    FORM_WAIT,
    NAVIGATION_TIMEOUT,
    find_wording,
    read_view,
    settle,
    wait_for,
    wait_for_form,
)
from probes.web.page_gate import unless_hung
from probes.web.session import BrowserSession, get_browser
from probes.web.watch import PageWatch, bare_url, host_of, net_error

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page

SCREENSHOT_TIMEOUT = 3.0
ERROR_PAGE_WAIT = 2.0
CLOSE_TIMEOUT = 3.0


class BrowserProbe:
    name: ClassVar[str] = "browser"
    depends_on: ClassVar[tuple[str, ...]] = ("dns", "network", "tls", "http")
    budget: ClassVar[float] = 0.8  # of --timeout

    async def run(self, ctx: ProbeContext) -> ProbeResult:
        watch = Stopwatch()
        evidence = BrowserEvidence(url=bare_url(ctx.target.url))
        outcome = await unless_hung(ctx, self._look(ctx, evidence, watch))
        if isinstance(outcome, str):
            return ProbeResult(name=self.name, status="skip", summary=f"stopped waiting for the page ({outcome})",
                               reason=f"the page cannot load: {outcome}", evidence=evidence, duration_ms=watch.ms())
        return outcome

    async def _look(self, ctx: ProbeContext, evidence: BrowserEvidence, watch: Stopwatch) -> ProbeResult:
        try:
            session = await get_browser(ctx)
        except BrowserUnavailable as exc:
            evidence.browser = exc.info.support() if exc.info else {}
            return ProbeResult(name=self.name, status="error", summary="no browser could be started",
                               reason=f"{exc}; fix: {exc.fix}", evidence=evidence, duration_ms=watch.ms())
        evidence.browser = session.info.support()
        evidence.timings_ms["launch"] = watch.ms()
        try:
            gate = await _load(ctx, session, evidence, watch)
        except Exception as exc:  # noqa: BLE001 - a browser that crashes mid-page is "could not check"
            return ProbeResult(name=self.name, status="error", summary="the browser failed while loading the page",
                               reason=_first_line(exc),
                               evidence=evidence, duration_ms=watch.ms())
        if gate is not None:
            return ProbeResult(name=self.name, status="skip", summary=gate, reason=gate, evidence=evidence,
                               duration_ms=watch.ms())
        findings = classify(evidence, ctx.target.host, ctx.config.profile, ctx.now(),
                            proxied=ctx.proxy.for_url(ctx.target.url) is not None)
        reason = unchecked(evidence, findings)
        status = "error" if reason is not None else status_from(findings)
        return ProbeResult(name=self.name, status=status, summary=summarize(evidence), reason=reason,
                           evidence=evidence, findings=findings, duration_ms=watch.ms())


async def _load(ctx: ProbeContext, session: BrowserSession, evidence: BrowserEvidence, watch: Stopwatch) -> str | None:
    """Open a page and visit the portal; or, when the network probe found it unreachable, why not (nothing fetched).

    The page opens while that is being decided: starting its renderer takes a few hundred
    milliseconds that would otherwise follow the network probe. A HAR is kept only of a visit.
    """
    har = artifact_path(ctx, "browser", "har") if artifacts_wanted(ctx) else None
    context = await session.new_context(ctx, har)
    gate: str | None = None
    try:
        gate, page = await asyncio.gather(ctx.unreachable(), context.new_page())
        if gate is None:
            await _visit(ctx, context, page, evidence, watch)
        return gate
    finally:
        try:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(context.close(), CLOSE_TIMEOUT)
        finally:  # even when cancelled while closing: no unredacted HAR is left behind
            if har is not None and gate is not None:
                har.unlink(missing_ok=True)
            elif har is not None and redact_or_remove(har, _secrets(ctx)):
                evidence.har = str(har)


async def _visit(
    ctx: ProbeContext, context: BrowserContext, page: Page, evidence: BrowserEvidence, watch: Stopwatch
) -> None:
    context.set_default_timeout(FORM_WAIT * 1000)
    events = PageWatch(page, ctx.resources.explain)
    # one file, written again if the page is looked at twice
    shot = artifact_path(ctx, "browser", "png") if artifacts_wanted(ctx) else None
    await _navigate(page, ctx.target.url, events, wait_for(ctx, NAVIGATION_TIMEOUT))
    evidence.timings_ms["commit"] = watch.ms()
    if events.navigation_error is not None:
        with contextlib.suppress(Exception):  # Chromium's own error page is what the user sees: let it show
            await page.wait_for_url(lambda url: url.startswith("chrome-error:"), timeout=ERROR_PAGE_WAIT * 1000)
    shown = events.navigation_error is None and await wait_for_form(page, wait_for(ctx, FORM_WAIT))
    evidence.timings_ms["form" if shown else "settled"] = watch.ms()
    # the form's target is read with the view, not after it: it is kept only if the view holds a login form
    view, _, evidence.screenshot, target = await asyncio.gather(
        read_view(page), _record_cookies(context, events, evidence), _screenshot(page, shot, evidence),
        read_form_target(page),
    )
    evidence.login_form, frame = view.form()
    if shown and frame is not None and not frame.usable:
        # the field showed before the page's scripts ran (they often enable the button): look again once settled
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(settle(page), wait_for(ctx, FORM_WAIT))
        view, again, target = await asyncio.gather(
            read_view(page), _screenshot(page, shot, evidence), read_form_target(page)
        )
        evidence.screenshot = again or evidence.screenshot
        evidence.login_form, frame = view.form()
    if evidence.screenshot is None and shot is not None:
        # one more try: a capture can fail while Chromium swaps in its own error page's process
        evidence.screenshot = await _screenshot(page, shot, evidence)
        if evidence.screenshot is None:
            shot.unlink(missing_ok=True)
    evidence.login_form_frame = bare_url(frame.url) if frame else None
    evidence.login_form_usable = frame.usable if frame else None
    evidence.wording = find_wording(view.text)
    evidence.maintenance = maintenance_matches(view.text, ctx.config.profile)
    evidence.cookies.enabled, evidence.cookies.test_write = view.cookie_enabled, view.cookie_write
    evidence.form_target = target if evidence.login_form else None
    _copy_events(events, evidence, page.url)


async def _navigate(page: Page, url: str, events: PageWatch, timeout: float) -> None:
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    try:
        await page.goto(url, wait_until="commit", timeout=timeout * 1000)
    except PlaywrightTimeout:
        events.navigation_error = events.navigation_error or "timeout"
        events.navigation_error_url = events.navigation_error_url or bare_url(url)
    except PlaywrightError as exc:
        if events.navigation_error is None:
            error = events.explain(host_of(url), net_error(str(exc.message)))
            events.navigation_error, events.navigation_error_url = error, bare_url(url)


async def _record_cookies(context: BrowserContext, events: PageWatch, evidence: BrowserEvidence) -> None:
    await events.drain()
    stored = await context.cookies()
    evidence.cookies.stored = len(stored)
    names = {c["name"] for c in stored}
    own_hosts = set(events.redirect_hosts)  # cookies of the login's own hosts, not third parties'
    for host, line in events.cookies_sent:
        if host not in own_hosts:
            continue
        name, attributes = _cookie_name(line)
        if name and name not in names and not _is_deletion(attributes) and name not in evidence.cookies.rejected:
            evidence.cookies.rejected.append(name)


def _cookie_name(line: str) -> tuple[str, str]:
    first, _, attributes = line.partition(";")
    name, _, value = first.partition("=")
    return name.strip(), (attributes.lower() + (" max-age=0" if not value.strip() else ""))


def _is_deletion(attributes: str) -> bool:
    """A Set-Cookie that removes a cookie (empty value, Max-Age=0, an Expires in the past) is kept by nobody."""
    compact = attributes.replace(" ", "")
    return "max-age=0" in compact or "max-age=-" in compact or "expires=thu,01jan1970" in compact


async def _screenshot(page: Page, path: Path | None, evidence: BrowserEvidence) -> str | None:
    """The viewport as PNG into `path`, captured by Chromium directly (quicker than the generic screenshot);
    a failed capture leaves its reason in `evidence.screenshot_error`."""
    if path is None:
        return None
    try:
        cdp = await page.context.new_cdp_session(page)
        shot = await asyncio.wait_for(
            cdp.send("Page.captureScreenshot", {"format": "png", "optimizeForSpeed": True}), SCREENSHOT_TIMEOUT
        )
        path.write_bytes(base64.b64decode(shot["data"]))  # the session is left to close with the context
    except Exception as exc:  # noqa: BLE001 - no screenshot is a loss for support, not for the diagnosis
        evidence.screenshot_error = _first_line(exc)
        return None
    evidence.screenshot_error = None
    return str(path)


def _first_line(exc: BaseException) -> str:
    """The exception's type and the first line of its message (Playwright's go on with a call log)."""
    text = str(exc)
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


def _copy_events(events: PageWatch, evidence: BrowserEvidence, page_url: str) -> None:
    evidence.page_errors = events.page_errors
    evidence.console_errors = events.console_errors
    evidence.failed_requests = events.failed
    evidence.redirect_chain = events.documents
    evidence.redirect_hosts = events.redirect_hosts
    evidence.navigation_error = events.navigation_error
    evidence.navigation_error_url = events.navigation_error_url
    evidence.main_status = events.main_status
    final = events.documents[-1] if events.documents else bare_url(page_url)
    evidence.final_url = final
    evidence.final_host = host_of(final) or None
    texts: list[str] = []
    if events.navigation_error:
        texts.append(f"{events.navigation_error} at {events.navigation_error_url}")
    texts += [f"{f.error} loading {f.resource_type} {f.url}" for f in events.failed if f.required][:5]
    texts += events.page_errors[:5] + list(evidence.wording.values()) + [m.sentence for m in evidence.maintenance]
    evidence.error_text = list(dict.fromkeys(texts))


def _secrets(ctx: ProbeContext) -> list[str]:
    credentials = ctx.config.credentials
    if credentials is None:
        return []
    return [credentials.password.get_secret_value(), credentials.username]
