using System.Text;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

public class StreamCommandTests
{
    [Fact]
    public async Task Jsonl_with_count_yields_records_of_all_five_services_from_the_built_in_simulator()
    {
        var stdout = new MemoryStream();
        var stderr = new StringWriter();
        // 60 records/s per subscription: 500 records take ~2 s, long after the last of the five (paced 100 ms apart) registers.
        var exit = await StreamCommand.RunAsync(FastSimulator() with { SimulatorPace = "60" }, new StreamArgs { Format = "jsonl", Count = 500 }, Env(), stdout,
            stderr, default)
            .WaitAsync(CliTimeout);

        Assert.Equal(0, exit);
        var records = JsonLines(stdout.ToArray());
        Assert.Equal(500, records.Count);
        Assert.Equal(["H0BJCNT0", "H0IFCNI0", "H0NXPGM0", "H0UNPGM0", "H0UPCNT0"],
            records.Select(r => r.GetProperty("tr_id").GetString()).Distinct().Order());
        foreach (var r in records)
        {
            Assert.True(r.TryGetProperty("tr_key", out _));
            Assert.True(DateTimeOffset.TryParse(r.GetProperty("received_at").GetString(), out var at));
            Assert.Equal(TimeSpan.Zero, at.Offset);
            Assert.True(r.GetProperty("fields").EnumerateObject().Any());
        }
        var notice = records.First(r => r.GetProperty("tr_id").GetString() == "H0IFCNI0");
        Assert.Equal(SimulatorOptions.DefaultHtsId, notice.GetProperty("tr_key").GetString());
        Assert.Contains("built-in simulator", stderr.ToString());
    }

    [Fact]
    public async Task Csv_to_a_folder_writes_one_file_per_tr_with_its_header()
    {
        var dir = EmptyDirectory();
        var exit = await StreamCommand.RunAsync(FastSimulator("index:0001", "program:005930"),
            // 600 records at 300/s per subscription take about a second: both TRs have rows even if one registers late
            // (with 100, one subscription could fill the count alone on a loaded machine).
            new StreamArgs { Format = "csv", Count = 600, OutputDirectory = dir }, Env(), new MemoryStream(), new StringWriter(), default).WaitAsync(
                CliTimeout);

        Assert.Equal(0, exit);
        var index = File.ReadAllLines(Path.Combine(dir, "H0UPCNT0.csv"));
        Assert.StartsWith("tr_id,tr_key,received_at,bstp_cls_code,bsop_hour,prpr_nmix,", index[0]);
        Assert.All(index.Skip(1), l => Assert.StartsWith("H0UPCNT0,0001,", l));
        var program = File.ReadAllLines(Path.Combine(dir, "H0UNPGM0.csv"));
        Assert.StartsWith("tr_id,tr_key,received_at,mksc_shrn_iscd,", program[0]);
        Assert.Equal(600, index.Length - 1 + program.Length - 1);
        // Every row has as many columns as its header.
        Assert.All(index.Skip(1), l => Assert.Equal(index[0].Split(',').Length, l.Split(',').Length));
    }

