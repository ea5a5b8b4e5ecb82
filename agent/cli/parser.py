"""The `diagnose` options (see CONTRACT.md), built by argparse alone so `--help` answers at once."""

from __future__ import annotations

import argparse

from agent import __version__
from agent.cli.errors import Parser
from probes.names import PROBE_NAMES


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
    add("target", nargs="?", metavar="TARGET",
        help="https:// (or http://) URL of the login page, a host name (taken as https://HOST/), or a profile name")
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
    add("--output-dir", metavar="DIR",
        help="where to write the screenshot and HAR (default: the bundle folder, where they are copied anyway)")
    add("--proxy", metavar="auto|env|direct|URL", default="auto",
        help="which proxy to use: the environment's then the system's (auto, the default), the environment's "
        "only (env), none (direct), or this one")
    add("--captive-check", metavar="URL",
        help="URL that answers 204 on an open network, for the captive-portal check ('off' to disable)")
    add("--tls-warning-days", type=int, default=14, metavar="DAYS",
        help="warn when the certificate expires within DAYS (default 14)")
    add("--details", "-v", action="store_true",
        help="also show every probe's row and the evidence (the default screen is the short answer)")
    add("--bundle", metavar="PATH.zip", help="also write the support bundle (report, page, screenshot, HAR, "
        "ticket.txt) as one zip; the bundle folder is always written")
    add("--message", metavar="TEXT", help="a message the user saw on the portal (e.g. 'Your account has been "
        "locked'), classified and ranked with the rest; needs no credentials")
    add("--history", metavar="PATH", help="append one JSON line per run to PATH (for scheduled runs)")
    add("--webhook", metavar="URL",
        help="POST a Slack/Teams-style JSON alert to URL when the status changes (needs --history)")
    add("--compare-with", metavar="REPORT_OR_URL",
        help="compare this run with a reference report: a file, or an exporter's /report?target=NAME")
    add("--user-profile", nargs="?", const="", metavar="BROWSER[:PROFILE]",
        help="also load the login page in a temporary copy of your own browser profile and compare "
        "(default: the first browser and profile found)")
    add("--user-profile-with-cookies", action="store_true",
        help="with --user-profile, copy the profile's cookies too (never its passwords or history)")
    return parser
