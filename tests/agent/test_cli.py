"""The command line from the outside: bad input is one line and exit 3; a run writes its report."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent.cli.main import main
from demo.web import Page, WebServer

BAD_INPUTS = [
    (["ht!tp://"], "not a URL"),
    (["https://"], "no host name"),
    (["https://exa mple.com/"], "contains spaces"),
    (["ftp://example.com/"], "unsupported scheme 'ftp'"),
    (["https://a..b/"], "invalid host name"),
    (["https://localhost:70000/"], "bad host or port"),
    (["http://[::1"], "not a URL (Invalid IPv6 URL)"),
    (["https://[zz]/"], "not a URL ('zz' does not appear to be an IPv4 or IPv6 address)"),
    (["https://localhost/", "--timeout", "-1"], "--timeout must be between"),
    (["https://localhost/", "--timeout", "soon"], "invalid float value"),
    (["https://localhost/", "--dns-server", "resolver.example"], "is not an IP address"),
    (["https://localhost/", "--dns-server", "127.0.0.1:99999"], "port out of range"),
    (["https://localhost/", "--ca-bundle", "/nonexistent/ca.pem"], "--ca-bundle: cannot read"),
    (["https://localhost/", "--only", "dns,teleport"], "unknown probe teleport"),
    (["https://localhost/", "--status-page", "gopher://x/"], "--status-page: unsupported scheme"),
    (["https://localhost/", "--no-such-option"], "unrecognized arguments"),
    (["https://localhost/", "--captive-check", "sometimes"], "--captive-check: not a URL"),
    (["https://localhost/", "--proxy", "ftp://proxy:21"], "--proxy: expected auto, env, direct or a proxy URL"),
    (["https://localhost/", "--webhook", "https://hooks.test/x"], "--webhook needs --history"),
    (["https://localhost/", "--compare-with", "http://[zz]/"], "--compare-with: cannot fetch the reference report"),
    (["https://localhost/", "--npi", "1234567890"], "--npi '1234567890': the check digit does not match"),
    ([], "no TARGET given"),
    (["https://localhost/", "--timeout", "nan"], "--timeout must be between"),
    (["https://localhost/", "--timeout", "inf"], "--timeout must be between"),
    (["https://localhost/", "--time-server", "::::"], "neither HOST[:PORT] nor an IPv6 address"),
    (["https://localhost/", "--time-server", "[zz]"], "brackets hold an IPv6 address"),
    (["https://localhost/", "--dns-server", "[::1"], "brackets hold an IPv6 address"),
    (["https://localhost/", "--only", "proxy,clock"], "leave out every check on the path"),
    (["https://localhost/", "--json", "/"], "--json: / is a folder"),
    (["https://localhost/", "--json", "/nonexistent/folder/report.json"], "--json: the folder /nonexistent/folder"),
    (["https://localhost/", "--skip", "dns,network,tls,http,browser"], "leave out every check on the path"),
]


@pytest.mark.parametrize(("argv", "message"), BAD_INPUTS, ids=[" ".join(a) or "nothing" for a, _ in BAD_INPUTS])
def test_bad_input_is_one_line_and_exit_3(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 3
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


HEAVY = ("pydantic", "httpx", "aiohttp", "jinja2", "rich", "cryptography", "playwright", "dns", "psutil")
LOADED_HEAVY = (
    "import sys\nfrom agent.cli.main import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
    f"print('loaded:', ','.join(sorted({{m.split('.')[0] for m, mod in sys.modules.items() if mod}} & {set(HEAVY)!r})))"
)


@pytest.mark.parametrize("argv", [
    ["--help"], ["https://localhost/", "--bogus"], ["serve", "--help"], ["serve"], ["report", "--help"],
    ["report", "a.json", "--bogus"], ["compare", "--help"], ["compare", "a.json"], ["demo", "--help"],
])
def test_help_and_a_bad_argument_answer_before_anything_heavy_loads(argv: list[str]) -> None:
    """`--help` and a mistyped option answer at once, the command and each subcommand alike."""
    done = subprocess.run([sys.executable, "-c", LOADED_HEAVY, *argv], capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines()[-1] == "loaded: "
    assert "Traceback" not in done.stderr


def test_unreadable_or_empty_ca_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not a certificate\n")
    assert main(["https://localhost/", "--ca-bundle", str(bundle)]) == 3
    assert "holds no PEM certificate" in capsys.readouterr().err


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_refused_portal_is_critical_with_report(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIAGNOSE_PASSWORD", "never-Printed-9")
    report = tmp_path / "report.json"
    code = main([f"https://localhost:{closed_port()}/login", "--json", str(report), "--only", "dns,network,tls,http",
                 "--captive-check", "off", "--timeout", "8"])
    out = capsys.readouterr()
    data = json.loads(report.read_text())
    assert code == 2 and data["status"] == "critical" and data["exit_code"] == 2
    assert data["causes"][0]["id"] == "network.refused"
    assert "never-Printed-9" not in report.read_text() + out.out + out.err
    assert "CRITICAL" in out.out and "refuse" in out.out


def test_json_to_stdout_puts_human_output_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    code = main([f"http://127.0.0.1:{closed_port()}/", "--json", "-", "--only", "network", "--captive-check", "off"])
    out = capsys.readouterr()
    assert code == 2 and json.loads(out.out)["causes"][0]["id"] == "network.refused"
    assert "CRITICAL" in out.err


def test_interrupt_still_writes_the_report(tmp_path: Path) -> None:
    """SIGTERM mid-run: the probes stop, the report is written, unfinished probes say so."""
    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen(1)
    report = tmp_path / "report.json"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent.cli.main", f"http://127.0.0.1:{hung.getsockname()[1]}/", "--only", "http",
         "--json", str(report), "--timeout", "30", "--captive-check", "off"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )
    try:
        time.sleep(1.5)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    finally:
        proc.kill()
        hung.close()
    data = json.loads(report.read_text())
    http = next(p for p in data["probes"] if p["name"] == "http")
    assert http["status"] == "timeout" and http["reason"] == "interrupted"
    assert (proc.returncode, data["status"], data["interrupted"]) == (3, "unknown", True)
    assert [u["probe"] for u in data["unchecked"]] == ["http"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGHUP], ids=["SIGINT", "SIGHUP"])
def test_an_interrupted_healthy_run_is_never_ok(tmp_path: Path, signum: int) -> None:
    """The login page answered and every check on the path passed; the status page still hangs: stopped, not OK."""
    routes = {"/login": Page('<form><input type="password"></form>'), "/status": Page(hang=True)}
    report = tmp_path / "report.json"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    with WebServer(routes) as portal:
        proc = subprocess.Popen(
            [sys.executable, "-m", "agent.cli.main", portal.url("/login"), "--only", "dns,network,http,status_page",
             "--status-page", portal.url("/status"), "--captive-check", "off", "--json", str(report),
             "--timeout", "30"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        )
        try:
            time.sleep(5.0)  # the path checks have passed (a loaded machine included); the status page still hangs
            proc.send_signal(signum)
            _, err = proc.communicate(timeout=10)
        finally:
            proc.kill()
    data = json.loads(report.read_text())
    statuses = {p["name"]: p["status"] for p in data["probes"]}
    assert (statuses["http"], statuses["status_page"]) == ("pass", "timeout"), statuses
    assert (proc.returncode, data["status"], data["interrupted"]) == (3, "unknown", True), err
    assert b"interrupted" in err


def test_password_in_the_target_url_goes_nowhere(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "report.json"
    code = main([f"https://clinic.user:Hunter2-secret@127.0.0.1:{closed_port()}/login", "--only", "dns,network",
                 "--captive-check", "off", "--json", str(report)])
    out = capsys.readouterr()
    data = json.loads(report.read_text())
    assert code == 2 and data["target"]["input"] == data["target"]["url"]
    for text in (report.read_text(), out.out, out.err):
        assert "Hunter2-secret" not in text and "clinic.user" not in text


def test_proxy_option_overrides_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "report.json"
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{closed_port()}")
    assert main(["https://localhost:9/", "--only", "proxy,dns", "--proxy", "direct", "--json", str(report)]) == 0
    proxy = f"http://127.0.0.1:{closed_port()}"
    assert main(["https://localhost:9/", "--only", "proxy,dns", "--proxy", proxy, "--json", str(report)]) == 2
    assert json.loads(report.read_text())["causes"][0]["id"] == "proxy.unreachable"
    capsys.readouterr()
