using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Cli.CliTestKit;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary><c>kisrt bars</c>: formats, --from, --count and the refusals (the full-day proofs are in FullDayBarsTests).</summary>
public sealed class BarsCommandTests
{
    /// <summary>A recording of about 20 market minutes of 005930's KRX trades.</summary>
    private static async Task<string> RecordMinutesAsync(int minutes)
    {
        var time = new Kis.Realtime.Tests.Bars.HeldMarketTime();
        await using var sim = await StartSimAsync(o => o with { ClockSpeed = 600, Pace = MarketPace.PerSecond(300), Seed = 3, TimeProvider = time });
        var dir = EmptyDirectory();
        Task<KisFileRecording> recording;
        await using (var client = new KisRealtimeClient(Options(sim)))
        {
            recording = KisFileRecorder.RecordAsync(client, dir);
            await client.ConnectAsync();
            using var timeout = new CancellationTokenSource(CliTimeout);
            var confirmed = sim.Counters.Replies("OPSP0000");
            await using var trades = client.SubscribeStockTradesAsync("005930", cancellationToken: timeout.Token).GetAsyncEnumerator(timeout.Token);
            var next = trades.MoveNextAsync(); // subscribes; completes at the first trade, after Run
            // From 09:00 once subscribed, however long a loaded machine took (run at connect, the first trade came after
            // 09:20 and the recording held one bar).
            await UntilAsync(() => sim.Counters.Replies("OPSP0000") > confirmed || next.IsCompleted, "the subscription confirmed", CliTimeout);
            time.Run();
            // Until 09:mm and at least four 5-minute bars: a stalled send loop (600x) stamps a burst with one late minute.
            var fiveMinuteBars = new HashSet<int>();
            while (await next)
            {
                var trade = trades.Current;
                fiveMinuteBars.Add((trade.Time.Hour * 60 + trade.Time.Minute) / 5);
                if (trade.Time >= new TimeOnly(9, minutes) && fiveMinuteBars.Count >= 4) break;
                next = trades.MoveNextAsync();
            }
        }
        await recording.WaitAsync(CliTimeout);
        return dir;
    }

