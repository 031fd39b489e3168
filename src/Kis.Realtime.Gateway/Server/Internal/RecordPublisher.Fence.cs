using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// The fence of a fleet shard's term: once its lock is lost, another process may hold the shard and publish its keys,
/// so this publisher must never publish for them again. After the partition heals it would otherwise reconnect and
/// send its unconfirmed and waiting records after the new holder's (the two runs interleaving in the stream). Fenced,
/// it stops for good and drops what it held, counted (<see cref="Fenced"/>) and logged; records handed to it later are
/// dropped and counted too. What it had already written to a connection the partition held back is the broker's part:
/// a shard's publisher connection has a heartbeat half its election's, so the broker closes it, and discards those bytes,
/// before it moves the lock (docs/gateway.md, Fleet).
/// </summary>
internal sealed partial class RecordPublisher
{
    private int _fencedState; // 1 once fenced
    private long _fenced;

    /// <summary>Records dropped by the fence: held (unconfirmed, packed or waiting) when the term ended, or handed over after.</summary>
    public long Fenced => Interlocked.Read(ref _fenced);

    public bool IsFenced => Volatile.Read(ref _fencedState) != 0;

    /// <summary>Stops publishing for good and drops what is held; returns the records dropped. Idempotent.</summary>
    public async Task<long> FenceAsync()
    {
        if (Interlocked.Exchange(ref _fencedState, 1) != 0) return Fenced;
        _buffer.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // stopped: what it held is counted below
            }
        }
        long dropped = 0;
        lock (_gate)
        {
            foreach (var (_, message) in _outstanding) dropped += RecordsIn(message);
            _outstanding.Clear();
            _outstandingRecords = 0;
        }
        while (_packed.TryDequeue(out var message)) dropped += RecordsIn(message);
        Interlocked.Exchange(ref _packedRecords, 0);
        while (_buffer.Reader.TryRead(out var record)) if (!record.IsAnnouncement) dropped++;
        Interlocked.Add(ref _fenced, dropped);
        Log.Fenced(_logger, dropped);
        return dropped;
    }

    /// <summary>
    /// The publisher's connection: a fleet shard's has a heartbeat half its election's (at least 1 s), so the broker, which
    /// counts missed heartbeats on both, closes it first when a partition cuts the process off: bytes the partition held
    /// on it are discarded with it, never stored after the lock moved.
    /// </summary>
    private RabbitMQ.Client.ConnectionFactory ConnectionFactory()
    {
        var factory = _options.Endpoint.CreateFactory("kisrt-gateway-publisher");
        if (_options.Endpoint.Shard is not null) factory.RequestedHeartbeat = ShardHeartbeat(_options.ElectionHeartbeat);
        return factory;
    }

    /// <summary>A fleet shard's publisher heartbeat for an election heartbeat (whole seconds: AMQP counts in seconds).</summary>
    public static TimeSpan ShardHeartbeat(TimeSpan electionHeartbeat) => TimeSpan.FromSeconds(Math.Max(1, Math.Floor(electionHeartbeat.TotalSeconds / 2)));

    private static long RecordsIn(OutgoingMessage message) => message.FirstSequence == OutgoingRecord.AnnouncementSequence ? 0 : message.Count;

    /// <summary>A record handed over after the fence: dropped and counted (never buffered for a publisher that stopped).</summary>
    private bool DropFenced()
    {
        Interlocked.Increment(ref _fenced);
        return false;
    }

    private static partial class Log
    {
        [LoggerMessage(7, LogLevel.Warning,
            "Publisher fenced: this term's lock is lost and another process may hold the shard; " +
            "{Dropped} unconfirmed or waiting records dropped, none published again")]
        public static partial void Fenced(ILogger logger, long dropped);
    }
}
