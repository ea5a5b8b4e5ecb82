"""The options of one run, the same model whether typed on the command line or written in the exporter's TOML.

`RunOptions` holds what both products accept, as given (strings, paths); `resolve`
checks every value and builds the `RunConfig` and probe selection the engine runs.
A bad value raises `OptionError` with one line naming the option as the user wrote
it: `--dns-server` on the command line, `targets.NAME.dns_servers` in a file.
"""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

import math
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agent.engine.registry import select
from agent.engine.verdict import path_selected
from probes.base import RunConfig
from probes.names import PATH_CHECKS, PROBE_NAMES, ProbeName
from probes.net.address import is_ip
from probes.profile import Profile
from probes.target import Target, TargetError

Label = Callable[[str], str]  # field name -> how the user wrote the option


class OptionError(ValueError):
    """A run option that cannot be used; str() is one line naming the option and the problem."""


class RunOptions(BaseModel):
    """What a run can be told, besides its target."""

    model_config = ConfigDict(extra="forbid")

    dns_servers: list[str] = Field(default=[], description="resolvers to ask, IP[:PORT]")
    time_servers: list[str] = Field(default=[], description="NTP servers, HOST[:PORT]")
    ca_bundle: Path | None = Field(default=None, description="PEM file of the CAs the workstation trusts")
    status_page: str | None = None
    browser: str | None = None
    timeout: float = 20.0
    only: list[ProbeName] | None = None
    skip: list[ProbeName] = []
    captive_check: str | None = Field(default=None, description="URL answering 204, or 'off'")
    tls_warning_days: int = 14

    def resolve(self, profile: Profile | None, label: Label, **config: Any) -> tuple[RunConfig, set[str] | None,
                                                                                   set[str]]:
        """The checked `RunConfig` (with `config` added) and the probes to run (`only`, `skip`)."""
        if not math.isfinite(self.timeout) or not 0 < self.timeout <= 3600:
            raise OptionError(f"{label('timeout')} must be between 0 and 3600 seconds (got {self.timeout:g})")
        if self.tls_warning_days < 0:
            raise OptionError(f"{label('tls_warning_days')} must not be negative")
        only = {str(n) for n in self.only} if self.only is not None else None
        skip = {str(n) for n in self.skip}
        check_selection(only, skip, label)
        for name, url in (("status_page", self.status_page),
                          ("captive_check", None if self.captive_check == "off" else self.captive_check)):
            if url is not None:
                try:
                    Target.parse(url)
                except TargetError as exc:
                    hint = " (or 'off')" if name == "captive_check" else ""
                    raise OptionError(f"{label(name)}: {exc}{hint}") from None
        captive: dict[str, Any] = {} if self.captive_check is None else {
            "captive_check_url": None if self.captive_check == "off" else self.captive_check}
        run_config = RunConfig(
            dns_servers=[parse_endpoint(s, label("dns_servers"), 53, need_ip=True) for s in self.dns_servers],
            time_servers=[parse_endpoint(s, label("time_servers"), 123, need_ip=False) for s in self.time_servers],
            ca_bundle=check_ca_bundle(self.ca_bundle, label("ca_bundle")) if self.ca_bundle else None,
            status_page=self.status_page or (profile.status_page if profile else None),
            browser=self.browser,
            timeout=self.timeout,
            profile=profile,
            tls_warning_days=self.tls_warning_days,
            **captive,
            **config,
        )
        return run_config, only, skip


def probe_list(text: str | None, option: str) -> list[ProbeName] | None:
    """`--only`/`--skip` text (comma-separated) as probe names; unknown names are an error."""
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = sorted(set(names) - set(PROBE_NAMES))
    if unknown:
        raise OptionError(f"{option}: unknown probe {', '.join(unknown)} (known: {', '.join(PROBE_NAMES)})")
    return [ProbeName(n) for n in names]


def check_selection(only: set[str] | None, skip: set[str], label: Label) -> None:
    """A run must keep at least one check on the path to the login page, or it can never earn a verdict."""
    selected = select(only, skip)
    where = f"{label('only')}/{label('skip')}"
    if not selected:
        raise OptionError(f"{where} leave no probe to run")
    if not path_selected(selected):
        raise OptionError(f"{where} leave out every check on the path to the login page "
                          f"({', '.join(PATH_CHECKS)}): keep at least one")


def parse_endpoint(text: str, option: str, default_port: int, need_ip: bool) -> tuple[str, int]:
    """HOST[:PORT], [IPv6]:PORT or a bare IPv6 address."""
    value = text.strip()
    host, port_text = value, ""
    if value.startswith("["):
        host, closed, rest = value[1:].partition("]")
        if not closed or not is_ip(host) or ":" not in host:
            raise OptionError(f"{option}: {text!r}: brackets hold an IPv6 address, as in [2001:db8::1]:123")
        port_text = rest.removeprefix(":") if rest.startswith(":") else ("" if not rest else "x")
    elif value.count(":") == 1:
        host, _, port_text = value.partition(":")
    try:
        port = int(port_text) if port_text else default_port
    except ValueError:
        raise OptionError(f"{option}: bad port in {text!r}") from None
    if not 0 < port < 65536:
        raise OptionError(f"{option}: port out of range in {text!r}")
    if not host:
        raise OptionError(f"{option}: no host in {text!r}")
    if ":" in host and not is_ip(host):
        raise OptionError(f"{option}: {text!r} is neither HOST[:PORT] nor an IPv6 address")
    if need_ip and not is_ip(host):
        raise OptionError(f"{option}: {text!r} is not an IP address (give the resolver's address, "
                          "e.g. 192.0.2.53 or [2001:db8::53]:53)")
    if not need_ip and any(c.isspace() or c in "/@" for c in host):
        raise OptionError(f"{option}: {text!r} is not a host name")
    return host, port


def check_ca_bundle(path: Path, option: str) -> Path:
    """A readable PEM bundle OpenSSL accepts."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise OptionError(f"{option}: cannot read {path}: {exc.strerror or exc}") from None
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise OptionError(f"{option}: {path} holds no PEM certificate")
    try:
        ssl.create_default_context(cafile=str(path))
    except ssl.SSLError as exc:
        raise OptionError(f"{option}: {path} is not a usable PEM bundle ({exc.reason or exc})") from None
    return path
