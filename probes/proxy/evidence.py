"""What the `proxy` probe saw: the settings in force, the proxy path, VPN interfaces and routes."""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

from typing import Literal

from pydantic import BaseModel, Field

from probes.evidence import Evidence
from probes.net.pac_report import PacReport


class ProxyPath(BaseModel):
    """What happened on the way through the proxy: connect, request, answer, with timings."""

    proxy: str
    request: str = ""
    connected: bool = False
    connect_ms: int | None = None
    answer_ms: int | None = None
    peer: str | None = None
    status: int | None = None
    status_line: str | None = None
    auth_schemes: list[str] = []
    auth_failed: bool = False
    body_first_line: str | None = None
    error: str | None = None


class InterfaceSeen(BaseModel):
    """An interface that is up, or a VPN adapter; `vpn` names the product it looks like."""

    name: str
    description: str = ""
    up: bool
    addresses: list[str]
    vpn: str | None = None
    vpn_active: bool = False
    vpn_inactive_because: str | None = None


class RouteSeen(BaseModel):
    """The interface the route to one portal address leaves through."""

    address: str
    interface: str | None = None
    gateway: str | None = None
    vpn: str | None = None
    error: str | None = None


class ProxyEvidence(Evidence):
    """The proxy settings seen (credentials redacted), the decision for the portal, the path, VPNs."""

    probe: Literal["proxy"] = "proxy"

    source: str = "none"
    detail: str | None = None
    variables: dict[str, str] = {}
    proxies: dict[str, str] = {}
    no_proxy: list[str] = []
    pac_url: str | None = None
    pac_check: str | None = Field(default=None, description="the PAC file's state in one line")
    pac: PacReport | None = Field(default=None, description="PAC fetch, parse and the decision per URL")
    unsupported: str | None = Field(default=None, description="why the proxy in force cannot be used (its scheme)")
    auto_detect: bool = False
    proxy_for_target: str | None = None
    decision: str = ""
    path: ProxyPath | None = None
    interfaces: list[InterfaceSeen] = []
    routes: list[RouteSeen] = []
    notes: list[str] = []
