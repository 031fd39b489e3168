using Kis.Realtime.Simulator.Trading.Rules;
using Kis.Realtime.Simulator.Trading.Engine;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>The market clock's modes and trading hours, on injected clocks (no waiting on a real weekend).</summary>
public sealed class MarketClockTests
{
    private static DateTimeOffset Kst(int y, int mo, int d, int h, int mi, int s = 0) => new(y, mo, d, h, mi, s, TimeSpan.FromHours(9));

    [Fact]
    public void Demo_day_starts_at_nine_runs_at_its_speed_and_rolls_to_the_next_morning_after_eight_pm()
    {
        var wall = new ManualTimeProvider(Kst(2026, 11, 23, 16, 41)); // a Monday afternoon
        var clock = new MarketClock(wall, MarketClockMode.Demo, speed: 60);
        Assert.Equal(new DateTime(2026, 11, 23, 9, 0, 0), clock.Now());
        wall.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(new DateTime(2026, 11, 23, 10, 0, 0), clock.Now());
        wall.Advance(TimeSpan.FromMinutes(11)); // 11 market hours later: 21:00 does not exist in a demo day
        Assert.Equal(new DateTime(2026, 11, 24, 9, 0, 0), clock.Now());
        // Index closed at 15:30; at 16:00 the next open is 09:00 tomorrow: 4 h to 20:00 + 1 h from 08:00 = 5 market hours.
        Assert.Equal(TimeSpan.FromMinutes(5), clock.UntilOpen(TradingHours.Index, new DateTime(2026, 11, 24, 16, 0, 0)));
        Assert.Equal(TimeSpan.Zero, clock.UntilOpen(TradingHours.Index, new DateTime(2026, 11, 24, 10, 0, 0)));
        Assert.Equal(new DateTime(2026, 11, 23, 16, 53, 0), clock.WallKst());
    }

    [Fact]
    public void Demo_week_has_no_weekend_a_Sunday_start_is_Monday_and_Friday_night_is_followed_by_Monday_morning()
    {
        var wall = new ManualTimeProvider(Kst(2026, 11, 22, 16, 41)); // a Sunday afternoon
        var clock = new MarketClock(wall, MarketClockMode.Demo, speed: 3600); // a market hour per second
        Assert.Equal(new DateTime(2026, 11, 23, 9, 0, 0), clock.Now()); // Monday
        // Three demo weeks, a market hour at a time: every hour is on a weekday, 08:00–20:00, and never goes back.
        var previous = clock.Now();
        var days = new HashSet<DateTime>();
        for (var hour = 0; hour < 3 * 5 * 12; hour++)
        {
            wall.Advance(TimeSpan.FromSeconds(1));
            var now = clock.Now();
            Assert.True(now > previous, $"{now} after {previous}");
            Assert.False(now.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday, $"{now:yyyy-MM-dd ddd HH:mm}");
            Assert.InRange(now.TimeOfDay, TimeSpan.FromHours(8), TimeSpan.FromHours(20));
            days.Add(now.Date);
            previous = now;
        }
        Assert.Equal(16, days.Count); // three weeks of weekdays and the Monday after
        Assert.Equal(new DateTime(2026, 12, 14, 9, 0, 0), clock.Now()); // 180 market hours on: Monday three weeks later
        // Friday 16:00: the index next opens Monday 09:00, 4 h to Friday 20:00 + 1 h from Monday 08:00 = 5 market hours.
        Assert.Equal(TimeSpan.FromSeconds(5), clock.UntilOpen(TradingHours.Index, new DateTime(2026, 12, 11, 16, 0, 0)));
    }

