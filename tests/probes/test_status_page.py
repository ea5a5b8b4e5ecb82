"""status_page probe against a real loopback server: Statuspage JSON variants and HTML pages."""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import trustme

from demo.dns_server import DnsServer
from demo.web import Page, WebServer
from probes.base import ProbeContext, RunConfig
from probes.net.proxy_settings import ProxySettings
from probes.status_page.probe import StatusPageProbe
from probes.target import Target

NOW = datetime(2026, 12, 5, 23, 30, tzinfo=UTC)  # a Saturday, 18:30 in New York
PORTAL = "https://portal.example.test/login"


def _iso(delta: timedelta) -> str:
    return (NOW + delta).isoformat().replace("+00:00", "Z")


def summary(indicator: str = "none", description: str = "All Systems Operational", **parts: Any) -> str:
    data = {
        "page": {"id": "p1", "name": "Example Portal"},
        "status": {"indicator": indicator, "description": description},
        "components": parts.pop("components", [
            {"id": "c1", "name": "Provider Portal", "status": "operational", "group": False},
            {"id": "c2", "name": "Claims API", "status": "operational", "group": False},
        ]),
        "incidents": parts.pop("incidents", []),
        "scheduled_maintenances": parts.pop("scheduled_maintenances", []),
    }
    return json.dumps(data)


def maintenance(status: str, start: timedelta, end: timedelta) -> dict[str, Any]:
    return {"name": "Portal upgrade", "status": status, "scheduled_for": _iso(start),
            "scheduled_until": _iso(end), "components": [{"id": "c1", "name": "Provider Portal"}]}


async def run(url: str | None, now: datetime = NOW, **config: Any):  # noqa: ANN201 - ProbeResult
    ctx = ProbeContext(Target.parse(PORTAL), RunConfig(status_page=url, **config), proxy=ProxySettings(),
                       now=lambda: now)
    return await StatusPageProbe().run(ctx)


@pytest.fixture(scope="module")
def web() -> Iterator[WebServer]:
    """One server for the module (stopping one takes half a second); each test sets its routes."""
    with WebServer() as server:
        yield server


@contextmanager
def serving(server: WebServer, routes: dict[str, Page]) -> Iterator[WebServer]:
    server.routes.clear()
    server.routes.update(routes)
    yield server


def api(body: str) -> dict[str, Page]:
    return {"/api/v2/summary.json": Page(body, content_type="application/json")}


async def test_healthy_api_has_no_findings(web: WebServer) -> None:
    with serving(web, api(summary())) as server:
        result = await run(server.url("/"))
    assert result.status == "pass", result
    assert result.findings == []
    assert result.evidence.source == "statuspage_api"
    assert result.evidence.summary.components_total == 2
    assert result.summary == "status page (statuspage_api): All Systems Operational"


async def test_maintenance_in_progress(web: WebServer) -> None:
    body = summary("maintenance", "Service Under Maintenance",
                   scheduled_maintenances=[maintenance("in_progress", -timedelta(hours=1), timedelta(hours=2))])
    with serving(web, api(body)) as server:
        result = await run(server.url("/"))
    [finding] = result.findings
    assert (finding.id, finding.severity, result.status) == ("portal.maintenance", "critical", "fail")
    assert finding.data["end"] == (NOW + timedelta(hours=2)).isoformat()
    assert "Portal upgrade" in finding.summary


async def test_scheduled_window_that_has_started_counts_as_now(web: WebServer) -> None:
    body = summary(scheduled_maintenances=[maintenance("scheduled", -timedelta(minutes=5), timedelta(hours=1))])
    with serving(web, api(body)) as server:
        result = await run(server.url("/"))
    assert [f.id for f in result.findings] == ["portal.maintenance"]


async def test_upcoming_maintenance_is_a_warning_with_its_times(web: WebServer) -> None:
    body = summary(scheduled_maintenances=[
        maintenance("scheduled", timedelta(days=1), timedelta(days=1, hours=4)),
        maintenance("completed", -timedelta(days=2), -timedelta(days=2, hours=-1)),
    ])
    with serving(web, api(body)) as server:
        result = await run(server.url("/"))
    [finding] = result.findings
    assert (finding.id, finding.severity, result.status) == ("portal.maintenance_scheduled", "warning", "warn")
    assert finding.data["start"] == (NOW + timedelta(days=1)).isoformat()
    assert finding.data["end"] == (NOW + timedelta(days=1, hours=4)).isoformat()


async def test_maintenance_far_ahead_is_not_a_finding(web: WebServer) -> None:
    body = summary(scheduled_maintenances=[maintenance("scheduled", timedelta(days=40), timedelta(days=40, hours=2))])
    with serving(web, api(body)) as server:
        result = await run(server.url("/"))
    assert result.findings == [] and len(result.evidence.summary.maintenances) == 1


async def test_major_outage_with_incident(web: WebServer) -> None:
    incident = {"name": "Login failures", "status": "investigating", "impact": "major",
                "components": [{"id": "c1", "name": "Provider Portal"}]}
    components = [{"id": "c1", "name": "Provider Portal", "status": "major_outage", "group": False}]
    body = summary("major", "Partial System Outage", incidents=[incident], components=components)
    with serving(web, api(body)) as server:
        result = await run(server.url("/"))
    [finding] = result.findings
    assert (finding.id, finding.severity) == ("portal.outage", "critical")
    assert "Login failures" in finding.summary
    assert "component Provider Portal: major_outage" in finding.evidence


