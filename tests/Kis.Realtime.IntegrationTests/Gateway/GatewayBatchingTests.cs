using System.Text;
using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Gateway.Wire;
using Kis.Realtime.Gateway;
using Microsoft.Extensions.Logging.Abstractions;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway.Batching;

/// <summary>
/// Records waiting together are packed into messages (<see cref="KisGatewayOptions.MaxRecordsPerMessage"/>): of several keys
/// of one TR (the keys format, the default), or of one key (<see cref="KisGatewayOptions.PackAcrossKeys"/> false, the
/// format streams already hold; consumers read both).
/// The publisher is driven directly so what waits together is certain: records handed over before it starts, or while
/// its broker connection is cut, are all waiting when it publishes. Consumers claim keys from a stand-in for the
/// gateway's request server (<see cref="AnsweringRequests"/>).
/// </summary>
public class GatewayBatchingTests
{
    private const string Tr = "H0UPCNT0";
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    private static KisGatewayOptions PublisherOptions(KisGatewayEndpoint endpoint) => KisGatewayOptions.Default with
    {
        Endpoint = endpoint,
        BrokerReconnectMinDelay = TimeSpan.FromMilliseconds(50),
        BrokerReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
        StreamMaxSegmentSizeBytes = 1024 * 1024,
        StreamMaxLengthBytes = 64L * 1024 * 1024,
    };

    /// <summary>A record of <paramref name="key"/> whose text names its sequence (the time field), so a mix-up shows.</summary>
    private static OutgoingRecord Record(RecordRoute route, long sequence, string? body = null) =>
        new(route, sequence, 1_700_000_000_000_000 + sequence, Encoding.UTF8.GetBytes(body ?? Text(route.Key, sequence)));

    private static string Text(string key, long sequence) => $"{key}^{sequence:D6}^2624.54^2^32.68^63952^1650684^439^10335^1.26";

    private static KisGatewayClient Consumer(RabbitTestBroker broker, int capacity = 1024) => new(KisGatewayClientOptions.Default with
    {
        Endpoint = broker.Endpoint,
        RequestTimeout = TimeSpan.FromSeconds(20),
        SubscriptionCapacity = capacity,
    });

    private static async Task<List<string>> TakeAsync(IAsyncEnumerator<KisRecord> records, int count)
    {
        var texts = new List<string>(count);
        while (texts.Count < count && await records.MoveNextAsync()) texts.Add(Encoding.UTF8.GetString(records.Current.Data.Span));
        return texts;
    }

    [RabbitFact]
    public async Task Records_waiting_together_go_in_messages_of_one_key_and_a_consumer_gets_each_once_in_order()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var options = PublisherOptions(broker.Endpoint) with { MaxRecordsPerMessage = 64, PackAcrossKeys = false };
        var routes = new[] { "0001", "0002", "1001" }.Select(k => new RecordRoute(Tr, k, 0, "run-a")).ToArray();
        await using var publisher = new RecordPublisher(options, await RabbitTestBroker.DeclareStreamAsync(options, Tr), NullLogger.Instance);
        const int PerKey = 300;
        // Interleaved keys, all waiting before the publisher starts: it packs them.
        for (var seq = 1; seq <= PerKey; seq++)
            foreach (var route in routes) Assert.True(publisher.TryEnqueue(Record(route, seq)));
        publisher.Start();
        Assert.True(await publisher.DrainAsync(Long));
        Assert.Equal(3 * PerKey, publisher.Published);
        Assert.Equal(3 * PerKey, publisher.Confirmed);

        var messages = await broker.ReadMessagesAsync(Tr, 3 * PerKey);
        Assert.Contains(messages, m => m.Count > 1);
        foreach (var route in routes)
        {
            Assert.Equal([64, 64, 64, 64, 44], messages.Where(m => m.Key == route.Key).Select(m => m.Count));
            var records = messages.Where(m => m.Key == route.Key).SelectMany(m => RabbitTestBroker.SplitRecords(m.Body).Select((body, i) => (Seq: m.Seq + i,
                Text: Encoding.UTF8.GetString(body)))).ToList();
            Assert.Equal(Enumerable.Range(1, PerKey).Select(s => ((long)s, Text(route.Key, s))), records);
        }

