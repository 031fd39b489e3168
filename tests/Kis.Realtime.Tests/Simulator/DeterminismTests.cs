using System.Text;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// The same seed gives the same market. Record times come from the market clock, so the runs use a manual clock:
/// flat out it stands still (identical records, times included); at demo pace it moves, and the records are the same
/// apart from their time field.
/// </summary>
public sealed class DeterminismTests
{
    private static readonly string[][] Subs =
        [["H0UPCNT0", "0001"], ["H0BJCNT0", "KR103502GD31"], ["H0NXPGM0", "005930"], ["H0IFCNI0", SimulatorOptions.DefaultHtsId]];

    /// <summary>Index of each TR's time field (bsop_hour, stck_cntg_hour, stck_cntg_hour, stck_cntg_hour).</summary>
    private static readonly Dictionary<string, int> TimeField = new() { ["H0UPCNT0"] = 1, ["H0BJCNT0"] = 2, ["H0NXPGM0"] = 1, ["H0IFCNI0"] = 10 };

    private static DateTimeOffset Start => new(2026, 11, 23, 0, 30, 0, TimeSpan.Zero); // a Monday, 09:30 KST

    /// <summary>
    /// Sends every request first, then reads every message in order: data of the first subscription flows while the
    /// later requests are answered, and none of it may be skipped (<see cref="Add"/> learns the replies).
    /// </summary>
    private static async Task<(SimTestClient Client, FrameDecoder Decoder)> SubscribeAllAsync(KisSimulator sim)
    {
        var c = await Sim.ClientAsync(sim);
        foreach (var s in Subs) await c.SubscribeAsync(s[0], s[1]);
        return (c, new FrameDecoder());
    }

    private static void Add(Dictionary<string, List<string>> result, FrameDecoder decoder, WsReceived m)
    {
        if (m.IsControl)
        {
            Assert.True(ControlMessage.TryParse(m.Data, out var reply));
            if (reply.Kind != ControlMessageKind.Reply) return;
            Assert.Equal(OpspCode.SubscribeSuccess, reply.Code);
            decoder.Learn(reply);
            return;
        }
        Assert.True(DataFrame.TryParse(m.Data, out var f, out _));
        Assert.True(decoder.TryOpen(f, out var tr, out var records, out var err), err.ToString());
        while (records.TryNext(out var r)) result[tr.Id].Add(Encoding.UTF8.GetString(r));
    }

    /// <summary>The first <paramref name="perTr"/> records of each subscription, flat out on a clock that stands still.</summary>
    private static async Task<Dictionary<string, List<string>>> CollectFlatOutAsync(int seed, int perTr)
    {
        var clock = new ManualTimeProvider(Start);
        await using var sim = await Sim.StartAsync(o => o
            with { RandomNotices = true, TimeProvider = clock, Pace = MarketPace.FlatOut, Seed = seed, MaxRecordsPerFrame = 7 });
        var (c, decoder) = await SubscribeAllAsync(sim);
        await using var _ = c;
        using var __ = decoder;
        var result = Subs.ToDictionary(s => s[0], _ => new List<string>());
        while (result.Values.Any(l => l.Count < perTr)) Add(result, decoder, await c.NextAsync());
        return result.ToDictionary(kv => kv.Key, kv => kv.Value.Take(perTr).ToList());
    }

    /// <summary>
    /// The first records at demo pace: each 1.2 s step of the manual clock makes every subscription due once (demo sends
    /// 0.4–1.2 s apart), and the step's frames are read before the clock moves again.
    /// </summary>
    private static async Task<Dictionary<string, List<string>>> CollectDemoAsync(int seed, int perTr)
    {
        var clock = new ManualTimeProvider(Start);
        await using var sim = await Sim.StartAsync(o => o with { RandomNotices = true, TimeProvider = clock, Pace = MarketPace.Demo, Seed = seed });
        var (c, decoder) = await SubscribeAllAsync(sim);
        await using var _ = c;
        using var __ = decoder;
        var result = Subs.ToDictionary(s => s[0], _ => new List<string>());
        // On a clock that stands still demo pace sends nothing: take the four replies before moving it.
        for (var replies = 0; replies < Subs.Length;)
        {
            var m = await c.NextAsync();
            Assert.True(m.IsControl);
            Add(result, decoder, m);
            if (!m.Text.Contains("PINGPONG")) replies++;
        }
        while (result.Values.Any(l => l.Count < perTr))
        {
            clock.Advance(TimeSpan.FromMilliseconds(1200));
            var seen = new HashSet<string>();
            while (seen.Count < Subs.Length)
            {
                var m = await c.NextAsync();
                if (m.IsData) seen.Add(Encoding.ASCII.GetString(m.Data, 2, 8));
                Add(result, decoder, m);
            }
        }
        return result.ToDictionary(kv => kv.Key, kv => kv.Value.Take(perTr).ToList());
    }

    private static List<string> WithoutTime(string trId, List<string> records)
        => [.. records.Select(r => { var f = r.Split('^'); f[TimeField[trId]] = "*"; return string.Join('^', f); })];

    [Fact]
    public async Task Same_seed_gives_the_same_records_whatever_the_pace()
    {
        var flat = await CollectFlatOutAsync(42, 3);
        var flatAgain = await CollectFlatOutAsync(42, 3);
        var demo = await CollectDemoAsync(42, 3);
        foreach (var s in Subs)
        {
            Assert.Equal(flat[s[0]], flatAgain[s[0]]);
            Assert.True(WithoutTime(s[0], flat[s[0]]).SequenceEqual(WithoutTime(s[0], demo[s[0]])),
                $"{s[0]}:\n{string.Join("\n", flat[s[0]])}\nvs\n{string.Join("\n", demo[s[0]])}");
        }
        // Demo records carry the moving market clock, stamped when sent. The first is due 0.2–0.9 s into the first 1.2 s
        // step, and the manual clock fires the send loop's timer at that due time: the loop may stamp it before the step
        // ends (09:00:00) or after (09:00:01). Three steps later the clock has moved on.
        var times = demo["H0UPCNT0"].Select(r => r.Split('^')[1]).ToList();
        Assert.Contains(times[0], new[] { "090000", "090001" });
        Assert.Equal(times.Order(StringComparer.Ordinal), times);
        Assert.True(string.CompareOrdinal(times[^1], times[0]) > 0, $"the market clock did not move: {string.Join(", ", times)}");
    }

    [Fact]
    public async Task Different_seeds_give_different_records()
    {
        var a = await CollectFlatOutAsync(1, 2);
        var b = await CollectFlatOutAsync(2, 2);
        foreach (var s in Subs) Assert.NotEqual(a[s[0]], b[s[0]]);
    }
}
