"""The tls probe against real TLS servers on loopback, one per certificate fault."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from demo.certs import WRONG_HOST, DemoCA
from demo.proxy_server import ProxyServer
from demo.web import Page, WebServer
from probes.base import ProbeContext, ProbeResult, RunConfig, enter_probe
from probes.dns.evidence import DnsEvidence
from probes.evidence import NOT_APPLICABLE, Finding
from probes.net.proxy_settings import ProxySettings
from probes.profile import Profile
from probes.target import Target
from probes.tls.chain import CertificateInfo, names_host
from probes.tls.probe import TlsProbe

HOST = "localhost"
GATEWAY = "Acme Web Gateway CA"  # a name no known product uses: only the comparison can tell


@pytest.fixture(scope="module")
def ca() -> DemoCA:
    return DemoCA()


@pytest.fixture(scope="module")
def bundle(ca: DemoCA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ca.write_bundle(tmp_path_factory.mktemp("tls") / "bundle.pem")


@pytest.fixture(scope="module")
def serve(ca: DemoCA) -> Iterator[Callable[..., WebServer]]:
    """A started HTTPS server per (kind or mitm issuer), shared by the module, stopped in parallel."""
    servers: dict[str, WebServer] = {}

    def get(kind: str = "valid", mitm: str | None = None) -> WebServer:
        key = f"mitm:{mitm}" if mitm else kind
        if key not in servers:
            context = ca.mitm_context(HOST, mitm) if mitm else ca.server_context([HOST], kind)
            servers[key] = WebServer({"/": Page("portal")}, ssl_context=context).start()
        return servers[key]

    yield get
    stop_all(servers.values())


@pytest.fixture(scope="module")
def proxies(ca: DemoCA) -> Iterator[Callable[[str], ProxyServer]]:
    """A started demo proxy per mode, shared by the module, stopped in parallel."""
    started: dict[str, ProxyServer] = {}

    def get(mode: str) -> ProxyServer:
        if mode not in started:
            resign = (lambda host: ca.mitm_context(host, GATEWAY)) if mode == "mitm" else None
            started[mode] = ProxyServer(mode, mitm_context=resign).start()
        return started[mode]

    yield get
    stop_all(started.values())


def stop_all(servers: Iterable[WebServer | ProxyServer]) -> None:
    """Stop servers at once: each waits out its serve_forever poll interval."""
    threads = [threading.Thread(target=s.stop) for s in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def context(port: int, bundle: Path, *, proxy: str | None = None, now: datetime | None = None,
            profile: Profile | None = None, scheme: str = "https") -> ProbeContext:
    ctx = ProbeContext(
        Target.parse(f"{scheme}://{HOST}:{port}/login"),
        RunConfig(ca_bundle=bundle, timeout=8, profile=profile),
        proxy=ProxySettings(proxies={"https": proxy}) if proxy else ProxySettings(),
        **({"now": lambda: now} if now else {}),
    )
    ctx.provide(ProbeResult(name="dns", status="pass", evidence=DnsEvidence(host="localhost", mode="dns_servers", addresses=["127.0.0.1"])))
    return ctx


async def run(ctx: ProbeContext) -> ProbeResult:
    result = await TlsProbe().run(ctx)
    assert result.status != "error", result.reason
    return result


def ids(result: ProbeResult) -> list[str]:
    return [f.id for f in result.findings]


async def test_valid_certificate_passes(serve, bundle) -> None:
    result = await run(context(serve().port, bundle))
    assert result.status == "pass" and result.findings == []
    ev = result.evidence
    assert ev.verified and ev.trusted and ev.hostname_matches
    assert ev.protocol == "TLSv1.3" and ev.address == "127.0.0.1"
    assert [c.issuer_common_name for c in ev.certificates] == [
        "Demo Portal Root CA - Issuing CA 1", "Demo Portal Root CA"]
    assert ev.certificates[0].dns_names == [HOST] and len(ev.certificates[0].sha256) == 64


@pytest.mark.parametrize(("kind", "cause", "severity"), [
    ("expired", "tls.cert_expired", "critical"),
    ("not_yet_valid", "tls.cert_not_yet_valid", "critical"),
    ("expiring_soon", "tls.expiring_soon", "warning"),
])
async def test_validity_dates(serve, bundle, kind: str, cause: str, severity: str) -> None:
    result = await run(context(serve(kind).port, bundle))
    assert ids(result) == [cause]
    finding = result.findings[0]
    assert finding.severity == severity
    leaf = result.evidence.certificates[0]
    assert finding.validity is not None and finding.validity.not_before == leaf.not_before.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert finding.validity.not_after == leaf.not_after.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert finding.validity.checked_at and {"position", "subject"} <= finding.data.keys()
    if kind == "expiring_soon":
        assert result.status == "warn" and finding.data["days_left"] == 7


async def test_clock_ahead_makes_a_valid_certificate_look_expired(serve, bundle) -> None:
    ahead = datetime.now().astimezone() + timedelta(days=365)
    result = await run(context(serve().port, bundle, now=ahead))
    assert ids(result) == ["tls.cert_expired"]
    finding = result.findings[0]
    assert finding.validity is not None and finding.validity.not_after < (finding.validity.checked_at or "")
    assert finding.data["position"] == 0
    assert result.evidence.verified  # OpenSSL, on the real clock, is content: only the clock is off


async def test_clock_behind_makes_it_look_not_yet_valid(serve, bundle) -> None:
    behind = datetime.now().astimezone() - timedelta(days=30)
    result = await run(context(serve().port, bundle, now=behind))
    assert ids(result) == ["tls.cert_not_yet_valid"]


async def test_wrong_host(serve, bundle) -> None:
    result = await run(context(serve("wrong_host").port, bundle))
    assert ids(result) == ["tls.hostname_mismatch"]
    assert result.findings[0].data["names"] == [WRONG_HOST]
    assert result.evidence.trusted and result.evidence.name_message == "leaf certificate has no matching subjectAltName"


async def test_self_signed(serve, bundle) -> None:
    result = await run(context(serve("self_signed").port, bundle))
    assert ids(result) == ["tls.untrusted_issuer"]
    data = result.findings[0].data
    assert data["self_signed"] is True and data["verify_message"] == "self-signed certificate"


async def test_incomplete_chain(serve, bundle) -> None:
    result = await run(context(serve("incomplete_chain").port, bundle))
    assert ids(result) == ["tls.incomplete_chain"]
    data = result.findings[0].data
    assert data["chain_length"] == 1 and data["missing_issuer"].startswith("CN=Demo Portal Root CA - Issuing CA 1,")


async def test_weak_protocol_is_a_handshake_failure(serve, bundle) -> None:
    result = await run(context(serve("weak_protocol").port, bundle))
    assert ids(result) == ["tls.handshake_failure"]
    data = result.findings[0].data
    # OpenSSL words it by build ("unsupported protocol", "legacy sigalg disallowed"): the kind and the
    # protocol the server does speak are what the finding stands on
    assert data["failure"] == "tls" and data["error"]
    assert data["server_protocol"] == "TLSv1"


async def test_connection_reset_during_handshake(bundle) -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(10)
        writer.transport.abort()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    async with server:
        result = await run(context(server.sockets[0].getsockname()[1], bundle))
    assert ids(result) == ["tls.handshake_failure"]
    assert result.findings[0].data["failure"] == "reset"


@pytest.mark.parametrize(("deadline", "status", "found"), [(1.2, "fail", ["tls.handshake_failure"]),
                                                          (0.3, "timeout", [])])
async def test_a_silence_the_deadline_cut_short_is_not_a_hung_server(bundle, deadline, status, found) -> None:
    """A server that takes the connection and says nothing is hung when the wait was worth something; a wait the
    run's deadline cut below half a second is a check not made (a far server's first answer can take that)."""
    async def say_nothing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    server = await asyncio.start_server(say_nothing, "127.0.0.1", 0)
    async with server:
        probe = TlsProbe()
        enter_probe(probe, asyncio.get_running_loop().time() + deadline)  # as the runner does
        result = await probe.run(context(server.sockets[0].getsockname()[1], bundle))
    assert (result.status, ids(result)) == (status, found), result


async def test_refused_port_is_an_error_not_a_finding(bundle) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = await TlsProbe().run(context(port, bundle))
    assert result.status == "error" and "127.0.0.1" in (result.reason or "")


@pytest.mark.parametrize("trusted", [True, False])
async def test_known_inspection_product_by_issuer_name(serve, ca, bundle, tmp_path, trusted) -> None:
    trust = tmp_path / "bundle.pem"
    trust.write_bytes(bundle.read_bytes() + (ca.mitm_ca_pem("Zscaler Root CA") if trusted else b""))
    result = await run(context(serve(mitm="Zscaler Root CA").port, trust))
    assert ids(result) == ["tls.intercepted"]  # never also untrusted_issuer: that is its symptom
    data = result.findings[0].data
    assert data["product"] == "Zscaler" and data["methods"] == ["issuer_name"]
    assert data["trusted"] is trusted and result.evidence.intercepted_by == "Zscaler"


def issuers_profile(port: int, *issuers: str) -> Profile:
    return Profile(name="demo", title="Demo portal", login_url=f"https://{HOST}:{port}/login",
                   expected_tls_issuers=list(issuers))


async def test_unexpected_issuer_for_the_profile(serve, bundle) -> None:
    port = serve().port
    odd = await run(context(port, bundle, profile=issuers_profile(port, "Other CA")))
    assert ids(odd) == ["tls.intercepted"] and odd.findings[0].data["methods"] == ["expected_issuer"]
    fine = await run(context(port, bundle, profile=issuers_profile(port, "Demo Portal Root CA")))
    assert fine.status == "pass"


async def test_untrusted_self_signed_certificate_is_not_called_interception(serve, bundle) -> None:
    """Only an unexpected issuer, and an untrusted one: a bad certificate, not a re-signing product."""
    port = serve(kind="self_signed").port
    result = await run(context(port, bundle, profile=issuers_profile(port, "Demo Portal Root CA")))
    assert ids(result) == ["tls.untrusted_issuer"]


async def test_plain_http_is_skipped(bundle) -> None:
    result = await TlsProbe().run(context(80, bundle, scheme="http"))
    assert result.status == "skip" and result.reason == NOT_APPLICABLE and "http://" in result.summary


async def test_unreachable_portal_is_not_tried(serve, bundle) -> None:
    ctx = context(serve().port, bundle)
    refused = Finding(id="network.refused", severity="critical", summary="localhost:443 refused the connection")
    ctx.provide(ProbeResult(name="network", status="fail", summary=refused.summary, findings=[refused]))
    result = await TlsProbe().run(ctx)
    assert result.status == "skip" and "refused the connection" in (result.reason or "")


async def test_a_captive_portal_alone_does_not_stop_the_check(serve, bundle) -> None:
    ctx = context(serve().port, bundle)
    captive = Finding(id="network.captive_portal", severity="critical", summary="a hotspot answers")
    ctx.provide(ProbeResult(name="network", status="fail", findings=[captive]))
    assert (await run(ctx)).status == "pass"


# --- through a proxy: the demo proxy forwards, refuses, or re-signs like an inspecting gateway ---

async def test_forwarding_proxy_shows_the_portals_own_certificate(serve, proxies, bundle) -> None:
    ctx = context(serve().port, bundle, proxy=proxies("forward").url.replace("://", "://user:secret@"))
    ctx.provide(ProbeResult(name="network", status="fail", summary="direct TCP blocked"))
    result = await run(ctx)
    assert result.status == "pass", result.summary
    ev = result.evidence
    assert ev.proxy is not None and "secret" not in ev.proxy and ev.address is None
    assert ev.direct_certificate is not None and ev.direct_address == "127.0.0.1"
    assert ev.direct_certificate.sha256 == ev.certificates[0].sha256


async def test_re_signing_proxy_is_caught_by_comparison(serve, proxies, ca, bundle, tmp_path) -> None:
    trust = tmp_path / "bundle.pem"
    trust.write_bytes(bundle.read_bytes() + ca.mitm_ca_pem(GATEWAY))
    result = await run(context(serve().port, trust, proxy=proxies("mitm").url))
    assert ids(result) == ["tls.intercepted"]
    data = result.findings[0].data
    assert data["methods"] == ["proxy_comparison"] and data["product"] is None
    assert data["issuer"] == f"CN={GATEWAY},O={GATEWAY}" and data["trusted"] is True
    assert data["direct_issuer"].startswith("CN=Demo Portal Root CA - Issuing CA 1,")


@pytest.mark.parametrize(("mode", "said"), [
    ("auth_required", "HTTP/1.1 407 Proxy Authentication Required"),
    ("forbidden", "HTTP/1.1 403 Forbidden"),
    ("close", None),
])
async def test_proxy_refusing_the_tunnel_is_left_to_the_proxy_probe(serve, proxies, bundle, mode, said) -> None:
    result = await TlsProbe().run(context(serve().port, bundle, proxy=proxies(mode).url))
    assert result.status == "skip" and result.findings == []
    assert "did not open a tunnel" in (result.reason or "")
    assert result.evidence.proxy_status == said


@pytest.mark.parametrize(("names", "host", "ok"), [
    (["portal.example.com"], "portal.example.com", True),
    (["*.example.com"], "portal.example.com", True),
    (["*.example.com"], "a.b.example.com", False),
    (["*.com"], "example.com", False),
    (["Portal.Example.com."], "portal.example.com", True),
])
def test_names_host(names: list[str], host: str, ok: bool) -> None:
    cert = CertificateInfo(
        subject="CN=x", issuer="CN=y", dns_names=names, not_before=datetime.now(), not_after=datetime.now(),
        serial="1", sha256="", spki_sha256="", key_type="EC", signature_algorithm="ecdsa-with-SHA256",
    )
    assert names_host(cert, host) is ok
