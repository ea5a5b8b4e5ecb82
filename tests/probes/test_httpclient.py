"""The shared HTTP client: pinning keeps the name for SNI, Host and verification; proxies are honoured."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest
import trustme

from demo.web import Page, WebServer
from probes.base import ProbeContext, ProbeResult, RunConfig
from probes.dns.evidence import DnsEvidence
from probes.net.httpclient import client_for, tls_error
from probes.net.proxy_settings import ProxySettings
from probes.target import Target


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def _https_server(ca: trustme.CA, name: str) -> WebServer:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(context)
    return WebServer({"/login": Page("<title>Sign in</title>")}, ssl_context=context)


def _pinned_context(url: str, addresses: list[str], **config: object) -> ProbeContext:
    ctx = ProbeContext(Target.parse(url), RunConfig(**config), proxy=ProxySettings())
    ctx.provide(ProbeResult(name="dns", status="pass", evidence=DnsEvidence(host="portal.test", mode="dns_servers", addresses=addresses)))
    return ctx


async def test_pinned_name_reaches_the_address_with_sni_and_host(ca: trustme.CA, ca_file: Path) -> None:
    with _https_server(ca, "portal.test") as server:
        url = f"https://portal.test:{server.port}/login"
        ctx = _pinned_context(url, ["127.0.0.1"], ca_bundle=ca_file)
        async with client_for(ctx) as client:
            response = await client.get(url)
    assert response.status_code == 200
    assert str(response.url) == url  # the caller sees the name, not the address
    assert server.requests[0].headers["Host"] == f"portal.test:{server.port}"


async def test_pinning_still_verifies_the_certificate_name(ca: trustme.CA, ca_file: Path) -> None:
    with _https_server(ca, "other.test") as server:
        url = f"https://portal.test:{server.port}/login"
        ctx = _pinned_context(url, ["127.0.0.1"], ca_bundle=ca_file)
        async with client_for(ctx) as client:
            with pytest.raises(httpx.ConnectError) as caught:
                await client.get(url)
    error = tls_error(caught.value)
    assert isinstance(error, ssl.SSLCertVerificationError)
    assert "portal.test" in str(error)


async def test_refused_address_moves_on_to_the_next_pinned_one(ca: trustme.CA, ca_file: Path) -> None:
    with _https_server(ca, "portal.test") as server:
        url = f"https://portal.test:{server.port}/login"
        ctx = _pinned_context(url, ["127.0.0.2", "127.0.0.1"], ca_bundle=ca_file)
        async with client_for(ctx) as client:
            response = await client.get(url)
    assert response.status_code == 200


async def test_default_trust_rejects_a_private_ca(ca: trustme.CA) -> None:
    with _https_server(ca, "portal.test") as server:
        url = f"https://portal.test:{server.port}/login"
        ctx = _pinned_context(url, ["127.0.0.1"])
        async with client_for(ctx) as client:
            with pytest.raises(httpx.ConnectError) as caught:
                await client.get(url)
    assert isinstance(tls_error(caught.value), ssl.SSLCertVerificationError)


async def test_proxy_carries_the_request_and_nothing_is_pinned() -> None:
    # a plain-HTTP proxy gets the absolute URL; the loopback server answers it by path
    with WebServer({"/login": Page("via proxy")}) as proxy:
        url = "http://portal.test/login"
        ctx = ProbeContext(Target.parse(url), RunConfig(), proxy=ProxySettings(proxies={"http": proxy.url("")}))
        ctx.provide(ProbeResult(name="dns", status="pass", evidence=DnsEvidence(host="portal.test", mode="dns_servers", addresses=["192.0.2.1"])))
        async with client_for(ctx) as client:
            response = await client.get(url)
    assert response.text == "via proxy"
    assert proxy.requests[0].path == url


async def test_base_url_takes_relative_paths() -> None:
    with WebServer({"/status/api/v2/summary.json": Page("{}", content_type="application/json")}) as server:
        ctx = ProbeContext(Target.parse(server.url("/")), RunConfig(), proxy=ProxySettings())
        async with client_for(ctx, server.url("/status")) as client:
            response = await client.get("/api/v2/summary.json")
    assert response.json() == {}


async def test_other_hosts_resolve_through_the_named_dns_server() -> None:
    """With --dns-server, an identity provider's or status page's name is resolved by that
    server too, never by the system's resolver."""
    from demo.dns_server import DnsServer

    with DnsServer({"idp.test": ["127.0.0.1"]}) as dns, WebServer({"/saml": Page("<md/>")}) as idp:
        ctx = ProbeContext(Target.parse("https://portal.test/login"),
                           RunConfig(dns_servers=[dns.address]), proxy=ProxySettings())
        async with client_for(ctx) as client:
            answer = await client.get(f"http://idp.test:{idp.port}/saml")
            with pytest.raises(httpx.ConnectError, match="cannot resolve nowhere.test"):
                await client.get(f"http://nowhere.test:{idp.port}/saml")
        assert answer.status_code == 200 and idp.requests[0].headers["Host"] == f"idp.test:{idp.port}"
        assert ("idp.test", "A") in dns.queries and ("nowhere.test", "A") in dns.queries
