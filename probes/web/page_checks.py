"""What the loaded page shows, read inside the browser: a login form, the visible text, cookies.

The form may be rendered late by scripts or sit in an identity provider's iframe, so
the password field is awaited in every frame, including frames attached later, and the
wait ends the moment one shows. The visible text (`innerText`: no hidden elements, no
`<noscript>`) is what the wording checks read; the wording is data
(`data/browser_wording.toml`).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from probes.web.frame_scripts import LOGIN_FIELDS_JS, evaluate

if TYPE_CHECKING:
    from playwright.async_api import Frame, Page

    from probes.base import ProbeContext

PASSWORD = "input[type=password]"
FORM_WAIT = 8.0  # after the page commits, at most this long for a password field or a settled page
NAVIGATION_TIMEOUT = 10.0  # at most, until the first answer of the login URL commits
RESERVE = 1.0  # seconds a page's probe keeps back for the screenshot, the HAR and closing the context
_DATA = Path(__file__).with_name("data") / "browser_wording.toml"
MAX_TEXT = 20_000

# One frame's view: visible password / user-name inputs, and the text a user reads.
_FRAME_JS = "() => {" + LOGIN_FIELDS_JS + """  const alerts = [...document.querySelectorAll(
    '[role=alert], [aria-live], [class*=error], [class*=alert], [class*=danger], [class*=invalid], [class*=message]')]
    .filter(shown).map((e) => e.innerText.trim()).filter((t) => t && t.length < 500)
    .concat(inputs.filter((i) => i.value && !i.checkValidity()).map((i) => i.validationMessage));
  // usable: the field takes input and its form's sign-in button (if it has one) is enabled
  const usable = (field) => {
    if (!field) return false;
    if (field.disabled || field.readOnly) return false;
    const buttons = [...(field.form || document).querySelectorAll(
      'button:not([type=button]):not([type=reset]), input[type=submit], input[type=image]')].filter(shown);
    return !buttons.length || buttons.some((b) => !b.disabled && b.getAttribute('aria-disabled') !== 'true');
  };
  return {
    password: !!password,
    identifier: !!identifier,
    usable: usable(password || identifier),
    code: inputs.some((i) => i.autocomplete === 'one-time-code'
                             || /otp|totp|mfa|passcode|verif|one.?time|security.?code/i.test(`${i.name} ${i.id}`)),
    alerts: [...new Set(alerts)].slice(0, 10),
    text: document.body ? document.body.innerText.slice(0, MAX_TEXT_LENGTH) : '',
  };
}""".replace("MAX_TEXT_LENGTH", str(MAX_TEXT))

# Can this page store a cookie? Written, read back, removed.
_COOKIE_JS = """() => {
  let write = false;
  try {
    document.cookie = '__diagnose_check=1; path=/';
    write = document.cookie.includes('__diagnose_check=1');
    document.cookie = '__diagnose_check=; max-age=0; path=/';
  } catch (e) { write = false; }
  return {enabled: navigator.cookieEnabled, write};
}"""


class FrameView(BaseModel):
    url: str
    password: bool = False
    identifier: bool = False
    usable: bool = Field(default=False, description="the form's field takes input and its button is enabled")
    code: bool = Field(default=False, description="a one-time-code input (a second factor) is shown")
    alerts: list[str] = Field(default=[], description="text of alert and error-message elements")
    text: str = ""


class PageView(BaseModel):
    """Every frame's view, and whether the top document could store a cookie."""

    frames: list[FrameView]
    cookie_enabled: bool | None = None
    cookie_write: bool | None = None

    @property
    def text(self) -> str:
        return "\n".join(f.text for f in self.frames if f.text)

    def form(self) -> tuple[str | None, FrameView | None]:
        """("password" | "identifier" | None, the frame holding that form)."""
        for kind in ("password", "identifier"):
            for frame in self.frames:
                if getattr(frame, kind):
                    return kind, frame
        return None, None


async def read_view(page: Page) -> PageView:
    """The page as it is now, every frame read concurrently."""
    frames = list(page.frames)
    web_page = page.url.startswith(("http:", "https:"))  # an error page has no cookies to try
    *views, cookie = await asyncio.gather(*(evaluate(f, _FRAME_JS) for f in frames),
                                          evaluate(page.main_frame, _COOKIE_JS) if web_page else _nothing())
    return PageView(
        frames=[FrameView(url=f.url, **v) for f, v in zip(frames, views, strict=True) if isinstance(v, dict)],
        cookie_enabled=cookie.get("enabled") if isinstance(cookie, dict) else None,
        cookie_write=cookie.get("write") if isinstance(cookie, dict) else None,
    )


