"""What the `sso` probe saw: the identity-provider hosts, their reachability and signing certificates."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from probes.evidence import Evidence
from probes.net.host_lookup import HostLookup
from probes.sso.metadata import OidcDiscovery, SamlMetadata

Stage = Literal["dns", "tcp", "tls", "proxy"]


class IdpHost(BaseModel):
    """One identity-provider host and how far a connection to it got."""

    host: str
    port: int
    scheme: str = "https"
    sources: list[str] = Field(default_factory=list, description="profile, http, browser")
    lookup: HostLookup | None = None
    address: str | None = None
    tls_protocol: str | None = None
    reachable: bool = False
    failed_stage: Stage | None = None
    problem: str | None = None
    ms: int = 0


class SsoEvidence(Evidence):
    probe: Literal["sso"] = "sso"
    hosts: list[IdpHost] = Field(default_factory=list)
    saml: SamlMetadata | None = None
    oidc: OidcDiscovery | None = None
