using Kis.Realtime.Tests.Client;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Orders;

/// <summary>
/// Issue 73 (4): a lost answer is reconciled on the server's clock at the rate it runs (<c>kisrt sim --clock-speed 10</c>,
/// a replay slowed or paused), not as a fixed offset from this machine's. This machine's clock is a test clock and the
/// server's runs at a multiple of it, so every wait is stepped, none slept.
/// </summary>
public sealed class OrderClockRateTests
{
    private static readonly KisOrderRequest Buy = KisOrderRequest.Stock("005930", OrderSide.Buy, 10, 70_000);

    private static KisOrderOptions Options(ScriptedOrderServer server, TimeProvider local) => OrderAmbiguityTests.Options(server) with
    {
        TimeProvider = local, RequestTimeout = TimeSpan.FromSeconds(10), ReconcileChecks = 1,
    };

    /// <summary>The client's first order stalls at a server running 10 times as fast: the timeout (11 s here) is 110 s
    /// there, so the order's stamp is long before "the server's time now less the time since sending" at that rate.</summary>
    [Fact]
    public async Task A_lost_answer_is_found_at_a_server_whose_clock_runs_ten_times_as_fast()
    {
        var local = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 1, 0, 0, TimeSpan.Zero)); // 10:00 KST
        await using var server = new ScriptedOrderServer(_ => OrderReaction.PlaceThenStall, new ScaledClock(local, 10));
        using var client = new KisOrderClient(Options(server, local));

        var placing = client.PlaceAsync(Buy);
        await UntilAsync(() => server.Placed.Count == 1, "the order placed at the server, its answer stalled");
        local.Advance(TimeSpan.FromSeconds(11));
        var result = await placing.WaitAsync(TestTimeout);

        Assert.Equal((KisOrderOutcome.Accepted, true, Assert.Single(server.Placed).Number), (result.Outcome, result.Reconciled, result.OrderNumber));
        Assert.Equal(1, server.OrderCalls);
    }

    /// <summary>A minute after its first order, a second at a server running at half speed: the server's clock moved 30 s,
    /// not the 60 s a fixed offset from this machine's clock says.</summary>
    [Theory]
    [InlineData(0.5)]
    [InlineData(0)] // a replay paused
    public async Task A_lost_answer_is_found_at_a_server_whose_clock_runs_slow(double rate)
    {
        var local = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 1, 0, 0, TimeSpan.Zero));
        var script = new[] { OrderReaction.Answer, OrderReaction.PlaceThen500 };
        await using var server = new ScriptedOrderServer(call => script[call], new ScaledClock(local, rate));
        using var client = new KisOrderClient(Options(server, local));
        Assert.True((await client.PlaceAsync(Buy)).IsAccepted);
        local.Advance(TimeSpan.FromMinutes(1));

        var result = await client.PlaceAsync(Buy with { Price = 69_900 }).WaitAsync(TestTimeout);

        Assert.Equal((KisOrderOutcome.Accepted, true, server.Placed[1].Number), (result.Outcome, result.Reconciled, result.OrderNumber));
        Assert.Equal(2, server.OrderCalls);
    }

    /// <summary>A server's clock running <paramref name="rate"/> times this machine's (a test clock), from the same instant.</summary>
    private sealed class ScaledClock(TimeProvider local, double rate) : TimeProvider
    {
        private readonly DateTimeOffset _start = local.GetUtcNow();

        public override DateTimeOffset GetUtcNow() => _start + (local.GetUtcNow() - _start) * rate;
    }
}
