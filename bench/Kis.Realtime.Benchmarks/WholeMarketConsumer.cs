using System.Diagnostics;
using System.Text;
using Kis.Realtime.Gateway;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// The whole-market harness's independent consumer: plain RabbitMQ.Client, each TR's stream read from its first offset,
/// its messages decoded from the documented wire format (docs/gateway.md: one-key and keys formats), not by the gateway
/// client. Per (TR, key) and gateway run (a fleet's shard moving to another process starts a new run, seq from 1) it keeps
/// the next sequence it expects: a lower one is a record doubled, a higher one a gap (records lost). Lag: now minus each
/// record's gateway receive stamp (<c>received_at</c> + its offset), same clock.
/// </summary>
internal sealed class WholeMarketConsumer : IAsyncDisposable
{
    private sealed class RunCount
    {
        public long Next = 1, Doubled, Gaps;
    }

    private sealed class KeyCount
    {
        public readonly Dictionary<string, RunCount> Runs = [];
        public readonly List<string> Order = []; // the runs as the stream brought them
        public readonly List<GapRule.Announcement> Announcements = [];
        public string? Open; // a run that announced the key after its last record and has no record of it yet
        public long Got => Runs.Values.Sum(r => r.Next - 1 - r.Gaps);
        public long Doubled => Runs.Values.Sum(r => r.Doubled);

        /// <summary>Of <paramref name="made"/>, what the records missing come to (issue 61's rule, <see cref="GapRule"/>).</summary>
        public GapRule.KeyAccount Account(long made) =>
            GapRule.Account(made, Got, Runs.Values.Sum(r => r.Gaps), [.. Order.Select(run => (run, Runs[run].Next - 1))], Open, Announcements);
    }

    private readonly Lock _gate = new();
    private readonly Dictionary<(string Tr, string Key), KeyCount> _keys = [];
    private readonly List<double> _lagMs = [];
    private readonly IConnection _connection;
    private readonly List<IChannel> _channels = [];
    private long _records;

    private WholeMarketConsumer(IConnection connection) => _connection = connection;

    public long Records => Interlocked.Read(ref _records);

    public static async Task<WholeMarketConsumer> StartAsync(KisGatewayEndpoint endpoint, IEnumerable<string> trs)
    {
        var consumer = new WholeMarketConsumer(await endpoint.CreateFactory("kisrt-bench-whole-market").CreateConnectionAsync());
        foreach (var tr in trs)
        {
            var channel = await consumer._connection.CreateChannelAsync();
            consumer._channels.Add(channel);
            await channel.BasicQosAsync(0, 2_000, false);
            var basic = new AsyncEventingBasicConsumer(channel);
            long unacked = 0;
            basic.ReceivedAsync += async (_, d) =>
            {
                consumer.Take(tr, d.BasicProperties.Headers, d.Body.Span);
                // Acknowledged in batches, as the gateway client does: a stream consumer's credit comes back with them.
                if (++unacked >= 500)
                {
                    unacked = 0;
                    await channel.BasicAckAsync(d.DeliveryTag, multiple: true);
                }
            };
            await channel.BasicConsumeAsync(endpoint.StreamFor(tr), false, "", false, false,
                new Dictionary<string, object?> { ["x-stream-offset"] = "first" }, basic);
        }
        return consumer;
    }

    private static string? Text(IDictionary<string, object?> headers, string name) =>
        headers.TryGetValue(name, out var v) ? v switch { byte[] b => Encoding.UTF8.GetString(b), string s => s, _ => v?.ToString() } : null;

