using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Cli.Output;

namespace Kis.Realtime.Cli.Commands;

/// <summary>
/// One <c>kisrt bars</c> run: a pump a subscription, each aggregating its trades into bars, and the one output they share
/// (the writer, the Parquet file or the PostgreSQL store, and the count towards --count) under one lock.
/// </summary>
internal sealed class BarsRun(BarsSource source, BarsArgs args, BarSpec spec, BarOptions options, TimeOnly? from, BarsRun.Output output,
    TextWriter stderr, CancellationTokenSource stop, CancellationToken cancellationToken)
{
    /// <summary>Where the bars go: standard output (table, jsonl, csv), or a Parquet file; and the PostgreSQL store.</summary>
    public sealed record Output(BarWriter Writer, IClosedBarFile? Parquet, PostgresBarStore? Store);

    private readonly Lock _gate = new(); // one owner of the output, the count and the store's queue: every pump emits under it
    private long _shown; // under _gate
    private int _exitCode = CliFailures.Done; // under _gate
    private long _tradesRead; // all subscriptions: a source none of whose trades decode fails instead of showing "0 bars"

    /// <summary>Trades that decoded, of every subscription.</summary>
    public long TradesRead => Interlocked.Read(ref _tradesRead);

    /// <summary>The worst failure of a subscription (<see cref="CliFailures"/>), or Done.</summary>
    public int ExitCode
    {
        get
        {
            lock (_gate) return _exitCode;
        }
    }

    /// <summary>Runs every subscription's pump until each ends (the source's end, Ctrl+C, --duration, --count).</summary>
    public async Task RunAsync()
    {
        var pumps = source.Subscriptions.Select(s => Task.Run(() => PumpAsync(s), CancellationToken.None)).ToArray();
        try
        {
            await Task.WhenAll(pumps);
        }
        finally
        {
            await stop.CancelAsync();
        }
    }

    /// <summary>Writes out what the writer holds.</summary>
    public void Flush()
    {
        lock (_gate) output.Writer.Flush();
    }

    private Task PumpAsync(SubscriptionSpec s) =>
        StockTrade.Trs.Contains(s.Tr) ? PumpTradesAsync<StockTrade, StockTradeAccessor>(s)
        : s.Tr == KisTrs.H0UPCNT0 ? PumpTradesAsync<IndexTick, IndexTickAccessor>(s)
        : FuturesTrade.Trs.Contains(s.Tr) ? PumpTradesAsync<FuturesTrade, FuturesTradeAccessor>(s)
        : OptionsTrade.Trs.Contains(s.Tr) ? PumpTradesAsync<OptionsTrade, OptionsTradeAccessor>(s)
        : PumpTradesAsync<OverseasStockTrade, OverseasStockTradeAccessor>(s);

    private async Task PumpTradesAsync<TTrade, TAccessor>(SubscriptionSpec s)
        where TTrade : struct, IKisRecord<TTrade>
        where TAccessor : ITradeAccessor<TTrade>
    {
        // Trades without a date on the wire are dated from their receive time, by every source alike.
        var aggregator = new BarAggregator<TTrade, TAccessor>(spec, options);
        long closed = 0;
        var tradesOfThis = new System.Runtime.CompilerServices.StrongBox<long>();
        try
        {
            var trades = Counted(source.Client.SubscribeReceivedAsync<TTrade>(s.Tr, s.Key, stop.Token), tradesOfThis);
            if (source.SeedsFromRest) trades = await SeedAsync(aggregator, s, trades);
            await foreach (var bar in aggregator.AddAllReceivedAsync(trades, args.Forming, stop.Token))
                closed += Emit(s, bar) ? 1 : 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception e) when (CliFailures.Describe(e) is { } failure)
        {
            lock (_gate) _exitCode = Math.Max(_exitCode, failure.ExitCode);
            await stderr.WriteLineAsync($"kisrt: {s}: {failure.Message}");
        }
        // What was forming when the trades stopped (end of a recording, Ctrl+C, --duration): flagged end_of_stream.
        aggregator.Complete();
        while (aggregator.TryTakeClosed(out var last)) closed += Emit(s, last) ? 1 : 0;
        var seedNote = aggregator.SeedResult is { KeptBars: > 0 } or { DroppedBars: > 0 } or { MissingVolume: not null } or { CoveredTrades: > 0 }
            ? $", seed: {Describe(aggregator.SeedResult)}" : "";
        await stderr.WriteLineAsync($"kisrt: {s}: {closed:N0} bars shown{seedNote}; gaps {aggregator.Gaps} (missing volume " +
            $"{aggregator.MissingVolume:N0}), duplicates {aggregator.DuplicateTrades} (in no bar), late trades {aggregator.LateTrades} (in no bar), " +
            $"trades outside the sessions {aggregator.SkippedTrades}{DescribeCorrupt(aggregator.CorruptTrades, aggregator.CorruptRecords)}" +
            DescribeCorruptVolumes(aggregator.CorruptVolumes, aggregator.CorruptVolumeRecords));
        // A recording without this subscription's trades: say what it holds (a wrong key is the usual cause).
        if (source.Recording is { } recording && tradesOfThis.Value == 0 && !cancellationToken.IsCancellationRequested)
            await stderr.WriteLineAsync(RecordingContents.Describe(s.ToString(), recording.Description,
                await RecordingContents.ListAsync(recording, null, cancellationToken)));
    }

    // The day so far from the REST chart (a direct session), read before subscribing. The first live trade's acml_vol
    // then proves the seed holds every trade before it; when it shows trades made after the reading (sent to nobody),
    // the chart is read again, now that the subscription runs: it then holds them, and the live trades it holds as well
    // go into no bar again (the aggregator tells them by acml_vol, SeedResult.CoveredTrades). The live trades wait in the
    // subscription meanwhile. What comes out: the live trades, the first one included.
    private async Task<IAsyncEnumerable<KisReceived<TTrade>>> SeedAsync<TTrade, TAccessor>(BarAggregator<TTrade, TAccessor> aggregator,
        SubscriptionSpec s, IAsyncEnumerable<KisReceived<TTrade>> trades)
        where TTrade : struct, IKisRecord<TTrade>
        where TAccessor : ITradeAccessor<TTrade>
    {
        // null: no REST history (not a direct session, no chart for these bars, or the chart failed). An empty chart is a
        // reading too (before the open, or before the stock's first trade): trades may still come before the subscription.
        var seed = await source.RestSeedAsync(s, spec, stderr, stop.Token);
        if (seed is null) return trades;
        aggregator.Seed(seed); // shown at the end even if no live trade comes
        var live = trades.GetAsyncEnumerator(stop.Token);
        var ready = false;
        try
        {
            if (!await live.MoveNextAsync()) return AsyncEnumerable.Empty<KisReceived<TTrade>>();
            var first = live.Current.Value;
            var before = TAccessor.CumulativeVolume(first) - TAccessor.Volume(first);
            if (before > seed.Sum(b => b.Volume) && TAccessor.CumulativeVolume(first) >= 0)
            {
                await stderr.WriteLineAsync($"kisrt: {s}: trades were made between the REST reading and the subscription: reading it again.");
                var again = await source.RestSeedAsync(s, spec, stderr, stop.Token);
                if (again is { Count: > 0 }) aggregator.Seed(again);
            }
            ready = true;
            return Continue(live);
        }
        finally
        {
            if (!ready) await live.DisposeAsync();
        }
    }

    // The enumerator's current item, then the rest.
    private static async IAsyncEnumerable<T> Continue<T>(IAsyncEnumerator<T> started)
    {
        await using (started)
        {
            yield return started.Current;
            while (await started.MoveNextAsync()) yield return started.Current;
        }
    }

    // Every trade that decoded, of any subscription (a source none of whose trades decode fails).
    private async IAsyncEnumerable<TTrade> Counted<TTrade>(IAsyncEnumerable<TTrade> trades, System.Runtime.CompilerServices.StrongBox<long> ofThisSubscription)
    {
        await foreach (var trade in trades)
        {
            Interlocked.Increment(ref _tradesRead);
            ofThisSubscription.Value++; // one pump per subscription: only it writes this box
            yield return trade;
        }
    }

    // True when the bar was shown (a closed one counted towards --count).
    private bool Emit(SubscriptionSpec s, in Bar bar)
    {
        if (from is { } start && TimeOnly.FromTimeSpan(bar.OpenTime.TimeOfDay) < start) return false; // the market's own clock
        bool reached;
        lock (_gate)
        {
            if (_shown >= args.Count) return false;
            if (output.Parquet is not null && bar.IsForming) return false; // a file holds closed bars
            if (output.Parquet is not null) output.Parquet.Add(s.Tr.Id, spec, bar);
            else output.Writer.Write(s.Tr.Id, spec, bar);
            if (bar.IsForming) { output.Writer.Flush(); return false; }
            output.Store?.Add(s.Tr.Id, bar);
            _shown++;
            reached = _shown >= args.Count;
            output.Writer.Flush(); // bars are minutes apart: each one is worth its write
        }
        if (reached) stop.Cancel();
        return true;
    }

    // Where the first corrupt acml_vol is, so a person can find the record (its stamp, on the market's clock).
    private static string DescribeCorrupt(long count, IReadOnlyList<CorruptCumulativeVolume> records)
    {
        if (count == 0) return "";
        var first = records[0];
        // Which trade, and why no placement explains it: the range its own volume claims lies in no gap of the tape.
        var fits = first.ExpectedCumulativeVolume is { } expected ? $"the trades' own volumes give {expected}"
            : $"cntg_vol {first.Volume}: {first.CumulativeVolume - first.Volume}–{first.CumulativeVolume} lies in no gap of the tape" +
              (first.TapeCumulativeVolume is { } tape ? $", which was at {tape}" : "") + " (in no bar)";
        return $", corrupt cumulative volumes {count} (first at {first.Time:yyyy-MM-dd HH:mm:ss}: acml_vol {first.CumulativeVolume}, {fits})";
    }

    private static string DescribeCorruptVolumes(long count, IReadOnlyList<CorruptTradeVolume> records) =>
        count == 0 ? "" : $", corrupt trade volumes {count} (first at {records[0].Time:yyyy-MM-dd HH:mm:ss}: cntg_vol {records[0].Volume}, " +
            $"the acml_vol step {records[0].Step})";

    private static string Describe(SeedResult r) =>
        $"{r.KeptBars} bars kept, {r.DroppedBars} dropped, forming bar {(r.JoinedFormingBar ? "continued" : "rebuilt from live trades")}" +
        (r.MissingVolume is { } missing and not 0 ? $", volume missing before the first live trade {missing:N0}" : "") +
        (r.CoveredTrades > 0 ? $", {r.CoveredTrades:N0} live trades already in it (in no bar again)" : "");
}
