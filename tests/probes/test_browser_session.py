"""The run's own browser: launched once, trusting exactly the CA bundle, resolving as the run does, never left running."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import psutil
import pytest
import trustme

from demo.dns_server import DnsServer
from demo.web import Page, WebServer
from probes.base import ProbeResult
from probes.browser.probe import BrowserProbe
from probes.net.proxy_settings import ProxySettings
from probes.web.driver import spawn_driver
from probes.web.flags import context_proxy
from probes.web.resolving import portal_addresses
from probes.web.session import BrowserSession, NamedProcess, _kill_tree, get_browser
from tests.probes.browser_support import context, descendants, needs_chromium, portal_routes


def _tls_server(ca: trustme.CA, host: str) -> WebServer:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(host).configure_cert(server_context)
    return WebServer(portal_routes(), ssl_context=server_context)


def _browser_processes() -> list[tuple[int, str]]:
    return [p for p in descendants() if any(n in p[1] for n in ("chrom", "node", "headless"))]


@needs_chromium
async def test_one_launch_per_run_trusting_the_bundle_with_pinned_names(tmp_path: Path) -> None:
    ca = trustme.CA()
    bundle = tmp_path / "bundle.pem"
    ca.cert_pem.write_to_path(str(bundle))
    with DnsServer({"portal.test": ["127.0.0.1"]}) as dns, _tls_server(ca, "portal.test") as server:
        ctx = context(server.url("/login", host="portal.test"), tmp_path, ca_bundle=bundle,
                      dns_servers=[dns.address])
        async with ctx.resources:
            first, second = await asyncio.gather(get_browser(ctx), get_browser(ctx))
            assert first is second
            result = await BrowserProbe().run(ctx)
        assert not _browser_processes()
    assert result.status == "pass", result.summary
    assert result.evidence.final_host == "portal.test"
    assert ("portal.test", "A") in dns.queries


@needs_chromium
async def test_a_certificate_from_another_ca_is_not_trusted(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.pem"
    trustme.CA().cert_pem.write_to_path(str(bundle))
    with _tls_server(trustme.CA(), "localhost") as server:
        ctx = context(server.url("/login", host="localhost"), tmp_path, ca_bundle=bundle)
        async with ctx.resources:
            result = await BrowserProbe().run(ctx)
    assert result.status == "fail"
    assert result.evidence.navigation_error == "net::ERR_CERT_AUTHORITY_INVALID"
    assert [f.id for f in result.findings] == ["tls.untrusted_issuer"]  # Chromium's own judgement, not a key list


@needs_chromium
@pytest.mark.parametrize("when", ["launching", "loading"])
async def test_cancelled_run_leaves_no_browser_process(tmp_path: Path, when: str) -> None:
    with WebServer({"/login": Page(hang=True)}) as server:
        ctx = context(server.url("/login"), tmp_path)
        task = asyncio.create_task(BrowserProbe().run(ctx))
        if when == "loading":
            while not server.requests:  # a browser that cannot start ends the probe: fail then, never hang
                assert not task.done(), task.result().reason
                await asyncio.sleep(0.05)
        else:
            await asyncio.sleep(0.3)
        assert _browser_processes()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await ctx.resources.aclose()
        assert not _browser_processes()


def test_a_process_that_took_the_browsers_id_after_it_was_named_is_not_killed() -> None:
    """The browser's process id is learnt at launch: a browser that crashed long before the end of the run
    may have left its id to another process, which started after that, and lives on."""
    started = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        time.sleep(0.05)
        _kill_tree(NamedProcess(started.pid, named_at=time.time() - 60))
        assert started.poll() is None
        _kill_tree(NamedProcess(started.pid, named_at=time.time()))
        assert started.wait(timeout=5) != 0
    finally:
        started.kill()
        started.wait()


@needs_chromium
async def test_the_run_ends_its_browser_by_killing_it_and_its_profile_still_goes(tmp_path: Path) -> None:
    """At the end of a run the browser's processes are killed rather than asked to shut down (nothing in it is
    worth Chromium's own shutdown); the driver, stopped next, still removes the temporary profile."""
    ctx = context("http://127.0.0.1:9/", tmp_path)
    async with ctx.resources:
        session = await get_browser(ctx)
        cdp = await session.browser.new_browser_cdp_session()
        info = await cdp.send("SystemInfo.getProcessInfo")
        [pid] = [p["id"] for p in info["processInfo"] if p["type"] == "browser"]
        assert session.process is not None and session.process.pid == pid  # named at launch
        [profile] = [Path(a.split("=", 1)[1]) for a in psutil.Process(pid).cmdline() if a.startswith("--user-data-dir=")]
        assert profile.is_dir()
        await session.end_now()
        for _ in range(100):  # the driver notices the browser's end
            if not session.browser.is_connected():
                break
            await asyncio.sleep(0.05)
        assert not session.browser.is_connected()
        assert not [p for p in _browser_processes() if "chrom" in p[1]]  # gone, the driver still running
    assert not _browser_processes()
    assert not profile.exists()


