using Kis.Realtime.Simulator.Rules;
using System.Globalization;
using System.Text.Json.Nodes;
using Kis.Realtime.Simulator.Trading;
using Kis.Realtime.Simulator.Trading.Engine;
using Kis.Realtime.Simulator.Trading.Rules;
using Kis.Realtime.Simulator.Trading.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static Kis.Realtime.Simulator.Hosting.OrderEndpoints;

namespace Kis.Realtime.Simulator.Hosting;

/// <summary>
/// KIS's domestic futures/options order REST calls for the day session, as KIS's examples_llm samples make them
/// (domestic_futureoption/order, order_rvsecncl, inquire_psbl_order, inquire_balance, inquire_ccnl), served by the same
/// <see cref="PaperVenue"/> as the stock orders. Prices travel as decimal points ("352.50"); the venue keeps
/// hundredths. Night-session tr_ids (STTN1101U, TTTN1103U) are not served: the venue takes day-session orders only.
/// </summary>
internal static class FuturesOrderEndpoints
{
    public const string Order = "/uapi/domestic-futureoption/v1/trading/order";
    public const string OrderAmendCancel = "/uapi/domestic-futureoption/v1/trading/order-rvsecncl";
    public const string PossibleOrder = "/uapi/domestic-futureoption/v1/trading/inquire-psbl-order";
    public const string Balance = "/uapi/domestic-futureoption/v1/trading/inquire-balance";
    public const string Orders = "/uapi/domestic-futureoption/v1/trading/inquire-ccnl";

    /// <summary>The simulator's cap on one order (contracts); the possible-order inquiry reports it.</summary>
    public const long MaxContractsPerOrder = Trading.Rules.FuturesOptionRules.MaxContractsPerOrder;

    public static void Map(IEndpointRouteBuilder app, SimulatorHub hub)
    {
        app.MapPost(Order, ctx => PlaceAsync(ctx, hub));
        app.MapPost(OrderAmendCancel, ctx => AmendOrCancelAsync(ctx, hub));
        app.MapGet(PossibleOrder, ctx => InquirePossibleAsync(ctx, hub));
        app.MapGet(Balance, ctx => InquireBalanceAsync(ctx, hub));
        app.MapGet(Orders, ctx => InquireOrdersAsync(ctx, hub));
    }

    private static async Task PlaceAsync(HttpContext ctx, SimulatorHub hub)
    {
        // TTTO1101U (VTTO1101U on the paper profile) for both sides: the side is SLL_BUY_DVSN_CD.
        if (await AuthorizeAsync(ctx, hub, ["TTTO1101U"], []) is not { } auth) return;
        if (await BodyAsync(ctx, hub) is not { } body) return;
        if (Text(body, "SLL_BUY_DVSN_CD") is not ("01" or "02") || Text(body, "ORD_DVSN_CD") is not ("01" or "02"))
        { await Refuse(ctx, hub, "APBK0505", "SLL_BUY_DVSN_CD 01 (sell) / 02 (buy); ORD_DVSN_CD 01 (limit) or 02 (market) only"); return; }
        if (Text(body, "KRX_NMPR_CNDT_CD") is { Length: > 0 } condition && condition != "0")
        { await Refuse(ctx, hub, "APBK0505", "KRX_NMPR_CNDT_CD: 0 only (IOC and FOK are not simulated)"); return; }
        var market = Text(body, "ORD_DVSN_CD") == "02";
        var quantity = Number(body, "ORD_QTY");
        if (quantity > MaxContractsPerOrder) { await Refuse(ctx, hub, "APBK0507", // the venue core's text (PreTradeCheck), the backtest's too
            $"주문수량을 확인하세요. (at most {MaxContractsPerOrder.ToString("N0", CultureInfo.InvariantCulture)} contracts an order)"); return; }
        if (await OwnedAccountAsync(ctx, hub, auth.Credential, Account(body)) is not { } account) return;
        var request = new PaperOrderRequest(account, auth.Credential.HtsId, Text(body, "SHTN_PDNO") ?? "", Text(body, "SLL_BUY_DVSN_CD") == "02",
            market ? OrderKind.Market : OrderKind.Limit, quantity, market ? 0 : Hundredths(Text(body, "UNIT_PRICE")), Derivative: true,
            AppKey: auth.Credential.AppKey);
        // A short code of either form KRX gives (1-4 first, or a letter: A0166000); which are traded is the venue core's rule below.
        if (request.Code.Length is < 6 or > 12 || !(request.Code[0] is >= '1' and <= '4' || char.IsAsciiLetterUpper(request.Code[0]))
            || !request.Code.All(char.IsAsciiLetterOrDigit))
        { await Refuse(ctx, hub, "APBK0634", "CANO (8 digits), ACNT_PRDT_CD and SHTN_PDNO (a KRX futures or options short code) are required"); return; }
        if (Trading.Core.PreTradeCheck.DerivativeProduct(request.Code) is { } product) { await Refuse(ctx, hub, product.Code, product.Message); return; }
        var result = hub.Venue.Place(request, hub.Market.Clock.Now());
        if (!result.Accepted) { await Refuse(ctx, hub, result.MessageCode, result.Message); return; }
        await Ok(ctx, result.MessageCode, result.Message, new JsonObject
        {
            ["KRX_FWDG_ORD_ORGNO"] = PaperVenue.Branch,
            ["ODNO"] = OrderNumber(result.Order!.Number),
            ["ORD_TMD"] = result.Order.PlacedAt.ToString("HHmmss", CultureInfo.InvariantCulture),
        });
    }

