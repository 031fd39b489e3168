using System.Globalization;
using Kis.Realtime.Cli.Configuration;

namespace Kis.Realtime.Cli.Commands;

/// <summary>
/// What <c>kisrt backtest</c> (and <c>bars</c>, the folder check) checks of its <c>--replay</c> folder before and after a run, so a day it could not use is
/// never reported as a clean run: a folder that is no recording (usage, exit 2), day folders without a raw.log (warned;
/// none usable: exit 3), lines that did not decode (warned with their file and line, exit 1), a <c>--code</c> the
/// recording does not hold (exit 3).
/// </summary>
internal static class BacktestInput
{
    private const string DayFormat = "yyyy-MM-dd";

    /// <summary>At most this many unusable lines are named; the rest are counted.</summary>
    private const int LinesShown = 20;

    /// <summary>
    /// The day folders of <paramref name="folder"/> that hold no raw.log, each a located warning for the caller to print
    /// (<paramref name="anyDay"/>: false when no day can be replayed); throws when the folder is no recording at all.
    /// </summary>
    /// <exception cref="CliUsageException">The folder is empty or is not a <c>kisrt record --out</c> folder.</exception>
    public static IReadOnlyList<string> CheckFolder(string folder, out bool anyDay)
    {
        var full = Path.GetFullPath(folder);
        var entries = Directory.EnumerateFileSystemEntries(full).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        if (entries.Count == 0)
            throw new CliUsageException($"--replay: {full} is empty: a `kisrt record --out` folder holds a {DayFormat} folder per day with its raw.log.");
        var days = entries.Where(e => Directory.Exists(Path.Combine(full, e))
            && DateOnly.TryParseExact(e, DayFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out _)).ToList();
        if (days.Count == 0)
        {
            if (entries.Contains(RecordCommand.RawFileName))
                throw new CliUsageException($"--replay: {full} is one day of a recording (it holds {RecordCommand.RawFileName}): give the folder above it.");
            var marked = entries.Select(e => Directory.Exists(Path.Combine(full, e)) ? e + "/" : e).ToList();
            throw new CliUsageException($"--replay: {full} is not a `kisrt record --out` folder: no {DayFormat} day folder in it " +
                $"(it holds {RecordingContents.FirstOf(marked, 5)}).");
        }
        var withoutRaw = days.Where(d => !File.Exists(Path.Combine(full, d, RecordCommand.RawFileName)))
            .Select(d => $"{Path.Combine(full, d)}: no {RecordCommand.RawFileName} ({Holds(Path.Combine(full, d))}): " +
                "a backtest replays the raw messages, so this day is left out").ToList();
        anyDay = withoutRaw.Count < days.Count;
        return withoutRaw;
    }

    /// <summary>The located lines a run could not use, one warning each (the first <see cref="LinesShown"/>, then a count).</summary>
    public static IEnumerable<string> UnusableLines(KisRealtimeStatistics statistics)
    {
        foreach (var line in statistics.FirstUndecodable.Take(LinesShown)) yield return $"{line.Location}: {line.Reason}; not used";
        var unnamed = statistics.DecodeErrors - Math.Min(statistics.FirstUndecodable.Count, LinesShown);
        if (unnamed > 0) yield return $"and {unnamed:N0} more line(s) not used";
    }

    /// <summary>The line that ends a run that used only part of its input (exit 1): never a plain "done".</summary>
    public static string PartlyDone(long unusableLines, int daysWithoutRaw)
    {
        var parts = new List<string>();
        if (unusableLines > 0)
            parts.Add(unusableLines == 1 ? "1 line of the recording could not be used" : $"{unusableLines:N0} lines of the recording could not be used");
        if (daysWithoutRaw > 0) parts.Add(daysWithoutRaw == 1 ? "1 day folder has no raw.log" : $"{daysWithoutRaw} day folders have no raw.log");
        return $"kisrt backtest: done, but {string.Join(" and ", parts)} (see above)";
    }

    /// <summary>The error for a <c>--code</c> whose trades the recording never held: what it holds instead, and what to do.</summary>
    public static async Task<string> CodeAbsentAsync(string code, KisRecordingSource recording, CancellationToken cancellationToken)
    {
        var pairs = await RecordingContents.ListAsync(recording, null, cancellationToken).ConfigureAwait(false);
        var holds = pairs.Count == 0 ? "it holds no data at all"
            : $"it holds {RecordingContents.FirstOf(pairs, 12)}";
        // `kisrt record` without --sub takes one TR of each kind, and no stock's KRX trades: say how to record them.
        var hint = pairs.Any(p => p.StartsWith("H0STCNT0:", StringComparison.Ordinal))
            ? "give one of its H0STCNT0 codes as --code"
            : $"record the stock's trades and book: `kisrt record --sub stock:{code} --sub book:{code}`";
        return $"--code {code}: the recording {recording.Description} holds no KRX trade (H0STCNT0) of {code}, so nothing was traded; {holds}; {hint}.";
    }

    private static string Holds(string folder)
    {
        var files = Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        return files.Count == 0 ? "the folder is empty"
            : $"it holds {RecordingContents.FirstOf(files, 5)}";
    }
}