async def test_minor_incident_is_a_warning(web: WebServer) -> None:
    incident = {"name": "Slow claim search", "status": "monitoring", "impact": "minor", "components": []}
    components = [{"id": "c2", "name": "Claims API", "status": "degraded_performance", "group": False}]
    body = summary("minor", "Minor Service Outage", incidents=[incident], components=components)
    with serving(web, api(body)) as server:
        result = await run(server.url("/"))
    assert [(f.id, f.severity) for f in result.findings] == [("portal.outage", "warning")]


async def test_explicit_summary_url(web: WebServer) -> None:
    routes = {"/x/summary.json": Page(summary("critical", "Major outage"), content_type="application/json")}
    with serving(web, routes) as server:
        result = await run(server.url("/x/summary.json"))
    assert [f.id for f in result.findings] == ["portal.outage"]


def html(body: str) -> dict[str, Page]:
    page = f"<html><head><title>Status</title><script>var s='down for maintenance';</script></head>" \
           f"<body>{body}</body></html>"
    return {"/status": Page(page), "/": Page("", status=302, headers={"Location": "/status"})}


@pytest.mark.parametrize(
    ("body", "now", "expected"),
    [
        ("<h1>All Systems Operational</h1><p>Past incidents: a major outage was resolved on Dec 1.</p>",
         NOW, []),
        ("<p>We are currently down for scheduled maintenance. We'll be back soon.</p>",
         NOW, [("portal.maintenance", "critical")]),
        ("<p>Scheduled maintenance: Saturday 10 PM - 2 AM ET.</p>",
         NOW, [("portal.maintenance_scheduled", "warning")]),
        ("<p>Scheduled maintenance: Saturday 10 PM - 2 AM ET.</p>",
         datetime(2026, 12, 6, 5, 0, tzinfo=UTC), [("portal.maintenance", "critical")]),
        ("<p>Planned maintenance on 2026-11-20 from 22:00 to 23:00 UTC.</p>", NOW, []),
        ("<p>We are investigating an issue. The provider portal is currently unavailable.</p>",
         NOW, [("portal.outage", "critical")]),
        ("<p>Some users see degraded performance when searching claims.</p>",
         NOW, [("portal.outage", "warning")]),
    ],
    ids=["healthy", "down-now", "window-later", "window-now", "window-past", "outage", "degraded"],
)
async def test_html_status_page(web: WebServer, body: str, now: datetime, expected: list[tuple[str, str]]) -> None:
    with serving(web, html(body)) as server:
        result = await run(server.url("/"), now=now)
    assert result.evidence.source == "html", result
    assert [(f.id, f.severity) for f in result.findings] == expected
    assert result.evidence.fetched[0].endswith("/api/v2/summary.json -> 404")


async def test_html_window_gives_times(web: WebServer) -> None:
    with serving(web, html("<p>Scheduled maintenance: Saturday 10 PM - 2 AM ET.</p>")) as server:
        result = await run(server.url("/"))
    [finding] = result.findings
    assert finding.data == {"source": "status_page", "start": "2026-12-05T22:00:00-05:00",
                            "end": "2026-12-06T02:00:00-05:00"}


async def test_profile_wording_and_url(web: WebServer) -> None:
    from probes.profile import Profile

    with serving(web, html("<p>The portal is closed for its weekly update.</p>")) as server:
        profile = Profile(name="acme", title="Acme", login_url=PORTAL, status_page=server.url("/"),
                          maintenance_wording=["closed for its weekly update"])
        result = await run(None, profile=profile)
    assert [f.id for f in result.findings] == ["portal.maintenance"]


async def test_not_configured_is_skip() -> None:
    result = await run(None)
    assert result.status == "skip" and result.reason


async def test_unreachable_is_could_not_check() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = await run(f"http://127.0.0.1:{port}/")
    assert (result.status, result.summary) == ("error", "could not check the status page")
    assert result.findings == [] and "ConnectError" in result.reason


async def test_failing_status_page_is_could_not_check(web: WebServer) -> None:
    with serving(web, {"/": Page("oops", status=500)}) as server:
        result = await run(server.url("/"))
    assert result.status == "error" and result.reason == "the status page answered 500 Internal Server Error"


async def test_https_name_through_configured_resolver(tmp_path: Path) -> None:
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("status.example.test").configure_cert(server_ctx)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    body = summary(scheduled_maintenances=[maintenance("in_progress", -timedelta(hours=1), timedelta(hours=1))])
    with WebServer({"/api/v2/summary.json": Page(body, content_type="application/json")}, ssl_context=server_ctx) \
            as server, DnsServer({"status.example.test": ["127.0.0.1"]}) as dns:
        result = await run(server.url("/", host="status.example.test"), dns_servers=[dns.address], ca_bundle=bundle)
    assert [f.id for f in result.findings] == ["portal.maintenance"], result
    assert ("status.example.test", "A") in dns.queries
