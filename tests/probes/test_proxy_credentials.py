"""Proxy passwords: used for the connection, shown nowhere (JSON, HTML, Markdown, terminal)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from agent.cli.main import main
from demo.proxy_server import ProxyServer
from demo.web import Page, WebServer
from reports import html, markdown, text
from reports.models import Report

PASSWORD = "Pr0xy@pass:w0rd"  # '@' and ':' inside: a regex on the URL would cut it in two
QUOTED = "Pr0xy%40pass%3Aw0rd"


@pytest.fixture
def portal() -> Iterator[WebServer]:
    with WebServer({"/login": Page("<title>Sign in</title><form><input type=password></form>")}) as web:
        yield web


def rendered(report_path: Path) -> str:
    report = Report.model_validate_json(report_path.read_text(encoding="utf-8"))
    console = Console(file=io.StringIO(), width=200, force_terminal=False)
    text.render(report, console)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    return "\n".join([report_path.read_text(encoding="utf-8"), html.render(report), markdown.render(report), out])


def assert_hidden(everything: str) -> None:
    for secret in (PASSWORD, QUOTED, "Pr0xy", "w0rd"):
        assert secret not in everything


def test_credentials_given_with_proxy_are_used_and_hidden(portal: WebServer, tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"
    with ProxyServer("auth_required", credentials=("clinic", PASSWORD)) as proxy:
        code = main([portal.url("/login").replace("127.0.0.1", "localhost"), "--only", "proxy,http",
                     "--proxy", f"http://clinic:{QUOTED}@127.0.0.1:{proxy.address[1]}", "--json", str(report_path)])
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert [c["id"] for c in report["causes"]] == []  # no false proxy.auth_required
    assert {p["name"]: p["status"] for p in report["probes"] if p["status"] != "skip"} == {"proxy": "pass",
                                                                                           "http": "pass"}
    assert code == 0  # the path checks not left out (http) passed, through the proxy
    assert_hidden(rendered(report_path))


def test_environment_proxy_password_appears_nowhere(portal: WebServer, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    report_path = tmp_path / "report.json"
    with ProxyServer("auth_required") as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"http://clinic:{QUOTED}@127.0.0.1:{proxy.address[1]}")
        monkeypatch.setenv("HTTPS_PROXY", f"http://clinic:{QUOTED}@127.0.0.1:{proxy.address[1]}")
        main([portal.url("/login").replace("127.0.0.1", "localhost"), "--only", "proxy,network,http",
              "--captive-check", "off", "--json", str(report_path)])
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["causes"][0]["id"] == "proxy.auth_required"  # the wrong password is sent and refused
    network = next(p for p in report["probes"] if p["name"] == "network")
    assert network["evidence"]["proxy"] == f"http://***@127.0.0.1:{proxy.address[1]}"
    assert_hidden(rendered(report_path) + "\n".join(capsys.readouterr()))
