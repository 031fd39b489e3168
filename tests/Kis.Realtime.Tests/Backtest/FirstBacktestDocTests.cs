using System.Text.Json;
using System.Text.RegularExpressions;
using Kis.Realtime.Cli;
using Kis.Realtime.Tests.Cli;
using Kis.Realtime.Tests.Packaging;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// Issue 56 (8): docs/backtest.md's two commands, as written, give a backtest with orders and fills from a fresh clone
/// (a newcomer's 20 s recording at the default pace gave <c>orders 0</c> with no word why). Each line is run through
/// kisrt in process (<c>scripts/kisrt.sh</c> is how a clone starts it: NativeKisrtTests runs the script itself); its folders go to a
/// temporary folder.
/// </summary>
public sealed partial class FirstBacktestDocTests
{
    [GeneratedRegex(@"<!-- commands: first-backtest -->\n```bash\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex Block();

    [Fact]
    public async Task The_two_commands_of_the_backtest_page_give_a_backtest_with_orders_and_fills()
    {
        var page = File.ReadAllText(Path.Combine(ReadmeSamples.RepositoryRoot(), "docs", "backtest.md")).ReplaceLineEndings("\n");
        var lines = Block().Match(page).Groups["code"].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        const string Launcher = "scripts/kisrt.sh ";
        var work = CliTestKit.EmptyDirectory();
        string Here(string folder) => Path.Combine(work, folder); // the page's relative folders, under the test's own
        foreach (var line in lines)
        {
            Assert.StartsWith(Launcher, line, StringComparison.Ordinal);
            var args = line[Launcher.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (var i = 1; i < args.Length; i++)
                if (args[i - 1] is "--out" or "--replay") args[i] = Here(args[i]);
            var stderr = new StringWriter();
            var exit = await KisrtApp.RunAsync(args, new StringWriter(), stderr).WaitAsync(TimeSpan.FromMinutes(2));
            Assert.True(exit == 0, $"`{line}`: exit {exit}: {stderr}");
        }

        using var summary = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(Here("backtest"), "summary.json")));
        var calls = summary.RootElement.GetProperty("calls").GetInt32();
        var fills = summary.RootElement.GetProperty("fills").GetInt32();
        Assert.True(calls > 0 && fills > 0, $"orders {calls}, fills {fills}: the page's commands must give a backtest that trades");
    }

    [Fact]
    public async Task A_recording_too_short_for_the_strategy_says_why_it_sent_no_order()
    {
        var dir = BacktestRecording.Write(CliTestKit.EmptyDirectory(), 15);
        var stderr = new StringWriter();
        var exit = await Kis.Realtime.Cli.Commands.BacktestCommand.RunAsync(
            new Kis.Realtime.Cli.Commands.BacktestArgs { Replay = dir, Out = Path.Combine(CliTestKit.EmptyDirectory(), "out") },
            new StringWriter(), stderr, default).WaitAsync(CliTestKit.CliTimeout);

        Assert.True(exit == 0, $"exit {exit}: {stderr}"); // a usable day on which the strategy saw no reason to act
        Assert.Contains("the strategy sent no order over 15 trades of 005930; it waits for 20 trades", stderr.ToString(), StringComparison.Ordinal);
    }
}
