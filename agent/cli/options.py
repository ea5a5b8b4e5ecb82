"""Turn parsed command-line options into a checked run: target, RunConfig, probe selection, outputs.

Every check here raises `UsageError` with one line that names the option and the problem.
"""

from __future__ import annotations

import argparse
import math
import os
import ssl
from dataclasses import dataclass, field
from pathlib import Path

from agent.cli import credentials
from agent.cli.main import UsageError
from agent.engine.registry import PROBES, select
from agent.engine.verdict import PATH_CHECKS, path_selected
from probes.base import RunConfig
from probes.net.proxy_settings import ProxySettings
from probes.profile import Profile
from probes.target import Target, TargetError, is_ip


@dataclass
class Run:
    """Everything `session.execute` needs."""

    target: Target
    config: RunConfig
    only: set[str] | None
    skip: set[str]
    json_path: str | None
    stdout_format: str
    proxy: ProxySettings = field(default_factory=ProxySettings)
    secrets: list[str] = field(default_factory=list)
    history: str | None = None
    webhook: str | None = None


def parse_endpoint(text: str, option: str, default_port: int, need_ip: bool) -> tuple[str, int]:
    """HOST[:PORT], [IPv6]:PORT or a bare IPv6 address."""
    value = text.strip()
    host, port_text = value, ""
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port_text = rest.removeprefix(":") if rest.startswith(":") else ("" if not rest else "x")
    elif value.count(":") == 1:
        host, _, port_text = value.partition(":")
    try:
        port = int(port_text) if port_text else default_port
    except ValueError:
        raise UsageError(f"{option}: bad port in {text!r}") from None
    if not 0 < port < 65536:
        raise UsageError(f"{option}: port out of range in {text!r}")
    if not host:
        raise UsageError(f"{option}: no host in {text!r}")
    if ":" in host and not is_ip(host):
        raise UsageError(f"{option}: {text!r} is neither HOST[:PORT] nor an IPv6 address")
    if need_ip and not is_ip(host):
        raise UsageError(f"{option}: {text!r} is not an IP address (give the resolver's address, "
                         "e.g. 192.0.2.53 or [2001:db8::53]:53)")
    if not need_ip and any(c.isspace() or c in "/@" for c in host):
        raise UsageError(f"{option}: {text!r} is not a host name")
    return host, port


def probe_names(text: str | None, option: str) -> set[str] | None:
    if text is None:
        return None
    names = {n.strip() for n in text.split(",") if n.strip()}
    unknown = sorted(names - set(PROBES))
    if unknown:
        raise UsageError(f"{option}: unknown probe {', '.join(unknown)} (known: {', '.join(PROBES)})")
    return names


def check_selection(only: set[str] | None, skip: set[str]) -> None:
    """A run must keep at least one check on the path to the login page, or it can never earn a verdict."""
    selected = select(only, skip)
    if not selected:
        raise UsageError("--only/--skip leave no probe to run")
    if not path_selected(selected):
        raise UsageError(f"--only/--skip leave out every check on the path to the login page "
                         f"({', '.join(PATH_CHECKS)}): keep at least one")


def check_ca_bundle(path_text: str) -> Path:
    path = Path(path_text)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"--ca-bundle: cannot read {path}: {exc.strerror or exc}") from None
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise UsageError(f"--ca-bundle: {path} holds no PEM certificate")
    try:
        ssl.create_default_context(cafile=str(path))
    except ssl.SSLError as exc:
        raise UsageError(f"--ca-bundle: {path} is not a usable PEM bundle ({exc.reason or exc})") from None
    return path


def profile_options(options: argparse.Namespace) -> tuple[Target, Profile | None, dict[str, str]]:
    """TARGET as a URL or a profile name, and the identifiers for support (--npi...), checked."""
    from agent.engine.profiles import IdentifierError, ProfileError, resolve_target, support_identifiers

    try:
        target, profile = resolve_target(options.target, options.profile_file)
        identifiers = support_identifiers(options.npi, options.provider_id, options.tax_id, options.practice_name)
    except (ProfileError, TargetError, IdentifierError) as exc:
        raise UsageError(str(exc)) from None
    return target, profile, identifiers


def proxy_settings(choice: str) -> ProxySettings:
    """--proxy: auto (environment, then the system's settings), env, direct, or a proxy URL."""
    if choice == "auto":
        return ProxySettings.detect()
    if choice == "env":
        return ProxySettings.from_environment()
    if choice == "direct":
        return ProxySettings()
    try:
        parsed = Target.parse(choice)
    except TargetError as exc:
        raise UsageError(f"--proxy: expected auto, env, direct or a proxy URL ({exc})") from None
    return ProxySettings(proxies={"http": parsed.origin, "https": parsed.origin}, source="command line")


def build_run(options: argparse.Namespace) -> Run:
    if options.target is None:
        raise UsageError("no TARGET given: pass the login page's URL or a profile name")
    if not math.isfinite(options.timeout) or options.timeout <= 0 or options.timeout > 3600:
        raise UsageError(f"--timeout must be between 0 and 3600 seconds (got {options.timeout:g})")
    if options.tls_warning_days < 0:
        raise UsageError("--tls-warning-days must not be negative")
    target, profile, identifiers = profile_options(options)
    if options.status_page:
        try:
            Target.parse(options.status_page)
        except TargetError as exc:
            raise UsageError(f"--status-page: {exc}") from None

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
    captive = options.captive_check
    if captive not in (None, "off"):
        try:
            Target.parse(captive)
        except TargetError as exc:
            raise UsageError(f"--captive-check: {exc} (or 'off')") from None
    config = RunConfig(
        dns_servers=[parse_endpoint(s, "--dns-server", 53, need_ip=True) for s in options.dns_server],
        time_servers=[parse_endpoint(s, "--time-server", 123, need_ip=False) for s in options.time_server],
        ca_bundle=check_ca_bundle(options.ca_bundle) if options.ca_bundle else None,
        status_page=options.status_page or (profile.status_page if profile else None),
        profile=profile,
        identifiers=identifiers,
        browser=options.browser,
        timeout=options.timeout,
        credentials=creds,
        output_dir=Path(output_dir) if output_dir else None,
        tls_warning_days=options.tls_warning_days,
        **({} if captive is None else {"captive_check_url": None if captive == "off" else captive}),
    )
    only = probe_names(options.only, "--only")
    skip = probe_names(options.skip, "--skip") or set()
    check_selection(only, skip)
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
