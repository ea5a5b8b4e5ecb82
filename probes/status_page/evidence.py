"""What the `status_page` probe read: the page's kind, its components, incidents and maintenance."""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

from typing import Literal

from pydantic import Field

from probes.evidence import Evidence
from probes.status_page.statuspage_api import Summary
from probes.text.maintenance import MaintenanceMatch


class StatusPageEvidence(Evidence):
    probe: Literal["status_page"] = "status_page"
    url: str
    fetched: list[str] = Field(default=[], description="each request: 'URL -> status'")
    source: Literal["statuspage_api", "html"] | None = None
    summary: Summary | None = None
    sentences: list[str] = Field(default=[], description="status and maintenance wording, quoted")
    maintenance: list[MaintenanceMatch] = Field(default=[], description="maintenance sentences, timed")
