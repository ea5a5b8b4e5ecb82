#!/usr/bin/env bash
# Install the Debian packages the agent needs, and (unless --runtime) the tools its tests use.
#
#   scripts/install-system-deps.sh             runtime + test tools (a developer machine, CI)
#   scripts/install-system-deps.sh --runtime   runtime only (the container image)
#   add --clean to drop apt's package lists afterwards (keeps an image layer small)
#   add --check to only list the missing packages (exit 1 when some are; needs no root)
#   more package names after the options are installed too (scripts/bootstrap.sh: python3-venv)
#
# The one place these packages are named: the Dockerfile runs it, and so does the
# host's set-up, so the image's recipe is exercised even where no container engine
# runs. Idempotent: when every package is already installed it changes nothing and
# reaches no network. Debian 12 (bookworm), as root.
set -euo pipefail

# Chromium from Debian (no browser download at build time), fonts so pages and
# screenshots render text, CA certificates for TLS, time zones for the clock check,
# iproute2 for the route to the portal (VPN detection), libatomic1 for the node binary
# inside Playwright's driver (the Python package runs it; slim bases lack the library).
runtime=(chromium libnss3-tools libatomic1 fonts-liberation fonts-dejavu-core ca-certificates tzdata iproute2 procps)
# The test suite's real servers and reference tools: nginx with bad certificates,
# dig, libfaketime for a skewed clock, promtool and blackbox_exporter (deploy checks
# and the exporter benchmark), openssl and curl (benchmark baselines), tmux (the program
# driven in a real terminal at 80x24) and firefox-esr (Firefox profiles made by Firefox).
testing=(nginx bind9-dnsutils faketime prometheus prometheus-blackbox-exporter openssl curl tmux firefox-esr)

with_tests=1
clean=0
check=0
extra=()
for arg in "$@"; do
  case "$arg" in
    --runtime) with_tests=0 ;;
    --clean) clean=1 ;;
    --check) check=1 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "install-system-deps: unknown option $arg (see --help)" >&2; exit 2 ;;
    *) extra+=("$arg") ;;
  esac
done

wanted=("${runtime[@]}" "${extra[@]}")
if [ "$with_tests" = 1 ]; then
  wanted+=("${testing[@]}")
fi

missing=()
for package in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$package")
  fi
done

if [ "$check" = 1 ]; then
  if [ "${#missing[@]}" -gt 0 ]; then echo "${missing[*]}"; exit 1; fi
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "install-system-deps: run as root (it installs Debian packages)" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-system-deps: apt-get not found: this script is for Debian and its derivatives" >&2
  exit 1
fi

if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  echo "install-system-deps: installing ${missing[*]}" >&2
  apt-get update -qq >/dev/null
  # Services shipped by these packages (nginx, prometheus) must not start during the install.
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    created_policy=1
  fi
  status=0
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || status=$?
  if [ "$created_policy" = 1 ]; then
    rm -f "$policy"
  fi
  if [ "$status" != 0 ]; then
    echo "install-system-deps: apt-get install failed (exit $status)" >&2
    exit "$status"
  fi
fi

if [ "$clean" = 1 ]; then
  apt-get clean
  rm -rf /var/lib/apt/lists/*
fi

if ! command -v chromium >/dev/null 2>&1; then
  echo "install-system-deps: chromium is not on PATH after the install" >&2
  exit 1
fi
