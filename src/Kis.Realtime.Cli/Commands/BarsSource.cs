using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Gateway;
using Kis.Realtime.Protocol;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Cli.Commands;

/// <summary>
/// Where <c>kisrt bars</c> reads trades, and the history its bars start from:
/// <list type="bullet">
/// <item>a KIS session of its own, as <c>stream</c> (the built-in simulator, KIS, another server): seeded from KIS's REST
/// minute chart (주식당일분봉조회) for stock trades, read before subscribing, so the live trades continue it;</item>
/// <item><c>--gateway</c>: a running <c>kisrt gateway</c>, read from the start of the KST day out of its retained stream
/// (the stream is the history);</item>
/// <item><c>--replay DIR</c>: a <c>kisrt record</c> folder, every recorded trade from the start.</item>
/// </list>
/// </summary>
internal sealed class BarsSource : IAsyncDisposable
{
    private readonly ClientHost? _direct;
    private readonly ILoggerFactory? _loggerFactory;
    private KisRecordingFolder? _recording;

    /// <summary>The recording of <c>--replay</c>; null for live and gateway sources.</summary>
    public KisRecordingFolder? Recording => _recording;

    private BarsSource(IKisRealtimeClient client, IReadOnlyList<SubscriptionSpec> subscriptions, string description,
        ClientHost? direct = null, ILoggerFactory? loggerFactory = null)
    {
        Client = client;
        Subscriptions = subscriptions;
        Description = description;
        _direct = direct;
        _loggerFactory = loggerFactory;
    }

    public IKisRealtimeClient Client { get; }

    public IReadOnlyList<SubscriptionSpec> Subscriptions { get; }

    /// <summary>direct, gateway or replay (for the summary).</summary>
    public string Description { get; }

    /// <summary>True when the bars need a history seed from REST (a direct session: it sees only trades from now).</summary>
    public bool SeedsFromRest => _direct is not null;

    public static async Task<BarsSource> StartAsync(ConnectionArgs args, string? replayDirectory, ClientHost.Environment environment,
        TextWriter status, CancellationToken cancellationToken)
    {
        var settings = CliSettings.From(CliSettings.BuildConfiguration(args.ToConfiguration(), environment.GetVariable,
            environment.ConfigurationDirectory, environment.UserSecrets)).WithGatewayWanted(args.Gateway);
        if (replayDirectory is not null && settings.Gateway is not null)
            throw new CliUsageException("--replay and --gateway are two sources: give one.");
        if (replayDirectory is not null || settings.Gateway is not null)
            GatewayConnection.RefuseSessionOptions(args, replayDirectory is not null ? "--replay" : "--gateway",
                "it chooses a KIS session, and this source has its own");
        if (replayDirectory is not null) return await StartReplayAsync(args, settings, replayDirectory, status, cancellationToken);
        if (settings.Gateway is not null) return await StartGatewayAsync(args, settings, status, cancellationToken);
        // No tuning: the pumps below do real work per trade, so records are delivered off the receive loop.
        var host = await ClientHost.StartAsync(args, environment, status, KisFullMode.DropOldest, cancellationToken, CheckTradeTrs);
        return new BarsSource(host.Source, host.Subscriptions, host.Merged is null ? "direct" : "direct, feeds A and B merged", host);
    }

    /// <summary>Bars are built from trades: every --sub must be a trade TR with a bar view.</summary>
    public static void CheckTradeTrs(IReadOnlyList<SubscriptionSpec> specs)
    {
        foreach (var spec in specs)
        {
            if (!IsTradeTr(spec.Tr))
                throw new CliUsageException($"--sub {spec}: bars are built from trades; {spec.Tr.Id} is not a trade TR. Use stock, stock-nxt, stock-unified, " +
                    "index, futures, options, night-futures, night-options, stock-futures, stock-options or us.");
        }
    }

    public static bool IsTradeTr(TrDefinition tr) =>
        StockTrade.Trs.Contains(tr) || tr == KisTrs.H0UPCNT0 || FuturesTrade.Trs.Contains(tr) || OptionsTrade.Trs.Contains(tr)
            || OverseasStockTrade.Trs.Contains(tr);

