"""Instructions, not seconds: a network-only run's CPU counted by valgrind, beside the floor its libraries set.

Wall-clock figures on a shared 2-core machine move by 5-10% from one minute to the next,
more than most single changes to the agent's CPU. `valgrind --tool=callgrind` counts the
instructions a process executes, which repeat within about 0.1% from run to run, so a
change is measured by counting before and after. Printed, for one healthy loopback portal
(its own DNS server, HTTPS with its own CA, an NTP server):

- `diagnose --skip browser,login` (the agent's whole run: loading, probes, ranking, report
  and bundle), under valgrind, with a long `--timeout` (valgrind slows it some 50 times);
- the floor: one process that only imports the libraries such a run needs (asyncio, ssl,
  pydantic, httpx with httpcore and anyio, dnspython, cryptography's x509, pyOpenSSL,
  jinja2, psutil), which no agent code can go below;
- what the agent adds on top of that floor.

Each count is the median of N runs. Needs valgrind (Debian's `valgrind` package).

Usage: .venv/bin/python bench/bench_instructions.py [-n RUNS]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

from loopback_portal import ROOT, healthy_portal

PYTHON = str(ROOT / ".venv" / "bin" / "python")
# as the agent imports them: the collector held off, httpx without its command-line client (see probes/__init__.py)
FLOOR = ("import gc, sys; gc.disable(); sys.modules['httpx._main'] = None; import asyncio, ssl; "
         "from pydantic import BaseModel; "
         "import httpx, httpcore, anyio._backends._asyncio; import dns.asyncresolver, dns.message; "
         "from cryptography import x509; from cryptography.x509 import verification; import OpenSSL.SSL; "
         "import jinja2, psutil")
RUN = "import sys; from agent.cli.main import main; sys.argv[0] = 'diagnose'; sys.exit(main())"


def instructions(code: str, *args: str) -> tuple[int, str]:
    """Instructions executed by `python -c code args` (its children not counted), and its last line of output."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", PYTHON, "-c", code, *args],
        capture_output=True, text=True, cwd=ROOT, timeout=900,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"valgrind counted nothing:\n{done.stderr[-2000:]}")
    said = [line for line in (done.stdout + done.stderr).splitlines() if line and not line.startswith("==")]
    return int(found.group(1)), said[-1] if said else ""


def median_of(runs: int, code: str, *args: str) -> tuple[float, str]:
    counts, last = [], ""
    for _ in range(runs):
        count, last = instructions(code, *args)
        counts.append(count)
    return statistics.median(counts), last


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=3)
    runs = parser.parse_args().runs
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian's valgrind package)")
        return 1
    with tempfile.TemporaryDirectory(prefix="bench-instructions-") as folder:
        tmp = Path(folder)
        with healthy_portal(tmp) as portal:
            args = [*portal.args("browser,login", tmp / "report.json"), "--timeout", "120"]
            agent, verdict = median_of(runs, RUN, *args)
        floor, _ = median_of(runs, FLOOR)
    print(f"diagnose --skip browser,login (median of {runs}): {agent / 1e6:8.1f} M instructions  ({verdict[:60]})")
    print(f"floor: its libraries imported, nothing else:   {floor / 1e6:8.1f} M instructions")
    print(f"the agent's own share: {(agent - floor) / 1e6:.1f} M ({(agent - floor) / agent:.0%} of the run)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
