using System.Threading.Channels;
using Kis.Realtime.Gateway.Wire;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// Reads a namespace's TR streams for <see cref="GatewayStreamAudit"/>, each from its first record, one message at a time
/// in stream order, taken apart by the wire's own rules (<see cref="GatewayWire"/>: both formats, announcements). A
/// stream's read ends when it goes quiet, at the first record the gateway received after the audit began (a live
/// gateway's stream has no end), or at <see cref="GatewayAuditOptions.MaxMessages"/> (said in the counts: the rest is not
/// audited). The consumer's credit is the bounded hand-over to the checker, so a long stream never piles up in memory.
/// </summary>
internal static class GatewayAuditReader
{
    private const int Prefetch = 2_000, AckEvery = 250;

    /// <summary>The streams of <see cref="GatewayAuditOptions.Trs"/> (null: every TR whose stream exists in the namespace), each audited.</summary>
    /// <exception cref="KisBrokerRefusedException">The broker refused the user (credentials, the vhost, a permission).</exception>
    /// <exception cref="KisConnectionException">The broker cannot be reached.</exception>
    /// <exception cref="KisGatewayAuditIncompleteException">The broker ended a read before its end.</exception>
    public static async Task<IReadOnlyList<GatewayStreamAudit>> AuditAsync(KisGatewayEndpoint endpoint, GatewayAuditOptions bounds,
        CancellationToken cancellationToken)
    {
        var began = GatewayWire.ToUnixMicroseconds(DateTimeOffset.UtcNow);
        IConnection connection;
        try
        {
            // Named with the namespace: an operator (or a test) tells this audit's connection from another's.
            connection = await endpoint.CreateFactory("kisrt-gateway-audit " + endpoint.Namespace).CreateConnectionAsync(cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (BrokerFault.IsBrokerFault(e) && !cancellationToken.IsCancellationRequested)
        {
            throw KisBrokerRefusedException.From(e, endpoint) ?? (Exception)new KisConnectionException(new Uri(endpoint.DisplayUri),
                endpoint.DescribeFault(e), e);
        }
        await using (connection.ConfigureAwait(false))
        {
            var audits = new List<GatewayStreamAudit>();
            var trs = bounds.Trs ?? await GuardedAsync(endpoint, null, null,
                () => ExistingAsync(connection, endpoint, cancellationToken), cancellationToken).ConfigureAwait(false);
            foreach (var tr in trs)
            {
                var audit = new GatewayStreamAudit(tr, bounds.MaxFindings);
                var stream = endpoint.StreamFor(tr);
                await GuardedAsync(endpoint, stream, audit, async () =>
                {
                    await ReadAsync(connection, stream, audit, began, bounds, cancellationToken).ConfigureAwait(false);
                    return true;
                }, cancellationToken).ConfigureAwait(false);
                audit.Finish();
                audits.Add(audit);
            }
            return audits;
        }
    }

    /// <summary>
    /// A broker fault under a read, typed: a refusal (a permission the user lacks) is <see cref="KisBrokerRefusedException"/>;
    /// any other (the connection or channel closed) leaves the audit incomplete, never judged as if the stream had ended.
    /// </summary>
    private static async Task<T> GuardedAsync<T>(KisGatewayEndpoint endpoint, string? stream, GatewayStreamAudit? audit, Func<Task<T>> read,
        CancellationToken cancellationToken)
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (Exception e) when (BrokerFault.IsBrokerFault(e) && !cancellationToken.IsCancellationRequested)
        {
            if (KisBrokerRefusedException.From(e, endpoint) is { } refused) throw refused;
            throw new KisGatewayAuditIncompleteException(stream, audit?.Counts.Messages ?? 0, endpoint.DescribeFault(e), e);
        }
    }

    /// <summary>The TRs whose stream exists (a passive declare each; a missing one closes its channel).</summary>
    private static async Task<List<string>> ExistingAsync(IConnection connection, KisGatewayEndpoint endpoint, CancellationToken cancellationToken)
    {
        var found = new List<string>();
        IChannel? channel = null;
        try
        {
            foreach (var tr in KisTrs.All.Select(t => t.Id).Distinct(StringComparer.Ordinal))
            {
                channel ??= await connection.OpenChannelAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await channel.QueueDeclarePassiveAsync(endpoint.StreamFor(tr), cancellationToken).ConfigureAwait(false);
                    found.Add(tr);
                }
                catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.NotFound)
                {
                    channel.Dispose();
                    channel = null;
                }
            }
        }
        finally
        {
            if (channel is not null) CloseInBackground(channel);
        }
        return found;
    }

    private static async Task ReadAsync(IConnection connection, string stream, GatewayStreamAudit audit, long beganMicros, GatewayAuditOptions bounds,
        CancellationToken cancellationToken)
    {
        var channel = await connection.OpenChannelAsync(cancellationToken).ConfigureAwait(false);
        var deliveries = Channel.CreateBounded<(IReadOnlyBasicProperties Properties, byte[] Body)>(Prefetch * 2);
        var consumer = new AsyncEventingBasicConsumer(channel);
        var unacked = 0; // deliveries come one at a time on the channel's dispatcher: no lock
        // The broker ending the read (the channel or connection closed, the consumer cancelled) ends the hand-over: what was
        // delivered is read, then the read fails. Left to the quiet timer it would pass for the stream's end, judged clean.
        string? ended = null;
        Task End(string cause)
        {
            Interlocked.CompareExchange(ref ended, cause, null); // the first cause stands
            deliveries.Writer.TryComplete(); // after the cause: the reader sees it once the hand-over is done
            return Task.CompletedTask;
        }
        consumer.ShutdownAsync += (_, e) => End($"{e.ReplyCode} {e.ReplyText}");
        // A closed channel or connection unregisters the consumer too, before ShutdownAsync and with ShutdownReason already
        // set: name that cause, not a cancellation the broker never sent.
        consumer.UnregisteredAsync += (_, _) => End(consumer.ShutdownReason is { } shutdown
            ? $"{shutdown.ReplyCode} {shutdown.ReplyText}"
            : "the broker cancelled the consumer: the stream was deleted, or its node went down");
        consumer.ReceivedAsync += async (_, d) =>
        {
            // Waits while the checker is behind: the broker's credit runs out, nothing piles up.
            if (!await Write(deliveries.Writer, (d.BasicProperties, d.Body.ToArray())).ConfigureAwait(false)) return;
            if (++unacked < AckEvery) return;
            unacked = 0;
            await channel.BasicAckAsync(d.DeliveryTag, multiple: true).ConfigureAwait(false);
        };
        try
        {
            await channel.BasicQosAsync(0, Prefetch, false, cancellationToken).ConfigureAwait(false);
            await channel.BasicConsumeAsync(stream, autoAck: false, consumerTag: "", noLocal: false, exclusive: false,
                new Dictionary<string, object?> { ["x-stream-offset"] = "first" }, consumer, cancellationToken).ConfigureAwait(false);
            while (true)
            {
                (IReadOnlyBasicProperties Properties, byte[] Body) message;
                using (var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    quiet.CancelAfter(bounds.Quiet);
                    try
                    {
                        message = await deliveries.Reader.ReadAsync(quiet.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        return; // quiet: the stream's end
                    }
                    catch (ChannelClosedException e)
                    {
                        throw new KisGatewayAuditIncompleteException(stream, audit.Counts.Messages, Volatile.Read(ref ended) ?? "the read ended", e);
                    }
                }
                // Retention removed the stream's start: a key's earlier records may lie before what is read.
                if (audit.Counts.Messages == 0) audit.FromFirst = GatewayWire.Number(message.Properties, "x-stream-offset") is null or 0;
                if (!GatewayAuditDecoder.Take(audit, message.Properties, message.Body, beganMicros)) return; // the live edge
                if (++audit.Counts.Messages < bounds.MaxMessages) continue;
                audit.Counts.Bounded = true;
                return;
            }
        }
        finally
        {
            deliveries.Writer.TryComplete();
            CloseInBackground(channel);
        }
    }

    /// <summary>A read's channel has nothing to flush: aborted on a pool thread, bounded, so a broker slow to answer its close
    /// never holds the audit (as the gateway's own tail reads close theirs).</summary>
    private static void CloseInBackground(IChannel channel) => _ = Task.Run(async () =>
    {
        try
        {
            using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await channel.AbortAsync(closing.Token).ConfigureAwait(false);
            await channel.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // gone already: closed enough
        }
    });

    private static async Task<bool> Write<T>(ChannelWriter<T> writer, T item)
    {
        try
        {
            await writer.WriteAsync(item).ConfigureAwait(false);
            return true;
        }
        catch (ChannelClosedException)
        {
            return false; // the read has ended
        }
    }
}

