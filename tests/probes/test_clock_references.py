"""Time references that lie: NTP answers past the 2036 era wrap, one absurd answer, hostile redirects."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import formatdate

from demo.ntp_server import NtpServer
from demo.web import Page, WebServer
from probes.base import ProbeContext, RunConfig
from probes.clock.evidence import ClockEvidence
from probes.clock.probe import ClockProbe
from probes.clock.sntp import from_ntp, query, to_ntp
from probes.http.probe import HttpProbe
from probes.net.proxy_settings import ProxySettings
from probes.target import Target

YEAR_2100 = datetime(2100, 6, 1, tzinfo=UTC).timestamp()


def test_timestamps_past_the_era_wrap_keep_their_century() -> None:
    for moment in (datetime(2030, 1, 1, tzinfo=UTC), datetime(2040, 1, 1, tzinfo=UTC),
                   datetime(2100, 6, 1, tzinfo=UTC)):
        assert abs(from_ntp(to_ntp(moment.timestamp())) - moment.timestamp()) < 1e-3


async def test_an_ntp_answer_from_2100_reads_as_2100() -> None:
    with NtpServer(offset_seconds=YEAR_2100 - time.time()) as ntp:
        answer = await query(*ntp.address)
    assert answer.offset_seconds is not None
    assert datetime.fromtimestamp(time.time() - answer.offset_seconds, UTC).year == 2100


async def test_one_absurd_ntp_answer_cannot_override_the_date_header() -> None:
    with NtpServer(offset_seconds=YEAR_2100 - time.time()) as ntp, \
            WebServer({"/login": Page("<title>Sign in</title>", headers={"Date": formatdate(usegmt=True)})}) as web:
        ctx = ProbeContext(Target.parse(web.url("/login")), RunConfig(time_servers=[ntp.address]),
                           proxy=ProxySettings())
        ctx.provide(await HttpProbe().run(ctx))
        result = await ClockProbe().run(ctx)
    evidence = result.evidence
    assert isinstance(evidence, ClockEvidence)
    assert (result.status, evidence.reference) == ("pass", "http-date")
    assert evidence.outliers == [f"ntp:{ntp.address[0]}:{ntp.address[1]}"]
    assert "2100" in (evidence.references[0].detail or "")


async def test_a_far_off_server_among_three_is_named_and_set_aside() -> None:
    with NtpServer(0.2) as a, NtpServer(-0.3) as b, NtpServer(7200) as c:
        ctx = ProbeContext(Target.parse("https://portal.example/"),
                           RunConfig(time_servers=[a.address, b.address, c.address]), proxy=ProxySettings())
        result = await ClockProbe().run(ctx)
    evidence = result.evidence
    assert isinstance(evidence, ClockEvidence) and result.status == "pass"
    assert evidence.outliers == [f"ntp:{c.address[0]}:{c.address[1]}"]


async def test_a_javascript_location_does_not_crash_the_clock_probe() -> None:
    page = Page("", status=302, headers={"Location": "javascript:alert(document.cookie)",
                                         "Date": formatdate(usegmt=True)})
    with WebServer({"/login": page}) as web:
        ctx = ProbeContext(Target.parse(web.url("/login")), RunConfig(time_servers=[("127.0.0.1", 9)]),
                           proxy=ProxySettings())
        result = await ClockProbe().run(ctx)  # without the http probe: it asks the portal itself
    assert result.status == "pass" and isinstance(result.evidence, ClockEvidence)
    assert result.evidence.reference == "http-date"
