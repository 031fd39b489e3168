using System.Diagnostics.CodeAnalysis;
using Kis.Realtime.Protocol;

namespace Kis.Realtime;

/// <summary>
/// The TR table: every real-time TR KIS publishes (60, plus the paper server's ids of the three notice TRs that differ
/// there). Each TR is reachable by its id (<c>KisTrs.H0STCNT0</c>, field tables generated from KIS's catalog by
/// <c>tools/trs/generate_trs.py</c> into <c>Trs/Catalog/</c>) and, where a typed view exists, by a friendly name
/// (<see cref="StockTrades"/>). Adding a TR is one catalog entry and a generator run; a typed view is one
/// <see cref="IKisRecord{TSelf}"/> struct.
/// </summary>
/// <remarks>Every static initializer of this class is in the generated <c>KisTrs.Catalog.g.cs</c>, so their order is defined.</remarks>
public static partial class KisTrs
{
    /// <summary>H0UPCNT0: domestic index ticks.</summary>
    public static TrDefinition IndexTicks => H0UPCNT0;
    /// <summary>H0BJCNT0: exchange-listed bond trades.</summary>
    public static TrDefinition BondTrades => H0BJCNT0;
    /// <summary>H0NXPGM0: program trading, Nextrade.</summary>
    public static TrDefinition ProgramTradesNxt => H0NXPGM0;
    /// <summary>H0UNPGM0: program trading, KRX+NXT combined.</summary>
    public static TrDefinition ProgramTradesUnified => H0UNPGM0;
    /// <summary>H0STPGM0: program trading, KRX.</summary>
    public static TrDefinition ProgramTradesKrx => H0STPGM0;
    /// <summary>H0IFCNI0: futures/options notices (real server).</summary>
    public static TrDefinition FuturesOptionsNotices => H0IFCNI0;
    /// <summary>H0IFCNI9: futures/options notices (paper server).</summary>
    public static TrDefinition FuturesOptionsNoticesPaper => H0IFCNI9;

    /// <summary>H0STCNT0: stock trades, KRX.</summary>
    public static TrDefinition StockTrades => H0STCNT0;
    /// <summary>H0NXCNT0: stock trades, Nextrade.</summary>
    public static TrDefinition StockTradesNxt => H0NXCNT0;
    /// <summary>H0UNCNT0: stock trades, KRX+NXT combined.</summary>
    public static TrDefinition StockTradesUnified => H0UNCNT0;
    /// <summary>H0STASP0: stock order book (10 levels), KRX.</summary>
    public static TrDefinition StockOrderBooks => H0STASP0;
    /// <summary>H0NXASP0: stock order book, Nextrade.</summary>
    public static TrDefinition StockOrderBooksNxt => H0NXASP0;
    /// <summary>H0UNASP0: stock order book, KRX+NXT combined.</summary>
    public static TrDefinition StockOrderBooksUnified => H0UNASP0;
    /// <summary>H0STANC0: stock expected (auction) trades, KRX.</summary>
    public static TrDefinition StockExpectedTrades => H0STANC0;
    /// <summary>H0STMKO0: stock market status (halts, VI), KRX.</summary>
    public static TrDefinition StockMarketStatus => H0STMKO0;
    /// <summary>H0STCNI0: your stock order and fill notices (real server; H0STCNI9 on paper).</summary>
    public static TrDefinition StockNotices => H0STCNI0;
    /// <summary>H0GSCNI0: your overseas stock order and fill notices (real server; H0GSCNI9 on paper).</summary>
    public static TrDefinition OverseasStockNotices => H0GSCNI0;
    /// <summary>HDFSCNT0: overseas stock trades.</summary>
    public static TrDefinition OverseasStockTrades => HDFSCNT0;
    /// <summary>HDFSASP0: overseas stock order book.</summary>
    public static TrDefinition OverseasStockOrderBooks => HDFSASP0;
    /// <summary>H0STNAV0: ETF NAV.</summary>
    public static TrDefinition EtfNav => H0STNAV0;
    /// <summary>H0EWCNT0: ELW trades.</summary>
    public static TrDefinition ElwTrades => H0EWCNT0;
    /// <summary>H0IFCNT0: index futures trades.</summary>
    public static TrDefinition IndexFuturesTrades => H0IFCNT0;
    /// <summary>H0IFASP0: index futures order book.</summary>
    public static TrDefinition IndexFuturesOrderBooks => H0IFASP0;

    /// <summary>Every known TR id: the 60 of KIS's catalog and the paper ids of the notice TRs (H0IFCNI9, H0STCNI9, H0GSCNI9).</summary>
    public static IReadOnlyList<TrDefinition> All => AllTrs;

    /// <summary>KIS's catalog: the 60 real-time TRs, by their real-server ids, in KIS's order.</summary>
    public static IReadOnlyList<TrDefinition> Catalog => CatalogTrs;

    /// <summary>Looks a TR up by its packed id.</summary>
    [Experimental("KISRT0001")]
    public static bool TryGet(TrId id, out TrDefinition tr) => Index.ById.TryGetValue(id, out tr!);

    /// <summary>Looks a TR up by its text id.</summary>
    public static bool TryGet(string id, out TrDefinition tr)
    {
        tr = null!;
        if (id is not { Length: TrId.Length } || !id.All(char.IsAscii)) return false;
        Span<byte> ascii = stackalloc byte[TrId.Length];
        System.Text.Encoding.ASCII.GetBytes(id, ascii);
        return TrId.TryParse(ascii, out var trId) && TryGet(trId, out tr); // never throws: ids come from the wire
    }

    /// <summary>
    /// The TR to use on <paramref name="environment"/>: the paper server's notice TRs are H0IFCNI9, H0STCNI9 and
    /// H0GSCNI9; every other TR keeps its id (and may not be offered there: see <see cref="TrDefinition.IsOfferedOn"/>).
    /// </summary>
    public static TrDefinition ForEnvironment(TrDefinition tr, KisEnvironment environment)
    {
        if (environment == KisEnvironment.Paper && !tr.IsOfferedOn(KisEnvironment.Paper)
            && tr.PaperId is { } paperId && TryGet(paperId, out var paper))
            return paper;
        if (environment == KisEnvironment.Real && !tr.IsOfferedOn(KisEnvironment.Real)
            && Index.RealByPaper.TryGetValue(tr.Id, out var real))
            return real;
        return tr;
    }

    // Built on first use (not a static initializer of KisTrs: see the class remarks).
    private static class Index
    {
        public static readonly Dictionary<TrId, TrDefinition> ById = AllTrs.ToDictionary(t => t.TrId);

        public static readonly Dictionary<string, TrDefinition> RealByPaper = CatalogTrs
            .Where(t => t.PaperId is { } p && p != t.Id)
            .ToDictionary(t => t.PaperId!, t => t, StringComparer.Ordinal);
    }
}
