using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Kis.Realtime.Benchmarks;

namespace Kis.Realtime.Tests.Replay;

/// <summary>
/// An unpaced replay decoded by parallel workers yields what one decoding task yields: the same records in the same
/// order, the same gaps found, the same counts, whatever the frames' sizes and what lies between them.
/// </summary>
public class ParallelDecodeTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero); // 09:00 KST

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Workers_deliver_the_records_gaps_and_counts_of_one_decoding_task(int workers)
    {
        var (recording, gapsMade) = Recording(frames: 12_000);

        var (oneTrades, oneStats, oneGaps) = await ReplayAsync(recording, decodeWorkers: 1);
        var (parallelTrades, parallelStats, parallelGaps) = await ReplayAsync(recording, decodeWorkers: workers);

        Assert.True(oneTrades.Count > 20_000, $"{oneTrades.Count} trades"); // frames of 1–5 records, a few not delivered
        Assert.Equal(oneTrades.Count, parallelTrades.Count);
        for (var i = 0; i < oneTrades.Count; i++)
            if (oneTrades[i] != parallelTrades[i]) Assert.Fail(
                $"trade {i}: {parallelTrades[i].Time} {parallelTrades[i].CumulativeVolume}, expected {oneTrades[i].Time} {oneTrades[i].CumulativeVolume}");
        // The holes made below, each found once, and the trade with an empty volume: not checked, so the next one
        // shows its volume as missed.
        Assert.Equal(gapsMade + 1, oneStats.Gaps);
        Assert.True(oneStats.Overlaps > 0); // the long frame repeats its records
        Assert.Equal(

            (oneStats.MessagesReceived, oneStats.FramesReceived, oneStats.RecordsReceived, oneStats.RecordsDelivered, oneStats.DecodeErrors, oneStats.Gaps,
                oneStats.MissingVolume, oneStats.Overlaps),
            (parallelStats.MessagesReceived, parallelStats.FramesReceived, parallelStats.RecordsReceived, parallelStats.RecordsDelivered,
                parallelStats.DecodeErrors, parallelStats.Gaps, parallelStats.MissingVolume, parallelStats.Overlaps));
        Assert.Equal(oneGaps, parallelGaps); // the same gaps, in the same order
        Assert.True(oneStats.DecodeErrors > 0); // the malformed frames were counted, not fatal
    }

    [Fact]
    public void Options_refuse_fewer_than_one_worker()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new KisReplayClient(new ListSource([]), new KisReplayOptions { DecodeWorkers = 0 }));
        Assert.Equal("DecodeWorkers", error.ParamName);
    }

    private static async Task<(List<StockTrade> Trades, KisRealtimeStatistics Statistics,
        List<(VolumeGapKind Kind, long Missing, TimeOnly From, TimeOnly To)> Gaps)> ReplayAsync(
        IReadOnlyList<RecordedMessage> recording, int decodeWorkers)
    {
        await using var replay = new KisReplayClient(new ListSource(recording), new KisReplayOptions { DecodeWorkers = decodeWorkers });
        var gaps = new List<(VolumeGapKind, long, TimeOnly, TimeOnly)>();
        var gapsSeen = new TaskCompletionSource();
        replay.GapDetected += gap =>
        {
            lock (gaps) gaps.Add((gap.Kind, gap.MissingVolume, TimeOnly.FromDateTime(gap.From.DateTime), TimeOnly.FromDateTime(gap.To.DateTime)));
        };
        var trades = new List<StockTrade>();
        await foreach (var trade in replay.SubscribeStockTradesAsync("005930")) trades.Add(trade);
        var statistics = replay.Statistics;
        // Gap events (missed trades and overlaps) reach handlers on the client's dispatcher: wait for as many as were counted.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && Count(gaps) < statistics.Gaps + statistics.Overlaps) await Task.Delay(10);
        lock (gaps) return (trades, statistics, [.. gaps]);
    }

    private static int Count(List<(VolumeGapKind, long, TimeOnly, TimeOnly)> gaps)
    {
        lock (gaps) return gaps.Count;
    }

    /// <summary>
    /// Trade frames of 1–5 records whose cumulative volumes continue one another, with holes made in it (a frame left
    /// out), each followed by an order book; an index tick, a malformed frame, another stock's trade and a PINGPONG now
    /// and then; a trade with an empty volume (not checked) and one long frame bigger than a worker's slot.
    /// </summary>
    private static (List<RecordedMessage> Recording, int GapsMade) Recording(int frames)
    {
        var tr = KisTrs.StockTrades;
        var fields = Encoding.ASCII.GetString(SyntheticRecording.Record(tr, "005930", 1)).Split('^');
        int volumeField = tr.IndexOf("cntg_vol"), accumulatedField = tr.IndexOf("acml_vol"), timeField = tr.IndexOf("stck_cntg_hour");
        var book = SyntheticRecording.Frame(KisTrs.StockOrderBooks, SyntheticRecording.Record(KisTrs.StockOrderBooks, "005930", 1));
        var tick = SyntheticRecording.Frame(KisTrs.IndexTicks, SyntheticRecording.Record(KisTrs.IndexTicks, "0001", 1));
        var other = SyntheticRecording.Frame(tr, SyntheticRecording.Record(tr, "000660", 1));
        var messages = new List<RecordedMessage>();
        long accumulated = 0;
        var gapsMade = 0;
        var at = Start;
        for (var i = 0; i < frames; i++)
        {
            var records = new List<byte[]>();
            for (var r = 0; r < 1 + i % 5; r++)
            {
                var volume = 1 + (i + r) % 13;
                accumulated += volume;
                fields[volumeField] = i == 777 && r == 0 ? "" : volume.ToString(CultureInfo.InvariantCulture);
                fields[accumulatedField] = accumulated.ToString(CultureInfo.InvariantCulture);
                fields[timeField] = TimeOnly.FromTimeSpan(TimeSpan.FromHours(9) + TimeSpan.FromSeconds(i)).ToString("HHmmss", CultureInfo.InvariantCulture);
                records.Add(Encoding.ASCII.GetBytes(string.Join('^', fields)));
            }
            at = at.AddMilliseconds(1);
            if (i % 997 == 500) gapsMade++; // a frame lost: the next one's cumulative volume shows it
            else messages.Add(new RecordedMessage(at, 0, i == 4_000 ? SyntheticRecording.Frame(tr, [.. Enumerable.Repeat(records, 60).SelectMany(x => x)])
                : SyntheticRecording.Frame(tr, [.. records])));
            messages.Add(new RecordedMessage(at, 0, book));
            if (i % 10 == 0) messages.Add(new RecordedMessage(at, 0, tick));
            if (i % 333 == 0) messages.Add(new RecordedMessage(at, 0, "0|H0STCNT0|001|005930^notatime"u8.ToArray()));
            if (i % 250 == 0) messages.Add(new RecordedMessage(at, 0, other));
            if (i % 1000 == 0) messages.Add(new RecordedMessage(at, 0, """{"header":{"tr_id":"PINGPONG","datetime":"20261123090000"}}"""u8.ToArray()));
        }
        return (messages, gapsMade);
    }

    private sealed class ListSource(IReadOnlyList<RecordedMessage> messages) : KisRecordingSource
    {
        public override string Description => "list";

        public override async IAsyncEnumerable<RecordedMessage> ReadAsync(ReplayQuery query,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            for (var i = 0; i < messages.Count; i++)
            {
                if (i % 3_000 == 0) await Task.Yield(); // now and then not ready: partial slots are handed on
                yield return messages[i];
            }
        }
    }
}
