using System.Text;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>Records of one session, decoded (notices decrypted with the session's keys), in arrival order.</summary>
internal sealed class SessionRecords : IDisposable
{
    /// <summary>
    /// Records a read takes at most before it fails: a condition that never holds against a flat-out simulator must end
    /// the test, not grow the test host until the kernel kills it (far more than any test here needs).
    /// </summary>
    public const int MaxRecords = 200_000;

    private readonly FrameDecoder _decoder = new();
    private readonly Dictionary<string, List<string>> _byTr = [];

    public List<(string TrId, string Record)> Records { get; } = [];
    public int Replies { get; private set; }
    public int Pings { get; private set; }

    /// <summary>One TR's records in arrival order (kept per TR as they come: conditions checked per message stay cheap).</summary>
    public IReadOnlyList<string> Of(string trId) => _byTr.TryGetValue(trId, out var records) ? records : [];

    public int Count(string trId) => Of(trId).Count;

    private static readonly TimeSpan HangTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Reads messages until <paramref name="done"/> holds (every message in order: replies teach the keys).</summary>
    public async Task ReadUntilAsync(SimTestClient c, Func<SessionRecords, bool> done)
    {
        while (!done(this))
        {
            if (Records.Count >= MaxRecords)
                throw new InvalidOperationException($"Read {Records.Count} records and the condition still does not hold.");
            WsReceived m;
            // A hang detector, not a latency check: a loaded CI machine once left a session 10 s without a message.
            try { m = await c.NextAsync(HangTimeout); }
            catch (OperationCanceledException)
            {
                var last = Records.Count > 0 ? Records[^1].TrId + " " + Records[^1].Record[..Math.Min(60, Records[^1].Record.Length)] : "none";
                throw new TimeoutException(
                    $"No message for {HangTimeout.TotalSeconds} s after {Records.Count} records ({Replies} replies, {Pings} pings); the last: {last}.");
            }
            if (m.IsControl)
            {
                Assert.True(ControlMessage.TryParse(m.Data, out var reply));
                if (reply.Kind == ControlMessageKind.PingPong) Pings++;
                if (reply.Kind != ControlMessageKind.Reply) continue;
                Assert.Equal(OpspCode.SubscribeSuccess, reply.Code);
                _decoder.Learn(reply);
                Replies++;
                continue;
            }
            Assert.True(DataFrame.TryParse(m.Data, out var f, out var err), err.ToString());
            Assert.True(_decoder.TryOpen(f, out var tr, out var records, out err), err.ToString());
            if (!_byTr.TryGetValue(tr.Id, out var ofTr)) _byTr[tr.Id] = ofTr = [];
            while (records.TryNext(out var r))
            {
                var record = Encoding.UTF8.GetString(r);
                Records.Add((tr.Id, record));
                ofTr.Add(record);
            }
        }
    }

    public void Dispose() => _decoder.Dispose();
}

public sealed class MarketTests
{
    private static readonly string[][] Subs =
        [["H0UPCNT0", "0001"], ["H0BJCNT0", "KR103502GD31"], ["H0UNPGM0", "005930"], ["H0NXPGM0", "005930"], ["H0IFCNI0", SimulatorOptions.DefaultHtsId]];

    private static T Decode<T>(string trId, string record) where T : struct, IKisRecord<T>
    {
        Assert.True(KisTrs.TryGet(trId, out var tr));
        Assert.True(T.TryDecode(tr, Encoding.UTF8.GetBytes(record), out var value, out var err), $"{err} in {record}");
        return value;
    }

    private static TimeOnly TimeOf(string trId, string record) => trId switch
    {
        "H0UPCNT0" => Decode<IndexTick>(trId, record).Time,
        "H0BJCNT0" => Decode<BondTrade>(trId, record).Time,
        "H0IFCNI0" => TimeOnly.ParseExact(record.Split('^')[10], "HHmmss"),
        _ => Decode<ProgramTrade>(trId, record).Time,
    };

    private static async Task<SessionRecords> RunSessionAsync(KisSimulator sim, int perTr, bool drop)
    {
        await using var c = await Sim.ClientAsync(sim);
        foreach (var s in Subs) await c.SubscribeAsync(s[0], s[1]);
        var session = new SessionRecords();
        await session.ReadUntilAsync(c, r => Subs.All(s => r.Count(s[0]) >= perTr));
        if (drop) Assert.Equal(1, await sim.Faults.DropConnections());
        return session;
    }

    [Fact]
    public async Task A_client_cut_off_mid_run_reconnects_to_a_continuing_market()
    {
        // A minute of market time per second, records at 200/s per subscription: the clock visibly moves.
        await using var sim = await Sim.StartAsync(o => o with { RandomNotices = true, Pace = MarketPace.PerSecond(200), ClockSpeed = 60, Seed = 7 });
        var first = await RunSessionAsync(sim, 60, drop: true);
        await Sim.SessionsAsync(sim, s => s.Count == 0);
        var second = await RunSessionAsync(sim, 60, drop: false);

        foreach (var s in Subs)
        {
            var before = first.Of(s[0]).ToList();
            var after = second.Of(s[0]).ToList();
            // Per (TR, key) time never goes back, across the reconnect too.
            var times = before.Concat(after).Select(r => TimeOf(s[0], r)).ToList();
            for (var i = 1; i < times.Count; i++) Assert.True(times[i] >= times[i - 1], $"{s[0]}: {times[i - 1]} then {times[i]}");
            // The market went on: the second session does not start over at the first session's records.
            Assert.Empty(before.Intersect(after));
        }

        // Cumulative figures continue instead of restarting.
        Assert.True(Decode<IndexTick>("H0UPCNT0", second.Of("H0UPCNT0")[0]).CumulativeVolume
            > Decode<IndexTick>("H0UPCNT0", first.Of("H0UPCNT0")[^1]).CumulativeVolume);
        foreach (var tr in new[] { "H0UNPGM0", "H0NXPGM0" })
        {
            var last = Decode<ProgramTrade>(tr, first.Of(tr)[^1]);
            var next = Decode<ProgramTrade>(tr, second.Of(tr)[0]);
            Assert.True(next.SellVolume >= last.SellVolume && next.BuyAmount >= last.BuyAmount, tr);
        }

        // Every notice happens once: an order number is accepted (or rejected) once, amends and cancels get fresh
        // numbers, and fills never exceed the order.
        var notices = first.Of("H0IFCNI0").Concat(second.Of("H0IFCNI0")).Select(r => Decode<FuturesOptionsNotice>("H0IFCNI0", r)).ToList();
        var opened = notices.Where(n => n.Kind is NoticeKind.OrderAccepted or NoticeKind.Rejected or NoticeKind.AmendAccepted or NoticeKind.CancelAccepted)
            .Select(n => n.OrderNumber).ToList();
        Assert.Equal(opened.Count, opened.Distinct().Count());
        var ordered = notices.Where(n => n.Kind is NoticeKind.OrderAccepted or NoticeKind.AmendAccepted).ToDictionary(n => n.OrderNumber);
        foreach (var fills in notices.Where(n => n.Kind == NoticeKind.Fill).GroupBy(n => n.OrderNumber))
        {
            var orderQuantity = fills.First().OrderQuantity!.Value;
            Assert.All(fills, f => Assert.Equal(orderQuantity, f.OrderQuantity));
            Assert.True(fills.Sum(f => f.FillQuantity!.Value) <= orderQuantity, $"order {fills.Key} overfilled");
            if (ordered.TryGetValue(fills.Key, out var o) && o.Kind == NoticeKind.OrderAccepted) Assert.Equal(o.Quantity, orderQuantity);
        }
        first.Dispose();
        second.Dispose();
    }

    [Fact]
    public async Task Every_subscription_of_a_session_follows_the_one_market_clock()
    {
        // Demo clock on a manual provider: the trading day starts at 09:00:00 whatever the wall clock says.
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 22, 7, 41, 0, TimeSpan.Zero)); // Sunday 16:41 KST
        await using var sim = await Sim.StartAsync(o => o
            with { RandomNotices = true, TimeProvider = clock, Pace = MarketPace.PerSecond(20), ClockSpeed = 10 });
        await using var c = await Sim.ClientAsync(sim);
        foreach (var s in Subs) await c.SubscribeAsync(s[0], s[1]);
        using var session = new SessionRecords();
        await session.ReadUntilAsync(c, r => r.Replies == Subs.Length);
        clock.Advance(TimeSpan.FromSeconds(3)); // 30 s of market time
        await session.ReadUntilAsync(c, r => Subs.All(s => r.Count(s[0]) >= 1));
        Assert.All(session.Records, r => Assert.InRange(TimeOf(r.TrId, r.Record), new TimeOnly(9, 0, 0), new TimeOnly(9, 0, 30)));
        Assert.Equal(new DateTime(2026, 11, 23, 9, 0, 30), sim.MarketTime); // a Sunday start: the demo day is Monday's
    }
}
