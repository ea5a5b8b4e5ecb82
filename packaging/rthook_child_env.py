"""PyInstaller runtime hook: programs the agent starts see the workstation's own environment.

On Linux the one-file bootloader points LD_LIBRARY_PATH at the libraries it unpacked
(and keeps the original in LD_LIBRARY_PATH_ORIG). The agent runs other programs (the
browser's `--version`, Playwright's driver, which starts Chromium, and OS commands); with
the unpacked libraries first they could load this build's copies instead of their own.
This process has loaded its libraries already, so restoring the variable changes only
what its children see.
"""

import os

_original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
if _original is not None:
    os.environ["LD_LIBRARY_PATH"] = _original
else:
    os.environ.pop("LD_LIBRARY_PATH", None)
