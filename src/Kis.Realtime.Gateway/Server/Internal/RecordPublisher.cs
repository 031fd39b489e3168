using System.Threading.Channels;
using Kis.Realtime.Gateway.Wire;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// Publishes records to the exchange with publisher confirms, in order, over its own connection. It owns the buffer
/// (records waiting, bounded: beyond it records are dropped and counted) and the outstanding confirms (published,
/// not yet confirmed, at most <see cref="KisGatewayOptions.MaxOutstandingConfirms"/> records). Each turn of the loop
/// takes what is waiting (after lingering up to <see cref="KisGatewayOptions.PublishLinger"/> when little is) and packs
/// it into messages (<see cref="RecordBatcher"/>): by default what waits for one TR, of all its keys, up to
/// <see cref="KisGatewayOptions.MaxRecordsPerMessage"/>, since the broker's and the client's cost is per message. When
/// the broker goes away it reconnects with backoff and first
/// publishes again every unconfirmed message, in order, then the packed ones not yet sent, then the buffer: nothing
/// that reached the buffer is lost, and a record may reach the stream twice (consumers drop repeats by <c>seq</c>).
/// A gateway's publisher sends to its run's own exchange (<see cref="RunExchange"/>): on every connection it checks the
/// exchange is still there, and ends its term (fenced) when a later run has deleted it.
/// </summary>
internal sealed partial class RecordPublisher : IAsyncDisposable
{
    private readonly KisGatewayOptions _options;
    private readonly StreamTopology _topology;
    private readonly ILogger _logger;
    private readonly string _exchange;
    private readonly bool _ownExchange; // a run's exchange: checked on each connection, never declared here
    private readonly Channel<OutgoingRecord> _buffer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new(); // guards _outstanding, _outstandingRecords, _ackedAhead, _room and the counts (RecordPublisher.Counts.cs)
    private readonly Queue<(ulong Tag, OutgoingMessage Message)> _outstanding = new();
    private readonly HashSet<ulong> _ackedAhead = new();
    private int _outstandingRecords;
    private TaskCompletionSource? _room;
    // Owned by the publish loop: records taken from the buffer and the messages packed from them, not yet published.
    private readonly RecordBatcher _batcher;
    private readonly List<OutgoingRecord> _taken = [];
    private readonly Queue<OutgoingMessage> _packed = new();
    private long _packedRecords;
    private int _generation; // one per channel: a late confirm of a closed channel must not confirm the next one's tags
    private Task? _loop;
    private volatile bool _connected;
    private volatile bool _nacked;
    private readonly SinkFanOut _sinks;
    private long _published, _messages, _republished, _connections;

    /// <summary>A publisher to <c>runExchange</c>, the run's exchange (<see cref="RunExchange"/>), declared before
    /// <see cref="Start"/>; without one (tests, benchmarks) to the records exchange itself, with no fence by the broker.</summary>
    public RecordPublisher(KisGatewayOptions options, StreamTopology topology, ILogger logger, string? runExchange = null)
    {
        _options = options;
        _exchange = runExchange ?? options.Endpoint.Exchange;
        _ownExchange = runExchange is not null;
        _topology = topology;
        _logger = logger;
        _buffer = Channel.CreateBounded<OutgoingRecord>(new BoundedChannelOptions(options.BufferCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait, // writers use TryWrite: full means dropped and counted, never waited for
        });
        _sinks = new SinkFanOut(options.Sinks, logger);
        _batcher = new RecordBatcher(Math.Min(options.MaxRecordsPerMessage, options.MaxOutstandingConfirms), options.PackAcrossKeys);
    }

    public bool Connected => _connected;

    /// <summary>What the broker said at the last failure (<see cref="Wire.BrokerFault"/>), while not connected; else null.</summary>
    public string? Problem => _connected ? null : Volatile.Read(ref _problem);
    private string? _problem;
    public long Published => Interlocked.Read(ref _published);
    /// <summary>AMQP messages sent (records per message: <see cref="Published"/> / this).</summary>
    public long MessagesPublished => Interlocked.Read(ref _messages);
    public long Republished => Interlocked.Read(ref _republished);
    /// <summary>Records a sink threw on (each lost for that sink only).</summary>
    public long SinkFailures => _sinks.Failures;
    public long Connections => Interlocked.Read(ref _connections);
    public long Outstanding { get { lock (_gate) return _outstandingRecords; } }

