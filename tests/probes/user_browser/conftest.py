"""Fixtures the Chromium-profile tests share: one profile made by the real Chromium, copied per test."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.probes.user_browser.chromium_fixture import make_profile, portal


@pytest.fixture(scope="module")
def made_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One profile made by Chromium per test module; each test works on its own copy."""
    user_data = tmp_path_factory.mktemp("made") / "chromium"
    asyncio.run(make_profile(user_data))
    return user_data


@pytest.fixture
def home(made_profile: Path, tmp_path: Path) -> Path:
    """A home folder holding a copy of the made profile where Chromium keeps it on Linux."""
    home = tmp_path / "home"
    shutil.copytree(made_profile, home / ".config" / "chromium", ignore=shutil.ignore_patterns("Singleton*"))
    return home


@pytest.fixture
def url() -> Iterator[str]:
    """A loopback login portal for the length of the test."""
    with portal() as login_url:
        yield login_url
