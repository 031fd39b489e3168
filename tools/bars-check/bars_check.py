#!/usr/bin/env python3
"""Rebuild 1-minute bars and missing volume from a `kisrt record --out DIR` folder, independently of the C# code.

Reads DIR/yyyy-MM-dd/TR_ID.jsonl (the decoded records: {"tr_id", "tr_key", "received_at", "fields": {...}}) of the
trade TRs it knows (TRS below: KRX H0STCNT0, NXT H0NXCNT0, unified H0UNCNT0, night futures H0MFCNT0, US stocks HDFSCNT0) and applies the
documented rules (docs/bars.md), in the market's own time through pandas' time zones (KST for domestic stocks,
America/New_York with summer time for US stocks, whose trading day is KIS's tymd):

* a trade's instant is its KST date + time (bsop_date + stck_cntg_hour, kymd + khms); its 1-minute bar starts at the
  market-time minute it falls in; a trade older than the bar already forming is added to the forming bar (a closed
  bar never reopens);
* open/close = the first/last trade of the bar in arrival order, high/low, volume = sum of cntg_vol, value = sum of
  price x volume, trade_count, vwap = value / volume rounded to 4 places (half to even);
* flags: "gap" on the bar of a trade whose acml_vol jumped and on the bar before it when that trade opened a new bar,
  "end_of_stream" on each key's last bar (a recording ends);
* missing volume, per TR and key: between consecutive trades acml_vol(n) - acml_vol(n-1) - cntg_vol(n); more than 0 is
  a gap of that volume, less is an overlap (the baseline does not move back); a trade of a later trading day starts
  the count again and is a gap only when its acml_vol differs from its cntg_vol; the first trade only sets the baseline.

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
    def __init__(self, key, date, time, price, volume, accumulated, zone, trading_day):
        self.key, self.date, self.time = key, date, time
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
    "HDFSCNT0": ("09:30:00", "16:00:00"),
    "H0MFCNT0": None,
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
                            "fields": fields,
                            "order": len(rows),
                        })
                    except (KeyError, ValueError, TypeError, decimal.InvalidOperation) as e:
                        raise SystemExit(f"{path}:{line_number}: not a trade record ({e!r})")
    return pd.DataFrame(rows, columns=["tr_id", "key", "stamp", "price", "volume", "accumulated", "fields", "order"])


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


def volume_check(trades):
    """Marks trades that revealed a gap; returns (trades with a 'gap' column, summary per TR and key)."""
    summaries = []
    gap_flags = pd.Series(False, index=trades.index)
    for (tr, key), group in trades.groupby(["tr_id", "key"], sort=False):
        baseline = None
        baseline_day = None
        gaps = missing = overlaps = 0
        for index, trade in group.iterrows():
            day = trade["day"]
            if baseline is None:
                baseline, baseline_day = trade["accumulated"], day
                continue
            if day > baseline_day:
                # A later trading day starts the count again.
                jump = trade["accumulated"] - trade["volume"]
                baseline, baseline_day = trade["accumulated"], day
                if jump > 0:
                    gaps += 1
                    missing += jump
                    gap_flags[index] = True
                continue
            if day < baseline_day:
                overlaps += 1
                continue
            jump = trade["accumulated"] - baseline - trade["volume"]
            if jump > 0:
                gaps += 1
                missing += jump
                gap_flags[index] = True
            elif jump < 0:
                overlaps += 1
            baseline = max(baseline, trade["accumulated"])
        summaries.append({"tr_id": tr, "key": key, "trades": len(group), "gaps": gaps, "missing_volume": missing, "overlaps": overlaps})
    trades = trades.assign(gap=gap_flags)
    return trades, summaries


def day_start(tr, day, local):
    """The day bar's opening: the trading day's local midnight, for the night session 12:00 KST."""
    start = pd.Timestamp(day).tz_localize(local.tz)
    return start + pd.Timedelta(hours=12) if tr == "H0MFCNT0" else start


def build_bars(trades, interval="1m"):
    bars = []
    for (tr, key), group in trades.groupby(["tr_id", "key"], sort=False):
        group = group.sort_values("order")
        if interval == "1m":
            minute = pd.Series([t.floor("min") for t in group["local"]], index=group.index)
        else:
            minute = pd.Series([day_start(tr, d, t) for d, t in zip(group["day"], group["local"])], index=group.index)
        # A trade older than the forming bar goes into it: the bar a trade lands in never moves back (compared as instants).
        latest = []
        for m in minute:
            latest.append(m if not latest or m > latest[-1] else latest[-1])
        group = group.assign(minute=latest)
        group = group.assign(value=[p * v for p, v in zip(group["price"], group["volume"])],
                             minute_utc=[m.tz_convert("UTC") for m in latest])
        starts = list(group["minute"].drop_duplicates())
        grouped = group.groupby("minute_utc", sort=True)
        previous_flags = None
        for i, (_, g) in enumerate(grouped):
            start = g["minute"].iloc[0]
            volume = int(g["volume"].sum())
            value = sum(g["value"], decimal.Decimal(0))
            close = g["price"].iloc[-1]
            with decimal.localcontext() as ctx:
                ctx.prec = 28
                vwap = (value / volume).quantize(decimal.Decimal("0.0001"), rounding=decimal.ROUND_HALF_EVEN) if volume else close
            flags = set()
            if g["gap"].any():
                flags.add("gap")
                # The gap revealed by the bar's first trade lies between the previous bar and this one.
                if g["gap"].iloc[0] and previous_flags is not None:
                    previous_flags.add("gap")
            if i == len(starts) - 1:
                flags.add("end_of_stream")
            if interval == "1m":
                close_time = (start + pd.Timedelta(minutes=1)).isoformat()
            else:  # a day later on the wall clock, written with the opening's offset
                close_time = (start.tz_localize(None) + pd.Timedelta(days=1)).isoformat() + start.isoformat()[-6:]
            bar = {
                "tr_id": tr, "key": key, "interval": interval,
                "open_time": start.isoformat(), "close_time": close_time,
                "open": g["price"].iloc[0], "high": max(g["price"]), "low": min(g["price"]), "close": close,
                "volume": volume, "value": value, "trade_count": len(g), "vwap": vwap, "flags": flags,
            }
            bars.append(bar)
            previous_flags = flags
    order = ["gap", "end_of_stream"]
    for bar in bars:
        bar["flags"] = [f for f in order if f in bar["flags"]]
    return bars


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
        kept = trades[[in_sessions(tr, t, args.daily) for tr, t in zip(trades["tr_id"], trades["local"])]]
        write(build_bars(kept, "1d"), args.daily_out)
    if args.summary:
        with open(args.summary, "w", encoding="utf-8") as f:
            for s in summaries:
                f.write(json.dumps({k: v if isinstance(v, str) else int(v) for k, v in s.items()}) + "\n")
    for s in summaries:
        print(f"bars_check: {s['tr_id']} {s['key']}: {s['trades']} trades, gaps {s['gaps']} (missing volume {s['missing_volume']}), overlaps {s['overlaps']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
