"""This workstation against a reference run: real runs of loopback portals, compared by the real command line.

The intercepting proxy is the demo's mitm proxy: the same portal, once straight and once
through it, must be "here only" with the proxy's issuer named. A portal answering 503 to
both runs must be "everywhere", and the ranking must then name the outage, not the network.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import jsonschema
import pytest

from agent.cli.main import main
from agent.engine.diagnosis import diagnose
from agent.engine.ranking import rank
from agent.exporter.config import load
from agent.exporter.serve import Exporter
from demo.portal import DemoPortal
from demo.web import Page, WebServer
from probes.base import ProbeResult, RunConfig
from probes.evidence import Finding
from probes.net.proxy_settings import ProxySettings
from probes.target import Target
from reports.models import Comparison, ReferenceRun, Report

SCHEMA = json.loads((Path(__file__).parents[2] / "reports" / "schema.json").read_text())
QUICK = frozenset({"browser", "login", "user_browser"})
PLAIN_SKIP = '["browser", "login", "clock", "sso", "status_page", "user_browser"]'


def _write(report: Report, path: Path) -> Path:
    path.write_text(report.model_dump_json(indent=2))
    return path


def _compare(tmp_path: Path, here: Path, reference: Path) -> dict:
    out = tmp_path / "compared.json"
    assert main(["compare", str(here), str(reference), "--json", str(out)]) == 0
    document = json.loads(out.read_text())
    jsonschema.validate(document, SCHEMA)
    return document


def test_intercepting_proxy_is_here_only_with_the_issuer_named(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    with DemoPortal("tls-intercepted") as demo:
        assert demo.proxy_url is not None
        config = RunConfig(**demo.config_overrides(), timeout=10)
        target = Target.parse(demo.target_url, profile="demo")
        through = ProxySettings(proxies={"http": demo.proxy_url, "https": demo.proxy_url}, source="environment")
        here = asyncio.run(diagnose(target, config, skip=QUICK, proxy=through))
        reference = asyncio.run(diagnose(target, config, skip=QUICK, proxy=ProxySettings()))
    assert (here.status, reference.status) == ("critical", "ok")
    compared = _compare(tmp_path, _write(here, tmp_path / "here.json"), _write(reference, tmp_path / "ref.json"))
    comparison = compared["comparison"]
    assert comparison["scope"] == "here_only", comparison["summary"]
    issuer = next(d for d in comparison["differences"] if d["aspect"] == "certificate issuer")
    here_issuer = here.probes[[p.name for p in here.probes].index("tls")].evidence.certificates[0]  # type: ignore[union-attr]
    assert issuer["here"] == here_issuer.issuer_common_name and issuer["here"] != issuer["reference"]
    assert issuer["note"].startswith("interception here only")
    assert {"proxy path"} <= {d["aspect"] for d in comparison["differences"]}
    assert compared["causes"][0]["id"] == "tls.intercepted"
    out = capsys.readouterr().out
    assert "HERE ONLY" in out and issuer["here"] in out


@pytest.fixture
def unavailable() -> Iterator[str]:
    server = WebServer({"/login": Page("<h1>Service Unavailable</h1>", status=503)}).start()
    yield server.url("/login")
    server.stop()


def _plain_run(url: str) -> Report:
    config = RunConfig(timeout=8, captive_check_url=None, system_resolvers=[])
    return asyncio.run(diagnose(Target.parse(url), config, proxy=ProxySettings(),
                                skip=frozenset({"browser", "login", "clock", "sso", "status_page", "user_browser"})))


def test_503_to_both_is_everywhere_and_a_confirmed_outage(tmp_path: Path, unavailable: str) -> None:
    here, reference = _plain_run(unavailable), _plain_run(unavailable)
    assert here.status == reference.status == "critical"
    compared = _compare(tmp_path, _write(here, tmp_path / "here.json"), _write(reference, tmp_path / "ref.json"))
    assert compared["comparison"]["scope"] == "everywhere"
    assert compared["comparison"]["server_errors"] == [503]
    first = compared["causes"][0]
    assert first["id"] == "portal.outage" and first["confidence"] >= 0.95, compared["causes"]
    assert any("got HTTP 503 from the portal too" in e for e in first["evidence"])


def _comparison(scope: str, errors: list[int]) -> Comparison:
    ref = ReferenceRun(source="monitor.json", hostname="monitor", started_at=datetime.now(UTC), status="critical")
    return Comparison(scope=scope, summary="", reference=ref, minutes_apart=1, server_errors=errors)  # type: ignore[arg-type]


def test_everywhere_plus_5xx_never_blames_the_local_network() -> None:
    blocked = Finding(id="proxy.blocked", severity="critical", summary="the proxy answered 403")
    firewall = Finding(id="network.unreachable", severity="critical", summary="a port timed out")
    outage = Finding(id="portal.outage", severity="critical", summary="HTTP 503")
    results = [ProbeResult(name="proxy", status="fail", findings=[blocked]),
               ProbeResult(name="network", status="fail", findings=[firewall]),
               ProbeResult(name="http", status="fail", findings=[outage])]
    alone = rank(results)
    assert alone[0].id in ("proxy.blocked", "network.unreachable")
    confirmed = rank(results, _comparison("everywhere", [503]))
    assert confirmed[0].id == "portal.outage" and confirmed[0].confidence >= 0.95
    assert {c.id: c.explained_by for c in confirmed[1:]} == {"proxy.blocked": "portal.outage",
                                                             "network.unreachable": "portal.outage"}
    assert [c.id for c in rank(results, _comparison("here_only", [503]))] == [c.id for c in alone]


async def test_compare_with_an_exporters_latest_report(tmp_path: Path, unavailable: str) -> None:
    config = tmp_path / "exporter.toml"
    config.write_text(f'listen = "127.0.0.1:0"\n[targets.portal]\nurl = "{unavailable}"\nskip = {PLAIN_SKIP}\n'
                      'captive_check = "off"\ntimeout = 6\n')
    exporter = Exporter(load(config))
    await exporter.start()
    base = f"http://127.0.0.1:{exporter.port}"
    try:
        async with httpx.AsyncClient() as client:
            assert (await client.get(f"{base}/report?target=portal", timeout=5)).status_code == 404
            assert (await client.get(f"{base}/report?target=nope", timeout=5)).status_code == 400
            await client.get(f"{base}/probe?target=portal", timeout=10)
            latest = await client.get(f"{base}/report?target=portal", timeout=5)
        assert latest.status_code == 200 and latest.headers["content-type"] == "application/json"
        jsonschema.validate(latest.json(), SCHEMA)
        out = tmp_path / "here.json"
        # as behind a reverse proxy that wants a password or a token: neither may reach the report
        secret_url = f"http://monitor:S3cret-pw@127.0.0.1:{exporter.port}/report?target=portal&token=T0ken-xyz"
        code = await asyncio.to_thread(main, [unavailable, "--compare-with", secret_url,
                                              "--skip", "browser,login,clock,sso,status_page,user_browser",
                                              "--captive-check", "off", "--proxy", "direct", "--timeout", "6",
                                              "--json", str(out)])
    finally:
        await exporter.close()
    report = json.loads(out.read_text())
    assert code == 2 and report["comparison"]["scope"] == "everywhere"
    assert report["comparison"]["reference"]["source"] == (
        f"{base}/report?target=portal&token=[redacted]")
    assert "S3cret-pw" not in out.read_text() and "T0ken-xyz" not in out.read_text()
    assert report["causes"][0]["id"] == "portal.outage"


def test_unreadable_reference_is_one_line_and_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": "1"}')
    assert main(["compare", str(bad), str(tmp_path / "missing.json")]) == 3
    assert main(["https://portal.example/login", "--compare-with", str(bad)]) == 3
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0].startswith("diagnose compare: ") and "is not a diagnose JSON report" in lines[0]
    assert lines[1].startswith("diagnose: --compare-with: ") and len(lines) == 2


def test_another_portal_or_another_hour_is_unknown(unavailable: str) -> None:
    from datetime import timedelta

    from agent.engine.compare import compare

    here = _plain_run(unavailable)
    other = here.model_copy(update={"target": here.target.model_copy(update={"host": "other.example"})})
    later = here.model_copy(update={"started_at": here.started_at + timedelta(hours=1)})
    passed = here.model_copy(update={"status": "ok", "causes": []})
    assert compare(here, other, "x").scope == "unknown" and "not" in compare(here, other, "x").summary
    assert compare(here, later, "x").scope == "unknown"
    assert (compare(here, passed, "x").scope, compare(passed, passed, "x").scope) == ("here_only", "neither")
    assert compare(here, here, "x").scope == "everywhere"
