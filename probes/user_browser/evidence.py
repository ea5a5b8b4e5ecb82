"""The evidence the `user_browser` probe records, typed so the report and support can rely on it."""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

from typing import Any, Literal

from pydantic import BaseModel, Field

from probes.evidence import Evidence

Setting = Literal["allow", "block", "session_only", "ask"]


class SiteSettings(BaseModel):
    """What one profile does for one host: the effective setting and where it comes from."""

    host: str
    cookies: Setting | None = None
    javascript: Setting | None = None
    popups: Setting | None = None
    sources: dict[str, str] = Field(
        default_factory=dict, description="setting name -> 'default' or the exception pattern that decided it"
    )


class ExtensionInfo(BaseModel):
    """An enabled extension; `flagged` says why it may interfere with the login, when it may."""

    id: str
    name: str
    version: str | None = None
    flagged: str | None = None
    known: bool = Field(default=False, description="on the list of extensions known to interfere")


class ProfileInfo(BaseModel):
    """One profile of one browser; `unreadable` says why it could not be checked, when it could not."""

    display_name: str
    dir_name: str
    site_settings: list[SiteSettings] = []
    third_party_cookies_blocked: bool | None = None
    popups_blocked_by_default: bool | None = None
    extensions: list[ExtensionInfo] = []
    unreadable: str | None = None


class BrowserInstall(BaseModel):
    """A browser the user has: where its data lives and which version last ran."""

    key: str = Field(description="chrome, edge, chromium, brave or firefox")
    title: str
    channel: str = "stable"
    version: str | None = None
    version_source: str | None = None
    executable: str | None = None
    user_data_dir: str | None = None
    profiles: list[ProfileInfo] = []

    def label(self) -> str:
        return f"{self.title} {self.version}" if self.version else f"{self.title} (version unknown)"


class PolicySet(BaseModel):
    """Enterprise policies one source sets for one browser, only the keys that matter to a login."""

    browser: str
    source: str
    values: dict[str, Any] = Field(default_factory=dict)


class PageLoad(BaseModel):
    """The login page as one browser profile loaded it (--user-profile)."""

    loaded: bool = Field(default=False, description="the page's load event fired")
    error: str | None = Field(default=None, description="why it did not load, when it did not")
    failed_requests: list[str] = Field(default=[], description="'URL (no query): error'")
    page_errors: list[str] = []
    login_form: bool = Field(default=False, description="a password or user-name field was shown")


class ProfileReplay(BaseModel):
    """The login page in a temporary copy of the user's profile against a clean profile of the same browser."""

    browser: str
    profile: str = Field(description="the profile's display name")
    executable: str
    with_cookies: bool = False
    copied: list[str] = Field(default=[], description="what was copied (the copy is deleted after)")
    left_out: list[str] = Field(default=[], description="stores never copied")
    clean: PageLoad = Field(default_factory=PageLoad)
    user: PageLoad = Field(default_factory=PageLoad)
    only_in_profile: list[str] = Field(default=[], description="failures the clean profile did not have")
    extensions_loaded: list[str] = []


class UserBrowserEvidence(Evidence):
    probe: Literal["user_browser"] = "user_browser"
    hosts: list[str] = Field(default=[], description="the portal's host, then the IdP hosts")
    browsers: list[BrowserInstall] = []
    policies: list[PolicySet] = []
    policy_errors: list[str] = []
    replay: ProfileReplay | None = Field(default=None, description="--user-profile: the page in the user's profile")
    replay_error: str | None = Field(default=None, description="why --user-profile could not load the page")
    support_browsers: list[str] = Field(
        default=[], description="for the report's support section, e.g. 'Google Chrome 131.0.6778.85'"
    )
