using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using Kis.Realtime.Simulator.Internal;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Rules;
using Microsoft.AspNetCore.Http;

namespace Kis.Realtime.Simulator.Hosting;

/// <summary>
/// 주식당일분봉조회: <c>GET /uapi/domestic-stock/v1/quotations/inquire-time-itemchartprice</c> (tr_id FHKST03010200),
/// answered from the simulator's own market: the rows are the <see cref="MinuteChart"/> of the stock's book on the
/// asked venue, i.e. the 1-minute bars of every trade the simulator made there. At most 30 rows a call, newest first,
/// from the minute of <c>FID_INPUT_HOUR_1</c> backwards, today only; minutes without a trade have no row. A stock none
/// of whose trade feeds is subscribed has its trades up to now made first (<see cref="Stock.CatchUp"/>), so its chart
/// runs to the current market minute.
/// Requires <c>authorization: Bearer &lt;token from /oauth2/tokenP&gt;</c> and the token's own <c>appkey</c> and
/// <c>appsecret</c> headers, as KIS.
/// </summary>
internal static class MinuteChartEndpoint
{
    public const string Path = "/uapi/domestic-stock/v1/quotations/inquire-time-itemchartprice";
    public const string TrId = "FHKST03010200";

    /// <summary>KIS's page size for this query.</summary>
    public const int MaxRows = 30;


    public static async Task HandleAsync(HttpContext ctx, SimulatorHub hub)
    {
        Interlocked.Increment(ref hub.Counters._quotationRequests);
        var (status, code, message) = Authorize(ctx.Request, hub);
        ChartQuery? query = null;
        if (code is null && Query(ctx.Request, out query) is { } error) (status, code, message) = error;
        if (code is not null)
        {
            Interlocked.Increment(ref hub.Counters._quotationRequestsRejected);
            Log.RestRefused(hub.Logger, Path, code, message!);
            await SimulatorJson.Reply(new Dictionary<string, string> { ["rt_cd"] = "1", ["msg_cd"] = code, ["msg1"] = message! }, status)
                .ExecuteAsync(ctx).ConfigureAwait(false);
            return;
        }
        ctx.Response.Headers["tr_id"] = TrId;
        ctx.Response.Headers["tr_cont"] = "";
        await Results.Json(Answer(query!, hub), SimulatorJson.Kis.KisRestMinuteChartReply).ExecuteAsync(ctx).ConfigureAwait(false);
    }

    /// <summary>The token, app key and secret checks (KIS's gateway: HTTP 500 with an EGW code).</summary>
    private static (int Status, string? Code, string? Message) Authorize(HttpRequest request, SimulatorHub hub)
    {
        var (status, code, message, _) = KisRestAuth.Check(request, hub, trId => trId == TrId, $"tr_id must be {TrId}");
        return (status, code, message);
    }


    private sealed record ChartQuery(string Code, StockVenue Venue, TimeSpan Until);

    /// <summary>Checks the query (errors in KIS's shape, codes inferred); null when it is good.</summary>
    private static (int, string?, string?)? Query(HttpRequest request, out ChartQuery? query)
    {
        query = null;
        var venue = KisRestAuth.Query(request, "FID_COND_MRKT_DIV_CODE") switch
        {
            "J" => StockVenue.Krx, "NX" => StockVenue.Nxt, "UN" => StockVenue.Unified, _ => (StockVenue?)null,
        };
        if (venue is null) return Invalid("FID_COND_MRKT_DIV_CODE must be J (KRX), NX (NXT) or UN (both)");
        var code = KisRestAuth.Query(request, "FID_INPUT_ISCD");
        if (code is not { Length: 6 } || !code.All(char.IsAsciiLetterOrDigit)) return Invalid("FID_INPUT_ISCD must be a 6-character stock code");
        var hour = KisRestAuth.Query(request, "FID_INPUT_HOUR_1");
        if (hour is not { Length: 6 } || !int.TryParse(hour, NumberStyles.None, CultureInfo.InvariantCulture, out var hhmmss)
            || hhmmss / 10000 > 23 || hhmmss / 100 % 100 > 59 || hhmmss % 100 > 59)
            return Invalid("FID_INPUT_HOUR_1 must be HHMMSS");
        if (KisRestAuth.Query(request, "FID_PW_DATA_INCU_YN") is not ("Y" or "N")) return Invalid("FID_PW_DATA_INCU_YN must be Y or N");
        if (!request.Query.ContainsKey("FID_ETC_CLS_CODE")) return Invalid("FID_ETC_CLS_CODE is required (may be empty)");
        query = new ChartQuery(code, venue.Value, new TimeSpan(hhmmss / 10000, hhmmss / 100 % 100, hhmmss % 100));
        return null;

        (int, string?, string?) Invalid(string what) => (500, "OPSQ2001", $"ERROR INPUT FIELD: {what}");
    }

