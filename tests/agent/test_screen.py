"""The real program in a real terminal (tmux, 80x24 and 120x30): the answer is on the last screen.

For each fault family the demo plays, the last screen must show the headline, who must
act, the first step and where the bundle is, and agree with the bundle's report.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reports.words import who

ROOT = Path(__file__).resolve().parents[2]
DIAGNOSE = Path(sys.executable).with_name("diagnose")

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux drives the terminal")

HEADLINES = {  # fault -> words the headline must hold
    "dns-nxdomain": "name does not exist",
    "tls-expired": "certificate expired on",
    "proxy-auth": "proxy server demands a login",
    "clock-skew": "clock is wrong",
    "maintenance": "down for maintenance",
    "account-locked": "account is locked",
}


def _last_screen(tmp_path: Path, width: int, height: int, args: list[str]) -> tuple[str, int]:
    """Run `diagnose` in a detached tmux pane of that size; the pane's text once it ended, and its exit code."""
    session = f"diagnose-test-{os.getpid()}-{width}-{tmp_path.name}"
    rc_file = tmp_path / "rc"
    command = (f"cd {shlex.quote(str(tmp_path))} && TZ=America/New_York XDG_DATA_HOME={shlex.quote(str(tmp_path))} "
               f"{shlex.quote(str(DIAGNOSE))} {shlex.join(args)}; echo $? > {shlex.quote(str(rc_file))}; sleep 120")
    subprocess.run(["tmux", "-L", session, "new-session", "-d", "-s", session, "-x", str(width), "-y", str(height),
                    command], check=True, timeout=20)
    try:
        deadline = time.monotonic() + 90
        while not rc_file.exists() or not rc_file.read_text().strip():
            assert time.monotonic() < deadline, "the run did not end"
            time.sleep(0.5)
        time.sleep(0.3)
        screen = subprocess.run(["tmux", "-L", session, "capture-pane", "-p", "-J", "-t", session],
                                capture_output=True, text=True, check=True, timeout=20).stdout
    finally:
        subprocess.run(["tmux", "-L", session, "kill-server"], check=False, timeout=20)
    return screen, int(rc_file.read_text())


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(("width", "height"), [(80, 24), (120, 30)])
@pytest.mark.parametrize("fault", list(HEADLINES))
def test_the_answer_is_on_the_last_screen(tmp_path: Path, fault: str, width: int, height: int) -> None:
    screen, code = _last_screen(tmp_path, width, height, ["demo", "--fault", fault, "--timeout", "25"])
    assert code in (1, 2), screen
    rows = screen.rstrip("\n").split("\n")
    assert len(rows) <= height
    bundle = re.search(r"^Bundle: (\S+)", screen, re.MULTILINE)
    assert bundle is not None, screen
    report = json.loads((Path(bundle.group(1)) / "report.json").read_text())
    first = next(c for c in report["causes"] if c["explained_by"] is None)
    flat = _flat(screen)
    assert HEADLINES[fault] in flat, screen
    assert f"Who must act: {who(first['owner'])}" in flat, screen
    assert _flat(first["remediation"][0]) in flat, screen
    for plain in ("Errno", "Error:", "ConnectionRefused", "CN=", "sha256", "SHA-256", "(s)"):
        assert plain not in screen, (plain, screen)
    assert "╭" not in screen and "│" not in screen  # no box drawing on the answer
    demo_lines = [row for row in rows if row.startswith("diagnose demo: ")]
    assert len(demo_lines) == 2 and all(len(row) <= width for row in demo_lines), screen  # wrapped between words


def test_off_a_terminal_a_run_is_one_line(tmp_path: Path) -> None:
    proc = subprocess.run([str(DIAGNOSE), "demo", "--fault", "dns-nxdomain", "--json", "r.json", "--timeout", "20"],
                          capture_output=True, text=True, timeout=90, cwd=tmp_path,
                          env={**os.environ, "XDG_DATA_HOME": str(tmp_path)})
    assert proc.returncode == 2, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, proc.stdout
    assert lines[0].startswith("CRITICAL dns.nxdomain https://"), lines[0]
    assert f"report={tmp_path / 'r.json'}" in lines[0] and f"bundle={tmp_path / 'r-bundle'}" in lines[0]
    assert not re.search(r"[╭│─]", proc.stdout + proc.stderr)
