#!/usr/bin/env python3
"""Summarises a kis-samples-peer.sh run: per sample, per TR what arrived (from the tap), how many of the frames the sample
logged it printed decoded, how sessions ended and how PINGPONG was answered. Our own code.

A frame counts as decoded when the sample's output after its raw line (every sample logs "0|TR|count|data" before it
decodes, up to the next raw line) names two or more of the TR's fields, in English (the examples' DataFrame headers) or
Korean (the chk_* samples' headers, the legacy script's labels), from this repository's catalog (docs/kis-catalog.json),
and shows the record's key (its first field) as a value. A TR's repeated records are a problem only where the catalog
gives its records a running total (acml_*): every event moves it, so equal records are one event sent twice. Records
without one (index levels, expected prices, order books, program trading) may carry the same values twice in one second;
a replayed record shows as a time that went back, checked for every TR with a time field."""
import json, os, re, sys

sys.dont_write_bytecode = True  # importing the shared module must leave no __pycache__ in scripts/
import kis_peer_catalog  # noqa: E402

RAW_FRAME = re.compile(r"(?<![\w|])([01])\|([A-Z0-9]{8})\|(\d{3})\|(\S*)")
PROBLEMS = ["Traceback", "Exception Raised", "Connection exception", "오류", "Error"]


def load(path, default):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


class FieldNames:
    """Finds which of one TR's fields a piece of sample output names (English or Korean, spaces ignored)."""
    def __init__(self, tr):
        self.english = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, tr.fields)) + r")(?![A-Za-z0-9_])",
                                  re.IGNORECASE)
        self.korean = {re.sub(r"\s+", "", label): field for field, label in tr.labels.items() if label}

    def named(self, text):
        found = {m.group(1).lower() for m in self.english.finditer(text)}
        squeezed = re.sub(r"\s+", "", text)
        return found | {field for label, field in self.korean.items() if label in squeezed}


def decoded_frames(log, catalog):
    """TR -> [raw frames the sample logged, frames whose output after the raw line shows the record decoded]."""
    counts, names = {}, {}
    tr = key = None
    block = []

    def close():
        if tr is None:
            return
        c = counts.setdefault(tr, [0, 0])
        c[0] += 1
        known = catalog.get(tr)
        if known is None:
            return
        text = "\n".join(block)
        if tr not in names:
            names[tr] = FieldNames(known)
        key_shown = key is None or re.search(r"(?<![\w.])" + re.escape(key) + r"(?![\w.])", text)
        if len(names[tr].named(text)) >= 2 and key_shown:
            c[1] += 1

    for line in log:
        m = RAW_FRAME.search(line)
        if m:
            close()
            # An encrypted frame (1|...) shows no key to look for; its fields' names must still be printed.
            tr, key, block = m.group(2), (m.group(4).split("^")[0] if m.group(1) == "0" else None), []
        elif '"header"' not in line:  # the sample's echo of a JSON reply is not its decoding
            block.append(line)
    close()
    return counts


def main(work):
    ok = True
    catalog = kis_peer_catalog.load()
    decoded_anywhere, arrived_anywhere = set(), set()
    for name in sorted(os.listdir(work)):
        d = os.path.join(work, name)
        if not os.path.isfile(os.path.join(d, "sim.log")):
            continue
        tap = load(os.path.join(d, "tap.json"), {"trs": {}, "sessions": [], "replies": {}})
        status = load(os.path.join(d, "status.json"), {})
        log = open(os.path.join(d, "sample.log"), encoding="utf-8", errors="replace").read().splitlines()
        decoded = decoded_frames(log, catalog)
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
        late = [s["unanswered_ping_seconds"] for s in by_server if s.get("unanswered_ping_seconds") is not None]
        if late:
            interval = re.search(r"ping interval : (\S+)", open(os.path.join(d, "sim.log"), encoding="utf-8").read())
            print(f"    {len(late)} of the server's closes came with a PINGPONG unanswered for {min(late)}..{max(late)} s "
                  f"(ping interval {interval.group(1) if interval else '?'}): the sample answers after the frames queued "
                  f"before it, so it was that far behind the feed (a closed session is still a problem of the run)")
        for tr, s in sorted(tap["trs"].items()):
            logged, shown = decoded.get(tr, [0, 0])
            arrived_anywhere.add(tr)
            if shown:
                decoded_anywhere.add(tr)
            duplicates = s["repeated"] if s.get("running_total") else 0
            print(f"    {tr}: frames {s['frames']}, records {s['records']}, keys {','.join(s['keys'])}, "
                  f"times ({s.get('time_field') or 'no time field'}) {s['first_time']}..{s['last_time']}, "
                  f"repeated {s['repeated']}" + ("" if s.get("running_total") or not s["repeated"] else
                                                 " (allowed: no running total)")
                  + f", time went back {s['time_back']}, bad field count {s['bad_fields']}, undecryptable "
                  f"{s['undecryptable']}; sample printed {shown} of {logged} logged frames decoded"
                  + ("" if s.get("in_catalog") else "; NOT IN THE CATALOG"))
            if duplicates or s["time_back"] or s["bad_fields"] or s["undecryptable"] or not s.get("in_catalog"):
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
