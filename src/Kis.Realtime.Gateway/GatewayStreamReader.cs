using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Kis.Realtime.Gateway;

/// <summary>
/// One consumer's reading of one key from its TR's stream. It keeps its place (the last stream offset it took) and
/// what it delivered (run and sequence), so when the broker connection is lost it reconnects with backoff, attaches
/// again one past that offset and claims the key again: no gap, no repeat. Deliveries of one channel at a time
/// touch the place, so it needs no lock.
/// </summary>
internal sealed partial class GatewayStreamReader : IAsyncDisposable
{
    private readonly KisGatewayClient _owner;
    private readonly string _stream;
    private readonly string _trId;
    private readonly string _key;
    private readonly byte[] _keyBytes;
    private readonly GatewayStart _start;
    private readonly ILogger _logger;
    private readonly Channel<StreamRecord> _buffer;
    private readonly CancellationTokenSource _stop = new();
    private IChannel? _channel;
    private TaskCompletionSource<string> _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _keeper;
    private long _lastOffset = -1;
    private byte[]? _run;
    private long _lastSequence;

    public GatewayStreamReader(KisGatewayClient owner, string stream, string trId, string key, GatewayStart start, int capacity, ILogger logger)
    {
        _owner = owner;
        _stream = stream;
        _trId = trId;
        _key = key;
        _keyBytes = Encoding.UTF8.GetBytes(key);
        _start = start;
        _logger = logger;
        _buffer = Channel.CreateBounded<StreamRecord>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait, // the broker waits (prefetch) rather than anything being dropped
        });
    }

    public ChannelReader<StreamRecord> Reader => _buffer.Reader;

    /// <summary>The lease the gateway granted.</summary>
    public TimeSpan Lease { get; private set; }

    /// <summary>Attaches (before claiming: a live start misses nothing published from here on), then claims the key.</summary>
    /// <exception cref="KisSubscriptionException">KIS refused the key.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await AttachAsync(_start, cancellationToken).ConfigureAwait(false);
        await ClaimAsync(cancellationToken).ConfigureAwait(false);
        _keeper = Task.Run(KeepAttachedAsync);
    }

    private async Task ClaimAsync(CancellationToken cancellationToken)
    {
        var reply = await _owner.RequestAsync(new GatewayRequest("subscribe", _trId, _key, _owner.GatewayOptions.ConsumerId), cancellationToken).ConfigureAwait(false);
        if (!reply.Ok) throw KisGatewayClient.Refusal(reply, _trId, _key);
        Lease = TimeSpan.FromMilliseconds(reply.LeaseMs ?? 30_000);
    }

    private async Task AttachAsync(GatewayStart from, CancellationToken cancellationToken)
    {
        var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _lost = lost;
        var channel = await _owner.Connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        channel.ChannelShutdownAsync += (_, e) =>
        {
            lost.TrySetResult(e.ReplyText);
            return Task.CompletedTask;
        };
        _channel = channel;
        await channel.BasicQosAsync(0, _owner.GatewayOptions.Prefetch, false, cancellationToken).ConfigureAwait(false);
        await channel.BasicConsumeAsync(_stream, autoAck: false, consumerTag: "", noLocal: false, exclusive: false,
            new Dictionary<string, object?> { ["x-stream-offset"] = from.ToArgument() }, new Consumer(this, channel), cancellationToken).ConfigureAwait(false);
    }

    private async Task KeepAttachedAsync()
    {
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            string reason;
            try
            {
                reason = await _lost.Task.WaitAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            Log.Lost(_logger, _trId, _key, reason, _lastOffset);
            var delay = TimeSpan.FromMilliseconds(100);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(delay, _owner.GatewayOptions.TimeProvider, stop).ConfigureAwait(false);
                    await _owner.ConnectAsync(stop).ConfigureAwait(false);
                    await AttachAsync(_lastOffset >= 0 ? GatewayStart.FromOffset(_lastOffset + 1) : _start, stop).ConfigureAwait(false);
                    await ClaimAsync(stop).ConfigureAwait(false);
                    Log.Resumed(_logger, _trId, _key, _lastOffset + 1);
                    break;
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (KisSubscriptionException e)
                {
                    _buffer.Writer.TryComplete(e); // refused on the way back: the consumer hears it
                    return;
                }
                catch (Exception e)
                {
                    Log.RetryFailed(_logger, _trId, _key, e.Message);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                }
            }
        }
    }

    /// <summary>Takes one delivery: this key's records, each (run, seq) once; every delivery moves the place on.</summary>
    private async Task TakeAsync(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var offset = GatewayWire.Number(properties, "x-stream-offset") ?? -1;
        if (offset >= 0 && offset <= _lastOffset) return; // seen before a reconnect
        if (GatewayWire.TextEquals(properties, GatewayWire.TrKeyHeader, _keyBytes) && IsNew(properties))
        {
            Interlocked.Increment(ref _owner.RecordsReceived);
            // Waiting here holds back the acknowledgement, and with it the broker (prefetch): backpressure, no loss.
            await _buffer.Writer.WriteAsync(new StreamRecord(body.ToArray(), GatewayWire.Number(properties, GatewayWire.ReceivedAtHeader) ?? 0, offset),
                cancellationToken).ConfigureAwait(false);
        }
        if (offset >= 0) _lastOffset = offset;
    }

    private bool IsNew(IReadOnlyBasicProperties properties)
    {
        var sequence = GatewayWire.Number(properties, GatewayWire.SequenceHeader) ?? 0;
        var run = properties.Headers?.TryGetValue(GatewayWire.RunHeader, out var value) == true ? value as byte[] : null;
        if (run is not null && _run is not null && run.AsSpan().SequenceEqual(_run))
        {
            if (sequence <= _lastSequence)
            {
                Interlocked.Increment(ref _owner.Duplicates);
                return false;
            }
        }
        else
        {
            _run = run;
        }
        _lastSequence = sequence;
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _buffer.Writer.TryComplete();
        if (_channel is { } channel)
        {
            try { await channel.CloseAsync().ConfigureAwait(false); } catch (Exception) { /* the connection is gone */ }
            channel.Dispose();
        }
        if (_keeper is not null) await _keeper.ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>Acknowledges in batches (a quarter of the prefetch): the broker's credit, without a frame per record.</summary>
    private sealed class Consumer(GatewayStreamReader reader, IChannel channel) : AsyncDefaultBasicConsumer(channel)
    {
        private readonly int _ackEvery = Math.Max(1, reader._owner.GatewayOptions.Prefetch / 4);
        private int _unacknowledged;

        public override async Task HandleBasicDeliverAsync(string consumerTag, ulong deliveryTag, bool redelivered, string exchange, string routingKey,
            IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
        {
            try
            {
                await reader.TakeAsync(properties, body, cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                return; // the enumeration ended
            }
            if (++_unacknowledged < _ackEvery) return;
            _unacknowledged = 0;
            await Channel.BasicAckAsync(deliveryTag, multiple: true, cancellationToken).ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(41, LogLevel.Warning, "Stream reader {TrId} {TrKey} lost the broker ({Reason}) after offset {Offset}; reconnecting")]
        public static partial void Lost(ILogger logger, string trId, string trKey, string reason, long offset);

        [LoggerMessage(42, LogLevel.Information, "Stream reader {TrId} {TrKey} resumed from offset {Offset}")]
        public static partial void Resumed(ILogger logger, string trId, string trKey, long offset);

        [LoggerMessage(43, LogLevel.Debug, "Stream reader {TrId} {TrKey}: reconnect failed ({Reason})")]
        public static partial void RetryFailed(ILogger logger, string trId, string trKey, string reason);
    }
}
