using Kis.Realtime.Simulator.Rules;
using P = Kis.Realtime.Simulator.Market.StockTradeProperty;

namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// H0STCNT0 / H0NXCNT0 / H0UNCNT0: trades of one stock from its venue's <see cref="StockBook"/> (at the touch, day
/// totals, open/high/low with their times, sign and change against the previous close). With <c>expected</c>, the
/// expected-trade TRs (H0STANC0 / H0NXANC0 / H0UNANC0, the same layout): where the book would match now, without
/// trading. No trades during a VI (<see cref="ViSchedule"/>); <c>vi_stnd_prc</c> is the VI reference price (the
/// opening price, then each VI's auction price). Fields the model does not own (and any KIS appends to the table) stay generic.
/// </summary>
internal sealed class StockTradeStream : GenericStream
{
    /// <summary>
    /// The StockTrade property (<see cref="StockTradeProperty"/>, generated from views.json) each field name feeds, over
    /// StockTrade's TRs (<see cref="ViewFields"/>); the expected-trade TRs share the layout. The model writes the
    /// properties its switch names; every other field stays generic.
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, StockTradeProperty> ByField = StockTrade.Trs
        .SelectMany(tr => ViewFields.Of(tr.Id)?.Fields ?? new Dictionary<string, (string, FieldRole)>())
        .Select(p => (Field: p.Key, Role: Enum.Parse<StockTradeProperty>(p.Value.Property)))
        .DistinctBy(p => p.Field)
        .ToDictionary(p => p.Field, p => p.Role, StringComparer.Ordinal);

    private readonly StockBook _book;
    private readonly StockTradeProperty[] _fields;
    private readonly bool _expected;
    private TradeSnapshot _t;
    private long _previousDaySameTime;

    public StockTradeStream(Random random, TrDefinition tr, string key, SimulatedMarket market, StockBook book, bool expected = false)
        : base(random, tr, key, market)
    {
        _book = book;
        _expected = expected;
        // vi_stnd_prc is a price in the trade TRs but a VI status code in H0NXANC0/H0UNANC0: that one stays generic.
        _fields = [.. tr.Fields.Select(f => ByField.GetValueOrDefault(f.Name) is var role
            && role == P.StaticViReferencePrice && f.Type != FieldType.Decimal ? P.None : role)];
    }

    /// <summary>No continuous trades in a VI or KRX's closing auction, none on KRX after the closing print; expected trades go on.</summary>
    public override bool HasRecordAt(DateTime now) => _expected || _book.HasTradeAt(now);

    /// <summary>Trades of the other feeds of the stock waiting for this one (the unified feed shows KRX's and NXT's).</summary>
    public override int Backlog => _expected ? 0 : _book.Backlog;

    /// <summary>A trade record carries its trade's time (a queued trade keeps the time it happened at).</summary>
    public override void WriteRecord(ref RecordWriter writer, DateTime now)
    {
        if (!_expected)
        {
            (_t, now, _) = _book.Next(now);
            // The stock put KRX's trade on the tape; its reader (the paper venue) takes it now, after the stock's lock.
            Market.Tape.Flush();
        }
        base.WriteRecord(ref writer, now);
    }

    /// <summary>
    /// Trades the stock's other feeds made before this feed's hours ended are owed now; a KRX day that opened and
    /// never printed its close owes the print, at 15:30.
    /// </summary>
    public override DateTime? OwedAt(DateTime now)
        => _expected ? null
            : _book.Backlog > 0 ? now
            : _book.OwesClosingPrint(now) ? now.Date + TimeSpan.FromSeconds(KrxDayHours.On(now).ClosingAuctionEnd) : null;

    protected override void BeginRecord(DateTime now)
    {
        var second = (int)now.TimeOfDay.TotalSeconds;
        if (_expected) _t = _book.Expected(now);
        // The previous day had traded this share of its volume by this time of the session (09:00 to the closing print).
        var hours = KrxDayHours.On(now);
        var session = hours.ClosingAuctionEnd - hours.RegularOpen;
        var into = Math.Clamp(second - hours.RegularOpen, 1, session);
        _previousDaySameTime = Math.Max(1, _t.PreviousDayVolume * into / session);
    }

