"""Shared by the browser and login tests: real Chromium, pages on loopback, nothing else reachable.

One browser is launched per test module and handed to each probe run the way the
exporter hands over its shared browser; a few tests launch their own to cover the
per-run launch. The test browser maps every host name but loopback to "not found",
so a page that names another host (a CDN, an identity provider) never makes the
browser ask the machine's resolver.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from demo.web import Page
from probes.base import ProbeContext, RunConfig
from probes.net.proxy_settings import ProxySettings
from probes.resources import RunResources
from probes.target import Target
from probes.web.discovery import BrowserUnavailable, find_browser
from probes.web.flags import BASE_ARGS
from probes.web.session import BrowserSession, launch_shared

PAGES = Path(__file__).resolve().parent.parent / "pages"
LOOPBACK_ONLY = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"


def _chromium() -> str | None:
    try:
        return find_browser().path
    except BrowserUnavailable:
        return None


CHROMIUM = _chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium-family browser on this machine (CI installs Debian's chromium)"
)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_browser() -> AsyncIterator[BrowserSession]:
    session = await launch_shared(None, [*BASE_ARGS, LOOPBACK_ONLY])
    try:
        yield session
    finally:
        await session.aclose()


def page(name: str, **fill: str) -> Page:
    """A page from tests/pages, with `{{KEY}}` placeholders filled in."""
    text = (PAGES / name).read_text(encoding="utf-8")
    for key, value in fill.items():
        text = text.replace("{{" + key + "}}", value)
    kind = "application/javascript" if name.endswith(".js") else "text/html; charset=utf-8"
    return Page(text, content_type=kind)


def portal_routes(**extra: Page) -> dict[str, Page]:
    """A healthy portal: the login page and the script and style it loads; `extra` adds or replaces routes."""
    routes = {
        "/login": page("login.html"),
        "/app.js": Page("document.documentElement.dataset.ready = 'yes';", content_type="application/javascript"),
        "/app.css": Page("body { font-family: sans-serif; }", content_type="text/css"),
    }
    return routes | extra


def context(url: str, tmp_path: Path, session: BrowserSession | None = None, **config: Any) -> ProbeContext:
    """A run's context for `url`, writing its files under `tmp_path`, using `session` when given."""
    return ProbeContext(Target.parse(url), RunConfig(output_dir=tmp_path / "out", **config), proxy=ProxySettings(),
                        resources=RunResources(browser=session))


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def descendants() -> list[tuple[int, str]]:
    """(pid, name) of every live process below this one, read from /proc."""
    parents: dict[int, tuple[int, str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z":
            parents[int(entry)] = (int(fields[1]), name)
    mine = {os.getpid()}
    grew = True
    while grew:
        grew = False
        for pid, (ppid, _) in parents.items():
            if ppid in mine and pid not in mine:
                mine.add(pid)
                grew = True
    return [(pid, parents[pid][1]) for pid in sorted(mine - {os.getpid()})]