/// <summary>Takes a stream message apart for the audit by the wire's rules (<see cref="GatewayWire"/>).</summary>
internal static class GatewayAuditDecoder
{
    private const int MaxAnnouncementBytes = 4096;
    /// <summary>The receive times a gateway can have written (2000-2100, Unix µs); anything else is a foreign or broken header.</summary>
    private static readonly long MinMicros = GatewayWire.ToUnixMicroseconds(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero)),
        MaxMicros = GatewayWire.ToUnixMicroseconds(new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>Feeds the message's records or announcement to <paramref name="audit"/>; false (nothing fed) for a record the
    /// gateway received after <paramref name="untilMicros"/>: the read has reached the live edge.</summary>
    public static bool Take(GatewayStreamAudit audit, IReadOnlyBasicProperties properties, byte[] body, long untilMicros)
    {
        if (GatewayWire.Text(properties, GatewayWire.KindHeader) is { } kind)
        {
            if (kind == GatewayWire.RunAnnouncementKind && GatewayWire.Text(properties, GatewayWire.TrKeyHeader) is { } announced)
                audit.Announcement(announced, Parse(body));
            else audit.Counts.Malformed++;
            return true;
        }
        // Hostile headers are counted, never sized into memory nor thrown: a receive time outside any real day, a record count
        // beyond the body's records (checked before anything is sized by it), offsets past the message's time.
        var stated = GatewayWire.Number(properties, GatewayWire.ReceivedAtHeader);
        if (stated is { } at && (at < MinMicros || at > MaxMicros)) return Malformed(audit);
        var receivedAt = stated ?? 0;
        if (receivedAt > untilMicros) return false;
        var count = GatewayWire.RecordCount(properties);
        var run = GatewayWire.Text(properties, GatewayWire.RunHeader);
        if (run is null || body.AsSpan().Count(GatewayWire.RecordSeparator) + 1 < count) return Malformed(audit);
        string[]? keys;
        long[]? seqs;
        if (GatewayWire.IsKeysFormat(properties))
            (keys, seqs) = (GatewayWire.Keys(properties, count), GatewayWire.Numbers(properties, GatewayWire.SequencesHeader, count));
        else if (GatewayWire.Text(properties, GatewayWire.TrKeyHeader) is { } key && GatewayWire.Number(properties, GatewayWire.SequenceHeader) is { } first)
            (keys, seqs) = (Enumerable.Repeat(key, count).ToArray(), Enumerable.Range(0, count).Select(i => first + i).ToArray());
        else (keys, seqs) = (null, null);
        var offsets = GatewayWire.ReceivedOffsets(properties, count);
        if (keys is null || seqs is null || offsets?.Any(o => o < MinMicros - receivedAt || o > MaxMicros - receivedAt) == true) return Malformed(audit);
        var start = 0;
        for (var i = 0; i < count; i++)
        {
            var record = GatewayWire.NextRecord(body, ref start, last: i == count - 1);
            audit.Record(keys[i], run, seqs[i], receivedAt + (offsets?[i] ?? 0), record.Span);
        }
        return true;
    }

    private static bool Malformed(GatewayStreamAudit audit)
    {
        audit.Counts.Malformed++;
        return true;
    }

    private static GatewayRunAnnouncement? Parse(byte[] body)
    {
        if (body.Length > MaxAnnouncementBytes) return null;
        try
        {
            return GatewayJson.Deserialize<GatewayRunAnnouncement>(body);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
