namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// What a catalog field carries: for a field a typed view reads, its property's role (views.json's simulator_roles); for
/// a book's levels, their role in views.json's books; for the others, read from its KIS name and type (KIS's naming is
/// regular: <c>*_hour</c> times, <c>*_sign</c> sign codes, <c>*_yn</c> flags, <c>acml_*</c> day totals …).
/// <see cref="GenericStream"/> writes a plausible value for each role.
/// </summary>
internal enum FieldRole : byte
{
    /// <summary>The subscription key (the TR's key field).</summary>
    Key,
    Time,
    /// <summary>A time of day in the exchange's local time (overseas <c>xhms</c>).</summary>
    LocalTime,
    Date,
    /// <summary>The exchange's local date (overseas <c>xymd</c>).</summary>
    LocalDate,
    /// <summary>The market's trading day (overseas <c>tymd</c>, 현지영업일자).</summary>
    TradingDate,
    /// <summary>A date that applies only sometimes (credit loan, debt): KIS's 00000000.</summary>
    NoDate,
    Sign,
    YesNo,
    SideCode,
    Code,
    Name,
    OrderNumber,
    /// <summary>The original order number (empty: generic notices are new orders).</summary>
    OriginalOrderNumber,
    Account,
    /// <summary>Text that carries a time (recv_time, start_tm …): HHMMSS.</summary>
    TimeText,
    /// <summary>Free text with nothing to say (filler, reasons): empty.</summary>
    EmptyText,
    /// <summary>Other identifiers (series, short codes): the key.</summary>
    KeyText,
    /// <summary>An overseas symbol without the D/R and exchange prefix of the key (AAPL of DNASAAPL).</summary>
    Symbol,
    Price,
    Open,
    High,
    Low,
    PreviousClose,
    AskLevel,
    BidLevel,
    /// <summary>Price minus a reference (vrss, diff): signed.</summary>
    Change,
    /// <summary>Change rate vs the previous close, %.</summary>
    ChangeRate,
    /// <summary>Another rate or ratio, %.</summary>
    Rate,
    /// <summary>A small signed decimal (option greeks).</summary>
    Greek,
    Decimal,
    /// <summary>A day total that only grows (acml_*, *_smtn, *_csnu …).</summary>
    Cumulative,
    /// <summary>A KRW (or currency) amount that only grows (acml_tr_pbmn, tamt).</summary>
    CumulativeAmount,
    SignedInteger,
    /// <summary>The sum of the quantity fields it totals (total_askp_rsqn of askp_rsqn1…N; bvol of vbid1…N).</summary>
    Total,
    /// <summary>The number of decimals of the prices (overseas zdiv).</summary>
    Digits,
    Quantity,
}

/// <summary>Classifies catalog fields into <see cref="FieldRole"/>s.</summary>
internal static class FieldRoles
{
    /// <summary>
    /// The role of field <paramref name="index"/> of <paramref name="tr"/>: the key; else the role views.json gives the
    /// typed-view property that reads it (<see cref="ViewFields"/>, generated); else its book role's (a level's price or
    /// quantity: <see cref="BookFields"/>, generated from views.json's books); else a rule on KIS's field name
    /// (<see cref="ByName"/>). <paramref name="level"/>: a book price's level (1 = the touch).
    /// </summary>
    public static FieldRole Of(TrDefinition tr, int index, out int level)
    {
        level = 0;
        if (index == tr.KeyField) return FieldRole.Key;
        var field = tr.Fields[index];
        if (ViewFields.Of(tr.Id) is { } view && view.Fields.TryGetValue(field.Name, out var read))
        {
            // The views read the touch only (BestAsk, BestBid); deeper levels are in views.json's books (BookFields).
            if (read.Role is FieldRole.AskLevel or FieldRole.BidLevel) level = 1;
            return read.Role;
        }
        if (BookFields.Of(tr.Id) is { } book && book.TryGetValue(field.Name, out var inBook) && inBook.SimulatorRole is { } role)
        {
            level = role is FieldRole.AskLevel or FieldRole.BidLevel ? inBook.Level : 0;
            return role;
        }
        return ByName(field);
    }

