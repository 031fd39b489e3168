using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Formatting;
using Kis.Realtime.Internal;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using Xunit.Abstractions;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// <c>kisrt record</c> as a real child process, killed with SIGKILL at random moments while the in-process simulator
/// streams: whatever its status line had called written must be on disk, and no complete line may be corrupt; the
/// next run isolates the torn last line instead of appending onto it.
/// </summary>
[Collection(nameof(RecordKillTests))] // runs alone: it keeps both cores busy, which would slow other tests' timing
public partial class RecordKillTests(ITestOutputHelper output)
{
    private const int Kills = 5;
    private const string Secret = SimulatorOptions.DefaultAppSecret;

    [GeneratedRegex(@"written ([\d,]+) records \([^)]*\) raw ([\d,]+)")]
    private static partial Regex StatusPattern();

    [GeneratedRegex(@"recorded ([\d,]+) records and ([\d,]+) raw messages")]
    private static partial Regex SummaryPattern();

    [Fact]
    public async Task Killed_at_random_moments_the_recorder_loses_nothing_it_reported_written_and_leaves_no_corrupt_line()
    {
        // A fresh app key per run: the simulator's one-session-per-key rule must not depend on how fast it notices a kill.
        var credentials = Enumerable.Range(0, Kills + 1)
            .Select(i => new SimulatorCredential($"PSsimRecordKillTestAppKey{i:D2}".PadRight(36, '0'), Secret, SimulatorOptions.DefaultHtsId))
            .ToList();
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with
        {
            Credentials = credentials,
            // Five subscriptions at 10,000 records/s each: faster than the recorder writes here, so its batches are full and
            // its queue reaches the limit (8 MB below) and holds the session back: the load under which records were lost.
            Pace = MarketPace.PerSecond(10_000),
            MaxRecordsPerFrame = 100,
        });
        var dir = EmptyDirectory();
        var random = new Random();
        var expectedTorn = new Dictionary<string, List<string>>();

        for (var run = 0; run < Kills; run++)
        {
            var before = Snapshot(dir);
            // Kill at a random point: from the first status line (maybe before anything is written) to ~2 s of data.
            var target = run == 0 ? 0 : random.Next(1, 20_000);
            await using var child = RecorderProcess.Start(dir, sim, credentials[run]);
            await child.WaitUntilWrittenAsync(target).WaitAsync(CliTimeout);
            child.Kill();
            await child.WaitForExitAsync().WaitAsync(CliTimeout);
            var (records, raw) = child.LastReported;
            output.WriteLine($"run {run}: killed after {records:N0} records / {raw:N0} messages reported written (target {target:N0})");

            var after = Snapshot(dir);
            AssertPrefixesUnchanged(before, after);
            if (after.Files.Values.All(f => f.Tail.Length == 0) && after.Files.Count > 0)
            {
                // Most kills land between two write(2) calls and tear nothing. After half of those, the test leaves what a
                // kill inside one would (the start of a line without its end), so the next run's repair is exercised often.
                // A file can be empty: opened, and killed before its first write.
                var victim = after.Files.Keys.ElementAt(random.Next(after.Files.Count));
                var bytes = File.ReadAllBytes(victim);
                var lastLine = bytes.Length == 0 ? 0 : bytes.AsSpan(0, bytes.Length - 1).LastIndexOf((byte)'\n') + 1;
                if (bytes.Length - lastLine > 2 && random.Next(2) == 0)
                {
                    using (var file = new FileStream(victim, FileMode.Append)) file.Write(bytes, lastLine, random.Next(1, bytes.Length - lastLine - 1));
                    after = Snapshot(dir);
                }
            }
            Assert.True(after.RawLines - before.RawLines >= raw, $"raw.log gained {after.RawLines - before.RawLines} lines; {raw} were reported written");
            Assert.True(after.JsonLines - before.JsonLines >= records,
                $"JSON Lines gained {after.JsonLines - before.JsonLines} records; {records} were reported written");
            foreach (var (path, file) in after.Files)
            {
                if (file.Tail.Length == 0) continue;
                // A file this run never opened still has the fragment an earlier kill left: the same one, not a new one.
                var previous = before.Files.GetValueOrDefault(path);
                if (previous is not null && previous.Tail == file.Tail && previous.CompleteLength == file.CompleteLength) continue;
                (expectedTorn.TryGetValue(path, out var list) ? list : expectedTorn[path] = []).Add(file.Tail);
            }
        }

