using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// The fence of a run's term: once a later run has taken over (a fleet shard's lock lost, or the run's exchange deleted
/// by the run that followed it), this publisher must never publish for its keys again. After a partition heals it would
/// otherwise reconnect and send its unconfirmed and waiting records after the new run's (the two runs interleaving in
/// the stream). Fenced, it stops for good and drops what it held, counted (<see cref="Fenced"/>) and logged; records
/// handed to it later are dropped and counted too. What it had already written to a connection the partition held back
/// is the broker's part: those bytes go to the run's own exchange, which the new run deleted before its first publish,
/// so the broker refuses them (<see cref="RunExchange"/>; docs/gateway.md, Fleet). The publisher's connection keeps the
/// endpoint's heartbeat: a short one dropped healthy connections of a busy machine, and their resends doubled records.
/// </summary>
internal sealed partial class RecordPublisher
{
    private int _fencedState; // a FenceCause: set once, by the first fence

    public bool IsFenced => Volatile.Read(ref _fencedState) != 0;

    /// <summary>The first fence's cause (how its drops are counted, whichever fence came later), or none.</summary>
    public FenceCause FencedBy => (FenceCause)Volatile.Read(ref _fencedState);

    /// <summary>
    /// Stops publishing for good and drops what is held; returns the records dropped so far. Idempotent. It waits for the
    /// publish loop only <see cref="FenceWait"/>: a connection a partition holds can keep the loop's close waiting for the
    /// broker's answer for many seconds (the endpoint's heartbeat is 20 s), and the shard's KIS session, closed after the
    /// fence, must not wait with it (the next holder would meet OPSP8996). What the loop still owns then (packed, waiting)
    /// is dropped and counted when it ends. The first fence's <paramref name="cause"/> is the publisher's
    /// (<see cref="FencedBy"/>): a later one, of either cause, changes nothing.
    /// </summary>
    public async Task<long> FenceAsync(FenceCause cause)
    {
        if (cause == FenceCause.None) throw new ArgumentOutOfRangeException(nameof(cause));
        if (Interlocked.CompareExchange(ref _fencedState, (int)cause, 0) != 0) return Fenced;
        _buffer.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is null)
        {
            DropHeld(LockLost);
            return Fenced;
        }
        try
        {
            await _loop.WaitAsync(FenceWait).ConfigureAwait(false); // its end drops what it held (RunAsync)
        }
        catch (TimeoutException)
        {
            DropOutstanding(LockLost); // under the confirms' lock: safe while the loop is still closing
        }
        catch (OperationCanceledException)
        {
            // stopped: its end dropped what it held
        }
        return Fenced;
    }

    /// <summary>How long a fenced publisher's connection may take to close: what it would still deliver is refused anyway.</summary>
    private static readonly TimeSpan FencedCloseBound = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Closes a publish connection. Fenced, nothing it would still deliver is wanted (the broker refuses it): a bounded
    /// abort, as a close waiting for a broker that holds its replies kept a fenced term from ending for 20 s.
    /// </summary>
    private Task CloseConnectionAsync(IConnection connection) =>
        IsFenced ? BrokerClose.AbortWithinAsync(connection, FencedCloseBound) : Wire.BrokerReconnectLoop.CloseQuietlyAsync(connection);

    /// <summary>Closes a publish channel; fenced, in the background (its close would wait for the broker's answer too).</summary>
    private async Task CloseChannelAsync(IChannel channel)
    {
        if (IsFenced) BrokerClose.CloseRead(channel);
        else await channel.DisposeAsync().ConfigureAwait(false);
    }

    private const string LockLost = "this term's lock is lost and another process may hold the shard";

    private static readonly TimeSpan FenceWait = TimeSpan.FromSeconds(1);

    /// <summary>At the publish loop's end, when fenced (by <see cref="FenceAsync"/>, or because the run's exchange is gone).</summary>
    private void FenceAtLoopEnd(string reason)
    {
        if (Interlocked.CompareExchange(ref _fencedState, (int)FenceCause.TermOver, 0) == 0) _buffer.Writer.TryComplete();
        DropHeld(reason);
    }

    /// <summary>Once the loop has ended: drops what it held (unconfirmed, packed, waiting), counted and logged.</summary>
    private void DropHeld(string reason)
    {
        long dropped = 0;
        lock (_gate) // from waiting to fenced at one moment for a snapshot (RecordPublisher.Counts.cs)
        {
            while (_packed.TryDequeue(out var message)) dropped += RecordsIn(message);
            Interlocked.Exchange(ref _packedRecords, 0);
            while (_buffer.Reader.TryRead(out var record)) if (!record.IsAnnouncement) dropped++;
            _fenced += dropped;
        }
        DropOutstanding(reason, dropped);
    }

    /// <summary>Drops the unconfirmed records (published, not confirmed), counted and logged with <paramref name="alsoDropped"/>.</summary>
    private void DropOutstanding(string reason, long alsoDropped = 0)
    {
        long dropped = 0;
        lock (_gate)
        {
            foreach (var (_, message) in _outstanding) dropped += RecordsIn(message);
            _outstanding.Clear();
            _outstandingRecords = 0;
            _fenced += dropped;
        }
        Log.Fenced(_logger, reason, dropped + alsoDropped);
    }

    private ConnectionFactory ConnectionFactory() => _options.Endpoint.CreateFactory("kisrt-gateway-publisher");

    private static long RecordsIn(OutgoingMessage message) => message.FirstSequence == OutgoingRecord.AnnouncementSequence ? 0 : message.Count;

    private static partial class Log
    {
        [LoggerMessage(7, LogLevel.Warning, "Publisher fenced ({Reason}): {Dropped} unconfirmed or waiting records dropped, none published again")]
        public static partial void Fenced(ILogger logger, string reason, long dropped);
    }
}
