using Kis.Realtime.Simulator.Trading.Rules;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kis.Realtime.Simulator.Internal;
using Kis.Realtime.Simulator.Trading;
using Kis.Realtime.Simulator.Trading.Engine;
using Kis.Realtime.Simulator.Trading.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Builder;

namespace Kis.Realtime.Simulator.Hosting;

/// <summary>
/// KIS's domestic stock order REST calls, as KIS's own examples_llm samples make them (paths, tr_ids of both profiles,
/// upper-case JSON bodies for POST, query parameters for GET, <c>rt_cd</c>/<c>msg_cd</c>/<c>msg1</c>/<c>output</c>
/// answers), served by the simulator's <see cref="PaperVenue"/>. Refusal codes follow KIS's shape; which code KIS gives
/// for which refusal is the simulator's choice (docs/simulator.md).
/// </summary>
internal static class OrderEndpoints
{
    public const string OrderCash = "/uapi/domestic-stock/v1/trading/order-cash";
    public const string OrderAmendCancel = "/uapi/domestic-stock/v1/trading/order-rvsecncl";
    public const string PossibleOrder = "/uapi/domestic-stock/v1/trading/inquire-psbl-order";
    public const string DailyOrders = "/uapi/domestic-stock/v1/trading/inquire-daily-ccld";
    public const string Balance = "/uapi/domestic-stock/v1/trading/inquire-balance";

    /// <summary>Largest order body read (KIS's bodies are a few hundred bytes).</summary>
    private const int MaxBodyBytes = 8 * 1024;

    public static void Map(IEndpointRouteBuilder app, SimulatorHub hub)
    {
        app.MapPost(OrderCash, ctx => PlaceAsync(ctx, hub));
        app.MapPost(OrderAmendCancel, ctx => AmendOrCancelAsync(ctx, hub));
        app.MapGet(PossibleOrder, ctx => InquirePossibleAsync(ctx, hub));
        app.MapGet(DailyOrders, ctx => InquireDailyAsync(ctx, hub));
        app.MapGet(Balance, ctx => InquireBalanceAsync(ctx, hub));
        FuturesOrderEndpoints.Map(app, hub);
    }

    private static async Task PlaceAsync(HttpContext ctx, SimulatorHub hub)
    {
        // TTTC0012U buy / TTTC0011U sell (the older TTTC0802U / TTTC0801U too); V… on the paper profile.
        if (await AuthorizeAsync(ctx, hub, ["TTTC0012U", "TTTC0802U"], ["TTTC0011U", "TTTC0801U"]) is not { } auth) return;
        if (await BodyAsync(ctx, hub) is not { } body) return;
        var dvsn = Text(body, "ORD_DVSN");
        if (dvsn is not ("00" or "01")) { await Refuse(ctx, hub, "APBK0505", "ORD_DVSN: 00 (limit) or 01 (market) only"); return; }
        // A market order names no price: KIS's samples send "0"; a price with it is a mistake, not a limit.
        if (dvsn == "01" && Text(body, "ORD_UNPR") is { Length: > 0 } marketPrice && marketPrice.Any(c => c != '0'))
        { await Refuse(ctx, hub, "APBK0506", "시장가 주문은 주문단가를 0으로 입력하세요. (a market order (ORD_DVSN 01) takes ORD_UNPR 0)"); return; }
        if (await OwnedAccountAsync(ctx, hub, auth.Credential, Account(body)) is not { } account) return;
        if (await FuturesAccountAsync(ctx, hub, account)) return;
        var request = new PaperOrderRequest(account, auth.Credential.HtsId, Text(body, "PDNO") ?? "", auth.Buy,
            dvsn == "01" ? OrderKind.Market : OrderKind.Limit,
            Number(body, "ORD_QTY"), dvsn == "01" ? 0 : Number(body, "ORD_UNPR"), AppKey: auth.Credential.AppKey);
        await AnswerAsync(ctx, hub, hub.Venue.Place(request, hub.Market.Clock.Now()));
    }

