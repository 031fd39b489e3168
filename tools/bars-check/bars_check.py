#!/usr/bin/env python3
"""Rebuild 1-minute bars and missing volume from a `kisrt record --out DIR` folder, independently of the C# code.

Reads DIR/yyyy-MM-dd/TR_ID.jsonl (the decoded records: {"tr_id", "tr_key", "received_at", "fields": {...}}) of the
trade TRs it knows (TRS below: KRX H0STCNT0, NXT H0NXCNT0, unified H0UNCNT0, day futures H0IFCNT0, index ticks H0UPCNT0,
night futures H0MFCNT0, US stocks HDFSCNT0) and applies the
documented rules (docs/bars.md), in the market's own time through pandas' time zones (KST for domestic stocks,
America/New_York with summer time for US stocks, whose trading day is KIS's tymd):

* a trade's instant is its KST date + time (bsop_date + stck_cntg_hour, kymd + khms; a TR without a date on the wire:
  the KST date that puts its time nearest its received_at); its 1-minute bar starts at the market-time minute it falls
  in; a trade of an earlier interval than the bar forming goes into no bar (a closed bar never reopens, a later bar
  never takes it: late);
* a trade whose acml_vol was already reached (a repeated record) goes into no bar (duplicates); one that fills a gap
  opened before (late) goes into its own bar while that bar is forming, else it revises its bar when that bar was
  emitted flagged (or makes a bar of its own between bars its gap flagged): the bar is written again with "revised" in
  its flags, as `kisrt bars` does; the gap's volume is no longer missing (a gap filled whole is no gap, and every bar it
  flagged is revised without the flag);
* open/close = the first/last trade of the bar in exchange order (cumulative volume, as `kisrt bars` orders records
  within its reorder window; the tool takes a recording's records as recorded, which is exchange order for the
  recordings it checks: a record out of order is one received past the reorder window, a late trade above), high/low, volume = sum of cntg_vol, value = sum of
  price x volume, trade_count, vwap = value / volume rounded to 4 places (half to even);
* flags: "gap" on the bar of a trade whose acml_vol jumped (lifted when late trades fill the gap while the bar forms)
  and on the bar before it when that trade opened a new bar, unless it is a new trading day's first trade (the missed
  trades are that day's); "end_of_stream" on each key's last bar (a recording ends); "partial" on the first bar when the
  first trade's acml_vol shows trades of its day before it that were never seen;
* missing volume, per TR and key: between consecutive trades acml_vol(n) - acml_vol(n-1) - cntg_vol(n); more than 0 is
  a gap of that volume, less is an overlap (the baseline does not move back); a trade of a later trading day starts
  the count again and is a gap only when its acml_vol differs from its cntg_vol; the first trade's acml_vol less its
  cntg_vol (the day's volume before it, never seen) is a gap too, which late trades fill.

* with --daily regular|extended: one bar per key and trading day of the trades in those sessions (as `kisrt bars
  --interval 1d --sessions ...`): regular by the hours of REGULAR below, in the market's local time; extended: every
  trade. The day bar opens at the trading day's local midnight (the night session's day: 12:00 KST) and closes a day
  later on the same offset. Missing volume is counted over every trade, also those of the sessions left out.

Output: the bars as JSON Lines with the fields of `kisrt bars --format jsonl` (stdout or --out), and with --summary FILE
one JSON line per TR and key: {"tr_id", "key", "trades", "gaps", "missing_volume", "overlaps"}; with --daily, the day
bars in --daily-out.
Needs python3 and pandas only (Debian: apt-get install python3-pandas).
"""
import argparse
import decimal
import glob
import json
import os
import sys

import pandas as pd

KST = "Asia/Seoul"
US_EXCHANGES = ("NAS", "NYS", "AMS")


class Tr:
    """How to read one trade TR: its fields, the market's time zone and the trading day (docs/bars.md's calendar)."""
    def __init__(self, key, date, time, price, volume, accumulated, zone, trading_day, value=None):
        self.key, self.date, self.time = key, date, time
        self.value = value              # the traded value's field (index ticks); None: price x volume
        self.price, self.volume, self.accumulated = price, volume, accumulated
        self.zone = zone                # key -> the market's IANA time zone
        self.trading_day = trading_day  # (fields, local timestamp) -> the trading day


def us_zone(key):
    # D/R + NAS/NYS/AMS + symbol: New York (summer time from pandas' tz database); other overseas markets are not checked.
    if len(key) > 4 and key[0] in "DR" and key[1:4] in US_EXCHANGES:
        return "America/New_York"
    raise SystemExit(f"HDFSCNT0 {key}: only US keys (D/R + NAS, NYS, AMS) are cross-checked")


