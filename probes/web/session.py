"""One Chromium per run, launched at the start and shared by the `browser` and `login` probes.

Starting Playwright's driver and Chromium is the slowest step of a diagnosis, so the
command line launches it from the options alone (`LaunchPlan`, `start_launch`) before the
rest of the agent has loaded, and the first probe that needs it takes that launch up;
the other awaits the same one. Nothing the probes find is needed to launch: names go
through the run's resolvers by `ResolvingRelay` when the browser connects, and trust is
the `--ca-bundle` in a throwaway NSS database. Each probe then works in a fresh context.

A caller that keeps one browser across runs (the exporter) lends its own
`BrowserSession` through `RunResources(browser=...)`: it is used as it is and left open, and
the run's resolvers and CA bundle do not apply to it. A browser launched for the run is
ended when `ctx.resources` close, at the end of every run, on the deadline and on
interrupts too: its processes are killed (`BrowserSession.end_now`), then the run's
driver stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from probes.web.discovery import BrowserInfo, BrowserUnavailable, find_browser, read_version
from probes.web.driver import STOP_TIMEOUT, spawn_driver, stop_driver
from probes.web.flags import BASE_ARGS, context_proxy, needs_no_sandbox
from probes.web.relay import ResolvingRelay
from probes.web.trust import CERTUTIL_WAIT, FIX, TrustUnavailable, browser_env, bundle_home

if TYPE_CHECKING:
    import psutil
    from playwright.async_api import Browser, BrowserContext, Playwright

    from probes.base import ProbeContext
    from probes.resources import RunResources

LAUNCH_TIMEOUT = 15.0
END_TIMEOUT = 0.5  # for the killed browser's processes to die, and again to remove its profile
DEATH_POLL = 0.002  # seconds between looks: a killed process is gone within a millisecond or two
PROFILE_PREFIX = "playwright_chromiumdev_profile-"  # Playwright's throwaway --user-data-dir, in the temporary folder
VIEWPORT = {"width": 1280, "height": 900}


@dataclass
class BrowserSession:
    """A launched browser, the Playwright driver behind it, and what support needs to know about it."""

    playwright: Playwright
    browser: Browser
    info: BrowserInfo
    user_agent: str | None = None
    process: NamedProcess | None = None  # None: the driver's stop closes the browser

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

    async def end_now(self) -> None:
        """Kill the browser's processes, rather than close it: at the end of a run it holds nothing worth a
        graceful shutdown (its contexts closed, writing the HAR; the screenshot is on disk), which takes
        Chromium some 60 ms and its CPU. The driver, stopped next, sees it gone and removes its temporary
        profile. Its process is the one Chromium named as the browser's at launch."""
        if self.process is not None:
            await asyncio.to_thread(_kill_tree, self.process)


@dataclass(frozen=True)
class NamedProcess:
    """The browser's own process, as Chromium named it at launch, and when: a process that took the same id
    since (the browser crashed long before the end) started later, and is not killed."""

    pid: int
    named_at: float  # time.time()


@dataclass(frozen=True)
class LaunchPlan:
    """What a run's browser is launched with, known from the options alone: so it can start before any probe."""

    browser: str | None
    ca_bundle: Path | None
    through_relay: bool  # names resolved by the run's resolvers (`--dns-server`), through `ResolvingRelay`
    pac_url: str | None = None

    @classmethod
    def make(cls, browser: str | None, ca_bundle: Path | None, dns_servers: bool,
             pac_url: str | None = None) -> LaunchPlan:
        # Chromium evaluates a PAC itself; the relay would take the place of its answer, so not both
        return cls(browser, ca_bundle.resolve() if ca_bundle else None, dns_servers and not pac_url, pac_url)

    @classmethod
    def of(cls, ctx: ProbeContext) -> LaunchPlan:
        pac = ctx.proxy.pac_url if ctx.proxy.pac_url and not ctx.proxy.proxies else None
        return cls.make(ctx.config.browser, ctx.config.ca_bundle, bool(ctx.config.dns_servers), pac)


def start_launch(resources: RunResources, plan: LaunchPlan, wait: float = CERTUTIL_WAIT,
                 pinning: Callable[[], Awaitable[str | None]] | None = None) -> None:
    """Launch the run's browser now, even before the run's context exists; `get_browser` takes it up.

    `wait` bounds building the CA bundle's database; `pinning` gives Chromium's own host
    mapping when the relay cannot be used. Whatever happens, the launch is given up and
    its browser closed when `resources` close.
    """
    starting = resources.driver_started(spawn_driver, stop_driver)
    relay = resources.relay = ResolvingRelay() if plan.through_relay else None
    launch = resources.launch = asyncio.ensure_future(
        _launch_planned(resources, plan, relay, starting, wait, pinning))
    resources.launch_plan = plan
    resources.on_close(lambda: _end_launch(launch, relay))


async def get_browser(ctx: ProbeContext) -> BrowserSession:
    """The run's browser: the caller's shared one, the one launched early, or one launched now (once per run).

    Raises BrowserUnavailable when no browser is found or it does not start.
    """
    resources = ctx.resources
    if resources.lent_browser is not None:
        return resources.lent_browser
    plan = LaunchPlan.of(ctx)
    if resources.launch is not None and resources.launch_plan != plan:
        await _give_up(resources, resources.launch)  # launched before the proxy settings were read: a PAC
    if resources.launch is None:
        # with a PAC, Chromium resolves DIRECT names itself: the portal is mapped to the run's answer for it
        pinning = partial(_portal_rule, ctx) if plan.pac_url and ctx.config.dns_servers else None
        start_launch(resources, plan, ctx.time_left(CERTUTIL_WAIT), pinning)
    if resources.relay is not None:
        from probes.web.resolving import run_resolver  # the run's resolvers: loaded once the agent is

        resources.relay.bind(run_resolver(ctx), ctx.answer_wait())
    return await asyncio.shield(resources.launch)  # type: ignore[arg-type]