    private static async Task<BarsSource> StartReplayAsync(ConnectionArgs args, CliSettings settings, string directory, TextWriter status,
        CancellationToken ct)
    {
        if (!Directory.Exists(directory)) throw new CliUsageException($"--replay {directory}: no such folder (give a `kisrt record --out` folder).");
        var specs = ClientHost.ParseSubscriptions(args.Subscriptions, settings);
        CheckTradeTrs(specs);
        // A folder that is no recording is a usage error (exit 2), as for backtest and export; days without raw.log are named.
        var daysWithoutRaw = BacktestInput.CheckFolder(directory, out var anyDay);
        foreach (var warning in daysWithoutRaw) await status.WriteLineAsync($"kisrt: warning: {warning}");
        if (!anyDay)
            throw new CliRunException($"no day of {Path.GetFullPath(directory)} can be replayed: `kisrt record --out` writes the raw.log bars are built from.");
        var folder = new KisRecordingFolder(directory);
        var client = new KisReplayClient(folder);
        try
        {
            await client.ConnectAsync(ct);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await client.DisposeAsync();
            throw new CliRunException($"could not read the recording {directory}: {e.Message}", e);
        }
        return new BarsSource(client, specs, "replay") { _recording = folder };
    }

    private static async Task<BarsSource> StartGatewayAsync(ConnectionArgs args, CliSettings settings, TextWriter status, CancellationToken ct)
    {
        var specs = ClientHost.ParseSubscriptions(args.Subscriptions, settings);
        CheckTradeTrs(specs);
        // The current trading day's trades from the gateway's retained stream, then live: the stream is the history a bar
        // starts from. The day is each market's (a US session or the night session began the evening before, KST).
        var startOfDay = TradingDayStart(specs, TimeProvider.System);
        var (client, gatewayStatus, loggerFactory) = await GatewayConnection.ConnectAsync(args, settings, "bars", status,
            o => o with { Start = GatewayStart.FromTime(startOfDay) }, ct);
        var endpoint = client.Options.Endpoint;
        status.WriteLine($"kisrt: bars from the gateway (run {gatewayStatus.Run}, namespace {endpoint.Namespace}) at {endpoint.DisplayUri}, from " +
            $"{startOfDay.ToOffset(KoreaTime.Offset):yyyy-MM-dd HH:mm} KST");
        return new BarsSource(client, specs, "gateway", loggerFactory: loggerFactory);
    }

    /// <summary>
    /// The earliest start among the subscriptions' markets of their latest trading day that has begun (its first
    /// session's opening at or before now): at 00:30 KST, before KRX's day has opened, KRX's is yesterday's (a Saturday:
    /// Friday's), so the bars show the day that was, not a day whose stream is still empty.
    /// </summary>
    internal static DateTimeOffset TradingDayStart(IEnumerable<SubscriptionSpec> specs, TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        return specs.Select(s => LatestOpenedDayStart(Kis.Realtime.MarketCalendar.For(s.Tr.Id, s.Key), now)).Min();
    }

    private static DateTimeOffset LatestOpenedDayStart(Kis.Realtime.MarketCalendar calendar, DateTimeOffset now)
    {
        var day = calendar.TradingDayOf(now);
        // A week back at most: some day of any week trades (holidays are not modelled).
        for (var i = 0; i < 7; i++, day = day.AddDays(-1))
        {
            if (!calendar.IsTradingDay(day)) continue;
            var open = calendar.OpenOf(day, Kis.Realtime.TradingSessions.All);
            if (open <= now) return open;
        }
        return calendar.OpenOf(calendar.TradingDayOf(now), Kis.Realtime.TradingSessions.All);
    }

