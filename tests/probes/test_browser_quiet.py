"""The diagnosis browser talks to the portal and nothing else: every request goes through a logging proxy.

The proxy is the browser's own (`--proxy-server`, loopback included), so Chromium's
background services would show up there too, with their host names. Chromium 156 keeps
two requests no switch stops (listed with their reasons in probes/web/data/quiet.toml).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from demo.proxy_server import ProxyServer
from demo.web import WebServer
from probes.browser.probe import BrowserProbe
from probes.web.flags import BASE_ARGS, UNSWITCHABLE_HOSTS
from probes.web.session import launch_shared
from tests.probes.browser_support import context, needs_chromium, portal_routes

pytestmark = needs_chromium
SETTLE = 4.0  # background services start within a few seconds of launch


def _host(request_line: str) -> str:
    target = request_line.split()[1]
    return (urlsplit(target).hostname if "://" in target else target.rpartition(":")[0]) or ""


async def test_a_browser_run_sends_only_the_portals_traffic(tmp_path: Path) -> None:
    with ProxyServer("forward") as proxy, WebServer(portal_routes()) as server:
        session = await launch_shared(None, [*BASE_ARGS, f"--proxy-server={proxy.url}", "--proxy-bypass-list=<-loopback>"])
        try:
            ctx = context(server.url("/login"), tmp_path, session)
            async with ctx.resources:
                result = await BrowserProbe().run(ctx)
            await asyncio.sleep(SETTLE)
        finally:
            await session.aclose()
    assert result.status == "pass", result.summary
    hosts = [_host(line) for line in proxy.requests]
    assert "127.0.0.1" in hosts  # the portal itself went through the proxy
    others = sorted({h for h in hosts if h != "127.0.0.1"} - set(UNSWITCHABLE_HOSTS))
    assert others == [], proxy.requests


@pytest.mark.parametrize("flag", ["--disable-features=", "--disable-background-networking", "--no-pings"])
def test_the_quiet_flags_are_passed(flag: str) -> None:
    assert any(arg.startswith(flag) for arg in BASE_ARGS)
    assert sum(arg.startswith("--disable-features=") for arg in BASE_ARGS) == 1  # Chromium keeps only the last
