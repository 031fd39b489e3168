using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 57 items 4 and 7: the simulator's KRX stock market follows each day's hours from the library's calendar
/// (Markets/holidays.csv): 2026-01-02 opens at 10:00, the exam day 2026-11-19 trades 10:00–16:30 (its closing auction
/// 16:20–16:30). Trades, the closing print and the REST minute chart (its backfill too) keep those hours.
/// </summary>
public sealed class SimulatorSpecialDayTests
{
    private static readonly TimeSpan Kst = TimeSpan.FromHours(9);

    // PINGPONGs every 2 s keep a session alive through the silences these days have (the closing auction: 10 s at 60
    // times speed) within the test client's 5-second liveness: with the default 100 s the client took the auction for a
    // stalled connection, reconnected, and sometimes missed the 16:30 print while reconnecting (a flaky test).
    private static Task<KisSimulator> StartAt(DateTimeOffset start, TimeProvider? time = null) => KisSimulator.StartAsync(SimulatorOptions.Default with
    {
        MarketStart = start, ClockSpeed = 60, Pace = MarketPace.PerSecond(50), Seed = 5, PingInterval = TimeSpan.FromSeconds(2),
        TimeProvider = time ?? TimeProvider.System,
    });

    private static async Task<List<(TimeOnly Time, long Volume)>> FirstTrades(KisSimulator sim, int count)
    {
        var trades = new List<(TimeOnly, long)>();
        await using var client = new KisRealtimeClient(Options(sim));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await foreach (var t in client.SubscribeStockTradesAsync("005930", cancellationToken: timeout.Token))
        {
            trades.Add((t.Time, t.Volume));
            if (trades.Count >= count) break;
        }
        Assert.Equal(0, client.Statistics.Reconnects); // one session throughout: no record lost to a reconnect
        return trades;
    }

    [Theory]
    [InlineData(1, 2)]   // the year's first trading day
    [InlineData(11, 19)] // the exam day
    public async Task On_a_late_open_the_first_KRX_trade_is_at_10_00_or_later(int month, int day)
    {
        await using var sim = await StartAt(new DateTimeOffset(2026, month, day, 9, 56, 0, Kst));
        var trades = await FirstTrades(sim, 3);
        Assert.All(trades, t => Assert.True(t.Time >= new TimeOnly(10, 0), $"a KRX trade at {t.Time} before the 10:00 open"));
    }

    [Fact]
    public async Task On_the_exam_day_the_closing_auction_runs_to_16_30_and_the_close_prints_then()
    {
        // 16:17 KST: continuous trading to 16:20, no trade in the closing auction, the close printed at 16:30. The clock
        // is held at 16:17 until the subscription stands: those three market minutes are 3 s of wall time, and a loaded
        // machine may take that long to connect and subscribe.
        var time = new Kis.Realtime.Tests.Bars.HeldMarketTime();
        await using var sim = await StartAt(new DateTimeOffset(2026, 11, 19, 16, 17, 0, Kst), time);
        var trades = new List<TimeOnly>();
        await using (var client = new KisRealtimeClient(Options(sim)))
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await using var stream = client.SubscribeStockTradesAsync("005930", cancellationToken: timeout.Token).GetAsyncEnumerator(timeout.Token);
            var next = stream.MoveNextAsync(); // subscribes
            await UntilAsync(() => sim.Counters.Replies("OPSP0000") >= 1, "the subscription confirmed");
            time.Run();
            while (await next)
            {
                trades.Add(stream.Current.Time);
                if (stream.Current.Time >= new TimeOnly(16, 30)) break;
                next = stream.MoveNextAsync();
            }
            Assert.Equal(0, client.Statistics.Reconnects); // one session through the auction's silence
        }
        Assert.Contains(trades, t => t < new TimeOnly(16, 20));
        Assert.DoesNotContain(trades, t => t >= new TimeOnly(16, 20) && t < new TimeOnly(16, 30));
        Assert.InRange(trades[^1], new TimeOnly(16, 30), new TimeOnly(16, 31));
    }

    [Theory]
    [InlineData(2026, 11, 19, "10:00", "16:20", "16:30", "16:40", "19:00")] // the exam day: every day session an hour late
    [InlineData(2026, 1, 2, "10:00", "15:20", "15:30", "15:40", "18:00")]   // a late open: the close as usual
    [InlineData(2026, 11, 18, "09:00", "15:20", "15:30", "15:40", "18:00")] // a normal day
    public void KRX_stock_TRs_send_in_that_days_hours(int year, int month, int day, string open, string auction, string close,
        string afterOpen, string afterClose)
    {
        var date = new DateTime(year, month, day);
        DateTime At(string hhmm, int seconds = 0)
            => date + TimeSpan.Parse(hhmm, System.Globalization.CultureInfo.InvariantCulture) + TimeSpan.FromSeconds(seconds);
        Assert.False(TradingHours.KrxStockTrades.IsOpen(At(open, -1)));
        Assert.True(TradingHours.KrxStockTrades.IsOpen(At(open)));
        Assert.Equal(At(open), TradingHours.KrxStockTrades.NextOpen(date.AddHours(7)));
        Assert.True(TradingHours.KrxAuctions.IsOpen(At(open, -1)));
        Assert.False(TradingHours.KrxAuctions.IsOpen(At(auction, -1)));
        Assert.True(TradingHours.KrxAuctions.IsOpen(At(auction)));
        Assert.False(TradingHours.KrxAuctions.IsOpen(At(close)));
        Assert.False(TradingHours.KrxAfterHours.IsOpen(At(afterOpen, -1)));
        Assert.True(TradingHours.KrxAfterHours.IsOpen(At(afterOpen)));
        Assert.True(TradingHours.KrxAfterHours.IsOpen(At(afterClose, -1)));
        Assert.False(TradingHours.KrxAfterHours.IsOpen(At(afterClose)));
        // One source: the library's calendar says the same.
        Assert.Equal(At(open), MarketCalendar.KrxStocks.OpenOf(DateOnly.FromDateTime(date), TradingSessions.Regular).DateTime);
        Assert.Equal(At(afterClose), MarketCalendar.KrxStocks.CloseOf(DateOnly.FromDateTime(date), TradingSessions.AfterMarket).DateTime);
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(11, 19)]
    public async Task On_a_late_open_the_REST_minute_chart_begins_at_10_00(int month, int day)
    {
        // A stock first asked for at 10:30: its backfilled KRX chart holds the minutes from the 10:00 open, none before.
        await using var sim = await StartAt(new DateTimeOffset(2026, month, day, 10, 30, 0, Kst));
        using var rest = new KisRestClient(new KisRestOptions
        {
            Credential = new KisCredential(SimulatorOptions.DefaultAppKey, SimulatorOptions.DefaultAppSecret), RestBaseUrl = sim.RestBaseUrl,
        });
        var rows = await rest.GetTodayMinuteBarsAsync("005930", StockVenue.Krx, until: new TimeOnly(23, 59, 59));
        Assert.NotEmpty(rows);
        Assert.Equal(new TimeOnly(10, 0), rows.Min(r => TimeOnly.FromDateTime(r.Time.DateTime)));
    }
}
