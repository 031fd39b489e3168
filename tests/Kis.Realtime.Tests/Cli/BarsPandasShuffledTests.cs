using System.Globalization;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// Issue 57 item 1 against an independent truth: a real recording's raw.log shuffled within 0.5 s or 3 s (each data
/// frame received up to that much later, the file in the new receive order) gives `kisrt bars --replay` the bars,
/// gaps and missing volume that tools/bars-check/bars_check.py (pandas) builds from the same recording's decoded
/// records in exchange order — the shuffle touches raw.log only, which the script does not read.
/// </summary>
public sealed partial class BarsPandasCrossCheckTests
{
    [PandasTheory]
    [InlineData(500, 1)]
    [InlineData(3000, 2)]
    public async Task Kisrt_bars_of_a_recording_received_shuffled_equal_the_pandas_bars_of_its_exchange_order(int spreadMs, int seed)
    {
        var dir = await RecordAsync(15);
        var moved = ShuffleRawLogs(dir, TimeSpan.FromMilliseconds(spreadMs), seed);
        Assert.True(moved > 100, $"only {moved} frames changed places: the shuffle shuffled nothing");

        var totalMissing = await CrossCheckAsync(dir, Feeds);
        Assert.True(totalMissing > 0, "the skip fault skipped nothing: the missing volume was not cross-checked");
    }

    /// <summary>Each data frame received up to <paramref name="spread"/> later; the lines rewritten in that order. Returns how many moved.</summary>
    private static int ShuffleRawLogs(string dir, TimeSpan spread, int seed)
    {
        var random = new Random(seed);
        var moved = 0;
        foreach (var raw in Directory.EnumerateFiles(dir, "raw.log", SearchOption.AllDirectories))
        {
            var lines = File.ReadAllLines(raw).Where(l => l.Length > 0).Select((line, index) =>
            {
                var tab = line.IndexOf('\t', StringComparison.Ordinal);
                var at = DateTimeOffset.Parse(line[..tab], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
                var message = line[(tab + 1)..];
                var late = message.StartsWith('0') || message.StartsWith('1') ? TimeSpan.FromTicks((long)(random.NextDouble() * spread.Ticks)) : TimeSpan.Zero;
                return (Index: index, At: at + late, Message: message);
            }).OrderBy(l => l.At).ThenBy(l => l.Index).ToList();
            moved += lines.Where((l, position) => l.Index != position).Count();
            File.WriteAllLines(raw, lines.Select(l => l.At.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture) + "\t" + l.Message));
        }
        return moved;
    }

    /// <summary>A theory skipped, with the reason, only where python3 with pandas is missing.</summary>
    public sealed class PandasTheoryAttribute : TheoryAttribute
    {
        public PandasTheoryAttribute()
        {
            if (Python is null) Skip = "python3 with pandas is missing: run scripts/python.sh (apt-get install python3-pandas) to run the cross-check";
        }
    }
}
