using System.Globalization;
using System.Text.Json;
using Kis.Realtime.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kis.Realtime;

/// <summary>
/// KIS's REST API, the parts a real-time client needs: today's minute chart of a stock (to seed bars built from the
/// live trades), with the access token (<c>POST /oauth2/tokenP</c>) issued once and cached for its lifetime.
/// Thread-safe. Every call is bounded (timeout, answer size), follows no redirect and never shows a secret.
/// </summary>
public sealed partial class KisRestClient : IDisposable
{
    /// <summary>KIS's path of 주식당일분봉조회.</summary>
    internal const string MinuteChartPath = "/uapi/domestic-stock/v1/quotations/inquire-time-itemchartprice";

    /// <summary>Its tr_id (the same on the real and the paper server).</summary>
    internal const string MinuteChartTrId = "FHKST03010200";

    /// <summary>KIS's page: at most 30 rows a call.</summary>
    internal const int MinuteChartPageSize = 30;

    /// <summary>Pages read at most for one day (24 h of minutes / 30, and some), so a server that never ends cannot loop us.</summary>
    private const int MaxPages = 24 * 60 / MinuteChartPageSize + 2;


    private readonly KisRestOptions _options;
    private readonly RestHttp _http;
    private readonly AccessTokenProvider _tokens;
    private readonly ILogger _logger;

