"""Reading a remote body with a byte cap on the decoded bytes and a wall-clock cap.

`response.content` reads the whole body and decompresses all of it: a 1 MB gzip bomb
becomes gigabytes before any slice applies. Every probe that reads a body it did not
write (a status page, SAML or OIDC metadata, a PAC file) streams it through `get_capped`,
which stops as soon as the decoded bytes pass the cap or the time runs out, and says so.
"""

from __future__ import annotations

import asyncio
from typing import NamedTuple

import httpx

DEFAULT_MAX_BYTES = 1_000_000


class CappedBody(NamedTuple):
    """The answer's status and headers, and at most `max_bytes` of its decoded body."""

    response: httpx.Response
    body: bytes
    truncated: bool  # True when the body was longer than the cap (the rest was never decoded)

    @property
    def text(self) -> str:
        """The body as text, in the answer's declared charset (UTF-8 when it names none)."""
        return self.body.decode(self.response.charset_encoding or "utf-8", errors="replace")


class BodyTooSlow(httpx.TimeoutException):
    """The body did not arrive within its wall-clock cap (a server trickling bytes)."""


async def read_capped(response: httpx.Response, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[bytes, bool]:
    """At most `max_bytes` decoded bytes of a streamed `response`, and whether more was there.

    httpx hands decoded chunks, each at most one network read's worth of decompression,
    so the memory used stays near the cap whatever the compression ratio.
    """
    parts: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        room = max_bytes - size
        if len(chunk) > room:
            parts.append(chunk[:room])
            return b"".join(parts), True
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts), False


async def get_capped(
    client: httpx.AsyncClient,
    url: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    seconds: float,
    headers: dict[str, str] | None = None,
) -> CappedBody:
    """GET `url` with `client`, reading at most `max_bytes` decoded bytes within `seconds` in all.

    Raises what the client raises (httpx.HTTPError); a body still arriving when the time is
    up raises `BodyTooSlow`, naming the URL.
    """
    try:
        async with asyncio.timeout(seconds), client.stream("GET", url, headers=headers) as response:
            body, truncated = await read_capped(response, max_bytes)
            return CappedBody(response, body, truncated)
    except TimeoutError:
        raise BodyTooSlow(f"{url}: no complete answer within {seconds:g} s") from None