    [Theory]
    // Issue 76 (9): a restart after the saved KRX day had closed opens the next trading day at 09:00, as KIS's paper
    // server has a new day overnight. Failed before: the clock continued at 16:00 and stock orders got APBK0918.
    [InlineData("2026-11-23 16:00", "2026-11-24 09:00")] // Monday after the close: Tuesday's open
    [InlineData("2026-11-27 19:30", "2026-11-30 09:00")] // Friday evening: Monday's open
    [InlineData("2026-11-23 15:40", "2026-11-24 09:00")] // the regular session's end
    [InlineData("2026-11-23 11:30", "2026-11-23 11:30")] // mid-session: continues where it stopped
    [InlineData("2026-11-23 15:39", "2026-11-23 15:39")]
    public void Demo_clock_restarted_after_the_close_opens_the_next_trading_day(string saved, string expected)
    {
        var wall = new ManualTimeProvider(Kst(2026, 11, 23, 8, 0));
        var at = DateTime.ParseExact(saved, "yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        var clock = new MarketClock(wall, MarketClockMode.Demo, speed: 1, resumeAt: at);
        Assert.Equal(DateTime.ParseExact(expected, "yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture), clock.Now());
    }

    [Theory]
    // A demo started on a day KRX does not trade, or on a day it opens late, starts at that day's KRX open, so data
    // flows at once. Failed before (CI at any wall time): started on 2026-12-31 the demo began at 09:00 on 2027-01-04,
    // the year's first trading day, whose KRX sessions open at 10:00, and no KRX stock traded for a market hour.
    [InlineData("2026-12-31 10:00", "2027-01-04 10:00")] // the year-end closing day: the next year's first trading day
    [InlineData("2027-01-01 00:00", "2027-01-04 10:00")] // New Year's Day
    [InlineData("2027-11-18 15:00", "2027-11-18 10:00")] // the exam day (수능): KRX opens an hour late
    [InlineData("2026-12-05 12:00", "2026-12-07 09:00")] // a Saturday: Monday's usual open
    public void Demo_clock_started_before_a_late_open_starts_at_that_open(string wallKst, string expected)
    {
        var wall = new ManualTimeProvider(new DateTimeOffset(Parse(wallKst), TimeSpan.FromHours(9)));
        var clock = new MarketClock(wall, MarketClockMode.Demo, speed: 60);
        Assert.Equal(Parse(expected), clock.Now());
        Assert.Equal(TimeSpan.Zero, clock.UntilOpen(TradingHours.Index, clock.Now()));
        wall.Advance(TimeSpan.FromMinutes(1)); // a market hour on: the demo day runs on from there
        Assert.Equal(Parse(expected).AddHours(1), clock.Now());
    }

    [Fact]
    public void Demo_clock_restarted_after_the_close_before_a_late_open_opens_at_that_open()
    {
        var wall = new ManualTimeProvider(Kst(2026, 12, 30, 8, 0));
        var clock = new MarketClock(wall, MarketClockMode.Demo, speed: 1, resumeAt: Parse("2026-12-30 16:00"));
        Assert.Equal(Parse("2027-01-04 10:00"), clock.Now()); // failed before: 09:00, an hour before KRX opened
    }

    private static DateTime Parse(string kst) => DateTime.ParseExact(kst, "yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Scenario_clock_restarted_after_the_close_continues_where_it_stopped()
    {
        var wall = new ManualTimeProvider(Kst(2026, 11, 23, 8, 0));
        var clock = new MarketClock(wall, MarketClockMode.Demo, speed: 1, start: Kst(2026, 11, 23, 15, 0), resumeAt: new DateTime(2026, 11, 23, 16, 0, 0));
        Assert.Equal(new DateTime(2026, 11, 23, 16, 0, 0), clock.Now()); // a scenario's hours are the user's to choose
    }

    [Fact]
    public void Live_clock_is_the_wall_clock_in_KST_with_sessions_and_weekends()
    {
        var wall = new ManualTimeProvider(Kst(2026, 11, 21, 23, 0)); // Saturday night
        var clock = new MarketClock(wall, MarketClockMode.Live, speed: 1);
        var now = clock.Now();
        Assert.Equal(new DateTime(2026, 11, 21, 23, 0, 0), now);
        Assert.False(TradingHours.Index.IsOpen(now));
        // Next open: Monday 08:00 for NXT, 09:00 for the index, 08:45 for derivatives.
        Assert.Equal(new DateTime(2026, 11, 23, 8, 0, 0), TradingHours.Nextrade.NextOpen(now));
        Assert.Equal(TimeSpan.FromHours(34), clock.UntilOpen(TradingHours.Index, now));
        Assert.Equal(new DateTime(2026, 11, 23, 8, 45, 0), TradingHours.Derivatives.NextOpen(now));
    }

    [Theory]
    [InlineData(8, 30, false, false, true, true, false)]  // NXT pre-market; KRX not yet open
    [InlineData(8, 55, false, false, false, false, true)] // NXT break before the main session; derivatives open
    [InlineData(10, 0, true, true, true, true, true)]     // regular session
    [InlineData(15, 25, true, true, false, true, true)]   // KRX closing auction; NXT break
    [InlineData(17, 0, false, false, true, true, false)]  // after-hours: NXT only
    [InlineData(20, 0, false, false, false, false, false)]
    public void Trading_hours_on_a_weekday(int h, int m, bool index, bool bonds, bool nxt, bool combined, bool derivatives)
    {
        var t = new DateTime(2026, 11, 23, h, m, 0); // Monday
        Assert.Equal(index, TradingHours.For(KisTrs.IndexTicks).IsOpen(t));
        Assert.Equal(bonds, TradingHours.For(KisTrs.BondTrades).IsOpen(t));
        Assert.Equal(nxt, TradingHours.For(KisTrs.ProgramTradesNxt).IsOpen(t));
        Assert.Equal(combined, TradingHours.For(KisTrs.ProgramTradesUnified).IsOpen(t));
        Assert.Equal(derivatives, TradingHours.For(KisTrs.FuturesOptionsNotices).IsOpen(t));
    }

    private static readonly string[][] Subs =
        [["H0UPCNT0", "0001"], ["H0BJCNT0", "KR103502GD31"], ["H0UNPGM0", "005930"], ["H0NXPGM0", "005930"], ["H0IFCNI0", SimulatorOptions.DefaultHtsId]];

    [Theory]
    [InlineData(2026, 11, 22, 16, 41)] // Sunday afternoon
    [InlineData(2026, 11, 23, 21, 30)] // Monday night
    public async Task Live_clock_outside_trading_hours_sends_no_data_and_keeps_PINGPONG_going(int y, int mo, int d, int h, int mi)
    {
        var wall = new ManualTimeProvider(Kst(y, mo, d, h, mi));
        await using var sim = await Sim.StartAsync(o => o with { TimeProvider = wall, Clock = MarketClockMode.Live, Pace = MarketPace.PerSecond(50) });
        await using var c = await Sim.ClientAsync(sim, echo: true);
        foreach (var s in Subs) await c.SubscribeAsync(s[0], s[1]);
        using var session = new SessionRecords();
        await session.ReadUntilAsync(c, r => r.Replies == Subs.Length);
        // Ten minutes of wall clock in PINGPONG steps: every ping is answered, the session stays, no record is sent.
        for (var i = 1; i <= 6; i++)
        {
            var answered = sim.Counters.PingsAnswered;
            wall.Advance(TimeSpan.FromSeconds(100));
            await session.ReadUntilAsync(c, r => r.Pings == i);
            await Sim.UntilAsync(() => sim.Counters.PingsAnswered > answered);
        }
        Assert.Empty(session.Records);
        Assert.Equal(0, sim.Counters.RecordsSent);
        Assert.Equal(0, sim.Counters.ClosesForMissedPing);
        Assert.Single(sim.Sessions);
    }

    [Fact]
    public async Task An_idle_paper_venue_notice_subscription_sends_nothing_in_market_hours_and_a_notice_when_an_order_comes()
    {
        var wall = new ManualTimeProvider(Kst(2026, 11, 23, 10, 0)); // Monday 10:00: KRX and day derivatives open
        await using var sim = await Sim.StartAsync(o => o with { TimeProvider = wall, Clock = MarketClockMode.Live, Pace = MarketPace.PerSecond(50) });
        await using var c = await Sim.ClientAsync(sim, echo: true);
        await c.SubscribeAsync("H0STCNI0", SimulatorOptions.DefaultHtsId);
        await c.SubscribeAsync("H0IFCNI0", SimulatorOptions.DefaultHtsId);
        using var session = new SessionRecords();
        await session.ReadUntilAsync(c, r => r.Replies == 2);
        // Five minutes in PINGPONG steps with no order: the venue has nothing to say, so no frame (there used to be
        // an empty encrypted one at the pace's rate).
        for (var i = 1; i <= 3; i++)
        {
            var answered = sim.Counters.PingsAnswered;
            wall.Advance(sim.Options.PingInterval);
            await session.ReadUntilAsync(c, r => r.Pings == i);
            await Sim.UntilAsync(() => sim.Counters.PingsAnswered > answered);
        }
        Assert.Empty(session.Records);
        Assert.Equal(0, sim.Counters.RecordsSent);
        // An order: its acceptance comes on the stock notices, decrypted with the session's key.
        var placed = sim.Hub.Venue.Place(new PaperOrderRequest("5012345601", SimulatorOptions.DefaultHtsId,
            "005930", Buy: true, Kind: OrderKind.Limit, 1, sim.Hub.Market.StockBookForOrders("005930").LowerLimit), sim.MarketTime);
        wall.Advance(TimeSpan.FromSeconds(1)); // the pace's credit (the injected clock only moves when told)
        await session.ReadUntilAsync(c, r => r.Records.Count == 1);
        Assert.Equal("H0STCNI0", session.Records[0].TrId);
        Assert.Contains(placed.Order!.Number.ToString("D10", System.Globalization.CultureInfo.InvariantCulture), session.Records[0].Record);
    }

    [Fact]
    public async Task Live_clock_after_hours_sends_only_what_trades_then()
    {
        var wall = new ManualTimeProvider(Kst(2026, 11, 23, 17, 0)); // Monday 17:00: NXT after-market
        await using var sim = await Sim.StartAsync(o => o with { TimeProvider = wall, Clock = MarketClockMode.Live, Pace = MarketPace.PerSecond(20) });
        await using var c = await Sim.ClientAsync(sim);
        foreach (var s in Subs) await c.SubscribeAsync(s[0], s[1]);
        using var session = new SessionRecords();
        await session.ReadUntilAsync(c, r => r.Replies == Subs.Length);
        for (var step = 0; step < 10; step++) wall.Advance(TimeSpan.FromMilliseconds(100));
        await session.ReadUntilAsync(c, r => r.Count("H0UNPGM0") >= 5 && r.Count("H0NXPGM0") >= 5);
        Assert.All(session.Records, r => Assert.Contains(r.TrId, new[] { "H0UNPGM0", "H0NXPGM0" }));
        Assert.All(session.Records, r => Assert.StartsWith("005930^1700", r.Record));
    }

    [Fact]
    public async Task Live_clock_opens_the_index_at_nine()
    {
        var wall = new ManualTimeProvider(Kst(2026, 11, 23, 8, 59, 50));
        await using var sim = await Sim.StartAsync(o => o with { TimeProvider = wall, Clock = MarketClockMode.Live });
        await using var c = await Sim.ClientAsync(sim);
        var (start, opening) = (wall.GetUtcNow(), Kst(2026, 11, 23, 9, 0, 0));
        var timersBefore = wall.TimersDueIn(start, start.AddSeconds(1)); // the simulator's periodic market timer
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0UPCNT0", "0001")).Code);
        // The first data comes due within a second (demo pace would send it): the index is closed, so the session then
        // sleeps until 09:00. The clock moves only once the session sleeps: a sleep begun after a move starts late.
        // First its sleep until the first data, then its sleep until the opening (late by up to the move's second,
        // when the session read the clock before the move and armed its timer after).
        await Client.ClientTestKit.UntilAsync(() => wall.TimersDueIn(start, start.AddSeconds(1)) > timersBefore, "the session sleeping until its first data");
        wall.Advance(TimeSpan.FromSeconds(1));
        await Client.ClientTestKit.UntilAsync(() => wall.HasTimerDueIn(opening.AddSeconds(-1), opening.AddSeconds(1)), "the session sleeping until 09:00");
        for (var step = 0; step < 14; step++) wall.Advance(TimeSpan.FromSeconds(1));
        var frame = await c.NextDataAsync("H0UPCNT0");
        Assert.True(DataFrame.TryParse(frame.Data, out var f, out _));
        Assert.True(RecordSplitter.TryCreate(f.Payload, f.RecordCount, KisTrs.IndexTicks.Fields.Count, out var records, out _));
        Assert.True(records.TryNext(out var r));
        Assert.True(IndexTick.TryDecode(KisTrs.IndexTicks, r, out var tick, out _));
        Assert.InRange(tick.Time, new TimeOnly(9, 0, 0), new TimeOnly(9, 0, 5));
    }
}
