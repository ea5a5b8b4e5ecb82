"""The demo identity provider `sso.demo.test`: SAML metadata and OpenID Connect discovery.

The signing certificate in the metadata is self-signed, as IdPs publish them, and valid
or long expired: an expired one is the `idp-cert-expired` fault. The portal does not
redirect here; the demo profile names the IdP, as a portal's profile would.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from demo.web import Page

ENTITY_ID = "https://sso.demo.test/saml"


@cache
def signing_certificate(expired: bool) -> str:
    """Base64 DER of a self-signed signing certificate: valid for a year, or expired 40 days ago."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Demo IdP Signing"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Demo Provider Portal")])
    now = datetime.now(UTC)
    start, end = (now - timedelta(days=405), now - timedelta(days=40)) if expired else (
        now - timedelta(days=30), now + timedelta(days=335))
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
        .sign(key, hashes.SHA256())
    )
    return base64.b64encode(cert.public_bytes(Encoding.DER)).decode("ascii")


def metadata(expired: bool, base_url: str) -> str:
    cert = signing_certificate(expired)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{ENTITY_ID}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
        Location="{base_url}/saml/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"""


def idp_routes(expired: bool, base_url: str) -> dict[str, Page]:
    """SAML metadata, OIDC discovery and the key set, for the IdP reachable at `base_url`."""
    discovery = {
        "issuer": base_url, "authorization_endpoint": f"{base_url}/authorize",
        "token_endpoint": f"{base_url}/token", "jwks_uri": f"{base_url}/jwks.json",
        "response_types_supported": ["code"], "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
    }
    jwks = {"keys": [{"kty": "EC", "crv": "P-256", "use": "sig", "kid": "demo-1", "alg": "ES256",
                      "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                      "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}
    return {
        "/saml/metadata": Page(metadata(expired, base_url), content_type="application/samlmetadata+xml"),
        "/.well-known/openid-configuration": Page(json.dumps(discovery), content_type="application/json"),
        "/jwks.json": Page(json.dumps(jwks), content_type="application/json"),
        "/": Page("<!doctype html><title>Demo sign-in</title><h1>Demo identity provider</h1>"),
    }
