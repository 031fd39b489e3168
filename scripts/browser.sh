#!/usr/bin/env bash
# The browser the dashboard tests drive (Microsoft.Playwright through Debian's chromium at its executable path; never
# `playwright install`): installs the `chromium` package with apt-get when /usr/bin/chromium is missing, and
# `fonts-nanum` (10 MB; Korean glyphs, without which names such as 삼성전자 show as boxes) when no Korean font is
# installed. Idempotent and quick when both are there. scripts/test.sh calls it; the browser tests fail (not skip)
# without chromium.
#
#   scripts/browser.sh            install what is missing, print the version
#   KISRT_CHROMIUM=/path          the tests use this browser instead (this script then checks it only)
# Run as root or with sudo available.
set -euo pipefail

CHROMIUM=${KISRT_CHROMIUM:-/usr/bin/chromium}
say() { echo "browser: $*"; }
fail() { echo "browser: $*" >&2; exit 1; }

korean_font() { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=ko family 2>/dev/null | head -1)" ]; }

missing=()
if [ ! -x "$CHROMIUM" ]; then
  [ -z "${KISRT_CHROMIUM:-}" ] || fail "KISRT_CHROMIUM=$CHROMIUM is not an executable"
  missing+=(chromium)
fi
if ! korean_font; then
  if command -v apt-get >/dev/null 2>&1; then missing+=(fonts-nanum)
  else say "no Korean font installed: Korean names show as boxes in screenshots (install one, e.g. Nanum)"; fi
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "run as root (or install sudo): ${missing[*]} are installed with apt-get"
    exec sudo -E "$0" "$@"
  fi
  command -v apt-get >/dev/null 2>&1 || fail "$CHROMIUM missing and no apt-get (Debian 12 expected)"
  say "installing ${missing[*]} with apt-get"
  exec 9>/tmp/kisrt-browser.lock
  flock -w 600 9 || fail "another install is still running after 600 s (lock /tmp/kisrt-browser.lock)"
  export DEBIAN_FRONTEND=noninteractive
  # Checked again under the lock: a concurrent run may have installed them meanwhile.
  again=()
  for p in "${missing[@]}"; do
    case $p in
      chromium) [ -x "$CHROMIUM" ] || again+=(chromium) ;;
      fonts-nanum) korean_font || again+=(fonts-nanum) ;;
    esac
  done
  if [ ${#again[@]} -gt 0 ]; then
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${again[@]}" >/dev/null; } || fail "apt-get install ${again[*]} failed"
  fi
fi
say "$("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM") at $CHROMIUM; Korean font: $(fc-list :lang=ko family 2>/dev/null | head -1 | cut -d, -f1 || true)"