async def _nothing() -> None:
    return None


class PasswordWatch:
    """Resolves `found` with the frame's URL as soon as a visible password field shows in any frame."""

    def __init__(self, page: Page) -> None:
        self.found: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._page = page
        self._tasks: set[asyncio.Task[None]] = set()
        page.on("frameattached", self._watch)
        for frame in page.frames:
            self._watch(frame)

    def _watch(self, frame: Frame) -> None:
        task = asyncio.ensure_future(self._wait(frame))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _wait(self, frame: Frame) -> None:
        with contextlib.suppress(Exception):
            await frame.wait_for_selector(PASSWORD, state="visible", timeout=0)
            if not self.found.done():
                self.found.set_result(frame.url)

    async def close(self) -> None:
        self._page.remove_listener("frameattached", self._watch)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if not self.found.done():
            self.found.cancel()


async def settle(page: Page) -> None:
    """The page finished loading and its network went quiet: a form that has not shown by now will not."""
    with contextlib.suppress(Exception):
        await page.wait_for_load_state("load")
        await page.wait_for_load_state("networkidle")


async def wait_for_form(page: Page, timeout: float = FORM_WAIT, quiet: NetworkQuiet | None = None) -> bool:
    """Wait until a password field shows (True) or the page settles without one (False), at most `timeout`.

    Settled means loaded and network-idle, or, given `quiet`, quiet since it was created.
    """
    watch = PasswordWatch(page)
    settled = asyncio.ensure_future(quiet.wait() if quiet is not None else settle(page))
    try:
        waiting: set[asyncio.Future[Any]] = {watch.found, settled}
        await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        return watch.found.done() and not watch.found.cancelled()
    finally:
        settled.cancel()
        await watch.close()


class NetworkQuiet:
    """Tells when a page has gone quiet *since now*: no request in flight for `idle` seconds.

    Playwright's "networkidle" answers at once for a page that was idle before an action;
    this one starts counting when created, so a navigation or API call that a click starts
    a moment later still counts.
    """

    def __init__(self, page: Page, idle: float = 0.5) -> None:
        loop = asyncio.get_running_loop()
        self._loop, self._idle = loop, idle
        self._in_flight: set[object] = set()
        self._last = loop.time()
        page.on("request", self._started)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    def _started(self, request: object) -> None:
        self._in_flight.add(request)
        self._last = self._loop.time()

    def _ended(self, request: object) -> None:
        self._in_flight.discard(request)
        self._last = self._loop.time()

    async def wait(self) -> None:
        """Return once nothing was in flight for `idle` seconds (callers bound it with a timeout)."""
        while True:
            quiet_for = self._loop.time() - self._last
            if not self._in_flight and quiet_for >= self._idle:
                return
            await asyncio.sleep(self._idle - quiet_for if not self._in_flight else self._idle / 5)


def _load_wording() -> dict[str, tuple[re.Pattern[str], ...]]:
    data = tomllib.loads(_DATA.read_text(encoding="utf-8"))
    return {kind: tuple(re.compile(p, re.IGNORECASE) for p in patterns) for kind, patterns in data.items()}


# compiled as the module loads: a run with the browser loads it while the browser starts, not after the page
_WORDING = _load_wording()


def quote_line(text: str, match: re.Match[str], limit: int = 200) -> str:
    """The line of `text` holding `match`, whitespace collapsed, cut to `limit` around the match."""
    start = text.rfind("\n", 0, match.start()) + 1
    end = text.find("\n", match.end())
    line = " ".join(text[start : end if end != -1 else len(text)].split())
    if len(line) <= limit:
        return line
    at = line.lower().find(" ".join(match.group(0).split()).lower())
    begin = max(0, at - (limit - len(match.group(0))) // 2)
    return line[begin : begin + limit].strip()


def find_wording(text: str) -> dict[str, str]:
    """kind ("unsupported", "enable_javascript", "enable_cookies") -> the line of the page that says it."""
    found: dict[str, str] = {}
    for kind, patterns in _WORDING.items():
        for pattern in patterns:
            match = pattern.search(text)
            if match is not None:
                found[kind] = quote_line(text, match)
                break
    return found


def wait_for(ctx: ProbeContext, wanted: float) -> float:
    """`wanted` seconds, or what the probe's budget leaves once RESERVE is kept (never under half a second)."""
    return max(0.5, ctx.time_left(wanted, keep=RESERVE))
