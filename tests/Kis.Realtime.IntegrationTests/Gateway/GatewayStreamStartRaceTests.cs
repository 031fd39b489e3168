using Kis.Realtime.Gateway;
using Kis.Realtime.Gateway.Internal;
using RabbitMQ.Client;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// RabbitMQ 3.10's stream-start race (issue 61): a stream's second declarer gets declare-ok as soon as the queue record
/// exists, before the first declarer's stream has a writer; a publish routed to it then closes the publisher's channel
/// (<c>osiris_writer,write</c> on <c>none</c>) or its connection ("Stream not found"), an error in the broker's log. A
/// fleet's shards declare the same TR streams at once; their declarations take turns (<c>{ns}.stream-declare</c>), so
/// a declare-ok always means a stream with a writer.
/// </summary>
[Collection(nameof(Cli.RecordKillTests))] // alone: it counts the broker log's guest logins, which parallel tests would add to
public class GatewayStreamStartRaceTests
{
    private const int Shards = 8;
    private const int Streams = 6;

    [RabbitFact]
    public async Task Shards_declaring_the_same_new_streams_at_once_publish_to_them_at_once_without_a_broker_error()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var log = BrokerLog.FromNow();
        var trs = Kis.Realtime.KisTrs.All.Take(Streams).Select(t => t.Id).ToList();
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var shards = Enumerable.Range(0, Shards).Select(shard => Task.Run(async () =>
        {
            var name = shard.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var options = KisGatewayOptions.Default with { Endpoint = broker.Endpoint with { Shard = name } };
            var topology = new StreamTopology(options);
            await using var connection = await options.Endpoint.CreateFactory("kisrt-gateway-publisher").CreateConnectionAsync();
            await using var admin = await connection.CreateChannelAsync();
            var confirmed = new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true);
            await using var publisher = await connection.CreateChannelAsync(confirmed);
            await go.Task;
            var failures = new List<string>();
            foreach (var tr in trs)
            {
                try
                {
                    // As a shard does: its stream declared when its first registration starts, its records published at once.
                    await topology.DeclareStreamAsync(connection, admin, tr, CancellationToken.None);
                    await publisher.BasicPublishAsync(options.Endpoint.Exchange, tr + ".K" + shard, mandatory: false, new BasicProperties(), new byte[] { 1 });
                }
                catch (Exception e)
                {
                    failures.Add($"shard {shard} {tr}: {e.GetType().Name} {e.Message}");
                    break; // the channel or connection is gone
                }
            }
            return failures;
        })).ToList();
        go.SetResult();
        var failed = (await Task.WhenAll(shards)).SelectMany(f => f).ToList();

        await using (var reader = await broker.Endpoint.CreateFactory("kisrt-tests").CreateConnectionAsync()) { }
        await log.UntilAuthenticatedAsync(new Uri(RabbitTestBroker.GuestUri).UserInfo.Split(':')[0], Shards + 1, TimeSpan.FromSeconds(30));
        var errors = log.Lines()
            .Where(l => l.Contains("[error]", StringComparison.Ordinal) && l.Contains(broker.Endpoint.Namespace, StringComparison.Ordinal)).ToList();
        Assert.True(failed.Count == 0 && errors.Count == 0,
            $"{failed.Count} publishers failed, {errors.Count} broker error lines:\n{string.Join('\n', failed)}\n{string.Join('\n', errors.Take(20))}");
        // Every shard's record reached every stream: each declaration made the stream and its binding before the publish.
        foreach (var tr in trs) Assert.Equal(Shards, (await broker.ReadRawMessagesAsync(tr, Shards)).Count);
    }
}
