using System.Threading.Channels;
using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Gateway.Wire;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Kis.Realtime.Gateway;

/// <summary>
/// The fleet's published status (issue 72, finding 7): every process publishes its own <see cref="Status"/> each
/// <see cref="KisGatewayFleetOptions.RebalanceInterval"/> to the stream <c>{ns}.gateway-fleet.status</c>, and
/// <c>kisrt gateway status --fleet</c> reads the last few seconds of it, one bounded read, instead of asking every shard's
/// gateway (132 requests, each its own connection: 9–51 s and wrong answers at the open's load). A process's record also
/// says what asking could not: the shards it holds that are not serving yet, and that it is a standby holding none.
/// </summary>
public sealed partial class KisGatewayFleet
{
    /// <summary>How far back a status read looks: a process whose last record is older has stopped publishing (gone).</summary>
    public static readonly TimeSpan StatusWindow = TimeSpan.FromSeconds(10);

    /// <summary>A process publishes its status at most this often (each rebalance tick after it): a whole market's record is
    /// tens of kB, and a read of the window stays small.</summary>
    private static readonly TimeSpan StatusPublishInterval = TimeSpan.FromSeconds(2);

    /// <summary>The bound of a status read from its first delivery on: what the stream holds of the window is read within it.</summary>
    private static readonly TimeSpan StatusReadBound = TimeSpan.FromSeconds(1.2);

    /// <summary>How long a stopping process tries to publish that it left: a broker gone does not hold up the stop.</summary>
    private static readonly TimeSpan LeftPublishBound = TimeSpan.FromSeconds(5);

    // The rebalancing loop's own, then DisposeAsync's once that loop has ended (the last record: that this process left),
    // and a last record's publish that outlived its bound: so under a lock, and none adopted once the stop closed them.
    private readonly Lock _statusGate = new(); // guards _statusConnection, _statusChannel, _statusClosed
    private IConnection? _statusConnection;
    private IChannel? _statusChannel;
    private bool _statusClosed;
    private long _statusPublishedAt = long.MinValue; // Stopwatch timestamp of the last publish (Interlocked)
    private Task? _leftPublishing; // the last record's publish: the status close waits for it (bounded)

    /// <summary>The stream the fleet's processes publish their status to.</summary>
    public static string StatusStream(KisGatewayEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.FleetQueue + ".status";
    }

