"""What the `proxy` probe saw: the settings in force, the proxy path, VPN interfaces and routes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from probes.evidence import Evidence
from probes.net.pac import PacReport
from probes.proxy.path import ProxyPath
from probes.proxy.vpn import InterfaceSeen, RouteSeen


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