@needs_chromium
async def test_a_driver_handed_over_is_used_and_stopped_and_a_shared_browser_left_open(tmp_path: Path) -> None:
    ctx = context("http://127.0.0.1:9/", tmp_path)
    ctx.resources.driver = driver = spawn_driver()  # as a caller does before the run's context exists
    async with ctx.resources:
        session = await get_browser(ctx)
        assert session.playwright is await driver and ctx.resources.driver is driver
        shared = context("http://127.0.0.1:9/", tmp_path, session)
        async with shared.resources:
            assert await get_browser(shared) is session
        assert session.browser.is_connected()
    assert isinstance(session, BrowserSession)
    assert not _browser_processes()


@needs_chromium
async def test_every_host_the_page_reaches_resolves_through_the_dns_server(tmp_path: Path) -> None:
    """A host reached only by a script resolves like the portal, when the browser connects; a name the
    server does not know is Chromium's own ERR_NAME_NOT_RESOLVED, as the workstation's browser shows it."""
    script = ("fetch('http://cdn.test:' + location.port + '/cdn.js', {mode: 'no-cors'});"
              "fetch('http://gone.test:' + location.port + '/x.js', {mode: 'no-cors'});")
    login = Page(f"<html><title>Sign in</title><script>{script}</script>"
                 "<form><input name=u><input type=password name=p></form></html>")
    with DnsServer({"portal.test": ["127.0.0.1"], "cdn.test": ["127.0.0.1"]}) as dns, \
            WebServer({"/login": login, "/cdn.js": Page("")}) as server:
        ctx = context(server.url("/login", host="portal.test"), tmp_path, dns_servers=[dns.address])
        async with ctx.resources:
            result = await BrowserProbe().run(ctx)
            await _until(lambda: any(r.path == "/cdn.js" for r in server.requests))
        assert not _browser_processes()
    assert result.evidence.final_host == "portal.test"
    assert {("cdn.test", "A"), ("gone.test", "A")} <= set(dns.queries)
    failed = {f.host: f.error for f in result.evidence.failed_requests}
    assert failed.get("gone.test") == "net::ERR_NAME_NOT_RESOLVED"
    assert "cdn.test" not in failed


@needs_chromium
async def test_a_portal_name_that_does_not_resolve_is_named_as_chromium_names_it(tmp_path: Path) -> None:
    with DnsServer({}) as dns:
        ctx = context("http://nowhere.test:8080/login", tmp_path, dns_servers=[dns.address])
        async with ctx.resources:
            result = await BrowserProbe().run(ctx)
    assert result.evidence.navigation_error == "net::ERR_NAME_NOT_RESOLVED"


async def test_no_portal_addresses_without_a_dns_server(tmp_path: Path) -> None:
    ctx = context("https://portal.test/login", tmp_path)
    assert await portal_addresses(ctx) is None