    private void Take(string tr, IDictionary<string, object?>? headers, ReadOnlySpan<byte> body)
    {
        if (headers is null) return;
        if (headers.ContainsKey(SentinelHeader))
        {
            lock (_gate) _ended.Add(tr);
            return;
        }
        if (headers.ContainsKey("kind"))
        {
            TakeAnnouncement(tr, headers, body); // not a record: the gap message of the run it begins
            return;
        }
        var now = DateTimeOffset.UtcNow;
        var count = headers.TryGetValue("count", out var c) && c is int n ? n : 1;
        var run = Text(headers, "run") ?? "";
        var receivedAt = headers.TryGetValue("received_at", out var r) && r is long at ? at : 0;
        var offsets = Text(headers, "received_offsets")?.Split(',').Select(long.Parse).ToArray();
        string[] keys;
        long[] seqs;
        if (Text(headers, "format") == "keys")
        {
            keys = Text(headers, "keys")!.Split(',');
            seqs = [.. Text(headers, "seqs")!.Split(',').Select(long.Parse)];
        }
        else
        {
            var key = Text(headers, "tr_key")!;
            var first = (long)headers["seq"]!;
            keys = [.. Enumerable.Repeat(key, count)];
            seqs = [.. Enumerable.Range(0, count).Select(i => first + i)];
        }
        var nowMicros = (now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                if (!_keys.TryGetValue((tr, keys[i]), out var byRun)) _keys[(tr, keys[i])] = byRun = new KeyCount();
                byRun.Open = null;
                if (!byRun.Runs.TryGetValue(run, out var k))
                {
                    byRun.Runs[run] = k = new RunCount();
                    byRun.Order.Add(run);
                }
                if (seqs[i] < k.Next) k.Doubled++;
                else
                {
                    k.Gaps += seqs[i] - k.Next;
                    k.Next = seqs[i] + 1;
                }
                _lagMs.Add((nowMicros - receivedAt - (offsets?[i] ?? 0)) / 1000.0);
            }
        }
        Interlocked.Add(ref _records, count);
    }

    private void TakeAnnouncement(string tr, IDictionary<string, object?> headers, ReadOnlySpan<byte> body)
    {
        var announcement = GapRule.Parse(Text(headers, "run") ?? "", body);
        var key = Text(headers, "tr_key")!;
        lock (_gate)
        {
            if (!_keys.TryGetValue((tr, key), out var byRun)) _keys[(tr, key)] = byRun = new KeyCount();
            byRun.Announcements.Add(announcement);
            if (!byRun.Runs.ContainsKey(announcement.Run)) byRun.Open = announcement.Run;
        }
    }

    public void ResetLag()
    {
        lock (_gate) _lagMs.Clear();
    }

    /// <summary>Lag p50 and p99 (ms) of the records consumed since <see cref="ResetLag"/>.</summary>
    public (double P50, double P99) Lag()
    {
        double[] sorted;
        lock (_gate) sorted = [.. _lagMs.Order()];
        double At(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
        return (At(0.5), At(0.99));
    }

    /// <summary>A message of the harness's own, last on each TR's stream (<see cref="ReadToEndAsync"/>).</summary>
    private const string SentinelHeader = "bench_sentinel";
    private readonly HashSet<string> _ended = [];

    /// <summary>
    /// Puts a message of the harness's own at the end of every TR's stream (after the simulator has stalled) and waits,
    /// bounded, until this consumer has read up to it: every record and announcement the streams hold by then is counted.
    /// Without it the count stopped after 15 s without a record while the consumer, in this process beside the simulator,
    /// was still 26–43 s behind at the burst, before it had read the new runs' announcements. Returns how long it took.
    /// </summary>
    public async Task<TimeSpan> ReadToEndAsync(KisGatewayEndpoint endpoint, IReadOnlyCollection<string> trs, TimeSpan bound)
    {
        var clock = Stopwatch.StartNew();
        await using (var connection = await endpoint.CreateFactory("kisrt-bench-sentinel").CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync(
                         new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)))
        {
            foreach (var tr in trs)
            {
                // A kind of its own: every reader of the wire (the library, the PostgreSQL writer) passes over kinds it does not know.
                var properties = new BasicProperties { Headers = new Dictionary<string, object?> { ["kind"] = "bench-sentinel", [SentinelHeader] = "end" } };
                await channel.BasicPublishAsync("", endpoint.StreamFor(tr), true, properties, "end"u8.ToArray()); // the default exchange: the stream itself
            }
        }
        while (clock.Elapsed < bound)
        {
            lock (_gate)
                if (trs.All(_ended.Contains)) return clock.Elapsed;
            await Task.Delay(200);
        }
        Console.WriteLine($"warning: the consumer did not read to the streams' end within {bound}; counting what it read");
        return clock.Elapsed;
    }

    /// <summary>
    /// Waits (bounded; or 15 s without a record) until every key has reached what the simulator sent it, then: records lost
    /// (short of the count or in a gap), records doubled, how many keys fell short and how many had records of several runs,
    /// and the lost records no gap message accounts for (a run change whose announcement does not state the previous run's
    /// last record on the stream, a hole inside a run, a key short without a run change).
    /// </summary>
    public async Task<(long Lost, long Doubled, int KeysShort, int KeysOfRuns, long Unaccounted, int GapsStated, long LostInUnknownGaps)> CheckAsync(
        Dictionary<(string TrId, string Key), long> sent, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        var examples = Unaccounted;
        var (lastRecords, quiet) = (-1L, Stopwatch.StartNew());
        while (true)
        {
            long lost = 0, doubled = 0, unaccounted = 0;
            examples.Clear();
            int shortKeys = 0, ofRuns = 0, stated = 0;
            long unknownExtent = 0;
            lock (_gate)
            {
                foreach (var ((tr, key), made) in sent)
                {
                    var k = _keys.GetValueOrDefault((tr, key)) ?? new KeyCount();
                    var got = k.Got;
                    if (got < made) shortKeys++;
                    if (k.Runs.Count > 1) ofRuns++;
                    lost += Math.Max(0, made - got);
                    doubled += k.Doubled;
                    // A key short at its end with one run counts as unaccounted here (the kill test reports it apart).
                    var account = k.Account(made);
                    unaccounted += account.Unaccounted + account.TailShort;
                    if (account.Unaccounted + account.TailShort > 0 && examples.Count < 5) examples.Add(Describe(tr, key, made, k, account));
                    (stated, unknownExtent) = (stated + account.Stated, unknownExtent + account.UnknownExtent);
                }
            }
            if (Records != lastRecords) (lastRecords, quiet) = (Records, Stopwatch.StartNew());
            if (shortKeys == 0 || waited.Elapsed > timeout || quiet.Elapsed > TimeSpan.FromSeconds(15))
                return (lost, doubled, shortKeys, ofRuns, unaccounted, stated, unknownExtent);
            await Task.Delay(200);
        }
    }

    /// <summary>Records short at the streams' end (<see cref="WholeMarketStop.Tail"/>).</summary>
    public readonly record struct TailCount(int TailKeys, long TailRecords, int SeveralRunsKeys, long SeveralRunsShort);

    /// <summary>Of <paramref name="sent"/>, the keys short at their end with one run, and the keys with a gap stated (several runs,
    /// or a first run announcing one of unknown extent before it) short.</summary>
    public TailCount Tail(Dictionary<(string TrId, string Key), long> sent)
    {
        var count = new TailCount();
        lock (_gate)
        {
            foreach (var ((tr, key), made) in sent)
            {
                var k = _keys.GetValueOrDefault((tr, key)) ?? new KeyCount();
                var account = k.Account(made);
                if (account.TailShort > 0) count = count with { TailKeys = count.TailKeys + 1, TailRecords = count.TailRecords + account.TailShort };
                var shortBy = made - k.Got - k.Runs.Values.Sum(r => r.Gaps);
                if ((k.Runs.Count > 1 || account.UnknownExtent > 0) && shortBy > 0)
                    count = count with { SeveralRunsKeys = count.SeveralRunsKeys + 1, SeveralRunsShort = count.SeveralRunsShort + shortBy };
            }
        }
        return count;
    }

    /// <summary>Up to five keys with records missing outside a stated gap, as the last check found them: what a reader sees.</summary>
    public List<string> Unaccounted { get; } = [];

    private static string Describe(string tr, string key, long made, KeyCount k, GapRule.KeyAccount account) =>
        $"{tr} {key}: made {made}, got {k.Got}, in-run holes {k.Runs.Values.Sum(r => r.Gaps)}, tail short {account.TailShort}; runs " +
        string.Join(" -> ", k.Order.Select(run => $"{run} seq 1..{k.Runs[run].Next - 1}")) + (k.Open is null ? "" : $" -> {k.Open} (announced, no record)") +
        "; announced " + string.Join(", ", k.Announcements.Select(a => $"{a.Run}: stream {a.StreamRun} seq {a.StreamSeq}{(a.Unknown ? " unknown" : "")}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels) await channel.CloseAsync();
        await _connection.CloseAsync();
    }
}
