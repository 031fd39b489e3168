using Kis.Realtime.Gateway;
using Kis.Realtime.Retry;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Kis.Realtime.PostgreSql;

/// <summary>
/// Reads the gateway's checkpoints (<c>{ns}.gateway-runs</c>, from the last one on, and on as they come) so the writer
/// stores every TR whichever process is active: each TR a checkpoint names is followed (<see cref="KisPostgresStreamWriter.Follow"/>),
/// also in a standby or a process of its own that never publishes it, and each checkpoint feeds the lag
/// (<see cref="HistoryLag"/>). A second loop says when the writer falls behind and when it has caught up.
/// </summary>
internal sealed partial class GatewayRunsWatcher : IAsyncDisposable
{
    private readonly KisPostgresStreamWriter _writer;
    private readonly KisPostgresStreamWriterOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task? _reading, _watching;
    private long _lastOffset = -1; // the last checkpoint read (deliveries of one channel come one at a time)

    public GatewayRunsWatcher(KisPostgresStreamWriter writer, KisPostgresStreamWriterOptions options, ILogger logger)
    {
        _writer = writer;
        _options = options;
        _logger = logger;
    }

    public void Start()
    {
        _reading = Task.Run(() => ReadAsync(_stop.Token));
        _watching = Task.Run(() => WatchLagAsync(_stop.Token));
    }

    private async Task ReadAsync(CancellationToken stop)
    {
        var stream = _options.Endpoint.RunsStream;
        var factory = _options.Endpoint.CreateFactory($"kisrt history {stream}");
        while (!stop.IsCancellationRequested)
        {
            IConnection? connection = null;
            IChannel? channel = null;
            try
            {
                var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                connection = await factory.CreateConnectionAsync(stop).ConfigureAwait(false);
                channel = await connection.CreateChannelAsync(cancellationToken: stop).ConfigureAwait(false);
                channel.ChannelShutdownAsync += (_, e) =>
                {
                    lost.TrySetResult(e.ReplyText);
                    return Task.CompletedTask;
                };
                await channel.BasicQosAsync(0, 16, false, stop).ConfigureAwait(false);
                var consumer = new AsyncEventingBasicConsumer(channel);
                consumer.ReceivedAsync += async (_, delivery) =>
                {
                    Take(delivery.BasicProperties, delivery.Body);
                    try { await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false).ConfigureAwait(false); }
                    catch (Exception e) when (e is not OutOfMemoryException) { /* the channel is gone: attached again below */ }
                };
                // "last": the newest checkpoint (the last chunk's), then every new one; after a lost connection, past the last read.
                var from = Interlocked.Read(ref _lastOffset) is >= 0 and var last ? (object)(last + 1) : "last";
                await channel.BasicConsumeAsync(stream, autoAck: false, consumerTag: "", noLocal: false, exclusive: false,
                    new Dictionary<string, object?> { ["x-stream-offset"] = from }, consumer, stop).ConfigureAwait(false);
                var reason = await lost.Task.WaitAsync(stop).ConfigureAwait(false);
                Log.Lost(_logger, stream, reason);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 403)
            {
                // Its records are still stored (TRs stored before, TrIds, Follow); only new TRs and the lag go unseen: said once.
                Log.Refused(_logger, stream, e.ShutdownReason.ReplyText);
                break;
            }
            catch (Exception e)
            {
                // No gateway ran on this namespace yet (no runs stream), or the broker is away: retried.
                Log.Retry(_logger, stream, e.GetType().Name, _options.RetryDelay.TotalSeconds);
            }
            finally
            {
                await CloseAsync(channel, connection).ConfigureAwait(false);
            }
            try
            {
                await Task.Delay(ExponentialBackoff.Jittered(_options.RetryDelay), stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>A checkpoint: its TRs followed, its keys' confirmed seqs owed. Anything else on the stream is skipped.</summary>
    private void Take(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body)
    {
        if (GatewayWire.Number(properties, "x-stream-offset") is { } offset && offset > Interlocked.Read(ref _lastOffset))
            Interlocked.Exchange(ref _lastOffset, offset);
        if (body.Length > RunJournal.MaxCheckpointBytes || RunJournal.Parse(body.Span) is not { } checkpoint) return;
        foreach (var tr in checkpoint.Keys.Select(k => k.Tr).Concat(checkpoint.Claims.Select(c => c.Tr)).Distinct(StringComparer.Ordinal))
        {
            try
            {
                _writer.Follow(tr);
            }
            catch (ArgumentException)
            {
                // not a TR id: the checkpoint is checked, but never trusted to name a table
            }
        }
        _writer.Observed(checkpoint);
    }

    /// <summary>Every second: a warning when the writer falls behind, a line when it has caught up.</summary>
    private async Task WatchLagAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        var behind = false;
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                var lag = _writer.Lag();
                if (lag.Behind == behind) continue;
                behind = lag.Behind;
                if (behind) Log.Behind(_logger, lag.Records, lag.Age.TotalSeconds, _options.BehindAfter.TotalSeconds);
                else Log.CaughtUp(_logger);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task CloseAsync(IChannel? channel, IConnection? connection)
    {
        try
        {
            if (channel is not null) await channel.DisposeAsync().ConfigureAwait(false);
            if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // already gone
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var task in new[] { _reading, _watching })
        {
            try
            {
                if (task is not null) await task.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        _stop.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(70, LogLevel.Warning, "History: lost the runs stream {Stream} ({Reason}); attaching again past the last checkpoint read")]
        public static partial void Lost(ILogger logger, string stream, string reason);

        [LoggerMessage(71, LogLevel.Warning, "History: the broker refuses this writer's user the read of {Stream} ({Reason}): TRs the gateway "
            + "starts publishing later are not followed and the lag is unknown; give the user read on it (docs/gateway.md)")]
        public static partial void Refused(ILogger logger, string stream, string reason);

        [LoggerMessage(72, LogLevel.Debug, "History: runs stream {Stream} not there yet or broker unreachable ({Error}); again in {Seconds} s")]
        public static partial void Retry(ILogger logger, string stream, string error, double seconds);

        [LoggerMessage(73, LogLevel.Error,
            "History BEHIND: {Records} records the gateway confirmed are not stored, the oldest for {Seconds:0} s (behind from {Threshold:0} s)")]
        public static partial void Behind(ILogger logger, long records, double seconds, double threshold);

        [LoggerMessage(74, LogLevel.Information, "History caught up with what the gateway confirmed")]
        public static partial void CaughtUp(ILogger logger);
    }
}
