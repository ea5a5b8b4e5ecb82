"""A proxy auto-config (PAC) file: fetched once per run, evaluated per host as browsers do.

The script is run by pypac (a maintained PAC library on the Duktape engine, offline).
A PAC script is someone else's code: it may loop forever or call `dnsResolve` on a
dead resolver, so it runs in a child process, every answer has a time cap, and a
script that overran once is killed and never asked again.
The fetch has the run's rules: bounded by the deadline, the body capped, and direct,
as browsers fetch a PAC file (it is what would name the proxy).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import select
import subprocess
import sys
import threading
import weakref
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import httpx

from probes.net.capped import get_capped
from probes.text import durations

MAX_PAC_BYTES = 1_000_000
EVAL_SECONDS = 1.0
LOAD_SECONDS = 3.0  # the child's start (the interpreter, pypac, Duktape) is most of it
_SCHEMES = {"PROXY": "http", "HTTP": "http", "HTTPS": "https", "SOCKS": "socks4", "SOCKS4": "socks4",
            "SOCKS5": "socks5"}  # Chromium's reading: a bare SOCKS is version 4


class PacError(Exception):
    """The PAC file could not be fetched (`failure` unreachable) or run (`failure` invalid)."""

    def __init__(self, message: str, failure: Literal["unreachable", "invalid"]) -> None:
        super().__init__(message)
        self.failure: Literal["unreachable", "invalid"] = failure


async def fetch_pac(url: str, seconds: float, verify: str | bool = True) -> str:
    """The PAC script at `url` (http, https or file), read within `seconds`; PacError when it cannot be."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        path = Path(parts.path)
        try:
            with path.open("rb") as handle:
                return handle.read(MAX_PAC_BYTES).decode("utf-8", errors="replace")
        except OSError as exc:
            raise PacError(f"{url}: {exc.strerror or exc}", "unreachable") from None
    if parts.scheme not in ("http", "https"):
        raise PacError(f"{url}: a PAC URL with scheme {parts.scheme!r} cannot be fetched", "unreachable")
    try:
        async with httpx.AsyncClient(trust_env=False, verify=verify, timeout=seconds,
                                     follow_redirects=True, max_redirects=5) as client:
            got = await get_capped(client, url, max_bytes=MAX_PAC_BYTES, seconds=seconds)
    except httpx.HTTPError as exc:
        raise PacError(f"{url}: {type(exc).__name__} {exc}".strip(), "unreachable") from None
    if got.response.status_code != 200:
        raise PacError(f"{url} answered HTTP {got.response.status_code}", "unreachable")
    if got.truncated:
        raise PacError(f"{url}: larger than {MAX_PAC_BYTES} bytes", "invalid")
    return got.text


def parse_answer(answer: str) -> list[str | None]:
    """`FindProxyForURL`'s answer as proxy URLs in order (None = DIRECT); ValueError for a bad entry."""
    chosen: list[str | None] = []
    for entry in answer.split(";"):
        words = entry.split()
        if not words:
            continue
        kind = words[0].upper()
        if kind == "DIRECT" and len(words) == 1:
            chosen.append(None)
        elif kind in _SCHEMES and len(words) == 2:
            chosen.append(f"{_SCHEMES[kind]}://{words[1]}")
        else:
            raise ValueError(f"not a PAC proxy entry: {entry.strip()!r}")
    if not chosen:
        raise ValueError(f"empty PAC answer {answer!r}")
    return chosen


class PacScript:
    """A PAC script loaded in a child process (`probes.net.pac_worker`), asked one URL at a time.

    Each answer must come within `EVAL_SECONDS`; a script that overruns is killed and never
    asked again. The child ends with this object (or the interpreter), whichever comes first.
    """

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        self._lock = threading.Lock()
        self.hung = False
        weakref.finalize(self, _kill, process)

    @classmethod
    async def load(cls, text: str, seconds: float = LOAD_SECONDS) -> PacScript:
        """Start the child and load `text`; PacError `invalid` when it does not parse or run in time."""
        process = subprocess.Popen(  # noqa: S603 - our own module, with this interpreter
            [sys.executable, "-m", "probes.net.pac_worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        script = cls(process)
        await asyncio.to_thread(script._ask, {"script": text}, seconds, "loading the PAC file")
        return script

    def answer(self, url: str) -> str:
        """The script's answer for `url` (blocking up to `EVAL_SECONDS`: callers cache it)."""
        return self._ask({"url": url}, EVAL_SECONDS, f"FindProxyForURL for {url}")

    async def answer_async(self, url: str) -> str:
        """`answer` without blocking the event loop."""
        return await asyncio.to_thread(self.answer, url)

    def close(self) -> None:
        """End the child process now."""
        _kill(self._process)

    def _ask(self, request: dict[str, str], seconds: float, what: str) -> str:
        with self._lock:
            if self.hung:
                raise PacError("the PAC script overran its time once and is not run again", "invalid")
            stdin, stdout = self._process.stdin, self._process.stdout
            assert stdin is not None and stdout is not None
            try:
                stdin.write((json.dumps(request) + "\n").encode())
                stdin.flush()
            except OSError:
                raise PacError(f"{what}: the PAC evaluator ended", "invalid") from None
            ready, _, _ = select.select([stdout], [], [], seconds)
            line = stdout.readline() if ready else b""
            if not line:
                self.hung = True
                _kill(self._process)
                raise PacError(f"{what} did not finish within {durations.seconds(seconds)} s", "invalid")
        reply = json.loads(line)
        if "error" in reply:
            raise PacError(str(reply["error"]), "invalid")
        return str(reply["answer"])


def _kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


async def choose(entries: list[str | None], seconds: float, dead: set[str]) -> tuple[str | None, str]:
    """The entry a browser would use from a PAC list: the first that answers, tried in order.

    DIRECT always counts as available; a proxy is tried with a TCP connection (at most
    `seconds` each) unless it is the last entry, which is used whatever it does so its
    failure is reported as it is. Proxies found dead are added to `dead` for later lists.
    """
    skipped: list[str] = []
    for index, entry in enumerate(entries):
        if entry is None:
            return None, _why("DIRECT", skipped)
        last = index == len(entries) - 1
        if entry in dead and not last:
            skipped.append(f"{entry} did not answer")
            continue
        if last or await _answers(entry, seconds):
            return entry, _why(entry, skipped)
        dead.add(entry)
        skipped.append(f"{entry} did not answer")
    raise AssertionError("parse_answer never returns an empty list")


def _why(taken: str, skipped: list[str]) -> str:
    return f"{taken} ({'; '.join(skipped)})" if skipped else taken


async def _answers(proxy: str, seconds: float) -> bool:
    parts = urlsplit(proxy)
    try:
        async with asyncio.timeout(seconds):
            _, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
    except (OSError, TimeoutError, ValueError):
        return False
    writer.close()
    return True
