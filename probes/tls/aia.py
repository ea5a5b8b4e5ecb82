"""Fetching what a certificate points to (its issuer, its revocation status) as the browser would.

Every request goes through `client_for`, so it takes the workstation's proxy and the
`--dns-server` pinning; the answers are plain HTTP (RFC 5280 4.2.2.1, RFC 6960 A.1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
from cryptography import x509

from probes.net.httpclient import client_for, describe_error

if TYPE_CHECKING:
    from probes.base import ProbeContext

MAX_BYTES = 1 << 20


async def fetch(ctx: ProbeContext, url: str, timeout: float, *, body: bytes | None = None,
                content_type: str | None = None) -> tuple[bytes | None, str]:
    """GET (or POST `body` to) `url`; the answer's bytes, or None and why not."""
    if not url.startswith("http://") and not url.startswith("https://"):
        return None, f"{url}: not an http(s) URL"
    try:
        async with client_for(ctx, timeout=timeout) as client:
            if body is None:
                response = await client.get(url)
            else:
                response = await client.post(url, content=body, headers={"Content-Type": content_type or ""})
    except (httpx.HTTPError, OSError) as exc:
        return None, f"{url}: {describe_error(exc)}"
    if response.status_code != 200:
        return None, f"{url}: HTTP {response.status_code}"
    if len(response.content) > MAX_BYTES:
        return None, f"{url}: answer larger than {MAX_BYTES} bytes"
    return response.content, f"{url}: HTTP 200, {len(response.content)} bytes"


def certificates_in(data: bytes) -> list[x509.Certificate]:
    """The certificates in a caIssuers answer: DER, PEM, or a PKCS#7 bundle of either."""
    from cryptography.hazmat.primitives.serialization import pkcs7  # only once an issuer is fetched

    for load in (
        lambda d: [x509.load_der_x509_certificate(d)],
        x509.load_pem_x509_certificates,
        pkcs7.load_der_pkcs7_certificates,
        pkcs7.load_pem_pkcs7_certificates,
    ):
        try:
            return list(load(data))
        except ValueError:
            continue
    return []


async def issuers(ctx: ProbeContext, urls: list[str], timeout: float) -> tuple[list[x509.Certificate], list[str]]:
    """The certificates the caIssuers `urls` serve, and what each attempt gave."""
    found: list[x509.Certificate] = []
    tried: list[str] = []
    for url in urls[:3]:
        data, note = await fetch(ctx, url, timeout)
        certs = certificates_in(data) if data else []
        tried.append(note if data is None else f"{note}, {len(certs)} certificate(s)")
        found += certs
    return found, tried