async def _until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.05)


def test_context_proxy_carries_credentials_and_bypass_apart() -> None:
    settings = ProxySettings(proxies={"https": "http://us%40r:p%3Ass@proxy.test:3128"}, no_proxy=["intranet.test"])
    ctx = SimpleNamespace(proxy=settings)
    option = context_proxy(ctx, "https://portal.test/login")  # type: ignore[arg-type]
    assert option == {"server": "http://proxy.test:3128", "bypass": "intranet.test",
                      "username": "us@r", "password": "p:ss"}
    assert context_proxy(ctx, "https://intranet.test/") is None  # type: ignore[arg-type]


@needs_chromium
async def test_a_browser_that_does_not_start_is_an_error_naming_it(tmp_path: Path) -> None:
    fake = tmp_path / "chrome"
    fake.write_text("#!/bin/sh\n[ \"$1\" = --version ] && echo 'Google Chrome 99.0.4844.51' && exit 0\nexit 1\n")
    fake.chmod(0o755)
    ctx = context("http://127.0.0.1:9/login", tmp_path, browser=str(fake))
    async with ctx.resources:
        result = await BrowserProbe().run(ctx)
    assert result.status == "error"
    assert "did not start" in (result.reason or "")
    assert result.evidence.browser == {"name": "Google Chrome", "version": "99.0.4844.51", "path": str(fake),
                                       "channel": "chrome", "source": "given"}
    assert not _browser_processes()


async def test_the_browser_is_pinned_to_an_address_the_network_probe_reached(tmp_path: Path) -> None:
    """Two A records, the first dead: the relay tries first the address the network probe reached."""
    from probes.dns.evidence import DnsEvidence
    from probes.net.tcp_connect import ConnectAttempt
    from probes.network.evidence import NetworkEvidence

    ctx = context("https://portal.test:8443/login", tmp_path, dns_servers=[("127.0.0.1", 53)])
    ctx.provide(ProbeResult(name="dns", status="pass", evidence=DnsEvidence(
        host="portal.test", mode="dns_servers", addresses=["127.0.0.2", "127.0.0.1"])))
    ctx.provide(ProbeResult(name="network", status="pass", evidence=NetworkEvidence(
        host="portal.test", port=8443, addresses_from="dns", attempts=[
            ConnectAttempt(address="127.0.0.2", port=8443, outcome="refused"),
            ConnectAttempt(address="127.0.0.1", port=8443, outcome="connected")])))
    assert await portal_addresses(ctx) == ["127.0.0.1", "127.0.0.2"]


async def test_a_bundle_is_split_into_its_certificates_for_the_browser_and_a_bundle_without_one_refused(
        tmp_path: Path) -> None:
    import shutil

    from probes.resources import RunResources
    from probes.web.trust import TrustUnavailable, bundle_home

    if shutil.which("certutil") is None:
        pytest.skip("certutil (libnss3-tools) is not installed")
    first, second = trustme.CA(), trustme.CA()
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(b"# two CAs\n" + first.cert_pem.bytes() + second.cert_pem.bytes())
    async with RunResources() as resources:
        home = await bundle_home(resources, bundle, 10.0)
        assert home is not None
        listed = await asyncio.create_subprocess_exec("certutil", "-L", "-d", f"sql:{home / '.pki' / 'nssdb'}",
                                                      stdout=asyncio.subprocess.PIPE)
        out, _ = await listed.communicate()
        assert out.decode().count("diagnose-ca-") == 2
        assert all(line.rstrip().endswith("C,,") for line in out.decode().splitlines() if "diagnose-ca-" in line)
    assert not home.exists()
    empty = tmp_path / "empty.pem"
    empty.write_text("no certificate here\n")
    with pytest.raises(TrustUnavailable, match="no PEM certificate"):
        await bundle_home(RunResources(), empty, 10.0)
