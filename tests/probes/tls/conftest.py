"""What the TLS tests share: a root the run trusts, an issuing CA under it, its bundle, servers stopped after each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest

from tests.probes.tls.pki import Issued, authority, rsa_key


class Stoppable(Protocol):
    def stop(self) -> None: ...


@pytest.fixture(scope="module")
def root() -> Issued:
    return authority("Loopback Test Root CA", "Loopback Test CA", key=rsa_key())


@pytest.fixture(scope="module")
def issuing(root: Issued) -> Issued:
    return authority("Loopback Issuing CA 1", "Loopback Issuing Org", parent=root)


@pytest.fixture(scope="module")
def bundle(root: Issued, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The root as a --ca-bundle."""
    path = tmp_path_factory.mktemp("trust") / "bundle.pem"
    path.write_bytes(root.pem())
    return path


@pytest.fixture
def servers() -> Iterator[list[Stoppable]]:
    """Servers a test starts; stopped when it ends."""
    started: list[Stoppable] = []
    yield started
    for server in started:
        server.stop()
