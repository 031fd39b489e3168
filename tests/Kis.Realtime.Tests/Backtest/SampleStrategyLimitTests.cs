using Kis.Realtime.Samples;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// Issue 56 (4): the sample strategy keeps its <see cref="MeanReversionStrategy.MaxPosition"/> whatever the venue does
/// with its orders. It counted what it asked for, so a refused sell still lowered its running total and it bought again:
/// it ended holding 12 with a limit of 5. It now goes through a <see cref="KisRiskGuard"/> on the notices' position.
/// </summary>
public sealed class SampleStrategyLimitTests
{
    /// <summary>A venue that refuses every sell (as KIS does for a stock the account cannot sell) and passes the rest.</summary>
    private sealed class SellRefusingVenue(IKisOrderVenue venue) : IKisOrderVenue
    {
        public int SellsRefused { get; private set; }
        public KisOrderBook Book => venue.Book;

        public Task<KisOrderResult> PlaceAsync(KisOrderRequest order, CancellationToken cancellationToken = default)
        {
            if (order.Side != OrderSide.Sell) return venue.PlaceAsync(order, cancellationToken);
            SellsRefused++;
            return Task.FromResult(new KisOrderResult
            {
                Outcome = KisOrderOutcome.Refused, Refusal = new KisRefusal("1", "APBK0400", "sell refused by the test's venue", 0), Problem = "refused",
            });
        }

        public Task<KisOrderResult> AmendAsync(KisAmendRequest amend, CancellationToken cancellationToken = default)
            => venue.AmendAsync(amend, cancellationToken);
        public Task<KisOrderResult> CancelAsync(KisCancelRequest cancel, CancellationToken cancellationToken = default)
            => venue.CancelAsync(cancel, cancellationToken);

        public Task<IReadOnlyList<KisOrderRow>> GetOrdersAsync(KisProduct product, KisOrderFilter filter = KisOrderFilter.All, string? code = null,
            CancellationToken cancellationToken = default) => venue.GetOrdersAsync(product, filter, code, cancellationToken);

        public Task<KisBalance> GetBalanceAsync(KisProduct product, CancellationToken cancellationToken = default)
            => venue.GetBalanceAsync(product, cancellationToken);

        public Task<KisBuyingPower> GetBuyingPowerAsync(KisProduct product, string code, OrderSide side = OrderSide.Buy, decimal price = 0,
            CancellationToken cancellationToken = default) => venue.GetBuyingPowerAsync(product, code, side, price, cancellationToken);
    }

    [Fact]
    public async Task Refused_sells_do_not_let_the_sample_strategy_buy_past_its_max_position()
    {
        var dir = BacktestRecording.Write(Cli.CliTestKit.EmptyDirectory(), 1_500);
        var strategy = new MeanReversionStrategy { Cooldown = 3 };
        SellRefusingVenue? refusing = null;
        var result = await KisBacktest.RunAsync(new KisRecordingFolder(dir),
            (data, orders, ct) => strategy.RunAsync(data, refusing = new SellRefusingVenue(orders), ct),
            new KisBacktestOptions { HtsId = SimulatorOptions.DefaultHtsId }).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(refusing!.SellsRefused > 0, "the recording never made the strategy sell: the test proves nothing");
        var held = result.Fills.Sum(f => f.Side == OrderSide.Buy ? f.Quantity : -f.Quantity);
        Assert.True(held > 0, "nothing was bought: the test proves nothing");
        Assert.True(held <= strategy.MaxPosition, $"held {held} with MaxPosition {strategy.MaxPosition}");
        Assert.Equal(held, result.Summary.Instruments.Single().Position);
    }
}
