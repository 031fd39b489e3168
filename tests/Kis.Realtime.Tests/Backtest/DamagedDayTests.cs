using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>Issue 56 (5): a recording whose lines are out of time order is refused, located, never traded as it lies.</summary>
public sealed class DamagedDayTests
{
    [Fact]
    public async Task Lines_out_of_time_order_are_refused_with_their_file_and_line()
    {
        var dir = BacktestRecording.Write(Cli.CliTestKit.EmptyDirectory(), 100);
        var raw = BacktestRecording.RawLog(dir);
        var lines = File.ReadAllLines(raw);
        (lines[40], lines[60]) = (lines[60], lines[40]); // line 41 now holds a later message than lines 42..60
        File.WriteAllLines(raw, lines);

        var e = await Assert.ThrowsAsync<KisBacktestException>(() => KisBacktest.RunAsync(new KisRecordingFolder(dir),
            async (data, orders, ct) => { await foreach (var _ in data.SubscribeStockTradesAsync("005930", cancellationToken: ct)) { } },
            new KisBacktestOptions { HtsId = SimulatorOptions.DefaultHtsId }).WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.Contains($"{Path.Combine("2026-11-23", "raw.log")}:42", e.Message, StringComparison.Ordinal);
        Assert.Contains("out of time order", e.Message, StringComparison.Ordinal);
    }
}
