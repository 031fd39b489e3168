using System.Text;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// One tape per instrument (issue 55, item 5): KIS sends every subscriber every record, so two sessions (two app keys)
/// subscribed to one stock receive the same records in the same order, and a recorder beside them sees no gap.
/// </summary>
public sealed class SharedTapeTests
{
    private const string SecondKey = "PSsimSecondAppKey000000000000000000";
    private const string RecorderKey = "PSsimRecorderAppKey0000000000000000";

    public static TheoryData<int> Paces => new()
    {
        0,  // a rate pace: 200 records a second
        50, // flat out, frames of up to 50 records
    };

    [Theory]
    [MemberData(nameof(Paces))]
    public async Task Every_session_on_a_stock_receives_every_trade_and_book_and_a_recorder_beside_them_sees_no_gap(int flatOutFrame)
    {
        await using var sim = await Sim.StartAsync(o => (flatOutFrame > 0
            ? o with { Pace = MarketPace.FlatOut, MaxRecordsPerFrame = flatOutFrame }
            : o with { Pace = MarketPace.PerSecond(200) }) with
        {
            Seed = 21,
            Credentials = [.. o.Credentials, new SimulatorCredential(SecondKey, "second-secret", "simuser02"),
                new SimulatorCredential(RecorderKey, "recorder-secret", "simuser03")],
        });
        await using var a = await Sim.ClientAsync(sim);
        await using var b = await SimTestClient.ConnectAsync(sim, "/", await sim.IssueApprovalKeyAsync(SecondKey, "second-secret"));
        await using var recorder = await SimTestClient.ConnectAsync(sim, "/", await sim.IssueApprovalKeyAsync(RecorderKey, "recorder-secret"));
        foreach (var c in new[] { a, b, recorder })
        {
            await c.SubscribeAsync("H0STCNT0", "005930");
            await c.SubscribeAsync("H0STASP0", "005930");
        }
        using var ra = new SessionRecords();
        using var rb = new SessionRecords();
        using var rr = new SessionRecords();
        const int trades = 300;
        // Every session reads until all three have enough (flat out waits for the slowest reader: one that stopped early
        // would hold the tape). Enough for the recorder is 300 trades and 20 books; for the two sessions, what the
        // comparison below needs from the recorder's first record of each TR on: flat out lets a session be up to 64
        // frames behind the recorder, so "300 trades of its own" did not mean it had reached the recorder's start.
        // (Each reader writes only its own flag; the recorder's first records are published for the others.)
        var counts = new int[3];
        string? recorderFirstTrade = null, recorderFirstBook = null;
        static bool From(SessionRecords r, string trId, string? first, int least) =>
            first is not null && r.Of(trId).SkipWhile(x => x != first).Take(least).Count() == least;
        Func<SessionRecords, bool> Until(int i) => r =>
        {
            bool enough;
            if (i == 2)
            {
                if (recorderFirstTrade is null && r.Count("H0STCNT0") > 0) Volatile.Write(ref recorderFirstTrade, r.Of("H0STCNT0").First());
                if (recorderFirstBook is null && r.Count("H0STASP0") > 0) Volatile.Write(ref recorderFirstBook, r.Of("H0STASP0").First());
                enough = r.Count("H0STCNT0") >= trades && r.Count("H0STASP0") >= 20;
            }
            else
            {
                enough = From(r, "H0STCNT0", Volatile.Read(ref recorderFirstTrade), trades / 2) && From(r, "H0STASP0", Volatile.Read(ref recorderFirstBook), 5);
            }
            Volatile.Write(ref counts[i], enough ? 1 : 0);
            return Volatile.Read(ref counts[0]) + Volatile.Read(ref counts[1]) + Volatile.Read(ref counts[2]) == 3;
        };
        await Task.WhenAll(ra.ReadUntilAsync(a, Until(0)), rb.ReadUntilAsync(b, Until(1)), rr.ReadUntilAsync(recorder, Until(2)));

        // The sessions subscribed one after the other: from the first record all three have, each TR's records are the
        // same, in the same order, field by field (books too: a strategy's book is the recorder's book). The order
        // between two TRs is each session's own, as at KIS (each TR is its own stream).
        foreach (var (trId, least) in new[] { ("H0STCNT0", trades / 2), ("H0STASP0", 5) })
        {
            var (sa, sb, sr) = (ra.Of(trId).ToList(), rb.Of(trId).ToList(), rr.Of(trId).ToList());
            Assert.NotEmpty(sr);
            var (ia, ib) = (sa.IndexOf(sr[0]), sb.IndexOf(sr[0]));
            Assert.True(ia >= 0 && ib >= 0, $"the recorder's first {trId} record reached neither session");
            var window = Math.Min(Math.Min(sa.Count - ia, sb.Count - ib), sr.Count);
            Assert.True(window >= least, $"only {window} {trId} records in common");
            for (var i = 0; i < window; i++)
            {
                var (fx, fy, fz) = (sa[ia + i].Split('^'), sb[ib + i].Split('^'), sr[i].Split('^'));
                Assert.Equal(fx.Length, fy.Length);
                Assert.Equal(fx.Length, fz.Length);
                for (var f = 0; f < fx.Length; f++)
                {
                    Assert.True(fx[f] == fy[f], $"{trId} record {i} field {f}: {fx[f]} in one session, {fy[f]} in the other");
                    Assert.True(fx[f] == fz[f], $"{trId} record {i} field {f}: {fx[f]} in a session, {fz[f]} at the recorder");
                }
            }
        }

        // Every trade the recorder got adds up: no gap, no overlap in the day's cumulative volume.
        Assert.True(KisTrs.TryGet("H0STCNT0", out var tr));
        var monitor = GapMonitor.ForStockTrades();
        foreach (var record in rr.Of("H0STCNT0"))
        {
            Assert.True(StockTrade.TryDecode(tr, Encoding.UTF8.GetBytes(record), out var trade, out var err), err.ToString());
            monitor.Observe(trade, out _);
        }
        Assert.Equal(0, monitor.Gaps);
        Assert.Equal(0, monitor.Overlaps);
    }
}