    private static async Task AmendOrCancelAsync(HttpContext ctx, SimulatorHub hub)
    {
        if (await AmendOrCancelAsync(ctx, hub, ["TTTC0013U", "TTTC0803U"], derivative: false, "QTY_ALL_ORD_YN", body => Number(body, "ORD_UNPR"),
            ("ORD_DVSN", KisOrderDivisions.Stock)) is { } result)
            await AnswerAsync(ctx, hub, result);
    }

    /// <summary>
    /// The amend/cancel call of either product (stock order-rvsecncl, futures/options order-rvsecncl): the checks, the
    /// body (RVSE_CNCL_DVSN_CD 01 amend / 02 cancel, ORGN_ODNO, ORD_QTY, the all-that-is-left flag, the price read by
    /// <paramref name="price"/>, an amendment's kind in <paramref name="division"/>'s field: KIS requires it) and the
    /// venue's answer; null when refused (the refusal is answered). The kind is translated only: what it does is the venue's.
    /// </summary>
    internal static async Task<PaperResult?> AmendOrCancelAsync(HttpContext ctx, SimulatorHub hub, string[] trIds, bool derivative,
        string wholeRemainderFlag, Func<JsonObject, long> price, (string Field, Func<string?, KisOrderKind?> Kind) division)
    {
        if (await AuthorizeAsync(ctx, hub, trIds, []) is not { } auth) return null;
        if (await BodyAsync(ctx, hub) is not { } body) return null;
        if (await OwnedAccountAsync(ctx, hub, auth.Credential, Account(body)) is not { } account) return null;
        if (!derivative && await FuturesAccountAsync(ctx, hub, account)) return null;
        var kind = Text(body, "RVSE_CNCL_DVSN_CD");
        if (kind is not ("01" or "02")) { await Refuse(ctx, hub, "APBK0505", "RVSE_CNCL_DVSN_CD: 01 (amend) or 02 (cancel)"); return null; }
        if (!long.TryParse(Text(body, "ORGN_ODNO"), NumberStyles.None, CultureInfo.InvariantCulture, out var original))
        { await Refuse(ctx, hub, "APBK0915", "ORGN_ODNO is required"); return null; }
        // A cancel's division is not read (KIS's samples send 00); an amendment's is the kind it asks for.
        var requested = division.Kind(Text(body, division.Field));
        if (kind == "01" && requested is null)
        { await Refuse(ctx, hub, "APBK0505", $"{division.Field} '{Text(body, division.Field)}': not an order division KIS defines"); return null; }
        var result = hub.Venue.AmendOrCancel(account, auth.Credential.AppKey, original, derivative, cancel: kind == "02", Number(body, "ORD_QTY"),
            Text(body, wholeRemainderFlag) == "Y", price(body), hub.Market.Clock.Now(), requested ?? KisOrderKind.Limit);
        if (!result.Accepted) { await Refuse(ctx, hub, result.MessageCode, result.Message); return null; }
        return result;
    }

    private static Task AnswerAsync(HttpContext ctx, SimulatorHub hub, PaperResult result)
    {
        if (!result.Accepted) return Refuse(ctx, hub, result.MessageCode, result.Message);
        var order = result.Order!;
        return Ok(ctx, result.MessageCode, result.Message, new JsonObject
        {
            ["KRX_FWDG_ORD_ORGNO"] = PaperVenue.Branch,
            ["ODNO"] = order.Number.ToString("D10", CultureInfo.InvariantCulture),
            ["ORD_TMD"] = order.PlacedAt.ToString("HHmmss", CultureInfo.InvariantCulture),
        });
    }

