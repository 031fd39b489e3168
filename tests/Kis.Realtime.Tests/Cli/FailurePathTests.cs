using System.Text;
using Kis.Realtime.Cli;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Client;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>Every failure is one line naming what to fix, with the README's exit code (2 usage, 3 run failed, 1 bad input).</summary>
public class FailurePathTests
{
    private static async Task<(int Exit, string Errors)> Stream(ConnectionArgs connection, StreamArgs? args = null, StringWriter? stderr = null)
    {
        stderr ??= new StringWriter();
        var exit = await KisrtApp.GuardAsync(
            () => StreamCommand.RunAsync(connection, args ?? new StreamArgs { Format = "jsonl", Count = 20 }, Env(), new MemoryStream(), stderr, default),
            stderr).WaitAsync(CliTimeout);
        return (exit, stderr.ToString());
    }

    private static ConnectionArgs Against(KisSimulator sim, params string[] subs) => new()
    {
        Subscriptions = subs,
        WebSocketUrl = sim.WebSocketUrl.ToString(),
        RestUrl = sim.RestBaseUrl.ToString(),
        AppKey = SimulatorOptions.DefaultAppKey,
        AppSecret = SimulatorOptions.DefaultAppSecret,
    };

    private static int Occurrences(string text, string part) =>
        (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    [Theory]
    [InlineData("could not connect", "could not connect.")]
    [InlineData("could not connect. ", "could not connect.")]
    [InlineData("is `kisrt gateway` running with namespace kis?", "is `kisrt gateway` running with namespace kis?")]
    [InlineData("refused!", "refused!")]
    public void A_failure_is_one_sentence_with_one_closing_mark(string text, string expected) =>
        Assert.Equal(expected, Kis.Realtime.Cli.Configuration.CliFailures.Sentence(text));

    [Fact]
    public async Task Nothing_listening_on_the_websocket_url_is_one_line_naming_the_url_exit_3()
    {
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = MarketPace.Off });
        using var closed = new RefusingPort();
        var url = $"ws://127.0.0.1:{closed.Port}/";
        var (exit, errors) = await Stream(Against(sim, "index:0001", "program:005930") with { WebSocketUrl = url });

