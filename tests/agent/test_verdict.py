"""The status rule, case by case: OK is earned by every check on the path, never by a probe that could not look."""

from __future__ import annotations

import pytest

from agent.engine.verdict import PATH_CHECKS, decide
from probes.base import ProbeResult
from probes.evidence import LEFT_OUT, NOT_APPLICABLE
from reports.models import Cause


def results(**statuses: str) -> list[ProbeResult]:
    """One result per path check (pass unless given), plus a passing clock; `reason` for skips below."""
    out = []
    for name in (*PATH_CHECKS, "clock"):
        status = statuses.get(name, "pass")
        reason = {"left": LEFT_OUT, "na": NOT_APPLICABLE}.get(statuses.get(f"{name}_why", ""), "budget exceeded")
        out.append(ProbeResult(name=name, status=status,  # type: ignore[arg-type]
                               reason=None if status in ("pass", "warn", "fail") else reason))
    return out


def cause(severity: str, cause_id: str = "tls.cert_expired") -> Cause:
    return Cause(id=cause_id, title="t", severity=severity, confidence=0.9, probe="tls")  # type: ignore[arg-type]


CASES = [
    ("every check passed", results(), [], False, "ok", []),
    ("a warning only", results(tls="warn"), [cause("warning", "tls.expiring_soon")], False, "warning", []),
    ("tls timed out, nothing found", results(tls="timeout"), [], False, "unknown", ["tls"]),
    ("http errored, nothing found", results(http="error"), [], False, "unknown", ["http"]),
    ("browser could not start", results(browser="error"), [], False, "unknown", ["browser"]),
    ("warning plus a check that could not run", results(browser="timeout"),
     [cause("warning", "tls.expiring_soon")], False, "unknown", ["browser"]),
    ("skipped for a reason of its own", results(http="skip"), [], False, "unknown", ["http"]),
    ("dns failed: later checks skipped, critical stays", results(dns="fail", network="skip", tls="skip",
                                                                 http="skip", browser="skip"),
     [cause("critical", "dns.nxdomain")], False, "critical", ["network", "tls", "http", "browser"]),
    ("critical found, browser timed out", results(browser="timeout"), [cause("critical")], False, "critical",
     ["browser"]),
    ("tls has nothing to check on http://", results(tls="skip", tls_why="na"), [], False, "ok", []),
    ("user left the browser out", results(browser="skip", browser_why="left"), [], False, "ok", []),
    ("interrupted after every check passed", results(), [], True, "unknown", []),
    ("interrupted with a warning", results(), [cause("warning", "tls.expiring_soon")], True, "unknown", []),
    ("interrupted with a critical cause", results(), [cause("critical")], True, "critical", []),
    ("fail without a cause is not a pass", results(http="fail"), [], False, "unknown", ["http"]),
    ("a failure the sign-in showed not to block is a warning", results(tls="fail"),
     [cause("warning", "tls.intercepted")], False, "warning", []),
    ("another check's warning does not stand for a failure", results(http="fail"),
     [cause("warning", "tls.intercepted")], False, "unknown", ["http"]),
]


@pytest.mark.parametrize(("what", "probe_results", "causes", "interrupted", "status", "unchecked"), CASES,
                         ids=[c[0] for c in CASES])
def test_status_is_earned(what: str, probe_results: list[ProbeResult], causes: list[Cause], interrupted: bool,
                          status: str, unchecked: list[str]) -> None:
    verdict = decide(probe_results, causes, interrupted=interrupted)
    assert verdict.status == status, what
    assert [u.probe for u in verdict.unchecked] == unchecked


def test_left_out_checks_are_named() -> None:
    verdict = decide(results(browser="skip", browser_why="left"), [])
    assert verdict.left_out == ["browser"] and verdict.status == "ok"
