"""What a run learned of its PAC file: a small model of its own, so evidence can hold it without loading the fetcher."""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

from typing import Literal

from pydantic import BaseModel, Field


class PacDecision(BaseModel):
    """What the PAC file said for one URL, and which entry of its list is used."""

    url: str
    returned: str = Field(description="the script's answer, verbatim ('PROXY p:3128; DIRECT')")
    chosen: str | None = Field(default=None, description="proxy URL taken, None = DIRECT")
    reason: str = ""


class PacReport(BaseModel):
    """Where the PAC came from, whether it could be fetched and run, and its answer per URL."""

    url: str | None = None
    source: Literal["configured", "wpad"] = "configured"
    fetched: bool = False
    parsed: bool = False
    failure: Literal["unreachable", "invalid"] | None = None
    error: str | None = None
    bytes: int | None = None
    tried: list[str] = Field(default=[], description="WPAD candidate URLs asked, in order")
    decisions: list[PacDecision] = []
