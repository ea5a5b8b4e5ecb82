"""The workstation the demo plays: a home folder holding one browser profile, as a user's would.

The `user_browser` probe reads the user's own browsers; in a container or on a server
there are none, so the demo gives its run a home of its own (`HOME`) with a Chromium
profile that a recent Chromium left: its `Local State`, the version that last ran it,
and a `Default` profile with the settings a user who never changed any has.
"""

from __future__ import annotations

import json
from pathlib import Path

CHROMIUM_VERSION = "131.0.6778.85"  # newer than the demo profile's minimum (100)


def make_home(folder: Path) -> Path:
    """Create the demo workstation's home under `folder` and return it."""
    user_data = folder / ".config" / "chromium"
    profile = user_data / "Default"
    profile.mkdir(parents=True, exist_ok=True)
    (user_data / "Last Version").write_text(CHROMIUM_VERSION, encoding="utf-8")
    local_state = {"profile": {"info_cache": {"Default": {"name": "Person 1"}}, "last_used": "Default"}}
    (user_data / "Local State").write_text(json.dumps(local_state), encoding="utf-8")
    preferences = {"profile": {"default_content_setting_values": {}, "content_settings": {"exceptions": {}}},
                   "extensions": {"settings": {}}}
    (profile / "Preferences").write_text(json.dumps(preferences), encoding="utf-8")
    return folder