        // A last run that ends normally: it repairs what the kills left and writes exactly what it reports.
        var last = Snapshot(dir);
        await using (var child = RecorderProcess.Start(dir, sim, credentials[Kills], "--duration", "2s"))
        {
            Assert.Equal(0, await child.WaitForExitAsync().WaitAsync(CliTimeout));
            var summary = SummaryPattern().Match(child.Stderr);
            Assert.True(summary.Success, child.Stderr);
            var final = Snapshot(dir);
            AssertPrefixesUnchanged(last, final);
            Assert.Equal(Number(summary.Groups[2].Value), final.RawLines - last.RawLines);
            Assert.Equal(Number(summary.Groups[1].Value), final.JsonLines - last.JsonLines);
            // A file the last run wrote to has no torn tail any more; one it never opened is untouched, tail and all.
            foreach (var (path, file) in final.Files.Where(f => f.Value.Tail.Length > 0))
            {
                Assert.Equal(last.Files[path], file);
                expectedTorn[path].RemoveAt(expectedTorn[path].Count - 1); // still in place, not yet moved
            }
            output.WriteLine($"last run: {child.Stderr.Split('\n').LastOrDefault(l => l.Length > 0)}");
        }

        // Every torn fragment the kills left is in its .torn file, once (a kill during the move itself may repeat it).
        foreach (var (path, fragments) in expectedTorn.Where(kv => kv.Value.Count > 0))
        {
            var torn = File.ReadAllBytes(path + LineFile.TornSuffix);
            var lines = new List<string>();
            foreach (var range in torn.AsSpan().Split((byte)'\n'))
                if (range.Start.Value < torn.Length) lines.Add(Convert.ToBase64String(torn.AsSpan()[range]));
            Assert.Equal(fragments, lines.Where((line, i) => i == 0 || lines[i - 1] != line));
        }
        output.WriteLine($"torn fragments isolated: {expectedTorn.Sum(kv => kv.Value.Count)}");
    }

    private static long Number(string text) => long.Parse(text.Replace(",", ""));

    [GeneratedRegex(@"pg committed ([\d,]+) records \([^)]*\) raw ([\d,]+)")]
    private static partial Regex PostgresStatusPattern();

    [Fact]
    public async Task Killed_at_random_moments_the_database_recorder_keeps_everything_it_reported_committed_once()
    {
        const int Runs = 3;
        var credentials = Enumerable.Range(0, Runs)
            .Select(i => new SimulatorCredential($"PSsimRecordKillPgTestKey{i:D2}".PadRight(36, '0'), Secret, SimulatorOptions.DefaultHtsId))
            .ToList();
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with
        {
            Credentials = credentials,
            Pace = MarketPace.PerSecond(4_000), // five subscriptions: about 20,000 records/s
            MaxRecordsPerFrame = 50,
        });
        await using var db = await PostgresTestDatabase.CreateAsync();
        var random = new Random();
        long reportedMessages = 0, reportedRecords = 0;
        for (var run = 0; run < Runs; run++)
        {
            await using var child = RecorderProcess.Start(sim, credentials[run], PostgresStatusPattern(),
                "--postgres", db.ConnectionString, "--pg-schema", db.Schema);
            await child.WaitUntilWrittenAsync(random.Next(1, 30_000)).WaitAsync(CliTimeout);
            child.Kill();
            await child.WaitForExitAsync().WaitAsync(CliTimeout);
            var (committedRecords, committedMessages) = child.LastReported;
            output.WriteLine($"run {run}: killed after {committedRecords:N0} records / {committedMessages:N0} messages reported committed");
            reportedMessages += committedMessages;
            reportedRecords += committedRecords;
        }

        // Per run: messages 1..N without a gap (a batch is one transaction), at least what that run reported.
        var runs = await db.RowsAsync("SELECT run_id, count(*), max(seq), min(seq) FROM {schema}.raw_messages GROUP BY run_id");
        Assert.Equal(Runs, runs.Count);
        Assert.All(runs, r => Assert.Equal((long)r[1]!, (long)r[2]!));
        Assert.All(runs, r => Assert.Equal(1L, (long)r[3]!));
        var messages = runs.Sum(r => (long)r[1]!);
        Assert.True(messages >= reportedMessages, $"{messages} messages in the database, {reportedMessages} reported committed");
        // Typed rows exist exactly for committed data frames: as many records as the committed frames carry.
        long records = 0;
        foreach (var table in new[] { "h0upcnt0", "h0bjcnt0", "h0nxpgm0", "h0unpgm0", "h0ifcni0" })
            if (!await db.ScalarAsync<bool>($"SELECT to_regclass('{{schema}}.{table}') IS NULL"))
                records += await db.ScalarAsync<long>($"SELECT count(*) FROM {{schema}}.{table}");
        Assert.True(records >= reportedRecords, $"{records} records in the database, {reportedRecords} reported committed");
        var frameRecords = await db.ScalarAsync<long>(
            "SELECT coalesce(sum(substring(convert_from(substring(message from 1 for 20), 'UTF8') from '^[01]\\|[^|]+\\|([0-9]+)\\|')::bigint), 0)::bigint " +
            "FROM {schema}.raw_messages WHERE tr_id IS NOT NULL");
        Assert.Equal(frameRecords, records);
    }

    private static void AssertPrefixesUnchanged(DirectorySnapshot before, DirectorySnapshot after)
    {
        foreach (var (path, file) in before.Files)
        {
            Assert.True(after.Files.ContainsKey(path), $"{path} disappeared");
            using var stream = File.OpenRead(path);
            Assert.True(stream.Length >= file.CompleteLength, $"{path} lost complete lines");
            Assert.Equal(file.CompleteHash, Hash(stream, file.CompleteLength));
        }
    }

    private sealed record FileState(long CompleteLength, string CompleteHash, string Tail);

    private sealed record DirectorySnapshot(Dictionary<string, FileState> Files, long RawLines, long JsonLines);

    /// <summary>Every recorded file: its complete lines (each one checked) and the torn tail after them, if any.</summary>
    private static DirectorySnapshot Snapshot(string dir)
    {
        var files = new Dictionary<string, FileState>();
        long rawLines = 0, jsonLines = 0;
        foreach (var path in Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Where(p => !p.EndsWith(LineFile.TornSuffix)).Order())
        {
            var bytes = File.ReadAllBytes(path);
            var complete = bytes.AsSpan().LastIndexOf((byte)'\n') + 1;
            var lines = 0L;
            foreach (var range in bytes.AsSpan(0, complete).Split((byte)'\n'))
            {
                var line = bytes.AsSpan(0, complete)[range];
                if (range.Start.Value == complete) break; // after the last '\n'
                if (path.EndsWith(RecordCommand.RawFileName)) AssertRawLine(line, path);
                else AssertJsonLine(line, path);
                lines++;
            }
            if (path.EndsWith(RecordCommand.RawFileName)) rawLines += lines;
            else jsonLines += lines;
            using var stream = new MemoryStream(bytes);
            files[path] = new FileState(complete, Hash(stream, complete), Convert.ToBase64String(bytes.AsSpan(complete)));
        }
        return new DirectorySnapshot(files, rawLines, jsonLines);
    }

    private static void AssertRawLine(ReadOnlySpan<byte> line, string path)
    {
        var message = RawMessageLine.Parse(line, new ArrayBufferWriter<byte>(), out var receivedAt);
        Assert.True(receivedAt is not null, $"{path}: raw line without a timestamp: {KisText.DecodeUncached(line)}");
        switch (DataFrame.Classify(message))
        {
            case MessageKind.Data:
                Assert.True(DataFrame.TryParse(message, out _, out var error),
                    $"{path}: corrupt data frame ({error.Describe()}): {KisText.DecodeUncached(line)}");
                break;
            case MessageKind.Control:
                Assert.True(ControlMessage.TryParse(message, out _), $"{path}: corrupt control message: {KisText.DecodeUncached(line)}");
                break;
            default:
                Assert.Fail($"{path}: not a KIS message: {KisText.DecodeUncached(line)}");
                break;
        }
    }

    private static void AssertJsonLine(ReadOnlySpan<byte> line, string path)
    {
        try
        {
            using var json = JsonDocument.Parse(line.ToArray());
            Assert.True(json.RootElement.TryGetProperty("tr_id", out _) && json.RootElement.TryGetProperty("fields", out _), path);
        }
        catch (JsonException e)
        {
            Assert.Fail($"{path}: corrupt JSON line ({e.Message}): {KisText.DecodeUncached(line)}");
        }
    }

    private static string Hash(Stream stream, long length)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        stream.Position = 0;
        for (long left = length; left > 0;)
        {
            var n = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            Assert.True(n > 0, "file shorter than expected");
            hash.AppendData(buffer, 0, n);
            left -= n;
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary><c>dotnet exec kisrt.dll record …</c> with its status lines followed as they come.</summary>
    internal sealed class RecorderProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly System.Text.StringBuilder _stderr = new();
        private readonly Lock _gate = new();
        private (long Records, long Raw) _reported; // guarded by _gate, with _statusLines
        private int _statusLines;
        private TaskCompletionSource _statusSeen = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private readonly Regex _status;

        private RecorderProcess(Process process, Regex status)
        {
            _process = process;
            _status = status;
        }

        /// <summary>The child's process id (e.g. to read its resident memory).</summary>
        public int Id => _process.Id;

        public (long Records, long Raw) LastReported
        {
            get { lock (_gate) return _reported; }
        }

        public string Stderr
        {
            get { lock (_gate) return _stderr.ToString(); }
        }

        public static RecorderProcess Start(string dir, KisSimulator sim, SimulatorCredential credential, params string[] extra) =>
            Start(sim, credential, StatusPattern(), ["--out", dir, .. extra]);

        /// <summary>Starts <c>kisrt record</c> with <paramref name="arguments"/>; <paramref name="status"/> reads (records, messages) from its status
        /// lines.</summary>
        public static RecorderProcess Start(KisSimulator sim, SimulatorCredential credential, Regex status, params string[] arguments) =>
            StartCommand("record", sim, credential, status, ["--max-queue-mb", "8", .. arguments]);

        /// <summary>Starts <c>kisrt <paramref name="command"/></c> on the simulator with one app key (also used for <c>kisrt gateway</c>).</summary>
        public static RecorderProcess StartCommand(string command, KisSimulator sim, SimulatorCredential credential, Regex status, params string[] arguments)
            => StartCommand(new Dictionary<string, string>(), command, sim, credential, status, arguments);

        /// <summary>As <see cref="StartCommand(string, KisSimulator, SimulatorCredential, Regex, string[])"/>, with
        /// <paramref name="environment"/> set for the child.</summary>
        public static RecorderProcess StartCommand(IReadOnlyDictionary<string, string> environment, string command, KisSimulator sim,
            SimulatorCredential credential, Regex status, params string[] arguments)
        {
            // kisrt.dll as copied next to the tests, resolved with the test assembly's own dependency manifest: kisrt's
            // manifest names package files that the shared framework replaced in this folder.
            var folder = AppContext.BaseDirectory;
            var kisrt = Path.Combine(folder, "kisrt.dll");
            var tests = Path.Combine(folder, typeof(RecordKillTests).Assembly.GetName().Name!);
            var start = new ProcessStartInfo(DotnetHost())
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            foreach (var arg in (string[])["exec", "--depsfile", tests + ".deps.json", "--runtimeconfig", tests + ".runtimeconfig.json", kisrt, command,
                "--ws-url", sim.WebSocketUrl.ToString(), "--rest-url", sim.RestBaseUrl.ToString(),
                         "--app-key", credential.AppKey, "--app-secret", credential.AppSecret, "--hts-id", credential.HtsId, "--status-interval", "100ms",
                         .. arguments])
                start.ArgumentList.Add(arg);
            foreach (var name in new[] { "KIS_APP_KEY", "KIS_APP_SECRET", "KIS_HTS_ID", "KIS_ENV", "KIS_WS_URL", "KIS_REST_URL" }) start.Environment.Remove(
                name);
            // kisrt caches approval keys per user (LocalApplicationData, which follows XDG_DATA_HOME): a folder of this
            // process's own, so no test reads or writes the user's cache or another run's key for a reused port.
            var data = Path.Combine(Path.GetTempPath(), "kisrt-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(data);
            start.Environment["XDG_DATA_HOME"] = data;
            foreach (var (name, value) in environment) start.Environment[name] = value;
            var child = new RecorderProcess(new Process { StartInfo = start }, status);
            child._process.ErrorDataReceived += (_, e) => child.OnStderr(e.Data);
            child._process.OutputDataReceived += (_, _) => { };
            child._process.Start();
            child._process.BeginErrorReadLine();
            child._process.BeginOutputReadLine();
            return child;
        }

        private void OnStderr(string? line)
        {
            if (line is null) return;
            TaskCompletionSource seen;
            lock (_gate)
            {
                _stderr.AppendLine(line);
                var status = _status.Match(line);
                if (!status.Success) return;
                _reported = (Number(status.Groups[1].Value), Number(status.Groups[2].Value));
                _statusLines++;
                seen = _statusSeen;
                _statusSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            seen.TrySetResult();
        }

        /// <summary>Completes on the first status line reporting at least <paramref name="records"/> written.</summary>
        public async Task WaitUntilWrittenAsync(long records)
        {
            while (true)
            {
                Task next;
                lock (_gate)
                {
                    if (_statusLines > 0 && _reported.Records >= records) return;
                    next = _statusSeen.Task;
                }
                await Task.WhenAny(next, _process.WaitForExitAsync());
                if (_process.HasExited) Assert.Fail($"kisrt exited early ({_process.ExitCode}): {Stderr}");
            }
        }

        public void Kill() => _process.Kill(); // SIGKILL on Unix: no handler, no flush, no finally

        /// <summary>SIGTERM, as a service manager stops it: the command ends cleanly, with its final figures.</summary>
        public async Task TerminateAsync()
        {
            var kill = await Kis.Realtime.Tests.Gateway.ChildProcess.RunAsync("kill", ["-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                TimeSpan.FromSeconds(30));
            Assert.True(kill.ExitCode == 0, $"kill -TERM {Id}: {kill.Errors}");
        }

        /// <summary>Waits for the exit and for the end of its output (so the last status line is counted).</summary>
        public async Task<int> WaitForExitAsync()
        {
            await _process.WaitForExitAsync();
            return _process.ExitCode;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }

        private static string DotnetHost()
        {
            if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
            var self = Environment.ProcessPath;
            return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        }
    }
}

/// <summary>
/// The tests that run alone, after the parallel ones: those that keep both cores busy on purpose (<c>BusyCores</c>) or
/// assert a latency of child processes. The other child-process tests run one at a time beside the parallel tests, in
/// <c>FleetProcessCollection</c> and <c>KisrtProcessCollection</c>. They begin once the unit project beside them has
/// ended (<see cref="UnitProjectFinished"/>).
/// </summary>
[CollectionDefinition(nameof(RecordKillTests), DisableParallelization = true)]
public sealed class RecordKillTestsCollection : ICollectionFixture<UnitProjectFinished>;
