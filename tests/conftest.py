"""Fixtures every test gets: no proxy or TLS settings leak in from the machine running the suite."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from agent.engine import diagnosis as engine
from probes.evidence import LEFT_OUT, NOT_APPLICABLE
from probes.names import PATH_CHECKS
from reports.models import Report

_LEAKY = (
    "HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY",
    "https_proxy", "http_proxy", "all_proxy", "no_proxy",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE",
    "DIAGNOSE_USERNAME", "DIAGNOSE_PASSWORD",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _LEAKY:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _own_data_folder(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Bundles of runs without --json go to the per-user data folder: a temporary one in tests."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data")))





def assert_status_earned(report: Report) -> None:
    """OK only when no check on the path to the login page ended error or timeout, or skipped on its own."""
    if report.status != "ok":
        return
    for probe in report.probes:
        if probe.name not in PATH_CHECKS:
            continue
        assert probe.status not in ("error", "timeout"), f"false OK: {probe.name} ended {probe.status}"
        if probe.status == "skip":
            assert probe.reason in (LEFT_OUT, NOT_APPLICABLE), f"false OK: {probe.name} skipped ({probe.reason})"


@pytest.fixture(autouse=True)
def _every_report_earns_its_status(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every report the engine assembles in any test is checked: a false OK fails the test that made it."""
    made: list[Report] = []

    def recording(**fields: Any) -> Report:
        report = Report(**fields)
        made.append(report)
        return report

    monkeypatch.setattr(engine, "Report", recording)
    yield
    for report in made:
        assert_status_earned(report)
