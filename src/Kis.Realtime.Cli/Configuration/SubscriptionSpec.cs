using Kis.Realtime.Protocol;
using Kis.Realtime.Trs;

namespace Kis.Realtime.Cli.Configuration;

/// <summary>One <c>--sub TR:KEY</c> request: a TR (by id or friendly alias) and its key.</summary>
internal sealed record SubscriptionSpec(TrDefinition Tr, string Key)
{
    private static readonly Dictionary<string, TrDefinition> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["index"] = KisTrs.IndexTicks,
        ["bond"] = KisTrs.BondTrades,
        ["program-nxt"] = KisTrs.ProgramTradesNxt,
        ["pgm-nxt"] = KisTrs.ProgramTradesNxt,
        ["program"] = KisTrs.ProgramTradesUnified,
        ["pgm"] = KisTrs.ProgramTradesUnified,
        ["notice"] = KisTrs.FuturesOptionsNotices,
        ["fills"] = KisTrs.FuturesOptionsNotices,
    };

    /// <summary>The friendly aliases, for help text.</summary>
    public static string AliasHelp => "index (H0UPCNT0), bond (H0BJCNT0), program-nxt (H0NXPGM0), program (H0UNPGM0), notice (H0IFCNI0/H0IFCNI9; KEY defaults to the HTS ID)";

    /// <summary>What <c>kisrt stream</c> subscribes when no <c>--sub</c> is given: one of each of the five services (notices only with an HTS ID).</summary>
    public static IReadOnlyList<string> DemoSet(string? htsId) => htsId is null
        ? ["index:0001", "bond:KR103502GD31", "program-nxt:005930", "program:005930"]
        : ["index:0001", "bond:KR103502GD31", "program-nxt:005930", "program:005930", $"notice:{htsId}"];

    /// <summary>Parses <c>TR:KEY</c> (or <c>notice</c> alone, keyed by <paramref name="defaultHtsId"/>).</summary>
    public static bool TryParse(string text, string? defaultHtsId, KisEnvironments environment, out SubscriptionSpec spec, out string error)
    {
        spec = null!;
        var colon = text.IndexOf(':');
        var trText = colon < 0 ? text : text[..colon];
        var key = colon < 0 ? "" : text[(colon + 1)..];
        if (!Aliases.TryGetValue(trText, out var tr) && !KisTrs.TryGet(trText.ToUpperInvariant(), out tr))
        {
            error = $"unknown TR '{trText}' in --sub {text}; use a TR id or one of: {AliasHelp}";
            return false;
        }

        tr = KisTrs.ForEnvironment(tr, environment);
        if (key.Length == 0 && tr.KeyFormat == TrKeyFormat.HtsId) key = defaultHtsId ?? "";
        if (!tr.IsValidKey(key))
        {
            error = key.Length == 0
                ? $"--sub {text}: {tr.Id} needs a key ({Describe(tr.KeyFormat)})"
                : $"--sub {text}: '{key}' is not a valid {tr.Id} key ({Describe(tr.KeyFormat)})";
            return false;
        }

        spec = new SubscriptionSpec(tr, key);
        error = "";
        return true;
    }

    private static string Describe(TrKeyFormat format) => format switch
    {
        TrKeyFormat.IndexCode => "a 4-digit index code such as 0001",
        TrKeyFormat.Isin => "a 12-character ISIN such as KR103502GD31",
        TrKeyFormat.StockCode => "a 6-character stock code such as 005930",
        TrKeyFormat.HtsId => "your HTS ID; set KIS_HTS_ID or --hts-id",
        _ => format.ToString(),
    };

    public override string ToString() => $"{Tr.Id}:{Key}";
}
