using System.Diagnostics;
using System.Text;
using Kis.Realtime.Simulator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Kis.Realtime.Tests.Packaging;

/// <summary>
/// Every C# sample of the README and docs/ (and the packages' READMEs) runs as a newcomer runs it: its own process, with
/// the variables of <c>kisrt sim</c>'s <c>Try:</c> line pointing at a simulator, in a folder holding a <c>recordings</c>
/// (and <c>rec</c>) recording. A sample passes when it writes a line to standard output without an error, then is
/// stopped (most stream until Ctrl+C) or ends by itself with exit code 0. Issue 59: one-api ignored KIS_WS_URL.
/// </summary>
public sealed class DocsSampleRunTests(DocsSampleRunTests.Market market) : IClassFixture<DocsSampleRunTests.Market>
{
    private static readonly TimeSpan SampleTimeout = TimeSpan.FromSeconds(90);

    /// <summary>Samples that need a RabbitMQ broker or PostgreSQL (the integration tests' services), not a simulator alone.</summary>
    private static readonly HashSet<string> NeedServices =
        ["gateway-hosting", "package-gateway", "package-gateway-hosting", "package-gateway-postgresql", "package-postgresql"];

    public static TheoryData<string> Names() => [.. ReadmeSamples.Load().Keys.Where(n => !NeedServices.Contains(n)).Order(StringComparer.Ordinal)];

