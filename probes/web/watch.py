"""Everything a page does while it loads, recorded from the browser's events.

Uncaught script errors, console errors, requests that failed (with Chromium's
`net::ERR_*` name) or answered 4xx/5xx, the documents the top frame went through (the
redirect chain, identity providers included), and the cookies the servers tried to
set. URLs are kept without query or fragment: those carry tokens and SAML assertions.
"""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

import asyncio
import contextlib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel

if TYPE_CHECKING:
    from playwright.async_api import ConsoleMessage, Error, Page, Request, Response

MAX_ITEMS = 25
MAX_MESSAGE = 300
# resource types whose failure can stop a login page from working (images and fonts cannot)
REQUIRED_TYPES = frozenset({"script", "stylesheet", "document", "xhr", "fetch"})
_COOKIE_TYPES = frozenset({"document", "xhr", "fetch"})


def bare_url(url: str) -> str:
    """`url` without query and fragment, the part safe to quote in a report."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split("?", 1)[0].split("#", 1)[0]
    return urlunsplit(parts._replace(query="", fragment=""))


def net_error(message: str) -> str:
    """Chromium's `net::ERR_*` name in a navigation error message, else its first line (no URL: it may carry tokens)."""
    match = re.search(r"net::ERR_[A-Z0-9_]+", message)
    if match:
        return match.group(0)
    first = (message.strip().splitlines() or [""])[0]
    return first.split(": ", 1)[-1].split(" at ", 1)[0].strip()


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


class FailedRequest(BaseModel):
    """A request that got no usable answer: its host, resource type, URL (no query) and what happened."""

    host: str
    resource_type: str
    url: str
    error: str

    @property
    def required(self) -> bool:
        return self.resource_type in REQUIRED_TYPES


class PageWatch:
    """Subscribes to a page's events for its whole life; read the fields once the page settled.

    `explain(host, error)` renames an error the way the workstation's browser would show
    it (the run's relay knows why it refused a connection; Chromium only says SOCKS).
    """

    def __init__(self, page: "Page", explain: Callable[[str, str], str] | None = None) -> None:
        self.page = page
        self.explain = explain or (lambda _host, error: error)
        self.page_errors: list[str] = []
        self.console_errors: list[str] = []
        self.failed: list[FailedRequest] = []
        self.documents: list[str] = []  # top-frame documents requested, in order (no query)
        self.navigation_error: str | None = None
        self.navigation_error_url: str | None = None
        self.main_status: int | None = None
        self.cookies_sent: list[tuple[str, str]] = []  # (host, Set-Cookie line) from documents and API calls
        self._pending: set[asyncio.Task[None]] = set()
        page.on("pageerror", self._page_error)
        page.on("console", self._console)
        page.on("request", self._request)
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)

    def _is_top_document(self, request: "Request") -> bool:
        try:
            return request.is_navigation_request() and request.frame == self.page.main_frame
        except Exception:  # noqa: BLE001 - a service worker's request has no frame
            return False

    def _page_error(self, error: "Error") -> None:
        if len(self.page_errors) < MAX_ITEMS:
            name = getattr(error, "name", None) or "Error"
            self.page_errors.append(f"{name}: {error.message}"[:MAX_MESSAGE])

    def _console(self, message: "ConsoleMessage") -> None:
        text = message.text
        # Chromium's own "Failed to load resource" lines repeat what `failed` records with more detail
        if message.type == "error" and not text.startswith("Failed to load resource") \
                and len(self.console_errors) < MAX_ITEMS:
            self.console_errors.append(text[:MAX_MESSAGE])

    def _request(self, request: "Request") -> None:
        if self._is_top_document(request) and len(self.documents) < MAX_ITEMS:
            url = bare_url(request.url)
            if not self.documents or self.documents[-1] != url:
                self.documents.append(url)

    def _request_failed(self, request: "Request") -> None:
        error = self.explain(host_of(request.url), request.failure or "failed")
        if self._is_top_document(request):
            self.navigation_error, self.navigation_error_url = error, bare_url(request.url)
        elif "ERR_ABORTED" not in error:  # aborted: the page moved on, nothing failed
            self._add_failure(request, error)

    def _response(self, response: "Response") -> None:
        request = response.request
        if self._is_top_document(request):
            self.main_status = response.status
        elif response.status >= 400:
            self._add_failure(request, f"HTTP {response.status}")
        if request.resource_type in _COOKIE_TYPES:
            task = asyncio.ensure_future(self._read_cookies(response))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _read_cookies(self, response: "Response") -> None:
        with contextlib.suppress(Exception):
            for line in await response.header_values("set-cookie"):
                if len(self.cookies_sent) < MAX_ITEMS:
                    self.cookies_sent.append((host_of(response.url), line))

    def _add_failure(self, request: "Request", error: str) -> None:
        if len(self.failed) < MAX_ITEMS:
            self.failed.append(FailedRequest(
                host=host_of(request.url), resource_type=request.resource_type, url=bare_url(request.url),
                error=error,
            ))

    async def drain(self, timeout: float = 1.0) -> None:
        """Wait (bounded) for the Set-Cookie headers still being read."""
        if self._pending:
            await asyncio.wait(list(self._pending), timeout=timeout)
        for task in list(self._pending):
            task.cancel()

    @property
    def redirect_hosts(self) -> list[str]:
        """The distinct hosts the top frame went through, in order."""
        return list(dict.fromkeys(h for h in map(host_of, self.documents) if h))
