namespace Kis.Realtime.Simulator.Market;

/// <summary>What happened to an order: the venue core's events (<c>Trading/Core/VenueCore</c>), each one notice.</summary>
internal enum OrderEventKind { Accepted, Filled, Amended, Cancelled, Rejected, Expired }

/// <summary>
/// One event of an order's life in the terms of KIS's notice layouts (docs/kis-protocol.md §7): fields 9 and 10
/// (<paramref name="Quantity"/>, <paramref name="Price"/>) carry what the event concerns, field 16 is chosen by
/// <see cref="OrderNotices"/> from <paramref name="OrderQuantity"/> (a fill) or <paramref name="FilledSoFar"/> (an
/// amendment, cancel or expiry). Futures/options prices in hundredths of a point; <paramref name="At"/> is KST;
/// <paramref name="Liquidity"/> says what a fill took (the notice does not carry it; the backtest's fill rows do).
/// </summary>
internal readonly record struct OrderEvent(OrderEventKind Kind, long Number, long Original, string Code, bool Buy, bool IsMarket, bool Derivative,
    long Quantity, long Price, long OrderQuantity, long FilledSoFar, long OrderPrice, DateTime At, FillLiquidity Liquidity = FillLiquidity.None);

/// <summary>What a fill took (the venue core knows it): an arriving order's walk of the book (taker), a resting order
/// reached by the market (maker), or an auction's print; <see cref="None"/> for an event that is no fill.</summary>
internal enum FillLiquidity { None, Taker, Maker, Auction }

/// <summary>
/// The one writer of KIS's order notice records (H0STCNI0/9 stocks, H0IFCNI0/9 futures/options; the night sessions'
/// H0MFCNI0/H0EUCNI0 are the first 19 fields of the futures layout, H0GSCNI0 overseas its own tail): the positional
/// layout lives here only. The paper venue's notices (encrypted by the session), the backtest's notices and the
/// simulator's made-up notices are all written by it.
/// </summary>
internal static class OrderNotices
{
    /// <summary>Fields of the futures/options layout (H0IFCNI0); the stock layout has 26: how a reader tells them apart.</summary>
    public const int DerivativeFields = 22;

    /// <summary>The futures layout's field count for the night sessions (it ends at oder_cond).</summary>
    public const int NightFields = 19;

    /// <summary>
    /// One order event as a notice for <paramref name="htsId"/>'s <paramref name="account"/> (10 digits, product code
    /// included): the stock layout or, for a futures/options event, the futures layout cut to <paramref name="fields"/>.
    /// <paramref name="customer"/> is field 17 (the account holder's name), <paramref name="name"/> the instrument's.
    /// </summary>
    public static void Write(ref RecordWriter w, in OrderEvent e, string htsId, string account, string customer, string name,
        int fields = DerivativeFields)
    {
        Head(ref w, e, htsId, account, customer, overseas: false);
        if (e.Derivative)
        {
            w.Text(name);
            w.Empty(); // oder_cond
            if (fields == NightFields) return;
            w.Empty();
            w.Empty();
            Pad(ref w, e.OrderPrice, 9);
            return;
        }
        // The stock tail: exchange 1 (KRX), cntg_yn, no loan type, credit 10 (cash), no loan date, the name, the order price.
        w.Ascii("0"u8);
        w.Ascii("1"u8);
        w.Ascii(e.Kind == OrderEventKind.Filled ? "Y"u8 : "N"u8);
        w.Empty();
        w.Ascii("10"u8);
        w.Ascii("00000000"u8);
        w.Text(name);
        Pad(ref w, e.OrderPrice, 9);
    }

    /// <summary>
    /// H0GSCNI0 (overseas stocks: the simulator's made-up notices only): the futures layout's first 18 fields with
    /// dollars and cents as written, then oder_cond 1 (US), no collateral (debt_gb 00, no date), no time-split order and
    /// cntg_unpr12, the price again.
    /// </summary>
    public static void WriteOverseas(ref RecordWriter w, in OrderEvent e, string htsId, string account, string customer, string name)
    {
        Head(ref w, e with { Derivative = true }, htsId, account, customer, overseas: true);
        w.Text(name);
        w.Ascii("1"u8);
        w.Ascii("00"u8);
        w.Ascii("00000000"u8);
        w.Empty();
        w.Empty();
        w.Ascii("0"u8);
        w.Fixed(e.Price, 2);
    }

    /// <summary>Fields 1 to 17, common to every layout (the stock one has oder_kind and oder_cond where F/O has oder_kind2).</summary>
    private static void Head(ref RecordWriter w, in OrderEvent e, string htsId, string account, string customer, bool overseas)
    {
        var filled = e.Kind == OrderEventKind.Filled;
        var (revision, field16) = e.Kind switch
        {
            OrderEventKind.Filled => (0, e.OrderQuantity),
            OrderEventKind.Amended => (1, e.FilledSoFar),
            // An expiry is the exchange's cancel of what is left, under the order's own number (KIS documents none).
            OrderEventKind.Cancelled or OrderEventKind.Expired => (2, e.FilledSoFar),
            _ => (0, 0L), // accepted or rejected
        };
        var step = filled ? "2"u8 : "1"u8; // notice type and acceptance: a fill, or an order step
        w.Text(htsId);
        w.Text(account);
        Pad(ref w, e.Number, 10);
        if (e.Original == 0) w.Empty(); else Pad(ref w, e.Original, 10);
        w.Ascii(e.Buy ? "02"u8 : "01"u8);
        w.Int(revision); // rvse_cncl_dvsn: 0 new, 1 amendment, 2 cancel
        if (e.Derivative) w.Ascii(filled ? "0"u8 : "L"u8); // oder_kind2
        else
        {
            w.Ascii(e.IsMarket ? "01"u8 : "00"u8); // oder_kind: market or limit
            w.Ascii("0"u8); // oder_cond
        }
        w.Text(e.Code);
        Pad(ref w, e.Quantity, 10);
        // Overseas prices are dollars and cents as written (the library reads them so); KRX's are whole KRW or hundredths.
        if (overseas) w.Fixed(e.Price, 2); else Pad(ref w, e.Price, 9);
        w.Time((int)e.At.TimeOfDay.TotalSeconds);
        w.Ascii(e.Kind == OrderEventKind.Rejected ? "1"u8 : "0"u8);
        w.Ascii(step);
        w.Ascii(step);
        w.Ascii("00950"u8);
        Pad(ref w, field16, e.Derivative ? 9 : 10);
        w.Text(customer);
    }

    /// <summary>KIS's zero-padded number: as <c>value.ToString().PadLeft(width, '0')</c>, a negative one too (never sent:
    /// kept so that a bad value reads as the earlier writers wrote it).</summary>
    private static void Pad(ref RecordWriter w, long value, int width)
    {
        if (value >= 0) w.Padded(value, width);
        else w.Text(value.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(width, '0'));
    }
}
