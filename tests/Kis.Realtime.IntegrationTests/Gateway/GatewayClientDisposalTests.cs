using Kis.Realtime.Gateway;
using Kis.Realtime.Tests.Client;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>Disposing a <see cref="KisGatewayClient"/> while a claim is on its way (issue 22, defect e).</summary>
public sealed class GatewayClientDisposalTests
{
    /// <summary>
    /// The claim reaches the gateway, KIS has not answered yet, and the consumer is disposed (twice, at once): the claim
    /// granted afterwards must still be released, not left to expire with its lease.
    /// </summary>
    [RabbitFact]
    public async Task A_claim_granted_while_the_client_is_disposed_is_released()
    {
        var subscribeSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var kis = ScriptedKisServer.Start(async c =>
        {
            while (await c.ReceiveRequestAsync() is var (trType, trId, trKey))
            {
                if (trType == "1")
                {
                    subscribeSeen.TrySetResult();
                    await answer.Task; // KIS takes its time
                }
                await c.ReplyAsync(trId, trKey, trType == "1" ? "OPSP0000" : "OPSP0001");
            }
        });
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
        {
            Client = ScriptedKisServer.ClientOptions(kis, "scriptedhts"),
            Endpoint = broker.Endpoint,
            Lease = TimeSpan.FromSeconds(60), // an unreleased claim outlives the test
            Linger = TimeSpan.FromSeconds(60),
            StreamMaxSegmentSizeBytes = 1024 * 1024,
            StreamMaxLengthBytes = 16L * 1024 * 1024,
        });
        var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with
        {
            Endpoint = broker.Endpoint,
            ConsumerId = "leaving",
            RequestTimeout = TimeSpan.FromSeconds(10),
        });
        var records = consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001").GetAsyncEnumerator();
        var first = records.MoveNextAsync().AsTask();
        await subscribeSeen.Task.WaitAsync(TestTimeout); // the claim is at the gateway, waiting for KIS

        var disposals = new[] { consumer.DisposeAsync().AsTask(), consumer.DisposeAsync().AsTask() };
        answer.TrySetResult();
        await Task.WhenAll(disposals).WaitAsync(TestTimeout);
        // The enumeration ended with the client (normally, or with the typed error of a closed client): no record.
        var ended = await Record.ExceptionAsync(async () => Assert.False(await first.WaitAsync(TestTimeout)));
        Assert.True(ended is null or ObjectDisposedException or KisConnectionException, $"unexpected end: {ended}");

        await UntilAsync(() => gateway.Status().Registrations is [{ Key: "0001", Consumers: 0 }], "the gateway to drop the consumer's claim",
            TimeSpan.FromSeconds(5));
    }

    /// <summary>
    /// Issue 30 (6a): a client holding 40 keys is disposed while the gateway is gone. Its releases go unanswered; they
    /// were sent one after another, each waiting a whole <c>RequestTimeout</c> (40 keys, 15 s each: 10 minutes). All of
    /// them together are bounded by one.
    /// </summary>
    [RabbitFact]
    public async Task Disposing_a_client_holding_40_keys_with_the_gateway_down_takes_at_most_one_request_timeout()
    {
        await using var kis = ScriptedKisServer.Start(async c =>
        {
            while (await c.ReceiveRequestAsync() is var (trType, trId, trKey))
                await c.ReplyAsync(trId, trKey, trType == "1" ? "OPSP0000" : "OPSP0001");
        });
        await using var broker = await RabbitTestBroker.CreateAsync();
        var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
        {
            Client = ScriptedKisServer.ClientOptions(kis, "scriptedhts"),
            Endpoint = broker.Endpoint,
            MaxRegistrationShare = 1.0, // one consumer holds 40 of the app key's 41
            StreamMaxSegmentSizeBytes = 1024 * 1024,
            StreamMaxLengthBytes = 16L * 1024 * 1024,
        });
        var requestTimeout = TimeSpan.FromSeconds(3);
        var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with
        {
            Endpoint = broker.Endpoint,
            ConsumerId = "holding40",
            RequestTimeout = requestTimeout,
        });
        var keys = Enumerable.Range(1, 40).Select(i => $"{i:0000}").ToArray();
        var enumerators = keys.Select(key => consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, key).GetAsyncEnumerator()).ToArray();
        var pending = enumerators.Select(e => e.MoveNextAsync().AsTask()).ToArray(); // each claims its key
        await UntilAsync(() => consumer.Statistics.Registrations == 40, "the client to hold 40 claims", TimeSpan.FromSeconds(60));
        await gateway.DisposeAsync(); // nobody answers the releases now

        var clock = System.Diagnostics.Stopwatch.StartNew();
        // One timeout, plus closing the readers and the connection (seconds more on a loaded machine): a quarter of the 40
        // timeouts (120 s) that releases sent one after another waited.
        var bound = requestTimeout * 10;
        await consumer.DisposeAsync().AsTask().WaitAsync(bound * 2);
        clock.Stop();
        Assert.True(clock.Elapsed < bound,
            $"disposal took {clock.Elapsed.TotalSeconds:0.0} s; one request timeout is {requestTimeout.TotalSeconds} s");
        foreach (var ended in pending) await Record.ExceptionAsync(() => ended.WaitAsync(TestTimeout));
    }
}
