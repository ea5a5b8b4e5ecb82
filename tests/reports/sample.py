"""A realistic hand-made report for the renderer, history and alert tests."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from probes.base import ProbeResult
from probes.clock.evidence import ClockEvidence
from probes.dns.evidence import DnsEvidence
from probes.evidence import Finding
from probes.tls.evidence import TlsEvidence
from reports.models import Cause, Report, Support, TargetInfo, ToolInfo, Workstation

HOSTILE = "<script>alert('x')</script> | *bold* `tick`"
STARTED = datetime(2025, 3, 4, 8, 15, 0, tzinfo=UTC)


def png_bytes(width: int = 4, height: int = 3) -> bytes:
    """A tiny valid PNG, so the embedded screenshot is a real image."""
    raw = b"".join(b"\x00" + b"\xcc\x22\x2e" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def make_report(
    screenshot: Path | None = None,
    status: str = "critical",
    target: str = "https://portal.example.com/login",
    finished_at: datetime | None = None,
) -> Report:
    """A critical run: expired certificate first, announced maintenance next, a browser symptom after."""
    finished = finished_at or STARTED + timedelta(seconds=3, milliseconds=200)
    causes = [
        Cause(
            id="tls.cert_expired", title="The portal's certificate has expired", severity="critical",
            confidence=0.92, probe="tls", owner="portal",
            summary="portal.example.com presented a certificate that expired 3 days ago.",
            evidence=["subject CN=portal.example.com, not after 2025-03-01T00:00:00Z",
                      "workstation clock is 0.4 s off pool.ntp.org, so the date is right"],
            remediation=["Tell the portal's operator that its certificate expired on 2025-03-01.",
                         "Do not click through the browser's warning: wait for the renewed certificate."],
        ),
        Cause(
            id="portal.maintenance_scheduled", title="Maintenance is announced for later", severity="warning",
            confidence=0.6, probe="status_page",
            summary="The status page announces maintenance on 2025-03-05 from 22:00 UTC.",
            evidence=["status page: 'Scheduled maintenance: database upgrade'"],
            remediation=["Plan logins around the maintenance window."],
        ),
        Cause(
            id="browser.script_error", title="The login page's scripts fail", severity="critical",
            confidence=0.4, probe="browser", evidence=[HOSTILE], explained_by="tls.cert_expired",
        ),
    ]
    probes = [
        ProbeResult(name="dns", status="pass", duration_ms=12, summary="portal.example.com -> 203.0.113.10",
                    evidence=DnsEvidence(host="portal.example.com", mode="system", addresses=["203.0.113.10"])),
        ProbeResult(name="tls", status="fail", duration_ms=80, summary="certificate expired",
                    evidence=TlsEvidence(host="portal.example.com", port=443, checked_at=STARTED),
                    findings=[Finding(id="tls.cert_expired", severity="critical",
                                      summary="certificate expired 3 days ago")]),
        ProbeResult(name="clock", status="pass", duration_ms=40, summary="offset 0.4 s",
                    evidence=ClockEvidence(offset_seconds=0.4, local_time="2026-03-04T10:00:00+00:00", timezone="UTC")),
        ProbeResult(name="login", status="skip", summary="no credentials given", reason="DIAGNOSE_USERNAME is not set"),
    ]
    return Report(
        tool=ToolInfo(version="0.1.0"),
        target=TargetInfo(input=target, url=target, host="portal.example.com", port=443, profile="example"),
        started_at=STARTED, finished_at=finished, duration_ms=3200, status=status,
        exit_code={"ok": 0, "warning": 1, "critical": 2}.get(status, 3),
        workstation=Workstation(hostname="ws-042", os="Linux", timezone="Europe/Berlin",
                                local_time="2025-03-04T09:15:00+01:00"),
        probes=probes, causes=causes if status != "ok" else [],
        support=Support(
            started_at=STARTED, finished_at=finished, timezone="Europe/Berlin", os="Linux 6.1",
            portal_url=target, resolved_addresses=["203.0.113.10"],
            browser={"name": "chromium", "version": "120.0.6099.224"},
            error_text=["NET::ERR_CERT_DATE_INVALID", HOSTILE],
            screenshot=str(screenshot) if screenshot else None,
            identifiers={"run_id": "7f3c2a", "request_id": "req-8812"},
            when_to_contact="When the certificate is not renewed within a working day.",
        ),
    )
