#!/usr/bin/env bash
# The browser the dashboard tests drive (Microsoft.Playwright through Debian's chromium at its executable path; never
# `playwright install`): installs the `chromium` package with apt-get when /usr/bin/chromium is missing. Idempotent and
# quick when it is there. scripts/test.sh calls it; the browser tests fail (not skip) without it.
#
#   scripts/browser.sh            install if missing, print the version
#   KISRT_CHROMIUM=/path          the tests use this browser instead (this script then checks it only)
# Run as root or with sudo available.
set -euo pipefail

CHROMIUM=${KISRT_CHROMIUM:-/usr/bin/chromium}
say() { echo "browser: $*"; }
fail() { echo "browser: $*" >&2; exit 1; }

if [ ! -x "$CHROMIUM" ]; then
  [ -z "${KISRT_CHROMIUM:-}" ] || fail "KISRT_CHROMIUM=$CHROMIUM is not an executable"
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "run as root (or install sudo): chromium is installed with apt-get"
    exec sudo -E "$0" "$@"
  fi
  command -v apt-get >/dev/null 2>&1 || fail "$CHROMIUM missing and no apt-get (Debian 12 expected)"
  say "installing chromium with apt-get"
  exec 9>/tmp/kisrt-browser.lock
  flock -w 600 9 || fail "another install is still running after 600 s (lock /tmp/kisrt-browser.lock)"
  if [ ! -x "$CHROMIUM" ]; then
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; } || fail "apt-get install chromium failed"
  fi
fi
say "$("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM") at $CHROMIUM"
