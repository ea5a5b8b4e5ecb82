"""A portal profile: what is known in advance about one portal, so a name can stand for a URL.

Probes read it from `ctx.config.profile` (None when the target is a bare URL): the status
page, the identity-provider hosts, the wording the portal uses for maintenance and for
account problems, the login form's selectors. Every model forbids unknown fields, so a
typo in a profile file is reported at load rather than silently ignored.
"""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

SupportIdentifier = Literal["provider_id", "npi", "tax_id", "practice_name"]
BrowserName = Literal["chrome", "chromium", "edge", "firefox", "safari"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_LABEL = r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?"
_HOST = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$")
_VERSION = re.compile(r"^\d+(\.\d+){0,3}$")


def check_url(value: str, schemes: tuple[str, ...] = ("https", "http")) -> str:
    """`value` when it is an absolute URL with one of `schemes` and a host; else ValueError."""
    if not value.strip() or any(c.isspace() for c in value.strip()):
        raise ValueError("not a valid URL")
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise ValueError("not a valid URL") from None
    if parts.scheme.lower() not in schemes or not parts.hostname:
        raise ValueError("not a valid URL")
    return value.strip()


def check_host(value: str) -> str:
    """A host name, optionally with `:port`, lower-cased; ValueError otherwise."""
    text = value.strip().lower()
    if "/" in text:
        raise ValueError(f"{value!r} is not a host name (give the host alone, not a URL)")
    host, sep, port = text.rpartition(":")
    if not sep:
        host = text
    elif not (port.isdigit() and 0 < int(port) < 65536):
        raise ValueError(f"{value!r} is not a host name (bad port)")
    if not _HOST.match(host.rstrip(".")):
        raise ValueError(f"{value!r} is not a host name")
    return host.rstrip(".") + (f":{port}" if sep else "")


def check_version(value: str) -> str:
    """A dotted version number such as "110" or "17.4"; ValueError otherwise."""
    if not _VERSION.match(value):
        raise ValueError(f"{value!r} is not a version number such as \"110\"")
    return value


Host = Annotated[str, AfterValidator(check_host)]
Version = Annotated[str, AfterValidator(check_version)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AccountMessages(_Strict):
    """Extra on-page wording for each login outcome, added to the built-in English patterns."""

    invalid_credentials: list[str] = []
    locked: list[str] = []
    password_expired: list[str] = []
    mfa: list[str] = []
    success: list[str] = []
    rejected: list[str] = []


class LoginSelectors(_Strict):
    """CSS selectors of the login form, for portals whose form the generic search misses."""

    username: str | None = None
    password: str | None = None
    submit: str | None = None


class SupportContact(_Strict):
    """How to reach the portal's support desk, shown when the cause is on the portal's side."""

    phone: str | None = None
    url: str | None = None
    email: str | None = None
    hours: str | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError("not an e-mail address")
        return value


class Profile(_Strict):
    """One portal, as a TOML table `[portal.<name>]`."""

    name: str
    title: str
    login_url: str
    status_page: str | None = None
    idp_hosts: list[Host] = Field(default=[], description="host or host:port of identity providers")
    saml_metadata_url: str | None = None
    oidc_discovery_url: str | None = None
    supported_browsers: dict[BrowserName, Version] = Field(
        default_factory=dict, description="browser -> minimum version, e.g. chrome = \"110\""
    )
    expected_tls_issuers: list[str] = Field(
        default=[], description="issuer common names or organisations the portal's chain may show"
    )
    maintenance_wording: list[str] = []
    account_messages: AccountMessages = Field(default_factory=AccountMessages)
    login_selectors: LoginSelectors = Field(default_factory=LoginSelectors)
    support_contact: SupportContact = Field(default_factory=SupportContact)
    support_identifiers: list[SupportIdentifier] = []

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("use lower-case letters, digits, '-' and '_' (at most 63)")
        return value

    @field_validator("login_url", "status_page", "saml_metadata_url", "oidc_discovery_url")
    @classmethod
    def _urls(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value)

    def idp_urls(self) -> list[str]:
        """The SAML metadata and OIDC discovery URLs that are set."""
        return [u for u in (self.saml_metadata_url, self.oidc_discovery_url) if u]
