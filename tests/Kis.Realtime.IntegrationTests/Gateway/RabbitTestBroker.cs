using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Gateway.Wire;
using Kis.Realtime.Gateway;
using RabbitMQ.Client;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// The real RabbitMQ that <c>scripts/services.sh</c> starts (scripts/test.sh and CI run it before the tests), with a
/// namespace of its own per test (queues, streams and exchange deleted afterwards), so tests run in parallel.
/// <c>KISRT_TEST_AMQP</c> points elsewhere. Unreachable is a failure with instructions, never a silent skip.
/// </summary>
internal sealed class RabbitTestBroker : IAsyncDisposable
{
    public const string DefaultUri = "amqp://guest:guest@127.0.0.1:5672/";

    private RabbitTestBroker(KisGatewayEndpoint endpoint) => Endpoint = endpoint;

    public KisGatewayEndpoint Endpoint { get; }

    /// <summary>A broker handle for a namespace another fixture chose (its cleanup deletes that namespace's objects as guest).</summary>
    public static RabbitTestBroker For(string ns) => new(KisGatewayEndpoint.Default with { AmqpUri = new Uri(GuestUri), Namespace = ns });

    /// <summary>A broker handle for an endpoint another fixture chose (e.g. a cluster's nodes): reads and cleans up through it.</summary>
    public static RabbitTestBroker At(KisGatewayEndpoint endpoint) => new(endpoint);

    /// <summary>The URI of the broker's administrator (guest from loopback, unless KISRT_TEST_AMQP says otherwise).</summary>
    public static string GuestUri => Environment.GetEnvironmentVariable("KISRT_TEST_AMQP") is { Length: > 0 } configured ? configured : DefaultUri;

    public static async Task<RabbitTestBroker> CreateAsync()
    {
        var uri = Environment.GetEnvironmentVariable("KISRT_TEST_AMQP") is { Length: > 0 } configured ? configured : DefaultUri;
        var endpoint = KisGatewayEndpoint.Default with { AmqpUri = new Uri(uri), Namespace = "test-" + Guid.NewGuid().ToString("N")[..12] };
        try
        {
            await using var connection = await endpoint.CreateFactory("kisrt-tests").CreateConnectionAsync();
        }
        catch (RabbitMQ.Client.Exceptions.BrokerUnreachableException e)
        {
            throw new InvalidOperationException(
                $"RabbitMQ is not reachable at {endpoint.DisplayUri} ({e.InnerException?.Message ?? e.Message}). Run scripts/services.sh once " +
                "(it installs and starts PostgreSQL and RabbitMQ on 127.0.0.1; CI runs it before the tests), set KISRT_TEST_AMQP, " +
                "or, on a developer machine without RabbitMQ, KISRT_SKIP_RABBITMQ=1 to skip these tests.", e);
        }
        return new RabbitTestBroker(endpoint);
    }

    /// <summary>Every record on a TR's stream from the start, as published: (key, seq, body), read with a plain AMQP consumer.</summary>
    public Task<List<(string Key, long Seq, byte[] Body)>> ReadStreamAsync(string trId, int count) => ReadStreamAsync(trId, list => list.Count >= count);

    /// <summary>The stream from the start until <paramref name="done"/> says enough.</summary>
    public async Task<List<(string Key, long Seq, byte[] Body)>> ReadStreamAsync(string trId, Func<List<(string Key, long Seq, byte[] Body)>, bool> done)
    {
        var records = await ReadStreamWithRunsAsync(trId, list => done(list.Select(r => (r.Key, r.Seq, r.Body)).ToList()));
        return records.Select(r => (r.Key, r.Seq, r.Body)).ToList();
    }

    /// <summary>As <see cref="ReadStreamAsync(string, Func{List{ValueTuple{string, long, byte[]}}, bool})"/>, with each record's gateway run
    /// (a message of several records is split into them: record i having the message's seq + i, or in the keys format its own key and seq).</summary>
    public async Task<List<(string Run, string Key, long Seq, byte[] Body)>> ReadStreamWithRunsAsync(string trId,
        Func<List<(string Run, string Key, long Seq, byte[] Body)>, bool> done)
    {
        var records = new List<(string Run, string Key, long Seq, byte[] Body)>();
        await ConsumeAsync(trId, (headers, body) =>
        {
            records.AddRange(RecordsOf(headers, body));
            return done(records);
        });
        return records;
    }

