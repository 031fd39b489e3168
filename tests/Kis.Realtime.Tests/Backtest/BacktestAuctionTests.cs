using System.Globalization;
using System.Text;
using Kis.Realtime.Benchmarks;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// Issue 55, item 4, over a recording: a book recorded during a call (the closing auction by the clock, a VI by KIS's
/// <c>hour_cls_code</c>) crosses nothing, and the call's print (the next KRX trade) fills every order crossing it at
/// its price, as on paper (<see cref="Simulator.PaperAuctionTests"/>).
/// </summary>
public sealed class BacktestAuctionTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);
    private const string Code = "005930";

    [Theory]
    [InlineData("15:19:00", "15:21:00", "0", "15:30:00")] // the closing call: the market's clock says so (a recording that marks every book 0)
    [InlineData("10:00:00", "10:01:00", "C", "10:02:10")] // a VI: KIS's hour_cls_code says so
    public async Task A_call_s_books_fill_nothing_and_its_print_fills_the_crossing_order_at_the_print_s_price(
        string before, string callBooks, string hourClass, string printAt)
    {
        var dir = Cli.CliTestKit.EmptyDirectory();
        using (var recording = new SyntheticRecording(dir))
        {
            Trade(recording, At(before), 70_000, buyer: true);
            Book(recording, At(before).AddTicks(1), ask: 70_100, bid: 70_000, "0");
            // The call's (expected) books: their ask under the resting buy at 69,000.
            for (var i = 0; i < 5; i++) Book(recording, At(callBooks).AddSeconds(10 * i), ask: 68_900, bid: 68_800, hourClass);
            Trade(recording, At(printAt), 68_800, buyer: true); // the print, marked as any trade
            Book(recording, At(printAt).AddTicks(1), ask: 68_900, bid: 68_800, "0");
        }
        var result = await KisBacktest.RunAsync(new KisRecordingFolder(dir), async (data, orders, ct) =>
        {
            await foreach (var trade in data.SubscribeStockTradesAsync(Code, cancellationToken: ct))
            {
                Assert.True((await orders.PlaceAsync(KisOrderRequest.Stock(Code, OrderSide.Buy, 1, 69_000), ct)).Outcome == KisOrderOutcome.Accepted);
                Assert.True((await orders.PlaceAsync(KisOrderRequest.Stock(Code, OrderSide.Buy, 1, 68_000), ct)).Outcome == KisOrderOutcome.Accepted);
                break;
            }
        }, new KisBacktestOptions { HtsId = SimulatorOptions.DefaultHtsId }).WaitAsync(RunTimeout);

        // One fill: the crossing buy, at the print's time and price (not its limit, not at a call book's time).
        var fill = Assert.Single(result.Fills);
        Assert.Equal((result.Orders[0].OrderNumber, 68_800m, At(printAt)), (fill.OrderNumber, fill.Price, fill.Time));
        Assert.Equal(1, result.Orders[1].Cancelled); // the buy under the print rested until the recording ended
    }

    private static DateTimeOffset At(string time)
        => new DateTimeOffset(2026, 11, 23, 0, 0, 0, KoreaTime.Offset) + TimeSpan.Parse(time, CultureInfo.InvariantCulture);

    internal static void Trade(SyntheticRecording recording, DateTimeOffset at, long price, bool buyer)
    {
        var tr = KisTrs.H0STCNT0;
        var fields = Encoding.ASCII.GetString(SyntheticRecording.Record(tr, Code, 1)).Split('^');
        void Set(string name, string value) => fields[tr.IndexOf(name)] = value;
        Set("stck_cntg_hour", at.ToString("HHmmss", CultureInfo.InvariantCulture));
        Set("bsop_date", at.ToString("yyyyMMdd", CultureInfo.InvariantCulture));
        Set("stck_prpr", Text(price));
        Set("prdy_vrss", Text(price - 70_000));
        Set("prdy_vrss_sign", price >= 70_000 ? "2" : "5");
        Set("cntg_vol", "10");
        Set("ccld_dvsn", buyer ? "1" : "5");
        recording.Add(at, SyntheticRecording.Frame(tr, Encoding.ASCII.GetBytes(string.Join('^', fields))));
    }

    internal static void Book(SyntheticRecording recording, DateTimeOffset at, long ask, long bid, string hourClass)
    {
        var tr = KisTrs.H0STASP0;
        var fields = Encoding.ASCII.GetString(SyntheticRecording.Record(tr, Code, 1)).Split('^');
        void Set(string name, string value) => fields[tr.IndexOf(name)] = value;
        Set("bsop_hour", at.ToString("HHmmss", CultureInfo.InvariantCulture));
        Set("hour_cls_code", hourClass);
        for (var level = 1; level <= 10; level++)
        {
            Set($"askp{level}", Text(ask + 100 * (level - 1)));
            Set($"bidp{level}", Text(bid - 100 * (level - 1)));
            Set($"askp_rsqn{level}", "100");
            Set($"bidp_rsqn{level}", "100");
        }
        recording.Add(at, SyntheticRecording.Frame(tr, Encoding.ASCII.GetBytes(string.Join('^', fields))));
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
