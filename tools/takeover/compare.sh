#!/usr/bin/env bash
# Takeover time side by side (issue 45, item 5): the hot-standby kill harness (GatewayStandbyTests.Many_kills_harness:
# SIGKILL of the active `kisrt gateway` -> the new run's first record at a consumer) run in turns in this checkout and in
# a reference checkout (another commit, in a `git worktree` of its own, its integration tests built), on the same
# machine in the same minutes, so load affects both alike. Prints every takeover and, per checkout, n / median / max.
# Needs RabbitMQ on 127.0.0.1 (scripts/services.sh) and both checkouts built
# (dotnet build tests/Kis.Realtime.IntegrationTests).
#   Usage: tools/takeover/compare.sh REFERENCE_CHECKOUT [KILLS_PER_ROUND=5] [ROUNDS=2]
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
reference=$(cd "${1:?usage: $0 REFERENCE_CHECKOUT [KILLS_PER_ROUND] [ROUNDS]}" && pwd)
kills=${2:-5} rounds=${3:-2}
out=$(mktemp -d)
run() { # checkout label
  KISRT_STANDBY_KILLS=$kills KISRT_SKIP_BROKER_RESTART=1 dotnet test "$1/tests/Kis.Realtime.IntegrationTests" --no-build \
    --filter "FullyQualifiedName~GatewayStandbyTests.Many_kills_harness" --logger "console;verbosity=detailed" 2>&1 |
    grep -oE "kill [0-9]+: takeover [0-9]+ ms" | sed "s/^/$2 /" | tee -a "$out/$2" || true
}
for round in $(seq "$rounds"); do
  run "$here" "this($(git -C "$here" rev-parse --short HEAD))"
  run "$reference" "reference($(git -C "$reference" rev-parse --short HEAD))"
done
for file in "$out"/*; do
  label=$(basename "$file")
  grep -oE "[0-9]+ ms" "$file" | cut -d' ' -f1 | sort -n |
    awk -v l="$label" '{ v[NR] = $1 } END { if (NR == 0) { print l ": no takeover measured"; exit }
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%s: %d kills, min %d ms, median %d ms, max %d ms\n", l, NR, v[1], m, v[NR] }'
done
rm -rf "$out"
