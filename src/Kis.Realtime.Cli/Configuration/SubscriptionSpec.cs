using Kis.Realtime.Protocol;

namespace Kis.Realtime.Cli.Configuration;

/// <summary>One <c>--sub TR:KEY</c> request: a TR (by id or friendly alias) and its key.</summary>
internal sealed record SubscriptionSpec(TrDefinition Tr, string Key)
{
    /// <summary>Friendly aliases, in the order help text lists them. Notice aliases default their key to the HTS ID.</summary>
    public static IReadOnlyList<(string Alias, TrDefinition Tr)> AliasTable { get; } =
    [
        ("stock", KisTrs.H0STCNT0), ("stock-nxt", KisTrs.H0NXCNT0), ("stock-unified", KisTrs.H0UNCNT0),
        ("book", KisTrs.H0STASP0), ("book-nxt", KisTrs.H0NXASP0), ("book-unified", KisTrs.H0UNASP0),
        ("expected", KisTrs.H0STANC0), ("expected-nxt", KisTrs.H0NXANC0), ("expected-unified", KisTrs.H0UNANC0),
        ("status", KisTrs.H0STMKO0), ("status-nxt", KisTrs.H0NXMKO0), ("status-unified", KisTrs.H0UNMKO0),
        ("program", KisTrs.H0UNPGM0), ("pgm", KisTrs.H0UNPGM0), ("program-nxt", KisTrs.H0NXPGM0), ("pgm-nxt", KisTrs.H0NXPGM0),
        ("program-krx", KisTrs.H0STPGM0),
        ("stock-notice", KisTrs.H0STCNI0), ("notice", KisTrs.H0IFCNI0), ("fills", KisTrs.H0IFCNI0),
        ("night-futures-notice", KisTrs.H0MFCNI0), ("night-options-notice", KisTrs.H0EUCNI0), ("us-notice", KisTrs.H0GSCNI0),
        ("index", KisTrs.H0UPCNT0), ("index-expected", KisTrs.H0UPANC0), ("index-program", KisTrs.H0UPPGM0),
        ("etf-nav", KisTrs.H0STNAV0), ("elw", KisTrs.H0EWCNT0), ("elw-book", KisTrs.H0EWASP0),
        ("bond", KisTrs.H0BJCNT0), ("bond-book", KisTrs.H0BJASP0), ("bond-index", KisTrs.H0BICNT0),
        ("futures", KisTrs.H0IFCNT0), ("futures-book", KisTrs.H0IFASP0), ("options", KisTrs.H0IOCNT0), ("options-book", KisTrs.H0IOASP0),
        ("commodity-futures", KisTrs.H0CFCNT0), ("stock-futures", KisTrs.H0ZFCNT0), ("stock-futures-book", KisTrs.H0ZFASP0),
        ("stock-options", KisTrs.H0ZOCNT0), ("stock-options-book", KisTrs.H0ZOASP0),
        ("night-futures", KisTrs.H0MFCNT0), ("night-futures-book", KisTrs.H0MFASP0),
        ("night-options", KisTrs.H0EUCNT0), ("night-options-book", KisTrs.H0EUASP0),
        ("us", KisTrs.HDFSCNT0), ("overseas", KisTrs.HDFSCNT0), ("us-book", KisTrs.HDFSASP0), ("asia-book", KisTrs.HDFSASP1),
        ("overseas-futures", KisTrs.HDFFF020), ("overseas-futures-book", KisTrs.HDFFF010),
    ];

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
