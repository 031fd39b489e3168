#!/usr/bin/env bash
# Runs KIS's own order samples (examples_llm of github.com/koreainvestment/open-trading-api) unchanged against `kisrt
# sim`, only the URLs and credentials changed, and checks that the notices a client decrypts agree with them.
#
#   tools/kis-samples/run-order-samples.sh PATH/TO/open-trading-api
#
# KIS's code is not part of this repository (and must not be committed): give the path of your own checkout. CI has
# no GitHub, so it runs the same requests from C# instead (PaperVenueTests, PaperFuturesVenueTests); this script is how
# a developer checks the simulator against KIS's samples themselves. Needs Debian's python3-websockets,
# python3-pycryptodome, python3-pandas, python3-yaml and python3-requests (the samples import `Crypto`; Debian names it
# `Cryptodome`, so a shim folder maps one to the other). The samples' config goes to a temporary HOME, not yours.
set -euo pipefail
kis=${1:?usage: $0 PATH/TO/open-trading-api}
[ -d "$kis/examples_llm" ] && [ -f "$kis/examples_user/kis_auth.py" ] || { echo "not a checkout of open-trading-api: $kis" >&2; exit 2; }
kis=$(cd "$kis" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
python=/usr/bin/python3
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

dotnet build "$root/src/Kis.Realtime.Cli" -v q -nologo >/dev/null
kisrt=(dotnet "$root/src/Kis.Realtime.Cli/bin/Debug/net10.0/kisrt.dll")
"${kisrt[@]}" sim --pace 50 >"$work/sim.out" 2>&1 &
for _ in $(seq 100); do grep -q "REST base URL" "$work/sim.out" 2>/dev/null && break; sleep 0.2; done
ws=$(grep -o 'ws://127.0.0.1:[0-9]*' "$work/sim.out" | head -1)
rest=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/sim.out" | head -1)
[ -n "$ws" ] && [ -n "$rest" ] || { cat "$work/sim.out" >&2; exit 1; }
echo "kisrt sim: $ws $rest"

# KIS's config file, as kis_auth.py reads it from ~/KIS/config/kis_devlp.yaml.
mkdir -p "$work/home/KIS/config" "$work/shim/Crypto"
ln -s /usr/lib/python3/dist-packages/Cryptodome/* "$work/shim/Crypto/"
key=PSsimKisRealtimeDefaultAppKey0000000 secret=simulator-default-app-secret-not-a-real-secret
write_config() { # $1: account product code (01 stocks, 03 futures/options)
  cat >"$work/home/KIS/config/kis_devlp.yaml" <<EOF
my_app: "$key"
my_sec: "$secret"
paper_app: "$key"
paper_sec: "$secret"
my_htsid: "simuser01"
my_acct_stock: "50123456"
my_acct_future: "60123456"
my_paper_stock: "50123456"
my_paper_future: "60123456"
my_prod: "$1"
prod: "$rest"
ops: "$ws"
vps: "$rest"
vops: "$ws"
my_token: ""
my_agent: "kisrt-sample-check"
EOF
}

# The notices, decrypted by kisrt as a user's client would, while the samples run.
KIS_WS_URL=$ws KIS_REST_URL=$rest KIS_APP_KEY=$key KIS_APP_SECRET=$secret KIS_HTS_ID=simuser01 \
  "${kisrt[@]}" stream --sub stock-notice --sub notice --format jsonl >"$work/notices.jsonl" 2>"$work/stream.err" &
# Both registrations confirmed before the first order (a notice stream reports what happens after it starts).
for _ in $(seq 150); do
  [ "$(curl -s "$rest/sim/status" | grep -o '"requests":[0-9]*' | cut -d: -f2)" -ge 2 ] 2>/dev/null && break; sleep 0.2
done

run() { # $1: folder under examples_llm, $2: sample name
  echo "== $1/chk_$2.py"
  (cd "$kis/examples_llm/$1/$2" && HOME="$work/home" PYTHONPATH="$work/shim:$kis/examples_user" timeout 60 "$python" "chk_$2.py") \
    >"$work/$2.$(basename "$1").out" 2>&1 || { cat "$work/$2.$(basename "$1").out"; echo "FAILED: $1/chk_$2.py" >&2; exit 1; }
  tail -n 4 "$work/$2.$(basename "$1").out"
}
write_config 01
for s in order_cash inquire_psbl_order inquire_daily_ccld inquire_balance order_rvsecncl; do run domestic_stock "$s"; done
write_config 03
for s in order inquire_psbl_order inquire_ccnl inquire_balance order_rvsecncl; do run domestic_futureoption "$s"; done
# The order number the futures order sample got back is in its notices (waited for: they are on their way) and in
# the order inquiry.
odno=$(grep -oE '\b0000[0-9]{6}\b' "$work/order.domestic_futureoption.out" | head -1)
echo "futures order sample: order $odno"
for _ in $(seq 100); do [ "$(grep -c "$odno" "$work/notices.jsonl")" -ge 2 ] && break; sleep 0.1; done
[ "$(grep -c "$odno" "$work/notices.jsonl")" -ge 2 ] || { echo "no accepted and fill notices for order $odno" >&2; cat "$work/notices.jsonl" >&2; exit 1; }
grep -q "$odno" "$work/inquire_ccnl.domestic_futureoption.out" || { echo "order $odno not in inquire_ccnl" >&2; exit 1; }
echo "notices received: $(wc -l <"$work/notices.jsonl")"
grep "$odno" "$work/notices.jsonl"
echo "ok: KIS's order samples ran against kisrt sim; the notices report their orders"
