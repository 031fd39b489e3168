using Kis.Realtime.Tests.Client;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Orders;

/// <summary>
/// Issue 43 (2): KIS's REST limits are kept before sending, per app key: a burst of orders reaches the server at no
/// more than 20 a second (2 on the paper server), counted at the server in every one-second window. On a hand-moved
/// clock: time moves only when every call let through has arrived and the next waits for the window, so the count
/// does not depend on the machine's speed.
/// </summary>
public sealed class OrderRateLimitTests
{
    [Theory]
    [InlineData(KisEnvironment.Real, 100, 20)]
    [InlineData(KisEnvironment.Paper, 10, 2)]
    public async Task A_burst_of_orders_reaches_the_server_at_no_more_than_the_limit_in_any_second(KisEnvironment environment, int orders, int limit)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 1, 0, 0, TimeSpan.Zero)); // 10:00 KST
        await using var server = new ScriptedOrderServer(_ => OrderReaction.Answer, clock);
        using var client = new KisOrderClient(OrderAmbiguityTests.Options(server) with { Environment = environment });
        Assert.Equal(limit, client.RateLimiter.PerSecond);

        var placing = Enumerable.Range(0, orders).Select(i => client.PlaceAsync(KisOrderRequest.Stock("005930", OrderSide.Buy, 1, 70_000 + i * 10))).ToList();
        var steps = 0;
        while (true)
        {
            // Everything let through has arrived and been answered (a slot counts until its answer), and the next caller
            // is waiting for the window (or all are done). Its timer must be pending: a caller whose wait just ended is
            // still counted sleeping until it runs again.
            await UntilAsync(() => placing.All(p => p.IsCompleted)
                || (client.RateLimiter.Sleeping > 0 && clock.NextTimerDue is not null
                    && server.Requests.Count(r => r.Path != "/oauth2/tokenP") == client.RateLimiter.Granted
                    && placing.Count(p => p.IsCompleted) == client.RateLimiter.Granted),
                "the calls let through at the server and the next one waiting");
            if (placing.All(p => p.IsCompleted)) break;
            clock.Advance(clock.NextTimerDue!.Value - clock.GetUtcNow());
            Assert.True(++steps <= orders, "the burst ends");
        }

        var results = await Task.WhenAll(placing);
        Assert.All(results, r => Assert.Equal(KisOrderOutcome.Accepted, r.Outcome));
        Assert.Equal(orders, server.Placed.Select(p => p.Price).Distinct().Count()); // each once
        Assert.Equal(orders, server.OrderCalls);
        var stamps = server.Requests.Where(r => r.Path.EndsWith("/order-cash", StringComparison.Ordinal)).Select(r => r.At).Order().ToList();
        var busiest = stamps.Max(start => stamps.Count(t => t >= start && t < start + TimeSpan.FromSeconds(1)));
        Assert.Equal(limit, busiest); // full windows, never more
        Assert.Equal((orders - 1) / limit, steps);
    }
}

/// <summary>
/// Issue 56 (3): the limits hold at the wire, on the real clock: the calls a server sees, in every sliding second, from a
/// fresh client whose first calls wait for a slow token.
/// </summary>
public sealed class OrderRateAtTheWireTests
{
    private static int Busiest(IEnumerable<DateTimeOffset> arrivals)
    {
        var stamps = arrivals.Order().ToList();
        return stamps.Count == 0 ? 0 : stamps.Max(start => stamps.Count(t => t >= start && t < start + TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task A_burst_of_100_orders_from_a_fresh_client_never_exceeds_20_in_any_second_at_the_server()
    {
        await using var server = new ScriptedOrderServer(_ => OrderReaction.Answer) { TokenDelay = TimeSpan.FromMilliseconds(600) };
        using var client = new KisOrderClient(OrderAmbiguityTests.Options(server) with { TimeProvider = TimeProvider.System });
        Assert.Equal(20, client.RateLimiter.PerSecond);

        var results = await Task.WhenAll(Enumerable.Range(0, 100)
            .Select(i => client.PlaceAsync(KisOrderRequest.Stock("005930", OrderSide.Buy, 1, 70_000 + i * 10)))).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.All(results, r => Assert.Equal(KisOrderOutcome.Accepted, r.Outcome));
        Assert.Equal(100, server.OrderCalls);
        var busiest = Busiest(server.Requests.Where(r => r.Path != "/oauth2/tokenP").Select(r => r.At));
        Assert.True(busiest <= 20, $"{busiest} order calls reached the server within one second");
    }

    [Fact]
    public async Task Token_issues_of_one_app_key_reach_the_server_at_no_more_than_one_a_second()
    {
        await using var server = new ScriptedOrderServer(_ => OrderReaction.Answer) { TokenDelay = TimeSpan.FromMilliseconds(300) };
        var options = OrderAmbiguityTests.Options(server) with { TimeProvider = TimeProvider.System };
        var clients = Enumerable.Range(0, 4).Select(_ => new KisOrderClient(options)).ToList();
        try
        {
            var results = await Task.WhenAll(clients.Select((c, i) => c.PlaceAsync(KisOrderRequest.Stock("005930", OrderSide.Buy, 1, 70_000 + i * 10))))
                .WaitAsync(TimeSpan.FromSeconds(60));
            Assert.All(results, r => Assert.Equal(KisOrderOutcome.Accepted, r.Outcome));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
        Assert.Equal(4, server.Count("/oauth2/tokenP"));
        Assert.Equal(1, Busiest(server.Requests.Where(r => r.Path == "/oauth2/tokenP").Select(r => r.At)));
    }
}

/// <summary>Issue 43 (2): limits and tokens belong to the app key, not to one client object.</summary>
public sealed class OrderAppKeyTests
{
    [Fact]
    public async Task Clients_of_one_app_key_share_its_rate_limit_and_reuse_its_token_from_the_cache_file()
    {
        await using var server = new ScriptedOrderServer(_ => OrderReaction.Answer);
        var cache = Path.Combine(Cli.CliTestKit.EmptyDirectory(), "tokens.json");
        var options = OrderAmbiguityTests.Options(server) with { AccessTokenCacheFile = cache };
        using (var first = new KisOrderClient(options))
        {
            Assert.True((await first.PlaceAsync(KisOrderRequest.Stock("005930", OrderSide.Buy, 1, 70_000))).IsAccepted);
            using var second = new KisOrderClient(options);
            Assert.Same(first.RateLimiter, second.RateLimiter);
            using var otherKey = new KisOrderClient(options with { Credential = options.Credential with { AppKey = options.Credential.AppKey + "2" } });
            Assert.NotSame(first.RateLimiter, otherKey.RateLimiter);
        }
        // A later run: the token of the day comes from the file, not from the token endpoint.
        using var later = new KisOrderClient(options);
        Assert.True((await later.PlaceAsync(KisOrderRequest.Stock("005930", OrderSide.Buy, 1, 69_900))).IsAccepted);
        Assert.Equal((1, 0), (server.Count("/oauth2/tokenP"), later.AccessTokensIssued));
        Assert.Equal(2, server.Placed.Count);
    }
}