def tymd(fields, local):
    return pd.Timestamp(fields["tymd"]).date()


TRS = {
    # Domestic stocks: stamped and dated in KST; the trading day is bsop_date.
    **{tr: Tr("mksc_shrn_iscd", "bsop_date", "stck_cntg_hour", "stck_prpr", "cntg_vol", "acml_vol",
              lambda key: KST, lambda fields, local: local.date())
       for tr in ("H0STCNT0", "H0NXCNT0", "H0UNCNT0")},
    # Night derivatives: no date on the wire, so the KST date the record was received (received_at) dates its time; the
    # trading day is the date the 18:00 session opens (a day runs 12:00 to 12:00 KST).
    **{tr: Tr("futs_shrn_iscd", None, "bsop_hour", "futs_prpr", "last_cnqn", "acml_vol",
              lambda key: KST, lambda fields, local: (local - pd.Timedelta(hours=12)).date())
       for tr in ("H0MFCNT0",)},
    # Day futures and index ticks: no date on the wire either; the trading day is the KST date.
    "H0IFCNT0": Tr("futs_shrn_iscd", None, "bsop_hour", "futs_prpr", "last_cnqn", "acml_vol", lambda key: KST, lambda fields, local: local.date()),
    "H0UPCNT0": Tr("bstp_cls_code", None, "bsop_hour", "prpr_nmix", "pcas_vol", "acml_vol", lambda key: KST, lambda fields, local: local.date(),
                   value="pcas_tr_pbmn"),
    # US stocks: stamped in KST (kymd, khms), bars on New York time, the trading day the local one KIS sends (tymd).
    "HDFSCNT0": Tr("rsym", "kymd", "khms", "last", "evol", "tvol", us_zone, tymd),
}


# The regular session per TR, [start, end) in the market's local time (docs/bars.md, "Markets and sessions"): KRX's
# runs to 15:40 to keep its closing print (stamped 15:30:0x by the auction's random end); NXT has no closing auction and
# its after-market opens at 15:30; the unified feed keeps 15:30:00-15:30:59 (it may be KRX's print). The night session
# is no regular session.
REGULAR = {
    "H0STCNT0": ("09:00:00", "15:40:00"),
    "H0NXCNT0": ("09:00:00", "15:30:00"),
    "H0UNCNT0": ("09:00:00", "15:31:00"),
    "HDFSCNT0": ("09:30:00", "16:00:01"),  # the closing cross, stamped 16:00:00, is regular
    "H0MFCNT0": None,
    "H0IFCNT0": ("08:45:00", "15:45:00"),
    "H0UPCNT0": ("09:00:00", "15:40:00"),
}


def in_sessions(tr, local, sessions):
    if sessions == "extended":
        return True
    hours = REGULAR[tr]
    return hours is not None and hours[0] <= local.strftime("%H:%M:%S") < hours[1]


def read_trades(directory, trs):
    rows = []
    for day_dir in sorted(glob.glob(os.path.join(directory, "????-??-??"))):
        for tr in trs:
            path = os.path.join(day_dir, tr + ".jsonl")
            if not os.path.exists(path):
                continue
            spec = TRS[tr]
            with open(path, encoding="utf-8") as f:
                for line_number, line in enumerate(f, 1):
                    line = line.strip()
                    if not line:
                        continue
                    try:
                        record = json.loads(line, parse_float=decimal.Decimal)
                        fields = record["fields"]
                        date = fields.get(spec.date) if spec.date else None
                        if not date:
                            received = pd.Timestamp(record["received_at"]).tz_convert(KST)
                            date = received.strftime("%Y%m%d")
                            # A time stamped just before midnight and received just after belongs to the day before.
                            if fields[spec.time] > received.strftime("%H%M%S") and fields[spec.time] >= "120000" > received.strftime("%H%M%S"):
                                date = (received - pd.Timedelta(days=1)).strftime("%Y%m%d")
                        rows.append({
                            "tr_id": record["tr_id"],
                            "key": fields[spec.key],
                            "stamp": date + fields[spec.time],
                            "price": decimal.Decimal(fields[spec.price]),
                            "volume": int(fields[spec.volume]),
                            "accumulated": int(fields[spec.accumulated]),
                            "value": decimal.Decimal(fields[spec.value]) if spec.value else None,
                            "fields": fields,
                            "order": len(rows),
                        })
                    except (KeyError, ValueError, TypeError, decimal.InvalidOperation) as e:
                        raise SystemExit(f"{path}:{line_number}: not a trade record ({e!r})")
    return pd.DataFrame(rows, columns=["tr_id", "key", "stamp", "price", "volume", "accumulated", "value", "fields", "order"])


