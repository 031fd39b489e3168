using Kis.Realtime.Gateway.Wire;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>One window of a TR stream's tail read: each key's last record in it, its first offset, the messages read.</summary>
internal readonly record struct TailWindow(Dictionary<string, Wire.StreamTailRecord> Last, long? FirstOffset, int Messages);

/// <summary>
/// What a fleet process decides when one of its shards' elections makes it the holder (issue 61: a kill at the open's
/// burst). The dead process's shards all go to the survivor next in each election, usually the same one for every shard:
/// it would take them all and hand half of them over a rebalance later, so those shards move twice. Instead a shard
/// elected beyond this process's fair share, counted with the candidates waiting in that shard's own election (every
/// live process is one), is handed on before any run starts. Starts are also let through a few at a time: each opens
/// broker connections and reads streams, and all of them at once time out against a broker busy with the burst.
/// Owned by <see cref="KisGatewayFleet"/>; the decisions are taken one at a time, so two shards never count the same share.
/// </summary>
internal sealed partial class FleetTakeovers(KisGatewayEndpoint endpoint, ILogger logger) : IAsyncDisposable
{
    /// <summary>Shard starts at once in one process.</summary>
    internal const int ConcurrentStarts = 16;

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213",
        Justification = "Nothing to free (no timer, no wait handle); undisposed, a decision racing disposal never meets ObjectDisposedException")]
    private readonly SemaphoreSlim _deciding = new(1, 1); // guards _connection, _channel; one decision at a time
    private IReadOnlyList<FleetShard> _shards = [];
    private IConnection? _connection;
    private IChannel? _channel;
    private volatile bool _disposed; // set by DisposeAsync: a decision ending after it drops the connection it opened

    /// <summary>How long closing the takeovers' connection waits for the broker outside a stop's budget.</summary>
    private static readonly TimeSpan CloseBound = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The TR streams a shard of this process has declared in its turn (<see cref="StreamDeclareTurns"/>): they run with a
    /// writer, so the process's later runs declare them without waiting for the fleet-wide turn. Taking the turn once per
    /// stream and run serialised a dead process's 44 takeovers across the fleet (about a minute at the open's burst).
    /// </summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, bool> DeclaredStreams { get; } = new(StringComparer.Ordinal);

    /// <summary>The process's turn to declare streams, shared by its shards: one turn declares every stream of the plan.</summary>
    public StreamDeclareBatch Declarations => LazyInitializer.EnsureInitialized(ref _declarations, () => new StreamDeclareBatch(DeclaredStreams));
    private StreamDeclareBatch? _declarations;

    /// <summary>Tests: added to each decision a candidate waits for, as a broker busy with the open's burst takes seconds over a
    /// dead process's shards.</summary>
    public TimeSpan DecisionDelay { get; set; }

    /// <summary>Let through by a shard's start (<see cref="ConcurrentStarts"/> at a time).</summary>
    public SemaphoreSlim Starting { get; } = new(ConcurrentStarts, ConcurrentStarts);

    /// <summary>This process's shards (set once, before any election can elect it).</summary>
    public void Track(IReadOnlyList<FleetShard> shards) => _shards = shards;

    /// <summary>
    /// Whether <paramref name="shard"/>, just elected here, should go to another candidate instead: this process holds more
    /// than ceil(shards / candidates) with it, and another candidate waits. False when the broker cannot tell (serve it).
    /// </summary>
    public async Task<bool> DeclineAsync(FleetShard shard, CancellationToken cancellationToken)
    {
        var shards = _shards;
        var held = shards.Count(s => s.Role == GatewayRole.Active);
        if (held <= 1 || shards.Count < 2) return false;
        await _deciding.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var candidates = await CandidatesAsync(shard, cancellationToken).ConfigureAwait(false);
            if (candidates < 2) return false;
            if (DecisionDelay > TimeSpan.Zero) await Task.Delay(DecisionDelay, cancellationToken).ConfigureAwait(false);
            var share = (shards.Count + candidates - 1) / candidates;
            held = shards.Count(s => s.Role == GatewayRole.Active); // again: others may have been handed on meanwhile
            return held > share;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.CountFailed(logger, shard.Plan.Name, e.GetType().Name);
            await DropAsync(CloseBound).ConfigureAwait(false);
            return false;
        }
        finally
        {
            if (_disposed) await DropAsync(CloseBound).ConfigureAwait(false); // disposal did not wait for this decision
            _deciding.Release();
        }
    }

    /// <summary>The candidates in the shard's election now (this process included): the live processes that can take it.</summary>
    private async Task<int> CandidatesAsync(FleetShard shard, CancellationToken cancellationToken)
    {
        if (_connection is not { IsOpen: true } || _channel is not { IsOpen: true })
        {
            await DropAsync(CloseBound).ConfigureAwait(false);
            _connection = await endpoint.CreateFactory("kisrt-gateway-fleet-takeovers").CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
            _channel = await _connection.OpenChannelAsync(cancellationToken).ConfigureAwait(false);
        }
        var queue = await _channel.QueueDeclareAsync(shard.Endpoint.ActiveQueue, durable: false, exclusive: false, autoDelete: true,
            KisGatewayElection.ActiveQueueArguments, cancellationToken: cancellationToken).ConfigureAwait(false);
        return (int)queue.ConsumerCount;
    }

    /// <summary>Aborts the connection, waiting at most <paramref name="bound"/> for the broker (none: closed in the
    /// background). Nothing is left to flush on it, and a graceful close waited up to 20 s for a broker holding replies.</summary>
    private async Task DropAsync(TimeSpan bound)
    {
        var connection = _connection;
        (_connection, _channel) = (null, null);
        if (connection is not null) await BrokerClose.AbortWithinAsync(connection, bound).ConfigureAwait(false);
    }

    /// <summary>
    /// The forward window of a TR stream's tail read (<c>PreviousRunTail</c>), shared: a read under way that began no later
    /// serves this one too (<see cref="TailReadEnd.TryJoin"/>: it goes on to this one's end and hands it the window as it
    /// stood there). Else a new read. Null: the stream could not be read within the bound.
    /// </summary>
    public async Task<TailWindow?> ForwardAsync(string stream, long fromSeconds, long untilMicros, CancellationToken cancellationToken)
    {
        Task<TailWindow?>? read = null;
        lock (_readsGate)
        {
            _reads.RemoveAll(r => r.Read.IsCompleted);
            foreach (var r in _reads)
                if (r.Stream == stream && r.FromSeconds <= fromSeconds && (read = r.End.TryJoin(untilMicros)) is not null) break;
            if (read is null)
            {
                var end = new TailReadEnd(untilMicros);
                _reads.Add(new SharedRead(stream, fromSeconds, end, Task.Run(() => ReadForwardAsync(stream, fromSeconds, end), CancellationToken.None)));
                read = end.First;
            }
        }
        return await read.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<TailWindow?> ReadForwardAsync(string stream, long fromSeconds, TailReadEnd end)
    {
        // Twice a takeover's bound: takeovers that join later wait at most their own bound, and the read goes on for them.
        using var bounded = new CancellationTokenSource(PreviousRunTail.ReadBound * 2);
        var progress = new TailReadProgress();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        IConnection? connection = null;
        var connectedMs = -1L;
        try
        {
            connection = await endpoint.CreateFactory("kisrt-gateway-tail").CreateConnectionAsync(bounded.Token).ConfigureAwait(false);
            connectedMs = clock.ElapsedMilliseconds;
            var window = await PreviousRunTail.ReadWindowAsync(connection, stream, new AmqpTimestamp(fromSeconds), null, end, int.MaxValue,
                bounded.Token, progress, waitForFirst: true).ConfigureAwait(false);
            Log.ForwardRead(logger, stream, window is null ? "could not be read" : "read", progress.Messages, clock.ElapsedMilliseconds, connectedMs,
                progress.FirstAfterMs, progress.BehindSeconds(end.Until));
            return window;
        }
        catch (Exception e) when (e is OperationCanceledException or RabbitMQ.Client.Exceptions.RabbitMQClientException or IOException)
        {
            // Bounded, or the broker went: the shards waiting for it state unknown extents.
            end.Finish(null);
            Log.ForwardRead(logger, stream, "met its bound", progress.Messages, clock.ElapsedMilliseconds, connectedMs, progress.FirstAfterMs,
                progress.BehindSeconds(end.Until));
            return null;
        }
        finally
        {
            if (connection is not null) BrokerClose.CloseRead(connection);
        }
    }

    private readonly Lock _readsGate = new(); // guards _reads (a read's own waiters are its TailReadEnd's)
    private readonly List<SharedRead> _reads = [];

    private sealed record SharedRead(string Stream, long FromSeconds, TailReadEnd End, Task<TailWindow?> Read);

    public ValueTask DisposeAsync() => DisposeAsync(Timeout.InfiniteTimeSpan);

    /// <summary>
    /// Closes the takeovers' connection within <paramref name="bound"/> (what is left of a fleet's stop budget; infinite:
    /// waits for a decision under way, then 1 s for the close). A decision still under way at the bound drops the connection
    /// itself when it ends; with nothing left the connection is closed in the background.
    /// </summary>
    public async ValueTask DisposeAsync(TimeSpan bound)
    {
        _disposed = true;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        if (!await _deciding.WaitAsync(bound < TimeSpan.Zero && bound != Timeout.InfiniteTimeSpan ? TimeSpan.Zero : bound).ConfigureAwait(false))
            return;
        try
        {
            await DropAsync(bound == Timeout.InfiniteTimeSpan ? CloseBound : bound - System.Diagnostics.Stopwatch.GetElapsedTime(started))
                .ConfigureAwait(false);
        }
        finally
        {
            _deciding.Release();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(98, LogLevel.Information, "Tail read of {Stream} {Outcome}: {Messages} messages in {Ms} ms (connected after {ConnectedMs} ms, " +
                                                 "first delivery after {FirstMs} ms), its last message {Behind:0.0} s before the read's end")]
        public static partial void ForwardRead(ILogger logger, string stream, string outcome, long messages, long ms, long connectedMs, long firstMs,
            double behind);

        [LoggerMessage(89, LogLevel.Warning, "Fleet shard {Shard}: could not count its election's candidates ({Reason}); serving it")]
        public static partial void CountFailed(ILogger logger, string shard, string reason);
    }
}
