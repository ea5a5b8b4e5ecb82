"""The exporter's configuration (`diagnose serve --config FILE`): where to listen and what may be probed.

Only the targets named here are ever diagnosed, so the exporter cannot be turned into
an open proxy into the network (blackbox_exporter's `?target=` takes any address).
Everything is checked at load: a bad file stops the server at start with one line
naming the target and the field, never at the first scrape.

    listen = "127.0.0.1:9471"    # host:port (the default: loopback only; 0.0.0.0:9471 or [::]:9471 for others)
    concurrency = 4              # diagnoses running at once
    max_connections = 256        # HTTP connections open at once; past it the oldest idle one is closed
    idle_timeout = 15            # seconds an HTTP connection may stay open with no request
    keep_artifacts = 0           # scrapes whose screenshot and HAR are kept (default: none)
    artifacts_max_bytes = 50_000_000   # and at most this many bytes of them
    artifacts_dir = "artifacts"  # where (default: a private folder in the temporary directory)
    max_timeout = 30             # cap on any request's deadline, in seconds
    browser = "chromium"         # the one browser the runs share (default: the first found)
    profile_file = "profiles.toml"

    [targets.billing]
    profile = "example"          # a portal profile, or:
    [targets.intranet]
    url = "https://intranet.example.org/login"
    dns_servers = ["10.0.0.53"]
    ca_bundle = "/etc/ssl/certs/corporate.pem"
    timeout = 15
    skip = ["login"]
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agent.engine.profiles import ProfileError, load_profiles
from agent.engine.run_options import OptionError, RunOptions
from probes.base import RunConfig
from probes.profile import Profile
from probes.target import Target, TargetError

DEFAULT_PORT = 9471
# The user's own installed browsers and profiles: a monitor has no user, and the look costs a
# process start per scrape. Run only when a target names it in `only`.
UNATTENDED_SKIP = "user_browser"


class ConfigError(Exception):
    """The configuration cannot be used; str() is one line naming the file, target and field."""


class TargetSpec(RunOptions):
    """One monitored portal: a profile or a URL, and the run options for it (the command line's, by their names)."""

    profile: str | None = None
    url: str | None = None
    timeout: float = Field(default=20.0, gt=0, le=600)

    @model_validator(mode="after")
    def _one_of(self) -> TargetSpec:
        if (self.profile is None) == (self.url is None):
            raise ValueError("give exactly one of 'profile' or 'url'")
        return self


class ExporterConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    listen: str = f"127.0.0.1:{DEFAULT_PORT}"
    concurrency: int = Field(default=4, ge=1, le=256)
    max_connections: int = Field(default=256, ge=8, le=65536)
    idle_timeout: float = Field(default=15.0, gt=0, le=3600)
    keep_artifacts: int = Field(default=0, ge=0, le=10000)
    artifacts_max_bytes: int = Field(default=50_000_000, ge=0)
    artifacts_dir: Path | None = None
    max_timeout: float = Field(default=30.0, gt=0, le=600)
    profile_file: Path | None = None
    browser: str | None = Field(default=None, description="the browser shared by the targets' runs")
    targets: dict[str, TargetSpec] = Field(min_length=1)


class Monitored(BaseModel):
    """A target ready to run: the parsed URL, its RunConfig (timeout set per request) and probes."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    name: str
    target: Target
    config: RunConfig
    only: set[str] | None
    skip: frozenset[str]


class Loaded(BaseModel):
    host: str
    port: int
    concurrency: int
    max_timeout: float
    max_connections: int = 256
    idle_timeout: float = 15.0
    keep_artifacts: int = 0
    artifacts_max_bytes: int = 50_000_000
    artifacts_dir: Path | None = None
    browser: str | None = None
    targets: dict[str, Monitored]


def load(path: Path) -> Loaded:
    """Read and check the configuration file; raise ConfigError with one line on any problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse(data, path)


def parse(data: dict[str, Any], path: Path) -> Loaded:
    try:
        raw = ExporterConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"{path}: {where}: {first['msg']}") from None
    base = path.parent
    try:
        host, port = parse_listen(raw.listen)
        extra = _relative(raw.profile_file, base)
        profiles = load_profiles(extra) if any(s.profile for s in raw.targets.values()) else {}
        targets = {name: _monitored(name, spec, profiles, base) for name, spec in raw.targets.items()}
    except (OptionError, ProfileError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return Loaded(host=host, port=port, concurrency=raw.concurrency, max_timeout=raw.max_timeout,
                  max_connections=raw.max_connections, idle_timeout=raw.idle_timeout,
                  keep_artifacts=raw.keep_artifacts, artifacts_max_bytes=raw.artifacts_max_bytes,
                  artifacts_dir=_relative(raw.artifacts_dir, base),
                  browser=raw.browser, targets=targets)


def parse_listen(text: str) -> tuple[str, int]:
    """HOST:PORT, [IPv6]:PORT or :PORT (every interface); port 0 lets the OS pick one."""
    host, sep, port_text = text.strip().rpartition(":")
    if not sep:
        host, port_text = text.strip(), str(DEFAULT_PORT)
    host = host.removeprefix("[").removesuffix("]") or "0.0.0.0"
    if not port_text.isdigit() or int(port_text) > 65535 or any(c.isspace() or c in "/@" for c in host):
        raise OptionError(f"listen: {text!r} is not HOST:PORT (e.g. 0.0.0.0:{DEFAULT_PORT} or [::]:{DEFAULT_PORT})")
    return host, int(port_text)


def _monitored(name: str, spec: TargetSpec, profiles: dict[str, Profile], base: Path) -> Monitored:
    profile = None
    if spec.profile is not None:
        profile = profiles.get(spec.profile)
        if profile is None:
            raise OptionError(f"targets.{name}.profile: unknown portal profile {spec.profile!r}")
    url = spec.url or (profile.login_url if profile is not None else "")
    try:
        target = Target.parse(url, profile=spec.profile)
    except TargetError as exc:
        raise OptionError(f"targets.{name}.url: {exc}") from None
    where = f"targets.{name}"
    ca_bundle = _relative(spec.ca_bundle, base)
    config, only, skip = spec.model_copy(update={"ca_bundle": ca_bundle}).resolve(
        profile, lambda field: f"{where}.{field}")
    if only is None or "user_browser" not in only:
        skip = {*skip, UNATTENDED_SKIP}
    return Monitored(name=name, target=target, config=config, only=only, skip=frozenset(skip))


def _relative(path: Path | None, base: Path) -> Path | None:
    """Paths in the file are relative to the file's folder, as in prometheus.yml."""
    if path is None:
        return None
    return path if path.is_absolute() else base / path
