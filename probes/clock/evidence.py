"""What the `clock` probe saw: each time reference and the offset chosen."""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

from typing import Literal

from pydantic import BaseModel, Field

from probes.evidence import Evidence


class ClockReference(BaseModel):
    """One reference's verdict: an NTP server or the portal's Date header."""

    reference: str = Field(description="'ntp:HOST:PORT' or 'http-date'")
    offset_seconds: float | None = Field(default=None, description="workstation minus reference")
    delay_seconds: float | None = None
    stratum: int | None = None
    detail: str | None = None
    error: str | None = None


class ClockSync(BaseModel):
    """How to check and fix clock synchronisation on this workstation's OS."""

    os: str
    check: list[str]
    check_hint: str = ""
    fix: list[str]
    fix_hint: str = ""


class ClockEvidence(Evidence):
    probe: Literal["clock"] = "clock"
    references: list[ClockReference] = []
    offset_seconds: float | None = Field(default=None, description="workstation minus reference; + = ahead")
    reference: str | None = None
    outliers: list[str] = Field(default=[], description="references set aside (absurd, or far from the rest)")
    local_time: str
    timezone: str
    sync: ClockSync | None = None
