using Kis.Realtime.Cli;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>Issue 76 (8): usage errors that say the same things the same way in every command.</summary>
public sealed class UsageErrorTests
{
    private static async Task<(int Exit, string Out, string Err)> KisrtAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await KisrtApp.RunAsync(args, stdout, stderr).WaitAsync(CliTimeout);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static List<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd()).ToList();

    [Fact]
    public async Task A_bare_kisrt_lists_its_commands()
    {
        var (exit, _, errors) = await KisrtAsync();
        Assert.Equal(2, exit);
        var lines = Lines(errors);
        Assert.Equal("kisrt: 'kisrt' needs a command: decode, sim, stream, bars, export, record, trs, dashboard, gateway, order, backtest.", lines[0]);
        Assert.DoesNotContain("Required command was not provided", errors);
        Assert.Equal("kisrt: see 'kisrt --help'.", lines[^1]);
    }

    [Fact]
    public async Task A_bare_kisrt_order_lists_its_commands()
    {
        var (exit, _, errors) = await KisrtAsync("order");
        Assert.Equal(2, exit);
        var lines = Lines(errors);
        Assert.Equal("kisrt: 'kisrt order' needs a command: place, amend, cancel, list, kill, resume.", lines[0]);
        Assert.Equal(["kisrt: see 'kisrt order --help'."], lines.Skip(1));
    }

    [Fact]
    public async Task An_unknown_subcommand_is_named_with_its_commands_and_a_suggestion()
    {
        var (exit, _, errors) = await KisrtAsync("order", "plase");
        Assert.Equal(2, exit);
        var lines = Lines(errors);
        Assert.Equal("kisrt: unknown command 'plase' (did you mean place?); the commands of 'kisrt order' are place, amend, cancel, list, kill, resume.",
            lines[0]);
        Assert.DoesNotContain("Required command was not provided", errors);
        Assert.Equal(2, lines.Count);
    }

    [Fact]
    public async Task An_unknown_command_gets_a_suggestion()
    {
        var (exit, _, errors) = await KisrtAsync("strem");
        Assert.Equal(2, exit);
        Assert.StartsWith("kisrt: unknown command 'strem' (did you mean stream?); the commands are decode, sim, stream,", Lines(errors)[0]);
    }

    [Theory]
    [InlineData("--dur", "--duration")] // an abbreviation
    [InlineData("--duratoin", "--duration")] // two letters swapped
    [InlineData("--fromat", "--format")]
    [InlineData("--dur=5s", "--duration")]
    public async Task An_unknown_option_gets_did_you_mean(string typed, string meant)
    {
        var (exit, _, errors) = await KisrtAsync("stream", typed, "5s");
        Assert.Equal(2, exit);
        var lines = Lines(errors);
        var name = typed.Split('=')[0];
        Assert.Equal($"kisrt: unknown option '{name}' for 'kisrt stream'; did you mean {meant}?", lines[0]);
        // Its value is not a second unknown word.
        Assert.DoesNotContain("'5s'", errors);
        Assert.Equal("kisrt: see 'kisrt stream --help'.", lines[^1]);
        Assert.Equal(2, lines.Count);
    }

    [Fact]
    public async Task Every_command_suggests_alike()
    {
        var (_, _, bars) = await KisrtAsync("bars", "--intervl", "1m");
        Assert.Contains("kisrt: unknown option '--intervl' for 'kisrt bars'; did you mean --interval?", bars);
        var (_, _, order) = await KisrtAsync("order", "place", "--quantity", "3");
        Assert.DoesNotContain("did you mean", Lines(order)[0]); // nothing near: named without a guess
        Assert.StartsWith("kisrt: unknown option '--quantity' for 'kisrt order place'.", Lines(order)[0]);
    }

    [Fact]
    public async Task An_ambiguous_abbreviation_names_every_option_it_begins()
    {
        var (_, _, errors) = await KisrtAsync("sim", "--app", "x");
        Assert.Equal("kisrt: unknown option '--app' for 'kisrt sim'; did you mean --app-key, --app-secret, --app-keys or --app-keys-file?",
            Lines(errors)[0]);
    }

    [Fact]
    public async Task Order_place_with_qty_0_says_so_in_one_line()
    {
        var (exit, _, errors) = await KisrtAsync("order", "place", "--code", "005930", "--side", "buy", "--qty", "0", "--rest-url", "http://127.0.0.1:9");
        Assert.Equal(2, exit);
        Assert.Equal(["kisrt: --qty must be at least 1, not 0."], Lines(errors));
        var (cancelExit, _, cancel) = await KisrtAsync("order", "cancel", "--order", "0000000001", "--qty", "-1", "--rest-url", "http://127.0.0.1:9");
        Assert.Equal(2, cancelExit);
        Assert.Equal(["kisrt: --qty must be at least 1, not -1 (leave it out for all that is left)."], Lines(cancel));
    }

    [Fact]
    public void A_library_argument_error_loses_the_dotnet_parameter_name()
    {
        var e = new ArgumentException("An order's quantity must be positive, not 0.", "Quantity");
        Assert.Contains("(Parameter 'Quantity')", e.Message);
        Assert.Equal("An order's quantity must be positive, not 0.", Kis.Realtime.Cli.Configuration.CliFailures.WithoutParameter(e));
    }

    [Theory]
    [InlineData("stream")]
    [InlineData("record", "--out", "x")]
    [InlineData("bars", "--sub", "stock:005930")]
    [InlineData("dashboard")]
    [InlineData("gateway")]
    public async Task A_zero_duration_is_refused(params string[] args)
    {
        foreach (var zero in new[] { "0s", "0ms", "00:00:00" })
        {
            var (exit, _, errors) = await KisrtAsync([.. args, "--duration", zero]);
            Assert.True(exit == 2, $"{string.Join(' ', args)} --duration {zero}: exit {exit}: {errors}");
            Assert.Equal($"kisrt: --duration: '{zero}' would stop before anything starts: give a positive duration, e.g. 30s " +
                "(or leave --duration out to run until Ctrl+C).", Lines(errors)[0]);
        }
    }
}
