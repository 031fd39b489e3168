using System.Threading.Channels;
using Kis.Realtime.Gateway.Wire;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// The runs' control stream <c>{ns}.gateway-runs</c>, over a connection of its own: a starting run reads the last
/// checkpoint the previous run wrote (its claims, and per key the last record the broker confirmed), then writes its
/// own every <see cref="KisGatewayOptions.CheckpointInterval"/> while something changed, and a final one when it stops
/// cleanly. Only the gateway's broker user may write it (scripts/rabbitmq-users.sh); what is read is still bounded and
/// checked, and a checkpoint that is not the gateway's JSON is skipped, logged.
/// </summary>
internal sealed partial class RunJournal : IAsyncDisposable
{
    /// <summary>A checkpoint larger than this is not read (thousands of claims fit in far less).</summary>
    public const int MaxCheckpointBytes = 4 << 20;
    /// <summary>The tail is read until no message came for this long (the stream's writer, the previous run, is gone).</summary>
    private static readonly TimeSpan TailIdle = TimeSpan.FromMilliseconds(150);
    /// <summary>The same before the first message: what an empty stream (a namespace's first run) costs its start, and what a
    /// broker busy with the open's burst gets to start the read (AMQP's declare-ok tells no stream's size).</summary>
    private static readonly TimeSpan FirstIdle = TimeSpan.FromSeconds(2);
    /// <summary>The whole read's bound (a stream still being written by someone else must not hold the start longer).</summary>
    private static readonly TimeSpan ReadBound = TimeSpan.FromSeconds(5);

    private readonly KisGatewayOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _writeGate = new(1, 1); // one writer at a time: the timer and the final checkpoint
    private IConnection? _connection;
    private IChannel? _channel;
    private byte[]? _lastWritten;
    private Task? _loop;
    private long _written, _standbys = -1;

    private readonly StreamRetention _retention;

    public RunJournal(KisGatewayOptions options, ILogger logger, StreamRetention retention)
    {
        _options = options;
        _logger = logger;
        _retention = retention;
    }

    /// <summary>The runs stream's arguments: the gateway's age, a bounded size (checkpoints are small).</summary>
    public static Dictionary<string, object?> Arguments(KisGatewayOptions options) => new()
    {
        ["x-queue-type"] = "stream",
        ["x-max-age"] = options.StreamMaxAge,
        ["x-max-length-bytes"] = 256L << 20,
        ["x-stream-max-segment-size-bytes"] = 8L << 20,
    };

    /// <summary>Checkpoints written by this run.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Processes waiting as standbys for this namespace (counted every few checkpoints), -1 until known.</summary>
    public int Standbys => (int)Interlocked.Read(ref _standbys);

