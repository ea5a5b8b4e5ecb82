"""The `diagnose` command line (see CONTRACT.md): parse, validate, run, render, exit with the status.

Only argparse is imported at start; everything heavy is imported once the arguments
are known to be good, so `diagnose --help` answers at once. Every bad input ends in
one line on stderr and exit 3 (UNKNOWN), never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from agent import __version__
from probes.names import PROBE_NAMES

EXIT_UNKNOWN = 3
SUBCOMMANDS = ("serve", "report", "demo")


class UsageError(Exception):
    """Bad invocation or input: reported in one line, exit 3."""


class Parser(argparse.ArgumentParser):
    """argparse, but a bad option is a `UsageError` (one line, exit 3) instead of usage text and exit 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="diagnose",
        description="Find out why logging in to a web portal fails: DNS, network, proxy/VPN, TLS, clock, "
        "HTTP, status page, browser, SSO and account causes, ranked most likely first.",
        epilog="Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (bad input or the agent failed). "
        "Credentials for a login attempt come from DIAGNOSE_USERNAME / DIAGNOSE_PASSWORD or "
        "--credentials-file, never from the command line. "
        "Also: 'diagnose serve --config FILE' (Prometheus exporter) and "
        "'diagnose report REPORT.json --html OUT.html' (support report).",
    )
    add = parser.add_argument
    add("target", nargs="?", metavar="TARGET", help="https:// (or http://) URL of the login page, or a profile name")
    add("--version", action="version", version=f"diagnose {__version__}")
    add("--json", metavar="PATH", help="write the JSON report to PATH ('-' = stdout; human output then goes to stderr)")
    add("--format", choices=["text", "json", "html", "markdown"], default="text",
        help="what stdout shows (default: text); html and markdown are the reports for support")
    add("--dns-server", action="append", default=[], metavar="HOST[:PORT]",
        help="ask this resolver (an IP address) instead of the system's; repeatable")
    add("--time-server", action="append", default=[], metavar="HOST[:PORT]",
        help="NTP server for the clock check; repeatable (default: public NTP, plus the portal's Date header)")
    add("--ca-bundle", metavar="PATH", help="PEM file of the CA certificates the workstation trusts")
    add("--status-page", metavar="URL", help="the portal's status page (Statuspage API or an HTML page)")
    add("--browser", metavar="PATH_OR_CHANNEL",
        help="browser to drive: chromium, chrome, msedge or an executable path (default: the first found)")
    add("--timeout", type=float, default=20.0, metavar="SECONDS", help="deadline for the whole run (default 20)")
    add("--profile-file", metavar="PATH", help="a TOML file of portal profiles")
    add("--list-profiles", action="store_true", help="list the portal profiles (built-in and --profile-file)")
    add("--npi", metavar="NUMBER", help="the practice's NPI (10 digits, checked), for the support section")
    add("--provider-id", metavar="ID", help="the portal's provider ID, for the support section")
    add("--tax-id", metavar="EIN", help="the practice's tax ID (EIN, 12-3456789), for the support section")
    add("--practice-name", metavar="NAME", help="the practice's name, for the support section")
    add("--only", metavar="NAMES", help=f"comma-separated probes to run ({', '.join(PROBE_NAMES)})")
    add("--skip", metavar="NAMES", help="comma-separated probes to leave out")
    add("--credentials-file", metavar="PATH", help="file with 'username = ...' and 'password = ...' lines")
    add("--output-dir", metavar="DIR", help="where to write the screenshot and HAR (default: next to the JSON report)")
    add("--proxy", metavar="auto|env|direct|URL", default="auto",
        help="which proxy to use: the environment's then the system's (auto, the default), the environment's "
        "only (env), none (direct), or this one")
    add("--captive-check", metavar="URL",
        help="URL that answers 204 on an open network, for the captive-portal check ('off' to disable)")
    add("--tls-warning-days", type=int, default=14, metavar="DAYS",
        help="warn when the certificate expires within DAYS (default 14)")
    add("--history", metavar="PATH", help="append one JSON line per run to PATH (for scheduled runs)")
    add("--webhook", metavar="URL",
        help="POST a Slack/Teams-style JSON alert to URL when the status changes (needs --history)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in SUBCOMMANDS:
            return _subcommand(args[0], args[1:])
        options = build_parser().parse_args(args)
        return _run(options)
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
        from agent.exporter.serve import command
    elif name == "demo":
        from agent.cli.demo_command import main as command
    else:
        from agent.cli.report_cmd import main as command
    return command(argv)


def _run(options: argparse.Namespace) -> int:
    if options.list_profiles:
        from agent.engine.profiles import ProfileError, list_profiles

        try:
            sys.stdout.write(list_profiles(options.profile_file) + "\n")
        except ProfileError as exc:
            raise UsageError(str(exc)) from None
        return 0
    import asyncio

    return asyncio.run(_diagnose(options))


def wants_browser(options: argparse.Namespace) -> bool:
    """Whether the browser or login probe will run, read from the raw --only/--skip text."""
    only = {n.strip() for n in options.only.split(",")} if options.only else None
    skip = {n.strip() for n in (options.skip or "").split(",")}
    return any((only is None or name in only) and name not in skip for name in ("browser", "login"))


async def _diagnose(options: argparse.Namespace) -> int:
    """Start Playwright's driver first when the browser will run: the Node.js process then boots
    while this one imports the agent and checks the options, the slowest two steps overlapping."""
    shared = {}
    if wants_browser(options):
        from probes.web import driver

        shared[driver.KEY] = driver.spawn_driver()
        await driver.let_start()
    try:
        from agent.cli.options import build_run
        from agent.cli.session import execute

        return await execute(build_run(options), shared)
    finally:
        if shared:
            await driver.stop_driver(shared[driver.KEY])


if __name__ == "__main__":
    raise SystemExit(main())
