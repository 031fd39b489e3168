using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Cli.CliTestKit;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Retention changed over streams that exist: RabbitMQ refuses to declare a stream again with other arguments (406
/// PRECONDITION_FAILED, the channel closed). <c>kisrt gateway</c> refuses with one line before it joins the election; a
/// gateway that takes over anyway keeps the streams as they are, never crashes.
/// </summary>
public class GatewayRetentionTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    private static KisGatewayOptions Old(KisSimulator sim, RabbitTestBroker broker) => KisGatewayOptions.Default with
    {
        Client = Options(sim),
        Endpoint = broker.Endpoint,
        Linger = TimeSpan.FromMilliseconds(300),
        StreamMaxSegmentSizeBytes = 1024 * 1024,
        StreamMaxLengthBytes = 64L * 1024 * 1024,
    };

    /// <summary>A first run creates the runs stream and H0UPCNT0's, and leaves a checkpoint that names it.</summary>
    private static async Task FirstRunAsync(KisGatewayOptions options)
    {
        await using var gateway = await KisGateway.StartAsync(options);
        await gateway.HoldAsync(KisTrs.IndexTicks, "0001");
        // Confirmed records make the checkpoint name the key; the final checkpoint carries the claim.
        await UntilAsync(() => gateway.Status().Confirmed > 0, "a confirmed record", Long);
    }

    [RabbitFact]
    public async Task A_gateway_over_streams_of_another_retention_starts_and_publishes()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(100) });
        var old = Old(sim, broker);
        await FirstRunAsync(old);

        // The takeover path: a new run with other retention over those streams (it crashed with 406 on x-max-age).
        var changed = old with { StreamMaxAge = "12h", StreamMaxLengthBytes = 1_000_000_000 };
        await using var gateway = await KisGateway.StartAsync(changed).WaitAsync(Long);
        await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with { Endpoint = broker.Endpoint, Start = GatewayStart.Live });
        await using var ticks = consumer.SubscribeIndexTicksAsync("1001").GetAsyncEnumerator();
        Assert.True(await ticks.MoveNextAsync().AsTask().WaitAsync(Long));
        Assert.Contains(broker.Endpoint.RunsStream, gateway.Status().RetentionKept);
        Assert.Contains(broker.Endpoint.StreamFor("H0UPCNT0"), gateway.Status().RetentionKept);
        Assert.True(gateway.Status().BrokerConnected);
    }

    [RabbitFact]
    public async Task The_check_names_the_streams_of_another_retention_and_kisrt_gateway_refuses_before_the_election()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(100) });
        var old = Old(sim, broker);
        await FirstRunAsync(old);

        Assert.Empty(await KisGateway.CheckRetentionAsync(old));
        var changed = old with { StreamMaxAge = "12h", StreamMaxLengthBytes = 1_000_000_000 };
        var kept = await KisGateway.CheckRetentionAsync(changed);
        Assert.Equal(new[] { broker.Endpoint.RunsStream, broker.Endpoint.StreamFor("H0UPCNT0") }.Order(StringComparer.Ordinal), kept);

        var status = new StringWriter();
        var failure = await Assert.ThrowsAsync<Kis.Realtime.Cli.Configuration.CliUsageException>(() =>
            GatewayCommand.RunAsync(FastSimulator(), changed, TimeSpan.FromSeconds(1), null, Env(), status, CancellationToken.None).WaitAsync(Long));
        Assert.Contains("--max-age", failure.Message);
        Assert.Contains(broker.Endpoint.RunsStream, failure.Message);
        Assert.Contains("policy", failure.Message);
        Assert.DoesNotContain("\n", failure.Message.TrimEnd());
        Assert.DoesNotContain("active", status.ToString());
    }
}
