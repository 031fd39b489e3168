using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// The fence of a fleet shard's term: once its lock is lost, another process may hold the shard and publish its keys,
/// so this publisher must never publish for them again. After the partition heals it would otherwise reconnect and
/// send its unconfirmed and waiting records after the new holder's (the two runs interleaving in the stream). Fenced,
/// it stops for good and drops what it held, counted (<see cref="Fenced"/>) and logged; records handed to it later are
/// dropped and counted too. What it had already written to a connection the partition held back is the broker's part:
/// a term publishes only on its lock's own connection (<see cref="PublishOnLockAsync"/>), so the broker discards those
/// bytes when it closes that connection, which is what moves the lock (docs/gateway.md, Fleet). No heartbeat shorter
/// than the election's is needed (an earlier publisher connection with half the election's heartbeat was dropped by a
/// busy machine's open burst and resent, doubling records in the stream).
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

    /// <summary>A gateway's own publisher connection (a fleet shard's term publishes on its lock's instead).</summary>
    private IConnectionFactory ConnectionFactory() => _options.Endpoint.CreateFactory("kisrt-gateway-publisher");

    /// <summary>
    /// A fleet shard term's publishing: on the connection that holds the shard's lock, never on another. The broker moves
    /// the lock only once it has closed that connection (the process died, or the election's heartbeats stopped), and
    /// bytes it had not read by then go with it: nothing of this term is stored after the lock moved, whatever a
    /// partition held and however long. A channel that fails is opened again on the same connection (its unconfirmed
    /// records resent, as after a reconnect); once the connection is gone so is the lock, and this term sends nothing
    /// more: it waits for its fence, and the next holder's run announcement states where this run ended.
    /// </summary>
    private async Task PublishOnLockAsync(IConnection connection, CancellationToken stop)
    {
        var backoff = new Retry.ExponentialBackoff(_options.BrokerReconnectMinDelay, _options.BrokerReconnectMaxDelay);
        while (!stop.IsCancellationRequested && connection.IsOpen)
        {
            try
            {
                await PublishWhileConnectedAsync(connection, backoff, stop).ConfigureAwait(false);
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                var problem = _nacked ? "the broker refused a record (nack)" : Wire.BrokerFault.Describe(e, _options.Endpoint);
                Volatile.Write(ref _problem, problem);
                Log.LostOnLock(_logger, problem, Outstanding, Waiting);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                break; // stopping or fenced
            }
            finally
            {
                _connected = false;
                _nacked = false;
                Unblock();
            }
            try
            {
                await Task.Delay(backoff.Current, _options.TimeProvider, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            backoff.Grow();
        }
        if (!stop.IsCancellationRequested) Volatile.Write(ref _problem, "the connection holding the shard's lock is gone: the term is over");
    }

    private static long RecordsIn(OutgoingMessage message) => message.FirstSequence == OutgoingRecord.AnnouncementSequence ? 0 : message.Count;

    /// <summary>A record handed over after the fence: dropped and counted (never buffered for a publisher that stopped).</summary>
    private bool DropFenced()
    {
        Interlocked.Increment(ref _fenced);
        return false;
    }

    private static partial class Log
    {
        [LoggerMessage(8, LogLevel.Warning,
            "Publisher's channel on the lock's connection failed ({Reason}); {Outstanding} unconfirmed and {Waiting} waiting records kept: " +
            "sent again on a new channel while the connection holds the lock, never on another connection")]
        public static partial void LostOnLock(ILogger logger, string reason, long outstanding, long waiting);

        [LoggerMessage(7, LogLevel.Warning,
            "Publisher fenced: this term's lock is lost and another process may hold the shard; " +
            "{Dropped} unconfirmed or waiting records dropped, none published again")]
        public static partial void Fenced(ILogger logger, long dropped);
    }
}
