"""Every speed and memory row in one run, each beside its peer: the table the project's goals are stated in.

Runs the other benchmarks (medians of N runs each) and prints one table:

| row | ours | peer | ratio | goal |
| full run (browser) | diagnose | bare Playwright launch + page | ≤ 1.10 |
| memory, full run | agent + driver + Chromium, peak PSS | the bare script's tree | ≤ 1.10 |
| memory, the agent alone | its own process, peak PSS | – | < 150 MB |
| network-only run | diagnose --skip browser,login | dig/openssl/curl/SNTP/chromium by hand | ≤ 0.50 |
| its floor | Python importing the run's libraries, nothing else | the same chain | – |
| exporter /probe | diagnose serve | blackbox_exporter | ≤ 2.0 |
| exporter scrapes/s on one core | diagnose serve | blackbox_exporter | ≥ 0.5 |
| its floor | httpx alone, one HTTPS GET on a new connection at a time | blackbox_exporter | – |
| hung TLS / hung HTTP | diagnose | blackbox_exporter's 10 s timeout | – |
| set-up on a fresh clone | scripts/bootstrap.sh run (system packages present) | – | ≤ 15 s |

then the ten slowest imports of a run (`python -X importtime`).

Usage: .venv/bin/python bench/bench_all.py [-n RUNS]   (N ≥ 7 for the figures that count)
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def run(script: str, *args: str) -> str:
    done = subprocess.run([PYTHON, str(ROOT / "bench" / script), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=1800)
    return done.stdout + done.stderr


def number(text: str, pattern: str) -> float | None:
    found = re.search(pattern, text)
    return float(found.group(1)) if found else None


def setup_seconds() -> float:
    """A fresh clone made runnable, system packages already installed (the apt step is not counted)."""
    with tempfile.TemporaryDirectory(prefix="bench-setup-") as folder:
        clone = Path(folder) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        started = time.monotonic()
        subprocess.run(["bash", "scripts/bootstrap.sh", "run"], cwd=clone, check=True, capture_output=True)
        return time.monotonic() - started


def slowest_imports(count: int = 10) -> list[str]:
    done = subprocess.run([PYTHON, "-X", "importtime", "-c",
                           "import agent.cli.options, agent.cli.session, agent.engine.diagnosis"],
                          capture_output=True, text=True, cwd=ROOT)
    rows = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].strip()))
    return [f"{us / 1000:8.1f} ms  {name}" for us, name in sorted(rows, reverse=True)[:count]]


def row(name: str, ours: float | None, peer: float | None, goal: str, shape: str = "{:.3f} s") -> str:
    ratio = f"{ours / peer:.2f}" if ours and peer else "-"
    shown = [shape.format(v) if v is not None else "n/a" for v in (ours, peer)]
    return f"| {name:<26} | {shown[0]:>10} | {shown[1]:>10} | {ratio:>5} | {goal:<8} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=7, help="runs per figure (default 7)")
    runs = str(parser.parse_args().n)
    # as installed: with PYTHONDONTWRITEBYTECODE set, a source edited since set-up would compile on every run
    subprocess.run([PYTHON, "-m", "compileall", "-q", "agent", "probes", "reports", "demo"], cwd=ROOT,
                   check=True, capture_output=True)
    browser, core, exporter, hung = (run("bench_browser.py", "-n", runs), run("bench_core.py", "-n", runs),
                                     run("bench_exporter.py", "-n", runs), run("bench_hung.py", "-n", "3"))
    lines = ["| row                        |       ours |       peer | ratio | goal     |",
             "| -------------------------- | ---------- | ---------- | ----- | -------- |",
             row("full run (browser)", number(browser, r"diagnose with the browser.*?: ([\d.]+) s"),
                 number(browser, r"bare Playwright.*?: ([\d.]+) s"), "≤ 1.10"),
             row("memory, full run (PSS)", number(browser, r"agent \+ driver \+ Chromium: ([\d.]+) MiB"),
                 number(browser, r"bare script tree: ([\d.]+) MiB"), "≤ 1.10", "{:.0f} MiB"),
             row("memory, the agent alone", number(browser, r"agent's own process.*?: ([\d.]+) MiB"), None,
                 "< 150 MB", "{:.0f} MiB"),
             row("network-only run", number(core, r"diagnose --skip browser,login.*?: ([\d.]+) s"),
                 number(core, r"same checks by hand.*?: ([\d.]+) s"), "≤ 0.50"),
             row("  its floor: imports alone", number(core, r"floor: python importing.*?: ([\d.]+) s"),
                 number(core, r"same checks by hand.*?: ([\d.]+) s"), "–"),
             row("exporter /probe (median)", _ms(exporter, "diagnose serve"), _ms(exporter, "blackbox_exporter"),
                 "≤ 2.0"),
             row("exporter scrapes/s, 1 core", _per_second(exporter, "diagnose serve"),
                 _per_second(exporter, "blackbox_exporter"), "≥ 0.5", "{:.0f} /s"),
             row("  its floor: httpx GETs/s", number(exporter, r"floor: httpx alone.*?: +([\d.]+) GETs/s"),
                 _per_second(exporter, "blackbox_exporter"), "–", "{:.0f} /s")]
    for name in ("hung TLS", "hung HTTP"):
        found = re.search(rf"{name}\s+([\d.]+)\s+\d+\s+\S+\s+([\d.]+)", hung)
        lines.append(row(name, float(found.group(1)) if found else None,
                         float(found.group(2)) if found else None, "< 8 s"))
    lines.append(row("set-up, fresh clone", setup_seconds(), None, "≤ 15 s"))
    print("\n".join(lines))
    print("\nslowest imports of a run:")
    print("\n".join(slowest_imports()))
    return 0


def _per_second(text: str, name: str) -> float | None:
    found = re.search(rf"^{re.escape(name)}\s+([\d.]+) scrapes/s", text, re.MULTILINE)
    return float(found.group(1)) if found else None


def _ms(text: str, name: str) -> float | None:
    found = re.search(rf"{re.escape(name)}\S*\s.*?median\s+([\d.]+)\s*ms", text)
    return float(found.group(1)) / 1000 if found else None


if __name__ == "__main__":
    sys.exit(main())
