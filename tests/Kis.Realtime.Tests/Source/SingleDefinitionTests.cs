using System.Text.RegularExpressions;
using Kis.Realtime.Tests.Packaging;

namespace Kis.Realtime.Tests.Source;

/// <summary>
/// Issue 44, item 4: facts stated once. KST's offset is <see cref="KoreaTime.Offset"/> (it was defined 13 times) and a
/// key-like value is masked by <see cref="KisCredential.Mask"/> (there were three rules, one showing the key's tail).
/// </summary>
public sealed partial class SingleDefinitionTests
{
    [Fact]
    public void Korea_Standard_Time_is_defined_once_in_the_sources()
    {
        var others = Sources().Where(f => !f.Path.EndsWith("/Markets/KoreaTime.cs", StringComparison.Ordinal))
            .SelectMany(f => f.Lines.Select((line, i) => (f.Path, Line: i + 1, Text: line)))
            .Where(l => NineHours().IsMatch(l.Text) && !l.Text.Contains("\"Asia/Tokyo\"", StringComparison.Ordinal)) // Japan's own zone
            .Select(l => $"{l.Path}:{l.Line}")
            .ToList();
        Assert.True(others.Count == 0, "use KoreaTime.Offset instead of a KST offset of its own: " + string.Join(", ", others));
    }

    /// <summary>
    /// Issue 60, item 4: "the KST date of an instant" is <see cref="KoreaTime.DateOf"/> (it was written four times), and
    /// the sources use neither <c>KisRecordingSource.KstOffset</c> nor <c>KisRecordingSource.TradingDayOf</c>, which remain
    /// public forwards for compatibility only.
    /// </summary>
    [Fact]
    public void The_KST_date_of_an_instant_is_computed_once_in_the_sources()
    {
        var others = Sources().Where(f => !f.Path.EndsWith("/Markets/KoreaTime.cs", StringComparison.Ordinal))
            .SelectMany(f => f.Lines.Select((line, i) => (f.Path, Line: i + 1, Text: line)))
            .Where(l => KstDateOfItsOwn().IsMatch(l.Text) || RecordingSourceForward().IsMatch(l.Text))
            .Select(l => $"{l.Path}:{l.Line}")
            .ToList();
        Assert.True(others.Count == 0, "use KoreaTime.DateOf (and KoreaTime.Offset) instead: " + string.Join(", ", others));
    }

    [Fact]
    public void Secrets_are_masked_by_one_rule_that_shows_no_tail()
    {
        var rules = Sources().Where(f => f.Lines.Any(l => MaskDefinition().IsMatch(l))).Select(f => f.Path).ToList();
        Assert.Equal(["src/Kis.Realtime/KisCredential.cs"], rules);
        Assert.Equal("PSab****(36)", KisCredential.Mask("PSab" + new string('x', 30) + "yz"));
        Assert.DoesNotContain("yz", KisCredential.Mask("PSab" + new string('x', 30) + "yz"));
        Assert.Equal("****(8)", KisCredential.Mask("12345678"));
    }

    /// <summary>
    /// Issue 73 (leftovers, item 3): a future's daily price limits are <c>KrxRules.DerivativeDailyLimits</c>, the one
    /// rule both venues and the simulated market apply; the simulated feeds (<c>GenericStream</c>) once applied
    /// <c>FuturesDailyLimits</c> with a tick of their own, a third formula beside the backtest's and the replay's.
    /// </summary>
    [Fact]
    public void A_futures_daily_limits_are_derived_in_one_place_in_the_sources()
    {
        var others = Sources().Where(f => !f.Path.EndsWith("/Rules/KrxRules.cs", StringComparison.Ordinal))
            .SelectMany(f => f.Lines.Select((line, i) => (f.Path, Line: i + 1, Text: line)))
            .Where(l => l.Text.Contains("FuturesDailyLimits(", StringComparison.Ordinal))
            .Select(l => $"{l.Path}:{l.Line}")
            .ToList();
        Assert.True(others.Count == 0, "use KrxRules.DerivativeDailyLimits instead: " + string.Join(", ", others));
    }

    private static IEnumerable<(string Path, string[] Lines)> Sources()
    {
        var root = ReadmeSamples.RepositoryRoot();
        return Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(root, p).Replace('\\', '/'))
            .Where(p => !p.Contains("/obj/", StringComparison.Ordinal) && !p.Contains("/bin/", StringComparison.Ordinal))
            .Select(p => (p, File.ReadAllLines(Path.Combine(root, p))));
    }

    [GeneratedRegex(@"FromHours\(\s*9\s*\)|new\s+TimeSpan\(\s*9\s*,\s*0\s*,\s*0\s*\)|\+09:00""")]
    private static partial Regex NineHours();

    [GeneratedRegex(@"DateOnly\.FromDateTime\([^;]*(KoreaTime\.Offset|KstOffset)")]
    private static partial Regex KstDateOfItsOwn();

    [GeneratedRegex(@"KisRecordingSource\.(KstOffset|TradingDayOf)\b")]
    private static partial Regex RecordingSourceForward();

    [GeneratedRegex(@"static\s+string\s+Mask\(")]
    private static partial Regex MaskDefinition();
}
