"""The `clock` probe against a loopback NTP server whose clock is off, and the portal's Date header."""

from __future__ import annotations

import asyncio
import time
from email.utils import formatdate

import pytest

from demo.dns_server import DnsServer
from demo.ntp_server import NtpServer
from demo.web import Page, WebServer
from probes.base import ProbeContext, ProbeResult, RunConfig, enter_probe
from probes.clock.probe import ClockEvidence, ClockProbe, describe_offset, os_sync_commands
from probes.http.probe import HttpProbe
from probes.net.proxy_settings import ProxySettings
from probes.target import Target

PORTAL = "https://portal.test/login"  # never contacted: the clock probe only reads the http result


def _ctx(url: str, *servers: tuple[str, int]) -> ProbeContext:
    return ProbeContext(Target.parse(url), RunConfig(time_servers=list(servers)), proxy=ProxySettings())


def _evidence(result: ProbeResult) -> ClockEvidence:
    assert isinstance(result.evidence, ClockEvidence)
    return result.evidence


@pytest.mark.parametrize(
    ("server_offset", "status", "severity"),
    [(-7200.0, "fail", "critical"), (7200.0, "fail", "critical"), (300.0, "warn", "warning"),
     (90.0, "warn", "warning"), (30.0, "pass", None), (0.0, "pass", None)],
)
async def test_offset_against_ntp(server_offset: float, status: str, severity: str | None) -> None:
    # a reference running ahead makes the workstation read behind, and the other way round
    with NtpServer(offset_seconds=server_offset) as ntp:
        result = await ClockProbe().run(_ctx(PORTAL, ntp.address))
    ev = _evidence(result)
    assert result.status == status, result.summary
    assert ev.offset_seconds == pytest.approx(-server_offset, abs=0.5)
    assert ev.reference == f"ntp:{ntp.address[0]}:{ntp.address[1]}"
    assert ev.references[0].stratum == 2 and ev.references[0].delay_seconds is not None
    if severity is None:
        assert result.findings == []
        return
    (finding,) = result.findings
    assert (finding.id, finding.severity) == ("clock.skew", severity)
    assert finding.offset_seconds == pytest.approx(-server_offset, abs=0.5)
    assert finding.data["reference"] == ev.reference
    assert ("ahead" if server_offset < 0 else "behind") in finding.summary


async def test_the_median_of_the_answers_wins() -> None:
    with NtpServer(-300) as a, NtpServer(-301) as b, NtpServer(0) as c:
        result = await ClockProbe().run(_ctx(PORTAL, a.address, b.address, c.address))
    ev = _evidence(result)
    assert ev.offset_seconds == pytest.approx(300, abs=0.5)
    assert ev.reference == f"ntp:127.0.0.1:{a.address[1]}"
    assert [r.offset_seconds is not None for r in ev.references] == [True, True, True]


async def test_silent_server_means_could_not_check() -> None:
    with NtpServer(fault="silent") as ntp:
        result = await ClockProbe(ntp_timeout=0.3).run(_ctx(PORTAL, ntp.address))
        assert ntp.requests == 1
    assert result.status == "error" and result.findings == []
    assert result.reason == "could not check: no time reference answered"
    assert _evidence(result).references[0].error == "no answer within 0.3 s"


async def test_kiss_of_death_is_not_a_reference() -> None:
    with NtpServer(fault="kiss_of_death") as ntp:
        result = await ClockProbe().run(_ctx(PORTAL, ntp.address))
    assert result.status == "error" and result.findings == []
    assert _evidence(result).references[0].error == "kiss-of-death RATE"


async def test_http_date_header_is_the_fallback_reference() -> None:
    stale = formatdate(time.time() - 600, usegmt=True)  # the portal's clock is 10 minutes behind
    with WebServer({"/login": Page("<title>Sign in</title>", headers={"Date": stale})}) as web:
        ctx = _ctx(web.url("/login"), ("127.0.0.1", 9))  # nothing listens on the discard port
        ctx.provide(await HttpProbe().run(ctx))
        result = await ClockProbe().run(ctx)
    ev = _evidence(result)
    (finding,) = result.findings
    assert (finding.id, finding.severity) == ("clock.skew", "warning")  # 10 minutes: nothing it dates breaks yet
    assert finding.data["reference"] == "http-date" == ev.reference
    assert finding.offset_seconds == pytest.approx(600, abs=2)
    assert "Connection refused" in (ev.references[0].error or "")


