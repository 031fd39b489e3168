#!/usr/bin/env bash
# Python for tools/bars-check (the pandas cross-check of `kisrt bars`): installs Debian's `python3-pandas` with apt-get
# when python3 cannot import pandas (never pip). Idempotent and quick when it is there. scripts/test.sh calls it; the
# cross-check test skips only when python3 or pandas is missing, which this script prevents in CI.
#
#   scripts/python.sh            install what is missing, print the versions
#   KISRT_PYTHON=/path           the test uses this python3 instead (this script then checks it only)
# Run as root or with sudo available.
set -euo pipefail

say() { echo "python: $*"; }
fail() { echo "python: $*" >&2; exit 1; }
# Debian's own python3 (/usr/bin/python3): apt's python3-pandas is installed for it, not for a pyenv or venv python3
# that may come first on PATH. The test (BarsPandasCrossCheckTests) looks for it there first too.
PYTHON=${KISRT_PYTHON:-/usr/bin/python3}
has_pandas() { [ -x "$PYTHON" ] && "$PYTHON" -c 'import pandas' >/dev/null 2>&1; }

if ! has_pandas; then
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "run as root (or install sudo): python3-pandas is installed with apt-get"
    exec sudo -E "$0" "$@"
  fi
  command -v apt-get >/dev/null 2>&1 || fail "python3 with pandas missing and no apt-get (Debian 12 expected)"
  say "installing python3-pandas with apt-get"
  exec 9>/tmp/kisrt-python.lock
  flock -w 600 9 || fail "another install is still running after 600 s (lock /tmp/kisrt-python.lock)"
  export DEBIAN_FRONTEND=noninteractive
  # Checked again under the lock: a concurrent run may have installed it meanwhile.
  if ! has_pandas; then
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-pandas >/dev/null; } || fail "apt-get install python3-pandas failed"
  fi
fi
say "$("$PYTHON" -c 'import sys, pandas; print(f"python {sys.version.split()[0]}, pandas {pandas.__version__}")')"
