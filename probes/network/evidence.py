"""What the `network` probe saw: each TCP attempt, the route taken, the captive-portal check."""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

from typing import Literal

from pydantic import BaseModel, Field

from probes.evidence import Evidence
from probes.net.tcp_connect import ConnectAttempt

CaptiveOutcome = Literal["open", "captive", "unexpected", "unreachable"]


class CaptiveCheck(BaseModel):
    """What the check URL answered, and what that says about the network."""

    url: str
    outcome: CaptiveOutcome
    status_code: int | None = None
    location: str | None = None
    proxy: str | None = None
    ms: int = 0
    error: str | None = None


class NetworkEvidence(Evidence):
    probe: Literal["network"] = "network"
    host: str
    port: int
    addresses_from: Literal["dns", "system"]
    attempts: list[ConnectAttempt] = []
    proxy: str | None = Field(default=None, description="the proxy that carries the portal's traffic, if any")
    local_address: str | None = Field(default=None, description="source address of the route taken")
    interface: str | None = Field(default=None, description="interface holding that source address")
    captive: CaptiveCheck | None = None