async def test_a_silent_time_server_leaves_the_date_header_time_before_the_deadline() -> None:
    """NTP's wait shrinks to the run's deadline: the Date header still decides before the runner cuts the probe."""
    stale = formatdate(time.time() - 600, usegmt=True)
    with WebServer({"/login": Page("<title>Sign in</title>", headers={"Date": stale})}) as web, \
            NtpServer(fault="silent") as ntp:
        ctx = _ctx(web.url("/login"), ntp.address)
        ctx.provide(await HttpProbe().run(ctx))
        probe = ClockProbe()  # the default 1.5 s wait for NTP
        enter_probe(probe, asyncio.get_running_loop().time() + 1.0)  # as the runner does, the deadline 1 s away
        result = await probe.run(ctx)
    assert [f.id for f in result.findings] == ["clock.skew"] and _evidence(result).reference == "http-date"
    assert result.duration_ms < 1000


async def test_http_date_in_step_passes() -> None:
    with WebServer({"/login": Page("<title>Sign in</title>")}) as web:
        ctx = _ctx(web.url("/login"), ("127.0.0.1", 9))
        ctx.provide(await HttpProbe().run(ctx))
        result = await ClockProbe().run(ctx)
    assert result.status == "pass", result.summary
    assert _evidence(result).reference == "http-date"


async def test_finding_carries_the_commands_to_check_and_fix() -> None:
    with NtpServer(-120) as ntp:
        result = await ClockProbe().run(_ctx(PORTAL, ntp.address))
    (finding,) = result.findings
    sync = _evidence(result).sync
    assert sync is not None and finding.data["fix_commands"] == sync.fix
    assert any(fact.startswith("fix (") for fact in finding.evidence)
    assert _evidence(result).timezone


def test_sync_commands_per_os() -> None:
    windows, mac, linux = (os_sync_commands(name) for name in ("Windows", "Darwin", "Linux"))
    assert windows and windows.check == ["w32tm /query /status"] and "w32tm /resync" in windows.fix
    assert mac and "sudo systemsetup -setusingnetworktime on" in mac.fix
    assert linux and "sudo timedatectl set-ntp true" in linux.fix
    assert os_sync_commands("Plan9") is None


def test_offsets_read_as_people_say_them() -> None:
    assert describe_offset(300.4) == "5 min ahead"
    assert describe_offset(-3725) == "1 h 2 min behind"
    assert describe_offset(0.25) == "0.2 s ahead"
    assert describe_offset(86400 * 365 + 7200) == "365 days 2 h ahead"


async def test_ipv6_server_is_named_with_brackets() -> None:
    try:
        ntp = NtpServer(offset_seconds=0.0, host="::1")
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with ntp:
        result = await ClockProbe().run(_ctx(PORTAL, ntp.address))
    assert result.status == "pass"
    assert _evidence(result).reference == f"ntp:[::1]:{ntp.address[1]}"


async def test_date_header_is_read_even_when_the_certificate_looks_invalid(tmp_path) -> None:
    """A wrong clock makes the portal's certificate look expired, so the http probe reads
    nothing; the Date header must still be read, or the clock could never be blamed."""
    from demo.certs import DemoCA

    ca = DemoCA()
    real_time = formatdate(time.time() + 400 * 86400, usegmt=True)  # the workstation is 400 days behind
    page = Page("<title>Sign in</title>", headers={"Date": real_time})
    with WebServer({"/login": page}, ssl_context=ca.server_context(["localhost"], kind="expired")) as web:
        ctx = ProbeContext(Target.parse(web.url("/login", host="localhost")),
                           RunConfig(time_servers=[("127.0.0.1", 9)], ca_bundle=ca.write_bundle(tmp_path / "ca.pem")),
                           proxy=ProxySettings())
        http = await HttpProbe().run(ctx)
        ctx.provide(http)
        result = await ClockProbe().run(ctx)
    assert http.status == "error" and not getattr(http.evidence, "date_header", None)
    (finding,) = result.findings
    assert finding.data["reference"] == "http-date"
    assert finding.offset_seconds == pytest.approx(-400 * 86400, abs=5)


async def test_time_server_by_name_is_resolved_through_the_named_resolver() -> None:
    with NtpServer(offset_seconds=7200.0) as ntp, DnsServer({"time.check.test": ["127.0.0.1"]}) as resolver:
        config = RunConfig(dns_servers=[resolver.address], time_servers=[("time.check.test", ntp.address[1])])
        result = await ClockProbe().run(ProbeContext(Target.parse(PORTAL), config, proxy=ProxySettings()))
        assert ("time.check.test", "A") in resolver.queries
    assert _evidence(result).reference == f"ntp:time.check.test:{ntp.address[1]}"
    assert [(f.id, f.severity) for f in result.findings] == [("clock.skew", "critical")]


async def test_small_skew_advice_names_the_phone() -> None:
    with NtpServer(offset_seconds=120.0) as ntp:
        result = await ClockProbe().run(_ctx(PORTAL, ntp.address))
    (finding,) = result.findings
    assert finding.severity == "warning" and any("phone" in line for line in finding.remediation)
