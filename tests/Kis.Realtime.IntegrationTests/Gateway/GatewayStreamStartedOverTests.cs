using System.Threading.Channels;
using Kis.Realtime.Gateway.Wire;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Client;
using Microsoft.Extensions.Logging;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// A stream deleted and created again under a reading client (an operator re-creating it with other settings): the
/// broker cancels the consumer and leaves its channel open, and the new stream's offsets start over at 0. The client
/// must attach again and must not take the new stream's records for ones it already had.
/// </summary>
public sealed class GatewayStreamStartedOverTests
{
    [RabbitFact]
    public async Task A_subscription_reads_a_stream_created_again_from_its_first_record()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(200) });
        var options = KisGatewayOptions.Default with { Client = Options(sim), Endpoint = broker.Endpoint };
        await using var gateway = await KisGateway.StartAsync(options);
        await gateway.HoldAsync(KisTrs.IndexTicks, "0001");
        var log = new CapturingLoggerProvider();
        using var loggers = Microsoft.Extensions.Logging.LoggerFactory.Create(
            b => b.AddProvider(log).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Debug));
        await using var client = new KisGatewayClient(KisGatewayClientOptions.Default with
        {
            Endpoint = broker.Endpoint, Start = GatewayStart.First, LoggerFactory = loggers,
        });
        await client.ConnectAsync();

        var received = Channel.CreateUnbounded<KisRecord>();
        using var reading = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var subscription = Task.Run(async () =>
        {
            await foreach (var record in client.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001", reading.Token))
                received.Writer.TryWrite(record);
        });

        // The client reads past the old stream's fifth message: the new stream's first offsets are all at or before its place.
        var old = await broker.ReadRawMessagesAsync(KisTrs.IndexTicks.Id, 5);
        await ReceivedAsync(received, FirstRecordOf(old[^1]), "the old stream's fifth message", log);

        await using (var connection = await broker.Endpoint.CreateFactory("kisrt-tests-operator").CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
            await channel.QueueDeleteAsync(broker.Endpoint.StreamFor(KisTrs.IndexTicks.Id), ifUnused: false, ifEmpty: false);
        await RabbitTestBroker.DeclareStreamAsync(options, KisTrs.IndexTicks.Id);

        // The new stream's first record reaches the subscription (before the fix: nothing more, the consumer cancelled;
        // or, attached again after the old place, every record at an offset the old stream had was skipped).
        var fresh = await broker.ReadRawMessagesAsync(KisTrs.IndexTicks.Id, 1);
        await ReceivedAsync(received, FirstRecordOf(fresh[0]), "the new stream's first record", log);
        Assert.Equal(1, client.StreamsStartedOver);
        Assert.Equal(0, client.SequenceResets);
        Assert.False(subscription.IsCompleted, "the subscription ended");
        await reading.CancelAsync();
    }

    private static (byte[] Data, DateTimeOffset ReceivedAt) FirstRecordOf((IDictionary<string, object?> Headers, byte[] Body) message)
        => (RabbitTestBroker.SplitRecords(message.Body)[0], GatewayWire.FromUnixMicroseconds((long)message.Headers[GatewayWire.ReceivedAtHeader]!));

    private static async Task ReceivedAsync(Channel<KisRecord> received, (byte[] Data, DateTimeOffset ReceivedAt) wanted, string what,
        CapturingLoggerProvider log)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while (true)
            {
                var record = await received.Reader.ReadAsync(timeout.Token);
                if (record.ReceivedAt == wanted.ReceivedAt && record.Data.Span.SequenceEqual(wanted.Data)) return;
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the subscription never delivered {what}; the client logged:\n{string.Join("\n", log.Lines)}");
        }
    }
}