def number(d):
    """A decimal as `kisrt bars` writes it: exact, no exponent, no trailing zeros."""
    d = decimal.Decimal(d).normalize()
    return str(int(d)) if d == d.to_integral_value() else format(d, "f")


def json_line(bar):
    """One bar as a JSON object with its numbers written exactly (json would turn decimals into floats)."""
    parts = []
    for name, value in bar.items():
        if isinstance(value, decimal.Decimal):
            text = number(value)
        elif isinstance(value, bool):
            text = json.dumps(value)
        elif isinstance(value, int):
            text = str(value)
        else:
            text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        parts.append(json.dumps(name) + ":" + text)
    return "{" + ",".join(parts) + "}"


MAX_OPEN_GAPS = 4  # per TR and key, as the aggregator keeps them: the oldest is forgotten beyond


def volume_check(trades):
    """Classifies each trade by its acml_vol (docs/bars.md, "Duplicates, late trades and gaps"); returns (trades with
    'kind', 'gap_id' and 'closes_gap' columns, summary per TR and key).

    kind: "continue"; "first_unseen" (the first trade, with earlier trades of its day never seen); "gap" (trades missed
    before it within its day); "gap_day_start" (a new day's first trade with the day's earlier trades missed);
    "duplicate" (its acml_vol was reached already and it fills no open gap: in no bar); "late" (it fills an open gap)."""
    summaries = []
    kinds, gap_ids, closes = [], [], []
    next_gap = 0
    for (tr, key), group in trades.groupby(["tr_id", "key"], sort=False):
        baseline = baseline_day = None
        open_gaps = []  # [low, high, id]: acml_vol ranges (low, high] not seen yet
        gaps = missing = overlaps = duplicates = 0
        for _, trade in group.iterrows():
            day, acc, vol = trade["day"], trade["accumulated"], trade["volume"]
            kind, gap_id, closed = "continue", -1, False
            if baseline is None:
                baseline, baseline_day = acc, day
                kind = "first_unseen" if acc > vol else "continue"
                if acc > vol:  # the day's volume before the first trade seen: missing, until late trades fill it
                    gaps += 1
                    missing += acc - vol
                    open_gaps.append([0, acc - vol, next_gap])
                    next_gap += 1
            elif day < baseline_day or (day == baseline_day and (acc < baseline or (acc == baseline and vol > 0))):
                hit = next((g for g in open_gaps if day == baseline_day and acc - vol >= g[0] and acc <= g[1]), None)
                if hit is None:
                    kind = "duplicate"
                    duplicates += 1
                    overlaps += 1
                else:
                    kind, gap_id = "late", hit[2]
                    missing -= vol
                    low, high = acc - vol, acc
                    if high == hit[1]:
                        hit[1] = low
                    elif low == hit[0]:
                        hit[0] = high
                    elif high - hit[0] > hit[1] - low:
                        hit[0] = high
                    else:
                        hit[1] = low
                    if hit[1] <= hit[0]:
                        gaps -= 1
                        closed = True
                        open_gaps.remove(hit)
            else:
                reset = day > baseline_day
                low = 0 if reset else baseline
                jump = acc - vol - low
                if reset:
                    open_gaps = []
                elif jump < 0:
                    overlaps += 1
                baseline, baseline_day = acc, day
                if jump > 0:
                    gaps += 1
                    missing += jump
                    kind, gap_id = ("gap_day_start" if reset else "gap"), next_gap
                    if len(open_gaps) == MAX_OPEN_GAPS:
                        open_gaps.pop(0)  # the oldest: it stays counted
                    open_gaps.append([low, low + jump, next_gap])
                    next_gap += 1
            kinds.append(kind)
            gap_ids.append(gap_id)
            closes.append(closed)
        summaries.append({"tr_id": tr, "key": key, "trades": len(group), "gaps": gaps, "missing_volume": missing,
                          "overlaps": overlaps, "duplicates": duplicates})
    # groupby(sort=False) visits the groups in first-appearance order, not row order: put the columns back by index.
    order = [index for (_, _), group in trades.groupby(["tr_id", "key"], sort=False) for index in group.index]
    column = lambda values: pd.Series(values, index=order).reindex(trades.index)
    trades = trades.assign(kind=column(kinds), gap_id=column(gap_ids), closes_gap=column(closes))
    return trades, summaries


def day_start(tr, day, local):
    """The day bar's opening: the trading day's local midnight, for the night session 12:00 KST."""
    start = pd.Timestamp(day).tz_localize(local.tz)
    return start + pd.Timedelta(hours=12) if tr == "H0MFCNT0" else start


