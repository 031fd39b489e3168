#!/usr/bin/env bash
# Runs kisrt from the clone as a native executable: `scripts/kisrt.sh stream`, `scripts/kisrt.sh backtest --replay rec`.
# The first run publishes kisrt with Native AOT (clang: scripts/aot.sh, installed with apt-get the first time) into
# bin/kisrt/ and every later run starts that file at once; a run after a change under src/ or samples/ (or to the
# build's settings at the top of the clone, or a file added, removed or renamed there) publishes it again first. A native kisrt starts in milliseconds and runs a
# backtest in half the CPU of the JIT one (docs/performance.md, Backtest); `dotnet run` builds Debug and compiles as it
# runs. KISRT_JIT=1 runs kisrt on the JIT instead (`dotnet run -c Release`: Parquet output is not in the native
# build), as does a machine where clang cannot be installed (said on stderr). KISRT_NATIVE_DIR moves the folder.
# KISRT_CHECK=1 only says whether the next run would publish ("current" or "stale" on stdout) and starts nothing.
# kisrt's standard output is its own: everything this script says goes to stderr.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
say() { echo "kisrt.sh: $*" >&2; }
jit() { exec dotnet run -c Release --project "$root/src/Kis.Realtime.Cli" -- "$@"; }

[ "${KISRT_JIT:-}" = 1 ] && jit "$@"
dir=${KISRT_NATIVE_DIR:-$root/bin/kisrt}
native=$dir/kisrt
# Touched when a publish starts (a source changed after it was read is newer than it); holds the list of the files the
# publish read, as a digest (a file removed or renamed keeps every remaining time, but changes the list).
stamp=$dir/published-from
mkdir -p "$dir"
sources=(src samples Directory.Build.props Directory.Build.targets Directory.Packages.props global.json)

# The files the build reads (build output left out), through find's further tests and actions ("$@": -print …).
source_files() { (cd "$root" && find "${sources[@]}" \( -name bin -o -name obj \) -prune -o -type f "$@" 2>/dev/null); }

# The files the build reads, by name.
listing() { source_files -print | LC_ALL=C sort | md5sum; }

# A file newer than the last publish's start, or a list of files unlike the one it read.
stale() {
  [ -x "$native" ] && [ -f "$stamp" ] || return 0
  [ -n "$(source_files -newer "$stamp" -print -quit)" ] ||
    [ "$(listing)" != "$(cat "$stamp")" ]
}

publish() {
  say "publishing kisrt as a native executable into $dir (once, and after a change: minutes; see docs/cli.md)"
  # 9>&-: the lock is this script's; a build server the publish leaves running must not hold it (the next run would wait).
  if ! "$root/scripts/aot.sh" >&2 9>&-; then
    say "Native AOT needs clang and zlib1g-dev, which could not be installed (see above): running on the JIT instead"
    return 1
  fi
  listing >"$stamp.next"
  dotnet publish "$root/src/Kis.Realtime.Cli" -c Release -r linux-x64 -p:PublishAot=true -o "$dir/publish" \
    --nologo -v q --disable-build-servers >&2 9>&- || { say "the native publish failed (see above)"; exit 1; }
  # A rename: a kisrt still running from the old file keeps it; the next start gets the new one. (Inside an `if`, so
  # set -e is off here: each step says when it fails.)
  mv -f "$dir/publish/kisrt" "$native" || { say "could not move the published kisrt into $dir"; exit 1; }
  mv -f "$stamp.next" "$stamp" || { say "could not renew $stamp"; exit 1; }
  say "published $native"
}

# One publish at a time; the lock is let go before kisrt starts, so runs side by side do not wait for each other.
exec 9>"$dir/lock"
flock 9
if [ "${KISRT_CHECK:-}" = 1 ]; then
  if stale; then echo stale; else echo current; fi
  exit 0
fi
if stale && ! publish; then
  exec 9>&-
  jit "$@"
fi
exec 9>&-
exec "$native" "$@"
