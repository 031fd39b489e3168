#!/usr/bin/env bash
# Runs KIS's own Python samples (koreainvestment/open-trading-api) against `kisrt sim --ping-interval 5s` and reports,
# per sample and per TR, what arrived. Not part of `dotnet test`: it needs a copy of KIS's samples, which is never
# committed here. Only URLs and credentials change: the examples_user / examples_llm samples read them from
# ~/KIS/config/kis_devlp.yaml (written to a temporary HOME); the legacy script has them in its code, so a temporary
# copy gets the URLs, the app key/secret and its code_list (the TRs to subscribe, with the HTS ID) substituted.
#
# Usage: scripts/kis-samples-peer.sh /path/to/open-trading-api [minutes=10]
#   ONLY_REST=1 runs only the REST minute-chart sample (examples_llm/.../chk_inquire_time_itemchartprice.py), prints its
#   output, and compares its rows with `kisrt bars --replay` over the recorded trades (exit 1 on any difference).
#   ONLY=PATTERN runs only the samples whose name (user-stock, llm-index, legacy-real, …) matches the shell pattern.
#   PING_INTERVAL=100s pings as KIS does (default 5s: many pings in a short run; a slow sample may miss one).
# Needs: the .NET SDK, python3 with websockets, pycryptodome (Debian: Cryptodome), pandas, yaml, requests
#   (Debian: apt-get install python3-websockets python3-pycryptodome python3-pandas python3-yaml python3-requests).
# Compatibility shims (outside the samples, in a temporary PYTHONPATH dir): `Crypto` -> Debian's `Cryptodome`, and
#   websockets.ClientConnection (websockets >= 13) aliased to the legacy client protocol on older websockets (Debian 12
#   ships 10.4); the samples use that name only in type hints.
# Each sample gets its own simulator (one live session per app key, as at KIS) and a tap (scripts/kis_peer_tap.py)
# between sample and simulator that records every frame without changing it; scripts/kis_peer_report.py then reads the
# taps and the samples' output against this repository's TR catalog (docs/kis-catalog.json, via kis_peer_catalog.py).
# Exit code 0 when no session was closed by the server, every record had the catalog's field count, no record time went
# back (every TR with a time field), no record of a TR with a running total (acml_*) repeated (without one, equal
# records in one second are allowed), and every TR that arrived was decoded by some sample: the sample's output after a
# frame's raw line names two or more of the TR's catalog fields (English or Korean) and shows the record's key.
set -euo pipefail

SAMPLES=$(realpath "${1:?usage: $0 /path/to/open-trading-api [minutes]}")
MINUTES=${2:-10}
REPO=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-/usr/bin/python3}
WORK=$(mktemp -d /tmp/kis-samples-peer.XXXXXX)
echo "work dir: $WORK (logs, reports); samples: $SAMPLES; $MINUTES minute(s) per sample"

"$PY" -c 'import websockets, pandas, yaml, requests' || { echo "python3 lacks websockets/pandas/yaml/requests" >&2; exit 2; }
[ -f "$SAMPLES/examples_llm/kis_auth.py" ] || { echo "$SAMPLES does not look like open-trading-api" >&2; exit 2; }

dotnet build -c Release -v q -nologo "$REPO/src/Kis.Realtime.Cli" -o "$WORK/kisrt" >/dev/null
KISRT=("$WORK/kisrt/kisrt")
[ -x "${KISRT[0]}" ] || KISRT=(dotnet "$WORK/kisrt/kisrt.dll")

# ---- compatibility shims, outside the samples
mkdir -p "$WORK/shim"
if ! "$PY" -c 'import Crypto.Cipher.AES' 2>/dev/null; then
    ln -s "$("$PY" -c 'import Cryptodome, os; print(os.path.dirname(Cryptodome.__file__))')" "$WORK/shim/Crypto"
fi
cat > "$WORK/shim/sitecustomize.py" <<'PYEOF'
try:
    import websockets
    if not hasattr(websockets, "ClientConnection"):
        from websockets.legacy.client import WebSocketClientProtocol
        websockets.ClientConnection = WebSocketClientProtocol
