using Kis.Realtime.Gateway;
using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Simulator;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 61, the fence kept by the broker: each run publishes to an exchange of its own, and a run that follows another
/// deletes the previous run's exchange before it publishes anything. The old run, still alive, is then refused by the
/// broker (404) and, on its next connection, finds its exchange gone and fences itself; a planned stop deletes its own.
/// </summary>
public sealed class GatewayRunExchangeTests
{
    [RabbitFact]
    public async Task A_run_that_follows_another_deletes_its_exchange_and_the_broker_refuses_the_old_runs_publishes()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        SimulatorCredential Key(string name) => new(name.PadRight(36, '0'), SimulatorOptions.DefaultAppSecret, SimulatorOptions.DefaultHtsId);
        var (oldKey, newKey) = (Key("PSsimRunExchangeOld"), Key("PSsimRunExchangeNew"));
        await using var sim = await StartSimAsync(o => o with { Credentials = [oldKey, newKey], Pace = MarketPace.PerSecond(200) });
        KisGatewayOptions With(SimulatorCredential key) => KisGatewayOptions.Default with
        {
            Endpoint = broker.Endpoint,
            Client = Options(sim, new KisCredential(key.AppKey, key.AppSecret)),
            CheckpointInterval = TimeSpan.FromMilliseconds(100),
        };

        await using var old = await KisGateway.StartAsync(With(oldKey));
        await old.HoldAsync(KisTrs.IndexTicks, "0001");
        await UntilAsync(() => old.Status() is { Confirmed: > 0, Checkpoints: > 1 }, "the old run publishing and checkpointed");
        var oldExchange = RunExchange.Name(broker.Endpoint, old.Run);
        Assert.True(await ExistsAsync(broker.Endpoint, oldExchange), "the old run's exchange before the new run");

        // A run that follows it (the old one still running, as a cut-off holder does): the old run's exchange is gone
        // before the new run's first publish, and a publish to it is refused by the broker.
        var next = await KisGateway.StartAsync(With(newKey));
        Assert.Equal(old.Run, next.PreviousRun);
        Assert.False(await ExistsAsync(broker.Endpoint, oldExchange), "the old run's exchange after the new run started");
        Assert.Equal(Constants.NotFound, await PublishRefusedAsync(broker.Endpoint, oldExchange));
        var nextExchange = RunExchange.Name(broker.Endpoint, next.Run);
        Assert.True(await ExistsAsync(broker.Endpoint, nextExchange), "the new run's exchange");

        // The old run's next publish is refused; its publisher reconnects, finds the exchange gone and fences itself.
        await UntilAsync(() => old.Status() is { Fenced: > 0, BrokerConnected: false }, "the old run fenced", TimeSpan.FromSeconds(30));
        await next.HoldAsync(KisTrs.IndexTicks, "0001");
        await UntilAsync(() => next.Status().Confirmed > 0, "the new run publishing");

        // A planned stop ends its own term: its exchange is deleted after its last confirm.
        await next.DisposeAsync();
        Assert.False(await ExistsAsync(broker.Endpoint, nextExchange), "the new run's exchange after its planned stop");
    }

    private static async Task<bool> ExistsAsync(KisGatewayEndpoint endpoint, string exchange)
    {
        await using var connection = await endpoint.CreateFactory("kisrt-tests-run-exchange").CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            await channel.ExchangeDeclarePassiveAsync(exchange);
            return true;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.NotFound)
        {
            return false;
        }
    }

    /// <summary>Publishes one message with a confirm; returns the broker's reply code when it refuses it (0: accepted).</summary>
    internal static async Task<int> PublishRefusedAsync(KisGatewayEndpoint endpoint, string exchange)
    {
        await using var connection = await endpoint.CreateFactory("kisrt-tests-run-exchange").CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true,
            publisherConfirmationTrackingEnabled: true));
        try
        {
            await channel.BasicPublishAsync(exchange, "H0UPCNT0.0001", "late"u8.ToArray()).AsTask().WaitAsync(TestTimeout);
            return 0;
        }
        catch (OperationInterruptedException e) // AlreadyClosedException too
        {
            return e.ShutdownReason?.ReplyCode ?? -1;
        }
    }
}
