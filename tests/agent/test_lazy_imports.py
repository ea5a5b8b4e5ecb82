"""What a run has loaded when its probes start: nothing heavy before it is needed.

A real `diagnose` process runs against a page on loopback; a wrapper notes the modules loaded
when the probes start and when the process ends. rich is for a terminal; Playwright is for the
browser and login probes. (Jinja loads with the agent: every run writes the bundle's HTML page,
and in a run with the browser the agent loads while Chromium starts, off the critical path.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from demo.web import Page, WebServer

ROOT = Path(__file__).resolve().parents[2]
WRAPPER = """
import atexit, json, sys
import agent.engine.runner as runner
noted, seen = sys.argv[1], {}
run_probes = runner.run_probes
async def noting(*args, **kwargs):
    seen["probes start"] = sorted(sys.modules)
    return await run_probes(*args, **kwargs)
runner.run_probes = noting
def end():
    seen["end"] = sorted(sys.modules)
    with open(noted, "w") as out:
        json.dump(seen, out)
atexit.register(end)
from agent.cli.main import main
sys.argv = ["diagnose", *sys.argv[2:]]
main()
"""


def loaded(tmp_path: Path, *args: str) -> dict[str, set[str]]:
    """The top-level packages loaded when the probes start and at the end of a run with `args`."""
    noted = tmp_path / "modules.json"
    with WebServer({"/login": Page('<form><input type="password"></form>')}) as portal:
        subprocess.run(
            [sys.executable, "-c", WRAPPER, str(noted), portal.url("/login"), "--captive-check", "off",
             "--time-server", "127.0.0.1:9", "--json", str(tmp_path / "report.json"), "--timeout", "10", *args],
            env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, timeout=60, check=False,
        )
    return {moment: {name.split(".")[0] for name in names} for moment, names in json.loads(noted.read_text()).items()}


def test_a_run_without_the_browser_or_a_terminal_loads_neither_playwright_nor_rich(tmp_path: Path) -> None:
    seen = loaded(tmp_path, "--skip", "browser,login")
    assert "agent" in seen["probes start"] and "jinja2" in seen["end"]  # the wrapper saw the run and its bundle
    assert not {"rich", "playwright"} & seen["end"]
