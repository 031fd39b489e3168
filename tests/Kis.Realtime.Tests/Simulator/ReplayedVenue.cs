using System.Globalization;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Trading;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// The paper venue under <c>kisrt sim --replay</c>, as the venue tests drive it: the simulator replaying one raw.log on a
/// manual clock (from 2026-11-27 01:00 UTC), a session subscribed to a stock's trades (the replay starts with its first
/// subscriber) and an access token for KIS's REST order calls. <see cref="StartAsync"/> returns once the replay has sent
/// its first frames.
/// </summary>
internal sealed class ReplayedVenue : IAsyncDisposable
{
    private ReplayedVenue(KisSimulator sim, ManualTimeProvider clock, string token, SimTestClient feed)
        => (Sim, Clock, Token, _feed) = (sim, clock, token, feed);

    private readonly SimTestClient _feed;

    public KisSimulator Sim { get; }
    public ManualTimeProvider Clock { get; }
    public string Token { get; }
    public PaperVenue Venue => Sim.Hub.Venue;

    /// <summary>The session subscribed to the stock's trades (one session per app key: a notice test subscribes here too).</summary>
    public SimTestClient Feed => _feed;

    /// <summary>Replays <paramref name="rawLog"/> at <paramref name="speed"/> times its pace, <paramref name="code"/>'s
    /// trades subscribed (<paramref name="tradeTr"/>: H0STCNT0, or H0IFCNT0 for an index future), until
    /// <paramref name="frames"/> frames were sent (those at the recording's first instant). <paramref name="stepped"/>: a
    /// stepped replay (<c>--step</c>), its market moved on by <see cref="StepAsync"/> only, never by the clock.</summary>
    public static async Task<ReplayedVenue> StartAsync(string rawLog, string code, int frames, double speed = 1, string tradeTr = "H0STCNT0",
        bool stepped = false)
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 27, 1, 0, 0, TimeSpan.Zero));
        var sim = await global::Kis.Realtime.Tests.Simulator.Sim.StartAsync(o => o with
        {
            ReplayFile = rawLog, ReplaySpeed = speed, TimeProvider = clock, RandomNotices = false, ReplayStep = stepped,
        });
        try
        {
            var token = await MinuteChartTests.TokenAsync(sim);
            var feed = await global::Kis.Realtime.Tests.Simulator.Sim.ClientAsync(sim);
            await feed.RequestAsync(tradeTr, code);
            var venue = new ReplayedVenue(sim, clock, token, feed);
            if (stepped) await venue.StepAsync(frames);
            await global::Kis.Realtime.Tests.Simulator.Sim.UntilAsync(() => sim.Counters.ReplayFramesSent >= frames);
            return venue;
        }
        catch
        {
            await sim.DisposeAsync();
            throw;
        }
    }

    /// <summary>A stepped replay's next <paramref name="frames"/> frames (<c>POST /sim/step</c>), answered once served.</summary>
    public async Task StepAsync(int frames)
    {
        using var http = new HttpClient(new HttpClientHandler { UseProxy = false }) { BaseAddress = Sim.RestBaseUrl };
        using var answer = await http.PostAsync(new Uri($"/sim/step?frames={frames}", UriKind.Relative), null).WaitAsync(SimTestClient.Timeout);
        Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());
    }

    /// <summary>A one-day recording folder (<c>DIR/2026-11-25/raw.log</c>) holding <paramref name="recording"/>: the
    /// folder for a backtest and the raw.log for the replay.</summary>
    public static (string Folder, string RawLog) Recording(byte[] recording)
    {
        var dir = Cli.CliTestKit.EmptyDirectory();
        var day = Path.Combine(dir, "2026-11-25");
        Directory.CreateDirectory(day);
        File.WriteAllBytes(Path.Combine(day, "raw.log"), recording);
        return (dir, Path.Combine(day, "raw.log"));
    }

    /// <summary>A stock cash order through order-cash (a limit order of <paramref name="account"/>); its order number.</summary>
    public async Task<long> PlaceAsync(string account, string code, bool buy, long price, long quantity)
    {
        var placed = await PaperVenueTests.PostAsync(Sim, Token, "/uapi/domestic-stock/v1/trading/order-cash", buy ? "TTTC0012U" : "TTTC0011U",
            PaperVenueTests.Buy(price, quantity, account, code));
        Assert.True(placed.GetProperty("rt_cd").GetString() == "0", placed.GetProperty("msg1").GetString());
        return long.Parse(placed.GetProperty("output").GetProperty("ODNO").GetString()!, CultureInfo.InvariantCulture);
    }

    /// <summary>An amendment (to <paramref name="price"/>) or a cancel of <paramref name="quantity"/> of what is left of
    /// order <paramref name="original"/>, through order-rvsecncl; the number of the amendment's or cancel's own order.</summary>
    public async Task<long> AmendOrCancelAsync(string account, long original, bool cancel, long quantity, long price)
    {
        var answer = await PaperVenueTests.PostAsync(Sim, Token, "/uapi/domestic-stock/v1/trading/order-rvsecncl", "TTTC0013U", new()
        {
            ["CANO"] = account, ["ACNT_PRDT_CD"] = "01", ["KRX_FWDG_ORD_ORGNO"] = "00950",
            ["ORGN_ODNO"] = original.ToString("D10", CultureInfo.InvariantCulture),
            ["ORD_DVSN"] = "00", ["RVSE_CNCL_DVSN_CD"] = cancel ? "02" : "01", ["ORD_QTY"] = quantity.ToString(CultureInfo.InvariantCulture),
            ["ORD_UNPR"] = price.ToString(CultureInfo.InvariantCulture), ["QTY_ALL_ORD_YN"] = "N", ["EXCG_ID_DVSN_CD"] = "KRX",
        });
        Assert.True(answer.GetProperty("rt_cd").GetString() == "0", answer.GetProperty("msg1").GetString());
        return long.Parse(answer.GetProperty("output").GetProperty("ODNO").GetString()!, CultureInfo.InvariantCulture);
    }

    /// <summary>Subscribes the feed's session to <paramref name="noticeTr"/> (H0STCNI0 or H0IFCNI0) for the simulator's HTS id:
    /// a reader of the notices as a strategy gets them, encrypted frames decrypted with the key of the reply.</summary>
    public async Task<NoticeReader<T>> SubscribeNoticesAsync<T>(string noticeTr, NoticeReader<T>.TryDecode decode)
    {
        var decoder = new FrameDecoder();
        decoder.Learn(await _feed.RequestAsync(noticeTr, SimulatorOptions.DefaultHtsId));
        return new NoticeReader<T>(_feed, decoder, noticeTr, decode);
    }

    /// <summary>Every item of <paramref name="items"/> (a backtest's notice subscription) into <paramref name="into"/>.</summary>
    public static async Task Collect<T>(IAsyncEnumerable<T> items, List<T> into)
    {
        await foreach (var item in items) into.Add(item);
    }

    /// <summary>An order result that must be accepted: its order number.</summary>
    public static string Accepted(KisOrderResult result)
    {
        Assert.True(result.IsAccepted, result.Refusal?.ToString());
        return result.OrderNumber!;
    }

    public async ValueTask DisposeAsync()
    {
        await _feed.DisposeAsync();
        await Sim.DisposeAsync();
    }
}

/// <summary>A session's notices of one TR, decrypted and decoded (a strategy's view).</summary>
internal sealed class NoticeReader<T>(SimTestClient session, FrameDecoder decoder, string noticeTr, NoticeReader<T>.TryDecode decode) : IDisposable
{
    public delegate bool TryDecode(TrDefinition tr, ReadOnlySpan<byte> record, out T value, out DecodeError error);

    /// <summary>Reads frames until <paramref name="count"/> notices have come.</summary>
    public async Task<List<T>> ReadAsync(int count)
    {
        var notices = new List<T>();
        while (notices.Count < count)
        {
            var frame = await session.NextDataAsync(noticeTr);
            Assert.StartsWith($"1|{noticeTr}|", frame.Text); // encrypted, as KIS sends notices
            Assert.True(DataFrame.TryParse(frame.Data, out var data, out var parseError), parseError.ToString());
            Assert.True(decoder.TryOpen(data, out var tr, out var records, out var error), error.ToString());
            while (records.TryNext(out var record))
            {
                Assert.True(decode(tr, record, out var notice, out error), error.ToString());
                notices.Add(notice);
            }
        }
        return notices;
    }

    public void Dispose() => decoder.Dispose();
}
