"""The browser's SOCKS5 relay: names resolved as the run resolves, addresses tried in order, refusals named."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from demo.web import Page, WebServer
from probes.web.relay import ResolvingRelay

SOCKS_FAILED = "net::ERR_SOCKS_CONNECTION_FAILED"


async def _relay(table: dict[str, list[str]], asked: list[str] | None = None) -> ResolvingRelay:
    relay = ResolvingRelay()
    await relay.start()

    async def resolve(host: str, port: int) -> list[str]:
        if asked is not None:
            asked.append(host)
        return table.get(host, [])

    relay.bind(resolve, connect_wait=2.0)
    return relay


async def _get(relay: ResolvingRelay, url: str) -> httpx.Response:
    async with httpx.AsyncClient(proxy=f"socks5://127.0.0.1:{relay.port}", timeout=5.0) as client:
        return await client.get(url)


async def test_a_name_resolves_through_the_bound_resolver_and_the_next_address_is_tried() -> None:
    asked: list[str] = []
    with WebServer({"/": Page("hello")}) as web:
        relay = await _relay({"portal.test": ["127.0.0.2", "127.0.0.1"]}, asked)  # nothing listens on .2
        try:
            answer = await _get(relay, f"http://portal.test:{web.port}/")
        finally:
            await relay.aclose()
    assert (answer.status_code, answer.text) == (200, "hello")
    assert asked == ["portal.test"]
    assert relay.outcomes == {}


async def test_a_refused_or_unknown_host_is_named_as_chromium_would() -> None:
    relay = await _relay({"down.test": ["127.0.0.1"]})
    try:
        for host in ("down.test", "unknown.test"):
            with pytest.raises(httpx.ProxyError):
                await _get(relay, f"http://{host}:9/")  # port 9 (discard) is closed on loopback
    finally:
        await relay.aclose()
    assert relay.explain("down.test", SOCKS_FAILED) == "net::ERR_CONNECTION_REFUSED"
    assert relay.explain("unknown.test", SOCKS_FAILED) == "net::ERR_NAME_NOT_RESOLVED"
    assert relay.explain("other.test", SOCKS_FAILED) == SOCKS_FAILED  # nothing known: left as Chromium said
    assert relay.explain("down.test", "net::ERR_CERT_DATE_INVALID") == "net::ERR_CERT_DATE_INVALID"


async def test_a_connection_before_the_run_can_resolve_waits_for_it() -> None:
    relay = ResolvingRelay()
    await relay.start()
    with WebServer({"/": Page("late")}) as web:
        try:
            request = asyncio.ensure_future(_get(relay, f"http://portal.test:{web.port}/"))
            await asyncio.sleep(0.2)
            assert not request.done()

            async def resolve(host: str, port: int) -> list[str]:
                return ["127.0.0.1"]

            relay.bind(resolve, connect_wait=2.0)
            answer = await asyncio.wait_for(request, 5.0)
        finally:
            await relay.aclose()
    assert answer.text == "late"
