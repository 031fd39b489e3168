using Kis.Realtime.Samples;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// A backtest decodes the recording ahead on a second thread (<see cref="KisBacktestOptions.PrepareAhead"/>: the frames
/// split, a trade's StockTrade, a book's levels) or all on its own thread: the same day through both paths gives the
/// same files byte for byte, the same trades field by field, and the same counts of what did not decode.
/// </summary>
public sealed class BacktestPrepareAheadTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);
    private const string Code = "005930";

    /// <summary>The synthetic day with damage in it: a trade and a book whose prices do not parse, and a cut frame.</summary>
    private static string DamagedDay()
    {
        var dir = BacktestRecording.Write(Cli.CliTestKit.EmptyDirectory(), 600);
        var raw = BacktestRecording.RawLog(dir);
        var lines = File.ReadAllLines(raw).ToList();
        string Damage(int index, Func<string[], string[]> change)
        {
            var (stamp, message) = (lines[index][..lines[index].IndexOf('\t')], lines[index][(lines[index].IndexOf('\t') + 1)..]);
            var parts = message.Split('|');
            parts[3] = string.Join('^', change(parts[3].Split('^')));
            return stamp + "\t" + string.Join('|', parts);
        }
        var trade = lines.FindIndex(100, l => l.Contains("|H0STCNT0|", StringComparison.Ordinal));
        lines[trade] = Damage(trade, f => [.. f.Take(2), "7O,OOO", .. f.Skip(3)]);
        var book = lines.FindIndex(200, l => l.Contains("|H0STASP0|", StringComparison.Ordinal));
        lines[book] = Damage(book, f => [.. f.Take(3), "x", .. f.Skip(4)]);
        var cut = lines.FindIndex(300, l => l.Contains("|H0STCNT0|", StringComparison.Ordinal));
        lines[cut] = lines[cut][..(lines[cut].IndexOf('|') + 12)];
        File.WriteAllLines(raw, lines);
        return dir;
    }

    [Fact]
    public async Task Decoding_ahead_or_on_the_backtests_thread_gives_the_same_files_trades_and_counts()
    {
        var dir = DamagedDay();
        var ahead = await RunAsync(dir, prepareAhead: true);
        var inline = await RunAsync(dir, prepareAhead: false);

        Assert.Equal(inline.Trades.Count, ahead.Trades.Count);
        for (var i = 0; i < inline.Trades.Count; i++) Assert.Equal(inline.Trades[i], ahead.Trades[i]); // field by field (record struct)
        Assert.Equal(598, ahead.Trades.Count); // 600 less the cut one and the one whose price does not parse
        foreach (var (file, bytes) in inline.Files) Assert.True(bytes.AsSpan().SequenceEqual(ahead.Files[file]), file);
        Assert.True(inline.Files["fills.csv"].Length > 100);
        Assert.Equal(inline.Result.Statistics.DecodeErrors, ahead.Result.Statistics.DecodeErrors);
        Assert.Equal(3, ahead.Result.Statistics.DecodeErrors); // the cut frame, and the bad trade in each of two subscriptions
        Assert.Equal(inline.Result.Statistics.RecordsDelivered, ahead.Result.Statistics.RecordsDelivered);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Trades_read_long_after_they_came_are_the_trades_their_bytes_decode_to(bool prepareAhead)
    {
        var dir = BacktestRecording.Write(Cli.CliTestKit.EmptyDirectory(), 3000);
        var late = new List<(StockTrade Typed, StockTrade Decoded, DateTimeOffset ReceivedAt)>();
        var result = await KisBacktest.RunAsync(new KisRecordingFolder(dir), async (data, venue, ct) =>
        {
            // Both subscriptions start, then the strategy reads 2,000 books before its first trade: the trades wait
            // queued across many steps (and prepared blocks), each with the trade decoded ahead for it.
            await using var typed = data.SubscribeAsync<StockTrade>(KisTrs.H0STCNT0, Code, ct).GetAsyncEnumerator(ct);
            await using var raw = data.SubscribeRecordsAsync(KisTrs.H0STCNT0, Code, ct).GetAsyncEnumerator(ct);
            var first = typed.MoveNextAsync();
            var firstRaw = raw.MoveNextAsync();
            var books = 0;
            await foreach (var _ in data.SubscribeAsync<StockOrderBook>(KisTrs.H0STASP0, Code, ct))
                if (++books == 2000) break;
            for (var more = await first && await firstRaw; more; more = await typed.MoveNextAsync() && await raw.MoveNextAsync())
            {
                Assert.True(StockTrade.TryDecode(KisTrs.H0STCNT0, raw.Current.Data.Span, out var decoded, out _));
                late.Add((typed.Current, decoded, raw.Current.ReceivedAt));
            }
        }, new KisBacktestOptions { PrepareAhead = prepareAhead }).WaitAsync(RunTimeout);

        Assert.Equal(3000, late.Count);
        Assert.All(late, pair => Assert.Equal(pair.Decoded, pair.Typed));
        Assert.Equal(3000, late.Select(p => p.ReceivedAt).Distinct().Count()); // each trade once
        Assert.Equal(0, result.Statistics.DecodeErrors);
    }

    private static async Task<(KisBacktestResult Result, List<StockTrade> Trades, Dictionary<string, byte[]> Files)> RunAsync(string dir, bool prepareAhead)
    {
        var strategy = new MeanReversionStrategy();
        var trades = new List<StockTrade>();
        var result = await KisBacktest.RunAsync(new KisRecordingFolder(dir), async (data, orders, ct) =>
        {
            var sample = strategy.RunAsync(data, orders, ct);
            await foreach (var trade in data.SubscribeStockTradesAsync(Code, cancellationToken: ct)) trades.Add(trade);
            await sample;
        }, new KisBacktestOptions { HtsId = SimulatorOptions.DefaultHtsId, PrepareAhead = prepareAhead }).WaitAsync(RunTimeout);
        var output = Cli.CliTestKit.EmptyDirectory();
        await result.WriteAsync(output);
        return (result, trades, Directory.GetFiles(output).ToDictionary(f => Path.GetFileName(f)!, File.ReadAllBytes));
    }
}