    /// <summary>Creates the client (no call is made until a method needs one).</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public KisRestClient(KisRestOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = options.LoggerFactory?.CreateLogger("Kis.Realtime.Rest") ?? NullLogger.Instance;
        _http = new RestHttp(options.HttpHandler, options.TimeProvider, options.RequestTimeout, options.MaxResponseBytes);
        _tokens = new AccessTokenProvider(_http, options.EffectiveRestBaseUrl, options.AccessTokenCacheFile, options.TimeProvider, _logger);
    }

    /// <summary>Access tokens issued over HTTP by this client (not served from its cache or file).</summary>
    public int AccessTokensIssued => _tokens.IssuedCount;

    /// <summary>REST calls made for data (pages read), tokens not included.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    private long _requests;

    /// <summary>
    /// Today's 1-minute bars of <paramref name="stockCode"/> on <paramref name="venue"/>, oldest first, from KIS's
    /// 주식당일분봉조회: read backwards from <paramref name="until"/> 30 rows a call until <paramref name="from"/> or the
    /// first trade of the day. KIS has no row for a minute without a trade, so there are none here either.
    /// </summary>
    /// <param name="stockCode">A six-character stock code (005930).</param>
    /// <param name="venue">KRX (<c>J</c>), NXT (<c>NX</c>) or both combined (<c>UN</c>).</param>
    /// <param name="until">The last minute wanted (KST, inclusive); null: now on <see cref="KisRestOptions.TimeProvider"/> in KST.</param>
    /// <param name="from">The first minute wanted (KST, inclusive); null: the whole day.</param>
    /// <param name="cancellationToken">Cancels the reading.</param>
    /// <exception cref="KisRestException">A call failed, or an answer could not be read (the error says which row and field).</exception>
    public async Task<IReadOnlyList<KisMinuteBar>> GetTodayMinuteBarsAsync(string stockCode, StockVenue venue = StockVenue.Krx,
        TimeOnly? until = null, TimeOnly? from = null, CancellationToken cancellationToken = default)
    {
        if (stockCode is not { Length: 6 } || !stockCode.All(char.IsAsciiLetterOrDigit))
            throw new ArgumentException($"'{stockCode}' is not a six-character stock code.", nameof(stockCode));
        var market = venue switch
        {
            StockVenue.Krx => "J", StockVenue.Nxt => "NX", StockVenue.Unified => "UN",
            _ => throw new ArgumentOutOfRangeException(nameof(venue), venue, "KRX, NXT or Unified."),
        };
        var hour = until ?? TimeOnly.FromDateTime(_options.TimeProvider.GetUtcNow().ToOffset(KoreaTime.Offset).DateTime);
        var first = from ?? TimeOnly.MinValue;
        var bars = new SortedDictionary<DateTimeOffset, KisMinuteBar>();
        for (var page = 0; page < MaxPages; page++)
        {
            var rows = await ReadPageAsync(stockCode, market, hour, cancellationToken).ConfigureAwait(false);
            var oldest = TimeOnly.MaxValue;
            foreach (var bar in rows)
            {
                var t = TimeOnly.FromTimeSpan(bar.Time.TimeOfDay);
                if (t < oldest) oldest = t;
                // KIS's page includes the asked minute itself; later pages can repeat a boundary minute: keyed by time.
                if (t <= hour && t >= TruncateToMinute(first)) bars[bar.Time] = bar;
            }
            LogPage(_logger, stockCode, market, hour.ToString("HHmmss", CultureInfo.InvariantCulture), rows.Count);
            // The day's first minute reached, or nothing older wanted; a server that does not go back ends it too.
            if (rows.Count < MinuteChartPageSize || oldest <= first || oldest == TimeOnly.MinValue) break;
            // The second before the oldest row's minute; a server that does not go back ends the reading.
            var next = TruncateToMinute(oldest).Add(TimeSpan.FromSeconds(-1));
            if (next >= hour) break;
            hour = next;
        }
        return [.. bars.Values];
    }

    private static TimeOnly TruncateToMinute(TimeOnly t) => new(t.Hour, t.Minute);

    private async Task<List<KisMinuteBar>> ReadPageAsync(string code, string market, TimeOnly hour, CancellationToken ct)
    {
        string? rejected = null;
        for (var attempt = 0; ; attempt++)
        {
            var credential = _options.Credential;
            var token = await _tokens.GetAsync(credential, rejected, ct).ConfigureAwait(false);
            var hhmmss = hour.ToString("HHmmss", CultureInfo.InvariantCulture);
            var url = new Uri(_options.EffectiveRestBaseUrl,
                $"{MinuteChartPath}?FID_ETC_CLS_CODE=&FID_COND_MRKT_DIV_CODE={market}&FID_INPUT_ISCD={code}&FID_INPUT_HOUR_1={hhmmss}&FID_PW_DATA_INCU_YN=Y");
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.TryAddWithoutValidation("authorization", $"Bearer {token}");
            request.Headers.TryAddWithoutValidation("appkey", credential.AppKey);
            request.Headers.TryAddWithoutValidation("appsecret", credential.AppSecret);
            request.Headers.TryAddWithoutValidation("tr_id", MinuteChartTrId);
            request.Headers.TryAddWithoutValidation("custtype", "P");
            var what = $"Minute chart of {code} ({market}) to {hhmmss}";
            Interlocked.Increment(ref _requests);
            var (status, body) = await _http.SendAsync(request, what, ct).ConfigureAwait(false);
            using (body)
            {
                if (body is null) throw new KisRestException($"{what}: HTTP {(int)status}, the answer is not JSON.", (int)status);
                var root = body.RootElement;
                var rtCd = RestHttp.Text(root, "rt_cd");
                if ((int)status == 200 && rtCd == "0") return ParseRows(root, what);
                var msgCd = RestHttp.Text(root, "msg_cd") ?? RestHttp.Text(root, "error_code");
                // An expired or unknown token: issue a new one once (the provider paces issues to KIS's one a minute).
                if (attempt == 0 && msgCd is "EGW00121" or "EGW00123")
                {
                    LogTokenRejected(_logger, credential.MaskedAppKey, msgCd);
                    rejected = token;
                    continue;
                }
                var message = Protocol.Redaction.ServerText(RestHttp.Text(root, "msg1") ?? RestHttp.Text(root, "error_description"), credential.AppSecret,
                    credential.AppKey, token) ?? "";
                throw new KisRestException($"{what}: HTTP {(int)status}, {msgCd ?? "no msg_cd"} {message}".TrimEnd() + ".", (int)status, msgCd);
            }
        }
    }

    private static List<KisMinuteBar> ParseRows(JsonElement root, string what)
    {
        if (!root.TryGetProperty("output2", out var output2) || output2.ValueKind != JsonValueKind.Array)
            throw new KisRestException($"{what}: the answer has no output2 array.");
        var rows = new List<KisMinuteBar>(output2.GetArrayLength());
        var i = 0;
        foreach (var r in output2.EnumerateArray())
        {
            i++;
            var date = Field(r, "stck_bsop_date", i, what);
            var time = Field(r, "stck_cntg_hour", i, what);
            if (!DateTime.TryParseExact(date + time, "yyyyMMddHHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var kst))
                throw new KisRestException($"{what}: row {i} has an unreadable stck_bsop_date/stck_cntg_hour.");
            rows.Add(new KisMinuteBar(new DateTimeOffset(kst, KoreaTime.Offset), Price(r, "stck_oprc", i, what), Price(r, "stck_hgpr", i, what),
                Price(r, "stck_lwpr", i, what), Price(r, "stck_prpr", i, what), Integer(r, "cntg_vol", i, what), Integer(r, "acml_tr_pbmn", i, what)));
        }
        return rows;
    }

    private static string Field(JsonElement row, string name, int i, string what)
        => RestHttp.Text(row, name) is { Length: > 0 and <= 32 } s ? s : throw new KisRestException($"{what}: row {i} has no {name}.");

    private static decimal Price(JsonElement row, string name, int i, string what)
        => decimal.TryParse(Field(row, name, i, what), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v)
            ? v : throw new KisRestException($"{what}: row {i} has an unreadable {name}.");

    private static long Integer(JsonElement row, string name, int i, string what)
        => long.TryParse(Field(row, name, i, what), NumberStyles.None, CultureInfo.InvariantCulture, out var v)
            ? v : throw new KisRestException($"{what}: row {i} has an unreadable {name}.");

    /// <summary>Releases the HTTP client it created (not one given in the options).</summary>
    public void Dispose() => _http.Dispose();

    [LoggerMessage(1121, LogLevel.Debug, "Minute chart {Code} ({Market}) to {Hour}: {Rows} rows")]
    private static partial void LogPage(ILogger logger, string code, string market, string hour, int rows);

    [LoggerMessage(1122, LogLevel.Warning, "The server refused the access token of app key {AppKey} ({Code}); issuing a new one")]
    private static partial void LogTokenRejected(ILogger logger, string appKey, string code);
}
