using System.Globalization;
using System.Threading.Channels;
using Kis.Realtime.Tests.Client;

namespace Kis.Realtime.Tests.Markets;

/// <summary>
/// Bars closed by the market clock (<see cref="BarOptions.ClockCloseGrace"/>) on a fake clock: the bar stream reads the
/// buffered trades, then waits on a timer of the fake clock for the forming bar's close plus the grace. Each test checks
/// that timer's due time, that advancing to a tick before it yields nothing (the fake clock fires timers inside
/// <see cref="FakeTimeProvider.Advance"/>, so nothing else can wake the stream), and that the tick after yields the bar:
/// no wall-clock wait decides the outcome.
/// </summary>
public class ClockCloseTests
{
    private static readonly TimeSpan Kst = TimeSpan.FromHours(9);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task A_quiet_stream_gets_its_last_bar_at_the_close_plus_the_grace_on_the_clock()
    {
        var s = new Bars.Trades();
        var clock = new FakeTimeProvider(Bars.Trades.Kst("15:30:03")); // one second after the closing print
        var trades = Channel.CreateUnbounded<StockTrade>();
        var options = new BarOptions { ClockCloseGrace = Grace, TimeProvider = clock };
        await using var bars = trades.Reader.ReadAllAsync().ToBarsAsync(BarSpec.Minutes(1), options).GetAsyncEnumerator();

        trades.Writer.TryWrite(s.At("15:30:02", 104, 50));
        // The bar ends at 15:31:00 on the market's clock; this clock runs 1 s ahead of the stamps, the grace is 2 s.
        await AssertClosesAt(bars, clock, Bars.Trades.Kst("15:31:03"));
        Assert.Equal((Bars.Trades.Kst("15:30:00"), 104m, BarFlags.None), (bars.Current.OpenTime, bars.Current.Close, bars.Current.Flags));
        trades.Writer.Complete();
        Assert.False(await bars.MoveNextAsync());
    }

    [Theory]
    [InlineData(StockVenue.Krx, TradingSessions.Regular, "15:30:02", "15:40:00")]  // KRX's regular session ends at 15:40
    [InlineData(StockVenue.Nxt, TradingSessions.Regular, "15:19:00", "15:30:00")]  // NXT's main market at 15:30
    [InlineData(StockVenue.Nxt, TradingSessions.All, "15:19:00", "20:00:00")]      // with its after-market at 20:00
    public async Task A_daily_bar_closes_at_the_market_s_close_plus_the_grace_not_at_midnight(StockVenue venue, TradingSessions sessions, string last,
        string close)
    {
        var s = new Bars.Trades(venue: venue);
        var clock = new FakeTimeProvider(Bars.Trades.Kst(last)); // the clock runs with the stamps: no skew
        var trades = Channel.CreateUnbounded<StockTrade>();
        var options = new BarOptions { ClockCloseGrace = Grace, TimeProvider = clock, Sessions = sessions };
        await using var bars = trades.Reader.ReadAllAsync().ToBarsAsync(BarSpec.Day, options).GetAsyncEnumerator();

        trades.Writer.TryWrite(s.At("10:00:00", 100, 5));
        trades.Writer.TryWrite(s.At(last, 104, 50));
        await AssertClosesAt(bars, clock, Bars.Trades.Kst(close) + Grace);
        Assert.Equal((104m, 55L, BarFlags.None), (bars.Current.Close, bars.Current.Volume, bars.Current.Flags));
        trades.Writer.Complete();
        Assert.False(await bars.MoveNextAsync());
    }

