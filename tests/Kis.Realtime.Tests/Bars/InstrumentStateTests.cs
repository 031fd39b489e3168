
namespace Kis.Realtime.Tests.Bars;

public class InstrumentStateTests
{
    private static StockTrade Trade(StockVenue venue, string time, decimal price, long accumulated, decimal bid = 0, decimal ask = 0,
        long bidQuantity = 0, long askQuantity = 0) => new()
    {
        StockCode = "005930", Venue = venue, Time = TimeOnly.Parse(time, System.Globalization.CultureInfo.InvariantCulture),
        Price = price, Volume = 1, CumulativeVolume = accumulated, CumulativeTradeValue = accumulated * 100, Open = price,
        OpenTime = new(9, 0, 0), High = price + 1, Low = price - 1, BestBid = bid, BestAsk = ask, BestBidQuantity = bidQuantity,
        BestAskQuantity = askQuantity, MarketOperationCode = "20", SessionCode = "0", RandomEndCode = "",
    };

    [Fact]
    public void Krx_and_nxt_merge_and_each_venue_keeps_its_figures()
    {
        var state = new InstrumentState("005930");
        state.Apply(Trade(StockVenue.Krx, "10:00:00", 100, 1000, bid: 99, ask: 100, bidQuantity: 5, askQuantity: 7));
        state.Apply(Trade(StockVenue.Nxt, "10:00:01", 101, 300, bid: 99, ask: 101, bidQuantity: 2, askQuantity: 9));

        var s = state.Snapshot();
        Assert.Equal((100m, 1000L), (s.Krx.LastPrice, s.Krx.CumulativeVolume));
        Assert.Equal((101m, 300L), (s.Nxt.LastPrice, s.Nxt.CumulativeVolume));
        Assert.Equal((101m, StockVenue.Nxt, 1300L, 130_000L), (s.LastPrice, s.LastVenue, s.CumulativeVolume, s.CumulativeTradeValue));
        Assert.Equal((102m, 99m), (s.High, s.Low));
        Assert.Equal((99m, 7L, 100m, 7L), (s.BestBid, s.BestBidQuantity, s.BestAsk, s.BestAskQuantity)); // equal bids add up
        Assert.Equal((1m, 0m), (s.Spread, s.Imbalance));
        Assert.Equal(SessionPhase.Continuous, s.Phase);
        Assert.Equal(2, s.Version);

        state.Apply(Trade(StockVenue.Unified, "10:00:02", 102, 1400));
        s = state.Snapshot();
        Assert.Equal((102m, StockVenue.Unified, 1400L), (s.LastPrice, s.LastVenue, s.CumulativeVolume));
        Assert.Equal(1000L, s.Krx.CumulativeVolume);
    }

    [Fact]
    public void A_stale_record_does_not_move_the_cumulative_volume_back_and_the_next_day_starts_it_again()
    {
        var state = new InstrumentState("005930");
        var monday = new DateOnly(2026, 11, 23);
        state.Apply(Trade(StockVenue.Krx, "10:00:00", 100, 1000) with { BusinessDate = monday });
        state.Apply(Trade(StockVenue.Krx, "10:00:01", 100, 400) with { BusinessDate = monday }); // repeated earlier record
        Assert.Equal((1000L, 100_000L), (state.Snapshot().Krx.CumulativeVolume, state.Snapshot().Krx.CumulativeTradeValue));

        state.Apply(Trade(StockVenue.Krx, "09:00:00", 100, 5) with { BusinessDate = monday.AddDays(1) });
        Assert.Equal(5L, state.Snapshot().Krx.CumulativeVolume);
    }