        Assert.Equal(3, exit);
        // One report: the exception's line, not also a library warning about the same refused connection.
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("kisrt: could not connect to " + url, line);
        Assert.Contains("--ws-url / KIS_WS_URL", line);
        Assert.DoesNotContain("..", line);
        Assert.DoesNotContain("   at ", errors);
    }

    [Theory]
    [InlineData("stream --count abc", "kisrt: --count: 'abc' is not a number")]
    [InlineData("record --count 1x --out x.jsonl", "kisrt: --count: '1x' is not a number")]
    public async Task A_value_that_does_not_parse_is_named_in_words(string command, string expected)
    {
        var stderr = new StringWriter();
        var exit = await KisrtApp.RunAsync(command.Split(' '), new StringWriter(), stderr).WaitAsync(CliTimeout);
        Assert.Equal(2, exit);
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd()).ToList();
        Assert.Equal(expected, lines[0]);
        Assert.DoesNotContain("System.", stderr.ToString());
    }

    [Fact]
    public async Task Wss_url_is_refused_up_front_as_a_usage_error()
    {
        var (exit, errors) = await Stream(new ConnectionArgs { WebSocketUrl = "wss://ops.koreainvestment.com:21000", RestUrl = "http://127.0.0.1:1/" });
        Assert.Equal(2, exit);
        Assert.Equal("kisrt: KIS_WS_URL / --ws-url: KIS's real-time service is plain ws:// and the client does not speak TLS (wss://); " +
                     "use ws://ops.koreainvestment.com:21000/ or leave it unset for KIS's own URL.", errors.Trim());
    }

    [Fact]
    public async Task Unreachable_approval_url_fails_after_one_bounded_attempt_exit_3()
    {
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = MarketPace.Off });
        using var closed = new RefusingPort();
        var (exit, errors) = await Stream(Against(sim, "index:0001", "program:005930") with { RestUrl = $"http://127.0.0.1:{closed.Port}/" });

        Assert.Equal(3, exit);
        // One report (a refused connection is not reported again by the log), naming the REST setting, one full stop.
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("kisrt: could not reach the approval server http://127.0.0.1:", line);
        Assert.EndsWith("Check --rest-url / KIS_REST_URL and the network.", line.TrimEnd());
        Assert.DoesNotContain("--ws-url", line);
        Assert.DoesNotContain("..", line);
        Assert.Equal(0, sim.Counters.Replies("OPSP0000"));
    }

    [Fact]
    public async Task Wrong_app_secret_is_reported_once_with_the_servers_code_and_no_secret_exit_3()
    {
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = MarketPace.Off });
        const string secret = "wrong-secret-that-must-never-be-printed";
        var (exit, errors) = await Stream(Against(sim, "index:0001", "bond:KR103502GD31", "program:005930") with { AppSecret = secret });

        Assert.Equal(3, exit);
        Assert.Equal(1, Occurrences(errors, "EGW00105"));
        Assert.Contains("HTTP 403", errors);
        Assert.Contains("Check the app key and app secret", errors);
        Assert.DoesNotContain(secret, errors);
        Assert.DoesNotContain("no KIS credentials configured", errors);
        Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Library_warnings_reach_stderr_by_default_and_log_level_none_silences_them()
    {
        // The simulator accepts notices only for its own HTS ID: this one is refused, the index streams. The client
        // subscribes both at once and each subscription has its own task, so the index's records could end the run
        // (--count) before the refusal was counted (exit 0 at load ~27, 60 records at 100/s). The market clock is held,
        // so no index record comes until the refusal has been reported, however slow the machine.
        var time = new Kis.Realtime.Tests.Bars.HeldMarketTime();
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = MarketPace.PerSecond(100), TimeProvider = time });
        var subs = new[] { "notice:otheruser1", "index:0001" };
        var args = new StreamArgs { Format = "jsonl", Count = 20 };

        var (exit, errors) = await StreamOnceRefused(time, Against(sim, subs), args);
        Assert.Equal(1, exit);
        Assert.Contains("kisrt: warn: Session 0: KIS refused H0IFCNI0 otheruser1", errors);

        time.Hold();
        var (quietExit, quiet) = await StreamOnceRefused(time, Against(sim, subs) with { LogLevel = "none" }, args);
        Assert.Equal(1, quietExit);
        Assert.DoesNotContain("kisrt: warn:", quiet);
    }

    // Streams on a held clock and lets the clock run once the refusal of the notice subscription is reported.
    private static async Task<(int Exit, string Errors)> StreamOnceRefused(Kis.Realtime.Tests.Bars.HeldMarketTime time,
        ConnectionArgs connection, StreamArgs args)
    {
        var stderr = new SharedStringWriter();
        var streaming = Stream(connection, args, stderr);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        var deadline = DateTime.UtcNow + CliTimeout;
        while (!stderr.ToString().Contains("kisrt: H0IFCNI0:otheruser1: ", StringComparison.Ordinal))
        {
            Assert.False(streaming.IsCompleted, "the stream ended before the refusal was reported");
            Assert.True(DateTime.UtcNow < deadline, "the refusal was not reported in time");
            await timer.WaitForNextTickAsync();
        }
        time.Run();
        return await streaming;
    }

    /// <summary>A StringWriter the test may read while the command writes to it from other threads.</summary>
    private sealed class SharedStringWriter : StringWriter
    {
        private readonly Lock _gate = new();

        public override void Write(char value)
        {
            lock (_gate) base.Write(value);
        }

        public override void Write(char[] buffer, int index, int count)
        {
            lock (_gate) base.Write(buffer, index, count);
        }

        public override void Write(ReadOnlySpan<char> buffer)
        {
            lock (_gate) base.Write(buffer);
        }

        public override void Write(string? value)
        {
            lock (_gate) base.Write(value);
        }

        public override void WriteLine(ReadOnlySpan<char> buffer)
        {
            lock (_gate) base.WriteLine(buffer);
        }

        public override void WriteLine(string? value)
        {
            lock (_gate) base.WriteLine(value);
        }

        public override string ToString()
        {
            lock (_gate) return base.ToString();
        }
    }

    [Fact]
    public async Task Unknown_log_level_is_a_usage_error()
    {
        var (exit, errors) = await Stream(FastSimulator("index:0001") with { LogLevel = "loud" });
        Assert.Equal(2, exit);
        Assert.StartsWith("kisrt: --log-level must be trace, debug, information, warning, error, critical or none, not 'loud'.", errors);
    }

    [Fact]
    public void Decode_caps_bad_line_reports_and_gives_the_total()
    {
        var input = new MemoryStream(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("garbage\n", 100))));
        var errors = new StringWriter();
        var exit = DecodeCommand.Run(input, new MemoryStream(), errors);

        Assert.Equal(1, exit);
        var lines = errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(DecodeCommand.ReportedBadLines + 2, lines.Length);
        Assert.StartsWith("kisrt decode: line 1: ", lines[0]);
        Assert.StartsWith($"kisrt decode: line {DecodeCommand.ReportedBadLines}: ", lines[DecodeCommand.ReportedBadLines - 1]);
        Assert.Equal("kisrt decode: 100 of 100 lines could not be decoded", lines[^1]);
    }

    [Fact]
    public async Task Decode_of_a_folder_or_a_missing_file_names_the_problem_exit_3()
    {
        var dir = EmptyDirectory();
        var (exit, errors) = await Kisrt("decode", dir);
        Assert.Equal(3, exit);
        Assert.Equal($"kisrt: decode: {dir} is a folder; give a file, e.g. {Path.Combine(dir, "yyyy-MM-dd", "raw.log")}.", errors.Trim());

        var missing = Path.Combine(dir, "nope.log");
        (exit, errors) = await Kisrt("decode", missing);
        Assert.Equal(3, exit);
        Assert.Equal($"kisrt: decode: {missing}: no such file.", errors.Trim());
    }

    [Theory]
    [InlineData("--ws-port", "99999", "kisrt: --ws-port must be a TCP port from 0 to 65535 (0 = any free port), not 99999.")]
    [InlineData("--rest-port", "-1", "kisrt: --rest-port must be a TCP port from 0 to 65535 (0 = any free port), not -1.")]
    [InlineData("--ping-interval", "0s", "kisrt: --ping-interval must be longer than zero.")]
    [InlineData("--replay-speed", "-2", "kisrt: --replay-speed must be 0 (flat out) or a positive factor, not -2.")]
    public async Task Sim_option_out_of_range_is_a_usage_error_in_the_options_words(string option, string value, string expected)
    {
        var (exit, errors) = await Kisrt("sim", option, value);
        Assert.Equal(2, exit);
        Assert.Equal(expected, errors.Trim());
    }

    [Fact]
    public async Task Decode_help_shows_file_as_optional()
    {
        var output = new StringWriter();
        var exit = await KisrtApp.RunAsync(["decode", "--help"], output, new StringWriter());
        Assert.Equal(0, exit);
        Assert.Contains(" decode [<FILE>] [options]", output.ToString());
        Assert.Contains("Optional. File of raw server messages", output.ToString());
    }

    [Fact]
    public async Task Unknown_option_is_a_usage_error_exit_2()
    {
        var (exit, errors) = await Kisrt("stream", "--bogus");
        Assert.Equal(2, exit);
        Assert.Contains("kisrt: see 'kisrt stream --help'.", errors); // the subcommand's own help lists its options
    }

    private static async Task<(int Exit, string Errors)> Kisrt(params string[] args)
    {
        var stderr = new StringWriter();
        var exit = await KisrtApp.RunAsync(args, new StringWriter(), stderr).WaitAsync(CliTimeout);
        return (exit, stderr.ToString());
    }
}

