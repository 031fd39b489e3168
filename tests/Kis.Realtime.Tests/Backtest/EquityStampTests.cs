using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// Issue 56 (6): an equity row never shows a fill before it happens. A taker fill happens when its order reaches the
/// venue (the message before it plus the latency); its equity row was stamped at that message, up to the latency early
/// (5 ms at the default latency, up to 0.83 s at 2 s in the runs).
/// </summary>
public sealed class EquityStampTests
{
    /// <summary>Takes the future's touch at every tenth book, buying and selling in turn: marketable orders, taker fills.</summary>
    private static async Task TakeTheTouchAsync(IKisRealtimeClient data, IKisOrderVenue venue, CancellationToken ct)
    {
        var n = 0;
        await foreach (var book in data.SubscribeDerivativesOrderBooksAsync(DerivativesRecording.Future, cancellationToken: ct))
        {
            if (++n % 10 != 0) continue;
            var buy = n % 20 == 0;
            var limit = buy ? book.Asks[0].Price + 0.25m : book.Bids[0].Price - 0.25m;
            await venue.PlaceAsync(KisOrderRequest.FuturesOptions(DerivativesRecording.Future, buy ? OrderSide.Buy : OrderSide.Sell, 1, limit), ct);
        }
    }

    [Theory]
    [InlineData(5)]
    [InlineData(2000)]
    public async Task Every_taker_fill_has_its_equity_row_at_its_own_time_and_the_curve_never_goes_back(int latencyMs)
    {
        var dir = DerivativesRecording.Write(Cli.CliTestKit.EmptyDirectory(), 400);
        var result = await KisBacktest.RunAsync(new KisRecordingFolder(dir), TakeTheTouchAsync,
            new KisBacktestOptions { Latency = TimeSpan.FromMilliseconds(latencyMs) }).WaitAsync(TimeSpan.FromSeconds(120));

        var takers = result.Fills.Where(f => f.Liquidity == "taker").ToList();
        Assert.True(takers.Count >= 10, $"{takers.Count} taker fills of {result.Fills.Count}"); // the case at stake: fills at an order's arrival
        var rowTimes = result.EquityCurve.Select(p => p.Time).ToHashSet();
        var early = takers.Where(f => !rowTimes.Contains(f.Time)).ToList();
        Assert.True(early.Count == 0,
            $"{early.Count} of {takers.Count} taker fills have no equity row at their time, e.g. {early.FirstOrDefault()}; rows near it: " +
            string.Join(", ", early.Take(1).SelectMany(f => result.EquityCurve.Where(p => Math.Abs((p.Time - f.Time).TotalSeconds) < 1))));
        for (var i = 1; i < result.EquityCurve.Count; i++) Assert.True(result.EquityCurve[i].Time >= result.EquityCurve[i - 1].Time, $"row {i} goes back");
    }
}
