"""`diagnose serve --config FILE [--listen HOST:PORT]`: its arguments read before the exporter loads.

As for a run, `--help` and a bad argument answer at once; the configuration and the exporter's
modules (aiohttp, the engine) load once the arguments are good. Bad input is exit 3.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from agent.cli.errors import EXIT_UNKNOWN, Parser, UsageError


def command(argv: Sequence[str]) -> int:
    """Serve until SIGINT/SIGTERM; one line on stderr and exit 3 for a bad configuration or address."""
    parser = Parser(
        prog="diagnose serve",
        description="Prometheus exporter: GET /probe?target=NAME diagnoses a target named in the "
        "configuration and answers its metrics; GET /metrics answers the exporter's own.",
    )
    parser.add_argument("--config", required=True, metavar="FILE", help="TOML file: listen, concurrency, targets")
    parser.add_argument("--listen", metavar="HOST:PORT", help="overrides the file's listen address")
    options = parser.parse_args(argv)
    from agent.exporter.config import ConfigError, load, parse_listen
    from agent.exporter.serve import serve_until_signalled

    try:
        loaded = load(Path(options.config))
        if options.listen:
            loaded.host, loaded.port = parse_listen(options.listen)
    except (ConfigError, UsageError) as exc:
        sys.stderr.write(f"diagnose serve: {exc}\n")
        return EXIT_UNKNOWN
    try:
        asyncio.run(serve_until_signalled(loaded))
    except OSError as exc:
        sys.stderr.write(f"diagnose serve: cannot listen on {loaded.host}:{loaded.port}: {exc.strerror or exc}\n")
        return EXIT_UNKNOWN
    return 0
