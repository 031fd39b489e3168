#!/usr/bin/env bash
# The hot-standby kill run (issue 24): two `kisrt gateway` processes on one app key and namespace, the active one
# killed with SIGKILL N times (default 20) while records flow, a replacement standby started after each kill. Prints
# each takeover (kill -> the new run's first record at a consumer that does nothing), min / median / max against the
# 5 s target, and fails unless every confirmed record reached the consumer once and each kill gave one gap marker.
# Needs RabbitMQ on 127.0.0.1 (scripts/services.sh).   Usage: scripts/standby-kills.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
export KISRT_STANDBY_KILLS=${1:-20}
export KISRT_SKIP_BROKER_RESTART=1
dotnet test tests/Kis.Realtime.IntegrationTests --filter "FullyQualifiedName~GatewayStandbyTests.Many_kills_harness" \
  --logger "console;verbosity=detailed" 2>&1 | grep -E "kill [0-9]+:|kills: takeover|Passed|Failed|Error|Assert" 
