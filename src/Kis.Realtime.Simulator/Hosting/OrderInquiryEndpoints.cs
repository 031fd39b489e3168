using System.Globalization;
using System.Text.Json.Nodes;
using Kis.Realtime.Simulator.Internal;
using Kis.Realtime.Simulator.Trading.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static Kis.Realtime.Simulator.Hosting.OrderEndpoints;

namespace Kis.Realtime.Simulator.Hosting;

/// <summary>
/// The two stock inquiries a strategy needs beside the orders (issue 42, item 10): the orders that can still be amended
/// or cancelled (<c>inquire-psbl-rvsecncl</c>) and the shares a sell may take (<c>inquire-psbl-sell</c>), in KIS's
/// shapes (examples_llm/domestic_stock/inquire_psbl_rvsecncl, inquire_psbl_sell), plus KIS's error shape for every
/// other <c>/uapi</c> path: named as not simulated rather than an empty 404.
/// </summary>
internal static class OrderInquiryEndpoints
{
    public const string PossibleAmendCancel = "/uapi/domestic-stock/v1/trading/inquire-psbl-rvsecncl";
    public const string PossibleSell = "/uapi/domestic-stock/v1/trading/inquire-psbl-sell";

    public static void Map(IEndpointRouteBuilder app, SimulatorHub hub)
    {
        app.MapGet(PossibleAmendCancel, ctx => PossibleAmendCancelAsync(ctx, hub));
        app.MapGet(PossibleSell, ctx => PossibleSellAsync(ctx, hub));
        // Last in line: a path no endpoint serves.
        app.Map("/uapi/{**rest}", ctx => NotSimulatedAsync(ctx, hub));
    }

    private static async Task PossibleAmendCancelAsync(HttpContext ctx, SimulatorHub hub)
    {
        // TTTC0084R (the older TTTC8036R too).
        if (await AuthorizeAsync(ctx, hub, ["TTTC0084R", "TTTC8036R"], []) is not { } auth) return;
        if (await OwnedAccountAsync(ctx, hub, auth.Credential, AccountFromQuery(ctx.Request)) is not { } account) return;
        var rows = new JsonArray();
        foreach (var o in hub.Venue.View(account, hub.Market.Clock.Now()).Orders.Where(o => !o.Derivative && o.Remaining > 0).OrderByDescending(o => o.Number))
            rows.Add((JsonNode)new JsonObject
            {
                ["ord_gno_brno"] = Trading.PaperVenue.Branch,
                ["odno"] = o.Number.ToString("D10", CultureInfo.InvariantCulture),
                ["orgn_odno"] = o.Original == 0 ? "" : o.Original.ToString("D10", CultureInfo.InvariantCulture),
                ["ord_dvsn_name"] = o.IsMarket ? "시장가" : "지정가",
                ["pdno"] = o.Code,
                ["prdt_name"] = Market.InstrumentMaster.StockName(o.Code),
                ["rvse_cncl_dvsn_name"] = o.Original == 0 ? "" : "정정",
                ["ord_qty"] = N(o.Quantity),
                ["ord_unpr"] = N(o.Price),
                ["ord_tmd"] = o.PlacedAt.ToString("HHmmss", CultureInfo.InvariantCulture),
                ["tot_ccld_qty"] = N(o.Filled),
                ["tot_ccld_amt"] = N(o.FilledValue),
                ["psbl_qty"] = N(o.Remaining),
                ["sll_buy_dvsn_cd"] = o.Buy ? "02" : "01",
                ["ord_dvsn_cd"] = o.IsMarket ? "01" : "00",
                ["mgco_aptm_odno"] = "",
                ["excg_dvsn_cd"] = "01",
                ["excg_id_dvsn_cd"] = "KRX",
                ["excg_id_dvsn_name"] = "KRX",
                ["stpm_cndt_pric"] = "0",
                ["stpm_efct_occr_yn"] = "N",
            });
        ctx.Response.Headers["tr_cont"] = "D"; // one page
        await Ok(ctx, "KIOK0000", "조회가 완료되었습니다", null, new JsonObject { ["output"] = rows, ["ctx_area_fk100"] = "", ["ctx_area_nk100"] = "" });
    }

    private static async Task PossibleSellAsync(HttpContext ctx, SimulatorHub hub)
    {
        if (await AuthorizeAsync(ctx, hub, ["TTTC8408R"], []) is not { } auth) return;
        if (await OwnedAccountAsync(ctx, hub, auth.Credential, AccountFromQuery(ctx.Request)) is not { } account) return;
        var code = KisRestAuth.Query(ctx.Request, "PDNO") ?? "";
        if (!Market.InstrumentMaster.IsListedStock(code)) { await Refuse(ctx, hub, Trading.Rules.StockRules.UnknownStock(code)); return; }
        var view = hub.Venue.View(account, hub.Market.Clock.Now());
        var p = view.Positions.FirstOrDefault(p => !p.Derivative && p.Code == code);
        var price = hub.Market.OrderBookFor(code).Summary().Price;
        var value = p.Quantity * price;
        var cost = ShownWon(p.Cost);
        await Ok(ctx, "KIOK0000", "조회가 완료되었습니다", new JsonObject
        {
            ["pdno"] = code,
            ["prdt_name"] = Market.InstrumentMaster.StockName(code),
            ["buy_qty"] = N(p.BoughtToday),
            ["sll_qty"] = N(p.SoldToday),
            ["cblc_qty"] = N(p.Quantity),
            ["nsvg_qty"] = "0",
            ["ord_psbl_qty"] = N(p.Quantity - p.Reserved),
            ["pchs_avg_pric"] = AveragePrice.Of(p.Cost, p.Quantity).ToString("0.0000", CultureInfo.InvariantCulture),
            ["pchs_amt"] = N(cost),
            ["now_pric"] = N(price),
            ["evlu_amt"] = N(value),
            ["evlu_pfls_amt"] = N(value - cost),
            ["evlu_pfls_rt"] = (p.Cost == 0 ? 0m : (value - p.Cost) * 100m / p.Cost).ToString("0.00", CultureInfo.InvariantCulture),
        });
    }

    /// <summary>Any other <c>/uapi</c> path: HTTP 404 with KIS's error body naming the endpoint as not simulated.</summary>
    private static Task NotSimulatedAsync(HttpContext ctx, SimulatorHub hub)
    {
        var path = ctx.Request.Path.Value ?? "";
        var message = $"없는 서비스 코드 입니다. ({ctx.Request.Method} {path} is not simulated by Kis.Realtime.Simulator; docs/simulator.md lists what is)";
        Log.RestRefused(hub.Logger, path, "OPSQ0002", message);
        return SimulatorJson.Reply(new Dictionary<string, string> { ["rt_cd"] = "1", ["msg_cd"] = "OPSQ0002", ["msg1"] = message },
            StatusCodes.Status404NotFound)
            .ExecuteAsync(ctx);
    }
}
