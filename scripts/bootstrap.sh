#!/usr/bin/env bash
# Make this checkout runnable: system packages (Chromium, and for `test` the test servers'
# tools, as root on Debian/Ubuntu), then a virtual environment in .venv with the project
# installed. Idempotent; scripts/demo calls it with `run`, scripts/test with `test`.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-test}

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  if [ "$mode" = run ]; then bash scripts/install-system-deps.sh --runtime; else bash scripts/install-system-deps.sh; fi
elif ! command -v chromium >/dev/null 2>&1 && ! command -v google-chrome >/dev/null 2>&1; then
  echo "note: no Chrome/Chromium found; the browser probe will say so (install one, or run this as root on Debian)" >&2
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
extras=""
if [ "$mode" = test ]; then extras="[test]"; fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --config-settings editable_mode=compat -e ".$extras"
# Byte-compile ahead: where PYTHONDONTWRITEBYTECODE is set, every run would otherwise compile the sources again.
.venv/bin/python -m compileall -q agent probes reports demo >/dev/null
