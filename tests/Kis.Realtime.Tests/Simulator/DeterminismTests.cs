using System.Text;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Simulator;

public sealed class DeterminismTests
{
    private static readonly string[][] Subs =
        [["H0UPCNT0", "0001"], ["H0BJCNT0", "KR103502GD31"], ["H0NXPGM0", "005930"], ["H0IFCNI0", SimulatorOptions.DefaultHtsId]];

    /// <summary>The first <paramref name="perTr"/> records of each subscription, as text (notices decrypted).</summary>
    private static async Task<Dictionary<string, List<string>>> CollectAsync(MarketPace pace, int seed, int perTr)
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = pace, Seed = seed, MaxRecordsPerFrame = 7 });
        await using var c = await Sim.ClientAsync(sim);
        using var decoder = new FrameDecoder();
        // Send every request first and read every message in order: data of the first subscription flows while the
        // later requests are answered, and none of it may be skipped.
        foreach (var s in Subs) await c.SubscribeAsync(s[0], s[1]);
        var result = Subs.ToDictionary(s => s[0], _ => new List<string>());
        while (result.Values.Any(l => l.Count < perTr))
        {
            var m = await c.NextAsync();
            if (m.IsControl)
            {
                Assert.True(ControlMessage.TryParse(m.Data, out var reply));
                if (reply.Kind == ControlMessageKind.Reply)
                {
                    Assert.Equal(OpspCode.SubscribeSuccess, reply.Code);
                    decoder.Learn(reply);
                }
                continue;
            }
            Assert.True(DataFrame.TryParse(m.Data, out var f, out _));
            Assert.True(decoder.TryOpen(f, out var tr, out var records, out var err), err.ToString());
            while (records.TryNext(out var r)) result[tr.Id].Add(Encoding.UTF8.GetString(r));
        }
        return result.ToDictionary(kv => kv.Key, kv => kv.Value.Take(perTr).ToList());
    }

    [Fact]
    public async Task Same_seed_gives_the_same_records_whatever_the_pace()
    {
        var flat = await CollectAsync(MarketPace.FlatOut, 42, 3);
        var flatAgain = await CollectAsync(MarketPace.FlatOut, 42, 3);
        var demo = await CollectAsync(MarketPace.Demo, 42, 3);
        foreach (var s in Subs)
        {
            Assert.Equal(flat[s[0]], flatAgain[s[0]]);
            Assert.True(flat[s[0]].SequenceEqual(demo[s[0]]), $"{s[0]}:\n{string.Join("\n", flat[s[0]])}\nvs\n{string.Join("\n", demo[s[0]])}");
        }
    }

    [Fact]
    public async Task Different_seeds_give_different_records()
    {
        var a = await CollectAsync(MarketPace.FlatOut, 1, 2);
        var b = await CollectAsync(MarketPace.FlatOut, 2, 2);
        foreach (var s in Subs) Assert.NotEqual(a[s[0]], b[s[0]]);
    }
}
