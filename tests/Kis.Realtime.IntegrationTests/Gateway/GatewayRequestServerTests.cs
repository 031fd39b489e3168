using System.Diagnostics;
using System.Text.RegularExpressions;
using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Gateway.Wire;
using Kis.Realtime.Tests.Cli;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Client;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using static Kis.Realtime.Tests.Cli.CliTestKit;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>The request server against a hostile or unlucky deployment (issue 30): oversized requests, a deleted
/// request queue, subscribes that wait for KIS.</summary>
[Collection(SecureBrokerCollection.Name)]
public partial class GatewayRequestServerTests(SecureBroker users)
{
    [RabbitFact]
    public async Task Requests_of_65_and_200_MiB_never_cut_off_other_consumers()
    {
        await using var cleanup = RabbitTestBroker.For(users.Namespace);
        // An older gateway's request queue, declared without the byte bound: the gateway replaces it.
        await using (var old = await users.EndpointOf(users.GatewayUser).CreateFactory("kisrt-tests-old-gateway").CreateConnectionAsync())
        await using (var channel = await old.CreateChannelAsync())
            await channel.QueueDeclareAsync(users.EndpointOf(users.GatewayUser).RequestQueue, false, false, false);
        var log = new CapturingLoggerProvider();
        using var loggers = new LoggerFactory([log]);
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(10) });
        await using var gateway = await KisGateway.StartAsync(GatewaySecurityTests.GatewayOptions(sim, users)
            with { LoggerFactory = loggers, MaxRequestsPerSecondPerUser = 100_000 });
        await using var alice = await RawRequester.ConnectAsync(users.EndpointOf(users.Alice));
        Assert.True((await alice.AskAsync(new GatewayRequest("subscribe", "H0UPCNT0", "0001", "trader"), users.Alice)).Ok);
        Assert.Contains(log.Lines, l => l.Contains("declared without", StringComparison.Ordinal));
        var connects = log.Lines.Count(l => l.Contains("Taking requests on", StringComparison.Ordinal));

        // Alice renews back to back all along (no rate limit in the way); every renewal is answered within 2 s.
        using var stop = new CancellationTokenSource();
        var slowest = TimeSpan.Zero;
        var renewals = Task.Run(async () =>
        {
            var renewed = 0;
            while (!stop.IsCancellationRequested)
            {
                var watch = Stopwatch.StartNew();
                var reply = await alice.AskAsync(new GatewayRequest("renew", Consumer: "trader"), users.Alice);
                Assert.True(reply.Ok, reply.Error + " " + reply.Message);
                if (watch.Elapsed > slowest) slowest = watch.Elapsed;
                renewed++;
            }
            return renewed;
        });

        // Sent over a bare socket from a small buffer: the test process (the gateway's) never holds the bodies itself.
        var outcomes = new List<string>();
        var mallory = users.EndpointOf(users.Mallory);
        await using var replies = await RawRequester.ConnectAsync(mallory);
        foreach (var mebibytes in new[] { 65, 200 })
        {
            // Either the broker closes the publisher's channel (over max_message_size: 406) or the request queue's byte
            // bound drops the message (0: taken, never delivered); the gateway never reads it.
            var closed = await HugePublisher.PublishAsync(mallory.AmqpUri, mallory.RequestExchange, mallory.RequestQueue, replies.ReplyQueue, users.Mallory,
                (long)mebibytes << 20);
            outcomes.Add($"{mebibytes} MiB: " + (closed == 0 ? "taken by the broker, dropped by the queue bound" : $"channel closed by the broker ({closed})"));
            Assert.True(closed is 0 or 406, outcomes[^1]);
            Assert.True(RawRequester.Reply(await replies.AskRawAsync(GatewayJson.Serialize(new GatewayRequest("status")), users.Mallory)).Ok);
        }
        stop.Cancel();
        var renewedCount = await renewals;
        var figures = $"{string.Join("; ", outcomes)}; {renewedCount} renewals, slowest {slowest.TotalMilliseconds:0} ms";
        Assert.True(slowest < TimeSpan.FromSeconds(2), figures);
        Assert.Equal(connects, log.Lines.Count(l => l.Contains("Taking requests on", StringComparison.Ordinal)));
        Assert.True((await alice.AskAsync(new GatewayRequest("renew", Consumer: "trader"), users.Alice)).Ok);
        Console.WriteLine(figures);
    }

    [RabbitFact]
    public async Task A_deleted_request_queue_is_declared_again_and_requests_answered_within_10_s()
    {
        await using var cleanup = RabbitTestBroker.For(users.Namespace);
        var log = new CapturingLoggerProvider();
        using var loggers = new LoggerFactory([log]);
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(10) });
        await using var gateway = await KisGateway.StartAsync(GatewaySecurityTests.GatewayOptions(sim, users) with { LoggerFactory = loggers });
        await using var alice = await RawRequester.ConnectAsync(users.EndpointOf(users.Alice));
        var status = GatewayJson.Serialize(new GatewayRequest("status"));
        Assert.True(RawRequester.Reply(await alice.AskRawAsync(status, users.Alice)).Ok);

        // An operator (or a script gone wrong) deletes the request queue over another connection.
        await using (var admin = await new ConnectionFactory { Uri = new Uri(RabbitTestBroker.GuestUri) }.CreateConnectionAsync())
        await using (var channel = await admin.CreateChannelAsync())
            await channel.QueueDeleteAsync(users.EndpointOf(users.Alice).RequestQueue, false, false);

        // A request published while no queue is bound is dropped by the broker: ask again until one is answered.
        var watch = Stopwatch.StartNew();
        var answered = false;
        while (!answered && watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            try { answered = RawRequester.Reply(await alice.AskRawAsync(status, users.Alice, timeout: TimeSpan.FromSeconds(1))).Ok; }
            catch (TimeoutException) { }
        }
        Assert.True(answered, $"no answer {watch.Elapsed.TotalSeconds:0.0} s after the request queue was deleted");
        Assert.Contains(log.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("cancelled", StringComparison.Ordinal));
        Console.WriteLine($"requests answered again {watch.Elapsed.TotalMilliseconds:0} ms after the request queue was deleted");
    }

    [RabbitFact]
    public async Task Renewals_and_status_are_answered_while_more_subscribes_than_the_prefetch_window_wait_for_KIS()
    {
        await using var cleanup = RabbitTestBroker.For(users.Namespace);
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(10) });
        var options = GatewaySecurityTests.GatewayOptions(sim, users);
        // KIS's answers are held below far longer than the test takes, so every subscribe stays pending until Unstall.
        await using var gateway = await KisGateway.StartAsync(options with { Client = options.Client with { RequestTimeout = TimeSpan.FromMinutes(2) } });
        await using var alice = await RawRequester.ConnectAsync(users.EndpointOf(users.Alice));
        Assert.True((await alice.AskAsync(new GatewayRequest("subscribe", "H0UPCNT0", "0001", "trader"), users.Alice)).Ok);

        // KIS stops answering (as during the 65 s OPSP8996 retries after a failover); 80 consumers subscribe to a new key:
        // more than the gateway's old prefetch window (64) of requests waiting for KIS.
        await sim.Faults.Stall();
        var subscribes = Enumerable.Range(0, 80)
            .Select(i => alice.AskAsync(new GatewayRequest("subscribe", "H0UPCNT0", "0002", $"slow-{i}"), users.Alice)).ToList();
        // Published after them on the same channel, so queued behind them.
        var watch = Stopwatch.StartNew();
        var renewal = await alice.AskAsync(new GatewayRequest("renew", Consumer: "trader"), users.Alice);
        var status = await alice.AskAsync(new GatewayRequest("status"), users.Alice);
        var answeredIn = watch.Elapsed;
        Assert.True(renewal.Ok);
        Assert.Equal(["H0UPCNT0.0001"], renewal.Held!);
        Assert.True(status.Ok);
        Assert.All(subscribes, s => Assert.False(s.IsCompleted, "a subscribe was answered while KIS held its answer"));

        // Once KIS answers, every waiting subscribe is answered too.
        await sim.Faults.Unstall();
        Assert.All(await Task.WhenAll(subscribes), reply => Assert.True(reply.Ok, reply.Error + " " + reply.Message));
        Console.WriteLine($"renewal and status answered in {answeredIn.TotalMilliseconds:0} ms behind 80 waiting subscribes");
    }

    [GeneratedRegex(@"received (?=\d+, confirmed (\d+))(\d+)")]
    private static partial Regex ConfirmedPattern();

    [RabbitFact]
    public async Task Huge_requests_leave_a_kisrt_gateway_process_within_50_MiB_of_its_memory_and_answering()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var credential = new SimulatorCredential("PSsimGatewayHugeRequestKey".PadRight(36, '0'), SimulatorOptions.DefaultAppSecret,
            SimulatorOptions.DefaultHtsId);
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Credentials = [credential], Pace = MarketPace.PerSecond(10) });
        var endpoint = broker.Endpoint;
        await using var gateway = RecordKillTests.RecorderProcess.StartCommand("gateway", sim, credential, ConfirmedPattern(),
            ["--amqp", endpoint.AmqpUri.ToString(), "--namespace", endpoint.Namespace, "--sub", "index:0001"]);
        await gateway.WaitUntilWrittenAsync(1).WaitAsync(CliTimeout);
        var user = Uri.UnescapeDataString(endpoint.AmqpUri.UserInfo.Split(':')[0]);
        await using var requester = await RawRequester.ConnectAsync(endpoint);
        var status = GatewayJson.Serialize(new GatewayRequest("status"));
        for (var i = 0; i < 20; i++) Assert.True(RawRequester.Reply(await requester.AskRawAsync(status, user)).Ok, gateway.Stderr);
        var before = ResidentMebibytes(gateway.Id);

        // 65 and 200 MiB (the broker refuses or drops them), then ten of 3 MiB: under the request queue's 4 MiB bound, so
        // they reach the gateway, which refuses each by its length.
        var outcomes = new List<int>();
        foreach (var mebibytes in (int[])[65, 200, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3])
        {
            outcomes.Add(await HugePublisher.PublishAsync(endpoint.AmqpUri, endpoint.RequestExchange, endpoint.RequestQueue, requester.ReplyQueue, user,
                (long)mebibytes << 20));
            Assert.True(RawRequester.Reply(await requester.AskRawAsync(status, user)).Ok, gateway.Stderr);
        }
        var reply = GatewayStatusJson.Json.FromElement(RawRequester.Reply(await requester.AskRawAsync(status, user)).Status!.Value)!;
        var after = ResidentMebibytes(gateway.Id);
        var figures = $"kisrt gateway RSS {before} -> {after} MiB; broker answers {string.Join(",", outcomes)} (406: refused at publish); refused " +
            $"{reply.RequestsRefused}";
        Console.WriteLine(figures);
        Assert.All(outcomes, o => Assert.True(o is 0 or 406, figures));
        Assert.True(after - before < 50, figures);
        Assert.True(reply.RequestsRefused >= 10, figures); // the 3 MiB ones, refused by the gateway
        Assert.DoesNotContain("Request connection lost", gateway.Stderr);
    }

    private static long ResidentMebibytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) >> 10;
        throw new InvalidOperationException("no VmRSS in /proc/" + pid + "/status");
    }
}
