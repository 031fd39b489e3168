using Kis.Realtime.Protocol;

namespace Kis.Realtime.Cli.Configuration;

/// <summary>One <c>--sub TR:KEY</c> request: a TR (by id or friendly alias) and its key.</summary>
internal sealed partial record SubscriptionSpec(TrDefinition Tr, string Key)
{
    /// <summary>Friendly aliases, in the order help text lists them (generated from tools/trs/views.json's cli_aliases:
    /// SubscriptionAliases.g.cs). Notice aliases default their key to the HTS ID.</summary>
    public static IReadOnlyList<(string Alias, TrDefinition Tr)> AliasTable { get; } = CreateAliasTable();

    private static readonly Dictionary<string, TrDefinition> Aliases =
        AliasTable.ToDictionary(a => a.Alias, a => a.Tr, StringComparer.OrdinalIgnoreCase);

    /// <summary>The aliases of one TR (its paper twin shares its real id's aliases).</summary>
    public static IEnumerable<string> AliasesOf(TrDefinition tr)
        => AliasTable.Where(a => a.Tr == tr || KisTrs.ForEnvironment(a.Tr, KisEnvironment.Paper) == tr).Select(a => a.Alias);

    /// <summary>The friendly aliases, for help text.</summary>
    public static string AliasHelp =>
        "stock, book, expected, status (KRX; add -nxt or -unified), program, stock-notice, notice (futures/options; KEY defaults " +
        "to the HTS ID), index, etf-nav, elw, bond, futures, options, night-futures, us (e.g. us:DNASAAPL), us-book … (`kisrt trs` lists them all)";

    /// <summary>What <c>kisrt stream</c> subscribes when no <c>--sub</c> is given: one of each of the five services (notices only with an HTS ID).</summary>
    public static IReadOnlyList<string> DemoSet(string? htsId) => htsId is null
        ? ["index:0001", "bond:KR103502GD31", "program-nxt:005930", "program:005930"]
        : ["index:0001", "bond:KR103502GD31", "program-nxt:005930", "program:005930", $"notice:{htsId}"];

    /// <summary>Looks a TR up by alias or id (any case).</summary>
    public static bool TryResolve(string text, out TrDefinition tr)
        => Aliases.TryGetValue(text, out tr!) || KisTrs.TryGet(text.ToUpperInvariant(), out tr);

    /// <summary>Parses <c>TR:KEY</c> (or a notice alias alone, keyed by <paramref name="defaultHtsId"/>).</summary>
    public static bool TryParse(string text, string? defaultHtsId, KisEnvironment environment, out SubscriptionSpec spec, out string error)
    {
        spec = null!;
        var colon = text.IndexOf(':');
        var trText = colon < 0 ? text : text[..colon];
        var key = colon < 0 ? "" : text[(colon + 1)..];
        if (!TryResolve(trText, out var tr))
        {
            error = $"unknown TR '{trText}' in --sub {text}; use a TR id or one of: {AliasHelp}";
            return false;
        }

        tr = KisTrs.ForEnvironment(tr, environment);
        if (key.Length == 0 && tr.KeyFormat == TrKeyFormat.HtsId) key = defaultHtsId ?? "";
        if (!tr.IsValidKey(key))
        {
            error = key.Length == 0
                ? $"--sub {text}: {tr.Id} needs a key ({Describe(tr)})"
                : $"--sub {text}: '{key}' is not a valid {tr.Id} key ({Describe(tr)})";
            return false;
        }

        spec = new SubscriptionSpec(tr, key);
        error = "";
        return true;
    }

    private static string Describe(TrDefinition tr)
        => tr.KeyFormat == TrKeyFormat.HtsId ? "your HTS ID; set KIS_HTS_ID or --hts-id" : tr.DescribeKey();

    public override string ToString() => $"{Tr.Id}:{Key}";
}