    [Fact]
    public async Task Csv_to_standard_output_with_one_tr_has_one_header_and_its_rows()
    {
        var stdout = new MemoryStream();
        var exit = await StreamCommand.RunAsync(FastSimulator("index:0001", "index:1001"),
            new StreamArgs { Format = "csv", Count = 40 }, Env(), stdout, new StringWriter(), default).WaitAsync(CliTimeout);

        Assert.Equal(0, exit);
        var lines = Encoding.UTF8.GetString(stdout.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(41, lines.Length);
        Assert.StartsWith("tr_id,tr_key,received_at,bstp_cls_code,", lines[0]);
        Assert.All(lines.Skip(1), l => Assert.StartsWith("H0UPCNT0,", l));
    }

    [Fact]
    public async Task Csv_to_standard_output_with_several_trs_is_refused_before_connecting()
    {
        var e = await Assert.ThrowsAsync<Kis.Realtime.Cli.Configuration.CliUsageException>(() =>
            StreamCommand.RunAsync(FastSimulator("index:0001", "bond:KR103502GD31"), new StreamArgs { Format = "csv", Count = 40 }, Env(),
                new MemoryStream(), new StringWriter(), default));
        Assert.Equal("--format csv to standard output holds one TR (one header), not 2 (H0UPCNT0, H0BJCNT0): add --out DIR for one CSV file per TR, " +
            "subscribe one TR, or use --format jsonl.", e.Message);
    }

    [Fact]
    public async Task Table_format_when_redirected_prints_a_row_per_subscription()
    {
        var stderr = new StringWriter();
        var exit = await StreamCommand.RunAsync(FastSimulator() with { SimulatorPace = "40" }, new StreamArgs { Format = "table", Count = 200 }, Env(),
            new MemoryStream(), stderr, default)
            .WaitAsync(CliTimeout);

        Assert.Equal(0, exit);
        var text = stderr.ToString();
        // The last snapshot has a row per subscription, each with data (a count above zero and a summary).
        var last = text[text.LastIndexOf("-- ", StringComparison.Ordinal)..];
        foreach (var row in new[] { "H0UPCNT0 0001", "H0BJCNT0 KR103502GD31", "H0NXPGM0 005930", "H0UNPGM0 005930", "H0IFCNI0 "
            + SimulatorOptions.DefaultHtsId })
        {
            var line = last.Split('\n').Single(l => l.StartsWith(row, StringComparison.Ordinal));
            var count = long.Parse(System.Text.RegularExpressions.Regex.Match(line, @"\s(\d+) rec\s").Groups[1].Value);
            Assert.True(count > 0, line);
            Assert.DoesNotContain("waiting for data", line);
        }
        Assert.Contains("Connected", text);
    }

    [Fact]
    public async Task Duration_stops_cleanly_with_exit_code_zero()
    {
        var exit = await StreamCommand.RunAsync(FastSimulator("index:0001"), new StreamArgs { Format = "jsonl", Duration = TimeSpan.FromSeconds(1.5) },
            Env(), new MemoryStream(), new StringWriter(), default).WaitAsync(CliTimeout);
        Assert.Equal(0, exit);
    }

    [Fact]
    public async Task Cancellation_like_ctrl_c_releases_every_registration_on_the_server()
    {
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = MarketPace.PerSecond(200), RandomNotices = true });
        var args = new ConnectionArgs
        {
            Subscriptions = ["index:0001", "bond:KR103502GD31", "notice"],
            WebSocketUrl = sim.WebSocketUrl.ToString(),
            RestUrl = sim.RestBaseUrl.ToString(),
            AppKey = SimulatorOptions.DefaultAppKey,
            AppSecret = SimulatorOptions.DefaultAppSecret,
            HtsId = SimulatorOptions.DefaultHtsId,
        };
        using var ctrlC = new CancellationTokenSource();
        // "Ctrl+C" once every subscription has delivered: all three registrations are live on the server.
        var stdout = new NotifyingStream(() => ctrlC.Cancel(), text => text.Contains("H0UPCNT0") && text.Contains("H0BJCNT0") && text.Contains("H0IFCNI0"));
        var exit = await StreamCommand.RunAsync(args, new StreamArgs { Format = "jsonl" }, Env(), stdout, new StringWriter(), ctrlC.Token)
            .WaitAsync(CliTimeout);