    [Fact]
    public void Only_samples_of_the_gateway_or_postgresql_packages_are_left_to_the_services()
    {
        var samples = ReadmeSamples.Load();
        foreach (var name in NeedServices)
            Assert.Matches(@"using Kis\.Realtime\.(Gateway|PostgreSql)", samples[name]);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Sample_runs_against_the_simulator_with_the_try_line_variables(string name)
    {
        var dll = Compile(name, ReadmeSamples.Load()[name]);
        var (exit, output, errors) = await RunAsync(dll, market.Environment(), market.WorkingDirectory);
        Assert.True(output.Length > 0, $"sample '{name}' wrote nothing in {SampleTimeout.TotalSeconds} s (exit {exit}); errors:\n{errors}");
        Assert.True(exit is null or 0, $"sample '{name}' ended with exit code {exit}; errors:\n{errors}");
        Assert.DoesNotContain("Unhandled exception", errors);
    }

    /// <summary>The sample as a console program next to the tests (their dependency manifest resolves the packages).</summary>
    private static string Compile(string name, string code)
    {
        var options = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create("DocsSample_" + name.Replace('-', '_'),
            [CSharpSyntaxTree.ParseText(code, options, "Program.cs"), CSharpSyntaxTree.ParseText(ReadmeSampleTests.ImplicitUsings, options, "GlobalUsings.cs")],
            ReadmeSampleTests.References(),
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        var path = Path.Combine(AppContext.BaseDirectory, compilation.AssemblyName + ".dll");
        using (var file = File.Create(path))
        {
            var result = compilation.Emit(file);
            Assert.True(result.Success, string.Join("\n", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }
        return path;
    }

    /// <summary>Runs the program until its first line of output (then stops it: null exit code) or its end.</summary>
    private static async Task<(int? Exit, string Output, string Errors)> RunAsync(string dll, IReadOnlyDictionary<string, string> environment, string directory)
    {
        var tests = Path.Combine(AppContext.BaseDirectory, typeof(DocsSampleRunTests).Assembly.GetName().Name!);
        var start = new ProcessStartInfo(DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        foreach (var arg in (string[])["exec", "--depsfile", tests + ".deps.json", "--runtimeconfig", tests + ".runtimeconfig.json", dll])
            start.ArgumentList.Add(arg);
        var inherited = start.Environment.Keys.Where(k => k.StartsWith("KIS_", StringComparison.Ordinal) || k.StartsWith("Kis__", StringComparison.Ordinal));
        foreach (var variable in inherited.ToList()) start.Environment.Remove(variable);
        foreach (var (variable, value) in environment) start.Environment[variable] = value;

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var errors = new StringBuilder();
        var firstLine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.AppendLine(e.Data);
            firstLine.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (errors) errors.AppendLine(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        var stopped = false;
        try
        {
            await Task.WhenAny(firstLine.Task, exited).WaitAsync(SampleTimeout);
        }
        catch (TimeoutException)
        {
        }
        if (!exited.IsCompleted)
        {
            stopped = true; // wrote its line and streams on (until Ctrl+C), or wrote nothing in time
            process.Kill(entireProcessTree: true);
        }
        process.WaitForExit(); // its output read to the end
        lock (output) lock (errors) return (stopped ? null : process.ExitCode, output.ToString(), errors.ToString());
    }

    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    /// <summary>
    /// A simulator at 20 market seconds a second (a minute bar closes every 3 real seconds) and a recording of it in
    /// <c>recordings</c> and <c>rec</c>, the folder names the samples use. Not faster: the demo day's 6.5 hours last
    /// 19.5 real minutes at 20x, 6.5 at 60x, and the class's 22 sample processes on a loaded machine can outlast
    /// that; past 15:30 the market is closed and a streaming sample writes nothing.
    /// </summary>
    public sealed class Market : IAsyncLifetime
    {
        private KisSimulator? _sim;

        public string WorkingDirectory { get; } = Cli.CliTestKit.EmptyDirectory();

        public async Task InitializeAsync()
        {
            _sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = MarketPace.PerSecond(20), ClockSpeed = 20 });
            var recordings = Path.Combine(WorkingDirectory, "recordings");
            var client = new KisRealtimeClient(KisRealtimeOptions.Default with
            {
                Credentials = [new KisCredential(SimulatorOptions.DefaultAppKey, SimulatorOptions.DefaultAppSecret)],
                WebSocketUrl = _sim.WebSocketUrl, RestBaseUrl = _sim.RestBaseUrl, TimeProvider = new FromTodaysOpen(),
            });
            Task<KisFileRecording> recording;
            await using (client)
            {
                recording = KisFileRecorder.RecordAsync(client, recordings);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                var index = Task.Run(async () =>
                {
                    await foreach (var _ in client.SubscribeIndexTicksAsync("0001", timeout.Token)) { }
                });
                TimeOnly? first = null;
                await foreach (var trade in client.SubscribeStockTradesAsync("005930", cancellationToken: timeout.Token))
                {
                    first ??= trade.Time;
                    if (trade.Time - first.Value >= TimeSpan.FromMinutes(3)) break; // three minute bars closed
                }
                await timeout.CancelAsync();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => index);
            }
            await recording.WaitAsync(TimeSpan.FromSeconds(60));
            Copy(recordings, Path.Combine(WorkingDirectory, "rec"));
        }

        /// <summary>The <c>Try:</c> line's variables, and the same values under the .NET names the hosting samples read.</summary>
        public IReadOnlyDictionary<string, string> Environment() => new Dictionary<string, string>
        {
            ["KIS_WS_URL"] = KisSimulator.Display(_sim!.WebSocketUrl),
            ["KIS_REST_URL"] = KisSimulator.Display(_sim.RestBaseUrl),
            ["KIS_APP_KEY"] = SimulatorOptions.DefaultAppKey,
            ["KIS_APP_SECRET"] = SimulatorOptions.DefaultAppSecret,
            ["KIS_HTS_ID"] = SimulatorOptions.DefaultHtsId,
            ["Kis__AppKey"] = SimulatorOptions.DefaultAppKey,
            ["Kis__AppSecret"] = SimulatorOptions.DefaultAppSecret,
            ["Kis__HtsId"] = SimulatorOptions.DefaultHtsId,
            ["Kis__WebSocketUrl"] = KisSimulator.Display(_sim.WebSocketUrl),
            ["Kis__RestBaseUrl"] = KisSimulator.Display(_sim.RestBaseUrl),
            ["Logging__LogLevel__Default"] = "Warning", // a host's "Application started" is not the sample's output
            ["HOME"] = WorkingDirectory,                  // the rest sample's token cache under ~
        };

        /// <summary>
        /// Receive times from today's 09:00 KST on, as a recording made in market hours has them (the simulator's demo
        /// market starts at 09:00): replay-paced replays from its first day's 09:00 and waits for nothing.
        /// </summary>
        private sealed class FromTodaysOpen : TimeProvider
        {
            private readonly DateTimeOffset _open = TodayAt0900Kst();
            private readonly long _started = System.GetTimestamp();

            public override DateTimeOffset GetUtcNow() => _open.ToUniversalTime() + System.GetElapsedTime(_started);

            private static DateTimeOffset TodayAt0900Kst()
            {
                var kst = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(9));
                return new DateTimeOffset(kst.Year, kst.Month, kst.Day, 9, 0, 0, kst.Offset);
            }
        }

        private static void Copy(string from, string to)
        {
            foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(to, Path.GetRelativePath(from, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
        }

        public async Task DisposeAsync()
        {
            if (_sim is not null) await _sim.DisposeAsync();
        }
    }
}
