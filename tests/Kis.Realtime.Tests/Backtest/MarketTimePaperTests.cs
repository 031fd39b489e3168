using System.Globalization;
using Kis.Realtime.Samples;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Trading.Core;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// Issue 73, item 5, on paper: <c>kisrt sim --replay</c> takes, refuses and fills orders on the recording's market time
/// (its records' stamps), not on when it was received. The same bytes received at 07:00 or 16:00 KST or on a Sunday
/// afternoon (where every order was refused <c>APBK0918</c>, the market closed by the receive time) give, stepped as
/// <see cref="SampleStrategyParityTests"/> steps them, the answers and fills the backtest of the recording as made gives:
/// each fill's order, quantity, price and market time.
/// </summary>
public sealed class MarketTimePaperTests
{
    private const int Trades = 200;
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);

    [Theory]
    [MemberData(nameof(Receipts))]
    public async Task Paper_under_a_replay_received_at_another_hour_or_day_fills_as_the_backtest_of_the_recording_as_made(string receipt)
    {
        var original = Cli.CliTestKit.EmptyDirectory();
        var rawLog = MarketTimeRecording.WriteShifted(original, Cli.CliTestKit.EmptyDirectory(), Trades, MarketTimeRecording.Parse(receipt));
        var backtestStrategy = new MeanReversionStrategy();
        var backtest = await KisBacktest.RunAsync(new KisRecordingFolder(original), backtestStrategy.RunAsync,
            new KisBacktestOptions { HtsId = SimulatorOptions.DefaultHtsId, Latency = TimeSpan.Zero }).WaitAsync(RunTimeout);

        await using var paper = await PaperReplayRun.StartAsync(rawLog);
        await paper.ServeAllAsync(RunTimeout);
        await paper.StopStrategyAsync();
        var (paperStrategy, replay) = (paper.Strategy, paper.Replay);

        Assert.True(backtestStrategy.Sent.Count >= 5, $"only {backtestStrategy.Sent.Count} orders: no comparison");
        Assert.Equal(Trades, paperStrategy.TradesSeen);
        Assert.Equal(backtestStrategy.Sent, paperStrategy.Sent);
        // Taken as the backtest takes them (before, each was refused APBK0918 outside KRX's hours by the receive time).
        Assert.Equal(backtestStrategy.Results.Select(Answer), paperStrategy.Results.Select(Answer));

        var backtestIndex = Numbers(backtestStrategy);
        var paperIndex = Numbers(paperStrategy);
        var backtestFills = backtest.Fills.Select(f => (backtestIndex[f.OrderNumber], f.Quantity, f.Price, f.Time.ToOffset(KoreaTime.Offset).DateTime))
            .ToList();
        var paperFills = replay.Notices.Where(n => n.Event.Kind == OrderEventKind.Filled)
            .Select(n => (paperIndex[n.Event.Number.ToString("D10", CultureInfo.InvariantCulture)], n.Event.Quantity, (decimal)n.Event.Price,
                n.Event.At)).ToList();
        Assert.NotEmpty(backtestFills);
        Assert.Equal(backtestFills, paperFills);
    }

    public static TheoryData<string> Receipts => MarketTimeRecording.Receipts;

    private static (bool, string?) Answer(KisOrderResult r) => (r.IsAccepted, r.Refusal?.MessageCode ?? r.RiskCheck?.ToString());

    private static Dictionary<string, int> Numbers(MeanReversionStrategy strategy)
        => strategy.Results.Where(r => r.IsAccepted).Select((r, i) => (r.OrderNumber!, i)).ToDictionary(p => p.Item1, p => p.i);
}
