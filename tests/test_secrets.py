"""Secrets in hostile shapes: redacted by field, never by editing serialized text; no child process inherits them."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest

from demo.web import Page, WebServer
from probes.base import ProbeContext, RunConfig
from probes.net.proxy_settings import ProxySettings
from probes.target import Target
from probes.web.artifacts import artifact_path
from probes.web.har_redact import redact_har
from reports import json_report
from tests.reports.sample import make_report

SCHEMA = json.loads((Path(__file__).parent.parent / "reports" / "schema.json").read_text())


@pytest.mark.parametrize("password", ["null", '"', "e", "2026", "}", "\\"])
def test_a_password_shaped_like_json_cannot_corrupt_the_report(password: str) -> None:
    document = json.loads(json_report.render(make_report(status="critical"), [password]))
    jsonschema.validate(document, SCHEMA)
    assert document["status"] == "critical" and document["started_at"].startswith("20")


@pytest.mark.parametrize("password", ["null", '"', "1"])
def test_a_password_shaped_like_json_cannot_corrupt_the_har(tmp_path: Path, password: str) -> None:
    har = tmp_path / "x.har"
    har.write_text(json.dumps({"log": {"entries": [{"request": {"method": "GET", "url": "https://p.test/",
                                                                "headers": [], "postData": {"text": "a=null"}},
                                                    "response": {"status": 200, "headers": []}}]}}))
    redact_har(har, [password])
    assert json.loads(har.read_text())["log"]["entries"][0]["response"]["status"] == 200


def test_artifacts_are_private_and_unguessable(tmp_path: Path) -> None:
    ctx = ProbeContext(Target.parse("https://portal.test/"), RunConfig(output_dir=tmp_path / "out"),
                       proxy=ProxySettings())
    first, second = artifact_path(ctx, "browser", "png"), artifact_path(ctx, "browser", "png")
    assert first != second and first.parent == second.parent
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    assert stat.S_IMODE(first.parent.stat().st_mode) == 0o700


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_no_child_process_inherits_the_password(tmp_path: Path) -> None:
    """While the browser loads a page that never answers, the driver and Chromium hold no DIAGNOSE_* variable."""
    secret = "child-env-Secret-41"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
           "DIAGNOSE_USERNAME": "someone", "DIAGNOSE_PASSWORD": secret}
    with WebServer({"/login": Page(hang=True)}) as portal:
        proc = subprocess.Popen(
            [sys.executable, "-m", "agent.cli", portal.url("/login"), "--only", "dns,http,browser",
             "--captive-check", "off", "--timeout", "20", "--json", str(tmp_path / "r.json")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
        )
        try:
            environs: dict[int, bytes] = {}
            for _ in range(60):  # until the driver and a browser are up
                time.sleep(0.25)
                environs = _environs(_descendants(proc.pid))
                if len(environs) >= 2:
                    break
            assert len(environs) >= 2, "the driver and a browser did not start"
            for pid, environ in environs.items():
                assert secret.encode() not in environ, pid
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def _environs(pids: list[int]) -> dict[int, bytes]:
    """The environment of each process still running; one that has ended (a short-lived helper) holds nothing."""
    found = {}
    for pid in pids:
        try:
            found[pid] = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
    return found


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found