        await AssertEachKeyReadOnceInOrderAsync(broker, routes, PerKey);
    }

    [RabbitFact]
    public async Task Records_of_several_keys_waiting_together_share_messages_and_a_consumer_of_each_key_gets_each_once_in_order()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var options = PublisherOptions(broker.Endpoint) with { MaxRecordsPerMessage = 64 };
        Assert.True(options.PackAcrossKeys); // the default
        var routes = new[] { "0001", "0002", "1001" }.Select(k => new RecordRoute(Tr, k, k == "1001" ? 1 : 0, "run-k")).ToArray();
        await using var publisher = new RecordPublisher(options, await RabbitTestBroker.DeclareStreamAsync(options, Tr), NullLogger.Instance);
        const int PerKey = 300;
        for (var seq = 1; seq <= PerKey; seq++)
            foreach (var route in routes) Assert.True(publisher.TryEnqueue(Record(route, seq)));
        publisher.Start();
        Assert.True(await publisher.DrainAsync(Long));
        Assert.Equal(3 * PerKey, publisher.Confirmed);

        // 900 records interleaved: messages of 64 of all three keys, each record with its own key, seq and session.
        var messages = await broker.ReadRawMessagesAsync(Tr, 15);
        Assert.Equal(Enumerable.Repeat(64, 14).Append(4), messages.Select(m => (int)m.Headers[GatewayWire.CountHeader]!));
        var first = messages[0].Headers;
        Assert.Equal(GatewayWire.KeysFormat, Encoding.UTF8.GetString((byte[])first[GatewayWire.FormatHeader]!));
        Assert.False(first.ContainsKey(GatewayWire.TrKeyHeader)); // a one-key consumer skips it rather than misreading it
        Assert.StartsWith("0001,0002,1001,0001,", Encoding.UTF8.GetString((byte[])first[GatewayWire.KeysHeader]!));
        Assert.StartsWith("1,1,1,2,2,2,", Encoding.UTF8.GetString((byte[])first[GatewayWire.SequencesHeader]!));
        Assert.StartsWith("0,0,1,0,0,1,", Encoding.UTF8.GetString((byte[])first[GatewayWire.SessionsHeader]!));
        var records = messages.SelectMany(m => RabbitTestBroker.RecordsOf(m.Headers, m.Body)).ToList();
        foreach (var route in routes)
            Assert.Equal(Enumerable.Range(1, PerKey).Select(s => ((long)s, Text(route.Key, s))),
                records.Where(r => r.Key == route.Key).Select(r => (r.Seq, Encoding.UTF8.GetString(r.Body))));
        Assert.All(routes, r => Assert.Equal(PerKey, r.Confirmed.Sequence)); // the checkpoint's confirmed place, per key

        await AssertEachKeyReadOnceInOrderAsync(broker, routes, PerKey);
    }

    // A gateway client reads each key from the start: every record once, in order, nothing dropped or undecodable.
    private static async Task AssertEachKeyReadOnceInOrderAsync(RabbitTestBroker broker, IReadOnlyList<RecordRoute> routes, int perKey)
    {
        await using var requests = await AnsweringRequests.StartAsync(broker.Endpoint);
        await using var consumer = Consumer(broker);
        using var stop = new CancellationTokenSource(Long);
        foreach (var route in routes)
        {
            await using var read = consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, route.Key, GatewayStart.First, stop.Token).GetAsyncEnumerator();
            Assert.Equal(Enumerable.Range(1, perKey).Select(s => Text(route.Key, s)), await TakeAsync(read, perKey));
        }
        Assert.Equal(0, consumer.DuplicatesDropped);
        Assert.Equal(0, Interlocked.Read(ref consumer.Counters.DecodeErrors));
    }

    [RabbitFact]
    public async Task Each_record_of_a_message_keeps_its_own_receive_time_and_records_of_one_frame_need_no_extra_header()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var options = PublisherOptions(broker.Endpoint) with { MaxRecordsPerMessage = 64 };
        var route = new RecordRoute(Tr, "0001", 0, "run-t");
        await using var publisher = new RecordPublisher(options, await RabbitTestBroker.DeclareStreamAsync(options, Tr), NullLogger.Instance);
        // Records 1-10 from ten frames (each its own time), then 11-20 from one frame (one time), all waiting together.
        for (var seq = 1; seq <= 10; seq++) publisher.TryEnqueue(Record(route, seq));
        const long OneFrame = 1_700_000_000_500_000;
        for (var seq = 11; seq <= 20; seq++) publisher.TryEnqueue(Record(route, seq) with { ReceivedAtMicros = OneFrame });
        publisher.Start();
        Assert.True(await publisher.DrainAsync(Long));

        var (headers, _) = Assert.Single(await broker.ReadRawMessagesAsync(Tr, 1));
        Assert.Equal(20, (int)headers[GatewayWire.CountHeader]!);
        var firstAt = Record(route, 1).ReceivedAtMicros;
        Assert.Equal(firstAt, (long)headers[GatewayWire.ReceivedAtHeader]!);
        // As any AMQP client reads it: N decimal numbers separated by commas.
        Assert.Equal(string.Join(',', Enumerable.Range(0, 10).Select(i => (long)i).Concat(Enumerable.Repeat(OneFrame - firstAt, 10))),
            Encoding.UTF8.GetString((byte[])headers[GatewayWire.ReceivedOffsetsHeader]!));

        await using var requests = await AnsweringRequests.StartAsync(broker.Endpoint);
        await using var consumer = Consumer(broker);
        using var stop = new CancellationTokenSource(Long);
        await using var records = consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, route.Key, GatewayStart.First, stop.Token).GetAsyncEnumerator();
        var times = new List<DateTimeOffset>();
        while (times.Count < 20 && await records.MoveNextAsync()) times.Add(records.Current.ReceivedAt);
        Assert.Equal(Enumerable.Range(1,
            10).Select(s => Record(route, s).ReceivedAtMicros).Concat(Enumerable.Repeat(OneFrame, 10)).Select(GatewayWire.FromUnixMicroseconds), times);
    }

    [RabbitFact]
    public async Task A_replay_from_a_time_skips_a_keys_records_before_it_and_none_after_its_first_even_when_the_clock_stepped_back()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var options = PublisherOptions(broker.Endpoint) with { MaxRecordsPerMessage = 64 };
        var route = new RecordRoute(Tr, "0001", 0, "run-s");
        await using var publisher = new RecordPublisher(options, await RabbitTestBroker.DeclareStreamAsync(options, Tr), NullLogger.Instance);
        // Received at 100, 200, then the gateway's clock steps back (120: a negative offset), then 300 and 50.
        const long Base = 1_700_000_000_000_000;
        long[] at = [Base + 100, Base + 200, Base + 120, Base + 300, Base + 50];
        for (var seq = 1; seq <= at.Length; seq++) publisher.TryEnqueue(Record(route, seq) with { ReceivedAtMicros = at[seq - 1] });
        publisher.Start();
        Assert.True(await publisher.DrainAsync(Long));
        var (headers, _) = Assert.Single(await broker.ReadRawMessagesAsync(Tr, 1));
        Assert.Equal("0,100,20,200,-50", Encoding.UTF8.GetString((byte[])headers[GatewayWire.ReceivedOffsetsHeader]!));

        await using var requests = await AnsweringRequests.StartAsync(broker.Endpoint);
        await using var consumer = Consumer(broker);
        using var stop = new CancellationTokenSource(Long);
        var from = GatewayWire.FromUnixMicroseconds(Base + 150);
        await using var records = consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, route.Key, GatewayStart.FromTime(from), stop.Token).GetAsyncEnumerator();
        // Record 1 (100) is before the start; record 2 (200) is the first at or after it; 3 and 5 came later, whatever the clock said.
        Assert.Equal(Enumerable.Range(2, 4).Select(s => Text(route.Key, s)), await TakeAsync(records, 4));
    }

    [RabbitFact]
    public async Task Records_of_one_frame_travel_without_receive_offsets()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var options = PublisherOptions(broker.Endpoint) with { MaxRecordsPerMessage = 64 };
        var route = new RecordRoute(Tr, "0001", 0, "run-u");
        await using var publisher = new RecordPublisher(options, await RabbitTestBroker.DeclareStreamAsync(options, Tr), NullLogger.Instance);
        for (var seq = 1; seq <= 5; seq++) publisher.TryEnqueue(Record(route, seq) with { ReceivedAtMicros = 1_700_000_000_000_000 });
        publisher.Start();
        Assert.True(await publisher.DrainAsync(Long));
        var (headers, _) = Assert.Single(await broker.ReadRawMessagesAsync(Tr, 1));
        Assert.Equal(5, (int)headers[GatewayWire.CountHeader]!);
        Assert.False(headers.ContainsKey(GatewayWire.ReceivedOffsetsHeader));
    }

    [RabbitFact]
    public async Task A_gap_in_sequence_starts_a_new_message_and_a_record_containing_a_newline_goes_alone()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var options = PublisherOptions(broker.Endpoint) with { MaxRecordsPerMessage = 64, PackAcrossKeys = false };
        var route = new RecordRoute(Tr, "0001", 0, "run-b");
        await using var publisher = new RecordPublisher(options, await RabbitTestBroker.DeclareStreamAsync(options, Tr), NullLogger.Instance);
        for (var seq = 1; seq <= 10; seq++) publisher.TryEnqueue(Record(route, seq));
        // 11 and 12 were dropped (a full buffer): 13 starts a new message.
        for (var seq = 13; seq <= 15; seq++) publisher.TryEnqueue(Record(route, seq));
        publisher.TryEnqueue(Record(route, 16, "0001^two\nlines"));
        for (var seq = 17; seq <= 20; seq++) publisher.TryEnqueue(Record(route, seq));
        publisher.Start();
        Assert.True(await publisher.DrainAsync(Long));

        var messages = await broker.ReadMessagesAsync(Tr, 18);
        Assert.Equal([(1L, 10), (13L, 3), (16L, 1), (17L, 4)], messages.Select(m => (m.Seq, m.Count)));
        Assert.Equal("0001^two\nlines", Encoding.UTF8.GetString(messages[2].Body));
        Assert.Equal(string.Join('\n', Enumerable.Range(13, 3).Select(s => Text("0001", s))), Encoding.UTF8.GetString(messages[1].Body));
    }

    [RabbitFact]
    public async Task One_record_per_message_when_configured_so_is_the_format_without_count()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var options = PublisherOptions(broker.Endpoint) with { MaxRecordsPerMessage = 1 };
        var route = new RecordRoute(Tr, "0001", 0, "run-c");
        await using var publisher = new RecordPublisher(options, await RabbitTestBroker.DeclareStreamAsync(options, Tr), NullLogger.Instance);
        for (var seq = 1; seq <= 20; seq++) publisher.TryEnqueue(Record(route, seq));
        publisher.Start();
        Assert.True(await publisher.DrainAsync(Long));
        var messages = await broker.ReadMessagesAsync(Tr, 20);
        Assert.Equal(Enumerable.Range(1, 20).Select(s => ((long)s, 1, Text("0001", s))),
            messages.Select(m => (m.Seq, m.Count, Encoding.UTF8.GetString(m.Body))));
    }

    [RabbitFact]
    public Task A_slow_subscription_moving_to_its_own_reader_in_the_middle_of_a_message_gets_neither_a_gap_nor_a_repeat() =>
        SlowSubscriptionMovesAsync(packAcrossKeys: false);

    [RabbitFact]
    public Task A_slow_subscription_moving_to_its_own_reader_in_the_middle_of_a_message_of_several_keys_gets_neither_a_gap_nor_a_repeat() =>
        SlowSubscriptionMovesAsync(packAcrossKeys: true);

    private static async Task SlowSubscriptionMovesAsync(bool packAcrossKeys)
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var proxy = new CuttableProxy(broker.Endpoint.AmqpUri);
        var options = PublisherOptions(broker.Endpoint with { AmqpUri = proxy.Rewrite(broker.Endpoint.AmqpUri) }) with
        {
            MaxRecordsPerMessage = 64, PackAcrossKeys = packAcrossKeys,
        };
        var slowRoute = new RecordRoute(Tr, "0001", 0, "run-d");
        var fastRoute = new RecordRoute(Tr, "0002", 0, "run-d");
        await using var publisher = new RecordPublisher(options, await RabbitTestBroker.DeclareStreamAsync(options, Tr), NullLogger.Instance);
        publisher.Start();
        await using var requests = await AnsweringRequests.StartAsync(broker.Endpoint);
        await using var consumer = Consumer(broker, capacity: 4);
        using var stop = new CancellationTokenSource(Long);

        // Both live on one shared reader, each with its first record (so both are attached).
        await using var slow = consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, slowRoute.Key, GatewayStart.Live, stop.Token).GetAsyncEnumerator();
        await using var fast = consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, fastRoute.Key, GatewayStart.Live, stop.Token).GetAsyncEnumerator();
        var slowFirst = slow.MoveNextAsync().AsTask();
        var fastFirst = fast.MoveNextAsync().AsTask();
        await UntilAsync(() => consumer.OpenReaders == 1 && requests.Subscribed >= 2, "both subscriptions attached and claimed");
        publisher.TryEnqueue(Record(slowRoute, 1));
        publisher.TryEnqueue(Record(fastRoute, 1));
        Assert.True(await slowFirst && await fastFirst);
        await UntilAsync(() => publisher.Confirmed == 2, "the first records confirmed (the cut must not resend them)");

        // A burst while the publisher is cut off: it is packed into messages of 64 when the broker is back.
        await proxy.CutAsync();
        await UntilAsync(() => !publisher.Connected, "the publisher noticing the cut");
        const int PerKey = 200;
        if (packAcrossKeys)
        {
            // Interleaved: messages of both keys, the slow one's 6th record inside the first.
            for (var seq = 2; seq <= PerKey; seq++)
                foreach (var route in new[] { slowRoute, fastRoute }) publisher.TryEnqueue(Record(route, seq));
        }
        else
        {
            for (var seq = 2; seq <= PerKey; seq++) publisher.TryEnqueue(Record(slowRoute, seq));
            for (var seq = 2; seq <= PerKey; seq++) publisher.TryEnqueue(Record(fastRoute, seq));
        }
        proxy.Resume();

        // The slow one is not read: its buffer of 4 fills at its 6th record, inside the message of its records 2 … 65.
        Assert.Equal(Enumerable.Range(2, PerKey - 1).Select(s => Text(fastRoute.Key, s)), await TakeAsync(fast, PerKey - 1));
        await UntilAsync(() => consumer.OpenReaders == 2, "the slow subscription on a reader of its own");
        var messages = await broker.ReadMessagesAsync(Tr, 2 * PerKey);
        var slowMessage = packAcrossKeys ? (Func<string, bool>)(k => k.StartsWith("0001,0002,", StringComparison.Ordinal)) : k => k == slowRoute.Key;
        Assert.Contains(messages, m => slowMessage(m.Key) && m.Seq == 2 && m.Count > 12);

        Assert.Equal(Enumerable.Range(2, PerKey - 1).Select(s => Text(slowRoute.Key, s)), await TakeAsync(slow, PerKey - 1));
        Assert.Equal(0, consumer.DuplicatesDropped);
    }

    [RabbitFact]
    public Task Messages_unconfirmed_when_the_broker_is_lost_are_published_again_and_consumers_see_each_record_once() =>
        RepublishedOnceEachAsync(packAcrossKeys: false);

    [RabbitFact]
    public Task Messages_of_several_keys_unconfirmed_when_the_broker_is_lost_are_published_again_and_consumers_see_each_record_once() =>
        RepublishedOnceEachAsync(packAcrossKeys: true);

    private static async Task RepublishedOnceEachAsync(bool packAcrossKeys)
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var proxy = new CuttableProxy(broker.Endpoint.AmqpUri);
        var options = PublisherOptions(broker.Endpoint with { AmqpUri = proxy.Rewrite(broker.Endpoint.AmqpUri) }) with
        {
            MaxRecordsPerMessage = 64, PackAcrossKeys = packAcrossKeys,
        };
        var routes = new[] { "0001", "0002" }.Select(k => new RecordRoute(Tr, k, 0, "run-e")).ToArray();
        await using var publisher = new RecordPublisher(options, await RabbitTestBroker.DeclareStreamAsync(options, Tr), NullLogger.Instance);
        publisher.Start();
        await UntilAsync(() => publisher.Connected, "the publisher connected");

        // The broker stores what is published but its confirms are held back: every message stays unconfirmed.
        proxy.HoldReplies();
        const int PerKey = 1000;
        for (var seq = 1; seq <= PerKey; seq++)
            foreach (var route in routes) publisher.TryEnqueue(Record(route, seq));
        await UntilAsync(() => publisher.Published == 2 * PerKey, "every record published");
        var stored = await broker.ReadMessagesAsync(Tr, 2 * PerKey);
        Assert.Contains(stored, m => m.Count > 1 && m.Key.Contains(',') == packAcrossKeys);
        Assert.Equal(0, publisher.Confirmed);

        await proxy.CutAsync();
        await UntilAsync(() => !publisher.Connected, "the publisher noticing the cut");
        proxy.Resume();
        Assert.True(await publisher.DrainAsync(Long));
        Assert.Equal(2 * PerKey, publisher.Republished);
        Assert.Equal(2 * PerKey, publisher.Confirmed);

        // On the stream every record twice: the same messages again, in order.
        var twice = await broker.ReadMessagesAsync(Tr, 4 * PerKey);
        Assert.Equal(stored.Select(m => (m.Key, m.Seq, m.Count)), twice.Skip(stored.Count).Select(m => (m.Key, m.Seq, m.Count)));

        await using var requests = await AnsweringRequests.StartAsync(broker.Endpoint);
        await using var consumer = Consumer(broker);
        using var stop = new CancellationTokenSource(Long);
        var readers = routes.Select(route => consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, route.Key, GatewayStart.First,
            stop.Token).GetAsyncEnumerator()).ToList();
        try
        {
            foreach (var (route, records) in routes.Zip(readers))
                Assert.Equal(Enumerable.Range(1, PerKey).Select(s => Text(route.Key, s)), await TakeAsync(records, PerKey));
            // Each key's reader reads the whole stream: once it has dropped every repeat, nothing more was taken as new.
            await UntilAsync(() => consumer.DuplicatesDropped == 2 * PerKey, "every repeat dropped");
            Assert.Equal(2 * PerKey, Interlocked.Read(ref consumer.Counters.RecordsReceived));
        }
        finally
        {
            foreach (var records in readers) await records.DisposeAsync();
        }
    }
}
