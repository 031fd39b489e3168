using System.Text;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

public class RecordCommandTests
{
    [Fact]
    public async Task Recording_then_decoding_the_raw_file_gives_back_the_same_records()
    {
        var dir = EmptyDirectory();
        var stderr = new StringWriter();
        var exit = await RecordCommand.RunAsync(FastSimulator(), dir, count: 3000, duration: null, Env(), stderr, default).WaitAsync(CliTimeout);
        Assert.Equal(0, exit);

        var day = Assert.Single(Directory.GetDirectories(dir));
        var raw = Path.Combine(day, RecordCommand.RawFileName);
        Assert.True(File.Exists(raw));
        // Every raw line carries its receive timestamp.
        Assert.All(File.ReadAllLines(raw), l => Assert.True(DateTimeOffset.TryParse(l[..l.IndexOf('\t')], out _), l));

        var decoded = new MemoryStream();
        using (var input = File.OpenRead(raw))
            Assert.Equal(0, DecodeCommand.Run(input, decoded, new StringWriter()));
        var fromRaw = JsonLines(decoded.ToArray());

        var recorded = Directory.GetFiles(day, "*.jsonl").SelectMany(f => JsonLines(File.ReadAllText(f))).ToList();
        Assert.True(recorded.Count >= 3000);
        Assert.Equal(5, Directory.GetFiles(day, "*.jsonl").Length);
        // Same records: compare (tr_id, fields, extra) as JSON text, order within each TR preserved.
        static string Canon(System.Text.Json.JsonElement r) => r.GetProperty("tr_id").GetString() + " " + r.GetProperty("fields").GetRawText();
        foreach (var tr in fromRaw.Select(r => r.GetProperty("tr_id").GetString()).Distinct())
        {
            Assert.Equal(
                fromRaw.Where(r => r.GetProperty("tr_id").GetString() == tr).Select(Canon),
                recorded.Where(r => r.GetProperty("tr_id").GetString() == tr).Select(Canon));
        }
        Assert.All(recorded, r => Assert.True(r.TryGetProperty("received_at", out _)));
        Assert.Contains($"recorded {recorded.Count:N0} records", stderr.ToString());
    }

    [Fact]
    public async Task Duration_stops_recording_cleanly_with_everything_received_on_disk()
    {
        var dir = EmptyDirectory();
        var stderr = new StringWriter();
        var exit = await RecordCommand.RunAsync(FastSimulator("index:0001"), dir, count: null, duration: TimeSpan.FromSeconds(1.5), Env(), stderr, default)
            .WaitAsync(CliTimeout);
        Assert.Equal(0, exit);
        var day = Assert.Single(Directory.GetDirectories(dir));
        // On a loaded machine 1.5 s may bring no record at all; what matters is that every record received is on disk.
        var file = Path.Combine(day, "H0UPCNT0.jsonl");
        var lines = File.Exists(file) ? File.ReadAllLines(file).Length : 0;
        Assert.Contains($"recorded {lines:N0} records", stderr.ToString());
        Assert.Contains($"received {lines:N0} records", stderr.ToString());
    }

    [Fact]
    public async Task Nothing_received_is_lost_across_a_dropped_connection()
    {
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = MarketPace.PerSecond(100), RandomNotices = true });
        var args = new ConnectionArgs
        {
            Subscriptions = ["index:0001", "notice"],
            WebSocketUrl = sim.WebSocketUrl.ToString(),
            RestUrl = sim.RestBaseUrl.ToString(),
            AppKey = SimulatorOptions.DefaultAppKey,
            AppSecret = SimulatorOptions.DefaultAppSecret,
            HtsId = SimulatorOptions.DefaultHtsId,
        };
        var dir = EmptyDirectory();
        using var stop = new CancellationTokenSource();
        var stderr = new StringWriter();
        var run = RecordCommand.RunAsync(args, dir, count: null, duration: null, Env(), stderr, stop.Token);

        await sim.WaitForSessionsAsync(s => s.Count == 1 && s[0].Subscriptions.Count == 2).WaitAsync(CliTimeout);
        await sim.Faults.DropConnections();
        // The client reconnects and resubscribes: a second session with both registrations.
        await sim.WaitForSessionsAsync(s => s.Count == 1 && s[0].Subscriptions.Count == 2 && s[0].Id > 1).WaitAsync(CliTimeout);
        await WaitUntil(() => sim.Counters.RecordsSent > 100);
        stop.Cancel();
        Assert.Equal(0, await run.WaitAsync(CliTimeout));

        var day = Assert.Single(Directory.GetDirectories(dir));
        var recorded = Directory.GetFiles(day, "*.jsonl").Sum(f => File.ReadAllLines(f).Length);
        // Every record and message the client received, before and after the reconnect, was recorded, and the notices
        // sent after the reconnect decrypted with the new session's key. (The simulator's own count may be a frame
        // higher: an aborted connection discards what its pipe had accepted but not yet sent.)
        var summary = System.Text.RegularExpressions.Regex.Match(stderr.ToString(),
            @"recorded ([\d,]+) records and ([\d,]+) raw messages .* received ([\d,]+) records in ([\d,]+) messages; undecodable 0, reconnects ([1-9])");
        Assert.True(summary.Success, stderr.ToString());
        long Number(int group) => long.Parse(summary.Groups[group].Value.Replace(",", ""));
        Assert.Equal(recorded, Number(1));
        Assert.Equal(Number(3), Number(1));
        Assert.Equal(Number(4), Number(2));
        Assert.InRange(recorded, sim.Counters.RecordsSent - 100, sim.Counters.RecordsSent);
        var raw = await File.ReadAllTextAsync(Path.Combine(day, RecordCommand.RawFileName), Encoding.UTF8);
        Assert.True(raw.Split("SUBSCRIBE SUCCESS").Length - 1 >= 4, "both sessions' replies are in the raw file");
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        var deadline = DateTime.UtcNow + CliTimeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in time");
            await timer.WaitForNextTickAsync();
        }
    }
}
