using System.Globalization;
using Kis.Realtime.Samples;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Trading.Core;
using Kis.Realtime.Simulator.Trading.Rules;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// Issue 55, done-when 1: the sample strategy (<see cref="MeanReversionStrategy"/>) over one recording as a backtest and
/// on paper through <c>kisrt sim --replay</c> (the simulator replaying the same raw.log; the strategy talks KIS's REST
/// and WebSocket to it, through <see cref="KisOrderClient"/> and <see cref="KisRealtimeClient"/>), both at zero latency:
/// the same orders, fills, costs and profit, field by field. The paper run is stepped (<see cref="SteppedReplay"/>): the
/// replay's clock moves to the next frame only when the strategy is done with the last, which is what a backtest at
/// zero latency does; a free-running replay races the strategy and is no venue comparison.
/// <para>
/// The differences, each by design and asserted below: (1) paper shows cash rounded down to the won
/// (<c>dnca_tot_amt</c>), the backtest keeps it exact; (2) what is left of an order expires at the backtest's end of
/// data (the recording's last record), on paper at KRX's close (15:30), when the market clock gets there; (3) order
/// numbers are each venue's own (matched here by the order the strategy placed them in).
/// </para>
/// </summary>
public sealed class SampleStrategyParityTests
{
    private const string Account = PaperReplayRun.Account;
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task The_sample_strategy_gets_the_same_orders_fills_costs_and_profit_as_a_backtest_and_on_paper_under_replay()
    {
        const int trades = 400;
        var dir = BacktestRecording.Write(Cli.CliTestKit.EmptyDirectory(), trades);
        var backtestStrategy = new MeanReversionStrategy();
        var backtest = await KisBacktest.RunAsync(new KisRecordingFolder(dir), backtestStrategy.RunAsync,
            new KisBacktestOptions { HtsId = SimulatorOptions.DefaultHtsId, Latency = TimeSpan.Zero }).WaitAsync(RunTimeout);

        await using var run = await PaperReplayRun.StartAsync(BacktestRecording.RawLog(dir));
        await run.ServeAllAsync(RunTimeout);
        var (paperStrategy, replay, orders) = (run.Strategy, run.Replay, run.Orders);
        // The day's end: the market clock past KRX's close, what is left of every order expires with its notice.
        replay.AdvanceMarketTo(replay.LastFrameAt.ToOffset(KoreaTime.Offset).Date + new TimeSpan(15, 31, 0));
        var venue = run.Sim.Hub.Venue;
        await SteppedReplay.Until(() => venue.View(Account + "01").Orders.All(o => o.Remaining == 0) && orders.Book.NoticesApplied >= replay.NoticeCount,
            "the day's end");
        await run.StopStrategyAsync();

        // The same trades, the same decisions, the same orders and answers.
        Assert.Equal(trades, paperStrategy.TradesSeen);
        Assert.True(backtestStrategy.Sent.Count >= 5, $"only {backtestStrategy.Sent.Count} orders: no comparison");
        Assert.Equal(backtestStrategy.Signals, paperStrategy.Signals);
        Assert.Equal(backtestStrategy.Sent, paperStrategy.Sent);
        Assert.Equal(backtestStrategy.Results.Select(Answer), paperStrategy.Results.Select(Answer));

        // Each accepted order, by the order it was placed in: its number on each venue.
        var backtestIndex = Numbers(backtestStrategy);
        var paperIndex = Numbers(paperStrategy);

        // Fills, field by field: which order, quantity, price, market time.
        var backtestFills = backtest.Fills.Select(f => (backtestIndex[f.OrderNumber], f.Quantity, f.Price,
            f.Time.ToOffset(KoreaTime.Offset).DateTime)).ToList();
        var paperFills = replay.Notices.Where(n => n.Event.Kind == OrderEventKind.Filled)
            .Select(n => (paperIndex[n.Event.Number.ToString("D10", CultureInfo.InvariantCulture)], n.Event.Quantity, (decimal)n.Event.Price,
                n.Event.At)).ToList();
        Assert.NotEmpty(backtestFills);
        Assert.Equal(backtestFills, paperFills);

        // Orders: filled, cancelled (expired), commission and tax (exact on both: one ledger charges them).
        var view = venue.View(Account + "01");
        var paperOrders = view.Orders.ToDictionary(o => o.Number.ToString("D10", CultureInfo.InvariantCulture));
        foreach (var order in backtest.Orders.Where(o => o.Outcome == "accepted"))
        {
            var paper = paperOrders[paperIndex.Single(p => p.Value == backtestIndex[order.OrderNumber]).Key];
            var fills = backtest.Fills.Where(f => f.OrderNumber == order.OrderNumber).ToList();
            Assert.Equal((order.Quantity, order.Filled, order.Cancelled, fills.Sum(f => f.Commission), fills.Sum(f => f.Tax),
                fills.Sum(f => f.Quantity * f.Price)),
                (paper.Quantity, paper.Filled, paper.Cancelled, paper.Commission, paper.Tax, paper.FilledValue));
        }
        Assert.Equal((backtest.Summary.Commission, backtest.Summary.Tax), (view.Orders.Sum(o => o.Commission), view.Orders.Sum(o => o.Tax)));

        // Position and profit: the same shares at the same exact cost; cash exact in the backtest, rounded down to the
        // won on paper (difference 1), so the profit at the last price is the backtest's rounded down.
        var instrument = Assert.Single(backtest.Summary.Instruments);
        var position = view.Positions.SingleOrDefault(p => p.Code == instrument.Code);
        Assert.Equal(instrument.Position, position.Quantity);
        Assert.Equal((long)decimal.Floor(backtest.Summary.EndingCash), view.Cash);
        var paperProfit = view.Cash + position.Quantity * instrument.LastPrice - PaperAccount.StartingCash;
        Assert.Equal(decimal.Floor(backtest.Summary.NetProfitLoss), paperProfit);
        // The strategies' own books (fed by each venue's notices) agree on the position and the day's profit.
        Assert.Equal(backtestStrategy.Guard!.Position(instrument.Code), paperStrategy.Guard!.Position(instrument.Code));

        // (2): the expiries, stamped at the end of data in the backtest and at KRX's close on paper.
        var expiries = replay.Notices.Where(n => n.Event.Kind == OrderEventKind.Expired).ToList();
        Assert.All(expiries, n => Assert.Equal(new TimeSpan(15, 30, 0), n.Event.At.TimeOfDay));
        Assert.Equal(backtest.Orders.Sum(o => o.Cancelled), expiries.Sum(n => n.Event.Quantity));
    }

    private static (bool, string?) Answer(KisOrderResult r) => (r.IsAccepted, r.Refusal?.MessageCode ?? r.RiskCheck?.ToString());

    /// <summary>Each accepted order's number on its venue → the order's place among the accepted ones.</summary>
    private static Dictionary<string, int> Numbers(MeanReversionStrategy strategy)
        => strategy.Results.Where(r => r.IsAccepted).Select((r, i) => (r.OrderNumber!, i)).ToDictionary(p => p.Item1, p => p.i);
}
