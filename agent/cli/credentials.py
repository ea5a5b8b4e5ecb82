"""Login credentials, from the environment or a file: never from the command line.

A password on argv is visible to every user of the machine (`ps`) and lands in shell
history, so the command line takes only the path of a credentials file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from probes.base import Credentials

ENV_USER, ENV_PASSWORD = "DIAGNOSE_USERNAME", "DIAGNOSE_PASSWORD"


class CredentialsError(ValueError):
    """The credentials file cannot be used; the message says why in one line."""


def from_environment(environ: Mapping[str, str] | None = None) -> Credentials | None:
    env = os.environ if environ is None else environ
    user, password = env.get(ENV_USER), env.get(ENV_PASSWORD)
    if user and password:
        return _credentials(user, password)
    return None


def claim_environment() -> dict[str, str]:
    """Take the credentials' variables out of this process's environment, and return them.

    Called before any child process starts (Playwright's driver, Chromium, OS commands):
    they inherit an environment without the password.
    """
    return {name: os.environ.pop(name) for name in (ENV_USER, ENV_PASSWORD) if name in os.environ}


def from_file(path: Path) -> Credentials:
    """Read `username = ...` and `password = ...` lines (or the DIAGNOSE_* names), one per line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CredentialsError(f"cannot read credentials file {path}: {exc.strerror or exc}") from None
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if not sep or line.lstrip().startswith("#"):
            continue
        key = key.strip().lower().removeprefix("diagnose_")
        values[key] = value.strip().strip('"').strip("'")
    if not values.get("username") or not values.get("password"):
        raise CredentialsError(f"credentials file {path} needs both 'username = ...' and 'password = ...' lines")
    return _credentials(values["username"], values["password"])


def _credentials(username: str, password: str) -> Credentials:
    from pydantic import SecretStr  # loaded once credentials are in hand: this module stays light

    from probes.base import Credentials

    return Credentials(username=username, password=SecretStr(password))
