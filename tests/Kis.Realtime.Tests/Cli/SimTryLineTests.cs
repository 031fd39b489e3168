using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// `kisrt sim`'s "Try:" line works when pasted (issue 47, item 3). Failed before: it printed KIS_APP_SECRET=..., which
/// the simulator refuses (EGW00105), though its default secret is public.
/// </summary>
public class SimTryLineTests
{
    [Fact]
    public async Task The_try_line_pasted_streams_from_that_simulator()
    {
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = MarketPace.PerSecond(50) });
        var line = SimCommand.TryLine(KisSimulator.Display(sim.WebSocketUrl), KisSimulator.Display(sim.RestBaseUrl), sim.Options.Credentials[0], "kisrt");

        // What a shell does with it: leading NAME=VALUE words are the command's environment, the rest its arguments.
        Assert.StartsWith("Try: ", line, StringComparison.Ordinal);
        var words = line["Try: ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var variables = words.TakeWhile(w => w.Contains('=', StringComparison.Ordinal))
            .ToDictionary(w => w[..w.IndexOf('=', StringComparison.Ordinal)], w => w[(w.IndexOf('=', StringComparison.Ordinal) + 1)..]);
        Assert.Equal(["kisrt", "stream"], words.SkipWhile(w => w.Contains('=', StringComparison.Ordinal)));

        var stdout = new MemoryStream();
        var stderr = new StringWriter();
        var exit = await StreamCommand.RunAsync(new ConnectionArgs(), new StreamArgs { Format = "jsonl", Count = 50 }, Env(variables), stdout, stderr, default)
            .WaitAsync(CliTimeout);

        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.Equal(50, JsonLines(stdout.ToArray()).Count);
        Assert.DoesNotContain("built-in simulator", stderr.ToString(), StringComparison.Ordinal);
        Assert.True(sim.Counters.SessionsAccepted > 0, "the pasted line did not reach the simulator it names");
    }

    [Fact]
    public void A_secret_given_on_the_command_line_is_not_printed()
    {
        var line = SimCommand.TryLine("ws://127.0.0.1:1", "http://127.0.0.1:2", new SimulatorCredential("PSkey", "my-own-secret", "hts"), "kisrt");
        Assert.DoesNotContain("my-own-secret", line, StringComparison.Ordinal);
        Assert.Contains("KIS_APP_SECRET=<your --app-secret>", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/home/u/.dotnet/tools/kisrt", "/usr/bin:/home/u/.dotnet/tools", "/home/u/.dotnet/tools/.store/kisrt/", "kisrt")]
    [InlineData("/repo/src/Kis.Realtime.Cli/bin/Debug/net10.0/kisrt", "/usr/bin", "/repo/src/Kis.Realtime.Cli/bin/Debug/net10.0/",
        "/repo/src/Kis.Realtime.Cli/bin/Debug/net10.0/kisrt")]
    [InlineData("/my tools/kisrt", "/usr/bin", "/my tools/", "'/my tools/kisrt'")]
    [InlineData("/usr/share/dotnet/dotnet", "/usr/bin", "/opt/kisrt/", "dotnet /opt/kisrt/kisrt.dll")]
    public void The_try_line_starts_the_same_kisrt(string processPath, string path, string baseDirectory, string expected)
        => Assert.Equal(expected, SimCommand.KisrtInvocation(processPath, path, baseDirectory));
}