    /// <summary>A message's records as a plain AMQP consumer reads them from the wire format (<see cref="GatewayWire"/>), either format.</summary>
    public static List<(string Run, string Key, long Seq, byte[] Body)> RecordsOf(IDictionary<string, object?> headers, byte[] body)
    {
        static string Text(object? value) => value is byte[] bytes ? System.Text.Encoding.UTF8.GetString(bytes) : (string)value!;
        var run = Text(headers[GatewayWire.RunHeader]);
        var count = headers.TryGetValue(GatewayWire.CountHeader, out var n) ? (int)n! : 1;
        List<byte[]> bodies = count == 1 ? [body] : SplitRecords(body);
        if (headers.TryGetValue(GatewayWire.FormatHeader, out var format) && Text(format) == GatewayWire.KeysFormat)
        {
            var keys = Text(headers[GatewayWire.KeysHeader]).Split(',');
            var seqs = Text(headers[GatewayWire.SequencesHeader]).Split(',').Select(long.Parse).ToArray();
            return bodies.Select((b, i) => (run, keys[i], seqs[i], b)).ToList();
        }
        var key = Text(headers[GatewayWire.TrKeyHeader]);
        var first = (long)headers[GatewayWire.SequenceHeader]!;
        return bodies.Select((b, i) => (run, key, first + i, b)).ToList();
    }

    /// <summary>The stream's messages from the start until they carry <paramref name="records"/> records.</summary>
    public Task<List<(string Run, string Key, long Seq, int Count, byte[] Body)>> ReadMessagesAsync(string trId, int records)
    {
        var seen = 0;
        return ReadMessagesAsync(trId, message => (seen += message.Count) >= records);
    }

    /// <summary>The stream's messages as published (one or more records each: <c>count</c>, 1 when absent), until
    /// <paramref name="done"/> says enough. A message of the keys format has its keys header as its key and its first record's seq.</summary>
    public async Task<List<(string Run, string Key, long Seq, int Count, byte[] Body)>> ReadMessagesAsync(string trId,
        Func<(string Run, string Key, long Seq, int Count, byte[] Body), bool> done)
    {
        var messages = new List<(string, string, long, int, byte[])>();
        await ConsumeAsync(trId, (headers, body) =>
        {
            var records = RecordsOf(headers, body);
            var keys = headers.TryGetValue(GatewayWire.KeysHeader, out var list) ? System.Text.Encoding.UTF8.GetString((byte[])list!) : records[0].Key;
            var message = (records[0].Run, keys, records[0].Seq, records.Count, body);
            messages.Add(message);
            return done(message);
        });
        return messages;
    }

    /// <summary>The gateway's topology for <paramref name="options"/> with <paramref name="trId"/>'s stream declared: for
    /// tests that drive a publisher directly, without a gateway to declare it.</summary>
    public static async Task<StreamTopology> DeclareStreamAsync(KisGatewayOptions options, string trId)
    {
        var topology = new StreamTopology(options);
        await using var connection = await options.Endpoint.CreateFactory("kisrt-tests-setup").CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await topology.DeclareStreamAsync(connection, channel, trId, CancellationToken.None);
        return topology;
    }

    /// <summary>The records of a message body of several (separated by '\n').</summary>
    public static List<byte[]> SplitRecords(byte[] body)
    {
        var records = new List<byte[]>();
        var start = 0;
        for (var i = 0; i <= body.Length; i++)
        {
            if (i < body.Length && body[i] != (byte)'\n') continue;
            records.Add(body[start..i]);
            start = i + 1;
        }
        return records;
    }

    /// <summary>The stream's first <paramref name="messages"/> messages with their headers as an AMQP client decodes them.</summary>
    public async Task<List<(IDictionary<string, object?> Headers, byte[] Body)>> ReadRawMessagesAsync(string trId, int messages)
    {
        var read = new List<(IDictionary<string, object?>, byte[])>();
        await ConsumeAsync(trId, (headers, body) =>
        {
            read.Add((headers, body));
            return read.Count >= messages;
        });
        return read;
    }

