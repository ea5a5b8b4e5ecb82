"""Reading a remote body with a byte cap on the decoded bytes and a wall-clock cap.

`response.content` reads the whole body and decompresses all of it: a 1 MB gzip bomb
becomes gigabytes before any slice applies, and even httpx's streamed chunks inflate
one network read at a time, whole. Every probe that reads a body it did not
write (a status page, SAML or OIDC metadata, a PAC file) streams it through `get_capped`,
which stops as soon as the decoded bytes pass the cap or the time runs out, and says so.
"""

from __future__ import annotations

import asyncio
import zlib
from typing import NamedTuple

import httpx

from probes.text import durations

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

    httpx's own decoder inflates each network read whole (64 KB of gzip can be 64 MB), so
    the raw bytes are inflated here with zlib's `max_length`: never more than the room left.
    """
    decoder = _decoder(response.headers.get("content-encoding", ""))
    parts: list[bytes] = []
    size = 0
    async for raw in response.aiter_raw():
        data = raw
        while data:
            room = max_bytes - size
            chunk = decoder.decompress(data, room + 1) if decoder else data[: room + 1]
            data = decoder.unconsumed_tail if decoder else data[room + 1:]
            if len(chunk) > room:
                parts.append(chunk[:room])
                return b"".join(parts), True
            parts.append(chunk)
            size += len(chunk)
            if decoder and not chunk:
                break  # the decoder holds its input back for more (a header, a partial block)
    return b"".join(parts), False


def _decoder(encoding: str) -> zlib._Decompress | None:
    """A zlib decoder for gzip or deflate (zlib-wrapped or raw); None for identity; ValueError for others."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj(32 + zlib.MAX_WBITS)  # zlib header detected; raw deflate is rare
    raise httpx.DecodingError(f"unsupported Content-Encoding {encoding!r} (asked for gzip or deflate only)")


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
        asked = {"Accept-Encoding": "gzip, deflate", **(headers or {})}
        async with asyncio.timeout(seconds), client.stream("GET", url, headers=asked) as response:
            body, truncated = await read_capped(response, max_bytes)
            return CappedBody(response, body, truncated)
    except zlib.error as exc:
        raise httpx.DecodingError(f"{url}: the compressed body is corrupt ({exc})") from None
    except TimeoutError:
        raise BodyTooSlow(f"{url}: no complete answer within {durations.seconds(seconds)} s") from None