    [Fact]
    public async Task A_US_daily_bar_closes_at_16_00_New_York_time_after_the_summer_time_change()
    {
        // Monday 2026-03-09, New York's first session on summer time (EDT, UTC−4): 16:00 is 05:00 KST, not 06:00.
        var us = new MarketDayTests.UsTrades();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 10, 4, 59, 0, Kst));
        var trades = Channel.CreateUnbounded<OverseasStockTrade>();
        var options = new BarOptions { ClockCloseGrace = Grace, TimeProvider = clock, Sessions = TradingSessions.Regular };
        await using var bars = trades.Reader.ReadAllAsync().ToBarsAsync(BarSpec.Day, options).GetAsyncEnumerator();

        trades.Writer.TryWrite(us.At("2026-03-09 22:30:05", 100, 10)); // 09:30:05 New York
        trades.Writer.TryWrite(us.At("2026-03-10 04:59:00", 101, 3));  // 15:59:00 New York
        await AssertClosesAt(bars, clock, new DateTimeOffset(2026, 3, 9, 16, 0, 0, TimeSpan.FromHours(-4)) + Grace);
        Assert.Equal((100m, 101m, 13L, BarFlags.None), (bars.Current.Open, bars.Current.Close, bars.Current.Volume, bars.Current.Flags));
        Assert.Equal(new DateTimeOffset(2026, 3, 9, 0, 0, 0, TimeSpan.FromHours(-4)), bars.Current.OpenTime);
        trades.Writer.Complete();
        Assert.False(await bars.MoveNextAsync());
    }

    [Fact]
    public async Task The_night_session_daily_bar_closes_at_06_00_KST()
    {
        long acml = 0;
        FuturesTrade F(string time, decimal price, long volume) => new()
        {
            Market = DerivativesMarket.NightFutures, Code = "101W3000",
            Time = TimeOnly.Parse(time, CultureInfo.InvariantCulture), Price = price, Volume = volume, CumulativeVolume = acml += volume,
        };
        // Monday's night session: 18:00 to Tuesday 06:00 KST.
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 10, 5, 59, 0, Kst));
        var trades = Channel.CreateUnbounded<FuturesTrade>();
        var options = new BarOptions { ClockCloseGrace = Grace, TimeProvider = clock, TradingDate = new DateOnly(2026, 3, 9) };
        await using var bars = trades.Reader.ReadAllAsync().ToBarsAsync<FuturesTrade, FuturesTradeAccessor>(BarSpec.Day, options).GetAsyncEnumerator();

        trades.Writer.TryWrite(F("18:00:01", 350, 2));
        trades.Writer.TryWrite(F("23:59:59", 352, 1));
        trades.Writer.TryWrite(F("05:59:00", 351, 4));
        await AssertClosesAt(bars, clock, new DateTimeOffset(2026, 3, 10, 6, 0, 0, Kst) + Grace);
        Assert.Equal((350m, 352m, 351m, 7L, BarFlags.None),
            (bars.Current.Open, bars.Current.High, bars.Current.Close, bars.Current.Volume, bars.Current.Flags));
        Assert.Equal(new DateTimeOffset(2026, 3, 9, 12, 0, 0, Kst), bars.Current.OpenTime);
        trades.Writer.Complete();
        Assert.False(await bars.MoveNextAsync());
    }

    /// <summary>
    /// Moves <paramref name="bars"/> on (its trades are buffered) and checks that it closes exactly at
    /// <paramref name="due"/> on <paramref name="clock"/>: waiting on a timer due then, nothing at a tick before, the bar at it.
    /// </summary>
    private static async Task AssertClosesAt(IAsyncEnumerator<Bar> bars, FakeTimeProvider clock, DateTimeOffset due)
    {
        var next = bars.MoveNextAsync().AsTask();
        try
        {
            // The stream reads the buffered trades, then arms its timer (or, closing early, yields at once): poll for either.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (clock.NextTimerDue is null && !next.IsCompleted)
            {
                Assert.True(DateTime.UtcNow < deadline, "the bar stream neither waits on the clock nor yields");
                await Task.Yield();
            }
            Assert.False(next.IsCompleted, $"closed early at {clock.GetUtcNow():O}");
            Assert.Equal(due, clock.NextTimerDue);

            clock.Advance(due - clock.GetUtcNow() - TimeSpan.FromTicks(1));
            Assert.False(next.IsCompleted, $"closed early at {clock.GetUtcNow():O}");
            Assert.Equal(due, clock.NextTimerDue); // still waiting for the same moment

            clock.Advance(TimeSpan.FromTicks(1));
            Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(10)), $"not closed at {clock.GetUtcNow():O}");
        }
        catch
        {
            // Let the pending move end first: disposing the enumerator in the middle of one would hide this failure.
            clock.Advance(TimeSpan.FromDays(1));
            await next.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
            throw;
        }
    }
}
