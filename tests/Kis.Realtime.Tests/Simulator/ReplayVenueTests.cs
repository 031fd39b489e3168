using System.Buffers;
using System.Globalization;
using System.Text;
using Kis.Realtime.Benchmarks;
using Kis.Realtime.Formatting;
using Kis.Realtime.Simulator.Trading;
using Kis.Realtime.Simulator.Trading.Core;
using Kis.Realtime.Simulator.Trading.Rules;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 55, item 6: under <c>kisrt sim --replay</c> the paper venue trades against the replayed market, as the backtest
/// does over the same recording. Once a buy with a limit of 66,900 filled at 65,400, a price of the simulator's own
/// generated market: replayed frames never reached the venue, and the generator kept making trades and books where
/// orders rested. Here the recording is the only market: an order walks the replayed book, a resting one fills from the
/// replayed trades at the replayed time, and nothing fills from what the generator makes (it runs beside the replay).
/// </summary>
public sealed class ReplayVenueTests : IDisposable
{
    private const string Code = "005930";
    private const string Account = "50123456";
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"kisrt-replay-venue-{Guid.NewGuid():N}.txt");

    /// <summary>10:00:00 KST on a Wednesday: KRX's continuous session.</summary>
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(9));

    public void Dispose() => File.Delete(_file);

    [Fact]
    public async Task Orders_walk_the_replayed_book_and_fill_from_replayed_trades_at_their_time_never_from_the_generator()
    {
        // The recording: a book (70,000 ask, 69,900 bid), a trade at 70,000, and a second later a seller trading through
        // 69,900 down to 69,800. The previous close it shows (69,000) sets the day's limits.
        File.WriteAllBytes(_file, [
            .. Line(T0, Book(T0, ask: 70_000, bid: 69_900, quantity: 100)),
            .. Line(T0, Trade(T0, price: 70_000, volume: 5, buyer: true, previousClose: 69_000)),
            .. Line(T0.AddSeconds(1), Trade(T0.AddSeconds(1), price: 69_800, volume: 50, buyer: false, previousClose: 69_000)),
        ]);
        // The generator runs (demo pace, the market driver on): a strategy's own feed of the stock is subscribed too.
        // Started once the book and the first trade, both at T0, were sent.
        await using var replay = await ReplayedVenue.StartAsync(_file, Code, frames: 2);
        var (sim, clock) = (replay.Sim, replay.Clock);

        var venue = sim.Hub.Venue;
        var notices = venue.OpenNotices("simuser01", derivative: false);
        var marketable = await replay.PlaceAsync(Account, Code, buy: true, 70_000, 3); // walks the replayed ask: 3 at 70,000 now
        var resting = await replay.PlaceAsync(Account, Code, buy: true, 69_900, 5); // behind 100 at the replayed bid: waits for a trade through it
        var far = await replay.PlaceAsync(Account, Code, buy: true, 60_000, 2); // below every replayed price: never fills

        clock.Advance(TimeSpan.FromSeconds(1)); // the seller's trade through 69,900 is replayed
        await sim.ReplayCompletion.WaitAsync(SimTestClient.Timeout);
        await Sim.UntilAsync(() => Order(venue, resting).Filled == 5);
        // The recording is over; the generator's market goes on (its driver ticks every 500 ms of this clock).
        for (var i = 0; i < 20; i++) clock.Advance(TimeSpan.FromMilliseconds(500));

        var fills = Drain(venue,
            notices).Where(n => n.Event.Kind == OrderEventKind.Filled).Select(n => (n.Event.Number, n.Event.Quantity, n.Event.Price, n.Event.At)).ToList();
        Assert.Equal([(marketable, 3L, 70_000L, T0.DateTime), (resting, 5L, 69_900L, T0.AddSeconds(1).DateTime)], fills);
        Assert.Equal(0, Order(venue, far).Filled);
        Assert.Equal(2, Order(venue, far).Remaining);
    }

    [Fact]
    public async Task In_the_replayed_closing_call_books_fill_nothing_and_the_print_fills_every_crossing_order_at_its_price()
    {
        // A continuous book and trade just before 15:20, then the closing call's book (asks at 69,500: it crosses both
        // orders), then the 15:30 print at 69,700. As on KRX and in the backtest: the call's book fills nothing, an order
        // arriving in the call does not walk it, and the print fills both at its price.
        var day = T0.Date;
        var beforeCall = new DateTimeOffset(day.Add(new TimeSpan(15, 19, 59)), T0.Offset);
        var inCall = new DateTimeOffset(day.Add(new TimeSpan(15, 20, 5)), T0.Offset);
        var close = new DateTimeOffset(day.Add(new TimeSpan(15, 30, 0)), T0.Offset);
        File.WriteAllBytes(_file, [
            .. Line(beforeCall, Book(beforeCall, ask: 70_000, bid: 69_900, quantity: 100)),
            .. Line(beforeCall, Trade(beforeCall, price: 70_000, volume: 5, buyer: true, previousClose: 69_000)),
            .. Line(inCall, Book(inCall, ask: 69_500, bid: 69_400, quantity: 100, hourClass: "A")),
            .. Line(close, Trade(close, price: 69_700, volume: 1_000, buyer: true, previousClose: 69_000)),
        ]);
        // At 100 times the recording's pace: the call's book 60 ms after the first, the print 5.95 s after that.
        await using var replay = await ReplayedVenue.StartAsync(_file, Code, frames: 2, speed: 100);
        var (sim, clock) = (replay.Sim, replay.Clock);
        var venue = sim.Hub.Venue;
        var notices = venue.OpenNotices("simuser01", derivative: false);
        var restingBeforeCall = await replay.PlaceAsync(Account, Code, buy: true, 69_900, 5); // behind 100 at the bid: rests

        clock.Advance(TimeSpan.FromMilliseconds(60));
        await Sim.UntilAsync(() => sim.Counters.ReplayFramesSent >= 3); // the call's book, crossing it
        var arrivingInCall = await replay.PlaceAsync(Account, Code, buy: true, 70_000, 4); // marketable against the call's book: it waits
        Assert.DoesNotContain(Drain(venue, notices), n => n.Event.Kind == OrderEventKind.Filled);

        clock.Advance(TimeSpan.FromMilliseconds(5_950));
        await sim.ReplayCompletion.WaitAsync(SimTestClient.Timeout);
        await Sim.UntilAsync(() => Order(venue, arrivingInCall).Filled == 4 && Order(venue, restingBeforeCall).Filled == 5);

        var fills = Drain(venue,
            notices).Where(n => n.Event.Kind == OrderEventKind.Filled).Select(n => (n.Event.Number, n.Event.Quantity, n.Event.Price, n.Event.At)).ToList();
        // The print fills the better price first (the engine's priority), both at the print's price and time.
        Assert.Equal([(arrivingInCall, 4L, 69_700L, close.DateTime), (restingBeforeCall, 5L, 69_700L, close.DateTime)], fills);
    }

    private static PaperOrderSnapshot Order(PaperVenue venue, long number) => venue.View(Account + "01").Orders.Single(o => o.Number == number);

    private static List<PaperNotice> Drain(PaperVenue venue, NoticeReader reader)
    {
        var seen = new List<PaperNotice>();
        while (venue.NextNotice(reader) is { } notice) seen.Add(notice);
        return seen;
    }

    /// <summary>One recorded line, as <c>kisrt record</c> writes it (receive time in UTC).</summary>
    internal static byte[] Line(DateTimeOffset at, byte[] message)
    {
        var w = new ArrayBufferWriter<byte>();
        RawMessageLine.Write(w, at.ToUniversalTime(), message);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>A KRX trade frame (H0STCNT0) as KIS sends it: its time and date (KST), price, change from the previous close,
    /// volume and side.</summary>
    internal static byte[] Trade(DateTimeOffset at, long price, long volume, bool buyer, long previousClose, string code = Code)
    {
        var tr = KisTrs.H0STCNT0;
        var fields = Encoding.ASCII.GetString(SyntheticRecording.Record(tr, code, 1)).Split('^');
        void Set(string name, string value) => fields[tr.IndexOf(name)] = value;
        Set("stck_cntg_hour", at.ToOffset(KoreaTime.Offset).ToString("HHmmss", CultureInfo.InvariantCulture));
        Set("bsop_date", at.ToOffset(KoreaTime.Offset).ToString("yyyyMMdd", CultureInfo.InvariantCulture));
        Set("stck_prpr", Text(price));
        Set("prdy_vrss", Text(price - previousClose));
        Set("prdy_vrss_sign", price >= previousClose ? "2" : "5");
        Set("cntg_vol", Text(volume));
        Set("ccld_dvsn", buyer ? "1" : "5");
        return SyntheticRecording.Frame(tr, Encoding.ASCII.GetBytes(string.Join('^', fields)));
    }

    /// <summary>A continuous-session KRX book frame (H0STASP0, hour_cls_code 0) stamped <paramref name="at"/>: ten 100-KRW levels a
    /// side from the touch.</summary>
    internal static byte[] Book(DateTimeOffset at, long ask, long bid, long quantity, string hourClass = "0", string code = Code)
    {
        var tr = KisTrs.H0STASP0;
        var fields = Encoding.ASCII.GetString(SyntheticRecording.Record(tr, code, 1)).Split('^');
        void Set(string name, string value) => fields[tr.IndexOf(name)] = value;
        Set("bsop_hour", at.ToOffset(KoreaTime.Offset).ToString("HHmmss", CultureInfo.InvariantCulture));
        Set("hour_cls_code", hourClass);
        for (var level = 1; level <= 10; level++)
        {
            Set($"askp{level}", Text(ask + 100 * (level - 1)));
            Set($"bidp{level}", Text(bid - 100 * (level - 1)));
            Set($"askp_rsqn{level}", Text(quantity));
            Set($"bidp_rsqn{level}", Text(quantity));
        }
        return SyntheticRecording.Frame(tr, Encoding.ASCII.GetBytes(string.Join('^', fields)));
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
