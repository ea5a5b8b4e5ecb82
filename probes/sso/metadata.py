"""An identity provider's published keys: SAML metadata signing certificates and OIDC discovery.

A SAML IdP whose signing certificate has expired still answers, but every assertion it
signs is rejected by the portal, so the login dies after the password page. An OIDC
provider whose discovery document or key set cannot be fetched breaks the login the
same way. This module reads both; `probes.sso.probe` turns what it reads into findings.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING

import httpx
from cryptography import x509

from probes.base import MIN_SILENCE_SECONDS
from probes.net.capped import get_capped
from probes.sso.evidence import OidcDiscovery, SamlMetadata, SigningCertificate
from probes.text import durations

if TYPE_CHECKING:
    from probes.base import ProbeContext


_MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"
_DS = "{http://www.w3.org/2000/09/xmldsig#}"
MAX_BODY = 1_000_000
FETCH_SECONDS = 8.0


class FetchFailed(Exception):
    """A metadata document could not be fetched or read; the message says how, in one line."""

    def __init__(self, message: str, server_side: bool) -> None:
        super().__init__(message)
        self.server_side = server_side  # True: the IdP failed (5xx, no answer); False: a wrong URL or bad document


class OutOfTime(FetchFailed):
    """The run's deadline left too little time to fetch a document: could not check, not a finding."""

    def __init__(self, message: str) -> None:
        super().__init__(message, server_side=False)


async def fetch(ctx: ProbeContext, client: httpx.AsyncClient, url: str) -> bytes:
    """The body of `url` (200 only), the name resolved as the run resolves names.

    At most `MAX_BODY` decoded bytes are read, within the probe's time left: metadata is
    small, and a compressed bomb (1 MB of gzip is 2 GB of XML) must cost nothing. Raises OutOfTime
    rather than ask with less than `MIN_SILENCE_SECONDS` left: a silence then would say nothing of the
    identity provider, only of the deadline.
    """
    seconds = ctx.time_left(FETCH_SECONDS, keep=0.2)
    if seconds < MIN_SILENCE_SECONDS:
        raise OutOfTime(f"{url}: not fetched, the run's deadline left {durations.seconds(seconds)} s")
    try:
        got = await get_capped(client, url, max_bytes=MAX_BODY, seconds=seconds)
    except httpx.HTTPError as exc:
        raise FetchFailed(f"{url}: {type(exc).__name__}: {exc}".rstrip(": "), server_side=True) from None
    response = got.response
    if response.status_code != 200:
        raise FetchFailed(f"{url} answered {response.status_code} {response.reason_phrase}",
                          server_side=response.status_code >= 500)
    if got.truncated:
        raise FetchFailed(f"{url}: larger than {MAX_BODY} bytes once decompressed; not read further",
                          server_side=False)
    return got.body


def read_saml(url: str, body: bytes) -> SamlMetadata:
    """The IdP's signing certificates from SAML 2.0 metadata (EntityDescriptor or EntitiesDescriptor)."""
    import xml.etree.ElementTree as ET  # only when a portal publishes SAML metadata

    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise FetchFailed(f"{url}: not XML ({exc})", server_side=False) from None
    entity = root if root.tag == f"{_MD}EntityDescriptor" else root.find(f".//{_MD}EntityDescriptor")
    if entity is None:
        raise FetchFailed(f"{url}: no SAML EntityDescriptor in the document", server_side=False)
    idp = entity.find(f"{_MD}IDPSSODescriptor")
    holder = idp if idp is not None else entity
    metadata = SamlMetadata(url=url, entity_id=entity.get("entityID"))
    for descriptor in holder.iter(f"{_MD}KeyDescriptor"):
        use = descriptor.get("use") or "any"
        if use == "encryption":
            continue
        for element in descriptor.iter(f"{_DS}X509Certificate"):
            cert = _certificate(element.text or "")
            if cert is not None:
                metadata.certificates.append(SigningCertificate(
                    subject=cert.subject.rfc4514_string(), issuer=cert.issuer.rfc4514_string(),
                    not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc, use=use,
                ))
    if not metadata.certificates:
        metadata.error = "no signing certificate in the metadata"
    return metadata


def _certificate(text: str) -> x509.Certificate | None:
    try:
        return x509.load_der_x509_certificate(base64.b64decode("".join(text.split()), validate=True))
    except (ValueError, binascii.Error):
        return None


async def read_oidc(ctx: ProbeContext, client: httpx.AsyncClient, url: str) -> OidcDiscovery:
    """The discovery document, then its `jwks_uri`: both must answer for a login to be verified."""
    document = _json(url, await fetch(ctx, client, url))
    discovery = OidcDiscovery(
        url=url, issuer=_text(document.get("issuer")),
        authorization_endpoint=_text(document.get("authorization_endpoint")),
        jwks_uri=_text(document.get("jwks_uri")),
    )
    if not discovery.jwks_uri:
        raise FetchFailed(f"{url}: the discovery document names no jwks_uri", server_side=False)
    keys = _json(discovery.jwks_uri, await fetch(ctx, client, discovery.jwks_uri)).get("keys")
    discovery.jwks_keys = len(keys) if isinstance(keys, list) else 0
    if not discovery.jwks_keys:
        discovery.error = f"{discovery.jwks_uri}: the key set holds no keys"
    return discovery


def _json(url: str, body: bytes) -> dict[str, object]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise FetchFailed(f"{url}: not JSON", server_side=False) from None
    if not isinstance(data, dict):
        raise FetchFailed(f"{url}: not a JSON object", server_side=False)
    return data


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
