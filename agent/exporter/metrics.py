"""Prometheus metrics: one diagnosis as a `/probe` answer, and the exporter's own `/metrics`.

The `probe_*` names mean what they mean in blackbox_exporter, so its dashboards and
alert rules work unchanged; `diagnose_*` carry what blackbox cannot say: the ranked
causes, the clock offset, every probe's status. Each `/probe` answer is built from its
own report alone, so one target's series never leak into another's answer.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from probes.clock.evidence import ClockEvidence
from probes.dns.evidence import DnsEvidence
from probes.http.evidence import HttpEvidence
from probes.tls.evidence import TlsEvidence
from reports.models import EXIT_CODES, Report
from reports.sanitize import clean

PROBE_STATUSES = ("pass", "warn", "fail", "skip", "error", "timeout")


def probe_answer(report: Report) -> bytes:
    """The Prometheus text exposition for one diagnosis."""
    return generate_latest(_Answer(_families(report)))


class _Answer(Collector):
    """One diagnosis's metric families, exposed once: families, not registered Gauges, because building
    and validating a Gauge per series on every scrape cost more than the rest of the answer."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        return iter(self._families)


def _families(report: Report) -> list[Metric]:
    families: list[Metric] = [
        GaugeMetricFamily("probe_success", "1 when nothing blocks logging in and the login page answered",
                          value=1 if succeeded(report) else 0),
        GaugeMetricFamily("probe_duration_seconds", "How long the diagnosis took", value=report.duration_ms / 1000),
        GaugeMetricFamily("diagnose_status", "Overall status: 0 ok, 1 warning, 2 critical, 3 unknown (the exit code)",
                          value=EXIT_CODES.get(report.status, 3)),
    ]
    verdict = GaugeMetricFamily("diagnose_verdict", "1 for the status the run earned, with the checks that could "
                                "not check", labels=("status", "unchecked"))
    verdict.add_metric((report.status, ",".join(u.probe for u in report.unchecked)), 1)
    families.append(verdict)
    kinds = {type(p.evidence): p.evidence for p in report.probes}
    dns, http, tls, clock = (kinds.get(k) for k in (DnsEvidence, HttpEvidence, TlsEvidence, ClockEvidence))
    facts = {
        ("probe_dns_lookup_time_seconds", "Time the name lookup took"):
            _dns_seconds(dns) if isinstance(dns, DnsEvidence) else None,
        ("probe_http_status_code", "HTTP status of the login page's final answer"):
            http.final_status if isinstance(http, HttpEvidence) else None,
        ("probe_ssl_earliest_cert_expiry", "Earliest expiry of the presented chain, Unix time"):
            min((c.not_after.timestamp() for c in tls.certificates), default=None)
            if isinstance(tls, TlsEvidence) else None,
        ("diagnose_clock_offset_seconds", "Workstation clock minus the reference; positive = ahead"):
            clock.offset_seconds if isinstance(clock, ClockEvidence) else None,
    }
    families += [GaugeMetricFamily(name, doc, value=value) for (name, doc), value in facts.items()
                 if isinstance(value, int | float) and not isinstance(value, bool)]

    cause = GaugeMetricFamily("diagnose_cause", "A cause found, 1 per cause; root=false marks a symptom of another",
                              labels=("id", "severity", "probe", "root"))
    for item in report.causes:
        cause.add_metric((item.id, item.severity, item.probe, "false" if item.explained_by else "true"), 1)
    families.append(cause)
    families += maintenance_families(report)
    status = GaugeMetricFamily("diagnose_probe_status", "1 for the status each probe ended with, 0 for the others",
                               labels=("probe", "status"))
    duration = GaugeMetricFamily("diagnose_probe_duration_seconds", "How long each probe took", labels=("probe",))
    for result in report.probes:
        for name in PROBE_STATUSES:
            status.add_metric((result.name, name), 1 if result.status == name else 0)
        duration.add_metric((result.name,), result.duration_ms / 1000)
    return [*families, status, duration]


def maintenance_families(report: Report) -> list[Metric]:
    """`diagnose_maintenance{state}`: 1 while maintenance is on (now) or announced; alert rules hold on it."""
    found = {c.id: c for c in report.causes}
    state = GaugeMetricFamily("diagnose_maintenance", "1 when the portal announces maintenance now or for later",
                              labels=("state",))
    ends = []
    for name, cause_id in (("now", "portal.maintenance"), ("announced", "portal.maintenance_scheduled")):
        state.add_metric((name,), 1 if cause_id in found else 0)
        end = found[cause_id].window_end if cause_id in found else None
        if end is not None:
            ends.append(GaugeMetricFamily(f"diagnose_maintenance_{name}_end_timestamp_seconds",
                                          f"When the {name} maintenance is announced to end, Unix time",
                                          value=end.timestamp()))
    return [state, *ends]


def debug_answer(report: Report) -> str:
    """`/probe?debug=true`: the run's log (each probe, in order) and the ranked causes, then the metrics."""
    lines = [f"Diagnosis of {report.target.input} ({report.target.url}): {report.status.upper()}, "
             f"{report.duration_ms} ms, run {report.run_id or '-'}", "", "Logs for the probe:"]
    lines += [f"  {p.name:<13}{p.status:<8}{p.duration_ms:>6} ms  {clean(p.summary)}"
              + (f" ({clean(p.reason)})" if p.reason and p.status != "pass" else "") for p in report.probes]
    lines += ["", "Ranked causes:"]
    lines += [f"  {n}. {c.id} ({c.severity}, {c.confidence:.0%}"
              + (f", explained by {c.explained_by}" if c.explained_by else "") + f"): {clean(c.summary or c.title)}"
              for n, c in enumerate(report.causes, 1)] or ["  (none)"]
    return "\n".join([*lines, "", "Metrics that would have been returned:", probe_answer(report).decode()])


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
        self.connections = Counter("diagnose_exporter_connections", "HTTP connections accepted",
                                   registry=self.registry)
        self.connections_open = Gauge("diagnose_exporter_connections_open", "HTTP connections open now",
                                      registry=self.registry)
        self.connections_closed = Counter(
            "diagnose_exporter_connections_closed",
            "Connections closed at the cap: evicted_idle (to make room) or refused (503, every one busy)",
            ("reason",), registry=self.registry)
        self.http_errors = Counter("diagnose_exporter_http_errors", "Requests the HTTP server could not parse "
                                   "or answer, by error", ("error",), registry=self.registry)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def _dns_seconds(evidence: DnsEvidence) -> float | None:
    """The lookup that gave the addresses used: the named resolvers' first answer, else the system's."""
    if evidence.mode == "dns_servers":
        for answer in evidence.resolvers:
            if answer.addresses:
                return answer.ms / 1000
    if evidence.system is not None and evidence.system.ms is not None:
        return evidence.system.ms / 1000
    return None


