using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Orders;

/// <summary>
/// Issue 56 (2): a lost answer is reconciled on the server's clock (what its answers carry), never this machine's: a
/// simulator on its demo day, a server whose clock is minutes off, stamp orders on their own clock.
/// </summary>
public sealed class OrderServerClockTests
{
    private static readonly KisOrderRequest Buy = KisOrderRequest.Stock("005930", OrderSide.Buy, 10, 70_000);

    [Theory]
    [InlineData(-10)]
    [InlineData(10)]
    public async Task A_lost_answer_is_found_at_a_server_whose_clock_is_minutes_off(int minutesOff)
    {
        await using var server = new ScriptedOrderServer(_ => OrderReaction.PlaceThen500, new OffsetClock(TimeSpan.FromMinutes(minutesOff)));
        using var client = new KisOrderClient(OrderAmbiguityTests.Options(server) with { TimeProvider = TimeProvider.System });

        var result = await client.PlaceAsync(Buy).WaitAsync(TestTimeout);

        Assert.Equal((KisOrderOutcome.Accepted, true, Assert.Single(server.Placed).Number), (result.Outcome, result.Reconciled, result.OrderNumber));
        Assert.Equal(1, server.OrderCalls);
    }

    /// <summary>An identical order placed at the server a minute before ours (another program's) is not taken for ours.</summary>
    [Fact]
    public async Task An_identical_order_placed_earlier_on_the_server_clock_is_not_taken_for_the_lost_one()
    {
        var clock = new OffsetClock(TimeSpan.FromMinutes(-10));
        var script = new[] { OrderReaction.Answer, OrderReaction.Only500 };
        await using var server = new ScriptedOrderServer(call => script[call], clock);
        using (var other = new KisOrderClient(OrderAmbiguityTests.Options(server) with { TimeProvider = TimeProvider.System }))
            Assert.True((await other.PlaceAsync(Buy)).IsAccepted);
        clock.Offset += TimeSpan.FromMinutes(1);
        using var client = new KisOrderClient(OrderAmbiguityTests.Options(server) with { TimeProvider = TimeProvider.System, ReconcileChecks = 1 });

        var result = await client.PlaceAsync(Buy).WaitAsync(TestTimeout);

        Assert.Equal(KisOrderOutcome.Unknown, result.Outcome);
        Assert.Single(server.Placed);
    }

    [Fact]
    public async Task A_lost_answer_is_found_at_the_simulator_on_its_demo_clock()
    {
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false });
        using var losing = new LoseOrderAnswers();
        using var orders = new KisOrderClient(new KisOrderOptions
        {
            Credential = DefaultCredential,
            Account = new KisAccount("50123456", "01"),
            RestBaseUrl = sim.RestBaseUrl,
            HttpHandler = losing,
            ReconcileInterval = TimeSpan.FromMilliseconds(50),
        });
        var power = await orders.GetBuyingPowerAsync(KisProduct.Stock, "005930");
        var low = Math.Floor(power.Price * 0.6m / 1000) * 1000;

        var result = await orders.PlaceAsync(KisOrderRequest.Stock("005930", OrderSide.Buy, 3, low)).WaitAsync(TestTimeout);

        Assert.Equal(1, losing.Lost);
        Assert.True(result.IsAccepted, result.ToString());
        Assert.True(result.Reconciled);
        var listed = Assert.Single(await orders.GetOrdersAsync(KisProduct.Stock));
        Assert.Equal(listed.OrderNumber, result.OrderNumber);
    }

    /// <summary>A clock a fixed offset from this machine's (a server's own).</summary>
    private sealed class OffsetClock(TimeSpan offset) : TimeProvider
    {
        public TimeSpan Offset { get; set; } = offset;
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
    }

    /// <summary>Sends every order call and loses its answer (the connection died after the server took it).</summary>
    private sealed class LoseOrderAnswers() : DelegatingHandler(new SocketsHttpHandler { AllowAutoRedirect = false })
    {
        private int _lost;
        public int Lost => Volatile.Read(ref _lost);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Method != HttpMethod.Post || !request.RequestUri!.AbsolutePath.EndsWith("/order-cash", StringComparison.Ordinal)) return response;
            response.Dispose();
            Interlocked.Increment(ref _lost);
            throw new HttpRequestException(HttpRequestError.ResponseEnded, "the answer was lost (test)");
        }
    }
}
