"""Playwright's driver keeps its compiled JavaScript between runs, where the user's caches go."""

from __future__ import annotations

from pathlib import Path

import pytest

from probes.web.driver import spawn_driver, stop_driver, warm


async def test_the_driver_leaves_its_compiled_code_in_the_users_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NODE_COMPILE_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # where platformdirs puts a user's caches on Linux
    await warm()  # as the image build does
    kept = tmp_path / "diagnose" / "node-compile-cache"
    assert any(path.is_file() for path in kept.rglob("*")), "Node.js wrote no compile cache"


async def test_a_compile_cache_the_user_chose_is_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NODE_COMPILE_CACHE", str(tmp_path / "own"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    await stop_driver(spawn_driver())
    assert any(path.is_file() for path in (tmp_path / "own").rglob("*"))
    assert not (tmp_path / "xdg" / "diagnose").exists()
