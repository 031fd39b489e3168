using Kis.Realtime.Simulator.Trading.Core;

namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// The order notice records (H0STCNI0/9 stocks, H0IFCNI0/9 futures/options, the night sessions' H0MFCNI0/H0EUCNI0,
/// H0GSCNI0 overseas): what an order event says in KIS's terms (<see cref="NoticeValues"/>), written by the writers
/// generated from the catalog and tools/trs/views.json (<c>RecordWriters.g.cs</c>), where each TR's layout is stated.
/// The paper venue's notices (encrypted by the session), the backtest's notices and the simulator's made-up notices
/// are all written here.
/// </summary>
internal static class OrderNotices
{
    /// <summary>Fields of the futures/options layout (H0IFCNI0); the stock layout has 26: how a reader tells them apart.</summary>
    public const int DerivativeFields = FuturesNoticeWriter.H0IFCNI0Fields;

    /// <summary>The futures layout's field count for the night sessions (it ends at oder_cond).</summary>
    public const int NightFields = FuturesNoticeWriter.H0MFCNI0Fields;

    /// <summary>
    /// One order event as a notice for <paramref name="htsId"/>'s <paramref name="account"/> (10 digits, product code
    /// included): the stock layout or, for a futures/options event, the futures layout of <paramref name="fields"/>
    /// fields (the day's or the night's). <paramref name="customer"/> is acnt_name (the account holder's name),
    /// <paramref name="name"/> the instrument's.
    /// </summary>
    public static void Write(ref RecordWriter w, in OrderEvent e, string htsId, string account, string customer, string name,
        int fields = DerivativeFields)
    {
        var v = NoticeValues.Of(e, htsId, account, customer, name);
        if (!e.Derivative) StockNoticeWriter.H0STCNI0(ref w, v);
        else if (fields == NightFields) FuturesNoticeWriter.H0MFCNI0(ref w, v);
        else FuturesNoticeWriter.H0IFCNI0(ref w, v);
    }

    /// <summary>H0GSCNI0 (overseas stocks: the simulator's made-up notices only), prices in dollars and cents.</summary>
    public static void WriteOverseas(ref RecordWriter w, in OrderEvent e, string htsId, string account, string customer, string name)
        => OverseasNoticeWriter.H0GSCNI0(ref w, NoticeValues.Of(e, htsId, account, customer, name));
}

/// <summary>
/// One order event in the terms of KIS's notice fields, the values the generated writers write (views.json's
/// "writers" say which field carries which).
/// </summary>
internal readonly record struct NoticeValues(string HtsId, string Account, string Customer, string Name, long Number, long Original,
    bool Buy, bool IsMarket, int Revision, string Code, long Quantity, long Price, int Second, bool Rejected, bool Filled, long Field16,
    long OrderPrice)
{
    /// <summary>cntg_yn and acpt_yn (notice type and acceptance): 2 a fill, 1 an order step.</summary>
    public ReadOnlySpan<byte> Step => Filled ? "2"u8 : "1"u8;

    /// <summary>The values of <paramref name="e"/>: rctf_cls 0 new, 1 amendment, 2 cancel; oder_qty (field 16) the
    /// order's quantity for a fill, what was filled so far for an amendment, cancel or expiry.</summary>
    public static NoticeValues Of(in OrderEvent e, string htsId, string account, string customer, string name)
    {
        var (revision, field16) = e.Kind switch
        {
            OrderEventKind.Filled => (0, e.OrderQuantity),
            OrderEventKind.Amended => (1, e.FilledSoFar),
            // An expiry is the exchange's cancel of what is left, under the order's own number (KIS documents none).
            OrderEventKind.Cancelled or OrderEventKind.Expired => (2, e.FilledSoFar),
            _ => (0, 0L), // accepted or rejected
        };
        return new(htsId, account, customer, name, e.Number, e.Original, e.Buy, e.IsMarket, revision, e.Code, e.Quantity, e.Price,
            (int)e.At.TimeOfDay.TotalSeconds, e.Kind == OrderEventKind.Rejected, e.Kind == OrderEventKind.Filled, field16, e.OrderPrice);
    }
}
