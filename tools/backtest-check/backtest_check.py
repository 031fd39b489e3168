#!/usr/bin/env python3
"""Recomputes a `kisrt backtest` folder's P&L and costs with pandas, from its fills alone (issue 43).

    backtest_check.py OUT_DIR        exit 0 when every figure agrees, 1 with the differences otherwise

Reads fills.csv, equity.csv and summary.json (its rates, starting cash and each stock's last price are the inputs; its
figures are what is checked). Money is read as Decimal, so the figures must agree exactly, except the drawdown fraction
(a division: to 1e-20). The rules, from docs/backtest.md: commission = value x commission_rate on every fill; tax =
value x sell_tax_rate on sells; cash moves by -(value + commission) on a buy and +(value - commission - tax) on a sell;
net P&L = sells - buys - commission - tax + the shares left x their last price; gross = net + commission + tax; the max
drawdown is the largest fall of equity.csv from a previous high, the starting cash the first high.
"""
import json
import sys
from collections import defaultdict
from itertools import accumulate
from decimal import Decimal, getcontext
from pathlib import Path

import pandas as pd

getcontext().prec = 60


def main(out: Path) -> int:
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"), parse_float=Decimal, parse_int=Decimal)
    fills = pd.read_csv(out / "fills.csv", dtype=str, keep_default_na=False)
    equity = pd.read_csv(out / "equity.csv", dtype=str, keep_default_na=False)
    for column in ["quantity", "price", "commission", "tax", "cash", "position"]:
        fills[column] = fills[column].map(Decimal)
    equity["equity"] = equity["equity"].map(Decimal)

    problems = []

    def same(name, mine, theirs, tolerance=Decimal(0)):
        if abs(Decimal(mine) - Decimal(theirs)) > tolerance:
            problems.append(f"{name}: pandas {mine}, backtest {theirs}")

    rate, tax_rate, start = summary["commission_rate"], summary["sell_tax_rate"], summary["starting_cash"]
    fills["value"] = fills["quantity"] * fills["price"]
    fills["sign"] = fills["side"].map({"buy": Decimal(1), "sell": Decimal(-1)})
    fills["my_commission"] = fills["value"] * rate
    fills["my_tax"] = fills.apply(lambda f: f["value"] * tax_rate if f["side"] == "sell" else Decimal(0), axis=1) if len(fills) else []
    fills["flow"] = -fills["sign"] * fills["value"] - fills["my_commission"] - fills["my_tax"]
    # Running sums in Decimal (pandas' cumsum and groupby work in floats or not at all on objects).
    fills["my_cash"] = list(accumulate(fills["flow"], initial=start))[1:]
    held = defaultdict(Decimal)
    positions = []
    for code, signed in zip(fills["code"], fills["sign"] * fills["quantity"]):
        held[code] += signed
        positions.append(held[code])
    fills["my_position"] = positions
    for i, f in fills.iterrows():
        same(f"fill {f['sequence']} commission", f["my_commission"], f["commission"])
        same(f"fill {f['sequence']} tax", f["my_tax"], f["tax"])
        same(f"fill {f['sequence']} cash", f["my_cash"], f["cash"])
        same(f"fill {f['sequence']} position", f["my_position"], f["position"])

    commission = sum(fills["my_commission"], Decimal(0))
    tax = sum(fills["my_tax"], Decimal(0))
    buys = sum(fills.loc[fills["side"] == "buy", "value"], Decimal(0))
    sells = sum(fills.loc[fills["side"] == "sell", "value"], Decimal(0))
    left = Decimal(0)
    for instrument in summary["instruments"]:
        code = instrument["code"]
        mine = fills[fills["code"] == code]
        position = sum(mine["sign"] * mine["quantity"], Decimal(0))
        same(f"{code} position", position, instrument["position"])
        left += position * instrument["last_price"]
        for side, count, average in [("buy", "bought", "average_buy"), ("sell", "sold", "average_sell")]:
            part = mine[mine["side"] == side]
            quantity = sum(part["quantity"], Decimal(0))
            same(f"{code} {count}", quantity, instrument[count])
            if quantity:
                same(f"{code} {average}", sum(part["value"], Decimal(0)) / quantity, instrument[average], Decimal("1e-20"))
    net = sells - buys - commission - tax + left
    same("commission", commission, summary["commission"])
    same("tax", tax, summary["tax"])
    same("turnover", buys + sells, summary["turnover"])
    same("ending_cash", start + sells - buys - commission - tax, summary["ending_cash"])
    same("net_pnl", net, summary["net_pnl"])
    same("gross_pnl", net + commission + tax, summary["gross_pnl"])
    same("fills", len(fills), summary["fills"])

    peak, drawdown, fraction = start, Decimal(0), Decimal(0)
    for value in equity["equity"]:
        peak = max(peak, value)
        if peak - value > drawdown:
            drawdown, fraction = peak - value, (peak - value) / peak
    same("max_drawdown", drawdown, summary["max_drawdown"])
    same("max_drawdown_fraction", fraction, summary["max_drawdown_fraction"], Decimal("1e-20"))

    print(json.dumps({"fills": len(fills), "commission": str(commission), "tax": str(tax), "net_pnl": str(net),
                      "max_drawdown": str(drawdown), "problems": problems}, ensure_ascii=False))
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(Path(sys.argv[1])))
