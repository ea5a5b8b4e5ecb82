"""The demo portal: it starts and stops cleanly, and every fault it plays is found by the real agent.

The end-to-end runs go through the real command line (`diagnose demo --fault NAME`), in
process, and check the first cause of the JSON report. Faults only a browser sees run
with the browser; the others skip it (and the login attempt) to stay fast.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import ssl
import threading
from pathlib import Path

import jsonschema
import pytest

from agent.cli.main import main
from agent.engine.diagnosis import diagnose
from demo.faults import FAULTS
from demo.portal import PORTAL_HOST, DemoPortal
from probes.base import RunConfig
from probes.net.proxy_settings import ProxySettings
from probes.target import Target

SCHEMA = json.loads((Path(__file__).parent.parent / "reports" / "schema.json").read_text())
HAS_BROWSER = any(shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome"))


def run_demo(tmp_path: Path, *args: str) -> tuple[int, dict]:
    report = tmp_path / "report.json"
    code = main(["demo", *args, "--json", str(report), "--timeout", "15"])
    document = json.loads(report.read_text())
    jsonschema.validate(document, SCHEMA)
    return code, document


def fetch_login(demo: DemoPortal) -> bytes:
    """GET /login the way a browser would: the name for SNI, the address from the demo's DNS."""
    port = int(demo.target_url.rsplit(":", 1)[1].split("/")[0])
    context = ssl.create_default_context(cafile=str(demo.ca_bundle))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, \
            context.wrap_socket(raw, server_hostname=PORTAL_HOST) as tls:
        tls.sendall(f"GET /login HTTP/1.1\r\nHost: {PORTAL_HOST}:{port}\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while chunk := tls.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_demo_starts_serves_and_stops_cleanly() -> None:
    threads = threading.active_count()
    with DemoPortal() as demo:
        answer = fetch_login(demo)
        workdir = demo.profile_file.parent
        assert answer.startswith(b"HTTP/1.") and b" 200 " in answer.split(b"\r\n")[0]
        assert b'type="password"' in answer and b'id="sign-in"' in answer
        assert demo.environment()["DIAGNOSE_USERNAME"] == "demo.user"
        assert demo.profile.login_url == demo.target_url
    assert not workdir.exists()
    with pytest.raises(OSError):
        fetch_login(demo)
    for _ in range(50):
        if threading.active_count() <= threads:
            break
        threading.Event().wait(0.02)
    assert threading.active_count() <= threads


def test_unknown_fault_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown demo fault 'nope'"):
        DemoPortal("nope")


def test_list_faults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--list-faults"]) == 0
    out = capsys.readouterr().out
    assert all(f"{name} " in out for name in FAULTS)


def test_unknown_fault_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--fault", "tls-expird"]) == 3
    err = capsys.readouterr().err.strip()
    assert err.startswith("diagnose: demo: unknown fault 'tls-expird'; did you mean tls-expired")
    assert "\n" not in err


def test_a_stray_argument_is_refused_before_the_portal_starts(capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def no_portal(*args: object) -> None:
        raise AssertionError("the demo portal started for an invocation that was refused")

    monkeypatch.setattr("demo.portal.DemoPortal.__init__", no_portal)
    assert main(["demo", "extra", "--skip", "browser,login"]) == 3
    assert main(["demo", "--no-such-option"]) == 3
    lines = capsys.readouterr().err.strip().splitlines()
    assert "unrecognized arguments: extra" in lines[0] and "--no-such-option" in lines[1] and len(lines) == 2


def test_config_overrides_drive_the_engine() -> None:
    with DemoPortal("idp-cert-expired") as demo:
        config = RunConfig(**demo.config_overrides(), timeout=10)
        target = Target.parse(demo.target_url, profile="demo")
        report = asyncio.run(diagnose(target, config, skip=frozenset({"browser", "login"}),
                                      proxy=ProxySettings()))
    assert [c.id for c in report.causes][:1] == ["sso.idp_cert_expired"]


def test_healthy_demo_without_browser(tmp_path: Path) -> None:
    code, report = run_demo(tmp_path, "--skip", "browser,login")
    assert (code, report["status"], report["causes"]) == (0, "ok", [])
    assert report["target"]["profile"] == "demo"
    assert {p["name"]: p["status"] for p in report["probes"]}["sso"] == "pass"
    assert {p["name"]: p["status"] for p in report["probes"]}["status_page"] == "pass"


NETWORK_SIDE = [f for f in FAULTS.values() if not f.browser]
BROWSER_SIDE = [f for f in FAULTS.values() if f.browser and f.family == "browser"]
ACCOUNT_SIDE = [f for f in FAULTS.values() if f.family == "account"]


@pytest.mark.parametrize("fault", NETWORK_SIDE, ids=lambda f: f.name)
def test_fault_is_found(tmp_path: Path, fault) -> None:  # noqa: ANN001 - a demo.faults.Fault
    code, report = run_demo(tmp_path, "--fault", fault.name, "--skip", "browser,login")
    first = report["causes"][0]
    assert first["id"] == fault.expect, [c["id"] for c in report["causes"]]
    assert code == (1 if first["severity"] == "warning" else 2)


@pytest.mark.skipif(not HAS_BROWSER, reason="no Chromium on this machine")
@pytest.mark.parametrize("fault", BROWSER_SIDE, ids=lambda f: f.name)
def test_browser_fault_is_found(tmp_path: Path, fault) -> None:  # noqa: ANN001 - a demo.faults.Fault
    code, report = run_demo(tmp_path, "--fault", fault.name, "--skip", "login")
    assert (code, report["causes"][0]["id"]) == (2, fault.expect), [c["id"] for c in report["causes"]]


@pytest.mark.skipif(not HAS_BROWSER, reason="no Chromium on this machine")
@pytest.mark.parametrize("fault", ACCOUNT_SIDE, ids=lambda f: f.name)
def test_account_fault_is_found(tmp_path: Path, fault) -> None:  # noqa: ANN001 - a demo.faults.Fault
    pytest.importorskip("probes.login.probe")
    code, report = run_demo(tmp_path, "--fault", fault.name)
    assert (code, report["causes"][0]["id"]) == (2, fault.expect), [c["id"] for c in report["causes"]]
    assert "demo-password" not in json.dumps(report)


@pytest.mark.skipif(not HAS_BROWSER, reason="no Chromium on this machine")
def test_an_interception_the_sign_in_gets_through_is_a_warning(tmp_path: Path) -> None:
    """The TLS check ran to its end and found the re-signing proxy; the login still worked: WARNING, not UNKNOWN."""
    pytest.importorskip("probes.login.probe")
    code, report = run_demo(tmp_path, "--fault", "tls-intercepted")
    first = report["causes"][0]
    assert (first["id"], first["severity"]) == ("tls.intercepted", "warning")
    assert (code, report["status"], report["unchecked"]) == (1, "warning", [])


@pytest.mark.skipif(not HAS_BROWSER, reason="no Chromium on this machine")
def test_healthy_demo_with_browser_and_login(tmp_path: Path) -> None:
    code, report = run_demo(tmp_path)
    assert (code, report["causes"]) == (0, []), [c["id"] for c in report["causes"]]
    statuses = {p["name"]: p["status"] for p in report["probes"]}
    assert statuses["browser"] == "pass" and statuses["user_browser"] == "pass", statuses
    assert report["support"]["user_browsers"] == ["Chromium 131.0.6778.85"]  # the demo workstation's own


@pytest.mark.skipif(not HAS_BROWSER, reason="no Chromium on this machine")
@pytest.mark.parametrize(("fault", "first"), [("tls-hung", "tls.handshake_failure"), ("http-hung", "portal.outage")])
def test_hung_portal_is_named_within_half_the_deadline(tmp_path: Path, fault: str, first: str) -> None:
    """A port that takes the connection and then says nothing: named by its probe, the browser stops waiting."""
    report_path = tmp_path / "report.json"
    code = main(["demo", "--fault", fault, "--json", str(report_path), "--timeout", "20"])
    report = json.loads(report_path.read_text())
    assert (code, report["causes"][0]["id"]) == (2, first), [c["id"] for c in report["causes"]]
    assert report["duration_ms"] < 10_000, report["duration_ms"]  # 0.5 x --timeout
    browser = {p["name"]: p for p in report["probes"]}["browser"]
    assert browser["status"] == "skip" and "cannot load" in browser["reason"]


def test_the_demos_bundle_outlives_the_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """The demo plays the workstation's home for its browser profile; the bundle still goes where the user looks."""
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # the user's own home: ~/.local/share is the data folder
    assert main(["demo", "--skip", "browser,login", "--timeout", "15"]) == 0
    runs = tmp_path / ".local" / "share" / "diagnose" / "runs"
    assert runs.is_dir() and [p for p in runs.iterdir() if (p / "report.json").is_file()]
    capsys.readouterr()