def build_bars(trades, interval="1m", in_bar=None):
    """The bars, trade after trade in exchange order (the recording's; late trades as above), as the aggregator builds them: a trade goes into the bar of its
    interval while that bar is forming; a trade of an earlier interval (or a late one whose bar closed) and a duplicate go
    into no bar. in_bar: which trades the bars' sessions hold (the others still flag gaps)."""
    bars = []
    if in_bar is None:
        in_bar = pd.Series(True, index=trades.index)
    for (tr, key), group in trades.groupby(["tr_id", "key"], sort=False):
        group = group.sort_values("order")
        forming = None
        pending_gap = False
        last_closed_end = None
        key_bars = []

        revisable = []  # closed bars of one trading day still flagged by a gap a late trade can fill: it revises them

        def liftable(bar):
            return bar["closing_gap"] is not None or bool(bar["open_gaps"])

        def close(bar, gap, gap_id=None):
            bar["closing_gap"] = gap_id if gap else None
            key_bars.append(to_bar(tr, key, interval, bar))
            if liftable(bar):
                if revisable and revisable[-1]["day"] != bar["day"]:
                    revisable.clear()
                revisable.append(bar)

        def revise(trade, start_utc):
            """A late trade past its bar: the emitted bar again with it (or a bar of its own between flagged bars of its
            day), and every bar whose gap it filled whole, flagged "revised"; False when it goes into no bar."""
            gap_id = trade["gap_id"]
            if trade["closes_gap"]:
                for bar in revisable:
                    if bar["closing_gap"] == gap_id:
                        bar["closing_gap"] = None
                        bar["dirty"] = True
                    if gap_id in bar["open_gaps"]:
                        bar["open_gaps"].discard(gap_id)
                        bar["dirty"] = True
            taken = False
            if revisable and revisable[0]["day"] == trade["day"]:
                at = 0
                while at < len(revisable) and revisable[at]["start_utc"] < start_utc:
                    at += 1
                if at < len(revisable) and revisable[at]["start_utc"] == start_utc:
                    revisable[at]["trades"].append(trade)
                    revisable[at]["dirty"] = taken = True
                elif at > 0 and (at < len(revisable) or (forming is not None and forming["day"] == trade["day"]
                                                         and start_utc < forming["start_utc"])):
                    start = trade["local"].floor("min") if interval == "1m" else day_start(tr, trade["day"], trade["local"])
                    revisable.insert(at, {"start": start, "start_utc": start_utc, "day": trade["day"], "trades": [trade],
                                          "open_gaps": set(), "flags": set(), "dirty": True,
                                          "closing_gap": None if trade["closes_gap"] else gap_id})
                    taken = True
            for bar in revisable:
                if bar.pop("dirty", False):
                    key_bars.append(to_bar(tr, key, interval, bar, revised=True))
            revisable[:] = [bar for bar in revisable if liftable(bar)]
            return taken

        for index, trade in group.iterrows():
            kind = trade["kind"]
            if kind == "duplicate":
                continue
            if kind == "late" and trade["closes_gap"] and forming is not None and trade["gap_id"] in forming["open_gaps"]:
                forming["open_gaps"].discard(trade["gap_id"])
            gap = kind in ("gap", "gap_day_start")
            local = trade["local"]
            if not in_bar[index]:
                if gap:
                    if forming is not None and forming["day"] == trade["day"]:
                        forming["flags"].add("gap")
                    else:
                        pending_gap = True
                continue
            start = local.floor("min") if interval == "1m" else day_start(tr, trade["day"], local)
            start_utc = start.tz_convert("UTC")
            behind = start_utc < forming["start_utc"] if forming is not None else (last_closed_end is not None and start_utc < last_closed_end)
            own = forming is not None and start_utc == forming["start_utc"]
            if (kind == "late" or behind) and not own:
                if kind == "late":
                    revise(trade, start_utc)  # else: late, in no bar
                continue
            if forming is not None and not own:
                close(forming, kind == "gap", trade["gap_id"])
                last_closed_end = forming["end_utc"]
                forming = None
            if forming is None:
                end = start + pd.Timedelta(minutes=1) if interval == "1m" else None
                forming = {"start": start, "start_utc": start_utc, "day": trade["day"], "trades": [], "open_gaps": set(),
                           "flags": {"gap"} if pending_gap else set(),
                           "end_utc": (end.tz_convert("UTC") if end is not None else
                                       (start.tz_localize(None) + pd.Timedelta(days=1)).tz_localize(start.tz, ambiguous=True, nonexistent="shift_forward").tz_convert("UTC"))}
                pending_gap = False
            forming["trades"].append(trade)
            if gap:
                forming["open_gaps"].add(trade["gap_id"])
            elif kind == "first_unseen":
                forming["flags"].add("partial")
        if forming is not None:
            forming["flags"].add("end_of_stream")
            close(forming, False)
        bars.extend(key_bars)
    return bars


