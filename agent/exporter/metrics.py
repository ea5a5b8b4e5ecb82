"""Prometheus metrics: one diagnosis as a `/probe` answer, and the exporter's own `/metrics`.

The `probe_*` names mean what they mean in blackbox_exporter, so its dashboards and
alert rules work unchanged; `diagnose_*` carry what blackbox cannot say: the ranked
causes, the clock offset, every probe's status. Each `/probe` answer is built in a
fresh registry, so one target's series never leak into another's answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from probes.base import ProbeResult
from reports.models import Report

PROBE_STATUSES = ("pass", "warn", "fail", "skip", "error", "timeout")
STATUS_VALUES = {"ok": 0, "warning": 1, "critical": 2, "unknown": 3}


def probe_answer(report: Report) -> bytes:
    """The Prometheus text exposition for one diagnosis."""
    registry = CollectorRegistry()

    def gauge(name: str, doc: str, labels: tuple[str, ...] = ()) -> Gauge:
        return Gauge(name, doc, labels, registry=registry)

    gauge("probe_success", "1 when nothing blocks logging in and the login page answered").set(
        1 if succeeded(report) else 0
    )
    gauge("probe_duration_seconds", "How long the diagnosis took").set(report.duration_ms / 1000)
    gauge("diagnose_status", "Overall status: 0 ok, 1 warning, 2 critical, 3 unknown (the exit code)").set(
        STATUS_VALUES.get(report.status, 3)
    )
    verdict = gauge("diagnose_verdict", "1 for the status the run earned, with the checks that could not check",
                    ("status", "unchecked"))
    verdict.labels(report.status, ",".join(u.probe for u in report.unchecked)).set(1)
    evidence = {p.name: _evidence(p) for p in report.probes}
    facts = {
        ("probe_dns_lookup_time_seconds", "Time the name lookup took"): _dns_seconds(evidence.get("dns")),
        ("probe_http_status_code", "HTTP status of the login page's final answer"): _get(
            evidence.get("http"), "final_status"),
        ("probe_ssl_earliest_cert_expiry", "Earliest expiry of the presented chain, Unix time"): _earliest_expiry(
            evidence.get("tls")),
        ("diagnose_clock_offset_seconds", "Workstation clock minus the reference; positive = ahead"): _get(
            evidence.get("clock"), "offset_seconds"),
    }
    for (name, doc), value in facts.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            gauge(name, doc).set(value)

    cause = gauge("diagnose_cause", "A cause found, 1 per cause; root=false marks a symptom of another",
                  ("id", "severity", "probe", "root"))
    for item in report.causes:
        cause.labels(item.id, item.severity, item.probe, "false" if item.explained_by else "true").set(1)
    status = gauge("diagnose_probe_status", "1 for the status each probe ended with, 0 for the others",
                   ("probe", "status"))
    duration = gauge("diagnose_probe_duration_seconds", "How long each probe took", ("probe",))
    for result in report.probes:
        for name in PROBE_STATUSES:
            status.labels(result.name, name).set(1 if result.status == name else 0)
        duration.labels(result.name).set(result.duration_ms / 1000)
    return generate_latest(registry)


def succeeded(report: Report) -> bool:
    """Status ok or warning: the verdict already demands that every check on the path ran and passed."""
    return report.status in ("ok", "warning")


def failed_answer(reason: str) -> bytes:
    """A `/probe` answer when no diagnosis could run at all (no slot in time): probe_success 0."""
    registry = CollectorRegistry()
    Gauge("probe_success", "1 when nothing blocks logging in", registry=registry).set(0)
    Gauge("diagnose_status", "Overall status: 3 unknown", registry=registry).set(3)
    Gauge("diagnose_exporter_skipped", "1: no diagnosis ran for this scrape", ("reason",),
          registry=registry).labels(reason).set(1)
    return generate_latest(registry)


class ExporterMetrics:
    """The exporter process's own metrics, served on `/metrics`."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.runs = Counter("diagnose_exporter_probes", "Diagnoses run, by target and status",
                            ("target", "status"), registry=self.registry)
        self.duration = Histogram("diagnose_exporter_probe_duration_seconds", "Diagnosis duration",
                                  ("target",), registry=self.registry,
                                  buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60))
        self.in_flight = Gauge("diagnose_exporter_probes_in_flight", "Diagnoses running now",
                               registry=self.registry)
        self.requests = Counter("diagnose_exporter_requests", "HTTP requests, by path and status code",
                                ("path", "code"), registry=self.registry)
        self.shared = Counter("diagnose_exporter_probes_shared",
                              "Scrapes answered by a diagnosis already running for the same target",
                              ("target",), registry=self.registry)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def _evidence(result: ProbeResult) -> dict[str, Any]:
    return result.evidence.model_dump(mode="python")


def _get(evidence: dict[str, Any] | None, key: str) -> Any:
    return None if evidence is None else evidence.get(key)


def _dns_seconds(evidence: dict[str, Any] | None) -> float | None:
    """The lookup that gave the addresses used: the named resolvers' first answer, else the system's."""
    if not evidence:
        return None
    if evidence.get("mode") == "dns_servers":
        for answer in evidence.get("resolvers") or []:
            if isinstance(answer, dict) and answer.get("addresses"):
                return answer.get("ms", 0) / 1000
    system = evidence.get("system")
    if isinstance(system, dict) and system.get("ms") is not None:
        return system["ms"] / 1000
    return None


def _earliest_expiry(evidence: dict[str, Any] | None) -> float | None:
    times = []
    for cert in (evidence or {}).get("certificates") or []:
        value = cert.get("not_after") if isinstance(cert, dict) else None
        if isinstance(value, str):
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if isinstance(value, datetime):
            times.append(value.timestamp())
    return min(times) if times else None
