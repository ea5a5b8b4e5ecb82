"""The dns probe against a real DNS server on loopback: healthy answers, each fault, disagreements."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from demo.dns_server import DnsServer
from probes.base import ProbeContext, ProbeResult, RunConfig, enter_probe
from probes.dns import hosts_file
from probes.dns.probe import DnsEvidence, DnsProbe
from probes.dns.rules import failure_from_gaierror
from probes.net.proxy_settings import ProxySettings
from probes.target import Target

LIFETIME = 0.3  # the timeout fault costs this much per test, so keep it short


@pytest.fixture
def server() -> Iterator[DnsServer]:
    records = {"portal.example": ["192.0.2.10", "2001:db8::10"], "v4.example": ["192.0.2.20"]}
    with DnsServer(records) as dns_server:
        yield dns_server


def _ctx(url: str, **config: object) -> ProbeContext:
    config.setdefault("system_resolvers", [])  # never the machine's own resolvers
    return ProbeContext(Target.parse(url), RunConfig(**config), proxy=ProxySettings())


def _hosts(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hosts"
    path.write_text(text)
    return path


async def _run(ctx: ProbeContext, hosts_path: Path | None = None, **kwargs: object) -> ProbeResult:
    probe = DnsProbe(hosts_path=hosts_path, lifetime=LIFETIME, **kwargs)  # type: ignore[arg-type]
    return await probe.run(ctx)


def _ids(result: ProbeResult) -> list[str]:
    return [f.id for f in result.findings]


async def test_healthy_answer_with_a_and_aaaa(server: DnsServer, tmp_path: Path) -> None:
    ctx = _ctx("https://portal.example/login", dns_servers=[server.address])
    result = await _run(ctx, _hosts(tmp_path, ""))
    assert result.status == "pass", result
    evidence = result.evidence
    assert isinstance(evidence, DnsEvidence)
    assert evidence.addresses == ["192.0.2.10", "2001:db8::10"]
    assert evidence.mode == "dns_servers" and evidence.system is None  # the system was not asked
    (answer,) = evidence.resolvers
    assert answer.outcome == "answer" and answer.server == f"127.0.0.1:{server.address[1]}"
    assert [(q.rdtype, q.answers, q.ttl) for q in answer.queries] == [
        ("A", ["192.0.2.10"], 300), ("AAAA", ["2001:db8::10"], 300),
    ]
    assert sorted(server.queries) == [("portal.example", "A"), ("portal.example", "AAAA")]
    assert result.summary.startswith("portal.example resolves to 192.0.2.10, 2001:db8::10")


@pytest.mark.parametrize(
    ("fault", "cause", "words"),
    [
        (None, "dns.nxdomain", "does not exist"),
        ("nxdomain", "dns.nxdomain", "NXDOMAIN"),
        ("servfail", "dns.servfail", "SERVFAIL"),
        ("refused", "dns.servfail", "REFUSED"),
        ("timeout", "dns.timeout", "did not answer"),
        ("no_answer", "dns.no_answer", "no address"),
    ],
)
async def test_each_resolver_fault_names_its_cause(
    server: DnsServer, tmp_path: Path, fault: str | None, cause: str, words: str
) -> None:
    host = "broken.example"
    if fault:
        server.faults[host] = fault
    result = await _run(_ctx(f"https://{host}/", dns_servers=[server.address]), _hosts(tmp_path, ""))
    assert result.status == "fail"
    assert _ids(result) == [cause]
    finding = result.findings[0]
    assert finding.severity == "critical" and words in finding.summary
    assert finding.data["host"] == host and finding.data["server"].endswith(f":{server.address[1]}")
    assert result.evidence.addresses == []  # type: ignore[attr-defined]
    assert result.duration_ms < 2000


@pytest.mark.parametrize(("deadline", "status", "causes"), [(1.0, "fail", ["dns.timeout"]), (0.4, "timeout", [])])
async def test_a_silent_resolver_is_named_before_the_deadline(
    server: DnsServer, tmp_path: Path, deadline: float, status: str, causes: list[str]
) -> None:
    """The wait shrinks to the run's deadline, so a silent resolver is named before the runner cuts the probe off;
    a wait too short to mean anything is a check not made, not a silent resolver."""
    server.faults["broken.example"] = "timeout"
    probe = DnsProbe(hosts_path=_hosts(tmp_path, ""))  # the default 2 s wait
    enter_probe(probe, asyncio.get_running_loop().time() + deadline)  # as the runner does
    result = await probe.run(_ctx("https://broken.example/", dns_servers=[server.address]))
    assert (result.status, _ids(result)) == (status, causes), result
    assert result.duration_ms < deadline * 1000


async def test_two_servers_disagreeing_is_a_mismatch(server: DnsServer, tmp_path: Path) -> None:
    with DnsServer({"portal.example": ["192.0.2.99"]}) as other:
        ctx = _ctx("https://portal.example/", dns_servers=[server.address, other.address])
        result = await _run(ctx, _hosts(tmp_path, ""))
    assert result.status == "warn" and _ids(result) == ["dns.mismatch"]
    assert result.evidence.addresses == ["192.0.2.10", "2001:db8::10", "192.0.2.99"]  # type: ignore[attr-defined]
    finding = result.findings[0]
    assert finding.severity == "warning" and "192.0.2.99" in finding.summary
    assert finding.data["server"] == f"127.0.0.1:{other.address[1]}"


async def test_server_denying_a_name_another_resolves_is_a_mismatch(
    server: DnsServer, tmp_path: Path
) -> None:
    with DnsServer() as empty:
        ctx = _ctx("https://portal.example/", dns_servers=[server.address, empty.address])
        result = await _run(ctx, _hosts(tmp_path, ""))
    assert _ids(result) == ["dns.mismatch"]
    assert "NXDOMAIN" in result.findings[0].summary


async def test_one_silent_server_among_answering_ones_is_only_evidence(
    server: DnsServer, tmp_path: Path
) -> None:
    with DnsServer(faults={"portal.example": "timeout"}) as silent:
        ctx = _ctx("https://portal.example/", dns_servers=[silent.address, server.address])
        result = await _run(ctx, _hosts(tmp_path, ""))
    assert result.status == "pass"
    outcomes = [a.outcome for a in result.evidence.resolvers]  # type: ignore[attr-defined]
    assert outcomes == ["timeout", "answer"]


async def test_hosts_file_disagreeing_with_the_resolver(server: DnsServer, tmp_path: Path) -> None:
    hosts = _hosts(tmp_path, "127.0.0.1 localhost\n10.9.9.9   portal.example  # old portal\n")
    result = await _run(_ctx("https://portal.example/", dns_servers=[server.address]), hosts)
    assert _ids(result) == ["dns.mismatch"]
    finding = result.findings[0]
    assert "10.9.9.9" in finding.summary and str(hosts) in finding.summary
    assert result.evidence.hosts_file.addresses == ["10.9.9.9"]  # type: ignore[attr-defined]
    assert result.evidence.addresses == ["192.0.2.10", "2001:db8::10"]  # type: ignore[attr-defined]


async def test_hosts_file_agreeing_with_the_resolver(server: DnsServer, tmp_path: Path) -> None:
    hosts = _hosts(tmp_path, "192.0.2.10 portal.example\n")
    result = await _run(_ctx("https://portal.example/", dns_servers=[server.address]), hosts)
    assert result.status == "pass"


async def test_resolver_failure_notes_a_hosts_entry(server: DnsServer, tmp_path: Path) -> None:
    hosts = _hosts(tmp_path, "10.9.9.9 gone.example\n")
    result = await _run(_ctx("https://gone.example/", dns_servers=[server.address]), hosts)
    assert _ids(result) == ["dns.nxdomain"]
    assert any("10.9.9.9" in line for line in result.findings[0].evidence)


async def test_localhost_uses_the_system_and_asks_no_resolver(server: DnsServer) -> None:
    result = await _run(_ctx("http://localhost:8080/", system_resolvers=[server.address]))
    assert result.status == "pass"
    evidence = result.evidence
    assert isinstance(evidence, DnsEvidence)
    assert evidence.mode == "system" and "127.0.0.1" in evidence.addresses
    assert evidence.system is not None and evidence.system.outcome == "answer"
    assert evidence.resolvers == [] and server.queries == []


@pytest.mark.parametrize(
    ("url", "address"), [("https://127.0.0.1:8443/", "127.0.0.1"), ("http://[::1]/", "::1")]
)
async def test_ip_literal_needs_no_lookup(server: DnsServer, url: str, address: str) -> None:
    result = await _run(_ctx(url, system_resolvers=[server.address]))
    assert result.status == "pass" and result.evidence.addresses == [address]  # type: ignore[attr-defined]
    assert server.queries == []
    assert "IP address" in result.summary


def _files_lookup(path: Path):  # noqa: ANN202 - a stand-in for getaddrinfo's "files" source
    async def lookup(host: str, port: int) -> list[str]:
        found = hosts_file.lookup(host, path).addresses
        if not found:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return found

    return lookup


async def test_system_answer_disjoint_from_resolver_is_a_mismatch(server: DnsServer, tmp_path: Path) -> None:
    hosts = _hosts(tmp_path, "10.9.9.9 portal.example\n")
    ctx = _ctx("https://portal.example/", system_resolvers=[server.address])
    result = await _run(ctx, hosts, system_lookup=_files_lookup(hosts))
    assert _ids(result) == ["dns.mismatch"]
    assert result.evidence.addresses == ["10.9.9.9"]  # type: ignore[attr-defined]  # the system wins
    assert result.findings[0].data["reference"] == "the system"
    assert sorted(server.queries) == [("portal.example", "A"), ("portal.example", "AAAA")]


async def test_resolver_failing_while_the_system_answers_is_evidence(
    server: DnsServer, tmp_path: Path
) -> None:
    server.faults["portal.example"] = "servfail"
    hosts = _hosts(tmp_path, "192.0.2.10 portal.example\n")
    ctx = _ctx("https://portal.example/", system_resolvers=[server.address])
    result = await _run(ctx, hosts, system_lookup=_files_lookup(hosts))
    assert result.status == "pass" and result.findings == []
    assert result.evidence.resolvers[0].outcome == "servfail"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("fault", "cause"),
    [
        (None, "dns.nxdomain"), ("no_answer", "dns.no_answer"),
        ("refused", "dns.servfail"), ("timeout", "dns.timeout"),
    ],
)
async def test_system_failure_is_explained_by_the_resolver(
    server: DnsServer, tmp_path: Path, fault: str | None, cause: str
) -> None:
    if fault:
        server.faults["missing.example"] = fault
    hosts = _hosts(tmp_path, "")
    ctx = _ctx("https://missing.example/", system_resolvers=[server.address])
    result = await _run(ctx, hosts, system_lookup=_files_lookup(hosts))
    assert _ids(result) == [cause]
    assert result.findings[0].data["server"] == f"127.0.0.1:{server.address[1]}"
    assert result.findings[0].evidence[0].startswith("system lookup:")


@pytest.mark.parametrize(
    ("code", "cause"),
    [
        (socket.EAI_NONAME, "dns.nxdomain"), (socket.EAI_AGAIN, "dns.timeout"),
        (socket.EAI_FAIL, "dns.servfail"),
    ],
)
def test_system_failure_without_resolvers_reads_the_gai_error(code: int, cause: str) -> None:
    error = socket.gaierror(code, "lookup failed")
    finding = failure_from_gaierror("portal.example", error, 2.0)
    assert finding.id == cause and finding.data["server"] == "system"


async def test_a_probe_that_cannot_check_says_so() -> None:
    result = await _run(_ctx("https://portal.example/", dns_servers=[("not-an-address", 53)]))
    assert result.status == "error" and result.reason


WINDOWS_HOSTS = (
    "\ufeff# Copyright (c) 1993-2009 Microsoft Corp.\r\n#\r\n"
    "# This is a sample HOSTS file used by Microsoft TCP/IP for Windows.\r\n#\r\n"
    "#      102.54.94.97     rhino.acme.com          # source server\r\n"
    "#\t127.0.0.1       localhost\r\n"
    "10.20.30.40\tPortal.Example.COM.   portal-alias\r\n"
    "127.0.0.1 kubernetes.docker.internal\r\n"
    "# End of section\r\n"
)
LINUX_HOSTS = (
    "127.0.0.1\tlocalhost\n127.0.1.1\tworkstation.corp.example\tworkstation\n\n"
    "# The following lines are desirable for IPv6 capable hosts\n"
    "::1     localhost ip6-localhost ip6-loopback\nff02::1 ip6-allnodes\n"
    "not-an-ip portal.example\n10.0.0.1\n2001:DB8::0:1 portal.example\n10.0.0.2 portal.example # vpn\n"
)


def test_parse_windows_hosts_file() -> None:
    table = hosts_file.parse_hosts(WINDOWS_HOSTS.encode("utf-8").decode("utf-8"))
    assert table["portal.example.com"] == ["10.20.30.40"] and table["portal-alias"] == ["10.20.30.40"]
    assert "rhino.acme.com" not in table and "localhost" not in table


def test_parse_linux_hosts_file() -> None:
    table = hosts_file.parse_hosts(LINUX_HOSTS)
    assert table["localhost"] == ["127.0.0.1", "::1"]
    assert table["portal.example"] == ["2001:db8::1", "10.0.0.2"]
    assert table["workstation"] == ["127.0.1.1"]


def test_hosts_lookup_reads_the_file(tmp_path: Path) -> None:
    path = tmp_path / "hosts"
    path.write_bytes(WINDOWS_HOSTS.encode("utf-8"))
    assert hosts_file.lookup("portal.example.com.", path).addresses == ["10.20.30.40"]
    missing = hosts_file.lookup("portal.example.com", tmp_path / "absent")
    assert missing.addresses == [] and missing.error is None
