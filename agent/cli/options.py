"""Turn parsed command-line options into a checked run: target, RunConfig, probe selection, outputs.

The run options themselves are `agent.engine.run_options.RunOptions`, shared with the
exporter's targets; every check here raises `UsageError` with one line that names the
option and the problem.
"""

from __future__ import annotations

import argparse
import os
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


def profile_options(options: argparse.Namespace) -> tuple[Target, Profile | None, dict[str, str]]:
    """TARGET as a URL or a profile name, and the identifiers for support (--npi...), checked."""
    from agent.engine.profiles import IdentifierError, ProfileError, resolve_target, support_identifiers

    try:
        target, profile = resolve_target(options.target, options.profile_file)
        identifiers = support_identifiers(options.npi, options.provider_id, options.tax_id, options.practice_name)
    except (ProfileError, TargetError, IdentifierError) as exc:
        raise UsageError(str(exc)) from None
    return target, profile, identifiers


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


def build_run(options: argparse.Namespace) -> Run:
    if options.target is None:
        raise UsageError("no TARGET given: pass the login page's URL or a profile name")
    try:
        chosen = run_options(options)
    except OptionError as exc:
        raise UsageError(str(exc)) from None
    target, profile, identifiers = profile_options(options)
    creds = credentials.from_environment()
    if options.credentials_file:
        try:
            creds = credentials.from_file(Path(options.credentials_file))
        except credentials.CredentialsError as exc:
            raise UsageError(str(exc)) from None
    json_path = options.json
    output_dir = options.output_dir
    if output_dir is None and json_path not in (None, "-"):
        output_dir = str(Path(json_path).resolve().parent)
    try:
        config, only, skip = chosen.resolve(profile, CLI_NAMES.__getitem__, identifiers=identifiers,
                                            credentials=creds, output_dir=Path(output_dir) if output_dir else None)
    except OptionError as exc:
        raise UsageError(str(exc)) from None
    secrets = [s for s in (os.environ.get(credentials.ENV_PASSWORD), creds and creds.password.get_secret_value()) if s]
    history, webhook = scheduled_outputs(options)
    return Run(target, config, only, skip, json_path, options.format, proxy_settings(options.proxy), secrets,
               history, webhook)


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
