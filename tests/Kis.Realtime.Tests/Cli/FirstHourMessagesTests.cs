using Kis.Realtime.Simulator.Rules;
using System.Text;
using Kis.Realtime.Cli;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Tests.Client;
using static Kis.Realtime.Tests.Cli.CliTestKit;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>Issue 59 (4, 5): messages that say what is wrong and where to look, from a newcomer's first hour.</summary>
public sealed class FirstHourMessagesTests
{
    private static async Task<(int Exit, string Out, string Err)> KisrtAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await KisrtApp.RunAsync(args, stdout, stderr).WaitAsync(CliTimeout);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task An_unknown_command_is_named_as_one_with_the_commands_there_are()
    {
        var (exit, _, errors) = await KisrtAsync("foo");
        Assert.Equal(2, exit);
        var lines = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd()).ToList();
        Assert.StartsWith("kisrt: unknown command 'foo'; the commands are decode, sim, stream,", lines[0]);
        Assert.DoesNotContain("Required command was not provided", errors);
        Assert.Equal("kisrt: see 'kisrt --help'.", lines[^1]);
    }

    [Theory]
    [InlineData("kisrt order cancel", "order", "cancel")]
    [InlineData("kisrt order place", "order", "place", "--code", "005930")]
    [InlineData("kisrt backtest", "backtest")]
    public async Task A_missing_option_points_to_its_subcommands_help(string command, params string[] args)
    {
        var (exit, _, errors) = await KisrtAsync(args);
        Assert.Equal(2, exit);
        Assert.Contains("is required", errors);
        Assert.Equal($"kisrt: see '{command} --help'.", errors.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1].TrimEnd());
    }

    [Fact]
    public async Task Order_list_only_reads_and_offers_no_yes()
    {
        var (_, list, _) = await KisrtAsync("order", "list", "--help");
        Assert.Contains("--filter", list);
        Assert.DoesNotContain("--yes", list);
        var (_, place, _) = await KisrtAsync("order", "place", "--help");
        Assert.Contains("--yes", place);
    }

    [Fact]
    public async Task Bars_over_a_folder_that_is_no_recording_exits_2_as_backtest_and_export_do()
    {
        // Issue 76 (8): a folder that is no recording is a usage error for every command that reads one.
        var folder = EmptyDirectory();
        await File.WriteAllTextAsync(Path.Combine(folder, "README.md"), "# not a recording\n");
        var stderr = new StringWriter();
        var exit = await KisrtApp.GuardAsync(() => BarsCommand.RunAsync(new ConnectionArgs { Subscriptions = ["stock:005930"] },
            new BarsArgs { Replay = folder, Format = "csv" }, Env(), new StringWriter(), stderr, default), stderr).WaitAsync(CliTimeout);
        Assert.True(exit == 2, $"exit {exit}: {stderr}");
        Assert.Contains("is not a `kisrt record --out` folder", stderr.ToString());
        Assert.Contains("README.md", stderr.ToString());

        var export = await KisrtAsync("export", "--replay", folder, "--out", Path.Combine(EmptyDirectory(), "out"));
        Assert.Equal(2, export.Exit);
        var backtest = await KisrtAsync("backtest", "--replay", folder, "--out", Path.Combine(EmptyDirectory(), "bt"));
        Assert.Equal(2, backtest.Exit);
    }

    [Fact]
    public async Task Stream_ended_by_its_reader_raises_no_false_no_records_alarm()
    {
        // The five default subscriptions at the demo pace: when `head -1` takes its line, the others may not have sent yet.
        using var kisrt = ClosedOutputTests.StartKisrt("stream", "--format", "jsonl", "--duration", "120s");
        try
        {
            var errors = kisrt.StandardError.ReadToEndAsync();
            Assert.StartsWith("{", await kisrt.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)));
            kisrt.StandardOutput.Close();
            await kisrt.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            var text = await errors;
            Assert.Contains("standard output was closed by its reader", text);
            Assert.DoesNotContain("no records for", text);
        }
        finally
        {
            if (!kisrt.HasExited) kisrt.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public void Decode_of_json_lines_points_to_the_raw_log()
    {
        var jsonl = "{\"tr_id\":\"H0STCNT0\",\"key\":\"005930\"}\n{\"tr_id\":\"H0STCNT0\",\"key\":\"005930\"}\n";
        var errors = new StringWriter();
        var exit = DecodeCommand.Run(new MemoryStream(Encoding.UTF8.GetBytes(jsonl)), new MemoryStream(), errors);
        Assert.Equal(1, exit);
        Assert.Contains("2 of 2 lines could not be decoded", errors.ToString());
        Assert.Contains("raw.log", errors.ToString());
    }

    [Fact]
    public async Task Record_into_an_unreachable_postgres_names_the_option()
    {
        using var closed = new RefusingPort();
        var port = closed.Port;
        var stderr = new StringWriter();
        var settings = new RecordSettings(Count: 5, Postgres: $"Host=127.0.0.1;Port={port};Username=kisrt;Password=pw-never-shown;Database=kisrt;Timeout=3");
        var exit = await KisrtApp.GuardAsync(() => RecordCommand.RunAsync(FastSimulator("index:0001"), null, settings, Env(), stderr, default), stderr)
            .WaitAsync(CliTimeout);
        Assert.Equal(3, exit);
        Assert.Contains($"kisrt: --postgres: could not use PostgreSQL at 127.0.0.1:{port}/kisrt: ", stderr.ToString());
        Assert.DoesNotContain("pw-never-shown", stderr.ToString());
    }

    [Fact]
    public async Task Cancelling_an_amended_original_names_the_amendments_number()
    {
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false });
        var url = sim.RestBaseUrl.ToString();
        async Task<(int Exit, string Out, string Err)> OrderAsync(string action, OrderArgs args)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var exit = await KisrtApp.GuardAsync(() => OrderRun.RunAsync(action, new OrderTarget { RestUrl = url }, args, Env(), new StringReader(""),
                stdout, stderr, CancellationToken.None), stderr).WaitAsync(CliTimeout);
            return (exit, stdout.ToString(), stderr.ToString());
        }

        var price = KrxRules.RoundDownToStockTick(new InstrumentMaster(sim.Options.Seed).Stock("005930").Price * 7 / 10); // rests
        var resting = await OrderAsync("place", new OrderArgs { Code = "005930", Side = "buy", Quantity = 2, Price = price });
        Assert.True(resting.Exit == 0, resting.Out + resting.Err);
        var original = resting.Out.Split(' ')[1];
        var amended = await OrderAsync("amend", new OrderArgs { OrderNumber = original, Price = price + KrxRules.StockTick(price) });
        Assert.True(amended.Exit == 0, amended.Out + amended.Err);
        var amendment = amended.Out.Split(' ')[1];

        var cancel = await OrderAsync("cancel", new OrderArgs { OrderNumber = original });
        Assert.Equal(1, cancel.Exit);
        Assert.Contains("APBK0917", cancel.Out);
        Assert.Contains($"it was amended, and its remainder is order {amendment} now", cancel.Out);
    }

    [Fact]
    public void Sim_list_prints_every_instrument_the_simulator_serves()
    {
        var output = new StringWriter();
        SimCommand.WriteListing(seed: 1, output);
        var rows = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        var stocks = rows.Where(r => r[0] == "stock").Select(r => r[1]).ToList();
        Assert.Equal(49, stocks.Count);
        Assert.All(stocks, code => Assert.True(InstrumentMaster.IsListedStock(code), code));
        Assert.Contains(rows, r => r[0] == "stock" && r[1] == "005930" && r[2] == "삼성전자");
        Assert.Contains(rows, r => r[0] == "index" && r[1] == "0001" && r[2] == "KOSPI");
        Assert.Contains(rows, r => r[0] == "bond" && r[1] == "KR103502GD31");
    }
}
