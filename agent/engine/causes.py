"""The cause catalog (agent/data/causes.toml): titles, base confidence, owner and remediation per id."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, Field

Owner = Literal["workstation", "network", "portal", "account"]


class CauseInfo(BaseModel):
    title: str
    confidence: float = Field(ge=0, le=1)
    owner: Owner
    remediation: list[str]


@cache
def catalog() -> dict[str, CauseInfo]:
    """Every known cause id and what the report says about it."""
    text = resources.files("agent.engine").joinpath("data/causes.toml").read_text(encoding="utf-8")
    return {cid: CauseInfo(**entry) for cid, entry in tomllib.loads(text)["causes"].items()}


def info(cause_id: str) -> CauseInfo:
    """The catalog entry, or a plain one for an id a newer probe added before the catalog knew it."""
    known = catalog().get(cause_id)
    if known is not None:
        return known
    return CauseInfo(title=cause_id, confidence=0.5, owner="portal", remediation=[])
