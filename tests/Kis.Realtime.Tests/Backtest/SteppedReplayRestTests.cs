using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Kis.Realtime.Samples;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Trading.Core;
using Kis.Realtime.Simulator.Trading.Rules;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// Issue 73, finding 6: a stepped replay a REST client can use. <c>kisrt sim --replay FILE --step</c> serves the next
/// recorded frame only when a client asks (<c>POST /sim/step</c>), on the simulator's real clock; the sample strategy
/// over KIS's REST and WebSocket (the library's clients, as any language's would talk to it) steps it after each frame
/// and gets the backtest's orders and fills field by field, while every core of the machine is kept busy (a free-running
/// replay at speed 1 lost 1 of 5 fills to an 882 ms answer under load).
/// </summary>
public sealed class SteppedReplayRestTests
{
    private const string Account = PaperReplayRun.Account;
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task A_strategy_over_REST_stepping_the_replay_gets_the_backtests_fills_with_every_core_busy()
    {
        const int trades = 300;
        var dir = BacktestRecording.Write(Cli.CliTestKit.EmptyDirectory(), trades);
        var backtestStrategy = new MeanReversionStrategy();
        var backtest = await KisBacktest.RunAsync(new KisRecordingFolder(dir), backtestStrategy.RunAsync,
            new KisBacktestOptions { HtsId = SimulatorOptions.DefaultHtsId, Latency = TimeSpan.Zero }).WaitAsync(RunTimeout);

        var rawLog = BacktestRecording.RawLog(dir);
        using var busy = new BusyCores();
        await using var sim = await StartSimAsync(o => o with
        {
            ReplayFile = rawLog, ReplayStep = true, ReplayStartAfterSubscriptions = 2, Pace = MarketPace.Off, RandomNotices = false,
            Profile = SimulatorProfile.Real,
        });
        var reader = sim.Hub.Venue.OpenNotices(SimulatorOptions.DefaultHtsId, derivative: false);
        using var http = new HttpClient { BaseAddress = sim.RestBaseUrl };
        using var orders = new KisOrderClient(new KisOrderOptions
        {
            Credential = DefaultCredential, Account = new KisAccount(Account, "01"), RestBaseUrl = sim.RestBaseUrl, Environment = KisEnvironment.Real,
        });
        var client = new KisRealtimeClient(Options(sim) with { LivenessTimeout = TimeSpan.FromMinutes(5) });
        await using var _ = client;
        // What the last step answered: the trades it has served and the notices the venue had issued by then. A trade
        // goes to the strategy once its step has answered and the strategy's book applied those notices.
        long answeredTrades = 0, notices = 0, handed = 0;
        var stepped = new SteppedClient(client, ct =>
        {
            var trade = Interlocked.Increment(ref handed);
            return SteppedReplay.Until(() => Interlocked.Read(ref answeredTrades) >= trade && orders.Book.NoticesApplied >= Interlocked.Read(ref notices),
                $"trade {trade}'s step and notices");
        });
        var paperStrategy = new MeanReversionStrategy();
        using var stop = new CancellationTokenSource();
        var run = paperStrategy.RunAsync(stepped, orders, stop.Token);

        // One step a frame: every frame is served only after the strategy is done with the trades before it.
        var frames = SteppedReplay.Frames(rawLog).ToList();
        long served = 0;
        foreach (var (_, isTrade) in frames)
        {
            var answer = await StepAsync(http, "frames=1").WaitAsync(RunTimeout);
            served = answer.GetProperty("served").GetInt64();
            Interlocked.Exchange(ref notices, answer.GetProperty("notices").GetInt64());
            if (!isTrade) continue;
            var trade = Interlocked.Increment(ref answeredTrades);
            await SteppedReplay.Until(() => stepped.TradesHandled >= trade, $"the strategy done with trade {trade}").WaitAsync(RunTimeout);
        }
        Assert.Equal(frames.Count, served);
        Assert.True((await StepAsync(http, "frames=1")).GetProperty("done").GetBoolean());
        // The day's end: the market clock past KRX's close (the recording is over), what is left expires.
        var close = frames[^1].At.ToOffset(KoreaTime.Offset).Date + new TimeSpan(15, 31, 0);
        await StepAsync(http, "until=" + close.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture));
        var venue = sim.Hub.Venue;
        await SteppedReplay.Until(() => venue.View(Account + "01").Orders.All(o => o.Remaining == 0) && orders.Book.NoticesApplied >= venue.NoticesPublished,
            "the day's end").WaitAsync(RunTimeout);
        await stop.CancelAsync();
        try
        {
            await run.WaitAsync(RunTimeout);
        }
        catch (OperationCanceledException)
        {
            // stopped here
        }

