"""What the `login` probe saw: the outcome of signing in and the portal's words (never the credentials)."""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

from typing import Literal

from pydantic import Field

from probes.evidence import Evidence
from probes.web.insecure_form import FormTarget


class LoginEvidence(Evidence):
    probe: Literal["login"] = "login"
    browser: dict[str, str] = Field(default_factory=dict)
    url: str = ""
    outcome: str | None = Field(default=None, description="success | mfa | invalid_credentials | locked | "
                                "password_expired | rejected | unknown | insecure_form_blocked")
    form_after: bool | None = Field(default=None, description="the password field was still there after submitting")
    message: str | None = Field(default=None, description="the portal's words that decided the outcome")
    matched: str | None = Field(default=None, description="the wording (pattern or profile phrase) that matched")
    form: dict[str, str] = Field(default_factory=dict, description="how each field was found")
    steps: list[str] = []
    final_url: str | None = None
    form_target: FormTarget | None = Field(default=None, description="where the form sent the fields, and "
                                           "whether Chromium stopped it (observed)")
    final_host: str | None = None
    error_text: list[str] = Field(default=[], description="exact messages the portal showed")
    screenshot: str | None = None
    har: str | None = None
    timings_ms: dict[str, int] = Field(default_factory=dict)
