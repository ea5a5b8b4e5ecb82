"""A wait as people read it, whatever float the deadline cut it to."""

from __future__ import annotations

import pytest

from probes.text.durations import seconds


@pytest.mark.parametrize(("value", "text"), [(0.299601, "0.3"), (2.0, "2"), (12.5, "12.5"), (1800.0, "1800"),
                                             (0.869903, "0.87"), (0.004, "0")])
def test_seconds(value: float, text: str) -> None:
    assert seconds(value) == text
