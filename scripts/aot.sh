#!/usr/bin/env bash
# What Native AOT publishing needs beyond the .NET SDK (the ILCompiler package itself comes from NuGet): clang as the
# linker and zlib's headers. Installs them with apt-get when missing; idempotent and quick when they are there.
# scripts/test.sh calls it (AotWorkerTests publishes tests/Kis.Realtime.AotWorker). Run as root or with sudo available.
set -euo pipefail
say() { echo "aot: $*"; }
fail() { echo "aot: $*" >&2; exit 1; }

missing=()
command -v clang >/dev/null 2>&1 || missing+=(clang)
[ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || fail "install ${missing[*]} (no apt-get here)"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then command -v sudo >/dev/null 2>&1 && sudo=sudo || fail "run as root to install ${missing[*]}"; fi
  say "installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
say "$(clang --version | head -1)"
