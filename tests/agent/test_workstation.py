"""The workstation facts are read without starting a process: a run waits on none of them."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from agent.engine.workstation import os_version


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux reading")
def test_the_os_version_names_kernel_and_machine_without_starting_uname(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_process(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a process was started to describe the workstation")

    monkeypatch.setattr(platform, "_uname_cache", None)  # as in a fresh process: nothing read yet
    monkeypatch.setattr(platform, "_platform_cache", {})
    monkeypatch.setattr(subprocess, "check_output", no_process)
    monkeypatch.setattr(subprocess, "Popen", no_process)
    name = os.uname()
    assert os_version().startswith(f"Linux-{name.release}-{name.machine}")
