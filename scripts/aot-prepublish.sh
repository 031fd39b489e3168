#!/usr/bin/env bash
# The suite's two Native AOT publishes (minutes each), which scripts/test.sh starts in the background at `nice 19` as it
# begins, so that they run beside the build and the unit tests instead of alone at the end of the integration tests:
# kisrt through scripts/kisrt.sh (NativeKisrtTests) and tests/Kis.Realtime.AotWorker (AotWorkerTests).
# Usage: scripts/aot-prepublish.sh FOLDER (the tests find it in KISRT_TEST_PREPUBLISHED). Into FOLDER go `pid` (this
# script's process: a test that finds it gone without a status stops waiting), kisrt/ (the script's native folder) and
# aot-worker/, each publish's standard output and error in NAME.out and NAME.log, and last NAME.status with its exit
# code, which the test waits for. Run without KISRT_TEST_PREPUBLISHED (plain `dotnet test`), the tests publish themselves.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:?usage: scripts/aot-prepublish.sh FOLDER}
mkdir -p "$dir"
echo $$ >"$dir/pid"

# Build folders of their own (MSBuild reads the environment as properties): a publish's Release linux-x64 restore
# rewrites a project's obj/project.assets.json, which the Debug build of the tests reads at the same time. Shared by the
# two publishes, one after the other: the second reuses the libraries the first compiled.
export ArtifactsPath=$dir/artifacts

# Runs a publish with its output in NAME.out and NAME.log, then writes NAME.status (renamed into place: whole or absent).
publish() {
  local name=$1; shift
  "$@" >"$dir/$name.out" 2>"$dir/$name.log"
  echo $? >"$dir/$name.status.next"
  mv -f "$dir/$name.status.next" "$dir/$name.status"
}

# kisrt as the README's run command publishes it; `--version` is what NativeKisrtTests' own first run asks.
publish kisrt env KISRT_NATIVE_DIR="$dir/kisrt" KISRT_JIT= "$root/scripts/kisrt.sh" --version
# The worker as AotWorkerTests publishes it, with no build server left behind holding this script's files open.
publish aot-worker dotnet publish "$root/tests/Kis.Realtime.AotWorker/Kis.Realtime.AotWorker.csproj" -c Release -r linux-x64 \
  -o "$dir/aot-worker" -nologo --disable-build-servers