    private static KisRestMinuteChartReply Answer(ChartQuery q, SimulatorHub hub)
    {
        var now = hub.Market.Clock.Now();
        var book = hub.Market.StockBookForChart(q.Code, q.Venue);
        // A stock whose trades nobody subscribes to made none since it appeared (feeds make them): its day up to now is
        // made now, so the chart has every minute the venue traded, as a subscriber would have seen them.
        if (book is not null && !hub.Market.IsReplay && !hub.TradesWatched(q.Code))
        {
            book.CatchUp(now);
            hub.Market.Tape.Flush(); // the paper venue's resting orders meet them (outside the stock's lock)
        }
        // A time in the future reads up to now (KIS: 미래일시 입력 시에 현재가로 조회).
        var rows = book?.MinuteBars(now.Date, q.Until, MaxRows) ?? [];
        var previousClose = hub.Market.Master.Stock(q.Code).Price;
        var (price, volume, value) = book?.Summary() ?? (previousClose, 0, 0);
        var date = now.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var change = price - previousClose;
        var (lowerLimit, upperLimit) = KrxRules.StockDailyLimits(previousClose);
        return new KisRestMinuteChartReply(
            new Dictionary<string, string>
            {
                ["prdy_vrss"] = Text(change),
                ["prdy_vrss_sign"] = Encoding.ASCII.GetString(StockCodes.Sign(price, previousClose, upperLimit, lowerLimit)),
                ["prdy_ctrt"] = (StockCodes.Percent(change, previousClose) / 100m).ToString("0.00", CultureInfo.InvariantCulture),
                ["stck_prdy_clpr"] = Text(previousClose),
                ["acml_vol"] = Text(volume),
                ["acml_tr_pbmn"] = Text(value),
                ["hts_kor_isnm"] = InstrumentMaster.StockName(q.Code),
                ["stck_prpr"] = Text(price),
            },
            rows.Select(b => new Dictionary<string, string>
            {
                ["stck_bsop_date"] = date,
                ["stck_cntg_hour"] = b.Minute.ToString("HHmmss", CultureInfo.InvariantCulture),
                ["stck_prpr"] = Text(b.Close),
                ["stck_oprc"] = Text(b.Open),
                ["stck_hgpr"] = Text(b.High),
                ["stck_lwpr"] = Text(b.Low),
                ["cntg_vol"] = Text(b.Volume),
                ["acml_tr_pbmn"] = Text(b.CumulativeValue),
            }).ToList(),
            RtCd: "0",
            MsgCd: "MCA00000",
            Msg1: "정상처리 되었습니다.");
    }

    /// <summary>True when a session subscribes to one of the stock's trade feeds (KRX, NXT or both): they make its trades.</summary>
    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>주식당일분봉조회's answer, fields in KIS's order.</summary>
internal sealed record KisRestMinuteChartReply(
    [property: JsonPropertyName("output1")] Dictionary<string, string> Output1,
    [property: JsonPropertyName("output2")] List<Dictionary<string, string>> Output2,
    [property: JsonPropertyName("rt_cd")] string RtCd,
    [property: JsonPropertyName("msg_cd")] string MsgCd,
    [property: JsonPropertyName("msg1")] string Msg1);
