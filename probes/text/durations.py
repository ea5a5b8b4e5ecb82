"""A wait in seconds as people read it: "0.3", "2", "12.5", never "0.299601" or "1e+03"."""

from __future__ import annotations


def seconds(value: float) -> str:
    """`value` to at most two decimals, without trailing zeros (a wait the deadline cut is any float)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")
