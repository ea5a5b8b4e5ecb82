"""What the `http` probe saw: every hop of the login URL and the final answer."""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

from typing import Literal

from pydantic import BaseModel, Field

from probes.evidence import Evidence
from probes.text.maintenance import MaintenanceMatch


class Hop(BaseModel):
    """One request of the chain and what answered it."""

    url: str
    status: int | None = None
    location: str | None = None
    ms: int = 0
    server: str | None = None
    address: str | None = Field(default=None, description="peer connected to (the proxy, through one)")
    error: str | None = None


class HttpEvidence(Evidence):
    probe: Literal["http"] = "http"
    url: str
    proxy: str | None = Field(default=None, description="proxy that carried the login URL (no credentials)")
    hops: list[Hop] = []
    redirect_hosts: list[str] = Field(default=[], description="hosts the chain visited, in order")
    loop_url: str | None = None
    final_url: str | None = None
    final_status: int | None = None
    reason_phrase: str | None = None
    response_ms: int | None = Field(default=None, description="time to the final answer's headers")
    content_type: str | None = None
    content_length: int | None = Field(default=None, description="body bytes received")
    body_truncated: bool = False
    retry_after: str | None = None
    title: str | None = None
    has_password_field: bool = False
    password_form_action: str | None = Field(
        default=None, description="absolute URL the password field's form posts to (the page itself when unset)")
    maintenance: list[MaintenanceMatch] = []
    date_header: str | None = Field(default=None, description="the latest answer's Date header")
    received_at_epoch: float | None = Field(default=None, description="local time.time() when it arrived")
    tls_rejected: bool = Field(default=False, description="the fetch failed on the TLS handshake or certificate")
