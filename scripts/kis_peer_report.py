#!/usr/bin/env python3
"""Summarises a kis-samples-peer.sh run: per sample, per TR what arrived (from the tap), what the sample decoded (lines
of its output that show a decoded record of that TR), how sessions ended and how PINGPONG was answered. Our own code."""
import json, os, re, sys

# Lines of a sample's output that show a decoded record: the legacy script's section titles, the examples' column names.
MARKERS = {
    "H0UPCNT0": ["#### 국내지수 체결 ####", "업종 구분 코드", "bstp_cls_code"],
    "H0BJCNT0": ["#### 장내채권 체결 ####", "표준종목코드", "stnd_iscd"],
    "H0NXPGM0": ["유가증권 단축 종목코드", "mksc_shrn_iscd", "MKSC_SHRN_ISCD"],
    "H0UNPGM0": ["유가증권 단축 종목코드", "mksc_shrn_iscd", "MKSC_SHRN_ISCD"],
    "H0IFCNI0": ["#### 국내선물옵션", "고객 ID", "cust_id"],
    "H0IFCNI9": ["#### 국내선물옵션", "고객 ID", "cust_id"],
}
PROBLEMS = ["Traceback", "Exception Raised", "Connection exception", "오류", "Error"]


def load(path, default):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def main(work):
    ok = True
    decoded_anywhere, arrived_anywhere = set(), set()
    for name in sorted(os.listdir(work)):
        d = os.path.join(work, name)
        if not os.path.isfile(os.path.join(d, "sim.log")):
            continue
        tap = load(os.path.join(d, "tap.json"), {"trs": {}, "sessions": [], "replies": {}})
        status = load(os.path.join(d, "status.json"), {})
        log = open(os.path.join(d, "sample.log"), encoding="utf-8", errors="replace").read().splitlines()
        counters = status.get("counters", {})
        sessions = tap["sessions"]
        by_server = [s for s in sessions if str(s.get("closed_by", "")).startswith("server")]
        print(f"\n=== {name}: {len(sessions)} session(s), closed by server: {len(by_server)}"
              + "".join(f" [{s['closed_by']} {s.get('close_code')} {s.get('close_reason') or ''}]" for s in by_server))
        print(f"    PINGPONG sent {sum(s['pingpongs'] for s in sessions)}, answered with pong frames "
              f"{sum(s['pong_frames'] for s in sessions)} / text echoes {sum(s['text_echoes'] for s in sessions)} "
              f"(slowest answer {max([s.get('max_answer_seconds', 0) for s in sessions] or [0])} s); "
              f"server: answered {counters.get('pingsAnswered')}, closes for missed ping {counters.get('closesForMissedPing')}; "
              f"replies {tap['replies']}")
        if by_server or counters.get("closesForMissedPing"):
            ok = False
        for tr, s in sorted(tap["trs"].items()):
            lines = sum(1 for l in log if any(m in l for m in MARKERS.get(tr, [])))
            arrived_anywhere.add(tr)
            if lines:
                decoded_anywhere.add(tr)
            print(f"    {tr}: frames {s['frames']}, records {s['records']}, keys {','.join(s['keys'])}, "
                  f"times {s['first_time']}..{s['last_time']}, repeated {s['repeated']}, time went back {s['time_back']}, "
                  f"bad field count {s['bad_fields']}, undecryptable {s['undecryptable']}; sample output lines showing it: {lines}")
            if s["repeated"] or s["time_back"] or s["bad_fields"] or s["undecryptable"]:
                ok = False
        if "minute-chart" in name:
            # The REST minute-chart sample prints output2 as a table: index, stck_bsop_date, stck_cntg_hour, ...
            rows = [l for l in log if re.match(r"^\d+\s+\d{8}\s+\d{6}\s", l)]
            print(f"    REST minute chart: {len(rows)} row(s) printed" + (f", newest: {rows[0].split()[1:]}" if rows else ""))
            if not rows:
                ok = False
        # What the sample printed after the run was stopped (SIGINT → KeyboardInterrupt) is not a problem of the run.
        stop = next((i for i, l in enumerate(log) if "KeyboardInterrupt" in l), len(log))
        problems = [l for l in log[:stop] if any(p in l for p in PROBLEMS)]
        if problems:
            print(f"    sample reported {len(problems)} problem line(s), first: {problems[0][:200]}")
        if any("cannot access local variable 'aes_key'" in l for l in log):
            print("    KIS sample bug: the legacy script stores the notice key/iv only for H0IFCNI0/H0MFCNI0/H0EUCNI0 replies, "
                  "not H0IFCNI9, so it cannot decrypt paper notices and reconnects after each one")
    missing = sorted(arrived_anywhere - decoded_anywhere)
    print(f"\nTRs arrived: {', '.join(sorted(arrived_anywhere))}; decoded by some sample: {', '.join(sorted(decoded_anywhere))}"
          + (f"; never decoded: {', '.join(missing)}" if missing else ""))
    if missing:
        ok = False
    print("RESULT:", "OK" if ok else "PROBLEMS (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
