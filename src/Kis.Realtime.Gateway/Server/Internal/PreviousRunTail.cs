using System.Globalization;
using System.Threading.Channels;
using Kis.Realtime.Gateway.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// Per key, the last record that reached its TR's stream before this run, of whichever run published it (issue 61: a
/// kill's hole in the gap messages). The previous run's checkpoint is written every
/// <see cref="KisGatewayOptions.CheckpointInterval"/>, so what it says a killed run confirmed is a lower bound; and a run
/// that held a key without publishing any of it (a shard that moved twice in a row) has nothing of the key at all. The
/// stream says exactly where the hole begins. A taking-over run reads each TR stream from a little before the previous
/// run's checkpoint until it meets what was received after this run's fence (<see cref="RunExchange"/>: nothing of the
/// previous run is routed after that), or the stream goes quiet; then, for the keys
/// it takes over and has not found, it reads back in windows ending where the last one began (30 s, 10 min, then the
/// stream's first record) until it finds them.
/// Bounded: <see cref="ReadBound"/> for the whole read and <see cref="ReadBackMessages"/> a stream for the windows back;
/// a key whose last record the read did not establish is announced as a gap of unknown extent, and counted.
/// </summary>
internal static partial class PreviousRunTail
{
    /// <summary>How long the whole read may take (it holds the run's start).</summary>
    internal static readonly TimeSpan ReadBound = TimeSpan.FromSeconds(5);
    /// <summary>A record received this long after this run's fence was published after the previous run's last one, even
    /// with the hosts' clocks this far apart; the broker also places a start time only to the second.</summary>
    internal static readonly TimeSpan ClockMargin = PreviousRun.ClockMargin;
    /// <summary>The messages a TR stream's windows back may read in all (at ~100 records a message, ~10 M records).</summary>
    internal const int ReadBackMessages = 100_000;
    /// <summary>A stream that sends nothing for this long has nothing more before this run.</summary>
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(1);
    /// <summary>The same before the first delivery: a broker busy with a burst can take this long to start a stream reader, and a
    /// read that gave up sooner would take a stream still growing for a quiet one (and its keys' checkpoint as exact).</summary>
    private static readonly TimeSpan FirstIdle = TimeSpan.FromSeconds(2);
    /// <summary>Deliveries acknowledged together (the prefetch is 2,000).</summary>
    private const int AckEvery = 250;
    /// <summary>The windows back: how far before the first window each begins; after the last, the stream's first record.</summary>
    private static readonly TimeSpan[] ReadBack = [TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(10)];

    /// <summary>The last records found of the keys of the TRs this run takes over.</summary>
    public static async Task<StreamTails> ReadAsync(KisGatewayOptions options, GatewayCheckpoint previous, long fencedAtMicros,
        CancellationToken cancellationToken)
    {
        var wanted = Wanted(options, previous);
        if (wanted.Count == 0) return StreamTails.None;
        // Keys whose last record the checkpoint states once the forward read has covered what it had not confirmed:
        // only the others are looked for further back.
        var inCheckpoint = previous.ConfirmedThrough is null ? null : previous.Keys.Select(k => (k.Tr, k.Key)).ToHashSet();
        var tails = wanted.Keys.ToDictionary(tr => tr, _ => new TrTail(), StringComparer.Ordinal);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(ReadBound);
        // Opened only when a window is read here (a fleet's forward windows are shared, and most keys need none further back).
        var connection = new Lazy<Task<IConnection>>(() => options.Endpoint.CreateFactory("kisrt-gateway-tail").CreateConnectionAsync(bounded.Token));
        try
        {
            // From the first record the checkpoint had not confirmed (every later record of the run was received after it).
            var from = (previous.ConfirmedThrough ?? previous.At) / 1_000_000 - (long)ClockMargin.TotalSeconds;
            var until = fencedAtMicros + (long)ClockMargin.TotalMicroseconds;
            // Per TR, the latest record its checkpoint confirmed: the stream holds it, so a forward read that ended before it
            // (quiet while the broker paused its deliveries under load) did not reach the stream's end.
            var mustReach = previous.Keys.Where(k => k is { Run: null, Seq: > 0, Tr: not null }).GroupBy(k => k.Tr, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Max(k => k.At), StringComparer.Ordinal);
            await Task.WhenAll(tails.Select(t => ReadTrAsync(connection, options.FleetTakeovers, options.Endpoint.StreamFor(t.Key),
                [.. wanted[t.Key].Where(k => inCheckpoint?.Contains((t.Key, k)) != true)], t.Value, from, until,
                mustReach.TryGetValue(t.Key, out var at) ? at : null, bounded.Token))).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or RabbitMQ.Client.Exceptions.RabbitMQClientException or IOException
                                      && !cancellationToken.IsCancellationRequested)
        {
            // Bounded or the broker went: what the finished windows found stands, the rest is unknown.
        }
        finally
        {
            if (connection.IsValueCreated && connection.Value.IsCompletedSuccessfully) BrokerClose.CloseRead(connection.Value.Result);
        }
        var last = new Dictionary<(string Tr, string Key), StreamTailRecord>();
        var readToFirst = new HashSet<string>(StringComparer.Ordinal);
        var covered = new HashSet<string>(StringComparer.Ordinal);
        var unknown = 0;
        foreach (var (tr, tail) in tails)
        {
            // Every read has ended (Task.WhenAll): no lock needed.
            foreach (var (key, record) in tail.Last) last[(tr, key)] = record;
            if (tail.ForwardRead && inCheckpoint is not null) covered.Add(tr);
            if (tail.ReadToFirst) readToFirst.Add(tr);
            else unknown += wanted[tr].Count(k => !tail.Last.ContainsKey(k) && !(covered.Contains(tr) && inCheckpoint!.Contains((tr, k))));
        }
        var logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<KisGateway>();
        Log.Read(logger, wanted.Values.Sum(k => k.Count), tails.Count, last.Count, clock.ElapsedMilliseconds);
        if (unknown > 0) Log.Unknown(logger, previous.Run, unknown, last.Count, ReadBound);
        return new StreamTails(last, readToFirst, unknown, covered);
    }

