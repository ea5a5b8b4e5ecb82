"""The attempt envelope every probe returns, with its evidence as one typed union.

`ProbeResult.evidence` is tagged by `probe`: a report read back from JSON gets each
probe's own evidence model again, and the shipped JSON Schema describes every field.
Evidence without a known tag (a report from a newer agent) is kept whole as `NoEvidence`.
"""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

from typing import Annotated, Any

from pydantic import BaseModel, Discriminator, Field, Tag

from probes.browser.evidence import BrowserEvidence
from probes.clock.evidence import ClockEvidence
from probes.dns.evidence import DnsEvidence
from probes.evidence import Finding, NoEvidence, ProbeStatus
from probes.http.evidence import HttpEvidence
from probes.login.evidence import LoginEvidence
from probes.network.evidence import NetworkEvidence
from probes.proxy.evidence import ProxyEvidence
from probes.sso.evidence import SsoEvidence
from probes.status_page.evidence import StatusPageEvidence
from probes.tls.evidence import TlsEvidence
from probes.user_browser.evidence import UserBrowserEvidence

KINDS = ("dns", "network", "proxy", "tls", "clock", "http", "status_page", "browser", "sso", "login", "user_browser")


def _kind(value: Any) -> str:
    """The union's tag: the evidence's `probe`, or "none" when it has no known one."""
    kind = value.get("probe") if isinstance(value, dict) else getattr(value, "probe", None)
    return kind if kind in KINDS else "none"


AnyEvidence = Annotated[
    Annotated[DnsEvidence, Tag("dns")]
    | Annotated[NetworkEvidence, Tag("network")]
    | Annotated[ProxyEvidence, Tag("proxy")]
    | Annotated[TlsEvidence, Tag("tls")]
    | Annotated[ClockEvidence, Tag("clock")]
    | Annotated[HttpEvidence, Tag("http")]
    | Annotated[StatusPageEvidence, Tag("status_page")]
    | Annotated[BrowserEvidence, Tag("browser")]
    | Annotated[SsoEvidence, Tag("sso")]
    | Annotated[LoginEvidence, Tag("login")]
    | Annotated[UserBrowserEvidence, Tag("user_browser")]
    | Annotated[NoEvidence, Tag("none")],
    Discriminator(_kind),
]


class ProbeResult(BaseModel):
    """How the probe ended, and what it saw."""

    name: str
    status: ProbeStatus
    duration_ms: int = 0
    summary: str = ""
    reason: str | None = Field(default=None, description="why the probe could not check, when it could not")
    evidence: AnyEvidence = Field(default_factory=NoEvidence)
    findings: list[Finding] = []
