#!/usr/bin/env bash
# The whole test suite on a fresh machine: starts the servers the integration tests use (PostgreSQL and RabbitMQ;
# installed with apt-get the first time, about half a minute each), then runs `dotnet test` with any arguments given.
set -uo pipefail
cd "$(dirname "$0")/.."
SERVICES="postgres rabbitmq" scripts/services.sh || { echo "test: scripts/services.sh could not start PostgreSQL and RabbitMQ (see above)" >&2; exit 1; }
# The dashboard's browser tests drive Debian's chromium (installed with apt-get the first time).
scripts/browser.sh || { echo "test: scripts/browser.sh could not install chromium (see above)" >&2; exit 1; }
# The pandas cross-check of `kisrt bars` (BarsPandasCrossCheckTests) needs Debian's python3-pandas (apt-get the first time).
scripts/python.sh || { echo "test: scripts/python.sh could not install python3-pandas (see above)" >&2; exit 1; }
# Native AOT publishing (AotWorkerTests) needs clang and zlib1g-dev (installed with apt-get the first time).
scripts/aot.sh || { echo "test: scripts/aot.sh could not install clang / zlib1g-dev (see above)" >&2; exit 1; }
# The two Native AOT publishes (kisrt for NativeKisrtTests, the worker for AotWorkerTests: minutes each) start now, in
# the background at the lowest priority, so they use what the builds and the unit tests leave of the cores instead of
# running alone at the end; those tests wait for them (scripts/aot-prepublish.sh). Their own session, so that the
# publish still running when the tests end (a filter left them out, a build failed) is stopped with its compilers.
background=() # the background scripts' process groups and folders, ended and removed as this script ends
folders=()
trap 'for group in "${background[@]}"; do kill -- -"$group" 2>/dev/null; done; rm -rf "${folders[@]}"' EXIT
trap 'exit 143' TERM INT
in_background() { # SCRIPT VARIABLE: starts SCRIPT on a new folder at nice 19 and exports the folder as VARIABLE
  local folder
  folder=$(mktemp -d "${TMPDIR:-/tmp}/kisrt-test-$(basename "$1" .sh).XXXXXX")
  folders+=("$folder")
  setsid nice -n 19 "$1" "$folder" </dev/null >"$folder/script.log" 2>&1 &
  background+=($!)
  export "$2=$folder"
}
if [ "${KISRT_SKIP_AOT:-}" != 1 ] || [ "${CI:-}" = true ]; then
  in_background scripts/aot-prepublish.sh KISRT_TEST_PREPUBLISHED
fi
# Likewise the README's library commands (scripts/pack.sh of every package, a Release build: minutes), which the unit
# project's PackageConsumerTests and PackageValidationTests share: scripts/package-prepack.sh, KISRT_TEST_PREPACKED.
if [ "${KIS_PACKAGE_TEST:-}" != 0 ]; then
  in_background scripts/package-prepack.sh KISRT_TEST_PREPACKED
fi
# The gateway's cluster tests (GatewayClusterTests) need three more RabbitMQ nodes, and the broker-kill test
# (GatewayBrokerRestartTests) a standalone node of its own that it may kill (scripts/rabbitmq-cluster.sh start and
# start-solo: about 1-3 minutes each to start on a busy 2-core machine). In CI, or with KISRT_TEST_CLUSTER=1, they
# start in the background now, while the tests build and run; the tests wait for them (the script's locks, one for the
# cluster and one for the solo node). Elsewhere those tests are skipped unless their nodes are already up.
if [ "${CI:-}" = true ] || [ "${KISRT_TEST_CLUSTER:-}" = 1 ]; then
  scripts/rabbitmq-cluster.sh start >/tmp/kisrt-rabbitmq-cluster-start.log 2>&1 &
  scripts/rabbitmq-cluster.sh start-solo >/tmp/kisrt-rabbitmq-solo-start.log 2>&1 &
fi
# One build of the whole solution, its projects in parallel: the libraries, both test projects, and the benchmarks and
# samples, which no test project builds (so a change that breaks them fails here, not in the next engineer's benchmark
# run). Each step says what it starts: a build prints nothing for minutes on a busy machine.
# The build takes the configuration the arguments give `dotnet test` (`-c Release`): the tests run with --no-build, so
# a build of another configuration would leave them nothing to run.
configuration=()
arguments=("$@")
for i in "${!arguments[@]}"; do
  case "${arguments[$i]}" in
    -c|--configuration) configuration=(-c "${arguments[$((i + 1))]:-}") ;;
    -c=*|-c:*|--configuration=*|--configuration:*) configuration=(-c "${arguments[$i]#*[=:]}") ;;
  esac
done
echo "test: building the libraries, tests, benchmarks and samples ($SECONDS s in)"
dotnet build Kis.Realtime.slnx "${configuration[@]}" --nologo -v q -clp:ErrorsOnly || { echo "test: the solution does not build (see above)" >&2; exit 1; }
# The two test projects run at once: the integration tests mostly wait on servers and child processes, and the unit
# tests fill those cores. The integration tests that need the machine to themselves (busy cores on purpose, latencies
# asserted) wait for the file the unit run writes as it ends (KISRT_TEST_UNIT_DONE; UnitProjectFinished). Each project
# prints its own summary line, which .ci/run adds up.
# --blame: should a test host die (a crash, the kernel's OOM killer), the run names the tests it was running.
echo "test: running the unit and integration tests, both at once ($SECONDS s in)"
unit_done=$(mktemp -u "${TMPDIR:-/tmp}/kisrt-test-unit-done.XXXXXX")
folders+=("$unit_done")
export KISRT_TEST_UNIT_DONE=$unit_done
# --blame-hang-timeout: a unit test hung for 15 minutes ends that run (named) instead of holding the
# integration tests that wait for it (UnitProjectFinished gives up after 30); no dump, the name is what helps.
setsid bash -c 'marker=$1; shift; dotnet test tests/Kis.Realtime.Tests --no-build --blame --blame-hang-timeout 15m --blame-hang-dump-type none "$@"; echo $? >"$marker"' \
  unit-tests "$unit_done" "$@" </dev/null &
background+=($!)
unit=$!
dotnet test tests/Kis.Realtime.IntegrationTests --no-build --blame "$@"
integration_status=$?
wait "$unit"
unit_status=$(cat "$unit_done" 2>/dev/null || echo 1)
echo "test: unit tests exit $unit_status, integration tests exit $integration_status ($SECONDS s in)"
[ "$unit_status" = 0 ] && [ "$integration_status" = 0 ]
