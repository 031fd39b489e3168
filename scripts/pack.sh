#!/usr/bin/env bash
# Packs every package of the README's table (src/Kis.Realtime.Packages.slnf) into a local NuGet feed: ./artifacts, or
# the folder given as the first argument. The packages are not on nuget.org: a project uses them from this folder (the
# README's "The library" says how). Release build, .snupkg symbols beside each package; the first time takes
# minutes (2 min 35 s on 2 cores: a Release build of nine projects).
# VERSION=... overrides Directory.Build.props's version (NuGet caches a version once per machine: a package packed again
# after a code change under the same version is not picked up by a project that already restored it).
set -euo pipefail
cd "$(dirname "$0")/.."
feed=${1:-artifacts}
mkdir -p "$feed"
feed=$(cd "$feed" && pwd)
version_args=()
[ -n "${VERSION:-}" ] && version_args=("-p:Version=$VERSION")
# A Release build prints nothing for minutes on a busy machine: say so, then name each package as it is written.
echo "pack: Release build and pack of nine projects into $feed (3-6 minutes on 2 idle cores; longer when busy)"
start=$SECONDS
set +e
dotnet pack src/Kis.Realtime.Packages.slnf -c Release -o "$feed" --nologo -v n -clp:NoSummary "${version_args[@]}" 2>&1 \
  | while IFS= read -r line; do
      case "$line" in
        *"Successfully created package"*.nupkg*) name=${line##*/}; echo "pack: ${name%\'*} ($((SECONDS - start)) s)" ;;
        *": error "*|*"error NU"*|*"error MSB"*) echo "$line" >&2 ;;
      esac
    done
status=${PIPESTATUS[0]}
set -e
[ "$status" -eq 0 ] || { echo "pack: dotnet pack failed (errors above)" >&2; exit 1; }
count=$(find "$feed" -maxdepth 1 -name 'Kis.Realtime*.nupkg' | wc -l)
echo "pack: $count packages in $feed"
