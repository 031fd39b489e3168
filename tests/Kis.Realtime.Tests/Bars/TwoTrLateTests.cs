namespace Kis.Realtime.Tests.Bars;

/// <summary>
/// One aggregator fed from two TRs (KRX and NXT trades of one stock): with a reorder window, one TR's records wait while
/// the other's lowest waiting record lies in an earlier bar, so both go into their bars; without one, a record of one TR
/// that comes after the other TR's trades closed its bar goes into no bar and is counted (gap figures).
/// </summary>
public sealed class TwoTrLateTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 23, 9, 0, 0, TimeSpan.FromHours(9));

    private static (StockTrade Trade, DateTimeOffset Received) T(StockVenue venue, int second, long accumulated, long volume,
        int receivedSecond) => (new StockTrade
        {
            StockCode = "005930", Venue = venue, BusinessDate = new DateOnly(2026, 11, 23),
            Time = TimeOnly.FromDateTime(Day.DateTime.AddSeconds(second)),
            Price = 70_000m + second, Volume = volume, CumulativeVolume = accumulated,
            MarketOperationCode = "20", SessionCode = "0", RandomEndCode = "",
        }, Day.AddSeconds(receivedSecond));

    private const long DayVolume = 180 + 60;

    private static BarAggregator<StockTrade, StockTradeAccessor> Aggregator(TimeSpan reorderWindow) =>
        new(BarSpec.Minutes(1), new BarOptions { ReorderWindow = reorderWindow });

    [Fact]
    public void A_record_behind_the_other_TRs_bar_in_no_bar_is_counted_in_the_gap_figures()
    {
        // Without a reorder window records go in arrival order: KRX's 09:00:50 and 09:00:55 trades, no hole on KRX's tape,
        // come after NXT's 09:01:05 one closed their bar, and are in no bar.
        var aggregator = Aggregator(TimeSpan.Zero);
        var bars = ReceivedStream.Feed(aggregator,
        [
            T(StockVenue.Krx, 10, 100, 100, 10),
            T(StockVenue.Nxt, 20, 10, 10, 20),
            T(StockVenue.Nxt, 65, 30, 20, 66),
            T(StockVenue.Krx, 50, 150, 50, 67),
            T(StockVenue.Krx, 55, 180, 30, 68),
            T(StockVenue.Nxt, 90, 60, 30, 90),
        ]);

        Assert.Equal(2, aggregator.LateTrades);
        Assert.True(aggregator.Gaps > 0, "trades left out, yet gaps 0");
        // Every share of the day is in a bar or in the missing volume.
        Assert.Equal(DayVolume, bars.Sum(b => b.Volume) + aggregator.MissingVolume);
    }

    // `count` trades at 10/s over several minutes, every third on NXT (its own acml_vol), in order.
    private static List<(StockTrade Trade, DateTimeOffset Received)> TwoTrDay(int count)
    {
        var accumulated = new long[2];
        var day = new List<(StockTrade Trade, DateTimeOffset Received)>(count);
        for (var i = 0; i < count; i++)
        {
            var nxt = i % 3 == 2;
            var volume = 1 + i * 37 % 200;
            var acml = accumulated[nxt ? 1 : 0] += volume;
            var (trade, received) = T(nxt ? StockVenue.Nxt : StockVenue.Krx, i / 10, acml, volume, i / 10);
            day.Add((trade with { Price = 70_000m + i * 53 % 900 }, received));
        }
        return day;
    }

    [Fact]
    public void A_two_TR_day_received_in_reverse_gives_the_in_order_bars()
    {
        // Issue 74: a day of KRX and NXT trades received last to first (a window wide enough to wait for each TR's first).
        // NXT's first trade came before KRX's, and NXT's whole day went on through every bar, so each of KRX's trades then
        // came after its bar closed: two thirds of the day's volume in no bar. NXT's records now wait while KRX's lowest
        // waiting record is in an earlier bar.
        var day = TwoTrDay(3_000);
        var truth = ReceivedStream.Feed(Aggregator(TimeSpan.Zero), day);
        var reversed = day.AsEnumerable().Reverse().Select((t, i) => (t.Trade, Day.AddMilliseconds(i))).ToList();
        var aggregator = Aggregator(TimeSpan.FromDays(1));
        var bars = ReceivedStream.Feed(aggregator, reversed);

        Assert.Equal(0, aggregator.LateTrades);
        Assert.Equal(0, aggregator.Gaps);
        Assert.Equal(truth.Select(b => (b.OpenTime, b.Volume, b.TradeCount, b.High, b.Low, b.Value)),
            bars.Select(b => (b.OpenTime, b.Volume, b.TradeCount, b.High, b.Low, b.Value)));
    }
}
