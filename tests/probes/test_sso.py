"""sso probe against loopback identity providers: a real DNS server, TLS listener and metadata documents."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from demo.dns_server import DnsServer
from demo.web import Page, WebServer
from probes.base import ProbeContext, ProbeResult, RunConfig, enter_probe
from probes.http.probe import Hop, HttpEvidence
from probes.net.proxy_settings import ProxySettings
from probes.profile import Profile
from probes.sso.probe import SsoProbe
from probes.target import Target

PORTAL = "https://portal.example.test/login"
IDP = "idp.example.test"


def signing_cert(not_before: datetime, not_after: datetime) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "IdP Signing")])
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def metadata(*certs: str, use: str = "signing") -> str:
    keys = "".join(
        f'<md:KeyDescriptor use="{use}"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>\n{c}\n'
        f"</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        for c in certs
    )
    return (
        '<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://idp.example.test/saml">'
        f'<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{keys}'
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    )


NOW = datetime.now(UTC)
VALID = signing_cert(NOW - timedelta(days=30), NOW + timedelta(days=300))
EXPIRED = signing_cert(NOW - timedelta(days=400), NOW - timedelta(days=12))


@dataclass
class Lab:
    idp: WebServer
    dns: DnsServer
    bundle: Path
    untrusted_port: int

    def url(self, path: str) -> str:
        return self.idp.url(path, host=IDP)

    def routes(self, saml: str | None = None, jwks: Page | None = None) -> None:
        discovery = {"issuer": f"https://{IDP}", "authorization_endpoint": self.url("/authorize"),
                     "jwks_uri": self.url("/jwks.json")}
        self.idp.routes.clear()
        self.idp.routes.update({
            "/saml/metadata": Page(saml or metadata(VALID), content_type="application/samlmetadata+xml"),
            "/.well-known/openid-configuration": Page(json.dumps(discovery), content_type="application/json"),
            "/jwks.json": jwks or Page(json.dumps({"keys": [{"kty": "EC", "kid": "1"}]}),
                                       content_type="application/json"),
        })


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """An IdP on HTTPS trusted through the bundle, another whose CA is not, and a DNS server naming both."""
    ca, stranger = trustme.CA(), trustme.CA()
    trusted_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(IDP).configure_cert(trusted_ctx)
    untrusted_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    stranger.issue_cert("untrusted.example.test").configure_cert(untrusted_ctx)
    bundle = tmp_path_factory.mktemp("sso") / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    records = {IDP: ["127.0.0.1"], "untrusted.example.test": ["127.0.0.1"], "closed.example.test": ["127.0.0.1"]}
    with WebServer(ssl_context=trusted_ctx) as idp, WebServer(ssl_context=untrusted_ctx) as untrusted, \
            DnsServer(records) as dns:
        yield Lab(idp, dns, bundle, untrusted.port)


async def run(lab: Lab, profile: Profile | None, provide: list[ProbeResult] | None = None) -> ProbeResult:
    config = RunConfig(dns_servers=[lab.dns.address], ca_bundle=lab.bundle, profile=profile)
    ctx = ProbeContext(Target.parse(PORTAL), config, proxy=ProxySettings())
    for result in provide or []:
        ctx.provide(result)
    return await SsoProbe().run(ctx)


def profile(**fields: Any) -> Profile:
    return Profile(name="acme", title="Acme", login_url=PORTAL, **fields)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_healthy_idp(lab: Lab) -> None:
    lab.routes()
    result = await run(lab, profile(idp_hosts=[f"{IDP}:{lab.idp.port}"], saml_metadata_url=lab.url("/saml/metadata"),
                                    oidc_discovery_url=lab.url("/.well-known/openid-configuration")))
    assert (result.status, result.findings) == ("pass", []), result
    [host] = result.evidence.hosts
    assert host.reachable and host.tls_protocol and host.sources == ["profile"]
    assert len(result.evidence.saml.certificates) == 1
    assert result.evidence.oidc.jwks_keys == 1


async def test_a_document_the_deadline_leaves_no_time_for_is_not_checked(lab: Lab) -> None:
    """With the run's deadline about to pass, the metadata is not asked for: a check not made, neither a pass
    nor an unreachable identity provider."""
    lab.routes()
    probe = SsoProbe()
    enter_probe(probe, asyncio.get_running_loop().time() + 0.2)  # as the runner does, the deadline 0.2 s away
    config = RunConfig(dns_servers=[lab.dns.address], ca_bundle=lab.bundle,
                       profile=profile(idp_hosts=[f"{IDP}:{lab.idp.port}"], saml_metadata_url=lab.url("/saml/metadata")))
    result = await probe.run(ProbeContext(Target.parse(PORTAL), config, proxy=ProxySettings()))
    assert (result.status, result.findings) == ("timeout", []), result
    assert "deadline" in (result.evidence.saml.error or "")


async def test_closed_port_is_unreachable(lab: Lab) -> None:
    result = await run(lab, profile(idp_hosts=[f"closed.example.test:{closed_port()}"]))
    [finding] = result.findings
    assert (finding.id, finding.severity, finding.data["stage"]) == ("sso.idp_unreachable", "critical", "tcp")
    assert "refused" in finding.summary


async def test_unknown_name_is_unreachable(lab: Lab) -> None:
    result = await run(lab, profile(idp_hosts=["missing.example.test"]))
    [finding] = result.findings
    assert (finding.id, finding.data["stage"]) == ("sso.idp_unreachable", "dns")
    assert "nxdomain" in finding.summary


async def test_untrusted_certificate_is_unreachable(lab: Lab) -> None:
    result = await run(lab, profile(idp_hosts=[f"untrusted.example.test:{lab.untrusted_port}"]))
    [finding] = result.findings
    assert (finding.id, finding.data["stage"]) == ("sso.idp_unreachable", "tls")
    assert "certificate" in finding.summary


async def test_expired_signing_certificate(lab: Lab) -> None:
    lab.routes(saml=metadata(EXPIRED))
    result = await run(lab, profile(saml_metadata_url=lab.url("/saml/metadata")))
    [finding] = result.findings
    assert (finding.id, finding.severity, result.status) == ("sso.idp_cert_expired", "critical", "fail")
    assert finding.validity is not None and finding.validity.not_after < (finding.validity.checked_at or "")
    assert "12 days ago" in finding.summary
    assert [h.host for h in result.evidence.hosts] == [IDP]


async def test_rollover_with_one_valid_certificate_is_fine(lab: Lab) -> None:
    lab.routes(saml=metadata(EXPIRED, VALID))
    result = await run(lab, profile(saml_metadata_url=lab.url("/saml/metadata")))
    assert result.findings == [] and len(result.evidence.saml.certificates) == 2


async def test_encryption_keys_are_not_signing_keys(lab: Lab) -> None:
    lab.routes(saml=metadata(EXPIRED, use="encryption"))
    result = await run(lab, profile(saml_metadata_url=lab.url("/saml/metadata")))
    assert result.findings == []
    assert result.evidence.saml.error == "no signing certificate in the metadata"


async def test_failing_key_set_is_unreachable(lab: Lab) -> None:
    lab.routes(jwks=Page("down", status=503))
    result = await run(lab, profile(oidc_discovery_url=lab.url("/.well-known/openid-configuration")))
    [finding] = result.findings
    assert (finding.id, finding.data["stage"]) == ("sso.idp_unreachable", "http")
    assert "/jwks.json answered 503" in finding.summary


async def test_hosts_from_the_redirect_chain(lab: Lab) -> None:
    closed = closed_port()
    hops = [Hop(url=PORTAL, status=302), Hop(url=f"https://closed.example.test:{closed}/authorize", error="refused")]
    http = ProbeResult(name="http", status="error", evidence=HttpEvidence(url=PORTAL, hops=hops,
                                                                         redirect_hosts=["portal.example.test"]))
    result = await run(lab, None, provide=[http])
    [host] = result.evidence.hosts
    assert (host.host, host.port, host.sources) == ("closed.example.test", closed, ["http"])
    assert [f.id for f in result.findings] == ["sso.idp_unreachable"]


async def test_no_idp_known_is_skip(lab: Lab) -> None:
    http = ProbeResult(name="http", status="pass", evidence=HttpEvidence(url=PORTAL, hops=[Hop(url=PORTAL)]))
    result = await run(lab, profile(), provide=[http])
    assert result.status == "skip" and result.reason
