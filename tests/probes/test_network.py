"""The network probe against real sockets on loopback: open, closed and saturated ports, captive portals."""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator

import pytest

from demo.dns_server import DnsServer
from demo.web import Page, WebServer
from probes.base import ProbeContext, ProbeResult, RunConfig
from probes.dns.probe import DnsEvidence
from probes.net.proxy_settings import ProxySettings
from probes.net.tcp_connect import classify
from probes.network.probe import NetworkEvidence, NetworkProbe
from probes.target import Target


@pytest.fixture
def listener() -> Iterator[int]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def saturated_port() -> Iterator[int]:
    """A listener whose accept queue is full, so further connection attempts hang unanswered."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    held: list[socket.socket] = []
    try:
        for _ in range(16):
            client = socket.socket()
            client.settimeout(0.2)
            held.append(client)
            try:
                client.connect(("127.0.0.1", port))
            except TimeoutError:
                break
        else:
            pytest.skip("this OS never let the accept queue fill up")
        yield port
    finally:
        for sock in held:
            sock.close()
        server.close()


def _ctx(
    port: int, addresses: list[str] | None = ["127.0.0.1"], host: str = "portal.example",  # noqa: B006
    proxy: ProxySettings | None = None, captive_check_url: str | None = None,
) -> ProbeContext:
    target = Target.parse(f"https://{host}:{port}/login")
    ctx = ProbeContext(target, RunConfig(captive_check_url=captive_check_url), proxy=proxy or ProxySettings())
    if addresses is not None:
        evidence = DnsEvidence(host=host, mode="dns_servers", addresses=addresses)
        ctx.provide(ProbeResult(name="dns", status="pass" if addresses else "fail", evidence=evidence))
    return ctx


async def _run(ctx: ProbeContext, connect_timeout: float = 1.0) -> ProbeResult:
    return await NetworkProbe(connect_timeout=connect_timeout, captive_timeout=1.0).run(ctx)


def _evidence(result: ProbeResult) -> NetworkEvidence:
    assert isinstance(result.evidence, NetworkEvidence), result
    return result.evidence


async def test_listening_port_passes_and_records_the_route(listener: int) -> None:
    result = await _run(_ctx(listener))
    assert result.status == "pass" and result.findings == []
    evidence = _evidence(result)
    (attempt,) = evidence.attempts
    assert attempt.outcome == "connected" and attempt.address == "127.0.0.1"
    assert evidence.local_address == "127.0.0.1" and evidence.addresses_from == "dns"
    assert evidence.interface  # the loopback interface: "lo", "lo0", "Loopback Pseudo-Interface 1"
    assert result.summary.startswith(f"portal.example:{listener} connected via 127.0.0.1")


async def test_one_broken_address_among_working_ones_still_passes(listener: int) -> None:
    result = await _run(_ctx(listener, addresses=["::1", "127.0.0.1"]))
    assert result.status == "pass"
    outcomes = {a.address: a.outcome for a in _evidence(result).attempts}
    assert outcomes["127.0.0.1"] == "connected" and outcomes["::1"] != "connected"
    assert "1 of 2 addresses failed" in result.summary


async def test_closed_port_is_refused(closed_port: int) -> None:
    result = await _run(_ctx(closed_port))
    assert result.status == "fail" and [f.id for f in result.findings] == ["network.refused"]
    (attempt,) = _evidence(result).attempts
    assert attempt.outcome == "refused" and attempt.errno == "ECONNREFUSED"
    assert result.findings[0].data["outcomes"] == {"127.0.0.1": "refused"}


async def test_silent_port_is_unreachable(saturated_port: int) -> None:
    result = await _run(_ctx(saturated_port), connect_timeout=0.3)
    assert [f.id for f in result.findings] == ["network.unreachable"]
    (attempt,) = _evidence(result).attempts
    assert attempt.outcome == "timeout" and attempt.local_address == "127.0.0.1"
    assert "timed out" in result.findings[0].summary
    assert result.duration_ms < 1000


@pytest.mark.parametrize(
    ("error", "outcome", "name"),
    [
        (OSError(errno.EHOSTUNREACH, "No route to host"), "no_route", "EHOSTUNREACH"),
        (OSError(errno.ENETUNREACH, "Network is unreachable"), "no_route", "ENETUNREACH"),
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), "refused", "ECONNREFUSED"),
        (TimeoutError(), "timeout", "ETIMEDOUT"),
        (OSError(errno.ETIMEDOUT, "Connection timed out"), "timeout", "ETIMEDOUT"),
        (PermissionError(errno.EACCES, "Permission denied"), "error", "EACCES"),
    ],
)
def test_errno_classification(error: OSError, outcome: str, name: str) -> None:
    assert classify(error) == (outcome, name)


async def test_dns_failure_means_nothing_to_connect_to(listener: int) -> None:
    result = await _run(_ctx(listener, addresses=[]))
    assert result.status == "skip" and result.reason == "no address to connect to (DNS failed)"


async def test_without_dns_probe_the_os_resolves(listener: int) -> None:
    result = await _run(_ctx(listener, addresses=None, host="localhost"))
    assert result.status == "pass"
    assert _evidence(result).addresses_from == "system"


async def test_behind_a_proxy_direct_failure_is_only_evidence(closed_port: int) -> None:
    proxy = ProxySettings(proxies={"https": "http://127.0.0.1:3128"}, source="environment")
    result = await _run(_ctx(closed_port, proxy=proxy))
    assert result.status == "pass" and result.findings == []
    assert _evidence(result).proxy == "http://127.0.0.1:3128"
    assert "goes through the proxy http://127.0.0.1:3128" in result.summary


@pytest.mark.parametrize(
    "page",
    [
        Page(status=302, headers={"Location": "http://hotspot.test/login?orig=generate_204"}),
        Page("<html><body>Welcome to Airport Wi-Fi</body></html>", status=200),
        Page("", status=511, content_type="text/plain"),
    ],
    ids=["redirect", "html-200", "511"],
)
async def test_captive_portal_is_found(listener: int, page: Page) -> None:
    with WebServer({"/generate_204": page}) as web:
        result = await _run(_ctx(listener, captive_check_url=web.url("/generate_204")))
    assert result.status == "fail" and [f.id for f in result.findings] == ["network.captive_portal"]
    captive = _evidence(result).captive
    assert captive is not None and captive.outcome == "captive" and captive.status_code == page.status
    assert result.findings[0].data["location"] == page.headers.get("Location")
    assert result.summary.startswith("a captive portal intercepts web traffic")


async def test_open_network_answers_204(listener: int) -> None:
    with WebServer({"/generate_204": Page(status=204)}) as web:
        result = await _run(_ctx(listener, captive_check_url=web.url("/generate_204")))
    assert result.status == "pass"
    assert _evidence(result).captive.outcome == "open"  # type: ignore[union-attr]
    assert result.summary.endswith("no captive portal")


async def test_unreachable_check_url_is_not_a_finding(listener: int, closed_port: int) -> None:
    result = await _run(_ctx(listener, captive_check_url=f"http://127.0.0.1:{closed_port}/generate_204"))
    assert result.status == "pass" and result.findings == []
    captive = _evidence(result).captive
    assert captive is not None and captive.outcome == "unreachable" and captive.error
    assert "could not check" in result.summary


async def test_captive_check_goes_through_the_proxy(listener: int) -> None:
    redirect = Page(status=302, headers={"Location": "http://hotspot.test/login"})
    with WebServer({"/generate_204": redirect}) as proxy_server:
        proxy = ProxySettings(proxies={"http": proxy_server.url("")}, source="environment")
        ctx = _ctx(listener, proxy=proxy, captive_check_url="http://check.test/generate_204")
        result = await _run(ctx)
    assert [f.id for f in result.findings] == ["network.captive_portal"]
    assert proxy_server.requests[0].path == "http://check.test/generate_204"


async def test_named_dns_servers_are_never_replaced_by_the_os(listener: int) -> None:
    target = Target.parse(f"https://localhost:{listener}/")
    ctx = ProbeContext(target, RunConfig(dns_servers=[("127.0.0.1", 53)], captive_check_url=None),
                       proxy=ProxySettings())
    ctx.provide(ProbeResult(name="dns", status="timeout"))
    result = await _run(ctx)
    assert result.status == "skip"


async def test_captive_check_resolves_through_the_named_resolver(listener: int) -> None:
    """A hotspot behind the resolver: only `--dns-server` knows the check host, and it sends it to the hotspot."""
    hotspot = Page(status=302, headers={"Location": "http://hotspot.test/terms"})
    with WebServer({"/generate_204": hotspot}) as web, \
            DnsServer({"connectivity.check.test": ["127.0.0.1"]}) as resolver:
        target = Target.parse(f"https://portal.example:{listener}/login")
        config = RunConfig(dns_servers=[resolver.address],
                           captive_check_url=f"http://connectivity.check.test:{web.port}/generate_204")
        ctx = ProbeContext(target, config, proxy=ProxySettings())
        ctx.provide(ProbeResult(name="dns", status="pass",
                                evidence=DnsEvidence(host="portal.example", mode="dns_servers",
                                                     addresses=["127.0.0.1"])))
        result = await _run(ctx)
        assert ("connectivity.check.test", "A") in resolver.queries
    assert [f.id for f in result.findings] == ["network.captive_portal"], result.summary
