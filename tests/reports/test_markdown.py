"""The Markdown report: causes first, remediation as a list, outside text unable to become markup."""

from __future__ import annotations

import pytest

from probes.result import ProbeResult
from reports import markdown
from tests.reports.sample import make_report


def test_order_is_answer_ticket_evidence_checks() -> None:
    text = markdown.render(make_report())
    assert text.startswith("## The portal's certificate has expired\n\n**CRITICAL")
    order = ["**Who to contact:** the portal's support", "**What to do:**",
             "1. Tell the portal's operator", "### For the support ticket",
             "### 1. The portal's certificate has expired", "### 2. Maintenance is announced for later",
             "### Checks"]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)
    assert text.endswith("\n")


def test_symptoms_name_their_root() -> None:
    text = markdown.render(make_report())
    assert "explained by `tls.cert_expired`" in text
    assert "### 3." not in text


def test_probe_table_rows() -> None:
    text = markdown.render(make_report())
    assert "| tls | fail | 80 ms | certificate expired |" in text
    assert "| login | skip | 0 ms | no credentials given (DIAGNOSE\\_USERNAME is not set) |" in text


def test_hostile_text_stays_text() -> None:
    """Outside text appears only inside code spans (literal in Markdown) or escaped."""
    text = markdown.render(make_report())
    assert text.count("<script>") == text.count("`` <script>alert('x')</script> | *bold* `tick` ``") == 1
    for line in text.splitlines():
        if line.startswith("| ") and "---" not in line:
            assert line.count(" | ") - line.count("\\|") == 3


def test_code_span_fences() -> None:
    assert markdown._code("a`b") == "``a`b``"
    assert markdown._code("`x`") == "`` `x` ``"
    assert markdown._code("plain") == "`plain`"


def test_support_identifiers_and_local_times(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    text = markdown.render(make_report())
    assert "- **Request id:** `req-8812`" in text
    assert "- **When:** Tue 4 Mar 2025, 3:15 AM EST (UTC-05:00, America/New\\_York)" in text
    assert "- **Error seen:** `NET::ERR_CERT_DATE_INVALID`" in text


def test_healthy() -> None:
    text = markdown.render(make_report(status="ok"))
    assert "**OK: nothing found that blocks logging in**" in text
    assert "No cause found" in text
    assert "**Not checked from here:**" in text and "authenticator" in text and "DIAGNOSE\\_USERNAME" in text


def test_a_check_that_could_not_end_is_named_in_an_ok_run() -> None:
    report = make_report(status="ok")
    report.probes += [
        ProbeResult(name="clock", status="error", summary="", reason="could not check: no time reference answered"),
        ProbeResult(name="sso", status="timeout", summary="still running", reason="run deadline reached"),
    ]
    text = markdown.render(report)
    assert "- the clock check (a clock minutes off breaks sign-in codes and single sign-on): could not check " \
           "(no time reference answered)" in text
    assert "- the identity provider check (single sign-on): could not check (run deadline reached)" in text


def test_remote_text_is_not_autolinked() -> None:
    assert markdown._inline("see https://evil.example/x or www.evil.example, mail a@evil.example") == (
        "see https\\://evil.example/x or www\\.evil.example, mail a\\@evil.example")
    assert "\x1b" not in markdown._inline("red \x1b[31mtext\x1b[0m")