public class OutputFolderFailureTests
{
    [Fact]
    public async Task Out_naming_an_existing_file_fails_before_connecting_exit_3()
    {
        var file = Path.Combine(CliTestKit.EmptyDirectory(), "taken");
        await File.WriteAllTextAsync(file, "x");
        var stderr = new StringWriter();
        var exit = await Kis.Realtime.Cli.KisrtApp.GuardAsync(() => Kis.Realtime.Cli.Commands.RecordCommand.RunAsync(
            CliTestKit.FastSimulator("index:0001"), file, 10, null, CliTestKit.Env(), stderr, default), stderr);
        Assert.Equal(3, exit);
        Assert.Equal($"kisrt: --out {file}: a file by that name exists; give a folder.", stderr.ToString().Trim());
    }

    [Fact]
    public async Task Out_with_the_table_format_is_a_usage_error()
    {
        var e = await Assert.ThrowsAsync<Kis.Realtime.Cli.Configuration.CliUsageException>(() => Kis.Realtime.Cli.Commands.StreamCommand.RunAsync(
            CliTestKit.FastSimulator("index:0001"),
                new Kis.Realtime.Cli.Commands.StreamArgs { Format = "table", OutputDirectory = CliTestKit.EmptyDirectory() },
            CliTestKit.Env(), new MemoryStream(), new StringWriter(), default));
        Assert.Equal("--out writes csv or jsonl files: add --format csv or --format jsonl.", e.Message);
    }
}

public class HeldLogTests
{
    [Fact]
    public void Lines_pass_through_until_held_then_wait_and_come_out_in_order_on_release()
    {
        var target = new StringWriter();
        var log = new Kis.Realtime.Cli.Hosting.HeldLog(target);
        log.WriteLine("before");
        log.Hold();
        for (var i = 0; i < Kis.Realtime.Cli.Hosting.HeldLog.Capacity + 5; i++) log.WriteLine($"held {i}");
        Assert.Equal("before", target.ToString().Trim());
        Assert.Equal($"held {Kis.Realtime.Cli.Hosting.HeldLog.Capacity + 4}", log.Latest);

        log.Release();
        log.WriteLine("after");
        var lines = target.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        Assert.Equal("before", lines[0]);
        Assert.Equal("kisrt: (5 earlier log lines not kept)", lines[1]);
        Assert.Equal("held 5", lines[2]);
        Assert.Equal("after", lines[^1]);
        Assert.Equal(Kis.Realtime.Cli.Hosting.HeldLog.Capacity + 3, lines.Count);
    }
}