    private static async Task InquirePossibleAsync(HttpContext ctx, SimulatorHub hub)
    {
        if (await AuthorizeAsync(ctx, hub, ["TTTC8908R"], []) is not { } auth) return;
        if (await OwnedAccountAsync(ctx, hub, auth.Credential, AccountFromQuery(ctx.Request)) is not { } account) return;
        var code = KisRestAuth.Query(ctx.Request, "PDNO") ?? "";
        if (!Market.InstrumentMaster.IsListedStock(code)) { await Refuse(ctx, hub, Trading.Rules.StockRules.UnknownStock(code)); return; }
        // The rule order-cash checks (PaperVenue.BuyingPower): a market order (ORD_DVSN 01) or no price at the upper limit.
        var price = long.TryParse(KisRestAuth.Query(ctx.Request, "ORD_UNPR"), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0;
        var (cash, unit, quantity) = hub.Venue.BuyingPower(account, code, KisRestAuth.Query(ctx.Request, "ORD_DVSN") == "01", price, hub.Market.Clock.Now());
        await Ok(ctx, "KIOK0000", "조회가 완료되었습니다", new JsonObject
        {
            ["ord_psbl_cash"] = N(cash),
            ["ord_psbl_sbst"] = "0",
            ["ruse_psbl_amt"] = "0",
            ["fund_rpch_chgs"] = "0",
            ["psbl_qty_calc_unpr"] = N(unit),
            ["nrcvb_buy_amt"] = N(quantity * unit),
            ["nrcvb_buy_qty"] = N(quantity),
            ["max_buy_amt"] = N(quantity * unit),
            ["max_buy_qty"] = N(quantity),
            ["cma_evlu_amt"] = "0",
            ["ovrs_re_use_amt_wcrc"] = "0",
            ["ord_psbl_frcr_amt_wcrc"] = "0",
        });
    }

    private static async Task InquireDailyAsync(HttpContext ctx, SimulatorHub hub)
    {
        if (await AuthorizeAsync(ctx, hub, ["TTTC0081R", "CTSC9215R", "TTTC8001R"], []) is not { } auth) return;
        if (await OwnedAccountAsync(ctx, hub, auth.Credential, AccountFromQuery(ctx.Request)) is not { } account) return;
        var view = hub.Venue.View(account, hub.Market.Clock.Now());
        var code = KisRestAuth.Query(ctx.Request, "PDNO") ?? "";
        var rows = new JsonArray();
        long totalQuantity = 0, totalFilled = 0, totalValue = 0;
        decimal costs = 0;
        // Newest first, as KIS lists them.
        foreach (var o in view.Orders.Where(o => !o.Derivative && (code.Length == 0 || o.Code == code)).OrderByDescending(o => o.Number))
        {
            totalQuantity += o.Quantity;
            totalFilled += o.Filled;
            totalValue += o.FilledValue;
            costs += o.Commission + o.Tax;
            rows.Add((JsonNode)new JsonObject
            {
                ["ord_dt"] = o.PlacedAt.ToString("yyyyMMdd", CultureInfo.InvariantCulture),
                ["ord_gno_brno"] = PaperVenue.Branch,
                ["odno"] = o.Number.ToString("D10", CultureInfo.InvariantCulture),
                ["orgn_odno"] = o.Original == 0 ? "" : o.Original.ToString("D10", CultureInfo.InvariantCulture),
                ["ord_dvsn_name"] = o.IsMarket ? "시장가" : "지정가",
                ["sll_buy_dvsn_cd"] = o.Buy ? "02" : "01",
                ["sll_buy_dvsn_cd_name"] = o.Buy ? "현금매수" : "현금매도",
                ["pdno"] = o.Code,
                ["prdt_name"] = Market.InstrumentMaster.StockName(o.Code),
                ["ord_qty"] = N(o.Quantity),
                ["ord_unpr"] = N(o.Price),
                ["ord_tmd"] = o.PlacedAt.ToString("HHmmss", CultureInfo.InvariantCulture),
                ["tot_ccld_qty"] = N(o.Filled),
                ["avg_prvs"] = AveragePrice.Text(AveragePrice.Of(o.FilledValue, o.Filled)),
                ["cncl_yn"] = o.Cancelled > 0 ? "Y" : "N",
                ["tot_ccld_amt"] = N(o.FilledValue),
                ["ord_dvsn_cd"] = o.IsMarket ? "01" : "00",
                ["cnc_cfrm_qty"] = N(o.Cancelled),
                ["rmn_qty"] = N(o.Remaining),
                ["rjct_qty"] = "0",
                ["excg_id_dvsn_cd"] = "KRX",
            });
        }
        ctx.Response.Headers["tr_cont"] = "D"; // the last page: the samples stop asking
        await Ok(ctx, "KIOK0000", "조회가 완료되었습니다", null, new JsonObject
        {
            ["output1"] = rows,
            ["output2"] = new JsonObject
            {
                ["tot_ord_qty"] = N(totalQuantity),
                ["tot_ccld_qty"] = N(totalFilled),
                ["tot_ccld_amt"] = N(totalValue),
                ["pchs_avg_pric"] = AveragePrice.Of(totalValue, totalFilled).ToString("0.0000", CultureInfo.InvariantCulture), // the venues' one rule
                ["prsm_tlex_smtl"] = Won(costs), // commission and tax of the fills listed (KisTradingCosts)
            },
            ["ctx_area_fk100"] = "",
            ["ctx_area_nk100"] = "",
        });
    }

    private static async Task InquireBalanceAsync(HttpContext ctx, SimulatorHub hub)
    {
        if (await AuthorizeAsync(ctx, hub, ["TTTC8434R"], []) is not { } auth) return;
        if (await OwnedAccountAsync(ctx, hub, auth.Credential, AccountFromQuery(ctx.Request)) is not { } account) return;
        var now = hub.Market.Clock.Now();
        var view = hub.Venue.View(account, now);
        var today = now.Date;
        var rows = new JsonArray();
        long cost = 0, value = 0;
        foreach (var p in view.Positions.Where(p => !p.Derivative).OrderBy(p => p.Code, StringComparer.Ordinal))
        {
            var price = hub.Market.OrderBookFor(p.Code).Summary().Price;
            var positionCost = ShownWon(p.Cost);
            cost += positionCost;
            value += p.Quantity * price;
            rows.Add((JsonNode)new JsonObject
            {
                ["pdno"] = p.Code,
                ["prdt_name"] = Market.InstrumentMaster.StockName(p.Code),
                ["trad_dvsn_name"] = "현금",
                ["bfdy_buy_qty"] = "0",
                ["bfdy_sll_qty"] = "0",
                ["thdt_buyqty"] = N(p.BoughtToday),
                ["thdt_sll_qty"] = N(p.SoldToday),
                ["hldg_qty"] = N(p.Quantity),
                ["ord_psbl_qty"] = N(p.Quantity - p.Reserved),
                ["pchs_avg_pric"] = AveragePrice.Of(p.Cost, p.Quantity).ToString("0.0000", CultureInfo.InvariantCulture),
                ["pchs_amt"] = N(positionCost),
                ["prpr"] = N(price),
                ["evlu_amt"] = N(p.Quantity * price),
                ["evlu_pfls_amt"] = N(p.Quantity * price - positionCost),
                ["evlu_pfls_rt"] = (p.Cost == 0 ? 0m : (p.Quantity * price - p.Cost) * 100m / p.Cost).ToString("0.00", CultureInfo.InvariantCulture),
            });
        }
        ctx.Response.Headers["tr_cont"] = "D";
        await Ok(ctx, "KIOK0000", "조회가 완료되었습니다", null, new JsonObject
        {
            ["output1"] = rows,
            ["output2"] = new JsonArray(new JsonObject
            {
                ["dnca_tot_amt"] = N(view.Cash),
                ["scts_evlu_amt"] = N(value),
                ["tot_evlu_amt"] = N(view.Cash + value),
                ["pchs_amt_smtl_amt"] = N(cost),
                ["evlu_amt_smtl_amt"] = N(value),
                ["evlu_pfls_smtl_amt"] = N(value - cost),
                ["nass_amt"] = N(view.Cash + value),
                ["thdt_tlex_amt"] = Won(view.Orders.Where(o => !o.Derivative && o.PlacedAt.Date == today).Sum(o => o.Commission + o.Tax)),
            }),
            ["ctx_area_fk100"] = "",
            ["ctx_area_nk100"] = "",
        });
    }

    /// <summary>The token checks and the tr_id: a real one of <paramref name="buy"/> or <paramref name="sell"/>, or its
    /// paper twin (V…) on the paper profile; null (answered) when refused.</summary>
    internal static async Task<(SimulatorCredential Credential, bool Buy)?> AuthorizeAsync(HttpContext ctx, SimulatorHub hub, string[] buy, string[] sell)
    {
        var paper = hub.Options.Profile == SimulatorProfile.Paper;
        string Profiled(string id) => paper ? "V" + id[1..] : id;
        var trId = KisRestAuth.Header(ctx.Request, "tr_id");
        var (status, code, message, credential) = KisRestAuth.Check(ctx.Request, hub,
            id => id is not null && (buy.Any(b => Profiled(b) == id) || sell.Any(s => Profiled(s) == id)),
            $"tr_id must be one of {string.Join(", ", buy.Concat(sell).Select(Profiled))} on the {(paper ? "paper" : "real")} profile");
        if (code is not null)
        {
            Interlocked.Increment(ref hub.Counters._quotationRequestsRejected);
            Log.RestRefused(hub.Logger, ctx.Request.Path.Value ?? "", code, message!);
            // Awaited: the handler must not return before the refusal is written.
            await SimulatorJson.Reply(new Dictionary<string, string> { ["rt_cd"] = "1", ["msg_cd"] = code, ["msg1"] = message! }, status).ExecuteAsync(ctx);
            return null;
        }
        return (credential!, buy.Any(b => Profiled(b) == trId));
    }

    /// <summary>
    /// The account a call names (CANO, 8 ASCII digits, and ACNT_PRDT_CD, 2), bound to the caller's app key at its first
    /// use and refused to every other key (KIS issues an app key per account); null (answered) when malformed or
    /// another key's.
    /// </summary>
    internal static async Task<string?> OwnedAccountAsync(HttpContext ctx, SimulatorHub hub, SimulatorCredential credential, string account)
    {
        if (account.Length != 10 || !account.All(char.IsAsciiDigit))
        {
            await Refuse(ctx, hub, "OPSQ2000", "ERROR : INPUT INVALID_CHECK_ACNO (CANO: 8 digits, ACNT_PRDT_CD: 2 digits)");
            return null;
        }
        if (hub.Venue.Claim(account, credential.AppKey, credential.HtsId)) return account;
        await Refuse(ctx, hub, PaperVenue.NotYourAccount());
        return null;
    }

    /// <summary>True (answered) for a stock order on a futures/options account (ACNT_PRDT_CD 03 domestic, 08 overseas):
    /// KIS trades stocks in the account's stock product (01, or a pension product), never in a derivatives one.</summary>
    private static async Task<bool> FuturesAccountAsync(HttpContext ctx, SimulatorHub hub, string account)
    {
        if (account[8..] is not ("03" or "08")) return false;
        await Refuse(ctx, hub, "OPSQ2000", $"ERROR : INPUT INVALID_CHECK_ACNO (ACNT_PRDT_CD {account[8..]} is a futures/options account, not a stock one)");
        return true;
    }

    internal static Task Refuse(HttpContext ctx, SimulatorHub hub, PaperResult refusal) => Refuse(ctx, hub, refusal.MessageCode, refusal.Message);

    internal static async Task<JsonObject?> BodyAsync(HttpContext ctx, SimulatorHub hub)
    {
        if (ctx.Request.ContentLength > MaxBodyBytes) { await Refuse(ctx, hub, "OPSQ2001", "ERROR INPUT FIELD: body too large"); return null; }
        try
        {
            using var buffer = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted).ConfigureAwait(false);
            if (buffer.Length > MaxBodyBytes) { await Refuse(ctx, hub, "OPSQ2001", "ERROR INPUT FIELD: body too large"); return null; }
            // KIS's bodies are UTF-8 JSON: bytes that are not are refused here, not read as replacement characters.
            if (!System.Text.Unicode.Utf8.IsValid(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)))
            { await Refuse(ctx, hub, "OPSQ2001", "ERROR INPUT FIELD: the body is not UTF-8"); return null; }
            var bytes = buffer.ToArray();
            // A key given twice is ambiguous (which ORD_QTY did the caller mean?): refused, never one of them picked.
            if (DuplicateKey(bytes) is { } twice)
            {
                Log.RestRefused(hub.Logger, ctx.Request.Path.Value ?? "", "OPSQ2001", $"{twice} given twice");
                await SimulatorJson.Reply(new Dictionary<string, string>
                {
                    ["rt_cd"] = "1", ["msg_cd"] = "OPSQ2001", ["msg1"] = $"ERROR INPUT FIELD: {twice} is given twice",
                }, StatusCodes.Status400BadRequest).ExecuteAsync(ctx);
                return null;
            }
            if (JsonNode.Parse(bytes) is JsonObject body) return body;
        }
        catch (JsonException)
        {
        }
        await Refuse(ctx, hub, "OPSQ2001", "ERROR INPUT FIELD: the body is not a JSON object");
        return null;
    }

    /// <summary>The first key a JSON object body names twice (at any depth); null when none does or it is not JSON.</summary>
    private static string? DuplicateKey(byte[] json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return Duplicate(document.RootElement);
        }
        catch (JsonException)
        {
            return null; // not JSON: refused as such by the parse that follows
        }

        static string? Duplicate(JsonElement element)
        {
            if (element.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in element.EnumerateArray())
                    if (Duplicate(item) is { } inItem) return inItem;
                return null;
            }
            if (element.ValueKind != JsonValueKind.Object) return null;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in element.EnumerateObject())
            {
                if (!seen.Add(property.Name)) return property.Name;
                if (Duplicate(property.Value) is { } inside) return inside;
            }
            return null;
        }
    }

    internal static string Account(JsonObject body) => (Text(body, "CANO") ?? "") + (Text(body, "ACNT_PRDT_CD") ?? "");

    internal static string AccountFromQuery(HttpRequest request) => (KisRestAuth.Query(request, "CANO") ?? "") + (KisRestAuth.Query(request, "ACNT_PRDT_CD")
        ?? "");

    internal static string? Text(JsonObject body, string name)
        => body.TryGetPropertyValue(name, out var node) && node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    /// <summary>KIS's bodies carry numbers as strings ("ORD_QTY": "10"); -1 when it is not one.</summary>
    internal static long Number(JsonObject body, string name)
        => long.TryParse(Text(body, name), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;

    internal static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Costs in KIS's whole-won fields: the exact sum rounded up, as the paper account's cash is charged.</summary>
    internal static string Won(decimal costs) => N((long)decimal.Ceiling(costs));

    /// <summary>An exact amount (a position's cost) as KIS's whole-won field shows it: rounded down, as the cash is
    /// (docs/simulator.md, "cost model").</summary>
    internal static long ShownWon(decimal amount) => (long)decimal.Floor(amount);

    internal static Task Ok(HttpContext ctx, string code, string message, JsonObject? output, JsonObject? outputs = null)
    {
        var reply = new JsonObject { ["rt_cd"] = "0", ["msg_cd"] = code, ["msg1"] = message };
        if (output is not null) reply["output"] = output;
        if (outputs is not null)
            foreach (var (name, node) in outputs.ToList())
            {
                outputs.Remove(name);
                reply[name] = node;
            }
        return SimulatorJson.Reply(reply).ExecuteAsync(ctx);
    }

    /// <summary>A business refusal: HTTP 200 with rt_cd 1, as KIS answers an order it does not take.</summary>
    internal static Task Refuse(HttpContext ctx, SimulatorHub hub, string code, string message)
    {
        Log.RestRefused(hub.Logger, ctx.Request.Path.Value ?? "", code, message);
        return SimulatorJson.Reply(new Dictionary<string, string> { ["rt_cd"] = "1", ["msg_cd"] = code, ["msg1"] = message }).ExecuteAsync(ctx);
    }
}