    /// <summary>The stream's messages from its start, announcements (<see cref="GatewayWire.KindHeader"/>) included, until
    /// <paramref name="done"/> says enough.</summary>
    public async Task<List<(IDictionary<string, object?> Headers, byte[] Body)>> ReadEveryMessageAsync(string trId,
        Func<List<(IDictionary<string, object?> Headers, byte[] Body)>, bool> done)
    {
        var read = new List<(IDictionary<string, object?>, byte[])>();
        await ConsumeAsync(trId, (headers, body) =>
        {
            read.Add((headers, body));
            return done(read);
        }, withAnnouncements: true);
        return read;
    }

    /// <summary>Reads the stream from its start, one message at a time, until <paramref name="take"/> says enough.</summary>
    private async Task ConsumeAsync(string trId, Func<IDictionary<string, object?>, byte[], bool> take, bool withAnnouncements = false)
    {
        await using var connection = await Endpoint.CreateFactory("kisrt-tests-reader").CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(0, 500, false);
        var gate = new object();
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new RabbitMQ.Client.Events.AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, d) =>
        {
            bool enough;
            lock (gate)
            {
                if (finished.Task.IsCompleted) return; // the channel may be closing: an ack now is a channel error
                // A run announcement (a run that follows another, before each key's first record) is not a record.
                var announcement = d.BasicProperties.Headers?.ContainsKey(GatewayWire.KindHeader) == true;
                enough = (withAnnouncements || !announcement) && take(d.BasicProperties.Headers!, d.Body.ToArray());
            }
            // Acknowledged before the reader may close the channel (deliveries are handled one at a time): an ack after
            // channel.close makes the broker fail the connection ("expected 'channel.open'"), as the gateway client did.
            await channel.BasicAckAsync(d.DeliveryTag, false);
            if (enough) finished.TrySetResult();
        };
        await channel.BasicConsumeAsync(Endpoint.StreamFor(trId), false, "", false, false, new Dictionary<string, object?> { ["x-stream-offset"] = "first" },
            consumer);
        await finished.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // The consumer is gone with the channel: nothing calls take after this.
        await channel.CloseAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var connection = await Endpoint.CreateFactory("kisrt-tests-cleanup").CreateConnectionAsync();
            await using var channel = await connection.CreateChannelAsync();
            foreach (var tr in Kis.Realtime.KisTrs.All)
            {
                // Deleting a queue that does not exist is fine in AMQP 0-9-1 (delete-ok with 0 messages).
                await channel.QueueDeleteAsync(Endpoint.StreamFor(tr.Id), false, false);
            }
            await channel.QueueDeleteAsync(Endpoint.RequestQueue, false, false);
            await channel.QueueDeleteAsync(Endpoint.RunsStream, false, false);
            await channel.QueueDeleteAsync(Endpoint.StandbyQueue, false, false);
            await channel.ExchangeDeleteAsync(Endpoint.Exchange, false);
            await channel.ExchangeDeleteAsync(Endpoint.RequestExchange, false);
        }
        catch (Exception)
        {
            // Best effort: a leftover test stream costs disk, not correctness.
        }
    }
}

/// <summary>A fact that needs RabbitMQ: skipped only when a developer sets KISRT_SKIP_RABBITMQ=1 outside CI.</summary>
internal sealed class RabbitFactAttribute : FactAttribute
{
    public RabbitFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("KISRT_SKIP_RABBITMQ") == "1" && Environment.GetEnvironmentVariable("CI") != "true")
            Skip = "KISRT_SKIP_RABBITMQ=1: RabbitMQ tests skipped (run scripts/services.sh to run them)";
    }
}

/// <summary>A theory that needs RabbitMQ: skipped only as <see cref="RabbitFactAttribute"/> is.</summary>
internal sealed class RabbitTheoryAttribute : TheoryAttribute
{
    public RabbitTheoryAttribute()
    {
        if (Environment.GetEnvironmentVariable("KISRT_SKIP_RABBITMQ") == "1" && Environment.GetEnvironmentVariable("CI") != "true")
            Skip = "KISRT_SKIP_RABBITMQ=1: RabbitMQ tests skipped (run scripts/services.sh to run them)";
    }
}