    /// <summary>Per TR, the keys this run takes over: the previous run's keys and claims, and a fleet shard's universe (a shard's run
    /// may have held them without a record, or ended before its first checkpoint).</summary>
    private static Dictionary<string, HashSet<string>> Wanted(KisGatewayOptions options, GatewayCheckpoint previous)
    {
        var wanted = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var pairs = previous.Keys.Select(k => (k.Tr, k.Key)).Concat(previous.Claims.Select(c => (c.Tr, c.Key)))
            .Concat(options.FleetShardKeys ?? []);
        foreach (var (tr, key) in pairs)
        {
            if (tr is null || key is null) continue;
            if (!wanted.TryGetValue(tr, out var keys)) wanted[tr] = keys = new HashSet<string>(StringComparer.Ordinal);
            keys.Add(key);
        }
        return wanted;
    }

    /// <summary>One TR stream's state, filled window by window (only a window read to its end counts).</summary>
    private sealed class TrTail
    {
        public readonly Dictionary<string, StreamTailRecord> Last = new(StringComparer.Ordinal);
        public bool ReadToFirst;
        public bool ForwardRead; // the forward window was read to its end
    }

    private static async Task ReadTrAsync(Lazy<Task<IConnection>> connection, FleetTakeovers? shared, string stream, IReadOnlyCollection<string> wanted,
        TrTail tail, long fromSeconds, long untilMicros, long? mustReachMicros, CancellationToken cancellationToken)
    {
        try
        {
            // Forward: from before the previous run's checkpoint to what this run's time follows; in a fleet one read serves
            // every shard of the process that takes over at about the same time (a dead process's shards arrive together).
            var forward = shared is not null
                ? await shared.ForwardAsync(stream, fromSeconds, untilMicros, cancellationToken).ConfigureAwait(false)
                : await ReadWindowAsync(await connection.Value.ConfigureAwait(false), stream, new AmqpTimestamp(fromSeconds), null,
                    new TailReadEnd(untilMicros), int.MaxValue, cancellationToken).ConfigureAwait(false);
            // Nothing read although the checkpoint confirmed a record received before this run's end: the broker had not begun
            // to deliver (at the open's burst it took over 3 s), not an empty stream. Taken as read, the checkpoint's seq
            // passed for the key's last record while the stream held later ones (2,244 records outside a stated gap).
            if (forward is null || !Reached(forward.Value, fromSeconds, mustReachMicros)) return;
            foreach (var (key, record) in forward.Value.Last) tail.Last[key] = record;
            tail.ReadToFirst = forward.Value.FirstOffset == 0;
            tail.ForwardRead = true;
            // Back, for the keys taken over and not found: each window ends where the later one began, a key's latest wins.
            var (stop, budget) = (forward.Value.FirstOffset, ReadBackMessages);
            for (var i = 0; i <= ReadBack.Length && !tail.ReadToFirst && wanted.Any(k => !tail.Last.ContainsKey(k)); i++)
            {
                object start = i < ReadBack.Length ? new AmqpTimestamp(fromSeconds - (long)ReadBack[i].TotalSeconds) : "first";
                var window = await ReadWindowAsync(await connection.Value.ConfigureAwait(false), stream, start, stop, new TailReadEnd(untilMicros), budget,
                        cancellationToken)
                    .ConfigureAwait(false);
                if (window is null) return; // over the budget, or not read to its end: the rest stays unknown
                foreach (var (key, record) in window.Value.Last) tail.Last.TryAdd(key, record);
                tail.ReadToFirst = i == ReadBack.Length || window.Value.FirstOffset == 0;
                (stop, budget) = (window.Value.FirstOffset ?? stop, budget - window.Value.Messages);
            }
        }
        catch (OperationCanceledException)
        {
            // The bound: what finished windows found stands.
        }
    }