async def _portal_rule(ctx: ProbeContext) -> str | None:
    """`MAP portal address` from the run's resolvers (`~NOTFOUND` when they gave none), for Chromium's own mapping."""
    from probes.web.resolving import portal_addresses

    addresses = await portal_addresses(ctx)
    if addresses is None:
        return None
    address = addresses[0] if addresses else "~NOTFOUND"
    return f"MAP {ctx.target.host} {f'[{address}]' if ':' in address else address}"


async def launch_shared(choice: str | None = None, args: Sequence[str] = BASE_ARGS) -> BrowserSession:
    """A browser for a caller that shares one across runs (and closes it with `aclose`).

    Raises BrowserUnavailable when no browser is found or it does not start.
    """
    info = find_browser(choice)
    playwright = await spawn_driver()
    try:
        return await _launch(playwright, info, args, browser_env(None))
    except BaseException:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(playwright.stop(), STOP_TIMEOUT)
        raise


async def _launch_planned(resources: RunResources, plan: LaunchPlan, relay: ResolvingRelay | None,
                          starting: asyncio.Future[Playwright], wait: float,
                          pinning: Callable[[], Awaitable[str | None]] | None) -> BrowserSession:
    """Find the browser and build its trust while the driver starts, then launch."""
    info = find_browser(plan.browser)
    args = list(BASE_ARGS)
    if relay is not None:
        await relay.start()
        args.append(relay.proxy_flag)
    if plan.pac_url:
        args.append(f"--proxy-pac-url={plan.pac_url}")
    rule = await pinning() if pinning is not None else None
    if rule:
        args.append(f"--host-resolver-rules={rule}")
    try:
        home = await bundle_home(resources, plan.ca_bundle, wait)
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
    session.user_agent, session.process = await _browser_facts(browser)
    return session


async def _browser_facts(browser: Browser) -> tuple[str | None, NamedProcess | None]:
    """The browser's user agent as a workstation's would send it (without the 'Headless' marker), and its
    own process: asked together now, so ending the run needs no round trip to the browser."""
    try:
        cdp = await browser.new_browser_cdp_session()  # left open: it closes with the browser, one round trip less
        version, processes = await asyncio.gather(cdp.send("Browser.getVersion"), cdp.send("SystemInfo.getProcessInfo"))
    except Exception:  # noqa: BLE001 - the default user agent is a fallback, and the driver's stop can end the browser
        return None, None
    agent = str(version.get("userAgent") or "").replace("HeadlessChrome/", "Chrome/") or None
    pid = next((p.get("id") for p in processes.get("processInfo", []) if p.get("type") == "browser"), None)
    return agent, NamedProcess(pid, time.time()) if isinstance(pid, int) else None


async def _cancel_launch(launch: asyncio.Future[BrowserSession], relay: ResolvingRelay | None) -> None:
    """Give up a launch still under way, and close the relay."""
    if not launch.done():
        launch.cancel()
    with contextlib.suppress(BaseException):
        await launch
    if relay is not None:
        await relay.aclose()


async def _end_launch(launch: asyncio.Future[BrowserSession], relay: ResolvingRelay | None) -> None:
    """End-of-run cleanup, before the driver stops: the launch given up, or its browser ended at once."""
    await _cancel_launch(launch, relay)
    if not launch.cancelled() and launch.exception() is None:
        await launch.result().end_now()


def _kill_tree(named: NamedProcess) -> None:
    """Kill the named process and every process under it (Chromium's renderers, GPU and network processes), then
    remove its throwaway profile: the driver removes it too, but a driver that exits soon after (a loaded
    machine) can leave it half removed in the temporary folder."""
    import psutil  # only at the end of a run with a browser

    try:
        root = psutil.Process(named.pid)
        if root.create_time() > named.named_at:
            return
        processes = [root, *root.children(recursive=True)]
        profile = _throwaway_profile(root.cmdline())
    except psutil.Error:
        return
    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.kill()
    deadline = time.monotonic() + END_TIMEOUT
    while time.monotonic() < deadline and any(_alive(p) for p in processes):  # nothing writes into it meanwhile
        time.sleep(DEATH_POLL)
    while profile is not None and time.monotonic() < deadline + END_TIMEOUT:
        shutil.rmtree(profile, ignore_errors=True)
        if not profile.exists():
            break
        time.sleep(DEATH_POLL)  # then again: the driver, removing it at the same moment, held a part


def _alive(process: psutil.Process) -> bool:
    """Still running: a killed process its parent has not reaped yet (a zombie) writes nothing more."""
    import psutil

    try:
        return bool(process.status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def _throwaway_profile(arguments: Sequence[str]) -> Path | None:
    """The `--user-data-dir` Playwright made for this launch in the temporary folder; None for any other."""
    folder = next((Path(a.split("=", 1)[1]) for a in arguments if a.startswith("--user-data-dir=")), None)
    if folder is None or folder.parent != Path(tempfile.gettempdir()) or not folder.name.startswith(PROFILE_PREFIX):
        return None
    return folder


async def _give_up(resources: RunResources, launch: asyncio.Future[BrowserSession]) -> None:
    """Close the browser launched with a plan the run turned out not to want; the driver stays."""
    relay = resources.relay
    resources.launch = resources.relay = resources.launch_plan = None
    await _cancel_launch(launch, relay)
    if not launch.cancelled() and launch.exception() is None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(launch.result().browser.close(), STOP_TIMEOUT)
