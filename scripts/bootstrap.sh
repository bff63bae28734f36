#!/usr/bin/env bash
# Set-up steps shared by `make run` and `make test`. Each step skips what is already done.
#   bootstrap.sh system [--test]   Debian packages (PostGIS, GDAL, Node; Chromium, poppler and nginx for tests)
#   bootstrap.sh venv [EXTRAS]     .venv with the pinned runtime dependencies (requirements.txt) and this package
#                                  (editable); EXTRAS (test, bench, dev; comma-separated) adds pyproject's extras
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
UV_VERSION=0.13.10  # the installer (pinned like every other tool)

missing_packages() {
  local want=() pkg
  # PostgreSQL 15 + PostGIS 3 for the local cluster (not needed when DATABASE_URL points elsewhere).
  if [ -z "${DATABASE_URL:-}" ] && ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
    want+=(postgresql-15 postgresql-15-postgis-3)
  fi
  command -v ogr2ogr >/dev/null 2>&1 || want+=(gdal-bin)
  command -v npm >/dev/null 2>&1 || want+=(nodejs npm)
  command -v "$PYTHON" >/dev/null 2>&1 || want+=(python3)
  "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1 || want+=(python3-venv)
  if [ "${1:-}" = "--test" ]; then
    [ -x /usr/bin/chromium ] || want+=(chromium)
    command -v pdfinfo >/dev/null 2>&1 || want+=(poppler-utils)
    [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || want+=(nginx-light)  # tests/security/test_slowloris.py: the shipped proxy
    command -v redis-server >/dev/null 2>&1 || want+=(redis-server)  # tests/security/test_shared_throttling.py: the shipped store
    command -v wrk >/dev/null 2>&1 || want+=(wrk)  # benchmarks/load.py, benchmarks/embed_throughput.py
  fi
  echo "${want[@]:-}"
}

system() {
  local want
  want=$(missing_packages "${1:-}")
  [ -z "$want" ] && return 0
  echo "Installing Debian packages: $want"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $want
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $want
  else
    echo "These Debian packages are needed and this user cannot install them: $want" >&2
    echo "Run once:  sudo apt-get install -y --no-install-recommends $want" >&2
    echo "then run the make command again (no sudo is needed after that)." >&2
    exit 1
  fi
}

venv() {
  "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || {
    echo "Python 3.11 or newer is needed (found $("$PYTHON" --version 2>&1))" >&2; exit 1; }
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  local target=.
  [ -n "${1:-}" ] && target=".[$1]"
  # uv installs the same pinned packages as pip in about a tenth of the time (parallel downloads, no second
  # resolution); where it cannot be had or fails (no route to PyPI, only a local wheel index), pip does it.
  if .venv/bin/python -m pip install -q --disable-pip-version-check "uv==$UV_VERSION" >/dev/null 2>&1 \
    && .venv/bin/uv pip install -q --python .venv/bin/python -r requirements.txt -e "$target"; then
    return 0
  fi
  echo "uv could not install the packages: pip installs them" >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-build-isolation -e "$target" 2>/dev/null \
    || .venv/bin/python -m pip install -q --disable-pip-version-check -e "$target"
}

case "${1:-}" in
  system) shift; system "${1:-}" ;;
  venv) shift; venv "${1:-}" ;;
  *) echo "usage: $0 system [--test] | venv [test|bench|dev]" >&2; exit 2 ;;
esac