    /// <summary>
    /// The index of the field of <paramref name="tr"/> that its typed view's <paramref name="property"/> reads
    /// (<see cref="ViewFields"/>, from views.json), so code that reads a field where it lies names what it means, not
    /// KIS's name of it. Throws for a property that reads no field of the TR: a mistake in the caller.
    /// </summary>
    public static int FieldOf(TrDefinition tr, string property)
    {
        if (ViewFields.Of(tr.Id) is { } view)
            for (var i = 0; i < tr.Fields.Count; i++)
                if (view.Fields.TryGetValue(tr.Fields[i].Name, out var read) && read.Property == property) return i;
        throw new ArgumentException($"{property} reads no field of {tr.Id}", nameof(property));
    }

    /// <summary>
    /// Rules on KIS's field names, only for the fields neither a typed view nor a book layout reads (notices, the TRs
    /// without a generated view, a book's other fields). A rule that only view-read or book fields matched is gone:
    /// views.json says what those fields are.
    /// </summary>
    private static FieldRole ByName(FieldDefinition field)
    {
        var n = field.Name;
        switch (field.Type)
        {
            case FieldType.Time:
                return n.StartsWith('x') ? FieldRole.LocalTime : FieldRole.Time;
            case FieldType.Date:
                return Has(n, "loan") || Has(n, "debt") ? FieldRole.NoDate : n.StartsWith('x') ? FieldRole.LocalDate : FieldRole.Date;
            case FieldType.Code:
                if (n.EndsWith("sign", StringComparison.Ordinal) || n == "sign") return FieldRole.Sign;
                if (n is "seln_byov_cls") return FieldRole.SideCode;
                if (n.EndsWith("_yn", StringComparison.Ordinal) || Has(n, "_yn_")) return FieldRole.YesNo;
                return FieldRole.Code;
            case FieldType.Text:
                if (Has(n, "name") || Has(n, "isnm")) return FieldRole.Name;
                if (n is "ooder_no") return FieldRole.OriginalOrderNumber;
                if (n is "oder_no") return FieldRole.OrderNumber;
                if (n is "acnt_no") return FieldRole.Account;
                if (n is "symb") return FieldRole.Symbol;
                if (Has(n, "time") || n.EndsWith("_tm", StringComparison.Ordinal)) return FieldRole.TimeText;
                if (Has(n, "iscd")) return FieldRole.KeyText;
                return FieldRole.EmptyText;
            case FieldType.Integer:
                if (Has(n, "ntby") || Has(n, "icdc")) return FieldRole.SignedInteger;
                if (Has(n, "pbmn") || Has(n, "amt")) return FieldRole.CumulativeAmount;
                if (Has(n, "acml") || Has(n, "smtn") || Has(n, "csnu")) return FieldRole.Cumulative;
                if (n is "zdiv") return FieldRole.Digits;
                return FieldRole.Quantity;
            default: // Decimal
                if (Has(n, "vrss") || Has(n, "basis")) return FieldRole.Change;
                if (Has(n, "ctrt")) return FieldRole.ChangeRate;
                if (Has(n, "rat") || Has(n, "ert") || Has(n, "tnrt") || Has(n, "cttr") || Has(n, "rlim") || Has(n, "dprt")
                    || Has(n, "vltl") || Has(n, "prmm") || Has(n, "gear") || Has(n, "lvrg") || Has(n, "prit"))
                    return FieldRole.Rate;
                if (n is "delta" or "gama" or "theta" or "vega" or "rho" or "esdg") return FieldRole.Greek;
                if (Has(n, "hgpr")) return FieldRole.High;
                if (Has(n, "lwpr")) return FieldRole.Low;
                if (Has(n, "oprc")) return FieldRole.Open;
                if (Has(n, "prev_price") || Has(n, "sttl")) return FieldRole.PreviousClose;
                if (Has(n, "pr") || Has(n, "cfp") || Has(n, "val")) return FieldRole.Price;
                return FieldRole.Decimal;
        }
    }

    // KIS's field names are ASCII protocol text: compared ordinally, whatever the process's culture.
    private static bool Has(string name, string part) => name.Contains(part, StringComparison.Ordinal);

    /// <summary>
    /// The fields field <paramref name="index"/> of <paramref name="tr"/> sums, when views.json's books make it a total
    /// (total_askp_rsqn of askp_rsqn1…N; the overseas book's bvol of vbid1…N); null otherwise.
    /// </summary>
    public static int[]? TotalOf(TrDefinition tr, int index)
    {
        if (BookFields.Of(tr.Id) is not { } book || !book.TryGetValue(tr.Fields[index].Name, out var field) || field.Sums is not { } sums)
            return null;
        return [.. sums.Select(tr.IndexOf)];
    }
}
