"""The container's HEALTHCHECK: `python -m agent.exporter.healthcheck`.

One image serves both uses: a one-shot `diagnose URL` (a scheduled job, nothing to
check: healthy) and the long-running `diagnose serve` (healthy when `/-/healthy`
answers). The check reads the container's main command line to tell them apart and,
for the exporter, finds its port in the same `--config` / `--listen` it was given.
"""

from __future__ import annotations

import sys
import urllib.request
from pathlib import Path

from agent.cli.errors import UsageError
from agent.exporter.config import ConfigError, load, parse_listen


def main_command(proc: Path = Path("/proc/1/cmdline")) -> list[str]:
    try:
        return [part.decode(errors="replace") for part in proc.read_bytes().split(b"\0") if part]
    except OSError:
        return []


def exporter_address(argv: list[str]) -> tuple[str, int] | None:
    """Where the exporter in `argv` listens, or None when `argv` is not `diagnose serve`."""
    if "serve" not in argv:
        return None
    args = argv[argv.index("serve") + 1:]
    values = {name: args[i + 1] for i, name in enumerate(args[:-1]) if name in ("--config", "--listen")}
    for arg in args:
        if arg.startswith(("--config=", "--listen=")):
            option, _, value = arg.partition("=")
            values[option] = value
    if "--listen" in values:
        host, port = parse_listen(values["--listen"])
    else:
        loaded = load(Path(values["--config"]))
        host, port = loaded.host, loaded.port
    return ("127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host), port


def main(proc: Path = Path("/proc/1/cmdline")) -> int:
    try:
        address = exporter_address(main_command(proc))
    except (ConfigError, UsageError, KeyError, ValueError) as exc:
        sys.stderr.write(f"healthcheck: cannot tell where the exporter listens: {exc}\n")
        return 1
    if address is None:
        return 0
    host, port = address
    url = f"http://{f'[{host}]' if ':' in host else host}:{port}/-/healthy"
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via HTTP(S)_PROXY
    try:
        with direct.open(url, timeout=4) as answer:
            return 0 if answer.status == 200 else 1
    except OSError as exc:
        sys.stderr.write(f"healthcheck: {url}: {exc}\n")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
