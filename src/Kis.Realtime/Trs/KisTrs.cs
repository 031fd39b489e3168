using Kis.Realtime.Protocol;

namespace Kis.Realtime.Trs;

/// <summary>
/// The TR table: every real-time TR this library knows. Adding a TR (kis-protocol.md §8) is one field table here and,
/// for a typed API, one <see cref="IKisRecord{TSelf}"/> struct.
/// </summary>
public static class KisTrs
{
    /// <summary>H0UPCNT0: domestic index ticks.</summary>
    public static TrDefinition IndexTicks => IndexTick.Definition;
    /// <summary>H0BJCNT0: exchange-listed bond trades.</summary>
    public static TrDefinition BondTrades => BondTrade.Definition;
    /// <summary>H0NXPGM0: program trading, Nextrade.</summary>
    public static TrDefinition ProgramTradesNxt => ProgramTrade.NxtDefinition;
    /// <summary>H0UNPGM0: program trading, KRX+NXT combined.</summary>
    public static TrDefinition ProgramTradesUnified => ProgramTrade.UnifiedDefinition;
    /// <summary>H0IFCNI0: futures/options notices (real server).</summary>
    public static TrDefinition FuturesOptionsNotices => FuturesOptionsNotice.RealDefinition;
    /// <summary>H0IFCNI9: futures/options notices (paper server).</summary>
    public static TrDefinition FuturesOptionsNoticesPaper => FuturesOptionsNotice.PaperDefinition;

    private static readonly TrDefinition[] AllTrs =
        [IndexTicks, BondTrades, ProgramTradesNxt, ProgramTradesUnified, FuturesOptionsNotices, FuturesOptionsNoticesPaper];

    private static readonly Dictionary<TrId, TrDefinition> ById = AllTrs.ToDictionary(t => t.TrId);

    /// <summary>Every known TR.</summary>
    public static IReadOnlyList<TrDefinition> All => AllTrs;

    /// <summary>Looks a TR up by its packed id.</summary>
    public static bool TryGet(TrId id, out TrDefinition tr) => ById.TryGetValue(id, out tr!);

    /// <summary>Looks a TR up by its text id.</summary>
    public static bool TryGet(string id, out TrDefinition tr)
    {
        tr = null!;
        if (id is not { Length: TrId.Length } || !id.All(char.IsAscii)) return false;
        Span<byte> ascii = stackalloc byte[TrId.Length];
        System.Text.Encoding.ASCII.GetBytes(id, ascii);
        return TrId.TryParse(ascii, out var trId) && TryGet(trId, out tr); // never throws: ids come from the wire
    }

    /// <summary>The TR to use on <paramref name="environment"/>: the paper server's notice TR is H0IFCNI9, not H0IFCNI0.</summary>
    public static TrDefinition ForEnvironment(TrDefinition tr, KisEnvironments environment)
    {
        if (environment == KisEnvironments.Paper && tr == FuturesOptionsNotices) return FuturesOptionsNoticesPaper;
        if (environment == KisEnvironments.Real && tr == FuturesOptionsNoticesPaper) return FuturesOptionsNotices;
        return tr;
    }
}
