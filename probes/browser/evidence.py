"""What the `browser` probe saw: the page as Chromium loaded it, its errors, form, cookies and artifacts."""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

from typing import Literal

from pydantic import BaseModel, Field

from probes.evidence import Evidence
from probes.text.maintenance import MaintenanceMatch
from probes.web.insecure_form import FormTarget
from probes.web.watch import FailedRequest


class CookieCheck(BaseModel):
    enabled: bool | None = Field(default=None, description="navigator.cookieEnabled")
    test_write: bool | None = Field(default=None, description="a test cookie written by script could be read back")
    stored: int = Field(default=0, description="cookies the browser holds after the load")
    rejected: list[str] = Field(default=[], description="cookies a server set that the browser did not keep")


class BrowserEvidence(Evidence):
    probe: Literal["browser"] = "browser"
    browser: dict[str, str] = Field(default_factory=dict, description="name, version, path of the browser driven")
    url: str = ""
    final_url: str | None = None
    final_host: str | None = None
    main_status: int | None = None
    redirect_chain: list[str] = Field(default=[], description="top-frame documents, no query")
    redirect_hosts: list[str] = Field(default=[], description="hosts the top frame went through")
    navigation_error: str | None = Field(default=None, description="Chromium's net::ERR_* name, or 'timeout'")
    navigation_error_url: str | None = None
    page_errors: list[str] = Field(default=[], description="uncaught script errors")
    console_errors: list[str] = []
    failed_requests: list[FailedRequest] = []
    login_form: str | None = Field(default=None, description="'password', 'identifier' (user name first) or None")
    login_form_frame: str | None = None
    login_form_usable: bool | None = Field(default=None, description="its field takes input and its button is "
                                           "enabled (a button left disabled by a failed script is not)")
    wording: dict[str, str] = Field(default_factory=dict, description="unsupported / enable_javascript / "
                                    "enable_cookies -> the line of the page saying it")
    maintenance: list[MaintenanceMatch] = []
    form_target: FormTarget | None = Field(default=None, description="where the login form sends its fields, "
                                           "and whether Chromium is expected to stop it (not submitted)")
    cookies: CookieCheck = Field(default_factory=CookieCheck)
    screenshot: str | None = None
    screenshot_error: str | None = Field(default=None, description="why the last capture of the page failed, "
                                         "when there is no screenshot")
    har: str | None = None
    error_text: list[str] = Field(default=[], description="exact error messages seen")
    timings_ms: dict[str, int] = Field(default_factory=dict)