    protected override bool WriteDomainField(ref RecordWriter w, int index, DateTime now)
    {
        ref readonly var t = ref _t;
        switch (_fields[index])
        {
            default: return false; // None, and the properties the model leaves generic
            case P.Price: w.Int(t.Price); break;
            case P.ChangeSign: w.Ascii(StockCodes.Sign(t.Price, t.PreviousClose, t.UpperLimit, t.LowerLimit)); break;
            case P.Change: w.Int(t.Price - t.PreviousClose); break;
            case P.ChangeRate: w.Fixed(StockCodes.Percent(t.Price - t.PreviousClose, t.PreviousClose), 2); break;
            case P.WeightedAveragePrice: w.Fixed(t.CumulativeValue * 100 / Math.Max(1, t.CumulativeVolume), 2); break;
            case P.Open: w.Int(t.Open); break;
            case P.High: w.Int(t.High); break;
            case P.Low: w.Int(t.Low); break;
            case P.BestAsk: w.Int(t.BestAsk); break;
            case P.BestBid: w.Int(t.BestBid); break;
            case P.Volume: w.Int(t.Volume); break;
            case P.CumulativeVolume: w.Int(t.CumulativeVolume); break;
            case P.CumulativeTradeValue: w.Int(t.CumulativeValue); break;
            case P.SellTradeCount: w.Int(t.SellCount); break;
            case P.BuyTradeCount: w.Int(t.BuyCount); break;
            case P.NetBuyTradeCount: w.Int(t.BuyCount - t.SellCount); break;
            case P.TradeStrength: w.Fixed(t.BuyVolume * 10_000 / Math.Max(1, t.SellVolume), 2); break;
            case P.SellVolume: w.Int(t.SellVolume); break;
            case P.BuyVolume: w.Int(t.BuyVolume); break;
            case P.Side: w.Ascii(t.BuyerInitiated ? "1"u8 : "5"u8); break;
            case P.BuyRatio: w.Fixed(t.BuyVolume * 10_000 / Math.Max(1, t.BuyVolume + t.SellVolume), 2); break;
            case P.VolumeVsPreviousDay: w.Fixed(t.CumulativeVolume * 10_000 / Math.Max(1, t.PreviousDayVolume), 2); break;
            case P.OpenTime: w.Time(t.OpenSecond); break;
            case P.VsOpenSign: w.Sign(t.Price - t.Open); break;
            case P.VsOpen: w.Int(t.Price - t.Open); break;
            case P.HighTime: w.Time(t.HighSecond); break;
            case P.VsHighSign: w.Sign(t.Price - t.High); break;
            case P.VsHigh: w.Int(t.Price - t.High); break;
            case P.LowTime: w.Time(t.LowSecond); break;
            case P.VsLowSign: w.Sign(t.Price - t.Low); break;
            case P.VsLow: w.Int(t.Price - t.Low); break;
            case P.MarketOperationCode: w.Ascii("20"u8); break; // 2 장중 (in session), 0 보통 (normal)
            case P.BestAskQuantity: w.Int(t.BestAskQuantity); break;
            case P.BestBidQuantity: w.Int(t.BestBidQuantity); break;
            case P.TotalAskQuantity: w.Int(t.TotalAsk); break;
            case P.TotalBidQuantity: w.Int(t.TotalBid); break;
            // Turnover against a float of about 50 days of the previous day's volume.
            case P.VolumeTurnover: w.Fixed(t.CumulativeVolume * 10_000 / Math.Max(1, t.PreviousDayVolume * 50), 2); break;
            case P.PreviousDayVolumeSameTime: w.Int(_previousDaySameTime); break;
            case P.VolumeVsPreviousDaySameTime: w.Fixed(t.CumulativeVolume * 10_000 / _previousDaySameTime, 2); break;
            case P.StaticViReferencePrice: w.Int(t.ViReference); break;
            // An expected trade is a call's: its phase, as KIS marks it; a trade is the continuous session's (0).
            case P.SessionCode: w.Ascii(_expected ? KrxSessionCodes.Of(_book, now) : "0"u8); break;
        }
        return true;
    }
}

