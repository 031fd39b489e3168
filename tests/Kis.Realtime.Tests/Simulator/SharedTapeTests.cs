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
        // Each client stops reading its socket after a few unread frames, as a real one does: flat out, the tape then
        // waits for session a while the others connect, so how long they take (seconds on a loaded machine) does not
        // decide how far a is behind when the reads start. (With an unbounded buffer, session a once fell far
        // behind and the test host grew until the kernel killed it.)
        const int buffered = 16;
        await using var a = await Sim.ClientAsync(sim, buffered: buffered);
        await using var b = await SimTestClient.ConnectAsync(sim, "/", await sim.IssueApprovalKeyAsync(SecondKey, "second-secret"), buffered);
        await using var recorder = await SimTestClient.ConnectAsync(sim, "/", await sim.IssueApprovalKeyAsync(RecorderKey, "recorder-secret"), buffered);
        // One after the other, each joined to the tape before the next is sent: a subscriber gets what the tape makes from
        // its join on, so the recorder's first records reach the two sessions only if it joins last. (Sent without
        // waiting, the simulator's three receive loops once took the recorder's before a session's on a loaded machine:
        // that session never had the recorder's first record and read on until the read's bound failed it.)
        var subscribed = 0;
        foreach (var c in new[] { a, b, recorder })
        {
            foreach (var trId in new[] { "H0STCNT0", "H0STASP0" })
            {
                await c.SubscribeAsync(trId, "005930");
                subscribed++;
                await Sim.UntilAsync(() => sim.Counters.Replies("OPSP0000") >= subscribed); // joined (before its reply is counted)
            }
        }
        using var ra = new SessionRecords();
        using var rb = new SessionRecords();
        using var rr = new SessionRecords();
        const int trades = 300;
        // Every session reads until all three have enough (flat out waits for the slowest reader: one that stopped early
        // would hold the tape), or until one of them fails. Enough for the recorder is 300 trades and 20 books; for the
        // two sessions, what the comparison below needs from the recorder's first record of each TR on: flat out lets a
        // session be up to 64 frames behind the recorder, so "300 trades of its own" did not mean it had reached the
        // recorder's start. (Each reader writes only its own flag; the recorder's first records are published for the
        // others; the conditions, checked at every message, cost nothing per record already seen.)
        var counts = new int[3];
        var failed = 0;
        string? recorderFirstTrade = null, recorderFirstBook = null;
        var (tradesFrom, booksFrom) = (new[] { new Found(), new Found() }, new[] { new Found(), new Found() });
        Func<SessionRecords, bool> Until(int i) => r =>
        {
            if (Volatile.Read(ref failed) != 0) return true; // another reader failed: its error is the test's
            bool enough;
            if (i == 2)
            {
                if (recorderFirstTrade is null && r.Count("H0STCNT0") > 0) Volatile.Write(ref recorderFirstTrade, r.Of("H0STCNT0")[0]);
                if (recorderFirstBook is null && r.Count("H0STASP0") > 0) Volatile.Write(ref recorderFirstBook, r.Of("H0STASP0")[0]);
                enough = r.Count("H0STCNT0") >= trades && r.Count("H0STASP0") >= 20;
            }
            else
            {
                enough = tradesFrom[i].Holds(r.Of("H0STCNT0"), Volatile.Read(ref recorderFirstTrade), trades / 2)
                    && booksFrom[i].Holds(r.Of("H0STASP0"), Volatile.Read(ref recorderFirstBook), 5);
            }
            Volatile.Write(ref counts[i], enough ? 1 : 0);
            return Volatile.Read(ref counts[0]) + Volatile.Read(ref counts[1]) + Volatile.Read(ref counts[2]) == 3;
        };
        async Task Read(SessionRecords records, SimTestClient client, int i)
        {
            try { await records.ReadUntilAsync(client, Until(i)); }
            catch { Volatile.Write(ref failed, 1); throw; }
        }
        await Task.WhenAll(Read(ra, a, 0), Read(rb, b, 1), Read(rr, recorder, 2));

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

    /// <summary>Where the recorder's first record is in a session's records: searched once, from where the last look stopped.</summary>
    private sealed class Found
    {
        private int _looked;
        private int _at = -1;

        /// <summary>Whether <paramref name="records"/> hold <paramref name="first"/> and at least <paramref name="least"/> records from it on.</summary>
        public bool Holds(IReadOnlyList<string> records, string? first, int least)
        {
            if (first is null) return false;
            for (; _at < 0 && _looked < records.Count; _looked++)
                if (records[_looked] == first) _at = _looked;
            return _at >= 0 && records.Count - _at >= least;
        }
    }
}
