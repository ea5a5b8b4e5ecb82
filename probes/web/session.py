"""One Chromium per run, launched at the start and shared by the `browser` and `login` probes.

Starting Playwright's driver and Chromium is the slowest step of a diagnosis, so the
first probe that needs the browser launches it at once, while the network probes run,
and the other awaits the same launch. Each probe then works in a fresh context.

A caller that keeps one browser across runs (the exporter) lends its own
`BrowserSession` through `RunResources(browser=...)`: it is used as it is and left open, and
the run's resolver rules (`launch_args`) and CA bundle (`bundle_home`) do not apply to it. A
browser launched for the run is closed by stopping the run's driver
(`browser_driver`), which `ctx.resources` does at the end of every run, on the
deadline and on interrupts too.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from probes.web.discovery import BrowserInfo, BrowserUnavailable, find_browser, read_version
from probes.web.driver import STOP_TIMEOUT, start_driver
from probes.web.flags import BASE_ARGS, context_proxy, launch_args, needs_no_sandbox
from probes.web.trust import FIX, TrustUnavailable, browser_env, bundle_home

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Playwright

    from probes.base import ProbeContext

LAUNCH_TIMEOUT = 15.0
VIEWPORT = {"width": 1280, "height": 900}


@dataclass
class BrowserSession:
    """A launched browser, the Playwright driver behind it, and what support needs to know about it."""

    playwright: Playwright
    browser: Browser
    info: BrowserInfo
    user_agent: str | None = None

    async def new_context(self, ctx: ProbeContext, har_path: Path | None = None) -> BrowserContext:
        """A fresh context routed like the workstation, recording a HAR (no bodies) when asked."""
        options: dict[str, Any] = {"viewport": VIEWPORT, "proxy": context_proxy(ctx, ctx.target.url)}
        if self.user_agent:
            options["user_agent"] = self.user_agent
        if har_path is not None:
            options |= {"record_har_path": str(har_path), "record_har_content": "omit"}
        return await self.browser.new_context(**options)

    async def aclose(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop the driver, bounded: it closes every browser it started before it exits."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.playwright.stop(), timeout)


async def get_browser(ctx: ProbeContext) -> BrowserSession:
    """The run's browser: the caller's shared one, or one launched now (at most once per run).

    Raises BrowserUnavailable when no browser is found or it does not start.
    """
    resources = ctx.resources
    if resources.lent_browser is not None:
        return resources.lent_browser
    if resources.launch is None:
        info = find_browser(ctx.config.browser)
        starting = start_driver(ctx)
        launch = resources.launch = asyncio.ensure_future(_launch_for_run(ctx, info, starting))
        resources.on_close(lambda: _cancel_launch(launch))
    return await asyncio.shield(resources.launch)


async def launch_shared(choice: str | None = None, args: Sequence[str] = BASE_ARGS) -> BrowserSession:
    """A browser for a caller that shares one across runs (and closes it with `aclose`).

    Raises BrowserUnavailable when no browser is found or it does not start.
    """
    from playwright.async_api import async_playwright

    info = find_browser(choice)
    playwright = await async_playwright().start()
    try:
        return await _launch(playwright, info, args, browser_env(None))
    except BaseException:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(playwright.stop(), STOP_TIMEOUT)
        raise


async def _launch_for_run(ctx: ProbeContext, info: BrowserInfo, starting: asyncio.Future[Playwright]) -> BrowserSession:
    """Work out the run's flags (they may wait for the dns probe) and trust while the driver starts, then launch."""
    try:
        args, home = await asyncio.gather(launch_args(ctx), bundle_home(ctx))
    except TrustUnavailable as exc:
        raise BrowserUnavailable(str(exc), FIX, info) from None
    return await _launch(await asyncio.shield(starting), info, args, browser_env(home))


async def _launch(
    playwright: Playwright, info: BrowserInfo, args: Sequence[str], env: dict[str, str | float | bool]
) -> BrowserSession:
    sandbox = not needs_no_sandbox()
    try:
        try:
            browser = await playwright.chromium.launch(
                executable_path=info.path, args=list(args), headless=True, env=env,
                chromium_sandbox=sandbox, timeout=LAUNCH_TIMEOUT * 1000,
            )
        except Exception:
            if not (sandbox and sys.platform.startswith("linux")):
                raise
            # a Linux without unprivileged user namespaces cannot start the sandbox: without it, then
            browser = await playwright.chromium.launch(
                executable_path=info.path, args=list(args), headless=True, env=env,
                chromium_sandbox=False, timeout=LAUNCH_TIMEOUT * 1000,
            )
    except Exception as exc:
        version = await read_version(info.path)
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise BrowserUnavailable(
            f"{info.title} at {info.path} did not start: {first_line}",
            "pass --browser with another Chrome, Chromium or Edge, or reinstall this one",
            info.with_version(version),
        ) from None
    session = BrowserSession(playwright, browser, info.with_version(browser.version))
    session.user_agent = await _user_agent(browser)
    return session


async def _user_agent(browser: Browser) -> str | None:
    """The browser's user agent as a workstation's would send it: without the 'Headless' marker."""
    try:
        cdp = await browser.new_browser_cdp_session()
        version = await cdp.send("Browser.getVersion")
        await cdp.detach()
    except Exception:  # noqa: BLE001 - the default user agent is a fallback, not a failure
        return None
    agent = str(version.get("userAgent") or "")
    return agent.replace("HeadlessChrome/", "Chrome/") or None


async def _cancel_launch(launch: asyncio.Future[BrowserSession]) -> None:
    """End-of-run cleanup, before the driver stops: a launch still under way is given up."""
    if not launch.done():
        launch.cancel()
    with contextlib.suppress(BaseException):
        await launch
