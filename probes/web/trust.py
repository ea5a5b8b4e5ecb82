"""The browser trusts what the workstation trusts: `--ca-bundle` as a throwaway NSS database.

Chromium on Linux adds the trust anchors of the NSS database in `$HOME/.pki/nssdb` to
its own store. With `--ca-bundle`, the run builds such a database in a temporary home
(`certutil -N`, then one `certutil -B` batch that adds every CA of the bundle as a
trusted TLS issuer) and launches the browser with that `HOME`. Chromium then judges
the portal's certificate itself, dates, name, revocation and chain included, so its
error (ERR_CERT_DATE_INVALID, ERR_CERT_COMMON_NAME_INVALID...) and its error page are
what the user's browser shows. Without a bundle the browser keeps the user's own home
and store. The temporary home is removed when the run's resources close.

The browser never sees DIAGNOSE_* variables (credentials among them) in its environment.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from probes.resources import RunResources

# split as text, not parsed: the launch starts before the agent has loaded (and its cryptography) in another thread
_PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----\s.+?-----END CERTIFICATE-----", re.DOTALL)
CERTUTIL_WAIT = 10.0  # for both certutil calls; a few hundred CAs take about a second
FIX = "install certutil (Debian/Ubuntu: apt-get install libnss3-tools), or run without --ca-bundle"


class TrustUnavailable(Exception):
    """The CA bundle could not be handed to the browser; the message says why."""


def browser_env(home: Path | None) -> dict[str, str | float | bool]:
    """The workstation's environment for the browser, without DIAGNOSE_* and with `home` as HOME when given."""
    env: dict[str, str | float | bool] = {k: v for k, v in os.environ.items() if not k.upper().startswith("DIAGNOSE_")}
    if home is not None:
        env["HOME"] = str(home)
    return env


async def bundle_home(resources: RunResources, bundle: Path | None, wait: float) -> Path | None:
    """A temporary home whose NSS database trusts exactly the bundle's CAs; None without a bundle.

    Built within `wait` seconds, removed when `resources` close. Raises TrustUnavailable
    when the database cannot be built (no certutil, not Linux, an unreadable bundle): a
    browser that does not trust the bundle would report every certificate as untrusted,
    which is not what the workstation sees.
    """
    if bundle is None:
        return None
    if not sys.platform.startswith("linux"):
        raise TrustUnavailable(f"the browser cannot be given --ca-bundle on {sys.platform} yet")
    certutil = shutil.which("certutil")
    if certutil is None:
        raise TrustUnavailable("certutil (NSS tools) is not installed, so the browser cannot trust --ca-bundle")
    try:
        cas = _PEM_BLOCK.findall(bundle.read_bytes())  # certutil parses each; nothing here needs to
    except OSError as exc:
        raise TrustUnavailable(f"the CA bundle {bundle} cannot be read: {exc.strerror or exc}") from None
    if not cas:
        raise TrustUnavailable(f"the CA bundle {bundle} holds no PEM certificate")
    home = Path(tempfile.mkdtemp(prefix="diagnose-browser-home-"))
    resources.on_close(lambda: asyncio.to_thread(shutil.rmtree, home, True))
    database = home / ".pki" / "nssdb"
    database.mkdir(parents=True)
    batch = home / "import.txt"
    lines = []
    for number, ca in enumerate(cas):
        pem = home / f"ca-{number}.pem"
        pem.write_bytes(ca + b"\n")
        lines.append(f"-A -n diagnose-ca-{number} -t C,, -i {pem}\n")
    batch.write_text("".join(lines), encoding="utf-8")
    deadline = asyncio.get_running_loop().time() + wait
    await _certutil(deadline, certutil, "-N", "--empty-password", "-d", f"sql:{database}")
    await _certutil(deadline, certutil, "-B", "-i", str(batch), "-d", f"sql:{database}")
    return home


async def _certutil(deadline: float, *command: str) -> None:
    """Run one certutil command off the event loop, by `deadline`; TrustUnavailable with its message if it fails."""
    process = await asyncio.create_subprocess_exec(
        *command, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    wait = max(0.0, deadline - asyncio.get_running_loop().time())
    try:
        output, _ = await asyncio.wait_for(process.communicate(), wait)
    except BaseException as exc:  # a timeout or a cancelled run: no certutil is left running
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        if isinstance(exc, TimeoutError):
            raise TrustUnavailable(f"certutil {command[1]} did not finish in {wait:.1f} s") from None
        raise
    if process.returncode != 0:
        said = output.decode("utf-8", "replace").strip().splitlines()
        raise TrustUnavailable(f"certutil {command[1]} failed: {said[-1] if said else process.returncode}")
