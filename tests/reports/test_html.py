"""The HTML report: self-contained, escaped, causes first, screenshot embedded, printable."""

from __future__ import annotations

import base64
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from reports import html
from tests.reports.sample import HOSTILE, make_report, png_bytes


class _Collector(HTMLParser):
    """Text of the page in order, plus every URL-bearing attribute (to prove nothing is fetched)."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.urls: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.scripts += tag == "script"
        self.urls += [v or "" for k, v in attrs if k in ("src", "href") and not (v or "").startswith("#")]

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(data.strip())


def _parse(page: str) -> _Collector:
    collector = _Collector()
    collector.feed(page)
    return collector


def test_answer_then_ticket_then_evidence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    page = html.render(make_report())
    text = " ".join(_parse(page).text)
    first_cause = text.index("The portal's certificate has expired")
    who = text.index("Who to contact")
    remedy = text.index("Tell the portal's operator")
    ticket = text.index("For the support ticket")
    assert first_cause < text.index("CRITICAL: something") < who < remedy < ticket < text.index("Causes and their")
    assert ticket < text.index("Checks")
    assert text.index("Maintenance is announced for later") > remedy
    assert "req-8812" in text and "Tue 4 Mar 2025, 3:15 AM EST (UTC-05:00, America/New_York)" in text


def test_symptom_is_listed_apart_and_linked_to_its_root(tmp_path: Path) -> None:
    page = html.render(make_report())
    assert 'href="#cause-tls.cert_expired"' in page
    assert 'id="cause-tls.cert_expired"' in page
    assert "Consequences of the causes above" in page


def test_everything_from_outside_is_escaped() -> None:
    page = html.render(make_report())
    parsed = _parse(page)
    assert parsed.scripts == 0
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert HOSTILE in " ".join(parsed.text)


def test_screenshot_is_embedded_and_nothing_is_fetched(tmp_path: Path) -> None:
    shot = tmp_path / "shots" / "login.png"
    shot.parent.mkdir()
    shot.write_bytes(png_bytes())
    page = html.render(make_report(screenshot=Path("shots/login.png")), base_dir=tmp_path)
    uri = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    assert uri in page
    assert all(url.startswith("data:") for url in _parse(page).urls)


def test_missing_or_unsafe_screenshot_is_left_out(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not an image")
    outside = tmp_path / "elsewhere" / "private.png"
    outside.parent.mkdir()
    outside.write_bytes(png_bytes())
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    assert html.screenshot_data_uri(str(outside), bundle) is None  # an absolute path in an untrusted report
    assert html.screenshot_data_uri("../elsewhere/private.png", bundle) is None  # out of the report's folder
    assert html.screenshot_data_uri("private.png", outside.parent) is not None
    assert html.screenshot_data_uri(str(tmp_path / "gone.png")) is None
    assert html.screenshot_data_uri("notes.txt", tmp_path) is None
    assert html.screenshot_data_uri(None) is None
    assert "<img" not in html.render(make_report(screenshot=tmp_path / "gone.png"))


def test_healthy_report_says_so() -> None:
    page = html.render(make_report(status="ok"))
    assert "OK: nothing found that blocks logging in" in page
    assert "No cause found" in page


def test_print_styles_present() -> None:
    assert "@media print" in html.render(make_report())


def test_evidence_is_flattened_into_rows() -> None:
    rows = html.flatten({"a": {"b": 1, "c": [1, 2]}, "d": [{"e": None}], "f": []})
    assert rows == [("a.b", "1"), ("a.c", "1, 2"), ("d[0].e", ""), ("f", "(none)")]


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no Chromium to render the page")
def test_first_screen_in_chromium_shows_the_cause(tmp_path: Path) -> None:
    """Headless Chromium renders the page: a non-blank first screen, and the cause in the DOM."""
    shot = tmp_path / "login.png"
    shot.write_bytes(png_bytes(40, 30))
    page = tmp_path / "report.html"
    page.write_text(html.render(make_report(screenshot=Path("login.png")), base_dir=tmp_path), encoding="utf-8")
    picture = tmp_path / "first-screen.png"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             f"--user-data-dir={tmp_path / 'profile'}"]
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    subprocess.run([chromium, *flags, "--window-size=1280,800", f"--screenshot={picture}", page.as_uri()],
                   check=True, capture_output=True, timeout=60)
    assert picture.stat().st_size > 10_000
    dom = subprocess.run([chromium, *flags, "--dump-dom", page.as_uri()],
                         check=True, capture_output=True, timeout=60, text=True).stdout
    assert "Who to contact" in dom and "Tell the portal's operator" in dom
    first = dom[:dom.index("For the support ticket")]
    assert "data:image/png;base64," in first and "What to do" in first


def test_report_command_renders_a_saved_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from agent.cli.main import main

    (tmp_path / "login.png").write_bytes(png_bytes())
    saved = tmp_path / "report.json"
    saved.write_text(make_report(screenshot=Path("login.png")).model_dump_json(indent=2))
    out_html, out_md = tmp_path / "out" / "r.html", tmp_path / "r.md"
    out_html.parent.mkdir()
    assert main(["report", str(saved), "--html", str(out_html), "--markdown", str(out_md)]) == 0
    assert "data:image/png;base64," in out_html.read_text()
    assert out_md.read_text().startswith("## The portal's certificate has expired")
    assert main(["report", str(saved)]) == 0
    assert "### 1. The portal's certificate has expired" in capsys.readouterr().out


def test_report_command_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from agent.cli.main import main

    (tmp_path / "x.json").write_text('{"status": "ok"}')
    assert main(["report", str(tmp_path / "x.json"), "--html", str(tmp_path / "x.html")]) == 3
    assert "is not a diagnose JSON report" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing.json")]) == 3
    assert "cannot read" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()
