"""The shipped JSON Schema matches the models, and real reports validate against it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import jsonschema

from probes.base import ProbeResult
from probes.evidence import Finding
from reports.models import Cause, Report, Support, TargetInfo, ToolInfo, Workstation
from reports.schema import generate, shipped


def test_shipped_schema_is_generated_from_the_models() -> None:
    assert shipped() == json.loads(json.dumps(generate())), "run: python -m reports.schema"


def test_a_report_validates() -> None:
    now = datetime.now(UTC)
    report = Report(
        tool=ToolInfo(version="0.1.0"), target=TargetInfo(input="https://portal.test/", url="https://portal.test/"),
        started_at=now, finished_at=now, duration_ms=0, status="critical", exit_code=2,
        workstation=Workstation(hostname="h", os="Linux", timezone="UTC", local_time=now.isoformat()),
        probes=[ProbeResult(name="dns", status="fail", findings=[Finding(id="dns.nxdomain", severity="critical",
                                                                         summary="no such name")])],
        causes=[Cause(id="dns.nxdomain", title="t", severity="critical", confidence=0.9, probe="dns")],
        support=Support(started_at=now, finished_at=now, timezone="UTC", os="Linux"),
    )
    jsonschema.validate(json.loads(report.model_dump_json()), shipped())
