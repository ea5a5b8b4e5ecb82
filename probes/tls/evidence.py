"""What the `tls` probe saw: the handshakes and the certificate chain, as the server sent it."""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

from datetime import datetime
from typing import Literal

from pydantic import Field

from probes.evidence import Evidence
from probes.net.tls_handshake import (
    FailureKind,
)
from probes.tls.chain import CertificateInfo


class TlsEvidence(Evidence):
    """What the handshakes showed; `certificates` is the chain as the server sent it."""

    probe: Literal["tls"] = "tls"

    host: str
    port: int
    checked_at: datetime
    address: str | None = Field(default=None, description="address connected to, when direct")
    proxy: str | None = Field(default=None, description="proxy the tunnel went through (no credentials)")
    proxy_status: str | None = Field(default=None, description="the proxy's answer when it refused CONNECT")
    protocol: str | None = None
    cipher: str | None = None
    alpn: str | None = None
    handshake_ms: int | None = None
    failure: FailureKind | None = Field(default=None, description="how the workstation's handshake failed")
    handshake_error: str | None = None
    verified: bool = Field(default=False, description="verification as the workstation does it passed")
    verify_code: int | None = None
    verify_message: str | None = None
    trusted: bool | None = Field(default=None, description="the chain leads to a trusted root, names and dates aside")
    trust_code: int | None = None
    trust_message: str | None = None
    hostname_matches: bool | None = None
    server_protocol: str | None = Field(default=None, description="what the server speaks when the workstation fails")
    server_cipher: str | None = None
    certificates: list[CertificateInfo] = []
    direct_address: str | None = None
    direct_certificate: CertificateInfo | None = Field(default=None, description="leaf seen bypassing the proxy")
    direct_error: str | None = None
    intercepted_by: str | None = None
    trust_path: list[str] = Field(default=[], description="subjects from leaf to trust anchor, as verified")
    trust_anchor: CertificateInfo | None = Field(default=None, description="the trusted root the path ended at")
    trust_anchor_store: Literal["public", "ca_bundle", "system"] | None = Field(
        default=None, description="where that root comes from: the public root list browsers ship (Mozilla's,"
        " standing in for Chrome's), else only --ca-bundle or only the system store (installed locally)")
    name_message: str | None = Field(default=None, description="why the leaf does not name the host")
    aia_tried: list[str] = Field(default=[], description="caIssuers fetches and what each gave")
    issuer_family_trusted: bool | None = Field(
        default=None, description="without AIA: a trusted root shares the missing issuer's organization")
    aia_completed: bool | None = Field(default=None, description="a fetched issuer completed the chain")
    revocation: Literal["good", "revoked", "unknown"] | None = None
    revocation_source: Literal["stapled_ocsp", "ocsp", "crl"] | None = Field(
        default=None, description="where the believed answer came from: the handshake's staple, the responder, the CRL")
    ocsp_stapled: bool | None = Field(
        default=None, description="the server stapled an OCSP answer to the handshake (None: not asked)")
    revoked_at: datetime | None = None
    revocation_reason: str | None = None
    revocation_tried: list[str] = Field(default=[], description="each way asked, in order, and its answer")
    client_certificate_requested: bool = False
    client_certificate_refused: bool = False
