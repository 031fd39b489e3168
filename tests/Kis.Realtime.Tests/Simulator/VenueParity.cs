using System.Globalization;
using System.Text;
using Kis.Realtime.Formatting;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;
using Synthetic = Kis.Realtime.Benchmarks.SyntheticRecording;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// The venue parity tests' one way to put the same calls to both venues (issue 73: one venue core under paper and the
/// backtest), and the derivatives frames their recordings are made of.
/// </summary>
internal static class VenueParity
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);

    /// <summary>
    /// The same calls as a backtest over <paramref name="recording"/> (latency 0, once its first trade of
    /// <paramref name="code"/> is read) and on paper replaying it through the library's order client: what each venue
    /// answered, in order. A stock's account is <paramref name="account"/>-01, a future's or option's -03.
    /// </summary>
    public static Task<(List<T> Backtest, List<T> Paper)> OnBothAsync<T>(byte[] recording, KisProduct product, string code,
        string account, Func<IKisOrderVenue, List<T>, CancellationToken, Task> calls)
        => OnBothAsync<T>(recording, product, code, account, stepped: false, (orders, _, into, ct) => calls(orders, into, ct));

    /// <summary>
    /// As above, the calls also given a step to the recording's next trade of <paramref name="code"/> (its market time):
    /// the backtest reads on to it; paper's replay is a stepped one (<c>--step</c>), stepped through every frame up to it.
    /// Calls made after a step meet both venues at that trade's market time, however far from the last (no clock jumps
    /// hours ahead, firing every timer on the way).
    /// </summary>
    public static Task<(List<T> Backtest, List<T> Paper)> OnBothAsync<T>(byte[] recording, KisProduct product, string code,
        string account, Func<IKisOrderVenue, Func<Task>, List<T>, CancellationToken, Task> calls)
        => OnBothAsync(recording, product, code, account, stepped: true, calls);

    /// <summary>
    /// The order-hours parity tests' one opening: on both venues, over <see cref="OrderHoursParityTests.RecordingUntil"/>
    /// (a trade at 10:00, the next at <paramref name="later"/> KST), a buy of 2 rests below the market at 10:00, the
    /// venues step to the later trade, then <paramref name="calls"/> get the resting order's number.
    /// </summary>
    public static Task<(List<T> Backtest, List<T> Paper)> AfterRestingBuyAsync<T>(KisProduct product, string later,
        Func<IKisOrderVenue, string, List<T>, CancellationToken, Task> calls)
    {
        var stock = product == KisProduct.Stock;
        var code = stock ? VenueParityTests.Code : FuturesVenueParityTests.Code;
        var account = stock ? VenueParityTests.Account : FuturesVenueParityTests.Account;
        return OnBothAsync<T>(OrderHoursParityTests.RecordingUntil(product, later), product, code, account,
            async (orders, nextTrade, into, ct) =>
            {
                var number = ReplayedVenue.Accepted(await orders.PlaceAsync(stock ? KisOrderRequest.Stock(code, OrderSide.Buy, 2, 69_500)
                    : KisOrderRequest.FuturesOptions(code, OrderSide.Buy, 2, 349.50m), ct));
                await nextTrade();
                await calls(orders, number, into, ct);
            });
    }

    private static async Task<(List<T> Backtest, List<T> Paper)> OnBothAsync<T>(byte[] recording, KisProduct product, string code,
        string account, bool stepped, Func<IKisOrderVenue, Func<Task>, List<T>, CancellationToken, Task> calls)
    {
        var option = product == KisProduct.FuturesOptions && code[0] is '2' or '3'; // KRX: 2… a call, 3… a put
        var tradeTr = product == KisProduct.Stock ? "H0STCNT0" : option ? "H0IOCNT0" : "H0IFCNT0";
        var (dir, rawLog) = ReplayedVenue.Recording(recording);
        var backtest = new List<T>();
        await KisBacktest.RunAsync(new KisRecordingFolder(dir), async (data, orders, ct) =>
        {
            async Task AtFirstTradeAsync<TTrade>(IAsyncEnumerable<TTrade> trades)
            {
                await using var next = trades.GetAsyncEnumerator(ct);
                if (!await next.MoveNextAsync()) return;
                await calls(orders, async () => Assert.True(await next.MoveNextAsync(), "the recording has no further trade"), backtest, ct);
            }
            if (product == KisProduct.Stock) await AtFirstTradeAsync(data.SubscribeStockTradesAsync(code, cancellationToken: ct));
            else if (option) await AtFirstTradeAsync(data.SubscribeOptionsTradesAsync(code, cancellationToken: ct));
            else await AtFirstTradeAsync(data.SubscribeFuturesTradesAsync(code, cancellationToken: ct));
        }, new KisBacktestOptions
        {
            Latency = TimeSpan.Zero, Account = new KisAccount(account, product == KisProduct.Stock ? "01" : "03"),
        }).WaitAsync(Generous);

        var (trades, framesBy) = Trades(recording, tradeTr);
        await using var replay = await ReplayedVenue.StartAsync(rawLog, code, frames: framesBy(trades[0]), tradeTr: tradeTr, stepped: stepped);
        using var client = new KisOrderClient(new KisOrderOptions
        {
            Credential = DefaultCredential, Account = new KisAccount(account, "01"), FuturesAccount = new KisAccount(account, "03"),
            RestBaseUrl = replay.Sim.RestBaseUrl, Environment = KisEnvironment.Real,
        });
        var paper = new List<T>();
        var at = 0;
        using var cts = new CancellationTokenSource(Generous);
        await calls(client, async () =>
        {
            Assert.True(stepped && ++at < trades.Count, "the recording has no further trade");
            var frames = framesBy(trades[at]);
            await replay.StepAsync(frames - framesBy(trades[at - 1]));
            await Sim.UntilAsync(() => replay.Sim.Counters.ReplayFramesSent >= frames);
        }, paper, cts.Token);
        return (backtest, paper);
    }

    /// <summary>The times of <paramref name="recording"/>'s lines of <paramref name="tradeTr"/>, and how many lines it has
    /// up to a time (those stamped then included).</summary>
    private static (List<DateTimeOffset> Trades, Func<DateTimeOffset, int> FramesBy) Trades(byte[] recording, string tradeTr)
    {
        var lines = new List<(DateTimeOffset At, bool Trade)>();
        var scratch = new System.Buffers.ArrayBufferWriter<byte>();
        for (ReadOnlyMemory<byte> rest = recording; !rest.IsEmpty;)
        {
            var end = rest.Span.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? ReadOnlyMemory<byte>.Empty : rest[(end + 1)..];
            if (line.IsEmpty) continue;
            RawMessageLine.Parse(line.Span, scratch, out var receivedAt);
            lines.Add((receivedAt!.Value, RawMessageLine.TryReadFrameTrId(line.Span, out var tr) && tr.ToString() == tradeTr));
        }
        return ([.. lines.Where(l => l.Trade).Select(l => l.At)], at => lines.Count(l => l.At <= at));
    }

    /// <summary>A KRX index future's (H0IFCNT0, fields <c>futs_…</c>) or option's (H0IOCNT0, <c>optn_…</c>) trade frame
    /// stamped <paramref name="at"/>: price and change from <paramref name="previousClose"/> in points, contracts.</summary>
    public static byte[] DerivativeTrade(TrDefinition tr, string fieldPrefix, string code, DateTimeOffset at, decimal price,
        decimal previousClose, long volume)
    {
        var fields = Encoding.ASCII.GetString(Synthetic.Record(tr, code, 1)).Split('^');
        void Set(string name, string value) => fields[tr.IndexOf(name)] = value;
        Set("bsop_hour", at.ToString("HHmmss", CultureInfo.InvariantCulture));
        Set($"{fieldPrefix}_prpr", Points(price));
        Set($"{fieldPrefix}_prdy_vrss", Points(price - previousClose));
        Set("prdy_vrss_sign", price >= previousClose ? "2" : "5");
        Set("last_cnqn", volume.ToString(CultureInfo.InvariantCulture));
        return Synthetic.Frame(tr, Encoding.ASCII.GetBytes(string.Join('^', fields)));
    }

    /// <summary>A future's (H0IFASP0) or option's (H0IOASP0) five-level book frame stamped <paramref name="at"/>: 10
    /// contracts a level, levels <paramref name="step"/> apart from the touch (<paramref name="levels"/> of them quoted,
    /// the others empty).</summary>
    public static byte[] DerivativeBook(TrDefinition tr, string fieldPrefix, string code, DateTimeOffset at, decimal ask, decimal bid,
        decimal step, int levels = 5)
    {
        var fields = Encoding.ASCII.GetString(Synthetic.Record(tr, code, 1)).Split('^');
        void Set(string name, string value) => fields[tr.IndexOf(name)] = value;
        Set("bsop_hour", at.ToString("HHmmss", CultureInfo.InvariantCulture));
        for (var level = 1; level <= 5; level++)
        {
            var quoted = level <= levels;
            Set($"{fieldPrefix}_askp{level}", quoted ? Points(ask + step * (level - 1)) : "0.00");
            Set($"{fieldPrefix}_bidp{level}", quoted ? Points(bid - step * (level - 1)) : "0.00");
            Set($"askp_rsqn{level}", quoted ? "10" : "0");
            Set($"bidp_rsqn{level}", quoted ? "10" : "0");
        }
        return Synthetic.Frame(tr, Encoding.ASCII.GetBytes(string.Join('^', fields)));
    }

    private static string Points(decimal value) => value.ToString("0.00", CultureInfo.InvariantCulture);
}
