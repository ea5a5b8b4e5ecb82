"""The Markdown report: causes first, remediation as a list, outside text unable to become markup."""

from __future__ import annotations

from reports import markdown
from tests.reports.sample import make_report


def test_order_is_verdict_causes_checks_support() -> None:
    text = markdown.render(make_report())
    assert text.startswith("## Login diagnosis: CRITICAL")
    order = ["### 1. The portal's certificate has expired", "**What to do:**",
             "1. Tell the portal's operator", "### 2. Maintenance is announced for later",
             "### Checks", "### Support details"]
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


def test_support_identifiers_and_timestamps() -> None:
    text = markdown.render(make_report())
    assert "- **request\\_id:** `req-8812`" in text
    assert "- **Started:** `2025-03-04T08:15:00+00:00`" in text
    assert "- **Error seen:** `NET::ERR_CERT_DATE_INVALID`" in text


def test_healthy() -> None:
    text = markdown.render(make_report(status="ok"))
    assert "## Login diagnosis: OK" in text
    assert "No cause found" in text
