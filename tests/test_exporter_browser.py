"""Scrapes with the shared browser: hung portals and cut-short scrapes leave no renderer, context or file behind."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from agent.exporter.config import load
from agent.exporter.serve import Exporter
from demo.web import Page, WebServer

LOGIN = Page("<title>Sign in</title><form><input name=user><input type=password name=pw></form>")
ONLY = '["dns", "network", "http", "browser"]'
pytestmark = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no Chromium to share")


def renderers() -> int:
    """Chromium renderer processes under this test process."""
    count = 0
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if child.status() != psutil.STATUS_ZOMBIE and "--type=renderer" in " ".join(child.cmdline()):
                count += 1
    return count


@pytest.fixture
def portals() -> Iterator[dict[str, str]]:
    with WebServer({"/login": LOGIN}) as good, WebServer({"/login": Page(hang=True)}) as hung:
        yield {"good": good.url("/login"), "hung": hung.url("/login")}


def _config(tmp_path: Path, portals: dict[str, str], extra: str = "") -> Path:
    config = tmp_path / "exporter.toml"
    config.write_text(
        f'listen = "127.0.0.1:0"\nconcurrency = 8\n{extra}\n'
        f'[targets.good]\nurl = "{portals["good"]}"\nonly = {ONLY}\ncaptive_check = "off"\ntimeout = 8\n'
        f'[targets.hung]\nurl = "{portals["hung"]}"\nonly = {ONLY}\ncaptive_check = "off"\ntimeout = 3\n'
    )
    return config


async def _settle(exporter: Exporter, seconds: float = 10) -> tuple[int, int]:
    """Renderers and open contexts once no run is left, waiting up to `seconds` for them to go."""
    deadline = time.monotonic() + seconds
    while True:
        launch = exporter.browser._launch
        contexts = len(launch.result().browser.contexts) if launch is not None and launch.done() \
            and launch.exception() is None else 0
        if (renderers() == 0 and contexts == 0) or time.monotonic() > deadline:
            return renderers(), contexts
        await asyncio.sleep(0.2)


async def test_cut_short_scrapes_leave_no_renderer_and_no_files(tmp_path: Path, portals: dict[str, str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Bursts of scrapes whose deadlines cut the runs at every stage: everything they opened is closed."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    exporter = Exporter(load(_config(tmp_path, portals)))
    await exporter.start()
    url = f"http://127.0.0.1:{exporter.port}/probe"

    async def scrape(client: httpx.AsyncClient, i: int) -> int | str:
        header = {"X-Prometheus-Scrape-Timeout-Seconds": str(1.5 + (i % 5) * 0.4)}
        try:
            answer = await client.get(url, params={"target": "hung" if i % 2 else "good"}, headers=header,
                                      timeout=1.0 + (i % 7) * 0.5)
        except httpx.HTTPError as exc:
            return type(exc).__name__
        return answer.status_code

    try:
        async with httpx.AsyncClient() as client:
            answered = 0
            for burst in range(5):
                answers = await asyncio.gather(*(scrape(client, burst * 20 + i) for i in range(20)))
                answered += answers.count(200)
            while exporter._running:
                await asyncio.sleep(0.1)
            left = await _settle(exporter)
            good = await client.get(url, params={"target": "good"}, timeout=20)
    finally:
        await exporter.close()
    assert answered >= 30
    assert left == (0, 0)
    assert "probe_success 1.0" in good.text
    assert list((tmp_path / "tmp").iterdir()) == []


async def test_kept_artifacts_are_bounded(tmp_path: Path, portals: dict[str, str]) -> None:
    """keep_artifacts = 2: after five scrapes, two run folders with a screenshot and HAR each."""
    kept = tmp_path / "kept"
    exporter = Exporter(load(_config(tmp_path, portals, f'keep_artifacts = 2\nartifacts_dir = "{kept}"')))
    await exporter.start()
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(5):
                answer = await client.get(f"http://127.0.0.1:{exporter.port}/probe?target=good", timeout=20)
                assert "probe_success 1.0" in answer.text
    finally:
        await exporter.close()
    folders = sorted(kept.iterdir())
    assert len(folders) == 2
    for folder in folders:
        assert folder.stat().st_mode & 0o777 == 0o700
        assert {p.suffix for p in folder.iterdir()} == {".png", ".har"}


async def test_artifact_bytes_are_bounded(tmp_path: Path, portals: dict[str, str]) -> None:
    kept = tmp_path / "kept"
    extra = f'keep_artifacts = 100\nartifacts_max_bytes = 1\nartifacts_dir = "{kept}"'
    exporter = Exporter(load(_config(tmp_path, portals, extra)))
    await exporter.start()
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(2):
                await client.get(f"http://127.0.0.1:{exporter.port}/probe?target=good", timeout=20)
    finally:
        await exporter.close()
    assert list(kept.iterdir()) == []