    /// <summary>
    /// Publishes this process's status (each shard's gateway without its per-key registrations: the record stays small at
    /// the whole market's size). Its own connection, declared in the fleet's stream turn (a stream's second declarer may
    /// publish before the stream has a writer, which closes the connection): the presence connection never meets that.
    /// </summary>
    private async Task PublishStatusAsync(CancellationToken stop, bool left = false)
    {
        var publishedAt = Interlocked.Read(ref _statusPublishedAt);
        if (!left && publishedAt != long.MinValue && System.Diagnostics.Stopwatch.GetElapsedTime(publishedAt) < StatusPublishInterval)
            return;
        IConnection? connection;
        IChannel? statusChannel;
        lock (_statusGate) (connection, statusChannel) = (_statusConnection, _statusChannel);
        if (connection is not { IsOpen: true } || statusChannel is not { IsOpen: true })
        {
            if (connection is not null) await BrokerClose.AbortAsync(connection, TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            var endpoint = _options.Gateway.Endpoint;
            connection = await endpoint.CreateFactory("kisrt-gateway-fleet-status").CreateConnectionAsync(stop).ConfigureAwait(false);
            Adopt(connection, null);
            var opened = connection;
            statusChannel = await new StreamDeclareTurns(endpoint, _logger).InTurnAsync(connection, async () =>
            {
                var channel = await opened.OpenChannelAsync(stop).ConfigureAwait(false);
                await channel.QueueDeclareAsync(StatusStream(endpoint), durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?>
                {
                    ["x-queue-type"] = "stream",
                    ["x-max-age"] = "10m", // read back 10 s at most: minutes are plenty, and the stream stays small
                    ["x-max-length-bytes"] = 100_000_000L,
                    ["x-stream-max-segment-size-bytes"] = 5_000_000,
                }, cancellationToken: stop).ConfigureAwait(false);
                return channel;
            }, stop).ConfigureAwait(false);
            Adopt(connection, statusChannel);
        }
        var status = Status();
        var published = status with
        {
            PublishedAt = DateTimeOffset.UtcNow,
            Left = left,
            Shards = [.. status.Shards.Select(s => s.Gateway is null ? s : s with { Gateway = s.Gateway with { Registrations = [] } })],
        };
        var body = FleetStatusJson.Json.Serialize(published);
        if (left) await PublishConfirmedAsync(connection, body, stop).ConfigureAwait(false);
        else await statusChannel.BasicPublishAsync("", StatusStream(_options.Gateway.Endpoint), mandatory: false, new BasicProperties(), body, stop)
            .ConfigureAwait(false);
        Interlocked.Exchange(ref _statusPublishedAt, System.Diagnostics.Stopwatch.GetTimestamp());
    }

    /// <summary>Makes <paramref name="connection"/> the status connection; once the stop closed it, closes this one instead
    /// and throws (a last record's publish that outlived its bound would else leak a connection opened after the close).</summary>
    private void Adopt(IConnection connection, IChannel? channel)
    {
        lock (_statusGate)
        {
            if (!_statusClosed)
            {
                (_statusConnection, _statusChannel) = (connection, channel);
                return;
            }
        }
        BrokerClose.CloseRead(connection);
        throw new OperationCanceledException("the fleet's stop closed the status connection");
    }

    /// <summary>
    /// The last record, on a channel with publisher confirms: the connection is aborted right after it, and a frame still
    /// unsent or unprocessed then is dropped with no trace. Returns once the broker confirmed it (or throws: not stored).
    /// </summary>
    private async Task PublishConfirmedAsync(IConnection connection, ReadOnlyMemory<byte> body, CancellationToken stop)
    {
        var channel = await connection.OpenChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), stop).ConfigureAwait(false);
        try
        {
            await channel.BasicPublishAsync("", StatusStream(_options.Gateway.Endpoint), mandatory: false, new BasicProperties(), body, stop)
                .ConfigureAwait(false);
        }
        finally
        {
            BrokerClose.CloseRead(channel); // nothing left to flush once confirmed; the connection's abort follows
        }
    }

    /// <summary>
    /// A clean stop's last record, after every shard was handed on: this process left. Without it <c>status --fleet</c> showed
    /// the process as a live standby until its last record aged out of <see cref="StatusWindow"/>. Skipped when publishing
    /// already failed (the broker gone or refusing: the stop is not held up for it); bounded by <see cref="LeftPublishBound"/>
    /// or by what is left of the stop's budget (<paramref name="left"/>, less the status connection's close), whichever is
    /// less, and a record the broker did not confirm within the bound is logged.
    /// </summary>
    private async Task PublishLeftAsync(TimeSpan? left)
    {
        if (_statusFailed || Interlocked.Read(ref _statusPublishedAt) == long.MinValue) return;
        var bound = left is { } remaining ? Min(LeftPublishBound, remaining - StatusCloseBound) : LeftPublishBound;
        if (bound <= TimeSpan.Zero)
        {
            Log.LeftNotPublished(_logger, "no time left of the stop's budget");
            return;
        }
        var bounded = new CancellationTokenSource(bound);
        var publishing = _leftPublishing = PublishStatusAsync(bounded.Token, left: true);
        // Disposed once the publish ends, not before: one that outlives its bound still holds the token. Its fault is observed.
        _ = publishing.ContinueWith(t =>
        {
            bounded.Dispose();
            return t.Exception;
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            // The bound holds even where the client does not honour the token (a confirm the broker never sends).
            await publishing.WaitAsync(bound).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException || BrokerFault.IsBrokerFault(e))
        {
            try
            {
                await bounded.CancelAsync().ConfigureAwait(false); // what the publish still awaits ends
            }
            catch (ObjectDisposedException)
            {
                // it ended meanwhile
            }
            Log.LeftNotPublished(_logger, e is OperationCanceledException or TimeoutException ? $"not confirmed within {bound.TotalSeconds:0.0} s" : e.Message);
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>How long closing the status connection waits for the broker.</summary>
    private static readonly TimeSpan StatusCloseBound = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Closes the status connection within <see cref="StatusCloseBound"/> or what is left of the stop's budget
    /// (<paramref name="left"/>), whichever is less; nothing left: closed in the background. A last record's publish still
    /// under way is waited for first, within the same bound; once the stop's close (<paramref name="last"/>) ran, no publish
    /// opens a connection again.
    /// </summary>
    private async Task CloseStatusAsync(TimeSpan left, bool last)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var bound = left == Timeout.InfiniteTimeSpan ? StatusCloseBound : Min(StatusCloseBound, left);
        if (_leftPublishing is { IsCompleted: false } publishing && bound > TimeSpan.Zero)
        {
            try
            {
                await publishing.WaitAsync(bound).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // its outcome is PublishLeftAsync's to log; its token is cancelled
            }
        }
        IConnection? connection;
        lock (_statusGate)
        {
            _statusClosed |= last; // the loop's close after a failed publish opens another next time
            connection = _statusConnection;
            (_statusConnection, _statusChannel) = (null, null);
        }
        if (connection is not null)
            await BrokerClose.AbortWithinAsync(connection, bound - System.Diagnostics.Stopwatch.GetElapsedTime(started)).ConfigureAwait(false);
    }

    /// <summary>
    /// The fleet's processes as they last published (<see cref="StatusWindow"/> back, one bounded read of the status stream):
    /// the newest record of each process, those older than the window left out (stopped). A process that stopped cleanly
    /// within the window is included with its last record, <see cref="GatewayFleetStatus.Left"/> set (it holds nothing).
    /// Empty when no process published (known at once when the status stream does not exist, else after waiting the
    /// window for a first record: a loaded broker may be seconds late with one).
    /// </summary>
    /// <exception cref="KisBrokerRefusedException">The broker refused the user.</exception>
    /// <exception cref="KisConnectionException">The broker cannot be reached, or failed under the read.</exception>
    public static async Task<IReadOnlyList<GatewayFleetStatus>> ReadStatusAsync(KisGatewayEndpoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        try
        {
            return await ReadStatusCoreAsync(endpoint, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (BrokerFault.IsBrokerFault(e) && !cancellationToken.IsCancellationRequested)
        {
            if (e is RabbitMQ.Client.Exceptions.OperationInterruptedException { ShutdownReason.ReplyCode: Constants.NotFound }) return [];
            throw KisGateway.BrokerStartFailure(endpoint, e, "");
        }
    }

    private static async Task<IReadOnlyList<GatewayFleetStatus>> ReadStatusCoreAsync(KisGatewayEndpoint endpoint, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var connection = await endpoint.CreateFactory("kisrt-gateway-fleet-status-read").CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var channel = await connection.OpenChannelAsync(cancellationToken).ConfigureAwait(false);
            await channel.QueueDeclarePassiveAsync(StatusStream(endpoint), cancellationToken).ConfigureAwait(false); // none: no fleet published
            var records = Channel.CreateUnbounded<GatewayFleetStatus?>();
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, d) =>
            {
                GatewayFleetStatus? status = null;
                try
                {
                    status = FleetStatusJson.Json.Deserialize(d.Body.Span);
                }
                catch (System.Text.Json.JsonException)
                {
                    // not a status record: skipped
                }
                records.Writer.TryWrite(status);
                return Task.CompletedTask;
            };
            // The broker ending the read is a failure, never an answer: what was read so far may lack processes.
            consumer.ShutdownAsync += (_, e) =>
            {
                records.Writer.TryComplete(new KisConnectionException(new Uri(endpoint.DisplayUri),
                    $"the broker ended the fleet status read ({e.ReplyCode})"));
                return Task.CompletedTask;
            };
            await channel.BasicQosAsync(0, 1000, false, cancellationToken).ConfigureAwait(false);
            await channel.BasicConsumeAsync(StatusStream(endpoint), autoAck: false, "", false, false,
                new Dictionary<string, object?> { ["x-stream-offset"] = new AmqpTimestamp((now - StatusWindow).ToUnixTimeSeconds()) }, consumer,
                cancellationToken).ConfigureAwait(false);
            var latest = new Dictionary<string, GatewayFleetStatus>(StringComparer.Ordinal);
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            // Until the first delivery, the whole window: a live process publishes every 2 s, and a loaded broker may take
            // seconds to deliver its record (a 1.2 s bound on the first one answered "no fleet process published" while
            // three processes served every shard, issue 72). From the first delivery on, the bound.
            bound.CancelAfter(StatusWindow);
            var delivering = false;
            try
            {
                // Until a record published after the read began (every older one is in), or the bound.
                while (await records.Reader.WaitToReadAsync(bound.Token).ConfigureAwait(false))
                {
                    var status = await records.Reader.ReadAsync(bound.Token).ConfigureAwait(false);
                    if (!delivering)
                    {
                        delivering = true;
                        bound.CancelAfter(StatusReadBound);
                    }
                    if (status?.PublishedAt is not { } at || at < now - StatusWindow) continue;
                    if (!latest.TryGetValue(status.Process, out var before) || before.PublishedAt < at) latest[status.Process] = status;
                    if (at >= now) break;
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // the bound: what was read is the answer
            }
            // Nothing to flush: aborted, bounded, so a broker slow to answer a close never holds the answer.
            await BrokerClose.AbortAsync(connection, TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            channel.Dispose();
            return [.. latest.Values.OrderBy(s => s.Process, StringComparer.Ordinal)];
        }
    }
}
