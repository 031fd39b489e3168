using Kis.Realtime.Internal;

namespace Kis.Realtime.Tests.Bars;

/// <summary>
/// The reorder buffer's open-addressed lookup (<see cref="PendingIndex"/>) against a Dictionary: a removal moves back the
/// entries probing past it, so every key still held must be found after any mix of adds and removals, through growth.
/// </summary>
public sealed class PendingIndexTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Holds_what_a_dictionary_holds_through_random_adds_and_removals(int seed)
    {
        var random = new Random(seed);
        var index = new PendingIndex();
        var truth = new Dictionary<PendingKey, int>();
        var keys = new List<PendingKey>();
        for (var step = 0; step < 50_000; step++)
        {
            // Consecutive cumulative volumes (as a tape's) clustered in a few hundred values, two TRs, two days.
            var key = new PendingKey(random.Next(2), 20_000 + random.Next(2), random.Next(400));
            if (random.Next(3) > 0)
            {
                index.GetOrAdd(key).Starts++;
                if (truth.TryGetValue(key, out var n)) truth[key] = n + 1;
                else
                {
                    truth[key] = 1;
                    keys.Add(key);
                }
            }
            else if (keys.Count > 0)
            {
                var gone = keys[random.Next(keys.Count)];
                keys.Remove(gone);
                truth.Remove(gone);
                index.Remove(gone);
            }
            if (step % 997 == 0) AssertSame(index, truth);
        }
        AssertSame(index, truth);
        foreach (var key in keys) index.Remove(key);
        Assert.Equal(0, index.Count);
        Assert.True(System.Runtime.CompilerServices.Unsafe.IsNullRef(ref index.Find(new PendingKey(0, 20_000, 1))));
    }

    private static void AssertSame(PendingIndex index, Dictionary<PendingKey, int> truth)
    {
        Assert.Equal(truth.Count, index.Count);
        foreach (var (key, starts) in truth) Assert.Equal(starts, index.Find(key).Starts);
    }
}