def to_bar(tr, key, interval, bar, revised=False):
    start = bar["start"]
    # Open and close in exchange order (acml_vol), not arrival: a late trade inside a bar never takes its close.
    prices = [t["price"] for t in sorted(bar["trades"], key=lambda t: t["accumulated"])]
    volume = int(sum(t["volume"] for t in bar["trades"]))
    value = sum((t["price"] * t["volume"] if t["value"] is None else t["value"] for t in bar["trades"]), decimal.Decimal(0))
    price_volume = sum((t["price"] * t["volume"] for t in bar["trades"]), decimal.Decimal(0))
    close = prices[-1]
    with decimal.localcontext() as ctx:
        ctx.prec = 28
        vwap = (price_volume / volume).quantize(decimal.Decimal("0.0001"), rounding=decimal.ROUND_HALF_EVEN) if volume else close
    if interval == "1m":
        close_time = (start + pd.Timedelta(minutes=1)).isoformat()
    else:  # a day later on the wall clock, written with the opening's offset
        close_time = (start.tz_localize(None) + pd.Timedelta(days=1)).isoformat() + start.isoformat()[-6:]
    flags = set(bar["flags"]) | ({"revised"} if revised else set())
    if bar.get("closing_gap") is not None or bar["open_gaps"]:
        flags.add("gap")
    order = ["gap", "end_of_stream", "partial", "revised"]  # kisrt bars' order
    return {
        "tr_id": tr, "key": key, "interval": interval,
        "open_time": start.isoformat(), "close_time": close_time,
        "open": prices[0], "high": max(prices), "low": min(prices), "close": close,
        "volume": volume, "value": value, "trade_count": len(prices), "vwap": vwap,
        "flags": [f for f in order if f in flags],
    }


def write(bars, path):
    out = open(path, "w", encoding="utf-8") if path else sys.stdout
    try:
        for bar in bars:
            out.write(json_line(bar) + "\n")
    finally:
        if path:
            out.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", help="a `kisrt record --out` folder")
    parser.add_argument("--tr", action="append", choices=sorted(TRS), help="TRs to read (default: every one the script knows)")
    parser.add_argument("--out", help="write the bars here (default: stdout)")
    parser.add_argument("--summary", help="write the gap summary per TR and key here (JSON Lines)")
    parser.add_argument("--daily", choices=("regular", "extended"), help="also build day bars of these sessions")
    parser.add_argument("--daily-out", help="with --daily: write the day bars here (default: stdout, after the minutes)")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.directory):
        parser.error(f"{args.directory}: no such folder")
    trs = args.tr or sorted(TRS)
    trades = read_trades(args.directory, trs)
    if trades.empty:
        print(f"bars_check: no trades of {', '.join(trs)} in {args.directory}", file=sys.stderr)
        return 1
    # KIS stamps every record in KST; each bar is in its market's own time.
    kst = pd.to_datetime(trades["stamp"], format="%Y%m%d%H%M%S").dt.tz_localize(KST)
    local = [t.tz_convert(TRS[tr].zone(key)) for t, tr, key in zip(kst, trades["tr_id"], trades["key"])]
    trades = trades.assign(local=local)
    trades = trades.assign(day=[TRS[tr].trading_day(f, t) for tr, f, t in zip(trades["tr_id"], trades["fields"], trades["local"])])
    trades, summaries = volume_check(trades)
    write(build_bars(trades), args.out)
    if args.daily:
        # Gaps are counted over every trade above; the day bars hold the trades of the chosen sessions only.
        in_bar = pd.Series([in_sessions(tr, t, args.daily) for tr, t in zip(trades["tr_id"], trades["local"])], index=trades.index)
        write(build_bars(trades, "1d", in_bar), args.daily_out)
    if args.summary:
        with open(args.summary, "w", encoding="utf-8") as f:
            for s in summaries:
                f.write(json.dumps({k: v if isinstance(v, str) else int(v) for k, v in s.items()}) + "\n")
    for s in summaries:
        print(f"bars_check: {s['tr_id']} {s['key']}: {s['trades']} trades, gaps {s['gaps']} (missing volume {s['missing_volume']}), overlaps {s['overlaps']}, duplicates {s['duplicates']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