    private static async Task AmendOrCancelAsync(HttpContext ctx, SimulatorHub hub)
    {
        if (await OrderEndpoints.AmendOrCancelAsync(ctx, hub, ["TTTO1103U"], derivative: true, "RMN_QTY_YN", body => Hundredths(Text(body, "UNIT_PRICE")),
            ("ORD_DVSN_CD", KisOrderDivisions.FuturesOptions)) is not { } result) return;
        var order = result.Order!;
        await Ok(ctx, result.MessageCode, result.Message, new JsonObject
        {
            ["ACNT_NAME"] = "김한국",
            ["TRAD_DVSN_NAME"] = order.Buy ? "매수" : "매도",
            ["ITEM_NAME"] = Market.GenericStream.DerivativeName(order.Code),
            ["ORD_TMD"] = order.PlacedAt.ToString("HHmmss", CultureInfo.InvariantCulture),
            ["ORD_GNO_BRNO"] = PaperVenue.Branch,
            ["ORGN_ODNO"] = OrderNumber(order.Original),
            ["ODNO"] = OrderNumber(order.Number),
        });
    }

    private static async Task InquirePossibleAsync(HttpContext ctx, SimulatorHub hub)
    {
        if (await AuthorizeAsync(ctx, hub, ["TTTO5105R"], []) is not { } auth) return;
        if (await OwnedAccountAsync(ctx, hub, auth.Credential, AccountFromQuery(ctx.Request)) is not { } account) return;
        var code = KisRestAuth.Query(ctx.Request, "PDNO") ?? "";
        if (Trading.Core.PreTradeCheck.DerivativeProduct(code) is { } product) { await Refuse(ctx, hub, product.Code, product.Message); return; }
        var buy = KisRestAuth.Query(ctx.Request, "SLL_BUY_DVSN_CD") == "02";
        // The order's own rule: margin at its price (UNIT_PRICE in points), or at the upper limit for a market order
        // (ORD_DVSN_CD 02) or no price; what this side closes (a buy a short, a sell a long) needs none.
        var isMarket = KisRestAuth.Query(ctx.Request, "ORD_DVSN_CD") == "02";
        var price = isMarket ? 0 : Math.Max(0, Hundredths(KisRestAuth.Query(ctx.Request, "UNIT_PRICE")));
        var (closable, total) = hub.Venue.ContractsPossible(account, code, buy, isMarket, price, hub.Market.Clock.Now());
        await Ok(ctx, "KIOK0000", "조회가 완료되었습니다", new JsonObject
        {
            ["tot_psbl_qty"] = N(total),
            ["lqd_psbl_qty1"] = N(closable),
            ["ord_psbl_qty"] = N(total),
            ["bass_idx"] = Points(hub.Market.Master.Index("2001").PreviousClose), // KOSPI200, hundredths
        });
    }

