"""SOCKS proxies from the environment carry every probe; a SOCKS scheme httpx lacks is reported, never a crash."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from agent.engine.diagnosis import diagnose
from demo.socks_server import SocksServer
from demo.web import Page, WebServer
from probes.base import RunConfig
from probes.http.evidence import HttpEvidence
from probes.net.proxy_settings import ProxySettings
from probes.proxy.evidence import ProxyEvidence
from probes.target import Target
from probes.tls.evidence import TlsEvidence
from reports.models import Report

PORTAL = "portal.test"  # resolved by the SOCKS proxy only: nothing here could resolve it


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def portal(ca: trustme.CA) -> Iterator[WebServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(PORTAL).configure_cert(context)
    status = '{"page": {"name": "x"}, "status": {"indicator": "none", "description": "All Systems Operational"}}'
    with WebServer({"/login": Page("<title>Sign in</title><form><input type=password></form>"),
                    "/api/v2/summary.json": Page(status, content_type="application/json")},
                   ssl_context=context) as web:
        yield web


@pytest.fixture
def bundle(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


async def run(portal: WebServer, bundle: Path, proxy_url: str, only: set[str] | None = None) -> Report:
    url = f"https://{PORTAL}:{portal.port}"
    config = RunConfig(ca_bundle=bundle, status_page=f"{url}/", captive_check_url=None, timeout=12)
    return await diagnose(Target.parse(f"{url}/login"), config, only=only or {"proxy", "tls", "http", "status_page"},
                          proxy=ProxySettings.from_environment({"ALL_PROXY": proxy_url}))


def statuses(report: Report) -> dict[str, str]:
    return {p.name: p.status for p in report.probes if p.status != "skip"}


@pytest.mark.parametrize("scheme", ["socks5h", "socks5"])
async def test_socks5_carries_every_probe(portal: WebServer, bundle: Path, scheme: str) -> None:
    with SocksServer(hosts={PORTAL: "127.0.0.1"}) as socks:
        report = await run(portal, bundle, socks.url(scheme))
    assert statuses(report) == {"proxy": "pass", "tls": "pass", "http": "pass", "status_page": "pass"}
    by_name = {p.name: p.evidence for p in report.probes}
    tls, http, proxy = by_name["tls"], by_name["http"], by_name["proxy"]
    assert isinstance(tls, TlsEvidence) and tls.proxy == socks.url(scheme)
    assert isinstance(http, HttpEvidence) and http.proxy == socks.url(scheme)
    assert isinstance(proxy, ProxyEvidence) and proxy.path is not None
    assert proxy.path.status_line == "SOCKS5: succeeded"
    # the proxy probe, the TLS handshake, the login page and the status page all asked the proxy
    assert socks.connects.count(f"{PORTAL}:{portal.port}") >= 4


async def test_socks5_credentials_from_the_url_are_used(portal: WebServer, bundle: Path) -> None:
    with SocksServer("auth", hosts={PORTAL: "127.0.0.1"}, username="clinic", password="p@ss:w/rd") as socks:
        good = await run(portal, bundle, socks.url(userinfo="clinic:p%40ss%3Aw%2Frd@"))
        bad = await run(portal, bundle, socks.url(userinfo="clinic:wrong@"), only={"proxy", "http"})
    assert statuses(good) == {"proxy": "pass", "tls": "pass", "http": "pass", "status_page": "pass"}
    assert bad.causes[0].id == "proxy.auth_required"
    assert "wrong" not in bad.model_dump_json()


async def test_a_refusing_socks_proxy_is_blocked(portal: WebServer, bundle: Path) -> None:
    with SocksServer("refuse", hosts={PORTAL: "127.0.0.1"}) as socks:
        report = await run(portal, bundle, socks.url())
    assert report.causes[0].id == "proxy.blocked"
    assert "not allowed by ruleset" in report.causes[0].evidence[-1]


@pytest.mark.parametrize("url", ["socks4://127.0.0.1:1080", "ftp://127.0.0.1:21"])
async def test_an_unsupported_scheme_is_reported_as_such(portal: WebServer, bundle: Path, url: str) -> None:
    report = await run(portal, bundle, url)
    scheme = url.split(":", 1)[0]
    results = {p.name: p for p in report.probes}
    assert results["proxy"].status == "error" and f"{scheme}:// is not supported" in (results["proxy"].reason or "")
    for name in ("tls", "http"):
        said = f"{results[name].summary} {results[name].reason}"
        assert results[name].status in ("error", "skip") and "not supported" in said, (name, said)
    assert report.status == "unknown" and not any(c.id.startswith("portal.") for c in report.causes)
