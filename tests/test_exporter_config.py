"""The exporter's defaults: loopback, bounded connections, no artifacts, no look at a user's browsers."""

from __future__ import annotations

from pathlib import Path

from agent.exporter.config import load


def test_defaults(tmp_path: Path) -> None:
    config = tmp_path / "exporter.toml"
    config.write_text('[targets.a]\nurl = "https://portal.example/login"\n'
                      '[targets.b]\nurl = "https://portal.example/login"\nonly = ["http", "user_browser"]\n')
    loaded = load(config)
    assert (loaded.host, loaded.port) == ("127.0.0.1", 9471)
    assert loaded.max_connections == 256 and loaded.idle_timeout == 15
    assert loaded.keep_artifacts == 0
    assert "user_browser" in loaded.targets["a"].skip
    assert "user_browser" not in loaded.targets["b"].skip


def test_artifacts_dir_is_relative_to_the_file(tmp_path: Path) -> None:
    config = tmp_path / "exporter.toml"
    config.write_text('keep_artifacts = 3\nartifacts_dir = "kept"\n[targets.a]\nurl = "https://portal.example/"\n')
    loaded = load(config)
    assert loaded.keep_artifacts == 3 and loaded.artifacts_dir == tmp_path / "kept"