    /// <summary>Whether a forward window read as far as the checkpoint's latest record of its TR (<paramref name="mustReachMicros"/>,
    /// received at; null: none). Empty, it did not when that record was received after the read's start; else its latest record must
    /// not be older (issue 72: a read that went quiet mid-stream under load announced 1426 for a key the checkpoint had at 3191).</summary>
    internal static bool Reached(TailWindow window, long fromSeconds, long? mustReachMicros)
    {
        if (mustReachMicros is not { } must) return true;
        if (window.Messages == 0 || window.Last.Count == 0) return must / 1_000_000 < fromSeconds;
        return window.Last.Values.Max(r => r.At) >= must;
    }

    /// <summary>One window of a TR stream: from <paramref name="start"/> until the offset <paramref name="stop"/> (or, without
    /// one, a record received after <paramref name="end"/>'s time or quiet), each key's last record in it and the first offset read;
    /// null when the stream cannot be read or the window is over <paramref name="budget"/> messages.</summary>
    internal static async Task<TailWindow?> ReadWindowAsync(IConnection connection,
        string stream, object start, long? stop, TailReadEnd end, int budget, CancellationToken cancellationToken, TailReadProgress? progress = null,
        bool waitForFirst = false)
    {
        var last = new Dictionary<string, StreamTailRecord>(StringComparer.Ordinal);
        IChannel channel;
        try
        {
            channel = await connection.OpenChannelAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RabbitMQ.Client.Exceptions.RabbitMQClientException)
        {
            return null;
        }
        var deliveries = Channel.CreateUnbounded<IReadOnlyBasicProperties>();
        var consumer = new AsyncEventingBasicConsumer(channel);
        var unacked = 0; // the consumer's deliveries come one at a time on the channel's dispatcher: no lock
        consumer.ReceivedAsync += async (_, d) =>
        {
            deliveries.Writer.TryWrite(d.BasicProperties);
            // A stream consumer's credit comes back with its acks; one ack a message (an awaited write each) held a
            // takeover's read at ~1,500 messages a second at the open's burst: every AckEvery, well inside the prefetch.
            if (++unacked < AckEvery) return;
            unacked = 0;
            await channel.BasicAckAsync(d.DeliveryTag, multiple: true).ConfigureAwait(false);
        };
        var (first, messages, delivered) = ((long?)null, 0, false);
        try
        {
            await channel.BasicQosAsync(0, 2_000, false, cancellationToken).ConfigureAwait(false);
            await channel.BasicConsumeAsync(stream, autoAck: false, consumerTag: "", noLocal: false, exclusive: false,
                new Dictionary<string, object?> { ["x-stream-offset"] = start }, consumer, cancellationToken).ConfigureAwait(false);
            while (true)
            {
                IReadOnlyBasicProperties properties;
                using (var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    // A window back ends at an offset already read: it waits for it (within the bound), it is not quiet.
                    // A shared read (waitForFirst) serves takeovers of a busy stream: it waits for its first delivery up to its bound.
                    if (stop is null && !(waitForFirst && !delivered)) idle.CancelAfter(delivered ? Idle : FirstIdle);
                    try
                    {
                        properties = await deliveries.Reader.ReadAsync(idle.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        var window = new TailWindow(last, first, messages); // quiet: nothing more on the stream
                        end.Finish(window);
                        return window;
                    }
                }
                delivered = true;
                var offset = GatewayWire.Number(properties, "x-stream-offset");
                var receivedAt = GatewayWire.Number(properties, GatewayWire.ReceivedAtHeader);
                progress?.Delivered(receivedAt);
                if (offset >= stop) return new TailWindow(last, first, messages);
                if (receivedAt is { } at && end.Passed(at, last, first, messages)) return new TailWindow(last, first, messages);
                first ??= offset;
                if (++messages > budget) return null;
                Take(properties, last);
            }
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.OperationInterruptedException or RabbitMQ.Client.Exceptions.AlreadyClosedException)
        {
            return null; // no such stream (never published to), or the broker closed the channel
        }
        finally
        {
            end.Finish(null); // bounded or failed: who still waits learns nothing (no-op once the read has ended)
            BrokerClose.CloseRead(channel);
        }
    }

    /// <summary>Notes a message's records, of any run (either wire format): in stream order, the later one is the last.</summary>
    private static void Take(IReadOnlyBasicProperties properties, Dictionary<string, StreamTailRecord> last)
    {
        if (GatewayWire.Text(properties, GatewayWire.KindHeader) is not null || GatewayWire.Text(properties, GatewayWire.RunHeader) is not { } run) return;
        var at = GatewayWire.Number(properties, GatewayWire.ReceivedAtHeader) ?? 0;
        if (GatewayWire.Text(properties, GatewayWire.FormatHeader) == GatewayWire.KeysFormat)
        {
            var keys = GatewayWire.Text(properties, GatewayWire.KeysHeader)?.Split(',') ?? [];
            var seqs = GatewayWire.Text(properties, GatewayWire.SequencesHeader)?.Split(',') ?? [];
            // Each record's own receipt time: a checkpoint's record is compared with it (Reached).
            var offsets = GatewayWire.ReceivedOffsets(properties, keys.Length);
            for (var i = 0; i < Math.Min(keys.Length, seqs.Length); i++)
                if (long.TryParse(seqs[i], NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
                    last[keys[i]] = new StreamTailRecord(seq, at + (offsets?[i] ?? 0), run);
            return;
        }
        if (GatewayWire.Text(properties, GatewayWire.TrKeyHeader) is { } key && GatewayWire.Number(properties, GatewayWire.SequenceHeader) is { } firstSeq)
        {
            var count = GatewayWire.RecordCount(properties);
            last[key] = new StreamTailRecord(firstSeq + count - 1, at + (GatewayWire.ReceivedOffsets(properties, count)?[^1] ?? 0), run);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(96, LogLevel.Information, "Read where the records of {Keys} keys taken over end on {Streams} streams in {Ms} ms ({Found} keys found)")]
        public static partial void Read(ILogger logger, int keys, int streams, int found, long ms);

        [LoggerMessage(97, LogLevel.Warning, "Following run {PreviousRun}: where {Unknown} keys' records end on the streams was not found " +
                                             "({Found} found, read bound {Bound}); their announcements state gaps of unknown extent")]
        public static partial void Unknown(ILogger logger, string previousRun, int unknown, int found, TimeSpan bound);
    }
}

/// <summary>How far a tail read got (for its log line): a bounded read that found nothing says whether the broker was slow
/// to start delivering or the stream was too long to read in the bound.</summary>
internal sealed class TailReadProgress
{
    private readonly long _began = System.Diagnostics.Stopwatch.GetTimestamp();
    private long _firstAfterTicks = -1, _messages, _lastReceivedAt;

    public void Delivered(long? receivedAtMicros)
    {
        if (Interlocked.Increment(ref _messages) == 1) Volatile.Write(ref _firstAfterTicks, System.Diagnostics.Stopwatch.GetTimestamp() - _began);
        if (receivedAtMicros is { } at) Volatile.Write(ref _lastReceivedAt, at);
    }

    public long Messages => Interlocked.Read(ref _messages);
    /// <summary>Milliseconds from the read's start to its first delivery; -1 when none came.</summary>
    public long FirstAfterMs =>
        Volatile.Read(ref _firstAfterTicks) is var t and >= 0 ? (long)System.Diagnostics.Stopwatch.GetElapsedTime(0, t).TotalMilliseconds : -1;
    /// <summary>How long before <paramref name="untilMicros"/> the last message read was received (seconds; NaN: none read).</summary>
    public double BehindSeconds(long untilMicros) => Volatile.Read(ref _lastReceivedAt) is var at and > 0 ? (untilMicros - at) / 1e6 : double.NaN;
}
