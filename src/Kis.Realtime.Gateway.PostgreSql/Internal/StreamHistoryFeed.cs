using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Kis.Realtime.Gateway.PostgreSql.Internal;

/// <summary>
/// One gateway stream into PostgreSQL: a broker side that reads the stream from one past the stored offset into a
/// bounded buffer, and a database side (<c>StreamHistoryFeed.Database.cs</c>) that writes batches from it, each in one
/// transaction with the stream's new offset. The database side owns the offset; the broker side only knows where it
/// last read, to attach again after a lost connection. While the database is down the buffer fills and the broker
/// holds back (prefetch): nothing is read that cannot be kept, and nothing is lost while the stream retains it.
/// </summary>
internal sealed partial class StreamHistoryFeed : IAsyncDisposable
{
    private readonly KisPostgresStreamWriter _owner;
    private readonly KisPostgresStreamWriterOptions _options;
    private readonly string _trId;
    private readonly ILogger _logger;
    private readonly Channel<StreamMessage> _buffer;
    private readonly CancellationTokenSource _stop = new();
    // The offset to attach at first: one past the stored one (null: the stream's first), set by the database side.
    private readonly TaskCompletionSource<long?> _startAt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _reading, _writing;
    private long _lastRead = -1; // the highest offset put into the buffer (deliveries of one channel come one at a time)
    private long _committedOffset = -1, _committedRecords, _duplicates, _gaps, _retries; // _retries: the database side's (the broker side's: _broker)
    private volatile bool _databaseConnected;
    private volatile StreamConsumerLoop? _broker; // set once the start offset is known

    public StreamHistoryFeed(KisPostgresStreamWriter owner, KisPostgresStreamWriterOptions options, string trId, ILogger logger)
    {
        _owner = owner;
        _options = options;
        _trId = trId;
        Stream = options.Endpoint.StreamFor(trId);
        _logger = logger;
        // Room for what the broker may send ahead, so a delivery waits only while the database side is behind.
        _buffer = Channel.CreateBounded<StreamMessage>(new BoundedChannelOptions(options.Prefetch + options.MaxBatchMessages)
        {
            SingleReader = true,
            SingleWriter = false, // an old channel's last delivery may still be finishing while a new one starts
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public string Stream { get; }

    public KisPostgresStreamStatus Status() => new(Stream, Interlocked.Read(ref _committedOffset), Interlocked.Read(ref _committedRecords),
        Interlocked.Read(ref _duplicates), Interlocked.Read(ref _gaps), Interlocked.Read(ref _retries) + (_broker?.Reattachments ?? 0), _databaseConnected,
        _broker?.Attached ?? false);

    public void Start()
    {
        _writing = Task.Run(() => WriteAsync(_stop.Token));
        _reading = Task.Run(() => ReadAsync(_stop.Token));
    }

    /// <summary>Attaches to the stream, and again after every lost connection, one past the last offset read.</summary>
    private async Task ReadAsync(CancellationToken stop)
    {
        long? first;
        try
        {
            first = await _startAt.Task.WaitAsync(stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        object ResumeFrom() => Interlocked.Read(ref _lastRead) is >= 0 and var last ? last + 1 : first is { } offset ? offset : "first";
        var loop = new StreamConsumerLoop(_options.Endpoint.CreateFactory($"kisrt history {Stream}"), Stream, _options.Prefetch, ResumeFrom,
            (channel, token) => new Consumer(this, channel, token), StreamConsumerLoop.FixedPace(_options.RetryDelay), _logger);
        _broker = loop;
        if (await loop.RunAsync(stop).ConfigureAwait(false) is { } refusal)
        {
            // The writer's broker user may not read the stream: nothing will ever be stored, so say so loudly and stop,
            // rather than retry at debug level while the lag grows (docs/gateway-security.md has the permissions).
            Log.ReadRefused(_logger, Stream, refusal);
            _owner.ReadRefused(Stream, refusal);
        }
    }

    /// <summary>Moves the place read to <paramref name="offset"/> unless it is further already (an old channel's last delivery may finish late).</summary>
    private void RaiseLastRead(long offset)
    {
        var seen = Interlocked.Read(ref _lastRead);
        while (offset > seen)
        {
            var was = Interlocked.CompareExchange(ref _lastRead, offset, seen);
            if (was == seen) return;
            seen = was;
        }
    }

    /// <summary>A delivery into the buffer (waiting while it is full: the broker holds back), acknowledged in batches for credit.</summary>
    private sealed class Consumer(StreamHistoryFeed feed, IChannel channel, CancellationToken stop) : AsyncDefaultBasicConsumer(channel)
    {
        private readonly int _ackEvery = Math.Max(1, feed._options.Prefetch / 4);
        private int _unacknowledged;

        public override async Task HandleBasicDeliverAsync(string consumerTag, ulong deliveryTag, bool redelivered, string exchange, string routingKey,
            IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
        {
            var message = StreamMessage.Read(feed._trId, properties, body);
            if (message.Offset >= 0 && message.Offset <= Interlocked.Read(ref feed._lastRead)) return; // read before a reconnect
            try
            {
                await feed._buffer.Writer.WriteAsync(message, stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
            {
                return; // stopping
            }
            feed.RaiseLastRead(message.Offset);
            if (++_unacknowledged < _ackEvery) return;
            _unacknowledged = 0;
            try
            {
                await Channel.BasicAckAsync(deliveryTag, multiple: true, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The channel is gone: the reader attaches again past what it read.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        try
        {
            if (_reading is not null) await _reading.ConfigureAwait(false);
            if (_writing is not null) await _writing.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
        _stop.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(68, LogLevel.Error, "History {Stream}: the broker refuses this writer's user the read of the stream ({Reason}); nothing of it can be " +
            "stored: give the user read on the streams (scripts/rabbitmq-users.sh)")]
        public static partial void ReadRefused(ILogger logger, string stream, string reason);

        [LoggerMessage(64, LogLevel.Warning, "History {Stream}: database unreachable ({Error}); batch of offsets {From}–{To} kept, again in {Seconds} s")]
        public static partial void DatabaseRetry(ILogger logger, string stream, string error, long from, long to, double seconds);

        [LoggerMessage(65, LogLevel.Warning, "History {Stream}: gap recorded, offsets {From}–{To}: {Reason} ({Detail})")]
        public static partial void Gap(ILogger logger, string stream, long from, long to, string reason, string? detail);

        [LoggerMessage(66, LogLevel.Error, "History {Stream}: the database rejected the batch of offsets {From}–{To} (SQLSTATE {SqlState}), attempt {Attempt}")]
        public static partial void Rejected(ILogger logger, string stream, long from, long to, string sqlState, int attempt);

        [LoggerMessage(67, LogLevel.Information, "History {Stream}: database back; writing from offset {From}")]
        public static partial void DatabaseBack(ILogger logger, string stream, long from);
    }
}
