"""What the `dns` probe saw: the system's answer, each resolver's, and the addresses later probes use."""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

from typing import Literal

from pydantic import BaseModel, Field

from probes.dns.hosts_file import HostsEntry
from probes.evidence import Evidence
from probes.net.resolvers import ServerAnswer


class SystemAnswer(BaseModel):
    """The operating system's own lookup of the name (getaddrinfo)."""

    outcome: Literal["answer", "error", "timeout"]
    addresses: list[str] = []
    error: str | None = None
    ms: int = 0


class DnsEvidence(Evidence):
    probe: Literal["dns"] = "dns"
    host: str
    mode: Literal["ip_literal", "system", "dns_servers"]
    addresses: list[str] = Field(default=[], description="what later probes connect to")
    system: SystemAnswer | None = None
    hosts_file: HostsEntry | None = None
    resolvers: list[ServerAnswer] = []
    resolvers_from: Literal["dns_servers", "config", "os", "none"] = "none"
