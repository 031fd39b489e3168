using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// <c>kisrt stream --format jsonl</c> against a given server loads none of the assemblies of the other commands (the
/// table renderer, the telemetry exporter, the gateway, the simulator, the database): each mapped assembly is resident
/// memory (issue 31, item 15: the JIT kisrt at 1,250 records/s is to stay within 60 MiB). Nor OpenSSL: libcrypto is
/// 3.5 MiB resident, and a stream over ws:// without notices needs no TLS, no AES and no hash of the platform's.
/// </summary>
public sealed class StreamLoadedAssembliesTests
{
    private static readonly string[] NotForStream =
    [
        "Kis.Realtime.Gateway", "Kis.Realtime.Gateway.PostgreSql", "Kis.Realtime.Simulator", "Kis.Realtime.PostgreSql",
        "RabbitMQ.Client", "RabbitMQ.Stream.Client", "Npgsql", "Spectre.Console", "OpenTelemetry",
        "Microsoft.Extensions.DependencyInjection", // a container for one logger provider
    ];

    [Fact]
    public async Task Streaming_json_lines_from_a_given_server_loads_no_assembly_of_the_other_commands_nor_OpenSSL()
    {
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = MarketPace.PerSecond(200) });
        var folder = CliTestKit.EmptyDirectory();
        var list = Path.Combine(folder, "assemblies.txt");
        var native = Path.Combine(folder, "native.txt");
        using var kisrt = ClosedOutputTests.StartKisrt(
            new Dictionary<string, string>
            {
                ["DOTNET_STARTUP_HOOKS"] = typeof(StreamLoadedAssembliesTests).Assembly.Location,
                [StartupHook.ListVariable] = list,
                [StartupHook.NativeListVariable] = native,
            },
            "stream", "--ws-url", sim.WebSocketUrl.ToString(), "--rest-url", sim.RestBaseUrl.ToString(), "--format", "jsonl", "--count", "300");
        try
        {
            var errors = kisrt.StandardError.ReadToEndAsync();
            var output = await kisrt.StandardOutput.ReadToEndAsync().WaitAsync(CliTestKit.CliTimeout);
            await kisrt.WaitForExitAsync().WaitAsync(CliTimeout);
            Assert.True(kisrt.ExitCode == 0, await errors);
            Assert.Equal(300, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

            var loaded = File.ReadAllText(list).Split(StartupHook.Separator, StringSplitOptions.RemoveEmptyEntries)
                .Select(entry => entry.Split('\n', 2)).ToDictionary(e => e[0], e => e.Length > 1 ? e[1] : "");
            Assert.Contains("kisrt", loaded.Keys); // the list is kisrt's own
            Assert.Contains("Kis.Realtime", loaded.Keys);
            var unwanted = loaded.Where(a => NotForStream.Any(n => a.Key == n
                || (a.Key.StartsWith(n + ".", StringComparison.Ordinal) && !a.Key.EndsWith(".Abstractions", StringComparison.Ordinal)))).ToList();
            Assert.True(unwanted.Count == 0, "loaded by kisrt stream:\n" + string.Join("\n", unwanted.Select(a => $"{a.Key}, first by:\n{a.Value}")));

            // Every subscription's reply carries a notice key; the cipher is built at the first notice, not then.
            var libraries = File.ReadAllLines(native);
            Assert.Contains(libraries, l => l.EndsWith("libcoreclr.so", StringComparison.Ordinal)); // the list is of this process
            var openSsl = libraries.Where(l => l.Contains("libcrypto", StringComparison.Ordinal) || l.Contains("libssl", StringComparison.Ordinal)).ToList();
            Assert.True(openSsl.Count == 0, "OpenSSL mapped by kisrt stream: " + string.Join(", ", openSsl));
        }
        finally
        {
            if (!kisrt.HasExited) kisrt.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public void The_dashboards_default_broker_written_out_is_the_gateways_default() =>
        Assert.Equal(Kis.Realtime.Cli.Dashboard.DashboardCommand.RabbitDefault, Kis.Realtime.Gateway.KisGatewayEndpoint.Default.AmqpUri.ToString());

    private static TimeSpan CliTimeout => CliTestKit.CliTimeout;
}
