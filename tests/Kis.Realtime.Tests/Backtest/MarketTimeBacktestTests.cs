using Kis.Realtime.Samples;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// Issue 73, item 5: a backtest decides sessions and auctions on the market's time (the records' own stamps), not on
/// when the recording was received. The same bytes received before KRX's pre-open (07:00 KST, where every book counted as
/// a call's and the day traded as one long auction), in the session, after the close and on a Sunday give the
/// backtest of the recording as made, field by field: every order, every fill with its time and liquidity, the summary.
/// </summary>
public sealed class MarketTimeBacktestTests
{
    private const int Trades = 400;
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);

    [Theory]
    [MemberData(nameof(Receipts))]
    public async Task The_same_recording_received_at_another_hour_or_day_gives_the_same_backtest_field_by_field(string receipt)
    {
        var original = Cli.CliTestKit.EmptyDirectory();
        var shifted = Cli.CliTestKit.EmptyDirectory();
        MarketTimeRecording.WriteShifted(original, shifted, Trades, MarketTimeRecording.Parse(receipt));

        var expected = await RunAsync(original);
        var actual = await RunAsync(shifted);

        Assert.True(expected.Fills.Count >= 5, $"only {expected.Fills.Count} fills: no comparison");
        Assert.DoesNotContain(expected.Fills, f => f.Liquidity == "auction"); // 09:00 onwards: the continuous session
        Assert.Equal(expected.Orders, actual.Orders);
        Assert.Equal(expected.Fills, actual.Fills);
        Assert.Equal(expected.Summary with { Instruments = [] }, actual.Summary with { Instruments = [] });
        Assert.Equal(expected.Summary.Instruments, actual.Summary.Instruments);
        Assert.Equal(expected.EquityCurve, actual.EquityCurve);
    }

    public static TheoryData<string> Receipts => MarketTimeRecording.Receipts;

    private static Task<KisBacktestResult> RunAsync(string folder)
        => KisBacktest.RunAsync(new KisRecordingFolder(folder), new MeanReversionStrategy().RunAsync,
            new KisBacktestOptions { HtsId = SimulatorOptions.DefaultHtsId, Latency = TimeSpan.FromMilliseconds(5) }).WaitAsync(RunTimeout);
}
