using System.Text.Json;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Gateway;
using Kis.Realtime.Tests.Gateway;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Packaging;

/// <summary>
/// kisrt published with Native AOT (docs/cli.md): the publish has no trim or AOT warning (the analyzers run on every
/// build of the CLI too, so this is the last line, not the first), and the native kisrt streams from its built-in
/// simulator (Kestrel, the simulator's REST answers, the approval request, decoding, JSON Lines) and answers
/// <c>gateway status --json</c> (the snake_case status, source-generated) — the paths where reflection once was. It is
/// published as the README's run command publishes it: by <c>scripts/kisrt.sh</c>, which publishes once and then
/// starts the native file, and publishes again after a change (issue 73, finding 10: the README's path was a Debug JIT
/// build, a backtest of a 1,000,000-record day in 4–7 s of CPU against 1.6–1.9 s native). Published once: on this
/// clone the script's decision to publish again is asked with KISRT_CHECK=1; the publish after a change that follows
/// it is RunScriptStalenessTests' (a stand-in dotnet, milliseconds instead of the minutes of a second real publish).
/// </summary>
[Collection(nameof(NativeAotCollection))]
public sealed class NativeKisrtTests(NativeKisrtTests.Publish kisrt) : IClassFixture<NativeKisrtTests.Publish>
{
    [AotFact]
    public async Task The_run_script_starts_its_native_kisrt_again_and_would_publish_anew_after_a_change()
    {
        var native = await kisrt.PathAsync();
        // The publish left nothing that marks it stale (its bin/ and obj/ under src/ are build output, not sources).
        Assert.Equal("current\n", await kisrt.CheckAsync());
        var again = await kisrt.RunScriptAsync("--version");
        Assert.True(again.ExitCode == 0, $"scripts/kisrt.sh exited {again.ExitCode}:\n{again.Errors}");
        Assert.DoesNotContain(Publish.Publishing, again.Errors, StringComparison.Ordinal);
        Assert.Equal(kisrt.Version, again.Output);

        // A source changed after the last publish began: its stamp is older than every file of the clone. The stamp's
        // time is put back after, so the class's folder stays as published.
        var stamp = Path.Combine(Path.GetDirectoryName(native)!, "published-from");
        var published = File.GetLastWriteTimeUtc(stamp);
        File.SetLastWriteTimeUtc(stamp, new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        try
        {
            Assert.Equal("stale\n", await kisrt.CheckAsync());
        }
        finally
        {
            File.SetLastWriteTimeUtc(stamp, published);
        }
        Assert.Equal("current\n", await kisrt.CheckAsync());
    }

    [AotFact]
    public async Task Native_kisrt_streams_from_its_built_in_simulator()
    {
        var run = await ChildProcess.RunAsync(await kisrt.PathAsync(), ["stream", "--count", "40", "--format", "jsonl"], TimeSpan.FromSeconds(90));

        Assert.True(run.ExitCode == 0, $"kisrt exited {run.ExitCode}:\n{run.Errors}");
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(40, lines.Length);
        foreach (var line in lines)
        {
            using var record = JsonDocument.Parse(line);
            Assert.Matches("^H0[A-Z0-9]{6}$", record.RootElement.GetProperty("tr_id").GetString());
        }
        Assert.Contains("40 records", run.Errors);
        Assert.Contains("decode errors 0", run.Errors);
    }

    [AotFact]
    public async Task Native_kisrt_refuses_parquet_with_a_reason_instead_of_carrying_an_aot_unsafe_writer()
    {
        // Parquet.Net is not AOT-safe: the native build leaves it out (unreachable) and says so, before any source opens.
        var file = Path.Combine(Path.GetTempPath(), $"kisrt-native-{Guid.NewGuid():N}.parquet");
        var run = await ChildProcess.RunAsync(await kisrt.PathAsync(), ["bars", "--sub", "stock:005930", "--format", "parquet", "--out", file],
            TimeSpan.FromSeconds(60));

        Assert.True(run.ExitCode == 2, $"kisrt exited {run.ExitCode}:\n{run.Output}\n{run.Errors}");
        Assert.Contains("--format parquet is not in the native (AOT) build", run.Errors);
        Assert.False(File.Exists(file));
    }

    [AotRabbitFact]
    public async Task Native_kisrt_answers_gateway_status_as_snake_case_json()
    {
        var native = await kisrt.PathAsync(); // first: publishing takes minutes, longer than the gateway below may run
        await using var broker = await RabbitTestBroker.CreateAsync();
        using var stop = new CancellationTokenSource(CliTimeout);
        // The publisher connects in the background: its key held is not yet "broker connected" (CI at load 40 asked
        // in between). The status lines come after the holds and say it.
        var status = new WatchingWriter("broker connected");
        var gateway = GatewayCommand.RunAsync(FastSimulator("index:0001"), KisGatewayOptions.Default with { Endpoint = broker.Endpoint },
            TimeSpan.FromMilliseconds(200), null, Env(), status, stop.Token);
        await Task.WhenAny(status.Seen.Task, gateway).Unwrap().WaitAsync(CliTimeout);

        var run = await ChildProcess.RunAsync(native,
            ["gateway", "status", "--json", "--amqp", broker.Endpoint.AmqpUri.ToString(), "--namespace", broker.Endpoint.Namespace], TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await gateway;

        Assert.True(run.ExitCode == 0, $"kisrt exited {run.ExitCode}:\n{run.Output}\n{run.Errors}");
        using var document = JsonDocument.Parse(run.Output);
        Assert.True(document.RootElement.GetProperty("broker_connected").GetBoolean());
        Assert.Equal("connected", document.RootElement.GetProperty("sessions")[0].GetProperty("state").GetString());
        Assert.Equal("H0UPCNT0", document.RootElement.GetProperty("registrations")[0].GetProperty("tr").GetString());
    }

    /// <summary>
    /// Publishes kisrt once for the class (minutes) with <c>scripts/kisrt.sh</c>, into a folder deleted afterwards; under
    /// scripts/test.sh, takes the publish that script started in the background instead (<see cref="PrepublishedAot"/>).
    /// </summary>
    public sealed class Publish : IDisposable
    {
        /// <summary>What the script says on stderr when it publishes.</summary>
        public const string Publishing = "kisrt.sh: publishing kisrt as a native executable";

        /// <summary>What <c>kisrt --version</c> prints, and nothing else.</summary>
        public const string VersionOnly = @"^\d+\.\d+\.\d+\S*\n$";

        /// <summary>The background publish's folder (scripts/test.sh's, left to it), or null: this class publishes.</summary>
        private readonly string? _prepublished = PrepublishedAot.Folder;

        private readonly string _output;
        private readonly Lazy<Task<string>> _published;

        public Publish()
        {
            _output = _prepublished is null
                ? Path.Combine(Path.GetTempPath(), $"kisrt-native-{Guid.NewGuid():N}")
                : Path.Combine(_prepublished, "kisrt");
            _published = new(PublishAsync);
        }

        public Task<string> PathAsync() => _published.Value;

        /// <summary>What <c>kisrt --version</c> printed on the first run (the script's publish).</summary>
        public string Version { get; private set; } = "";

        internal Task<ChildProcess.Result> RunScriptAsync(params string[] arguments) =>
            ChildProcess.RunAsync(Path.Combine(ReadmeSamples.RepositoryRoot(), "scripts", "kisrt.sh"), arguments, TimeSpan.FromMinutes(30),
                ("KISRT_NATIVE_DIR", _output), ("KISRT_JIT", ""));

        /// <summary>KISRT_CHECK=1: what the script says its next run would do ("current" or "stale"), starting nothing.</summary>
        internal async Task<string> CheckAsync()
        {
            var check = await ChildProcess.RunAsync(Path.Combine(ReadmeSamples.RepositoryRoot(), "scripts", "kisrt.sh"), [], TimeSpan.FromMinutes(5),
                ("KISRT_NATIVE_DIR", _output), ("KISRT_JIT", ""), ("KISRT_CHECK", "1"));
            Assert.True(check.ExitCode == 0, $"KISRT_CHECK=1 scripts/kisrt.sh exited {check.ExitCode}:\n{check.Errors}");
            return check.Output;
        }

        private async Task<string> PublishAsync()
        {
            var publish = _prepublished is null
                ? await RunScriptAsync("--version")
                : await PrepublishedAot.WaitAsync(_prepublished, "kisrt", PrepublishedAot.Timeout);
            Assert.True(publish.ExitCode == 0, $"scripts/kisrt.sh failed:\n{publish.Output}\n{publish.Errors}");
            Assert.Contains(Publishing, publish.Errors, StringComparison.Ordinal);
            Assert.DoesNotContain("warning IL", publish.Errors);
            Assert.Matches(VersionOnly, publish.Output); // the version alone: the publish's words go to stderr
            Version = publish.Output;
            var native = Path.Combine(_output, "kisrt");
            Assert.True(File.Exists(native), "no native kisrt");
            Assert.False(File.Exists(Path.Combine(_output, "publish", "kisrt.dll")), "published as IL, not native");
            return native;
        }

        public void Dispose()
        {
            if (_prepublished is null && Directory.Exists(_output)) Directory.Delete(_output, recursive: true);
        }
    }
}

/// <summary>
/// Native AOT publishes one at a time (they build the same libraries into the same Release linux-x64 folders), alone
/// after the other collections. Run beside them (tried 2026-11-29), a broker connect timed out once in a clean-clone
/// run while the compiler held both cores, for about a minute saved: alone until a run shows that safe.
/// </summary>
[CollectionDefinition(nameof(NativeAotCollection), DisableParallelization = true)]
public sealed class NativeAotCollection;

/// <summary>A Native AOT fact that also needs RabbitMQ.</summary>
internal sealed class AotRabbitFactAttribute : FactAttribute
{
    public AotRabbitFactAttribute() => Skip = new AotFactAttribute().Skip ?? new RabbitFactAttribute().Skip;
}
