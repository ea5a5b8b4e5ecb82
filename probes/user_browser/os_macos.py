"""macOS managed preferences: the policies an MDM profile pushes, as plist files.

Machine-wide policies are `/Library/Managed Preferences/<bundle id>.plist`, per-user
ones `/Library/Managed Preferences/<user>/<bundle id>.plist`
(https://support.google.com/chrome/a/answer/7550274).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from probes.user_browser.safe_read import Unreadable, read_bytes

MANAGED = Path("Library/Managed Preferences")


def managed_plists(root: Path, user: str | None, bundle: str) -> list[Path]:
    """The managed-preference files for `bundle` that exist, machine-wide first."""
    places = [root / MANAGED / f"{bundle}.plist"]
    if user:
        places.append(root / MANAGED / user / f"{bundle}.plist")
    return [p for p in places if p.is_file()]


def read_plist(path: Path) -> dict[str, Any]:
    """A plist's top-level dict (binary or XML)."""
    import plistlib  # macOS only: other systems never load it

    try:
        value = plistlib.loads(read_bytes(path))
    except (plistlib.InvalidFileException, ValueError) as exc:
        raise Unreadable(f"{path}: not a property list ({exc})") from None
    if not isinstance(value, dict):
        raise Unreadable(f"{path}: not a dictionary")
    return value
