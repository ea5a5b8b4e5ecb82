"""Turn parsed command-line options into a checked run: target, RunConfig, probe selection, outputs.

The run options themselves are `agent.engine.run_options.RunOptions`, shared with the
exporter's targets; every check here raises `UsageError` with one line that names the
option and the problem.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from agent.cli import credentials
from agent.cli.errors import UsageError
from agent.engine.run_options import OptionError, RunOptions, probe_list
from probes.base import RunConfig
from probes.net.proxy_settings import ProxySettings, unsupported
from probes.profile import Profile
from probes.target import Target, TargetError
from reports import bundle
from reports.models import Report


@dataclass
class Run:
    """Everything `session.execute` needs."""

    target: Target
    config: RunConfig
    only: set[str] | None
    skip: set[str]
    json_path: str | None
    stdout_format: str
    proxy: ProxySettings | None = None  # None: detected at the start of the run
    secrets: list[str] = field(default_factory=list)
    history: str | None = None
    webhook: str | None = None
    reference: tuple[Report, str] | None = None  # --compare-with: the reference report and where it came from
    details: bool = False
    bundle_zip: str | None = None
    message: str | None = None
    run_id: str = ""
    bundle_dir: Path | None = None
    note: str | None = None  # said on the screen under the headline (a scheme added to TARGET)


def profile_options(options: argparse.Namespace) -> tuple[Target, Profile | None, dict[str, str]]:
    """TARGET as a URL or a profile name, and the identifiers for support (--npi...), checked."""
    from agent.engine.profiles import IdentifierError, ProfileError, resolve_target, support_identifiers

    try:
        try:
            target, profile = resolve_target(options.target, options.profile_file)
        except TargetError:
            if "://" in options.target:
                raise
            target, profile = resolve_target(with_scheme(options.target), options.profile_file)
        identifiers = support_identifiers(options.npi, options.provider_id, options.tax_id, options.practice_name)
    except (ProfileError, TargetError, IdentifierError) as exc:
        raise UsageError(str(exc)) from None
    return target, profile, identifiers


def with_scheme(text: str) -> str:
    """`portal.example.com` -> `https://portal.example.com/`: a bare host is taken as its HTTPS login page."""
    text = text.strip()
    return f"https://{text}" + ("" if "/" in text else "/")


def proxy_settings(choice: str) -> ProxySettings | None:
    """--proxy: auto (None: the engine detects the environment's, then the system's), env, direct, or a URL."""
    if choice == "auto":
        return None
    if choice == "env":
        return ProxySettings.from_environment()
    if choice == "direct":
        return ProxySettings()
    url = choice.strip().rstrip("/") if "://" in choice else f"http://{choice.strip().rstrip('/')}"
    try:
        host, _ = urlsplit(url).hostname, urlsplit(url).port  # the port is read to raise on a bad one
    except ValueError as exc:
        raise UsageError(f"--proxy: expected auto, env, direct or a proxy URL ({exc})") from None
    if not host or (why := unsupported(url)):
        raise UsageError(f"--proxy: expected auto, env, direct or a proxy URL ({why or 'no host in it'})")
    # user:password@ stays in the URL the connections use; every report shows it redacted
    return ProxySettings(proxies={"http": url, "https": url}, source="command line")


CLI_NAMES = {  # RunOptions field -> the option as typed
    "dns_servers": "--dns-server", "time_servers": "--time-server", "ca_bundle": "--ca-bundle",
    "status_page": "--status-page", "browser": "--browser", "timeout": "--timeout", "only": "--only",
    "skip": "--skip", "captive_check": "--captive-check", "tls_warning_days": "--tls-warning-days",
}


def run_options(options: argparse.Namespace) -> RunOptions:
    """The command line's share of the run options: the same model the exporter's targets use."""
    return RunOptions(
        dns_servers=options.dns_server, time_servers=options.time_server,
        ca_bundle=Path(options.ca_bundle) if options.ca_bundle else None,
        status_page=options.status_page, browser=options.browser, timeout=options.timeout,
        only=probe_list(options.only, "--only"), skip=probe_list(options.skip, "--skip") or [],
        captive_check=options.captive_check, tls_warning_days=options.tls_warning_days,
    )


def build_run(options: argparse.Namespace, environ: Mapping[str, str] | None = None) -> Run:
    """The checked run; `environ` holds the credentials' variables claimed from the environment."""
    if options.target is None:
        raise UsageError("no TARGET given: pass the login page's URL or a profile name")
    try:
        chosen = run_options(options)
    except OptionError as exc:
        raise UsageError(str(exc)) from None
    target, profile, identifiers = profile_options(options)
    creds = credentials.from_environment(environ)
    if options.credentials_file:
        try:
            creds = credentials.from_file(Path(options.credentials_file))
        except credentials.CredentialsError as exc:
            raise UsageError(str(exc)) from None
    json_path = options.json
    if json_path not in (None, "-"):
        check_report_path(Path(json_path))
    if options.user_profile_with_cookies and options.user_profile is None:
        raise UsageError("--user-profile-with-cookies needs --user-profile")
    run_id = bundle.new_run_id()
    bundle_dir = bundle.folder_for(run_id, json_path)
    output_dir = options.output_dir or str(bundle_dir)
    if options.bundle is not None and not options.bundle.lower().endswith(".zip"):
        raise UsageError(f"--bundle: expected a path ending in .zip, got {options.bundle!r}")
    try:
        config, only, skip = chosen.resolve(profile, CLI_NAMES.__getitem__, identifiers=identifiers,
                                            credentials=creds, output_dir=Path(output_dir) if output_dir else None,
                                            user_profile=options.user_profile,
                                            user_profile_with_cookies=options.user_profile_with_cookies)
    except OptionError as exc:
        raise UsageError(str(exc)) from None
    claimed = (environ or {}).get(credentials.ENV_PASSWORD)
    secrets = [s for s in (claimed, creds and creds.password.get_secret_value()) if s]
    history, webhook = scheduled_outputs(options)
    note = f"No scheme given: checking {target.url}" if "://" not in options.target and not target.profile else None
    return Run(target, config, only, skip, json_path, options.format, proxy_settings(options.proxy), secrets,
               history, webhook, reference(options.compare_with), details=options.details,
               bundle_zip=options.bundle, message=options.message, run_id=run_id, bundle_dir=bundle_dir, note=note)


def reference(source: str | None) -> tuple[Report, str] | None:
    """--compare-with: the reference report, read before the run so a bad one costs no diagnosis."""
    if source is None:
        return None
    from agent.cli.compare import load_report, shown

    try:
        return load_report(source), shown(source)
    except UsageError as exc:
        raise UsageError(f"--compare-with: {exc}") from None


def check_report_path(path: Path) -> None:
    """--json must name a file in a folder that exists and is writable: found before the run, not after it."""
    if path.is_dir():
        raise UsageError(f"--json: {path} is a folder; give the report's file name")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"--json: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"--json: cannot write in {folder}")


def scheduled_outputs(options: argparse.Namespace) -> tuple[str | None, str | None]:
    """--history and --webhook, checked: the alert compares with the status kept beside the history."""
    history, webhook = options.history, options.webhook
    if options.json == "-" and options.format in ("html", "markdown"):
        raise UsageError(f"--json - and --format {options.format} would both write to stdout: pick one")
    if webhook is None:
        return history, None
    if history is None:
        raise UsageError("--webhook needs --history PATH: the last status, to alert only on a change, is kept there")
    try:
        Target.parse(webhook)
    except TargetError as exc:
        raise UsageError(f"--webhook: {exc}") from None
    return history, webhook
