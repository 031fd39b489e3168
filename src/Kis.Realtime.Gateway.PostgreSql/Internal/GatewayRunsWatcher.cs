using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Gateway.Wire;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Kis.Realtime.Gateway.PostgreSql.Internal;

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
        // "last": the newest checkpoint (the last chunk's), then every new one; after a lost connection, past the last read.
        object ResumeFrom() => Interlocked.Read(ref _lastOffset) is >= 0 and var last ? last + 1 : "last";
        var loop = new StreamConsumerLoop(_options.Endpoint.CreateFactory($"kisrt history {stream}"), stream, prefetch: 16, ResumeFrom,
            (channel, _) => Consumer(channel), StreamConsumerLoop.FixedPace(_options.RetryDelay), _logger);
        // Its records are still stored (TRs stored before, TrIds, Follow); only new TRs and the lag go unseen: said once.
        if (await loop.RunAsync(stop).ConfigureAwait(false) is { } refusal) Log.Refused(_logger, stream, refusal);
    }

    private AsyncEventingBasicConsumer Consumer(IChannel channel)
    {
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            Take(delivery.BasicProperties, delivery.Body);
            try { await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false).ConfigureAwait(false); }
            catch (Exception e) when (e is not OutOfMemoryException) { /* the channel is gone: the loop attaches again */ }
        };
        return consumer;
    }

    /// <summary>A checkpoint: its TRs followed, its keys' confirmed seqs owed. Anything else on the stream is skipped.</summary>
    private void Take(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body)
    {
        if (GatewayWire.Number(properties, "x-stream-offset") is { } offset && offset > Interlocked.Read(ref _lastOffset))
            Interlocked.Exchange(ref _lastOffset, offset);
        if (body.Length > GatewayRunCheckpoints.MaxBytes || GatewayRunCheckpoints.Parse(body.Span) is not { } checkpoint) return;
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
        [LoggerMessage(71, LogLevel.Warning, "History: the broker refuses this writer's user the read of {Stream} ({Reason}): TRs the gateway "
            + "starts publishing later are not followed and the lag is unknown; give the user read on it (docs/gateway.md)")]
        public static partial void Refused(ILogger logger, string stream, string reason);

        [LoggerMessage(73, LogLevel.Error,
            "History BEHIND: {Records} records the gateway confirmed are not stored, the oldest for {Seconds:0} s (behind from {Threshold:0} s)")]
        public static partial void Behind(ILogger logger, long records, double seconds, double threshold);

        [LoggerMessage(74, LogLevel.Information, "History caught up with what the gateway confirmed")]
        public static partial void CaughtUp(ILogger logger);
    }
}