    /// <summary>The last checkpoint on the stream (the previous run's), or null when there is none.</summary>
    public async Task<GatewayCheckpoint?> ReadLastAsync(CancellationToken cancellationToken)
    {
        _options.BrokerCall(BrokerCallSites.JournalRead);
        await ChannelAsync(cancellationToken).ConfigureAwait(false); // declares the stream
        var connection = await ConnectionAsync(cancellationToken).ConfigureAwait(false);
        var reader = await connection.OpenChannelAsync(cancellationToken).ConfigureAwait(false);
        GatewayCheckpoint? last = null;
        var skipped = 0;
        try
        {
            await reader.BasicQosAsync(0, 64, false, cancellationToken).ConfigureAwait(false);
            var bodies = Channel.CreateUnbounded<byte[]?>();
            var consumer = new AsyncEventingBasicConsumer(reader);
            consumer.ReceivedAsync += async (_, delivery) =>
            {
                bodies.Writer.TryWrite(delivery.Body.Length <= MaxCheckpointBytes ? delivery.Body.ToArray() : null);
                await reader.BasicAckAsync(delivery.DeliveryTag, multiple: false).ConfigureAwait(false);
            };
            // "last": the stream's last chunk, whose last message is the newest checkpoint.
            await reader.BasicConsumeAsync(_options.Endpoint.RunsStream, autoAck: false, consumerTag: "", noLocal: false, exclusive: false,
                new Dictionary<string, object?> { ["x-stream-offset"] = "last" }, consumer, cancellationToken).ConfigureAwait(false);
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(ReadBound); // a stream still being written by someone else must not hold the start
            while (true)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(bounded.Token);
                // Longer before the first message: a broker busy with the open's burst took longer than 150 ms to start the
                // read, and the run then started as if it followed none (no announcements, no fence of the previous run).
                idle.CancelAfter(last is not null || skipped > 0 ? TailIdle : _options.FollowsHolder ? ReadBound : FirstIdle);
                byte[]? body;
                try
                {
                    body = await bodies.Reader.ReadAsync(idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                if (Parse(body) is { } checkpoint) last = checkpoint;
                else skipped++;
            }
        }
        finally
        {
            // A busy broker's close-ok must not hold the start. The channel is on the journal's connection, which lives on:
            // should the abort not reach the broker in the bound, its consumer's deliveries go to a reader nobody reads.
            BrokerClose.CloseRead(reader);
        }
        if (skipped > 0) Log.Skipped(_logger, skipped, _options.Endpoint.RunsStream);
        if (last is null && _options.FollowsHolder) Log.NoCheckpointAfterHolder(_logger, _options.Endpoint.RunsStream, ReadBound);
        else if (last is null) Log.NoCheckpoint(_logger, _options.Endpoint.RunsStream);
        return last;
    }

    private static GatewayCheckpoint? Parse(byte[]? body) => body is null ? null : Parse(body.AsSpan());

    /// <summary>A checkpoint, or null when the message is not the gateway's JSON (also read by the history writer).</summary>
    internal static GatewayCheckpoint? Parse(ReadOnlySpan<byte> body)
    {
        try
        {
            return GatewayJson.Deserialize<GatewayCheckpoint>(body) is { Run.Length: > 0 and <= 64, Claims: not null, Keys: not null } checkpoint ? checkpoint
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>Writes <paramref name="snapshot"/>'s checkpoints from now on (when changed), and counts the standbys.</summary>
    public void Start(Func<GatewayCheckpoint> snapshot) => _loop = Task.Run(() => RunAsync(snapshot, _stop.Token));

    private async Task RunAsync(Func<GatewayCheckpoint> snapshot, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_options.CheckpointInterval, _options.TimeProvider);
        var ticks = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                try
                {
                    await WriteAsync(snapshot(), stop).ConfigureAwait(false);
                    if (ticks++ % 4 == 0)
                    {
                        var connection = await ConnectionAsync(stop).ConfigureAwait(false);
                        var standbys = await KisGatewayElection.CountStandbysAsync(connection, _options.Endpoint, stop, declare: true).ConfigureAwait(false);
                        Interlocked.Exchange(ref _standbys, standbys);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
                {
                    Log.WriteFailed(_logger, e.Message);
                    await DropAsync().ConfigureAwait(false); // the next tick connects again
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Writes a checkpoint unless it says what the last one said (its time aside); waits for the broker's confirm.</summary>
    public async Task WriteAsync(GatewayCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var unchanged = GatewayJson.Serialize(checkpoint with { At = 0 });
            if (_lastWritten is { } last && last.AsSpan().SequenceEqual(unchanged)) return;
            _options.BrokerCall(BrokerCallSites.JournalWrite);
            var channel = await ChannelAsync(cancellationToken).ConfigureAwait(false);
            var properties = new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent };
            await channel.BasicPublishAsync("", _options.Endpoint.RunsStream, mandatory: false, properties, GatewayJson.Serialize(checkpoint),
                cancellationToken).ConfigureAwait(false);
            _lastWritten = unchanged;
            Interlocked.Increment(ref _written);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task<IConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (_connection is { IsOpen: true } open) return open;
        await DropAsync().ConfigureAwait(false);
        return _connection = await _options.Endpoint.CreateFactory("kisrt-gateway-journal").CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The publishing channel (confirms tracked: a publish completes when the broker has it), the stream declared.</summary>
    private async Task<IChannel> ChannelAsync(CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true } open && _connection is { IsOpen: true }) return open;
        var connection = await ConnectionAsync(cancellationToken).ConfigureAwait(false);
        await _retention.DeclareAsync(connection, _options.Endpoint.RunsStream, Arguments(_options), cancellationToken).ConfigureAwait(false);
        return _channel = await connection.OpenChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>After a failed try of a start's step: the next one connects afresh.</summary>
    public Task ResetAsync() => DropAsync();

    private async Task DropAsync()
    {
        var connection = _connection;
        (_connection, _channel) = (null, null);
        if (connection is null) return;
        try { await connection.CloseAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false); } catch (Exception) { /* already gone */ }
        connection.Dispose();
    }

    /// <summary>Stops the periodic checkpoints (before the final one).</summary>
    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested) await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null) await _loop.ConfigureAwait(false);
    }

    /// <summary>Stops writing and disconnects.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await DropAsync().ConfigureAwait(false);
        _stop.Dispose();
        _writeGate.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(50, LogLevel.Warning,
            "Skipped {Count} messages on {Stream} that are not gateway checkpoints (is some other user allowed to write it? docs/gateway-security.md)")]
        public static partial void Skipped(ILogger logger, int count, string stream);

        [LoggerMessage(52, LogLevel.Information, "No checkpoint on {Stream} within the read's wait: this run follows none (a namespace's first " +
                                                 "run, or a broker too busy to answer in time)")]
        public static partial void NoCheckpoint(ILogger logger, string stream);

        [LoggerMessage(53, LogLevel.Warning, "No checkpoint on {Stream} within {Bound} although another process held the shard before: " +
                                             "this run follows none, and its keys' gap since that holder is not announced")]
        public static partial void NoCheckpointAfterHolder(ILogger logger, string stream, TimeSpan bound);

        [LoggerMessage(51, LogLevel.Warning, "Could not write the run's checkpoint ({Reason}); retrying at the next interval")]
        public static partial void WriteFailed(ILogger logger, string reason);
    }
}
