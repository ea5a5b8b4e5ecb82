#!/usr/bin/env bash
# Make this checkout runnable: system packages (Chromium and the libraries Playwright's
# driver needs, and for `test` the test servers' tools, as root on Debian/Ubuntu; the
# Python venv module where the distribution splits it off), then a virtual environment
# in .venv with the project installed (with uv when it can be installed, else pip). Idempotent; scripts/demo calls it with `run`,
# scripts/test with `test`. When something it needs is missing and it cannot install it
# (not root), it stops with one line saying what to run.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-test}
python=${PYTHON:-python3}
die() { echo "bootstrap: $*" >&2; exit 1; }

command -v "$python" >/dev/null 2>&1 || die "$python not found: install Python 3.11 or newer (or set PYTHON)"
deps_args=()
if [ "$mode" = run ]; then deps_args=(--runtime); fi

# Debian ships `venv` without ensurepip unless python3-venv is installed: `python3 -m venv`
# then fails half-way. Only Debian's own python3 gets its package from apt.
venv_package=""
if ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  if [ "$(command -v "$python")" = /usr/bin/python3 ] || [ "$(readlink -f "$(command -v "$python")")" = "$(readlink -f /usr/bin/python3 2>/dev/null)" ]; then
    venv_package=python3-venv
  else
    die "$python has no venv/ensurepip module: use a Python that has (or set PYTHON)"
  fi
fi

if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
  if [ -n "$venv_package" ]; then deps_args+=("$venv_package"); fi
  missing=$(bash scripts/install-system-deps.sh --check "${deps_args[@]}" || true)
  if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
      die "missing Debian packages: $missing; install them as root (sudo scripts/install-system-deps.sh ${deps_args[*]}), or run this as root"
    fi
    bash scripts/install-system-deps.sh "${deps_args[@]}" || die "installing the Debian packages $missing failed (see above)"
  fi
elif [ -n "$venv_package" ]; then
  die "$python has no venv/ensurepip module and apt-get is not here to install $venv_package"
elif ! command -v chromium >/dev/null 2>&1 && ! command -v google-chrome >/dev/null 2>&1; then
  echo "note: no Chrome/Chromium found; the browser probe will say so (install one)" >&2
fi

# A .venv left half-made (an earlier run without ensurepip) has a python but no pip: make it again.
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
  "$python" -m venv --clear .venv || die "$python -m venv .venv failed"
fi
extras=""
if [ "$mode" = test ]; then extras="[test]"; fi
# uv (from PyPI) installs the dependencies in a few seconds where pip takes half a minute. It trusts the
# system's certificates (a network that inspects TLS installs its CA there); when it still cannot
# install (an index only pip's configuration names), pip does it.
pip_install=(.venv/bin/python -m pip install --quiet --disable-pip-version-check --config-settings editable_mode=compat)
if { [ -x .venv/bin/uv ] || .venv/bin/python -m pip install --quiet --disable-pip-version-check uv >/dev/null 2>&1; } \
  && UV_NATIVE_TLS=1 .venv/bin/uv pip install --quiet --python .venv/bin/python \
       --config-settings editable_mode=compat -e ".$extras" 2>/dev/null; then
  :
else
  "${pip_install[@]}" -e ".$extras" \
    || die "installing .$extras into .venv failed (see above; it needs PyPI or a mirror in pip's configuration)"
fi
# Byte-compile ahead: where PYTHONDONTWRITEBYTECODE is set, every run would otherwise compile the sources again.
.venv/bin/python -m compileall -q agent probes reports demo >/dev/null
