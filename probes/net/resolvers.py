"""Asking one DNS server about one name, and recording exactly how it answered.

Each server is queried on its own (nameserver and port set explicitly, no search
list, a short lifetime), so "which resolver said what" survives into the evidence:
the rcode or the silence, the addresses, their TTLs and the time taken.
"""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

import asyncio
import ipaddress
from typing import Literal

import dns.asyncresolver
import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.resolver
from pydantic import BaseModel, Field

from probes.evidence import Stopwatch
from probes.text.durations import seconds

Outcome = Literal["answer", "nxdomain", "no_answer", "servfail", "refused", "timeout", "error"]

# When a server's A and AAAA queries end differently, the most telling outcome speaks for it.
_RANK: tuple[Outcome, ...] = ("answer", "nxdomain", "no_answer", "servfail", "refused", "timeout", "error")


class DnsQuery(BaseModel):
    """One question (A or AAAA) put to one server, and its answer."""

    rdtype: str
    outcome: Outcome
    answers: list[str] = []
    ttl: int | None = None
    canonical_name: str | None = None
    ms: int = 0
    error: str | None = None


class ServerAnswer(BaseModel):
    """A server's answers for the name: A and AAAA together, with the outcome that speaks for both."""

    server: str = Field(description="host:port of the resolver")
    outcome: Outcome
    addresses: list[str] = []
    queries: list[DnsQuery] = []
    ms: int = 0


def system_resolvers() -> list[tuple[str, int]]:
    """The OS's configured resolvers as dnspython reads them (resolv.conf, or the Windows registry)."""
    try:
        resolver = dns.resolver.Resolver()
    except (dns.resolver.NoResolverConfiguration, OSError):
        return []
    found: list[tuple[str, int]] = []
    for server in resolver.nameservers:
        address = str(server)
        try:
            ipaddress.ip_address(address)
        except ValueError:
            continue  # DNS-over-HTTPS URLs and the like: not what the OS stub asks
        found.append((address, resolver.port))
    return found


def server_label(server: tuple[str, int]) -> str:
    host, port = server
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


async def ask(server: tuple[str, int], host: str, lifetime: float) -> ServerAnswer:
    """A and AAAA for `host` from `server`, concurrently, each within `lifetime` seconds."""
    watch = Stopwatch()
    results = await asyncio.gather(*(_query(server, host, rdtype, lifetime) for rdtype in ("A", "AAAA")))
    addresses = [a for q in results for a in q.answers]
    outcome = min((q.outcome for q in results), key=_RANK.index)
    return ServerAnswer(
        server=server_label(server), outcome=outcome, addresses=addresses, queries=list(results),
        ms=watch.ms(),
    )


async def _query(server: tuple[str, int], host: str, rdtype: str, lifetime: float) -> DnsQuery:
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = [server[0]]
    resolver.port = server[1]
    resolver.timeout = lifetime
    resolver.lifetime = lifetime
    resolver.search = []
    watch = Stopwatch()
    qname = dns.name.from_text(host)
    try:
        answer = await resolver.resolve(qname, rdtype, search=False, raise_on_no_answer=False)
    except dns.resolver.NXDOMAIN:
        return DnsQuery(rdtype=rdtype, outcome="nxdomain", ms=watch.ms())
    except dns.resolver.NoNameservers as exc:
        outcome, error = _failure(exc)
        return DnsQuery(rdtype=rdtype, outcome=outcome, ms=watch.ms(), error=error)
    except dns.exception.Timeout:
        silence = f"no reply within {seconds(lifetime)} s"
        return DnsQuery(rdtype=rdtype, outcome="timeout", ms=watch.ms(), error=silence)
    except dns.exception.DNSException as exc:
        return DnsQuery(rdtype=rdtype, outcome="error", ms=watch.ms(), error=f"{type(exc).__name__}: {exc}")
    if answer.rrset is None:
        return DnsQuery(rdtype=rdtype, outcome="no_answer", ms=watch.ms())
    return DnsQuery(
        rdtype=rdtype,
        outcome="answer",
        answers=[str(ipaddress.ip_address(r.address)) for r in answer.rrset],
        ttl=answer.rrset.ttl,
        canonical_name=answer.canonical_name.to_text(omit_final_dot=True),
        ms=watch.ms(),
    )


def _failure(exc: dns.resolver.NoNameservers) -> tuple[Outcome, str]:
    """SERVFAIL / REFUSED from the reply's rcode; a socket error (nothing listening) counts as silence."""
    errors = exc.kwargs.get("errors") or []
    for *_, error, response in reversed(errors):
        if isinstance(response, dns.message.Message):
            rcode = response.rcode()
            text = dns.rcode.to_text(rcode)
            if rcode == dns.rcode.REFUSED:
                return "refused", text
            if rcode == dns.rcode.SERVFAIL:
                return "servfail", text
            return "error", text
        if isinstance(error, OSError):
            return "timeout", f"{type(error).__name__}: {error.strerror or error}"
    return "error", str(exc)