except ImportError:
    pass
PYEOF

APP_KEY=PSsimKisRealtimeDefaultAppKey0000000
APP_SECRET=simulator-default-app-secret-not-a-real-secret
HTS_ID=simuser01
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# start_sim NAME PROFILE [SIM OPTIONS…]: starts a simulator and a tap for one sample; sets REST_URL, WS_URL and TAP_URL.
start_sim() {
    local dir="$WORK/$1"
    mkdir -p "$dir/home/KIS/config"
    "${KISRT[@]}" sim --profile "$2" --ping-interval "${PING_INTERVAL:-5s}" --no-state "${@:3}" >"$dir/sim.log" 2>&1 &
    PIDS+=($!); echo $! >"$dir/sim.pid"
    for _ in $(seq 1 600); do grep -q "REST base URL" "$dir/sim.log" && break; sleep 0.1; done
    REST_URL=$(sed -n 's/.*REST base URL : \(http:[^ ]*\).*/\1/p' "$dir/sim.log")
    local ws_port; ws_port=$(sed -n 's/.*WebSocket URL : ws:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$dir/sim.log")
    WS_URL="ws://127.0.0.1:$ws_port"
    [ -n "$REST_URL" ] && [ -n "$ws_port" ] || { echo "simulator for $1 did not start:" >&2; cat "$dir/sim.log" >&2; exit 3; }
    "$PY" -u "$REPO/scripts/kis_peer_tap.py" --upstream-port "$ws_port" --report "$dir/tap.json" >"$dir/tap.out" 2>&1 &
    PIDS+=($!); echo $! >"$dir/tap.pid"
    for _ in $(seq 1 100); do grep -q listening "$dir/tap.out" && break; sleep 0.1; done
    TAP_URL="ws://127.0.0.1:$(awk '/listening/{print $2}' "$dir/tap.out")"
    # KIS's samples build URLs as f"{base}/oauth2/tokenP" and f"{ws}/tryitout": bases without a trailing slash.
    cat >"$dir/home/KIS/config/kis_devlp.yaml" <<YAML
my_app: "$APP_KEY"
my_sec: "$APP_SECRET"
paper_app: "$APP_KEY"
paper_sec: "$APP_SECRET"
my_htsid: "$HTS_ID"
my_acct_stock: "12345678"
my_acct_future: "12345678"
my_paper_stock: "12345678"
my_paper_future: "12345678"
my_prod: "01"
prod: "$REST_URL"
ops: "$TAP_URL"
vps: "$REST_URL"
vops: "$TAP_URL"
my_token: ""
my_agent: "kis-samples-peer"
YAML
}

# run_example NAME SCRIPT (relative to the samples copy; run in place from its own directory).
run_example() {
    start_sim "$1" real
    local script="$SAMPLES/$2"
    ( cd "$(dirname "$script")" && HOME="$WORK/$1/home" PYTHONPATH="$WORK/shim" \
        timeout --signal=INT --kill-after=10 "${MINUTES}m" "$PY" -u "$(basename "$script")" ) >"$WORK/$1/sample.log" 2>&1 &
    PIDS+=($!); SAMPLE_PIDS+=($!)
}

# run_legacy NAME PROFILE CODE_LIST: a copy of the legacy script with only URLs, credentials and code_list replaced.
run_legacy() {
    start_sim "$1" "$2"
    "$PY" - "$SAMPLES/legacy/websocket/python/ws_domestic_overseas_all.py" "$WORK/$1/legacy.py" "$REST_URL" "$TAP_URL" \
        "$APP_KEY" "$APP_SECRET" "$3" <<'PYEOF'
import re, sys
src, dst, rest, ws, key, secret, codes = sys.argv[1:]
s = open(src, encoding="utf-8").read()
s = s.replace("'https://openapi.koreainvestment.com:9443'", repr(rest))
s = s.replace("'ws://ops.koreainvestment.com:21000'", repr(ws))
s = s.replace('"앱키를 입력하세요"', repr(key)).replace('"앱 시크릿키를 입력하세요"', repr(secret))
s, n = re.subn(r"\n        code_list = \[\['1','H0STASP0'.*?\]\]\n", "\n        code_list = " + codes + "\n", s, count=1, flags=re.S)
assert n == 1, "code_list not found"
open(dst, "w", encoding="utf-8").write(s)
PYEOF
    ( cd "$WORK/$1" && HOME="$WORK/$1/home" PYTHONPATH="$WORK/shim" \
        timeout --signal=INT --kill-after=10 "${MINUTES}m" "$PY" -u legacy.py ) >"$WORK/$1/sample.log" 2>&1 &
    PIDS+=($!); SAMPLE_PIDS+=($!)
}

# run_rest_example NAME SCRIPT: a REST sample that reads the market (the minute chart): the simulator's chart holds the
# minutes of the trades it sent, so `kisrt record` first takes 005930's KRX trades for 60 s on a 10x demo clock
# (from 09:00 plus its start-up to about 09:15) into rec/, then the sample runs once (it asks for 09:30 backwards: a
# time still to come reads up to now), then `kisrt bars --replay rec --format csv` builds our 1-minute bars from the
# recorded ticks (bars.csv) for compare_rest_rows. The sample's output goes to sample.log.
run_rest_example() {
    start_sim "$1" real --clock-speed 10
    local script="$SAMPLES/$2" dir="$WORK/$1"
    (
        KIS_APP_KEY="$APP_KEY" KIS_APP_SECRET="$APP_SECRET" KIS_WS_URL="$WS_URL" KIS_REST_URL="$REST_URL" \
            "${KISRT[@]}" record --out "$dir/rec" --sub stock:005930 --duration 60s >"$dir/record.log" 2>&1 || true
        ( cd "$(dirname "$script")" && HOME="$dir/home" PYTHONPATH="$WORK/shim" \
            timeout --signal=INT --kill-after=10 2m "$PY" -u "$(basename "$script")" )
        "${KISRT[@]}" bars --replay "$dir/rec" --sub stock:005930 --format csv >"$dir/bars.csv" 2>"$dir/bars.log" || true
    ) >"$dir/sample.log" 2>&1 &
    PIDS+=($!); SAMPLE_PIDS+=($!)
}

# compare_rest_rows DIR: the sample's printed output2 rows (주식 영업일자, 체결시간, 현재가, 시가, 최고가, 최저가, 체결
# 거래량, 누적 거래대금) against kisrt bars' CSV of the recorded ticks: every row the sample printed must be our bar of
# that minute (open, high, low, close, volume), and each minute's traded value (누적 거래대금 minus the previous row's)
# our bar's value. The first printed minute's value is not compared: the simulator's day totals start before its book's
# first trade when the book appears after 09:00 (a late start), so only differences are ours to match.
compare_rest_rows() {
    "$PY" - "$1/sample.log" "$1/bars.csv" <<'PYEOF'
import csv, re, sys
log, bars_csv = sys.argv[1:]
rows = {}
for line in open(log, encoding="utf-8", errors="replace"):
    m = re.match(r"^\s*\d+\s+(\d{8})\s+(\d{6})\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$", line)
    if m:
        date, hour, prpr, oprc, hgpr, lwpr, vol, acml = m.groups()
        rows[hour[:4]] = (int(oprc), int(hgpr), int(lwpr), int(prpr), int(vol), int(acml))
ours = {}
for b in csv.DictReader(open(bars_csv, encoding="utf-8")):
    ours[b["open_time"][11:16].replace(":", "")] = (int(b["open"]), int(b["high"]), int(b["low"]), int(b["close"]), int(b["volume"]), int(b["value"]))
if not rows:
    print("compare: the sample printed no output2 rows"); sys.exit(1)
diff, previous = [], None
for h in sorted(rows):
    sample, mine = rows[h], ours.get(h)
    value = None if previous is None else sample[5] - previous
    previous = sample[5]
    if mine is None or sample[:5] != mine[:5] or (value is not None and value != mine[5]):
        diff.append((h, sample, value, mine))
print(f"compare: {len(rows)} rows printed by the sample ({min(rows)}..{max(rows)}), {len(ours)} bars from kisrt bars; "
      f"{len(rows) - len(diff)} equal (OHLC, volume, minute value), {len(diff)} different")
for h, sample, value, mine in diff[:10]:
    print(f"  {h}: sample (o,h,l,c,vol) {sample[:5]} value {value} vs ours {mine}")
sys.exit(1 if diff else 0)
PYEOF
}

SAMPLE_PIDS=()
# want NAME: the sample is among those asked for (ONLY).
want() { [ -z "${ONLY:-}" ] || [[ "$1" == $ONLY ]]; }
if [ -n "${ONLY_REST:-}" ]; then
    run_rest_example llm-minute-chart examples_llm/domestic_stock/inquire_time_itemchartprice/chk_inquire_time_itemchartprice.py
    for p in "${SAMPLE_PIDS[@]}"; do wait "$p" || true; done
    echo "---- $WORK/llm-minute-chart/sample.log"; cat "$WORK/llm-minute-chart/sample.log"
    echo "---- kisrt bars --replay (bars.csv, first lines)"; head -5 "$WORK/llm-minute-chart/bars.csv"
    compare_rest_rows "$WORK/llm-minute-chart"
    exit $?
fi
want llm-minute-chart && run_rest_example llm-minute-chart examples_llm/domestic_stock/inquire_time_itemchartprice/chk_inquire_time_itemchartprice.py
want legacy-real && run_legacy legacy-real real "[['1','H0UPCNT0','0001'],['1','H0BJCNT0','KR103502GD31'],['1','H0NXPGM0','005930'],['1','H0UNPGM0','005930'],['1','H0IFCNI0','$HTS_ID']]"
want legacy-paper && run_legacy legacy-paper paper "[['1','H0IFCNI9','$HTS_ID']]"
want llm-index && run_example llm-index examples_llm/domestic_stock/index_ccnl/chk_index_ccnl.py
want llm-bond && run_example llm-bond examples_llm/domestic_bond/bond_ccnl/chk_bond_ccnl.py
want llm-program-nxt && run_example llm-program-nxt examples_llm/domestic_stock/program_trade_nxt/chk_program_trade_nxt.py
want llm-program-total && run_example llm-program-total examples_llm/domestic_stock/program_trade_total/chk_program_trade_total.py
want llm-notice && run_example llm-notice examples_llm/domestic_futureoption/fuopt_ccnl_notice/chk_fuopt_ccnl_notice.py
want user-stock && run_example user-stock examples_user/domestic_stock/domestic_stock_examples_ws.py
want user-bond && run_example user-bond examples_user/domestic_bond/domestic_bond_examples_ws.py
want user-futureoption && run_example user-futureoption examples_user/domestic_futureoption/domestic_futureoption_examples_ws.py

echo "running ${#SAMPLE_PIDS[@]} samples for $MINUTES minute(s)…"
for p in "${SAMPLE_PIDS[@]}"; do wait "$p" || true; done

# Collect: each tap writes its report on SIGTERM; each simulator's /sim/status; then stop the simulators.
for dir in "$WORK"/*/; do
    [ -f "$dir/tap.pid" ] || continue
    rest=$(sed -n 's/.*REST base URL : \(http:[^ ]*\).*/\1/p' "$dir/sim.log")
    curl -s --noproxy '*' "$rest/sim/status" >"$dir/status.json" || true
    kill -TERM "$(cat "$dir/tap.pid")" 2>/dev/null || true
    kill -INT "$(cat "$dir/sim.pid")" 2>/dev/null || true
done
for dir in "$WORK"/*/; do
    [ -f "$dir/tap.pid" ] || continue
    for _ in $(seq 1 50); do [ -f "$dir/tap.json" ] && break; sleep 0.1; done
done

"$PY" "$REPO/scripts/kis_peer_report.py" "$WORK"