/// <summary>
/// H0STASP0 / H0NXASP0 / H0UNASP0: the 10-level book of one stock from its venue's <see cref="StockBook"/>: asks
/// ascending above bids descending on KRX's tick grid, totals = the sum of the levels, their change since the previous
/// book, the day's volume, and KIS's <c>hour_cls_code</c> for the phase (<see cref="KrxSessionCodes"/>: a call's book
/// says so). The expected-trade fields are zero.
/// </summary>
internal sealed class StockBookStream : GenericStream
{
    private readonly StockBook _book;
    private readonly BookRole[] _fields;
    private readonly int[] _levels;
    private readonly long[] _ask = new long[StockBook.Levels], _bid = new long[StockBook.Levels];
    private readonly long[] _askQuantity = new long[StockBook.Levels], _bidQuantity = new long[StockBook.Levels];
    private long _volume, _askChange, _bidChange;

    /// <summary>Each field's book role and level from <see cref="BookFields"/> (views.json's books); the others stay generic.</summary>
    public StockBookStream(Random random, TrDefinition tr, string key, SimulatedMarket market, StockBook book) : base(random, tr, key, market)
    {
        _book = book;
        var layout = BookFields.Of(tr.Id) ?? throw new ArgumentException($"{tr.Id} has no book layout in views.json", nameof(tr));
        _fields = new BookRole[tr.Fields.Count];
        _levels = new int[tr.Fields.Count];
        for (var i = 0; i < _fields.Length; i++)
            if (layout.TryGetValue(tr.Fields[i].Name, out var field) && field.Level <= StockBook.Levels)
                (_fields[i], _levels[i]) = (field.Role, field.Level);
    }

    protected override void BeginRecord(DateTime now)
        => (_volume, _askChange, _bidChange) = _book.PublishBook(now, _ask, _bid, _askQuantity, _bidQuantity);

    protected override bool WriteDomainField(ref RecordWriter w, int index, DateTime now)
    {
        var level = _levels[index] - 1;
        switch (_fields[index])
        {
            default: return false; // None, and the roles the model leaves generic
            case BookRole.AskPrice: w.Int(_ask[level]); break;
            case BookRole.BidPrice: w.Int(_bid[level]); break;
            case BookRole.AskQuantity: w.Int(_askQuantity[level]); break;
            case BookRole.BidQuantity: w.Int(_bidQuantity[level]); break;
            case BookRole.TotalAskQuantity: w.Int(_askQuantity.Sum()); break;
            case BookRole.TotalBidQuantity: w.Int(_bidQuantity.Sum()); break;
            case BookRole.TotalAskQuantityChange: w.Int(_askChange); break;
            case BookRole.TotalBidQuantityChange: w.Int(_bidChange); break;
            case BookRole.CumulativeVolume: w.Int(_volume); break;
            case BookRole.SessionCode: w.Ascii(KrxSessionCodes.Of(_book, now)); break; // a call's book says so, as KIS's
            // No auction in the regular session: nothing expected, unchanged; no after-hours book.
            case BookRole.ExpectedChangeSign: w.Ascii("3"u8); break;
            case BookRole.ExpectedChangeRate: w.Ascii("0.00"u8); break;
            case BookRole.ExpectedPrice or BookRole.ExpectedQuantity or BookRole.ExpectedVolume or BookRole.ExpectedChange
                or BookRole.AfterHoursTotalAskQuantity or BookRole.AfterHoursTotalBidQuantity
                or BookRole.AfterHoursTotalAskQuantityChange or BookRole.AfterHoursTotalBidQuantityChange:
                w.Ascii("0"u8);
                break;
        }
        return true;
    }
}

/// <summary>KIS's codes for domestic stock prices.</summary>
internal static class StockCodes
{
    /// <summary>prdy_vrss_sign: 1 upper limit, 2 rise, 3 unchanged, 4 lower limit, 5 fall.</summary>
    public static ReadOnlySpan<byte> Sign(long price, long previousClose, long upperLimit, long lowerLimit)
        => price >= upperLimit ? "1"u8 : price <= lowerLimit ? "4"u8 : price > previousClose ? "2"u8 : price < previousClose ? "5"u8 : "3"u8;

    /// <summary>A change as % of <paramref name="reference"/>, in hundredths of a percent, rounded half away from zero.</summary>
    public static long Percent(long change, long reference)
    {
        var scaled = change * 10_000;
        var q = scaled / reference;
        var r = Math.Abs(scaled % reference) * 2 >= reference ? Math.Sign(scaled) : 0;
        return q + r;
    }
}