    /// <summary>
    /// Today's bars of a stock subscription from KIS's REST minute chart, for <paramref name="spec"/>'s interval (1-minute
    /// rows merged into longer bars), oldest first; empty when the chart has no row yet (before the open); null when
    /// there is no REST history: not a direct session, a TR or interval without one, or the chart failed (the bars then
    /// start at the first live trade, which the status line says).
    /// </summary>
    public async Task<IReadOnlyList<Bar>?> RestSeedAsync(SubscriptionSpec subscription, BarSpec spec, TextWriter status, CancellationToken ct)
    {
        if (_direct is null) return null;
        var venue = subscription.Tr == KisTrs.H0STCNT0 ? StockVenue.Krx
            : subscription.Tr == KisTrs.H0NXCNT0 ? StockVenue.Nxt
            : subscription.Tr == KisTrs.H0UNCNT0 ? StockVenue.Unified
            : (StockVenue?)null;
        if (venue is null || spec.Kind != BarKind.Time || spec.Interval.Ticks % TimeSpan.TicksPerMinute != 0)
        {
            await status.WriteLineAsync($"kisrt: {subscription}: no REST history for {subscription.Tr.Id} {spec} bars: they start at the first live trade.");
            return null;
        }
        var settings = _direct.Settings;
        using var rest = new KisRestClient(new KisRestOptions
        {
            Credential = new KisCredential(settings.AppKey!, settings.AppSecret!),
            Environment = settings.Environment,
            RestBaseUrl = settings.RestUrl,
            HttpHandler = settings.RestUrl is { IsLoopback: true } ? ClientHost.LoopbackHandler : null,
            // KIS limits how often a token may be issued: real credentials keep theirs for its lifetime, per user.
            AccessTokenCacheFile = _direct.Simulator is null && settings.AppKey != Simulator.SimulatorOptions.DefaultAppKey
                ? _direct.HostEnvironment.AccessTokenCacheFile : null,
        });
        IReadOnlyList<KisMinuteBar> minutes;
        try
        {
            // Up to 23:59:59: KIS reads a time still to come up to now (미래일시 입력 시에 현재가로 조회), and a simulator's
            // demo day is not the wall clock's, so "now" here would miss it.
            minutes = await rest.GetTodayMinuteBarsAsync(subscription.Key, venue.Value, until: new TimeOnly(23, 59, 59), cancellationToken: ct);
        }
        catch (KisRestException e)
        {
            // The bars still come, from the live trades; the first is flagged gap when volume is missing before it.
            await status.WriteLineAsync($"kisrt: {subscription}: REST minute chart unavailable ({e.Message}): bars start at the first live trade.");
            return null;
        }
        var bars = MinuteBars.Merge(subscription.Key, minutes, spec.Interval);
        await status.WriteLineAsync($"kisrt: {subscription}: seeded with {minutes.Count} REST minute rows ({bars.Count} {spec} bars).");
        return bars;
    }

    public async ValueTask DisposeAsync()
    {
        if (_direct is not null) await _direct.DisposeAsync();
        else await Client.DisposeAsync();
        _loggerFactory?.Dispose();
    }
}

/// <summary>KIS's REST minute rows as <see cref="Bar"/>s of a whole number of minutes.</summary>
internal static class MinuteBars
{
    /// <summary>
    /// Merges 1-minute rows (one day) into bars of <paramref name="interval"/> aligned to KST midnight, as the aggregator
    /// aligns them; each minute's value comes from the rows' cumulative traded value by the library's one rule
    /// (<see cref="MinuteChartRow.ToBars(string, IEnumerable{KisMinuteBar})"/>). Trade counts are unknown (0). Flagged
    /// <see cref="BarFlags.Seeded"/>.
    /// </summary>
    public static List<Bar> Merge(string key, IReadOnlyList<KisMinuteBar> minutes, TimeSpan interval)
    {
        var bars = new List<Bar>();
        foreach (var m in MinuteChartRow.ToBars(key, minutes))
        {
            var kst = m.OpenTime;
            var sinceMidnight = kst.TimeOfDay.Ticks;
            var open = new DateTimeOffset(kst.Date, kst.Offset).AddTicks(sinceMidnight - sinceMidnight % interval.Ticks);
            if (bars.Count > 0 && bars[^1].OpenTime == open)
            {
                var b = bars[^1];
                var volume = b.Volume + m.Volume;
                var total = b.Value + m.Value;
                bars[^1] = b with
                {
                    High = Math.Max(b.High, m.High), Low = Math.Min(b.Low, m.Low), Close = m.Close,
                    Volume = volume, Value = total, Vwap = volume == 0 ? m.Close : total / volume,
                };
                continue;
            }
            bars.Add(m with { OpenTime = open, CloseTime = open + interval });
        }
        return bars;
    }
}