        Assert.Equal(0, exit);
        Assert.True(stdout.Fired);
        // Graceful: every registration released (tr_type 2) before the close frame.
        await sim.WaitForSessionsAsync(s => s.Count == 0).WaitAsync(CliTimeout);
        Assert.Equal(3, sim.Counters.Replies("OPSP0001"));
    }

    [Fact]
    public async Task A_code_no_market_lists_is_named_in_the_summary_and_streams_nothing()
    {
        // Issue 47, item 6: stock:999999 once streamed made-up trades. Ctrl+C once the listed stock has delivered
        // 20 records (the unlisted one, paced alike, would have delivered as many by then).
        using var ctrlC = new CancellationTokenSource();
        var stdout = new NotifyingStream(() => ctrlC.Cancel(), text => text.Split("\"005930\"").Length > 20);
        var stderr = new StringWriter();
        var exit = await StreamCommand.RunAsync(FastSimulator("stock:999999", "stock:005930"), new StreamArgs { Format = "jsonl" }, Env(), stdout, stderr,
            ctrlC.Token)
            .WaitAsync(CliTimeout);

        Assert.Equal(0, exit); // KIS accepts the code: not a refusal
        Assert.True(stdout.Fired);
        var lines = JsonLines(stdout.ToArray());
        Assert.DoesNotContain(lines, l => l.GetProperty("tr_key").GetString() == "999999");
        Assert.True(stderr.ToString().Contains("kisrt: no records for H0STCNT0:999999: KIS accepts any code of the right form"), stderr.ToString());
        Assert.DoesNotContain("H0STCNT0:005930", stderr.ToString());
    }

    [Fact]
    public async Task Bad_subscriptions_are_usage_errors_naming_the_problem()
    {
        var e = await Assert.ThrowsAsync<Kis.Realtime.Cli.Configuration.CliUsageException>(() =>
            StreamCommand.RunAsync(FastSimulator("index:12"), new StreamArgs(), Env(), new MemoryStream(), new StringWriter(), default));
        Assert.Contains("4-digit index code", e.Message);
        var e2 = await Assert.ThrowsAsync<Kis.Realtime.Cli.Configuration.CliUsageException>(() =>
            StreamCommand.RunAsync(FastSimulator("ticks:0001"), new StreamArgs(), Env(), new MemoryStream(), new StringWriter(), default));
        Assert.Contains("unknown TR 'ticks'", e2.Message);
    }

    [Fact]
    public async Task Half_given_credentials_are_a_usage_error_not_a_silent_simulator()
    {
        var e = await Assert.ThrowsAsync<Kis.Realtime.Cli.Configuration.CliUsageException>(() =>
            StreamCommand.RunAsync(new ConnectionArgs(), new StreamArgs(), Env(new() { ["KIS_APP_KEY"] = "PSrealkey" }), new MemoryStream(), new StringWriter(),
                default));
        Assert.Contains("both the app key and the app secret", e.Message);
    }

    [Fact]
    public async Task With_real_credentials_and_no_hts_id_the_default_set_leaves_out_notices()
    {
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = MarketPace.PerSecond(100) });
        var env = Env(new()
        {
            ["KIS_APP_KEY"] = SimulatorOptions.DefaultAppKey,
            ["KIS_APP_SECRET"] = SimulatorOptions.DefaultAppSecret,
            ["KIS_WS_URL"] = sim.WebSocketUrl.ToString(),
            ["KIS_REST_URL"] = sim.RestBaseUrl.ToString(),
        });
        var stdout = new MemoryStream();
        var exit = await StreamCommand.RunAsync(new ConnectionArgs(), new StreamArgs { Format = "jsonl", Count = 100 }, env, stdout, new StringWriter(),
            default)
            .WaitAsync(CliTimeout);
        Assert.Equal(0, exit);
        var trs = JsonLines(stdout.ToArray()).Select(r => r.GetProperty("tr_id").GetString()).ToHashSet();
        Assert.DoesNotContain("H0IFCNI0", trs);
        Assert.Contains("H0UPCNT0", trs);
    }

    /// <summary>A stream that calls back once its content meets a condition (the test's "user presses Ctrl+C").</summary>
    private sealed class NotifyingStream(Action callback, Func<string, bool> condition) : MemoryStream
    {
        public bool Fired { get; private set; }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            base.Write(buffer);
            Fire();
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            base.Write(buffer, offset, count);
            Fire();
        }

        public override void WriteByte(byte value)
        {
            base.WriteByte(value);
            Fire();
        }

        private void Fire()
        {
            if (Fired || !condition(Encoding.UTF8.GetString(GetBuffer(), 0, (int)Length))) return;
            Fired = true;
            callback();
        }
    }
}
