#!/usr/bin/env bash
# Creates the virtualenv and installs the pinned dependencies; puts the project's packages
# on its path.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "dealernet needs Python 3.11 (found $("$python" --version 2>&1)); set PYTHON=python3.11" >&2
  exit 1
fi
if ! "$python" -m venv --help >/dev/null 2>&1 || ! "$python" -c 'import ensurepip' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  fi
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check uv==0.13.9
.venv/bin/uv pip sync -q --python .venv/bin/python requirements.lock
site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
root=$(pwd)
printf '%s\n' "$root" "$root/proto/gen" "$root/services/order" "$root/services/inventory" \
  "$root/services/customer" "$root/services/service-station" "$root/services/monitor" > "$site/dealernet.pth"