    /// <summary>
    /// When the last record the broker confirmed was received (Unix microseconds UTC; 0 before any): records go out and are
    /// confirmed in the order they were handed over, so every record not confirmed yet was received after it (within the
    /// pumps' interleaving). A run taking over reads the streams from there (<c>PreviousRunTail</c>).
    /// </summary>
    public long ConfirmedThroughMicros => Interlocked.Read(ref _confirmedThroughMicros);
    private long _confirmedThroughMicros;

    /// <summary>Hands a record over (to the sinks first); false (counted, logged) when the buffer is full, the publisher is
    /// fenced (counted as such) or its intake closed (<see cref="CloseIntake"/>: not received at all).</summary>
    public bool TryEnqueue(in OutgoingRecord record)
    {
        if (!CountReceipt()) return false;
        _sinks.Write(record);
        if (_buffer.Writer.TryWrite(record)) return true;
        // Refused because the fence completed the buffer after the check above (the fence is raised before it completes
        // the buffer, so it is seen here): fenced, not overflowed.
        if (CountRefused() is var n and > 0 && (n & (n - 1)) == 0) // 1, 2, 4, 8 …: visible, not a flood
            Log.BufferFull(_logger, _options.BufferCapacity, n);
        return false;
    }

    /// <summary>
    /// Puts a run announcement of a key (<see cref="GatewayWire.KindHeader"/>) ahead of the key's records: it travels as
    /// a message of its own, confirmed and resent like records but not counted as one (nor given to the sinks).
    /// </summary>
    public bool TryAnnounce(RecordRoute route, long atMicros, byte[] body)
    {
        if (_buffer.Writer.TryWrite(new OutgoingRecord(route, OutgoingRecord.AnnouncementSequence, atMicros, body))) return true;
        Log.BufferFull(_logger, _options.BufferCapacity, Overflowed);
        return false;
    }

    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token));

    /// <summary>Completes when everything handed over so far is confirmed (or the timeout passes).</summary>
    public async Task<bool> DrainAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var figures = Figures();
        var target = figures.Received - figures.Overflowed - figures.Fenced;
        var deadline = _options.TimeProvider.GetUtcNow() + timeout;
        while (Confirmed < target)
        {
            if (_options.TimeProvider.GetUtcNow() > deadline) return false;
            await Task.Delay(TimeSpan.FromMilliseconds(20), _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        return true;
    }

    private async Task RunAsync(CancellationToken stop)
    {
        var backoff = new Retry.ExponentialBackoff(_options.BrokerReconnectMinDelay, _options.BrokerReconnectMaxDelay);
        RunTermOverException? termOver = null;
        await Wire.BrokerReconnectLoop.RunAsync(new Wire.BrokerConnectionSteps
        {
            Connect = token => ConnectionFactory().CreateConnectionAsync(token),
            WhileConnected = (connection, token) => PublishWhileConnectedAsync(connection, backoff, token),
            OnLost = e =>
            {
                if (e is RunTermOverException over)
                {
                    termOver = over;
                    return false; // the loop ends: this run publishes nothing more
                }
                var problem = _nacked ? "the broker refused a record (nack)" : _options.Endpoint.DescribeFault(e);
                Volatile.Write(ref _problem, problem);
                Log.Lost(_logger, problem, backoff.Current.TotalSeconds, Outstanding, Waiting);
                return true;
            },
            AfterEach = () =>
            {
                _connected = false;
                _nacked = false;
                Unblock();
                return Task.CompletedTask;
            },
            Close = CloseConnectionAsync,
        }, backoff, _options.TimeProvider, stop).ConfigureAwait(false);
        if (termOver is not null || IsFenced) FenceAtLoopEnd(termOver?.Message ?? LockLost);
    }

    private async Task PublishWhileConnectedAsync(IConnection connection, Retry.ExponentialBackoff backoff, CancellationToken stop)
    {
        Follow(connection);
        _options.BrokerCall(BrokerCallSites.Publisher);
        // A fenced term must not wait on a connection a partition holds: its channel's close would wait for the broker's
        // answer (20 s) and the shard's KIS session, closed after the fence, with it (the next holder meeting OPSP8996).
        // Aborted only: the loop still uses the connection, and its close (CloseConnectionAsync) disposes it.
        await using var abortWhenFenced = stop.Register(() => { if (IsFenced) _ = BrokerClose.AbortAsync(connection, FencedCloseBound); });
        var channel = await connection.OpenChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: false), stop).ConfigureAwait(false);
        try
        {
            await PublishOnChannelAsync(connection, channel, backoff, stop).ConfigureAwait(false);
        }
        finally
        {
            await CloseChannelAsync(channel).ConfigureAwait(false);
        }
    }

    private async Task PublishOnChannelAsync(IConnection connection, IChannel channel, Retry.ExponentialBackoff backoff, CancellationToken stop)
    {
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var generation = Interlocked.Increment(ref _generation);
        channel.BasicAcksAsync += (_, e) => { OnConfirm(generation, e.DeliveryTag, e.Multiple); return Task.CompletedTask; };
        channel.BasicNacksAsync += (_, e) => { _nacked = true; lost.Cancel(); return Task.CompletedTask; };
        channel.ChannelShutdownAsync += (_, _) => { lost.Cancel(); return Task.CompletedTask; };
        await _topology.RedeclareAsync(connection, channel, stop).ConfigureAwait(false);
        if (_ownExchange) await RunExchange.CheckAsync(channel, _options.Endpoint, _exchange, stop).ConfigureAwait(false);
        Interlocked.Increment(ref _connections);
        Volatile.Write(ref _problem, null);
        _connected = true;
        backoff.Reset();
        Log.Connected(_logger, _options.Endpoint.DisplayUri);
        await PublishAsync(channel, lost.Token).ConfigureAwait(false);
    }

    private async Task PublishAsync(IChannel channel, CancellationToken lost)
    {
        // The channel numbers publishes 1, 2, 3 … from confirm.select on; the tags of the acks refer to them.
        ulong tag = 0;
        List<OutgoingMessage> again = [];
        lock (_gate)
        {
            // The unconfirmed messages stay outstanding under this channel's tags until confirmed: if this channel fails
            // too before they are all sent again, the next one sends them again (nothing leaves before its confirm).
            foreach (var (_, message) in _outstanding) again.Add(message);
            _outstanding.Clear();
            foreach (var message in again) _outstanding.Enqueue((++tag, message));
            _ackedAhead.Clear();
        }
        foreach (var message in again)
        {
            await SendAsync(channel, message, lost).ConfigureAwait(false);
            Interlocked.Add(ref _republished, message.Count);
        }
        var reader = _buffer.Reader;
        while (true)
        {
            // Packed before a connection loss and not yet sent: they go first, ahead of the buffer.
            while (_packed.TryPeek(out var message))
            {
                await ReserveAsync(message, ++tag, lost).ConfigureAwait(false);
                // Outstanding now (resent from there if the send fails): no longer packed, so never sent twice.
                _packed.Dequeue();
                Interlocked.Add(ref _packedRecords, -message.Count);
                await SendAsync(channel, message, lost).ConfigureAwait(false);
            }
            if (!await reader.WaitToReadAsync(lost).ConfigureAwait(false)) return;
            // A record alone would be a message alone: wait a little for others to share it. Wall-clock time on purpose
            // (not the options' TimeProvider): it bounds the latency added, and must not wait on a test's held clock.
            if (_options.PublishLinger > TimeSpan.Zero && reader.Count < LingerUnlessWaiting)
                await Task.Delay(_options.PublishLinger, lost).ConfigureAwait(false);
            // What is waiting now: bounded so a deep buffer is packed a slice at a time.
            _taken.Clear();
            while (_taken.Count < TakeAtMost && reader.TryRead(out var record)) _taken.Add(record);
            _batcher.Pack(_taken, _packed);
            Interlocked.Add(ref _packedRecords, _taken.Count);
            _taken.Clear();
        }
    }

    private const int TakeAtMost = 4096;

    /// <summary>Records already waiting that make lingering pointless: they fill messages on their own.</summary>
    private const int LingerUnlessWaiting = 64;

    /// <summary>Waits for room among the outstanding confirms and enters the message there under its tag.</summary>
    private async ValueTask ReserveAsync(OutgoingMessage message, ulong tag, CancellationToken lost)
    {
        while (true)
        {
            Task room;
            lock (_gate)
            {
                if (_outstandingRecords < _options.MaxOutstandingConfirms)
                {
                    // Kept before it is sent: a connection lost in the middle resends it.
                    _outstanding.Enqueue((tag, message));
                    _outstandingRecords += message.Count;
                    return;
                }
                _room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                room = _room.Task;
            }
            await room.WaitAsync(lost).ConfigureAwait(false);
        }
    }

    private async ValueTask SendAsync(IChannel channel, OutgoingMessage message, CancellationToken lost)
    {
        var (routingKey, properties) = Envelope(message);
        await channel.BasicPublishAsync(_exchange, routingKey, mandatory: false, properties, message.Body, lost).ConfigureAwait(false);
        Interlocked.Add(ref _published, message.Count);
        Interlocked.Increment(ref _messages);
    }

    private void OnConfirm(int generation, ulong tag, bool multiple)
    {
        TaskCompletionSource? room = null;
        long confirmed = 0, released = 0;
        lock (_gate)
        {
            if (generation != Volatile.Read(ref _generation)) return;
            if (multiple)
            {
                while (_outstanding.TryPeek(out var head) && head.Tag <= tag) Settle(_outstanding.Dequeue().Message);
            }
            else if (_outstanding.TryPeek(out var head) && head.Tag == tag)
            {
                Settle(_outstanding.Dequeue().Message);
            }
            else
            {
                _ackedAhead.Add(tag);
            }
            while (_ackedAhead.Count > 0 && _outstanding.TryPeek(out var next) && _ackedAhead.Remove(next.Tag))
                Settle(_outstanding.Dequeue().Message);
            _outstandingRecords -= (int)released;
            _confirmed += confirmed; // with the outstanding it leaves: a snapshot sees a record in one or the other
            if (_room is not null && _outstandingRecords < _options.MaxOutstandingConfirms / 2 + 1)
            {
                room = _room;
                _room = null;
            }
        }
        room?.TrySetResult();

        void Settle(OutgoingMessage message)
        {
            released += message.Count;
            if (message.FirstSequence == OutgoingRecord.AnnouncementSequence) return; // not a record
            confirmed += message.Count;
            if (message.Routes is null)
            {
                var (route, sequence, receivedAt) = message.Record(message.Count - 1);
                route.NoteConfirmed(sequence, receivedAt);
                NoteConfirmedThrough(receivedAt);
                return;
            }
            // Records of one key are in order in the message: the last one noted per route is its highest.
            for (var i = 0; i < message.Count; i++)
            {
                var (route, sequence, receivedAt) = message.Record(i);
                route.NoteConfirmed(sequence, receivedAt);
                NoteConfirmedThrough(receivedAt);
            }
        }
    }

    /// <summary>Under the confirm lock (one writer): the latest receive time confirmed only moves forward.</summary>
    private void NoteConfirmedThrough(long receivedAtMicros)
    {
        if (receivedAtMicros > _confirmedThroughMicros) Volatile.Write(ref _confirmedThroughMicros, receivedAtMicros);
    }

    public async ValueTask DisposeAsync()
    {
        _buffer.Writer.TryComplete();
        _stop.Cancel();
        if (_loop is not null) await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Publisher connected to {Broker}")]
        public static partial void Connected(ILogger logger, string broker);

        [LoggerMessage(2, LogLevel.Warning,
            "Publisher lost the broker ({Reason}); retrying in {DelaySeconds:0.0} s with {Outstanding} unconfirmed and {Waiting} waiting records kept")]
        public static partial void Lost(ILogger logger, string reason, double delaySeconds, long outstanding, long waiting);

        [LoggerMessage(3, LogLevel.Error, "Gateway buffer full ({Capacity} records waiting for the broker): records dropped, {Dropped} so far")]
        public static partial void BufferFull(ILogger logger, int capacity, long dropped);
    }
}
