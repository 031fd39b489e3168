using System.Net;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Orders;

/// <summary>
/// Issue 73 (3): "the kill switch cancels what is in flight when its answer arrives", and so an earlier run's order too.
/// A run's buy reaches <c>kisrt sim</c> but its answer is lost and reconciling cannot read the orders (unknown, left in
/// the order journal), and the program stops. The next run throws the kill switch, then reconciles the journal through
/// the risk guard: the order is found open, and cancelled at once as an in-flight order answered after the kill is.
/// </summary>
public sealed class RiskGuardJournalKillTests
{
    [Fact]
    public async Task An_earlier_runs_order_the_journal_finds_open_while_the_kill_switch_is_on_is_cancelled()
    {
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false });
        using var folder = new OrderJournalTests.JournalFolder();
        KisOrderOptions Options(HttpMessageHandler? handler) => new()
        {
            Credential = DefaultCredential, Account = new KisAccount("50123456", "01"), RestBaseUrl = sim.RestBaseUrl,
            JournalFolder = folder.Path, ReconcileChecks = 1, HttpHandler = handler,
        };
        using (var losing = new LoseOrderAnswersAndInquiries())
        using (var lastRun = new KisOrderClient(Options(losing)))
        {
            var power = await lastRun.GetBuyingPowerAsync(KisProduct.Stock, "005930").WaitAsync(TestTimeout);
            var low = Math.Floor(power.Price * 0.6m / 1000) * 1000; // far under the market: it rests
            var unknown = await lastRun.PlaceAsync(KisOrderRequest.Stock("005930", OrderSide.Buy, 3, low)).WaitAsync(TestTimeout);
            Assert.Equal(KisOrderOutcome.Unknown, unknown.Outcome);
            Assert.Equal(1, losing.Lost);
        }

        using var restarted = new KisOrderClient(Options(null));
        var guard = new KisRiskGuard(restarted, new KisRiskLimits { MaxOpenOrders = 5 });
        Assert.Empty(await guard.KillAsync().WaitAsync(TestTimeout)); // nothing this run knows of is open yet
        var found = Assert.Single(await guard.ReconcileJournalAsync().WaitAsync(TestTimeout));

        Assert.True(found.IsAccepted, found.ToString());
        var rows = await restarted.GetOrdersAsync(KisProduct.Stock).WaitAsync(TestTimeout);
        var order = rows.Single(r => r.OrderNumber == found.OrderNumber);
        Assert.Equal((0L, 3L), (order.RemainingQuantity, order.CancelledQuantity));
        Assert.Single(rows, r => r.OriginalOrderNumber == found.OrderNumber); // its cancel
    }

    /// <summary>Sends every order call and loses its answer (the connection died after the server took it), and answers
    /// every inquiry of today's orders 503 (reconciling cannot tell whether the order exists).</summary>
    private sealed class LoseOrderAnswersAndInquiries() : DelegatingHandler(new SocketsHttpHandler { AllowAutoRedirect = false })
    {
        private int _lost;
        public int Lost => Volatile.Read(ref _lost);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            if (path.EndsWith("/inquire-daily-ccld", StringComparison.Ordinal))
                return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { RequestMessage = request, Content = new StringContent("down (test)") };
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Method != HttpMethod.Post || !path.EndsWith("/order-cash", StringComparison.Ordinal)) return response;
            response.Dispose();
            Interlocked.Increment(ref _lost);
            throw new HttpRequestException(HttpRequestError.ResponseEnded, "the answer was lost (test)");
        }
    }
}