        Assert.Equal(trades, paperStrategy.TradesSeen);
        Assert.True(backtestStrategy.Sent.Count >= 5, $"only {backtestStrategy.Sent.Count} orders: no comparison");
        Assert.Equal(backtestStrategy.Signals, paperStrategy.Signals);
        Assert.Equal(backtestStrategy.Sent, paperStrategy.Sent);
        Assert.Equal(backtestStrategy.Results.Select(r => (r.IsAccepted, r.Refusal?.MessageCode)),
            paperStrategy.Results.Select(r => (r.IsAccepted, r.Refusal?.MessageCode)));
        var backtestIndex = Numbers(backtestStrategy);
        var paperIndex = Numbers(paperStrategy);
        var paperNotices = new List<PaperNotice>();
        while (venue.NextNotice(reader) is { } notice) paperNotices.Add(notice);
        // Fills field by field: which order, quantity, price, market time; and each order's costs.
        var backtestFills = backtest.Fills.Select(f => (backtestIndex[f.OrderNumber], f.Quantity, f.Price, f.Time.ToOffset(KoreaTime.Offset).DateTime))
            .ToList();
        var paperFills = paperNotices.Where(n => n.Event.Kind == OrderEventKind.Filled)
            .Select(n => (paperIndex[n.Event.Number.ToString("D10", CultureInfo.InvariantCulture)], n.Event.Quantity, (decimal)n.Event.Price, n.Event.At))
            .ToList();
        Assert.NotEmpty(backtestFills);
        Assert.Equal(backtestFills, paperFills);
        var view = venue.View(Account + "01");
        Assert.Equal((backtest.Summary.Commission, backtest.Summary.Tax), (view.Orders.Sum(o => o.Commission), view.Orders.Sum(o => o.Tax)));
        Assert.Equal((long)decimal.Floor(backtest.Summary.EndingCash), view.Cash);
    }

    [Fact]
    public async Task A_step_is_refused_when_the_replay_is_not_stepped_and_until_before_the_recordings_end()
    {
        var dir = BacktestRecording.Write(Cli.CliTestKit.EmptyDirectory(), 20);
        await using (var free = await StartSimAsync(o => o with { ReplayFile = BacktestRecording.RawLog(dir), Pace = MarketPace.Off }))
        {
            using var http = new HttpClient { BaseAddress = free.RestBaseUrl };
            using var answer = await http.PostAsync(new Uri("/sim/step", UriKind.Relative), null);
            Assert.Equal(System.Net.HttpStatusCode.Conflict, answer.StatusCode);
        }
        await using var stepped = await StartSimAsync(o => o with { ReplayFile = BacktestRecording.RawLog(dir), ReplayStep = true, Pace = MarketPace.Off });
        using var client = new HttpClient { BaseAddress = stepped.RestBaseUrl };
        using var early = await client.PostAsync(new Uri("/sim/step?until=2026-11-23T15:31:00", UriKind.Relative), null);
        Assert.Equal(System.Net.HttpStatusCode.Conflict, early.StatusCode);
        using var bad = await client.PostAsync(new Uri("/sim/step?frames=0", UriKind.Relative), null);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Until_before_the_market_time_or_over_7_days_past_the_last_frame_is_refused_and_moves_nothing()
    {
        var dir = BacktestRecording.Write(Cli.CliTestKit.EmptyDirectory(), 20);
        await using var sim = await StartSimAsync(o => o with
        {
            ReplayFile = BacktestRecording.RawLog(dir), ReplayStep = true, ReplayToAllSessions = true, Pace = MarketPace.Off, RandomNotices = false,
        });
        using var http = new HttpClient { BaseAddress = sim.RestBaseUrl };
        var client = new KisRealtimeClient(Options(sim));
        await using var _ = client;
        await client.ConnectAsync().WaitAsync(RunTimeout);
        var all = await StepAsync(http, "frames=1000").WaitAsync(RunTimeout);
        Assert.True(all.GetProperty("done").GetBoolean());
        var last = sim.Hub.Market.Clock.Now();
        foreach (var until in new[] { last.AddSeconds(-1), last.AddDays(7).AddSeconds(1), new DateTime(9999, 12, 31, 23, 59, 59) })
        {
            var text = until.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
            using var refused = await http.PostAsync(new Uri("/sim/step?until=" + text, UriKind.Relative), null);
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
            var body = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains("until", body.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.Equal(last, sim.Hub.Market.Clock.Now());
        }
        // A week on is taken; the market cannot go back from there, though it is within the week.
        var week = last.AddDays(7).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
        var moved = await StepAsync(http, "until=" + week);
        Assert.StartsWith(week, moved.GetProperty("market_time").GetString(), StringComparison.Ordinal);
        using var back = await http.PostAsync(new Uri("/sim/step?until=" + last.AddDays(1).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture),
            UriKind.Relative), null);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, back.StatusCode);
    }

    [Fact]
    public async Task A_step_whose_client_went_away_gives_back_the_frames_it_was_not_served()
    {
        var dir = BacktestRecording.Write(Cli.CliTestKit.EmptyDirectory(), 20);
        await using var sim = await StartSimAsync(o => o with
        {
            ReplayFile = BacktestRecording.RawLog(dir), ReplayStep = true, ReplayToAllSessions = true, Pace = MarketPace.Off, RandomNotices = false,
        });
        var gate = sim.StepGate!;
        using var http = new HttpClient { BaseAddress = sim.RestBaseUrl };
        using (var abort = new CancellationTokenSource())
        {
            // No session yet, so the replay has not started: the grant waits for frames that do not come.
            var big = http.PostAsync(new Uri("/sim/step?frames=1000000", UriKind.Relative), null, abort.Token);
            await SteppedReplay.Until(() => gate.Granted == 1_000_000, "the large grant").WaitAsync(RunTimeout);
            await abort.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => big);
        }
        await SteppedReplay.Until(() => gate.Granted == 0, "the aborted grant given back").WaitAsync(RunTimeout);
        var one = StepAsync(http, "frames=1");
        var client = new KisRealtimeClient(Options(sim));
        await using var _ = client;
        await client.ConnectAsync().WaitAsync(RunTimeout);
        var answer = await one.WaitAsync(RunTimeout);
        Assert.Equal((1L, 1L), (answer.GetProperty("frames").GetInt64(), answer.GetProperty("served").GetInt64()));
        Assert.Equal(1, gate.Granted);
    }

    /// <summary>A step's <c>notices</c> with <c>hts_id</c> counts the notices of that HTS ID only (what its notice
    /// subscriptions get), not every account's: a strategy waiting for that many would otherwise wait for another's.</summary>
    [Fact]
    public async Task A_step_counts_the_notices_of_the_hts_id_it_names_not_every_accounts()
    {
        var dir = BacktestRecording.Write(Cli.CliTestKit.EmptyDirectory(), 20);
        var other = new SimulatorCredential("PSsecondStepperKey00000000", "second-secret", "stepper02");
        await using var sim = await StartSimAsync(o => o with
        {
            ReplayFile = BacktestRecording.RawLog(dir), ReplayStep = true, ReplayToAllSessions = true, Pace = MarketPace.Off, RandomNotices = false,
            Profile = SimulatorProfile.Real, Credentials = [.. o.Credentials, other],
        });
        using var http = new HttpClient { BaseAddress = sim.RestBaseUrl };
        var feed = new KisRealtimeClient(Options(sim));
        await using var _ = feed;
        await feed.ConnectAsync().WaitAsync(RunTimeout);
        Assert.True((await StepAsync(http, "frames=1000").WaitAsync(RunTimeout)).GetProperty("done").GetBoolean());
        KisOrderClient Orders(KisCredential credential, string account) => new(new KisOrderOptions
        {
            Credential = credential, Account = new KisAccount(account, "01"), RestBaseUrl = sim.RestBaseUrl, Environment = KisEnvironment.Real,
        });
        using var mine = Orders(DefaultCredential, Account);
        using var theirs = Orders(new KisCredential(other.AppKey, other.AppSecret), "60000001");
        var resting = KisOrderRequest.Stock("005930", OrderSide.Buy, 1, 60_000); // inside 49,000..91,000, under the market: rests
        Assert.True((await mine.PlaceAsync(resting).WaitAsync(RunTimeout)).IsAccepted);
        for (var i = 0; i < 2; i++) Assert.True((await theirs.PlaceAsync(resting).WaitAsync(RunTimeout)).IsAccepted);

        long Notices(JsonElement answer) => answer.GetProperty("notices").GetInt64();
        Assert.Equal(1, Notices(await StepAsync(http, "frames=1&hts_id=" + SimulatorOptions.DefaultHtsId)));
        Assert.Equal(2, Notices(await StepAsync(http, "frames=1&hts_id=stepper02")));
        Assert.Equal(3, Notices(await StepAsync(http, "frames=1"))); // no hts_id: every account's
        // An HTS ID no credential or account has, or two of them, would count notices that never come: refused.
        Assert.Contains("empty", await StepRefusedAsync(http, "frames=1&hts_id="));
        Assert.Contains("'nobody' is not the HTS ID of any credential or account", await StepRefusedAsync(http, "frames=1&hts_id=nobody"));
        Assert.Contains("once", await StepRefusedAsync(http, $"frames=1&hts_id={SimulatorOptions.DefaultHtsId}&hts_id=stepper02"));
    }

    [Fact]
    public async Task A_refused_step_echoes_at_most_the_start_of_what_it_refuses_in_printable_characters()
    {
        var dir = BacktestRecording.Write(Cli.CliTestKit.EmptyDirectory(), 20);
        await using var sim = await StartSimAsync(o => o with { ReplayFile = BacktestRecording.RawLog(dir), ReplayStep = true, Pace = MarketPace.Off });
        using var http = new HttpClient { BaseAddress = sim.RestBaseUrl };
        // 7,000 characters fit Kestrel's 8 kB request line; a control character leads them.
        var refused = "%1B" + new string('x', 7_000);
        foreach (var query in new[] { "hts_id=" + refused, "until=" + refused, "frames=" + refused })
        {
            var error = await StepRefusedAsync(http, query);
            Assert.True(error.Length < 300, $"{query[..6]}: {error.Length} characters echoed");
            Assert.DoesNotContain('\u001b', error);
            Assert.Contains("xxxxxxxxxx", error, StringComparison.Ordinal); // the start of it, to recognise
            Assert.Contains("7,001 characters", error, StringComparison.Ordinal);
        }
        // 10 kB: Kestrel refuses the request line itself (414), so nothing of it comes back.
        using var tooLong = await http.PostAsync(new Uri("/sim/step?hts_id=" + new string('y', 10_000), UriKind.Relative), null);
        Assert.Equal(System.Net.HttpStatusCode.RequestUriTooLong, tooLong.StatusCode);
        Assert.DoesNotContain("yyyyyyyyyy", await tooLong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>A step refused with 400: its error.</summary>
    private static async Task<string> StepRefusedAsync(HttpClient http, string query)
    {
        using var answer = await http.PostAsync(new Uri("/sim/step?" + query, UriKind.Relative), null);
        var body = await answer.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, answer.StatusCode);
        return body.GetProperty("error").GetString()!;
    }

    private static async Task<JsonElement> StepAsync(HttpClient http, string query)
    {
        using var answer = await http.PostAsync(new Uri("/sim/step?" + query, UriKind.Relative), null);
        var body = await answer.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(answer.IsSuccessStatusCode, body.ToString());
        return body;
    }

    private static Dictionary<string, int> Numbers(MeanReversionStrategy strategy)
        => strategy.Results.Where(r => r.IsAccepted).Select((r, i) => (r.OrderNumber!, i)).ToDictionary(p => p.Item1, p => p.i);

    /// <summary>Keeps every core busy (a thread spinning on each, at normal priority) until disposed.</summary>
    private sealed class BusyCores : IDisposable
    {
        private volatile bool _stop;
        private readonly Thread[] _threads;

        public BusyCores()
        {
            _threads = [.. Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new Thread(Spin) { IsBackground = true })];
            foreach (var t in _threads) t.Start();
        }

        private void Spin()
        {
            var x = 0UL;
            while (!_stop) x = x * 6364136223846793005UL + 1442695040888963407UL;
            GC.KeepAlive(x);
        }

        public void Dispose()
        {
            _stop = true;
            foreach (var t in _threads) t.Join();
        }
    }
}
