using System.Text.Json;
using Kis.Realtime.Cli.Dashboard;
using Kis.Realtime.Cli.Dashboard.Panels;

namespace Kis.Realtime.Tests.Dashboard;

/// <summary>The dashboard's server-side state: bounded for a whole day, deltas that lose nothing, latency percentiles.</summary>
public sealed class DashboardPanelTests
{
    private static JsonElement Json(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream)) write(json);
        return JsonDocument.Parse(stream.ToArray()).RootElement.Clone();
    }

    private static int[] Xs(JsonElement series) => series.GetProperty("x").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    [Fact]
    public void A_series_keeps_one_point_per_second_and_at_most_its_capacity()
    {
        var series = new TimeSeries("s", "s", capacity: 100);
        for (var second = 0; second < 1_000; second++)
            for (var i = 0; i < 5; i++) series.Add(32_400 + second, second * 10 + i); // five ticks in each second

        Assert.Equal(100, series.Length);
        var snapshot = Json(series.WriteSnapshot);
        Assert.True(snapshot.GetProperty("reset").GetBoolean());
        Assert.Equal(Enumerable.Range(32_400 + 900, 100), Xs(snapshot));
        Assert.Equal(9_994, snapshot.GetProperty("y")[99].GetDouble()); // the last tick of the second wins
    }

    [Fact]
    public void A_delta_resends_the_last_point_and_adds_the_new_ones()
    {
        var series = new TimeSeries("s", "s");
        series.Add(10, 1);
        series.Add(11, 2);
        Assert.Equal([10, 11], Xs(Json(series.WriteDelta)));
        Assert.False(series.Changed);

        series.Add(11, 3); // same second, updated
        series.Add(12, 4);
        var delta = Json(series.WriteDelta);
        Assert.False(delta.GetProperty("reset").GetBoolean());
        Assert.Equal([11, 12], Xs(delta));
        Assert.Equal([3.0, 4.0], delta.GetProperty("y").EnumerateArray().Select(e => e.GetDouble()));
    }

    [Fact]
    public void Market_time_going_back_starts_a_new_line()
    {
        var series = new TimeSeries("s", "s");
        series.Add(50_000, 1);
        series.Add(50_001, 2);
        _ = Json(series.WriteDelta);
        series.Add(32_400, 3); // next trading day
        var delta = Json(series.WriteDelta);
        Assert.True(delta.GetProperty("reset").GetBoolean());
        Assert.Equal([32_400], Xs(delta));
    }

    [Fact]
    public void Feeds_send_each_row_once_and_keep_a_screenful()
    {
        var tape = new TapePanel(new PreviousCloses());
        for (var i = 0; i < 100; i++) tape.Add(
            new StockTrade { StockCode = "005930", Time = new TimeOnly(9, 0, i % 60), Price = 70_000 + i, Side = TradeSide.Buy });
        var (delta, snapshot) = tape.Publish(snapshotWanted: true);
        var rows = JsonDocument.Parse(delta!).RootElement.GetProperty("rows");
        Assert.Equal(30, rows.GetArrayLength()); // the newest screenful, not all 100
        Assert.Equal("70,099", rows[29][2].GetString());
        Assert.Equal(100, JsonDocument.Parse(snapshot!).RootElement.GetProperty("total").GetInt64());

        tape.Add(new StockTrade { StockCode = "005930", Price = 1 });
        tape.Add(new StockTrade { StockCode = "005930", Price = 2 });
        var next = JsonDocument.Parse(tape.Publish(snapshotWanted: false).Delta!).RootElement.GetProperty("rows");
        Assert.Equal(["1", "2"], next.EnumerateArray().Select(r => r[2].GetString())); // only what is new, in order
        Assert.Null(tape.Publish(snapshotWanted: false).Delta); // nothing new: nothing sent
    }

    [Fact]
    public void Every_panel_that_changed_sends_one_delta_per_round_and_a_new_page_gets_snapshots_first()
    {
        var panels = new DashboardPanels();
        var publisher = new DashboardPublisher([.. panels.All], null, TimeProvider.System);
        var page = publisher.Open();
        publisher.Tick();
        var first = Drain(page);
        Assert.Equal(["index", "program", "notices", "tape", "book", "candles"], first.Select(e => e.Name));
        Assert.All(first, e => Assert.Contains("\"snapshot\":true", e.Data));

        for (var i = 0; i < 1_000; i++) // a burst between two rounds: one event per panel, not one per record
            panels.Tape.Add(new StockTrade { StockCode = "005930", Time = new TimeOnly(9, 0, i % 60), Price = 70_000 + i, Side = TradeSide.Buy });
        panels.Book.Add("H0STASP0", new StockOrderBook { StockCode = "005930", Depth = 10 });
        publisher.Tick();
        var round = Drain(page);
        Assert.Equal(["tape", "book"], round.Select(e => e.Name));
        publisher.Tick();
        Assert.Empty(Drain(page)); // nothing changed: nothing sent
    }

    private static StockNotice Notice(NoticeKind kind, int number, long quantity, string original = "", long field16 = 0) => new()
    {
        Kind = kind, OrderNumber = number.ToString("D10"), OriginalOrderNumber = original, StockCode = "005930", Side = OrderSide.Buy,
        Quantity = quantity, Price = 70_000, OrderQuantity = field16, OrderPrice = 70_000, Time = new TimeOnly(10, 0, 0), CustomerId = "u",
        AccountNumber = "a", OrderTypeCode = "00", OrderConditionCode = "0", BranchNumber = "", AccountName = "", OrderExchangeCode = "",
        PopupCode = "", CreditTypeCode = "", StockName = "",
    };

    [Fact]
    public void Stock_notices_make_an_orders_table_newest_first_bounded_with_done_orders_dropped_first()
    {
        var notices = new NoticePanel();
        notices.Add("H0STCNI0", Notice(NoticeKind.OrderAccepted, 1, 10));  // stays open
        notices.Add("H0STCNI0", Notice(NoticeKind.OrderAccepted, 2, 10));
        notices.Add("H0STCNI0", Notice(NoticeKind.Fill, 2, 4, field16: 10));
        var first = JsonDocument.Parse(notices.Publish(snapshotWanted: false).Delta!).RootElement;
        Assert.Equal(3, first.GetProperty("rows").GetArrayLength()); // the notice lines: two acceptances and a fill
        Assert.Equal(["10:00:00", "2", "", "005930", "buy", "10", "70,000", "4", "70,000", "0", "6", "partially filled", "partial"],
            first.GetProperty("orders").GetProperty("rows")[0].EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("accepted", first.GetProperty("orders").GetProperty("rows")[1][11].GetString());

        // 60 more orders, each filled at once: the table keeps 50, the oldest done ones dropped first, the open order kept.
        for (var n = 3; n < 63; n++) notices.Add("H0STCNI0", Notice(NoticeKind.Fill, n, 10, field16: 10));
        var orders = JsonDocument.Parse(notices.Publish(snapshotWanted: false).Delta!).RootElement.GetProperty("orders");
        var numbers = orders.GetProperty("rows").EnumerateArray().Select(r => r[1].GetString()).ToList();
        Assert.Equal(50, numbers.Count);
        Assert.Equal(12, orders.GetProperty("dropped").GetInt64());
        Assert.Equal("62", numbers[0]);
        Assert.Equal(["15", "2", "1"], numbers[^3..]); // the two open orders outlive the 12 oldest done ones (3 … 14)
        Assert.Null(notices.Publish(snapshotWanted: false).Delta); // nothing new: nothing sent
    }

    [Fact]
    public void A_rejected_order_shows_nothing_left()
    {
        var notices = new NoticePanel();
        notices.Add("H0STCNI0", Notice(NoticeKind.Rejected, 7, 10));
        var row = JsonDocument.Parse(notices.Publish(snapshotWanted: false).Delta!).RootElement.GetProperty("orders").GetProperty("rows")[0];
        Assert.Equal(["7", "10", "0", "rejected"], new[] { 1, 5, 10, 11 }.Select(i => row[i].GetString()));
    }

    private static List<(string Name, string Data)> Drain(DashboardPublisher.Page page)
    {
        var events = new List<(string, string)>();
        while (page.Events.TryRead(out var frame))
        {
            var lines = System.Text.Encoding.UTF8.GetString(frame).Split('\n');
            events.Add((lines[0]["event: ".Length..], lines[1]["data: ".Length..]));
        }
        return events;
    }

    [Fact]
    public void Latency_percentiles_come_from_what_was_recorded_since_the_last_reading()
    {
        var window = new LatencyWindow();
        Assert.Null(window.TakePercentiles());
        for (var i = 0; i < 98; i++) window.Record(0.0001);  // 0.1 ms
        window.Record(0.010);                                 // 10 ms
        window.Record(0.010);
        var (p50, p99, count) = window.TakePercentiles()!.Value;
        Assert.Equal(100, count);
        Assert.InRange(p50, 0.0001, 0.0001 * 1.05);
        Assert.InRange(p99, 0.010, 0.010 * 1.05);
        Assert.Null(window.TakePercentiles()); // taken: the next reading starts empty
    }

    [Theory]
    [InlineData("H0UPCNT0", "Index")]
    [InlineData("H0UNPGM0", "Program")]
    [InlineData("H0NXPGM0", "Program")]
    [InlineData("H0IFCNI0", "Notices")]
    [InlineData("H0STCNI0", "Notices")]
    [InlineData("H0STCNI9", "Notices")]
    [InlineData("H0STCNT0", "Tape")]
    [InlineData("H0STASP0", "Book")]
    [InlineData("H0BJCNT0", "Other")]
    public void Each_TR_feeds_its_panel(string trId, string panel)
    {
        Assert.True(KisTrs.TryGet(trId, out var tr));
        Assert.Equal(panel, DashboardSubscriptions.PanelOf(tr).ToString());
    }
}