    [Theory]
    [InlineData(StockVenue.Krx, "08:40:00", true, false, SessionPhase.OpeningAuction)]
    [InlineData(StockVenue.Nxt, "08:40:00", true, false, SessionPhase.PreMarket)] // NXT has no opening call
    [InlineData(StockVenue.Krx, "15:19:59", false, false, SessionPhase.Continuous)]
    [InlineData(StockVenue.Krx, "15:25:00", true, false, SessionPhase.ClosingAuction)]
    [InlineData(StockVenue.Unified, "15:25:00", true, false, SessionPhase.ClosingAuction)]
    [InlineData(StockVenue.Nxt, "15:25:00", false, false, SessionPhase.AfterMarket)] // no closing call: main market ended 15:20
    [InlineData(StockVenue.Krx, "15:30:00", false, false, SessionPhase.ClosingAuction)] // the closing print
    [InlineData(StockVenue.Krx, "15:30:02", false, false, SessionPhase.ClosingAuction)] // stamped late: the auction ended late
    [InlineData(StockVenue.Krx, "15:39:59", false, false, SessionPhase.ClosingAuction)] // KRX's regular session ends 15:40
    [InlineData(StockVenue.Krx, "15:40:00", false, false, SessionPhase.AfterMarket)]
    [InlineData(StockVenue.Krx, "15:30:02", false, true, SessionPhase.AfterMarket)] // flagged after-hours
    [InlineData(StockVenue.Unified, "15:30:30", false, false, SessionPhase.ClosingAuction)] // unified: regular to 15:31
    [InlineData(StockVenue.Unified, "15:31:00", false, false, SessionPhase.AfterMarket)]
    [InlineData(StockVenue.Nxt, "15:30:00", false, false, SessionPhase.AfterMarket)] // NXT's after-market
    public void The_phase_follows_the_venue_s_calendar(StockVenue venue, string time, bool expected, bool afterHours, SessionPhase phase)
    {
        var t = TimeOnly.Parse(time, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(phase, InstrumentState.PhaseOf(venue, t, afterHours, expected));
    }

    /// <summary>
    /// A trade's phase is in the session the venue's calendar (which the bars and gap detection use) puts it in, at every
    /// second of the day: pre-market before the regular session, Continuous or ClosingAuction within it (the closing
    /// print included), after-market after it. NXT's 15:20–15:30, where its main market has ended and nothing trades, is
    /// left out.
    /// </summary>
    [Theory]
    [InlineData(StockVenue.Krx)]
    [InlineData(StockVenue.Nxt)]
    [InlineData(StockVenue.Unified)]
    public void A_trade_s_phase_is_in_the_calendar_s_session_at_every_second(StockVenue venue)
    {
        var calendar = MarketCalendar.ForVenue(venue);
        var regular = calendar.Regular;
        for (var t = new TimeSpan(7, 0, 0); t < new TimeSpan(21, 0, 0); t += TimeSpan.FromSeconds(1))
        {
            if (regular.ClosingCallEnd is null && t >= regular.ContinuousEnd && t < regular.End) continue;
            var phase = InstrumentState.PhaseOf(venue, TimeOnly.FromTimeSpan(t), afterHours: false, expected: false);
            var session = phase switch
            {
                SessionPhase.PreMarket => TradingSessions.PreMarket,
                SessionPhase.Continuous or SessionPhase.ClosingAuction => TradingSessions.Regular,
                SessionPhase.AfterMarket => TradingSessions.AfterMarket,
                _ => TradingSessions.None,
            };
            Assert.True(session == calendar.SessionOf(new DateTimeOffset(new DateTime(2026, 11, 25) + t, TimeSpan.FromHours(9))),
                $"{venue} {t}: {phase}, the calendar says {calendar.SessionOf(new DateTimeOffset(new DateTime(2026, 11, 25) + t, TimeSpan.FromHours(9)))}");
        }
    }

    [Fact]
    public void Books_expected_trades_and_status_set_the_touch_vi_halt_and_phase()
    {
        var state = new InstrumentState("005930");
        var book = new StockOrderBook { StockCode = "005930", Venue = StockVenue.Krx, Time = new(8, 50, 0), TotalBidQuantity = 30, TotalAskQuantity = 10 };
        OrderBookLevels bids = default, asks = default;
        bids[0] = new OrderBookLevel(99, 6);
        asks[0] = new OrderBookLevel(100, 2);
        state.Apply(book with { Bids = bids, Asks = asks });
        state.Apply(new StockExpectedTrade { StockCode = "005930", Venue = StockVenue.Krx, Time = new(8, 50, 1), ExpectedPrice = 99.5m, ExpectedVolume = 40,
            MarketOperationCode = "", SessionCode = "", RandomEndCode = "", ViStatusCode = "" });
        var s = state.Snapshot();
        Assert.Equal((99m, 100m, 6L, 2L, 0.5m), (s.BestBid, s.BestAsk, s.BestBidQuantity, s.BestAskQuantity, s.Imbalance));
        Assert.Equal((99.5m, 40L), (s.Krx.ExpectedPrice, s.Krx.ExpectedVolume));
        Assert.Equal(SessionPhase.OpeningAuction, s.Phase);

        state.Apply(Trade(StockVenue.Krx, "10:00:00", 100, 10));
        state.Apply(new MarketStatus { StockCode = "005930", Venue = StockVenue.Krx, Vi = ViStatus.Dynamic, HaltReason = "", MarketOperationCode = "112" });
        Assert.Equal((true, SessionPhase.ViAuction), (state.Snapshot().IsViActive, state.Snapshot().Phase));
        state.Apply(new MarketStatus { StockCode = "005930", Venue = StockVenue.Krx, Vi = ViStatus.Released, IsHalted = true, HaltReason = "",
            MarketOperationCode = "112" });
        Assert.Equal((false, true, SessionPhase.Halted), (state.Snapshot().IsViActive, state.Snapshot().IsHalted, state.Snapshot().Phase));

        Assert.Throws<ArgumentException>(() => state.Apply(Trade(StockVenue.Krx, "10:00:00", 1, 1) with { StockCode = "000660" }));
        var registry = new InstrumentBook();
        Assert.Null(registry.Apply(new MarketStatus { StockCode = "", Venue = StockVenue.Unified }));
        Assert.Equal(1, registry.Unrouted);
        Assert.Same(registry["005930"], registry.Apply(Trade(StockVenue.Krx, "10:00:00", 1, 1)));
    }

    [Fact]
    public async Task Snapshots_are_consistent_while_another_thread_applies()
    {
        var state = new InstrumentState("005930");
        const int updates = 200_000;
        var writer = Task.Run(() =>
        {
            for (var i = 1; i <= updates; i++)
                state.Apply(Trade(StockVenue.Krx, "10:00:00", i, i, bid: i, ask: i + 1, bidQuantity: i, askQuantity: i));
        });
        var checkedSnapshots = 0;
        while (!writer.IsCompleted || checkedSnapshots == 0)
        {
            var s = state.Snapshot();
            if (s.Version == 0) continue;
            // Every figure of one snapshot comes from the same update.
            Assert.Equal(s.Version, (long)s.LastPrice);
            Assert.Equal(s.Version, s.CumulativeVolume);
            Assert.Equal(s.Version, (long)s.BestBid);
            Assert.Equal(s.Version, s.BestAskQuantity);
            checkedSnapshots++;
        }
        await writer;
        Assert.Equal(updates, state.Version);
    }

    [Fact]
    public async Task Changes_stream_every_update_and_count_what_a_slow_reader_missed()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var state = new InstrumentState("005930");
        await using var changes = state.ChangesAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
        for (var i = 1; i <= 5; i++) state.Apply(Trade(StockVenue.Krx, "10:00:00", i, i));
        Assert.True(await changes.MoveNextAsync());
        Assert.Equal((5L, 0L), (changes.Current.Snapshot.Version, changes.Current.Coalesced));

        var next = changes.MoveNextAsync(); // waits for the next update
        Assert.False(next.IsCompleted);
        state.Apply(Trade(StockVenue.Krx, "10:00:01", 6, 6));
        Assert.True(await next);
        Assert.Equal((6L, 0L), (changes.Current.Snapshot.Version, changes.Current.Coalesced));

        for (var i = 7; i <= 9; i++) state.Apply(Trade(StockVenue.Krx, "10:00:02", i, i));
        Assert.True(await changes.MoveNextAsync());
        Assert.Equal((9L, 2L, 9m), (changes.Current.Snapshot.Version, changes.Current.Coalesced, changes.Current.Snapshot.LastPrice));
    }
}
