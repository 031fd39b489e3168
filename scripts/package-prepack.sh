#!/usr/bin/env bash
# The README's "The library" commands (scripts/pack.sh of every package, then a new console app that takes the packed
# feed), which scripts/test.sh starts in the background at `nice 19` as it begins, so that the Release build and pack
# (minutes) run beside the other builds and tests instead of inside the unit project's PackageConsumerTests and
# PackageValidationTests, which share it (tests/Kis.Realtime.Tests/Packaging/PackedClone.cs does the same steps itself
# under a plain `dotnet test`). As that class does: in a copy of the checkout's files (tracked and untracked, not
# ignored) with a home folder of its own (no NuGet cache, no user NuGet.Config, as on a fresh machine).
# Usage: scripts/package-prepack.sh FOLDER (the tests find it in KISRT_TEST_PREPACKED). Into FOLDER go `pid` (this
# script's process), home/ (the home folder; home/clone is the copy), library.commands (the README block it ran),
# library.out and library.log (their standard output and error; the output's last line is the folder they ended in) and
# last library.status with their exit code, which the tests wait for.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:?usage: scripts/package-prepack.sh FOLDER}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
echo $$ >"$dir/pid"
home=$dir/home
clone=$home/clone

# Writes library.status (renamed into place: whole or absent) and ends.
finish() {
  echo "$1" >"$dir/library.status.next"
  mv -f "$dir/library.status.next" "$dir/library.status"
  exit 0
}

mkdir -p "$clone"
# The checkout's files as git sees them, copied with their modes (scripts stay executable); a file deleted in the
# working tree but still in the index is left out.
(cd "$root" && git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' file; do [ -f "$file" ] && printf '%s\0' "$file"; done \
  | xargs -0 -r cp --parents --preserve=mode -t "$clone") 2>"$dir/library.log" || finish 1

# The README's block as written (<!-- commands: library --> before its ```bash block); `pwd` at its end says where it
# left the user: the app's folder.
awk '/^<!-- commands: library -->$/ { found = 1; next }
     found == 1 && /^```bash$/ { found = 2; next }
     found == 2 && /^```/ { exit }
     found == 2 { print }' "$root/README.md" >"$dir/library.commands"
[ -s "$dir/library.commands" ] || { echo "README.md has no <!-- commands: library --> block" >>"$dir/library.log"; finish 1; }

# No build servers (the compiler server and MSBuild nodes are shared per user, whatever HOME says): the pack's compiles
# stay at this script's low priority, and the suite's builds do not run in a server this script started (and kills).
(cd "$clone" && env -u NUGET_PACKAGES -u DOTNET_CLI_HOME -u NUGET_HTTP_CACHE_PATH HOME="$home" \
  MSBUILDDISABLENODEREUSE=1 UseSharedCompilation=false DOTNET_CLI_USE_MSBUILD_SERVER=0 \
  DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \
  bash -euo pipefail -c "$(cat "$dir/library.commands")
pwd") >"$dir/library.out" 2>>"$dir/library.log"
finish $?