    private static async Task InquireBalanceAsync(HttpContext ctx, SimulatorHub hub)
    {
        if (await AuthorizeAsync(ctx, hub, ["CTFO6118R"], []) is not { } auth) return;
        if (await OwnedAccountAsync(ctx, hub, auth.Credential, AccountFromQuery(ctx.Request)) is not { } account) return;
        var view = hub.Venue.View(account, hub.Market.Clock.Now());
        var rows = new JsonArray();
        decimal cost = 0, value = 0, realized = 0, futuresPl = 0, optionsPl = 0;
        foreach (var p in view.Positions.Where(p => p.Derivative).OrderBy(p => p.Code, StringComparer.Ordinal))
        {
            var multiplier = KrxRules.Multiplier(p.Code);
            realized += p.Realized * multiplier / 100m;
            if (p.Quantity == 0) continue;
            var contracts = Math.Abs(p.Quantity);
            var price = hub.Market.DerivativeForOrders(p.Code).Quote.Bid;
            var positionCost = p.Cost * multiplier / 100m;
            var positionValue = contracts * price * multiplier / 100m;
            var pl = p.Quantity > 0 ? positionValue - positionCost : positionCost - positionValue;
            cost += positionCost;
            value += positionValue;
            if (KrxRules.IsFutures(p.Code)) futuresPl += pl; else optionsPl += pl;
            rows.Add((JsonNode)new JsonObject
            {
                ["cano"] = account[..8],
                ["acnt_prdt_cd"] = account[8..],
                ["pdno"] = p.Code,
                ["prdt_type_cd"] = "301",
                ["shtn_pdno"] = p.Code,
                ["prdt_name"] = Market.GenericStream.DerivativeName(p.Code),
                ["sll_buy_dvsn_name"] = p.Quantity > 0 ? "매수" : "매도",
                ["cblc_qty"] = N(contracts),
                ["excc_unpr"] = Points((long)p.Cost / contracts),
                ["ccld_avg_unpr1"] = PointsAverage(AveragePrice.Of(p.Cost / 100, contracts)),
                ["idx_clpr"] = Points(price),
                ["pchs_amt"] = Krw(positionCost),
                ["evlu_amt"] = Krw(positionValue),
                ["evlu_pfls_amt"] = Krw(pl),
                ["trad_pfls_amt"] = Krw(p.Realized * multiplier / 100m),
                ["lqd_psbl_qty"] = N(contracts),
            });
        }
        ctx.Response.Headers["tr_cont"] = "D"; // the last page: the samples stop asking
        await Ok(ctx, "KIOK0000", "조회가 완료되었습니다", null, new JsonObject
        {
            ["output1"] = rows,
            ["output2"] = new JsonObject
            {
                ["dnca_cash"] = N(view.Cash),
                ["tot_dncl_amt"] = N(view.Cash),
                ["prsm_dpast"] = Krw(view.Cash + futuresPl + optionsPl), // realised P&L is in the cash already
                ["ord_psbl_cash"] = N(view.FreeCash), // less the margin positions and open orders hold
                ["futr_trad_pfls_amt"] = Krw(realized),
                ["futr_evlu_pfls_amt"] = Krw(futuresPl),
                ["opt_evlu_pfls_amt"] = Krw(optionsPl),
                ["trad_pfls_amt_smtl"] = Krw(realized),
                ["evlu_pfls_amt_smtl"] = Krw(futuresPl + optionsPl),
                ["pchs_amt_smtl"] = Krw(cost),
                ["evlu_amt_smtl"] = Krw(value),
            },
            ["ctx_area_fk200"] = "",
            ["ctx_area_nk200"] = "",
        });
    }

