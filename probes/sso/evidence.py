"""What the `sso` probe saw: the identity-provider hosts, their reachability and signing certificates."""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from probes.evidence import Evidence
from probes.net.host_lookup import HostLookup

Stage = Literal["dns", "tcp", "tls", "proxy"]


class SigningCertificate(BaseModel):
    subject: str
    issuer: str
    not_before: datetime
    not_after: datetime
    use: str = Field(description="'signing', or 'any' when the KeyDescriptor has no use")


class SamlMetadata(BaseModel):
    url: str
    entity_id: str | None = None
    certificates: list[SigningCertificate] = []
    error: str | None = None


class OidcDiscovery(BaseModel):
    url: str
    issuer: str | None = None
    authorization_endpoint: str | None = None
    jwks_uri: str | None = None
    jwks_keys: int | None = Field(default=None, description="keys in the JWKS document")
    error: str | None = None


class IdpHost(BaseModel):
    """One identity-provider host and how far a connection to it got."""

    host: str
    port: int
    scheme: str = "https"
    sources: list[str] = Field(default=[], description="profile, http, browser")
    lookup: HostLookup | None = None
    address: str | None = None
    tls_protocol: str | None = None
    reachable: bool = False
    failed_stage: Stage | None = None
    problem: str | None = None
    ms: int = 0


class SsoEvidence(Evidence):
    probe: Literal["sso"] = "sso"
    hosts: list[IdpHost] = []
    saml: SamlMetadata | None = None
    oidc: OidcDiscovery | None = None
