#!/usr/bin/env python3
"""Recomputes a `kisrt backtest` folder's P&L and costs with pandas, from its fills alone (issue 43).

    backtest_check.py OUT_DIR        exit 0 when every figure agrees, 1 with the differences otherwise

Reads fills.csv, equity.csv and summary.json (its rates, starting cash and each instrument's product, multiplier and last
price are the inputs; its figures are what is checked). Money is read as Decimal, so the figures must agree exactly,
except the drawdown fraction and the average prices (divisions: to 1e-20). The rules, from docs/backtest.md: a fill's
value is quantity x price x the multiplier (1 for a stock); commission = value x the product's rate (commission_rate,
futures_commission_rate, options_commission_rate) on every fill; tax = value x sell_tax_rate on stock sells only (none on the ETFs in ETFS). A
stock fill moves cash by -(value + commission) on a buy and +(value - commission - tax) on a sell. A futures/options
fill moves it by the profit it realizes - commission: it closes the signed position's contracts first, at the
position's average cost (cost in hundredths of a point x contracts, the average cut down to the hundredth-contract as
the venue's integers do), the rest opens at its price. Net P&L = sells - buys - commission - tax + what is left x its
last price (values with the multiplier, for every product); gross = net + commission + tax; the max drawdown is the
largest fall of equity.csv from a previous high, the starting cash the first high.
"""
import json
import sys
from collections import defaultdict
from itertools import accumulate
from decimal import Decimal, getcontext
from pathlib import Path

import pandas as pd

# The ETFs the backtest knows (KrxRules.IsEtf in src/Kis.Realtime.Simulator/Rules/KrxRules.cs): their sales pay no tax.
ETFS = {"069500", "102110", "122630", "114800", "229200"}

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

    tax_rate, start = summary["sell_tax_rate"], summary["starting_cash"]
    rates = {"stock": summary["commission_rate"], "futures": summary["futures_commission_rate"], "options": summary["options_commission_rate"]}
    products = {i["code"]: (i["product"], i["multiplier"]) for i in summary["instruments"]}
    fills["product"] = fills["code"].map(lambda code: products.get(code, ("stock", Decimal(1)))[0])
    fills["multiplier"] = fills["code"].map(lambda code: products.get(code, ("stock", Decimal(1)))[1])
    fills["value"] = fills["quantity"] * fills["price"] * fills["multiplier"]
    fills["sign"] = fills["side"].map({"buy": Decimal(1), "sell": Decimal(-1)})
    fills["my_commission"] = fills.apply(lambda f: f["value"] * rates[f["product"]], axis=1) if len(fills) else []
    taxed = lambda f: f["side"] == "sell" and f["product"] == "stock" and f["code"] not in ETFS
    fills["my_tax"] = fills.apply(lambda f: f["value"] * tax_rate if taxed(f) else Decimal(0), axis=1) if len(fills) else []
    # Running sums in Decimal (pandas' cumsum and groupby work in floats or not at all on objects), one fill after another:
    # a futures/options fill's cash depends on the position it meets.
    held = defaultdict(Decimal)
    contracts_cost = defaultdict(int)
    positions, flows = [], []
    for f in fills.itertuples():
        if f.product == "stock":
            flows.append(-f.sign * f.value - f.my_commission - f.my_tax)
        else:
            flows.append(Decimal(settle(contracts_cost, held, f)) * f.multiplier / 100 - f.my_commission)
        held[f.code] += f.sign * f.quantity
        positions.append(held[f.code])
    fills["flow"] = flows
    fills["my_cash"] = list(accumulate(fills["flow"], initial=start))[1:]
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
        left += position * instrument["last_price"] * instrument["multiplier"]
        for side, count, average in [("buy", "bought", "average_buy"), ("sell", "sold", "average_sell")]:
            part = mine[mine["side"] == side]
            quantity = sum(part["quantity"], Decimal(0))
            same(f"{code} {count}", quantity, instrument[count])
            if quantity:
                same(f"{code} {average}", sum(part["quantity"] * part["price"], Decimal(0)) / quantity, instrument[average], Decimal("1e-20"))
    net = sells - buys - commission - tax + left
    same("commission", commission, summary["commission"])
    same("tax", tax, summary["tax"])
    same("turnover", buys + sells, summary["turnover"])
    same("ending_cash", fills["my_cash"].iloc[-1] if len(fills) else start, summary["ending_cash"])
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


def settle(contracts_cost, held, f) -> int:
    """The profit (hundredths of a point x contracts) a futures/options fill realizes on its signed position."""
    price, quantity, buy = int(f.price * 100), int(f.quantity), f.side == "buy"
    position, cost, realized = int(held[f.code]), contracts_cost[f.code], 0
    if position != 0 and (position > 0) != buy:
        closing = min(abs(position), quantity)
        closed_cost = cost * closing // abs(position)  # the cost is positive either way: floor is truncation
        realized = closed_cost - closing * price if buy else closing * price - closed_cost
        cost -= closed_cost
        quantity -= closing
    contracts_cost[f.code] = cost + quantity * price
    return realized


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(Path(sys.argv[1])))
