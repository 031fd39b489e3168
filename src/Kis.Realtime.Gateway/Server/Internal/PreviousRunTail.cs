using System.Threading.Channels;
using Kis.Realtime.Gateway.Wire;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// Per key, the last record of the previous run that reached its TR's stream (issue 61: a kill's hole in the gap
/// messages). The previous run's checkpoint is written every <see cref="KisGatewayOptions.CheckpointInterval"/>, so what
/// it says a killed run confirmed is a lower bound; the stream says exactly where the hole begins. A taking-over run reads
/// each TR stream from a little before that checkpoint until it meets what was received after this run began (every
/// record of the previous run is ahead of it: the previous run stopped before this one won its election), or the
/// stream goes quiet. Bounded: a read that does not get there in time leaves its keys out (announced from the
/// checkpoint alone), it never holds the start for long.
/// </summary>
internal static class PreviousRunTail
{
    /// <summary>How long a whole read may take before its keys are left to the checkpoint.</summary>
    private static readonly TimeSpan ReadBound = TimeSpan.FromSeconds(3);
    /// <summary>A stream that sends nothing for this long has nothing more of the previous run.</summary>
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(200);
    /// <summary>A record received this long after this run began was published after the previous run ended, even
    /// with the hosts' clocks this far apart; the broker also places a start time only to the second.</summary>
    private static readonly TimeSpan ClockMargin = TimeSpan.FromSeconds(2);

    /// <summary>Key → (seq, received at µs) of the previous run's last record on the stream, for the TRs read to their end.</summary>
    public static async Task<IReadOnlyDictionary<(string Tr, string Key), (long Seq, long At)>> ReadAsync(
        KisGatewayOptions options, GatewayCheckpoint previous, long startedAtMicros, CancellationToken cancellationToken)
    {
        var found = new Dictionary<(string Tr, string Key), (long Seq, long At)>();
        // Every key of the checkpoint's TRs (keys registered after it count too) and of a fleet universe's TRs (a shard's run
        // that ended within its first checkpoint interval wrote no key). Read even after a clean stop: a hand-over's final
        // checkpoint may predate keys its run registered.
        var universeTrs = options.FleetUniverse?.Select(r => r[..r.IndexOf(' ', StringComparison.Ordinal)]) ?? [];
        var trs = previous.Keys.Select(k => k.Tr).Concat(previous.Claims.Select(c => c.Tr)).Concat(universeTrs).Distinct(StringComparer.Ordinal).ToList();
        if (trs.Count == 0) return found;
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(ReadBound);
        try
        {
            await using var connection = await options.Endpoint.CreateFactory("kisrt-gateway-tail").CreateConnectionAsync(bounded.Token).ConfigureAwait(false);
            var from = new AmqpTimestamp(previous.At / 1_000_000 - (long)ClockMargin.TotalSeconds);
            var until = startedAtMicros + (long)ClockMargin.TotalMicroseconds;
            var reads = trs.Select(tr => ReadTrAsync(connection, options.Endpoint.StreamFor(tr), tr, previous.Run, from, until, bounded.Token)).ToList();
            foreach (var read in reads)
            {
                if (await read.ConfigureAwait(false) is { } keys)
                    foreach (var (key, last) in keys) found[key] = last;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or RabbitMQ.Client.Exceptions.RabbitMQClientException or IOException
                                      && !cancellationToken.IsCancellationRequested)
        {
            // Bounded or the broker went: the announcements say what the checkpoint says.
        }
        return found;
    }

    /// <summary>One TR's keys of <paramref name="run"/>, or null when its stream could not be read to the end in time.</summary>
    private static async Task<Dictionary<(string Tr, string Key), (long Seq, long At)>?> ReadTrAsync(IConnection connection, string stream, string tr,
        string run, AmqpTimestamp from, long untilMicros, CancellationToken cancellationToken)
    {
        var last = new Dictionary<(string Tr, string Key), (long Seq, long At)>();
        IChannel channel;
        try
        {
            channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RabbitMQ.Client.Exceptions.RabbitMQClientException)
        {
            return null;
        }
        var deliveries = Channel.CreateUnbounded<(IReadOnlyBasicProperties Properties, bool Past)>();
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, d) =>
        {
            deliveries.Writer.TryWrite((d.BasicProperties, GatewayWire.Number(d.BasicProperties, GatewayWire.ReceivedAtHeader) > untilMicros));
            await channel.BasicAckAsync(d.DeliveryTag, multiple: true).ConfigureAwait(false);
        };
        try
        {
            await channel.BasicQosAsync(0, 2_000, false, cancellationToken).ConfigureAwait(false);
            await channel.BasicConsumeAsync(stream, autoAck: false, consumerTag: "", noLocal: false, exclusive: false,
                new Dictionary<string, object?> { ["x-stream-offset"] = from }, consumer, cancellationToken).ConfigureAwait(false);
            while (true)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                idle.CancelAfter(Idle);
                (IReadOnlyBasicProperties Properties, bool Past) delivery;
                try
                {
                    delivery = await deliveries.Reader.ReadAsync(idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return last; // quiet: nothing more on the stream
                }
                if (delivery.Past) return last;
                Take(delivery.Properties, tr, run, last);
            }
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.OperationInterruptedException or RabbitMQ.Client.Exceptions.AlreadyClosedException)
        {
            return null; // no such stream (never published to), or the broker closed the channel
        }
        catch (OperationCanceledException)
        {
            return null; // not read to the end within the bound
        }
        finally
        {
            try { await channel.CloseAsync(CancellationToken.None).ConfigureAwait(false); } catch (Exception) { /* the connection went */ }
            channel.Dispose();
        }
    }

    /// <summary>Notes a message's records of <paramref name="run"/> (either wire format).</summary>
    private static void Take(IReadOnlyBasicProperties properties, string tr, string run, Dictionary<(string Tr, string Key), (long Seq, long At)> last)
    {
        if (GatewayWire.Text(properties, GatewayWire.KindHeader) is not null || GatewayWire.Text(properties, GatewayWire.RunHeader) != run) return;
        var at = GatewayWire.Number(properties, GatewayWire.ReceivedAtHeader) ?? 0;
        if (GatewayWire.Text(properties, GatewayWire.FormatHeader) == GatewayWire.KeysFormat)
        {
            var keys = GatewayWire.Text(properties, GatewayWire.KeysHeader)?.Split(',') ?? [];
            var seqs = GatewayWire.Text(properties, GatewayWire.SequencesHeader)?.Split(',') ?? [];
            for (var i = 0; i < Math.Min(keys.Length, seqs.Length); i++)
                if (long.TryParse(seqs[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seq))
                    Note(last, (tr, keys[i]), seq, at);
            return;
        }
        if (GatewayWire.Text(properties, GatewayWire.TrKeyHeader) is { } key && GatewayWire.Number(properties, GatewayWire.SequenceHeader) is { } first)
            Note(last, (tr, key), first + (GatewayWire.Number(properties, GatewayWire.CountHeader) ?? 1) - 1, at);
    }

    private static void Note(Dictionary<(string Tr, string Key), (long Seq, long At)> last, (string Tr, string Key) key, long seq, long at)
    {
        if (!last.TryGetValue(key, out var known) || seq > known.Seq) last[key] = (seq, at);
    }
}