    [Fact]
    public async Task The_table_is_aligned_from_shows_later_bars_only_and_count_stops()
    {
        var dir = await RecordMinutesAsync(20);
        await using var replay = new KisReplayClient(new KisRecordingFolder(dir));
        var expected = new List<Bar>();
        await foreach (var bar in replay.SubscribeStockTradesAsync("005930").ToBarsAsync(BarSpec.Minutes(5)))
            expected.Add(bar);

        var from = TimeOnly.FromTimeSpan(expected[1].OpenTime.TimeOfDay);
        var table = new StringWriter();
        var stderr = new StringWriter();
        var exit = await BarsCommand.RunAsync(new ConnectionArgs { Subscriptions = ["stock:005930"] },
            new BarsArgs { Replay = dir, Format = "table", Interval = "5m", From = from.ToString("HH:mm") }, Env(), table, stderr, default).WaitAsync(
                CliTimeout);
        Assert.True(exit == 0, stderr.ToString());
        var lines = table.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        Assert.StartsWith("bars of ", lines[0]);
        var header = lines[1];
        var rows = lines.Skip(2).ToList();
        var shown = expected.Skip(1).ToList();
        Assert.True(shown.Count >= 2, $"{expected.Count} bars recorded");
        Assert.Equal(shown.Count, rows.Count);
        Assert.All(rows, r => Assert.StartsWith("H0STCNT0 005930       5m       ", r));
        // Right-aligned numbers: each row's close ends where the header's "close" ends.
        var closeEnd = header.IndexOf("close ", StringComparison.Ordinal) + "close".Length;
        // The table groups thousands, as people read prices (61,800); CSV and JSON Lines do not.
        Assert.All(rows.Zip(shown), p => Assert.Equal(p.Second.Close.ToString("#,##0.####", System.Globalization.CultureInfo.InvariantCulture),
            p.First[..closeEnd].Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1]));
        Assert.Equal(shown.Select(b => b.OpenTime.ToString("HH:mm:ss")), rows.Select(r => r.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3]));

        var two = new StringWriter();
        exit = await BarsCommand.RunAsync(new ConnectionArgs { Subscriptions = ["stock:005930"] },
            new BarsArgs { Replay = dir, Format = "jsonl", Count = 2 }, Env(), two, stderr, default).WaitAsync(CliTimeout);
        Assert.Equal(0, exit);
        var bars = JsonLines(two.ToString());
        Assert.Equal(2, bars.Count);
        Assert.Equal(["tr_id", "key", "interval", "open_time", "close_time", "open", "high", "low", "close", "volume", "value", "trade_count", "vwap", "flags"],
            bars[0].EnumerateObject().Select(p => p.Name));
        var first = DateTimeOffset.Parse(bars[0].GetProperty("open_time").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.FromHours(9), first.Offset);
        Assert.Equal(first.AddMinutes(1),
            DateTimeOffset.Parse(bars[0].GetProperty("close_time").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_replay_whose_trades_do_not_decode_counts_them_and_fails()
    {
        // Two KRX trade frames with fields missing: nothing decodes, so no bar can be built (issue 33).
        var dir = EmptyDirectory();
        var start = new DateTimeOffset(2026, 11, 23, 0, 30, 0, TimeSpan.Zero);
        using (var recording = new Kis.Realtime.Benchmarks.SyntheticRecording(dir))
        {
            recording.Add(start, "0|H0STCNT0|001|005930^093000^too^few"u8);
            recording.Add(start.AddSeconds(1), "0|H0STCNT0|001|005930^093001^too^few"u8);
        }
        var stderr = new StringWriter();
        var exit = await BarsCommand.RunAsync(new ConnectionArgs { Subscriptions = ["stock:005930"] },
            new BarsArgs { Replay = dir, Format = "jsonl" }, Env(), new StringWriter(), stderr, default).WaitAsync(CliTimeout);
        Assert.True(exit == CliFailures.SomeInputFailed, $"exit {exit}: {stderr}");
        Assert.Contains("2 undecodable records", stderr.ToString());
    }

    [Fact]
    public async Task Bad_arguments_are_refused_before_any_session_starts()
    {
        async Task Refused(string expected, ConnectionArgs c, BarsArgs a)
        {
            var e = await Assert.ThrowsAsync<CliUsageException>(() => BarsCommand.RunAsync(c, a, Env(), new StringWriter(), new StringWriter(), default));
            Assert.Contains(expected, e.Message);
        }
        var stock = new ConnectionArgs { Subscriptions = ["stock:005930"] };
        await Refused("--interval", stock, new BarsArgs { Interval = "7x" });
        await Refused("--from", stock, new BarsArgs { From = "25:00" });
        await Refused("--format", stock, new BarsArgs { Format = "xml" });
        await Refused("--count", stock, new BarsArgs { Count = 0 });
        await Refused("--sub", new ConnectionArgs(), new BarsArgs());
        await Refused("not a trade TR", new ConnectionArgs { Subscriptions = ["book:005930"] }, new BarsArgs { Replay = EmptyDirectory() });
        await Refused("no such folder", stock, new BarsArgs { Replay = Path.Combine(EmptyDirectory(), "missing") });
        await Refused("two sources", stock with { Gateway = "amqp://127.0.0.1:1" }, new BarsArgs { Replay = EmptyDirectory() });
        await Refused("--ws-url does not apply", stock with { WebSocketUrl = "ws://127.0.0.1:1" }, new BarsArgs { Replay = EmptyDirectory() });
        await Refused("time bars", stock, new BarsArgs { Interval = "100t", Postgres = "Host=127.0.0.1;Port=1" });
    }
}
