"""The loopback DNS server answers from its tables over UDP and TCP, faults included."""

from __future__ import annotations

import dns.exception
import dns.message
import dns.query
import dns.rcode
import pytest

from demo.dns_server import DnsServer
from probes.net.resolvers import ask


def _ask(server: DnsServer, name: str, rdtype: str, tcp: bool = False) -> dns.message.Message:
    host, port = server.address
    query = dns.message.make_query(name, rdtype)
    if tcp:
        return dns.query.tcp(query, host, port=port, timeout=1.0)
    return dns.query.udp(query, host, port=port, timeout=1.0)


def _addresses(reply: dns.message.Message) -> list[str]:
    return [rdata.address for rrset in reply.answer for rdata in rrset]


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_answers_a_and_aaaa_on_one_port(tcp: bool) -> None:
    with DnsServer({"portal.example": ["192.0.2.10", "2001:db8::10"]}) as server:
        a = _ask(server, "Portal.Example.", "A", tcp)
        aaaa = _ask(server, "portal.example", "AAAA", tcp)
        assert server.queries == [("portal.example", "A"), ("portal.example", "AAAA")]
    assert a.rcode() == dns.rcode.NOERROR and _addresses(a) == ["192.0.2.10"]
    assert _addresses(aaaa) == ["2001:db8::10"]
    assert a.answer[0].ttl == DnsServer.ttl


def test_unknown_name_is_nxdomain_and_missing_family_is_empty() -> None:
    with DnsServer({"v4only.example": ["192.0.2.1"]}) as server:
        assert _ask(server, "other.example", "A").rcode() == dns.rcode.NXDOMAIN
        empty = _ask(server, "v4only.example", "AAAA")
    assert empty.rcode() == dns.rcode.NOERROR and empty.answer == []


def test_faults_can_change_while_running() -> None:
    with DnsServer({"portal.example": ["192.0.2.10"]}) as server:
        assert _addresses(_ask(server, "portal.example", "A")) == ["192.0.2.10"]
        for fault, rcode in [("servfail", dns.rcode.SERVFAIL), ("refused", dns.rcode.REFUSED),
                             ("nxdomain", dns.rcode.NXDOMAIN)]:
            server.faults["portal.example"] = fault
            assert _ask(server, "portal.example", "A").rcode() == rcode
        server.faults["portal.example"] = "no_answer"
        reply = _ask(server, "portal.example", "A")
        assert reply.rcode() == dns.rcode.NOERROR and reply.answer == []
        server.records["new.example"] = ["::1"]
        assert _addresses(_ask(server, "new.example", "AAAA", tcp=True)) == ["::1"]


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_timeout_fault_sends_nothing(tcp: bool) -> None:
    with DnsServer(faults={"slow.example": "timeout"}) as server:
        host, port = server.address
        query = dns.message.make_query("slow.example", "A")
        with pytest.raises(dns.exception.Timeout):
            if tcp:
                dns.query.tcp(query, host, port=port, timeout=0.2)
            else:
                dns.query.udp(query, host, port=port, timeout=0.2)


async def test_serves_on_ipv6_loopback_to_the_probes_resolver() -> None:
    with DnsServer({"portal.example": ["2001:db8::10"]}, host="::1") as server:
        answer = await ask(server.address, "portal.example", lifetime=1.0)
    assert answer.server == f"[::1]:{server.address[1]}"
    assert answer.outcome == "answer" and answer.addresses == ["2001:db8::10"]
