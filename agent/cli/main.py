"""The `diagnose` entry point: a subcommand or a run, and every failure as one line with exit 3.

Only argparse is imported at start; everything heavy is imported once the arguments
are known to be good, so `diagnose --help` answers at once. Every bad input ends in
one line on stderr and exit 3 (UNKNOWN), never a traceback.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence

from agent.cli.errors import EXIT_UNKNOWN, UsageError
from agent.cli.run import run

SUBCOMMANDS = ("serve", "report", "demo", "compare")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; as the program itself (no `argv`), also make its exit quick."""
    code = _main(argv)
    if argv is None:
        # Everything is written: the collector need not walk the whole heap again while the
        # interpreter tears it down (a tenth of a second or more); finalizers still run.
        gc.freeze()
    return code


def _main(argv: Sequence[str] | None) -> int:
    # The agent uses no pydantic plugins; looking them up reads the metadata of every installed package
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in SUBCOMMANDS:
            return _subcommand(args[0], args[1:])
        return run(args)
    except UsageError as exc:
        sys.stderr.write(f"diagnose: {exc}\n")
        return EXIT_UNKNOWN
    except KeyboardInterrupt:
        sys.stderr.write("diagnose: interrupted\n")
        return EXIT_UNKNOWN
    except Exception as exc:  # noqa: BLE001 - the agent failing is UNKNOWN with a reason, not a traceback
        sys.stderr.write(f"diagnose: internal error: {type(exc).__name__}: {exc}\n")
        return EXIT_UNKNOWN


def _subcommand(name: str, argv: Sequence[str]) -> int:
    """`serve` and `report` have their own options; their modules load only when asked for."""
    if name == "serve":
        from agent.exporter.command import command
    elif name == "demo":
        from agent.cli.demo_command import main as command
    elif name == "compare":
        from agent.cli.compare import main as command
    else:
        from agent.cli.report_cmd import main as command
    return command(argv)


if __name__ == "__main__":
    raise SystemExit(main())
