"""What a probe records: the evidence base class, findings, and the small pieces every probe shares.

A leaf module (pydantic alone): every probe's `evidence.py` builds on it, and the
result envelope (`probes.result`) gathers those models into one typed union, so
importing evidence never pulls in a probe.
"""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ProbeStatus = Literal["pass", "warn", "fail", "skip", "error", "timeout"]
Severity = Literal["critical", "warning"]

# `ProbeResult.reason` of a skip the verdict must tell apart from "could not check"
LEFT_OUT = "not selected"  # the user left the probe out (--only, --skip)
NOT_APPLICABLE = "not applicable"  # nothing to look at (no TLS on an http:// portal)


class Evidence(BaseModel):
    """Base of every probe's typed evidence; each subclass names its probe in `probe` (the union's tag).

    `extra="allow"` lets a report read back from JSON keep every field even where the
    concrete evidence class is not known to the reader.
    """

    model_config = ConfigDict(extra="allow")


class NoEvidence(Evidence):
    """A result that recorded nothing (left out, or stopped before it looked)."""

    probe: Literal["none"] = "none"


class CertificateValidity(BaseModel):
    """A certificate's validity window and when it was judged: what a clock skew explains or not."""

    not_before: str
    not_after: str
    checked_at: str | None = Field(default=None, description="the workstation's time when it was judged")


class Finding(BaseModel):
    """Something a probe saw that can explain a failed login, named by a contract cause id.

    The fields the ranking reasons with are typed (`confidence_scale`, `remediation`,
    `validity`, `offset_seconds`, `routes_portal`, `hung`); `data` keeps the other facts for the report.
    """

    id: str = Field(description="contract cause id, e.g. 'tls.cert_expired'")
    severity: Severity
    summary: str = Field(description="one sentence: what was seen, with the figures")
    evidence: list[str] = Field(default=[], description="facts behind it, quoted exactly")
    confidence_scale: float = Field(default=1.0, ge=0, le=1, description="how much of the catalog's confidence")
    remediation: list[str] = Field(default=[], description="steps for this case, before the catalog's")
    validity: CertificateValidity | None = Field(default=None, description="for certificate date findings")
    offset_seconds: float | None = Field(default=None, description="for clock.skew: workstation minus reference")
    routes_portal: bool | None = Field(default=None, description="for vpn.interference: the portal's route uses it")
    hung: bool = Field(default=False, description="the server took the connection and then said nothing")
    data: dict[str, Any] = Field(default_factory=dict, description="other machine-readable facts, for the report")


class Stopwatch:
    """Milliseconds since creation, for `duration_ms` and per-phase timings."""

    def __init__(self) -> None:
        self._start = time.perf_counter()

    def ms(self) -> int:
        return int((time.perf_counter() - self._start) * 1000)

    def seconds(self) -> float:
        return time.perf_counter() - self._start


def status_from(findings: list[Finding]) -> ProbeStatus:
    """`fail` when a finding blocks login, `warn` when one only degrades it, else `pass`."""
    if any(f.severity == "critical" for f in findings):
        return "fail"
    if findings:
        return "warn"
    return "pass"
