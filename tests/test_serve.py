"""The exporter over real HTTP: healthy, broken and hung portals on loopback, bursts, refusals."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from prometheus_client.parser import text_string_to_metric_families

from agent.exporter.config import ConfigError, load, parse_listen
from agent.exporter.serve import Exporter
from demo.certs import DemoCA
from demo.dns_server import DnsServer
from demo.ntp_server import NtpServer
from demo.web import Page, WebServer
from probes.osinfo import host_state
from probes.osinfo.interfaces import Interface, list_interfaces

SKIP = '["browser", "login", "clock", "sso", "status_page"]'
LOGIN = Page("<title>Sign in</title><form><input name=user><input type=password name=pw></form>")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _target(name: str, url: str, timeout: float = 4, extra: str = "") -> str:
    return f'[targets.{name}]\nurl = "{url}"\nskip = {SKIP}\ncaptive_check = "off"\ntimeout = {timeout}\n{extra}\n'


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text answer, keyed by name and sorted labels."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float | None:
    return samples(text).get((name, tuple(sorted(labels.items()))))


@pytest.fixture
def portals() -> Iterator[dict[str, str]]:
    good = WebServer({"/login": LOGIN}).start()
    hung = WebServer({"/login": Page(hang=True)}).start()
    yield {"good": good.url("/login"), "hung": hung.url("/login"),
           "closed": f"http://127.0.0.1:{_closed_port()}/login"}
    good.stop()
    hung.stop()


async def _exporter(tmp_path: Path, body: str, concurrency: int = 4) -> Exporter:
    config = tmp_path / "exporter.toml"
    config.write_text(f'listen = "127.0.0.1:0"\nconcurrency = {concurrency}\nmax_timeout = 10\n{body}')
    exporter = Exporter(load(config))
    await exporter.start()
    return exporter


@pytest.fixture
async def exporter(tmp_path: Path, portals: dict[str, str]) -> AsyncIterator[Exporter]:
    body = (_target("good", portals["good"]) + _target("closed", portals["closed"])
            + _target("hung", portals["hung"], timeout=2) + _target("hung2", portals["hung"], timeout=2)
            + _target("good2", portals["good"]))
    running = await _exporter(tmp_path, body)
    yield running
    await running.close()


def _url(exporter: Exporter, path: str) -> str:
    return f"http://127.0.0.1:{exporter.port}{path}"


async def test_healthy_portal(exporter: Exporter) -> None:
    async with httpx.AsyncClient() as client:
        answer = await client.get(_url(exporter, "/probe?target=good"), timeout=10)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = answer.text
    assert value(text, "probe_success") == 1
    assert value(text, "probe_http_status_code") == 200
    assert value(text, "diagnose_status") == 0
    assert 0 < value(text, "probe_duration_seconds") < 4
    assert value(text, "diagnose_probe_status", probe="http", status="pass") == 1
    assert value(text, "diagnose_probe_status", probe="http", status="fail") == 0
    assert value(text, "diagnose_probe_status", probe="browser", status="skip") == 1
    assert not any(name == "diagnose_cause" for name, _ in samples(text))


async def test_broken_portal_names_the_cause(exporter: Exporter) -> None:
    async with httpx.AsyncClient() as client:
        text = (await client.get(_url(exporter, "/probe?target=closed"), timeout=10)).text
    assert value(text, "probe_success") == 0
    assert value(text, "diagnose_status") == 2
    assert value(text, "diagnose_cause", id="network.refused", severity="critical",
                 probe="network", root="true") == 1
    assert value(text, "diagnose_probe_status", probe="network", status="fail") == 1


async def test_refusals_and_other_paths(exporter: Exporter) -> None:
    async with httpx.AsyncClient() as client:
        unknown = await client.get(_url(exporter, "/probe?target=http://10.0.0.1/"))
        assert unknown.status_code == 400
        assert unknown.text == ("unknown target 'http://10.0.0.1/': only targets named in the configuration "
                                "are probed (configured: closed, good, good2, hung, hung2)\n")
        missing = await client.get(_url(exporter, "/probe"))
        assert missing.status_code == 400 and "'target' parameter is missing" in missing.text
        bad = await client.get(_url(exporter, "/probe?target=good&timeout=soon"))
        assert bad.status_code == 400 and "timeout must be a number" in bad.text
        assert (await client.get(_url(exporter, "/-/healthy"))).text == "OK\n"
        assert (await client.get(_url(exporter, "/nowhere"))).status_code == 404
        assert (await client.post(_url(exporter, "/probe?target=good"))).status_code == 405
        index = await client.get(_url(exporter, "/"))
        assert "good2" in index.text
        own = (await client.get(_url(exporter, "/metrics"))).text
    assert value(own, "diagnose_exporter_requests_total", path="/probe", code="400") == 3
    assert value(own, "diagnose_exporter_requests_total", path="other", code="404") == 1
    assert value(own, "diagnose_exporter_probes_in_flight") == 0


async def test_scrapes_share_the_workstations_reads_within_the_window(
    tmp_path: Path, portals: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Proxy settings, interfaces, the clock and the captive-portal check are read once per window for
    all targets; a change shows in the scrapes after it."""
    listings = []

    async def counted(system: str | None = None) -> list[Interface]:
        listings.append(system)
        return await list_interfaces(system)

    monkeypatch.setattr(host_state, "list_interfaces", counted)
    for name in ("http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    clock = [100.0]
    with NtpServer() as ntp, WebServer({"/generate_204": Page(status=204)}) as captive:
        targets = "".join(
            f'[targets.{name}]\nurl = "{portals["good"]}"\nskip = ["browser", "login", "sso", "status_page"]\n'
            f'time_servers = ["127.0.0.1:{ntp.address[1]}"]\ncaptive_check = "{captive.url("/generate_204")}"\n'
            for name in ("good", "good2"))
        config = tmp_path / "exporter.toml"
        config.write_text(f'listen = "127.0.0.1:0"\n{targets}')
        exporter = Exporter(load(config), clock=lambda: clock[0])
        await exporter.start()
        try:
            async with httpx.AsyncClient() as client:
                async def scrape(name: str) -> str:
                    return (await client.get(_url(exporter, f"/probe?target={name}"), timeout=10)).text

                assert value(await scrape("good"), "probe_success") == 1
                monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{_closed_port()}")  # a proxy is set
                clock[0] += 4.9
                assert value(await scrape("good2"), "probe_success") == 1
                assert (len(listings), ntp.requests, len(captive.requests)) == (1, 1, 1)
                clock[0] += 0.2
                text = await scrape("good")
        finally:
            await exporter.close()
    assert len(listings) == 2
    assert value(text, "probe_success") == 0
    assert value(text, "diagnose_cause", id="proxy.unreachable", severity="critical", probe="proxy", root="true") == 1


async def test_burst_of_200_against_healthy_and_hung_portals(exporter: Exporter) -> None:
    """Every scrape answers within its deadline; hung portals fail, healthy ones pass, no run piles up."""
    names = ["good", "hung", "closed", "hung2", "good2"]
    budgets = {"good": 4, "good2": 4, "closed": 4, "hung": 2, "hung2": 2}
    limits = httpx.Limits(max_connections=250, max_keepalive_connections=0)

    async def scrape(client: httpx.AsyncClient, name: str) -> tuple[str, float, httpx.Response]:
        start = time.perf_counter()
        answer = await client.get(_url(exporter, f"/probe?target={name}"), timeout=15)
        return name, time.perf_counter() - start, answer

    started = time.perf_counter()
    async with httpx.AsyncClient(limits=limits) as client:
        results = await asyncio.gather(*(scrape(client, names[i % len(names)]) for i in range(200)))
    total = time.perf_counter() - started
    for name, seconds, answer in results:
        assert answer.status_code == 200, answer.text
        assert seconds <= budgets[name] + 1.5, (name, seconds)
        expected = 1 if name.startswith("good") else 0
        assert value(answer.text, "probe_success") == expected, (name, answer.text)
    assert total < 12
    async with httpx.AsyncClient() as client:
        own = (await client.get(_url(exporter, "/metrics"))).text
    runs = sum(v for (n, _), v in samples(own).items() if n == "diagnose_exporter_probes_total")
    shared = sum(v for (n, _), v in samples(own).items() if n == "diagnose_exporter_probes_shared_total")
    assert runs + shared == 200 and runs <= 20


async def test_scrape_timeout_header_bounds_a_hung_portal(tmp_path: Path, portals: dict[str, str]) -> None:
    exporter = await _exporter(tmp_path, _target("hung", portals["hung"], timeout=10))
    try:
        async with httpx.AsyncClient() as client:
            start = time.perf_counter()
            answer = await client.get(_url(exporter, "/probe?target=hung"), timeout=15,
                                      headers={"X-Prometheus-Scrape-Timeout-Seconds": "2"})
            seconds = time.perf_counter() - start
    finally:
        await exporter.close()
    assert answer.status_code == 200 and value(answer.text, "probe_success") == 0
    assert seconds < 3


async def test_no_free_slot_answers_503_in_time(tmp_path: Path, portals: dict[str, str]) -> None:
    body = _target("hung", portals["hung"], timeout=3) + _target("good", portals["good"])
    exporter = await _exporter(tmp_path, body, concurrency=1)
    try:
        async with httpx.AsyncClient() as client:
            hung = asyncio.create_task(client.get(_url(exporter, "/probe?target=hung"), timeout=10))
            await asyncio.sleep(0.2)
            start = time.perf_counter()
            busy = await client.get(_url(exporter, "/probe?target=good&timeout=1.5"), timeout=10)
            waited = time.perf_counter() - start
            assert (await hung).status_code == 200
            later = await client.get(_url(exporter, "/probe?target=good"), timeout=10)
    finally:
        await exporter.close()
    assert busy.status_code == 503 and "no free slot for 'good'" in busy.text
    assert 0.4 < waited < 2.5
    assert value(later.text, "probe_success") == 1


async def test_tls_and_dns_metrics(tmp_path: Path) -> None:
    """A name from a loopback resolver and a certificate from a test CA: lookup time and expiry are exported."""
    ca = DemoCA()
    bundle = ca.write_bundle(tmp_path / "ca.pem")
    with WebServer({"/login": LOGIN}, ssl_context=ca.server_context(["portal.test"])) as portal, \
            DnsServer({"portal.test": ["127.0.0.1"]}) as resolver:
        host, port = resolver.address
        extra = f'dns_servers = ["{host}:{port}"]\nca_bundle = "{bundle.name}"'
        exporter = await _exporter(tmp_path, _target("tls", portal.url("/login", host="portal.test"), extra=extra))
        try:
            async with httpx.AsyncClient() as client:
                text = (await client.get(_url(exporter, "/probe?target=tls"), timeout=10)).text
        finally:
            await exporter.close()
    assert value(text, "probe_success") == 1, text
    assert 0 <= value(text, "probe_dns_lookup_time_seconds") < 2
    expiry = value(text, "probe_ssl_earliest_cert_expiry")
    assert expiry is not None and expiry > time.time() + 86400
    assert value(text, "diagnose_probe_status", probe="tls", status="pass") == 1


async def test_raw_http_edge_cases(exporter: Exporter) -> None:
    """Keep-alive, an oversized head and a malformed request line, over a plain socket."""
    reader, writer = await asyncio.open_connection("127.0.0.1", exporter.port)
    writer.write(b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\nGET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
    await writer.drain()
    first = await reader.readuntil(b"OK\n")
    second = await reader.readuntil(b"OK\n")
    assert first.startswith(b"HTTP/1.1 200 OK") and second.startswith(b"HTTP/1.1 200 OK")
    writer.write(b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
    await writer.drain()
    assert b" 400 Bad Request" in (await reader.read()).split(b"\r\n")[0]  # a header line past 8190 bytes
    writer.close()
    reader, writer = await asyncio.open_connection("127.0.0.1", exporter.port)
    writer.write(b"NONSENSE\r\n\r\n")
    assert b" 400 Bad Request" in (await reader.read()).split(b"\r\n")[0]
    writer.close()


@pytest.mark.parametrize(("body", "message"), [
    ('[targets.a]\nurl = "https://x.example/"\nprofile = "example"\n', "exactly one of 'profile' or 'url'"),
    ('[targets.a]\nurl = "ftp://x.example/"\n', "targets.a.url: unsupported scheme"),
    ('[targets.a]\nprofile = "no-such-portal"\n', "unknown portal profile 'no-such-portal'"),
    ('[targets.a]\nurl = "https://x.example/"\nskip = ["dsn"]\n', "targets.a.skip.0"),
    ('[targets.a]\nurl = "https://x.example/"\ndns_servers = ["resolver"]\n', "is not an IP address"),
    ('[targets.a]\nurl = "https://x.example/"\ntimout = 3\n', "targets.a.timout: Extra inputs"),
    ('listen = "localhost:http"\n[targets.a]\nurl = "https://x.example/"\n', "listen: 'localhost:http'"),
    ("concurrency = 4\n", "targets: Field required"),
    ("targets = [", "not valid TOML"),
])
def test_bad_configuration_is_one_line(tmp_path: Path, body: str, message: str) -> None:
    config = tmp_path / "exporter.toml"
    config.write_text(body)
    with pytest.raises(ConfigError) as caught:
        load(config)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert str(caught.value).startswith(str(config))


def test_profile_target_and_listen_forms(tmp_path: Path) -> None:
    config = tmp_path / "exporter.toml"
    config.write_text('listen = ":9471"\n[targets.demo]\nprofile = "example"\n')
    loaded = load(config)
    assert (loaded.host, loaded.port) == ("0.0.0.0", 9471)
    assert loaded.targets["demo"].target.profile == "example"
    assert loaded.targets["demo"].config.profile.name == "example"
    assert parse_listen("[::1]:0") == ("::1", 0)


def _chromium_children() -> dict[int, int]:
    """Running Chromium processes under this test process: pid -> parent pid."""
    found = {}
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if "chrom" in child.name().lower() and child.status() != psutil.STATUS_ZOMBIE:
                found[child.pid] = child.ppid()
    return found


def _browsers() -> set[int]:
    """The browsers' main processes: Chromium processes whose parent is not a Chromium process."""
    running = _chromium_children()
    return {pid for pid, parent in running.items() if parent not in running}


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no Chromium to share")
async def test_one_browser_shared_across_scrapes_and_closed(tmp_path: Path, portals: dict[str, str]) -> None:
    browser_only = '["dns", "network", "http", "browser"]'
    body = (f'[targets.good]\nurl = "{portals["good"]}"\nonly = {browser_only}\ncaptive_check = "off"\ntimeout = 15\n'
            f'[targets.good2]\nurl = "{portals["good"]}"\nonly = {browser_only}\ncaptive_check = "off"\n'
            'timeout = 15\n')
    exporter = await _exporter(tmp_path, body)
    try:
        async with httpx.AsyncClient() as client:
            first = await client.get(_url(exporter, "/probe?target=good"), timeout=30)
            browsers = _browsers()
            second = await client.get(_url(exporter, "/probe?target=good2"), timeout=30)
            again = _browsers()
    finally:
        await exporter.close()
    assert first.status_code == second.status_code == 200
    assert len(browsers) == 1 and again == browsers
    assert value(first.text, "diagnose_probe_status", probe="browser", status="pass") == 1
    assert value(second.text, "diagnose_probe_status", probe="browser", status="pass") == 1
    deadline = time.monotonic() + 5
    while _chromium_children() and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert _chromium_children() == {}


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no Chromium to share")
async def test_burst_with_the_browser_leaves_no_chromium(tmp_path: Path, portals: dict[str, str]) -> None:
    with_browser = '["dns", "network", "http", "browser"]'
    body = "".join(
        f'[targets.{name}]\nurl = "{portals[kind]}"\nonly = {with_browser}\ncaptive_check = "off"\ntimeout = {t}\n'
        for name, kind, t in [("good", "good", 10), ("hung", "hung", 4), ("closed", "closed", 10)]
    )
    exporter = await _exporter(tmp_path, body)
    budgets = {"good": 10, "hung": 4, "closed": 10}
    names = list(budgets)

    async def scrape(client: httpx.AsyncClient, name: str) -> tuple[str, float, httpx.Response]:
        start = time.perf_counter()
        answer = await client.get(_url(exporter, f"/probe?target={name}"), timeout=30)
        return name, time.perf_counter() - start, answer

    try:
        limits = httpx.Limits(max_connections=250, max_keepalive_connections=0)
        async with httpx.AsyncClient(limits=limits) as client:
            results = await asyncio.gather(*(scrape(client, names[i % 3]) for i in range(200)))
        assert len(_browsers()) <= 1
    finally:
        await exporter.close()
    for name, seconds, answer in results:
        assert answer.status_code == 200 and seconds <= budgets[name] + 1.5, (name, seconds, answer.text)
        assert value(answer.text, "probe_success") == (1 if name == "good" else 0), (name, answer.text)
    deadline = time.monotonic() + 5
    while _chromium_children() and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert _chromium_children() == {}
