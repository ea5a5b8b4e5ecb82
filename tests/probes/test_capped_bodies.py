"""Remote bodies are read with a cap on the decoded bytes and on the time: a gzip bomb costs nothing."""

from __future__ import annotations

import gzip
import time
import tracemalloc
from collections.abc import Iterator

import httpx
import pytest

from demo.web import Page, WebServer
from probes.base import ProbeContext, RunConfig
from probes.net.capped import BodyTooSlow, get_capped
from probes.net.proxy_settings import ProxySettings
from probes.sso.metadata import MAX_BODY, FetchFailed, fetch
from probes.status_page.evidence import StatusPageEvidence
from probes.status_page.probe import StatusPageProbe
from probes.target import Target

INFLATED = 50_000_000  # 50 MB of text once decompressed, from about 50 KB


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return gzip.compress(b"<p>" + b"a" * INFLATED, compresslevel=9)


@pytest.fixture
def server(bomb: bytes) -> Iterator[WebServer]:
    page = Page(bomb, headers={"Content-Encoding": "gzip"})
    with WebServer({"/bomb": page, "/api/v2/summary.json": page, "/saml": page,
                    "/hang": Page(hang=True)}) as web:
        yield web


async def test_the_decoded_bytes_are_capped(server: WebServer, bomb: bytes) -> None:
    assert len(bomb) < 1_000_000
    tracemalloc.start()
    try:
        async with httpx.AsyncClient() as client:
            got = await get_capped(client, server.url("/bomb"), max_bytes=100_000, seconds=10)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert got.truncated and len(got.body) == 100_000
    assert peak < 20_000_000  # nowhere near the 50 MB the body inflates to


async def test_a_silent_body_hits_the_time_cap(server: WebServer) -> None:
    started = time.monotonic()
    async with httpx.AsyncClient() as client:
        with pytest.raises(BodyTooSlow, match="no complete answer within 0.5 s"):
            await get_capped(client, server.url("/hang"), seconds=0.5)
    assert time.monotonic() - started < 5


async def test_status_page_bomb_is_cut(server: WebServer) -> None:
    ctx = ProbeContext(Target.parse("https://portal.example/login"),
                       RunConfig(status_page=server.url("/bomb")), proxy=ProxySettings())
    result = await StatusPageProbe().run(ctx)
    assert isinstance(result.evidence, StatusPageEvidence)
    assert any("body cut at" in line for line in result.evidence.fetched)


async def test_saml_metadata_bomb_is_refused(server: WebServer) -> None:
    ctx = ProbeContext(Target.parse("https://portal.example/login"), RunConfig(), proxy=ProxySettings())
    async with httpx.AsyncClient() as client:
        with pytest.raises(FetchFailed, match=f"larger than {MAX_BODY} bytes once decompressed"):
            await fetch(ctx, client, server.url("/saml"))