    /// <summary>
    /// Today's futures/options orders and fills (TTTO5201R, KIS's inquire_ccnl sample): SLL_BUY_DVSN_CD 00/01/02,
    /// CCLD_NCCS_DVSN 00 all / 01 filled / 02 not filled, SORT_SQN AS oldest first or DS newest first, PDNO optional.
    /// One page (tr_cont D). Amounts in KRW (points × multiplier), prices in points.
    /// </summary>
    private static async Task InquireOrdersAsync(HttpContext ctx, SimulatorHub hub)
    {
        if (await AuthorizeAsync(ctx, hub, ["TTTO5201R"], []) is not { } auth) return;
        if (await OwnedAccountAsync(ctx, hub, auth.Credential, AccountFromQuery(ctx.Request)) is not { } account) return;
        var code = KisRestAuth.Query(ctx.Request, "PDNO") ?? "";
        var side = KisRestAuth.Query(ctx.Request, "SLL_BUY_DVSN_CD");
        var filled = KisRestAuth.Query(ctx.Request, "CCLD_NCCS_DVSN");
        var orders = hub.Venue.View(account, hub.Market.Clock.Now()).Orders
            .Where(o => o.Derivative && (code.Length == 0 || o.Code == code))
            .Where(o => side switch { "01" => !o.Buy, "02" => o.Buy, _ => true })
            .Where(o => filled switch { "01" => o.Filled > 0, "02" => o.Remaining > 0, _ => true });
        orders = KisRestAuth.Query(ctx.Request, "SORT_SQN") == "AS" ? orders.OrderBy(o => o.Number) : orders.OrderByDescending(o => o.Number);
        var rows = new JsonArray();
        long totalQuantity = 0, totalFilled = 0;
        decimal totalAmount = 0, fees = 0;
        foreach (var o in orders)
        {
            var amount = o.FilledValue * KrxRules.Multiplier(o.Code) / 100m;
            (totalQuantity, totalFilled, totalAmount, fees) = (totalQuantity + o.Quantity, totalFilled + o.Filled, totalAmount + amount, fees + o.Commission);
            rows.Add((JsonNode)new JsonObject
            {
                ["ord_gno_brno"] = PaperVenue.Branch,
                ["cano"] = account[..8],
                ["csac_name"] = "김한국",
                ["acnt_prdt_cd"] = account[8..],
                ["ord_dt"] = o.PlacedAt.ToString("yyyyMMdd", CultureInfo.InvariantCulture),
                ["odno"] = OrderNumber(o.Number),
                ["orgn_odno"] = OrderNumber(o.Original),
                ["sll_buy_dvsn_cd"] = o.Buy ? "02" : "01",
                ["trad_dvsn_name"] = o.Buy ? "매수" : "매도",
                ["nmpr_type_cd"] = o.IsMarket ? "02" : "01",
                ["nmpr_type_name"] = o.IsMarket ? "시장가" : "지정가",
                ["pdno"] = o.Code,
                ["prdt_name"] = Market.GenericStream.DerivativeName(o.Code),
                ["prdt_type_cd"] = "301",
                ["ord_qty"] = N(o.Quantity),
                ["ord_idx"] = Points(o.Price),
                ["qty"] = N(o.Remaining),
                ["ord_tmd"] = o.PlacedAt.ToString("HHmmss", CultureInfo.InvariantCulture),
                ["tot_ccld_qty"] = N(o.Filled),
                ["avg_idx"] = PointsAverage(AveragePrice.Of(o.FilledValue / 100m, o.Filled)),
                ["tot_ccld_amt"] = Krw(amount),
                ["rjct_qty"] = "0",
                ["ingr_trad_rjct_rson_cd"] = "",
                ["ingr_trad_rjct_rson_name"] = "",
                ["ord_stfno"] = "",
                ["sprd_item_yn"] = "N",
                ["ord_ip_addr"] = "",
            });
        }
        ctx.Response.Headers["tr_cont"] = "D"; // the last page: the samples stop asking
        await Ok(ctx, "KIOK0000", "조회가 완료되었습니다", null, new JsonObject
        {
            ["output1"] = rows,
            ["output2"] = new JsonObject
            {
                ["tot_ord_qty"] = N(totalQuantity),
                ["tot_ccld_amt_smtl"] = Krw(totalAmount),
                ["tot_ccld_qty_smtl"] = N(totalFilled),
                ["fee_smtl"] = OrderEndpoints.Won(fees), // the commission of the fills listed (KisTradingCosts)
                ["ctac_tlno"] = "",
            },
            ["ctx_area_fk200"] = "",
            ["ctx_area_nk200"] = "",
        });
    }

    /// <summary>"352.50" → 35250; -1 when it is not a price with at most two decimals.</summary>
    internal static long Hundredths(string? text)
        => decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var points)
           && points < 1_000_000_000m && points * 100 == decimal.Truncate(points * 100) // a price, not an overflow
            ? (long)(points * 100) : -1;

    private static string Points(long hundredths) => (hundredths / 100m).ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>An average in points (<see cref="AveragePrice"/>: to 4 decimals), written as KIS writes points: 2 decimals at least.</summary>
    private static string PointsAverage(decimal points) => points.ToString("0.00##", CultureInfo.InvariantCulture);

    private static string Krw(decimal amount) => decimal.Round(amount).ToString("0", CultureInfo.InvariantCulture);

    private static string OrderNumber(long number) => number == 0 ? "" : number.ToString("D10", CultureInfo.InvariantCulture);
}
