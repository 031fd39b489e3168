using Kis.Realtime.Simulator.Rules;

namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// A generator for any TR of the catalog, driven by its field table (<see cref="FieldRoles"/>): exactly the table's
/// fields in its order, the key field = the subscribed key, times and dates from the market clock, prices from a
/// seeded random walk around the instrument master's level for the key (stocks at KRX tick sizes, indices,
/// futures, options, overseas symbols), book levels ascending from the touch, day totals that only grow, and order
/// numbers (notice TRs) from the market, unique per run. Domain generators derive from it and take over the fields
/// they model (<see cref="WriteDomainField"/>); every other field stays generic.
/// </summary>
internal class GenericStream : MarketStream
{
    private readonly FieldRole[] _roles;
    private readonly int[] _levels;
    private readonly long[] _totals;
    private readonly long[] _values;
    private readonly int[]?[] _members;
    private readonly byte[] _key;
    private readonly string _name;
    private readonly string _account;
    private readonly SimulatedMarket _market;

    /// <summary>The market this stream belongs to.</summary>
    protected SimulatedMarket Market => _market;
    private readonly bool _wholeKrw;
    private readonly int _maxRecordBytes;
    private long _level, _open, _high, _low;
    private bool _opened;
    // A trade TR's own volume field (last_cnqn, cntg_vol, pcas_vol, evol) and the day's cumulative volume it adds to
    // (acml_vol, tvol): acml_vol(n) = acml_vol(n−1) + volume(n), as at KIS, so a gap detector finds only real gaps.
    private readonly int _tradeVolume = -1, _accumulatedVolume = -1;
    private DayRollover _rollover;
    private readonly MarketCalendar _calendar;
    private readonly bool _localTime;
    private DateTime _local; // the record's time on the market's own clock (overseas xymd/xhms)

    public GenericStream(Random random, TrDefinition tr, string key, SimulatedMarket market) : base(random)
    {
        Tr = tr;
        _market = market;
        _calendar = MarketCalendar.For(tr.Id, key);
        _rollover = new DayRollover(_calendar);
        _key = System.Text.Encoding.UTF8.GetBytes(key);
        var fields = tr.Fields;
        _roles = new FieldRole[fields.Count];
        _levels = new int[fields.Count];
        _totals = new long[fields.Count];
        _values = new long[fields.Count];
        _members = new int[]?[fields.Count];
        var bytes = 16;
        for (var i = 0; i < fields.Count; i++)
        {
            _roles[i] = FieldRoles.Of(tr, i, out _levels[i]);
            if (_roles[i] is FieldRole.LocalTime or FieldRole.LocalDate or FieldRole.TradingDate) _localTime = true;
            if (fields[i].Type == FieldType.Integer && i != tr.KeyField && FieldRoles.TotalOf(tr, i) is { } members)
            {
                _roles[i] = FieldRole.Total;
                _members[i] = members;
            }
            // Names are Korean (3 bytes a character); numbers fit in 24 bytes; the key as given.
            bytes += 1 + (_roles[i] == FieldRole.Name ? 64 : _roles[i] is FieldRole.Key or FieldRole.KeyText ? Math.Max(24, _key.Length) : 24);
        }
        _maxRecordBytes = bytes;
        // A total sums plain quantities only (the values drawn before the record is written).
        for (var i = 0; i < fields.Count; i++)
            if (_members[i] is { } m && !m.All(j => _roles[j] == FieldRole.Quantity))
            {
                _members[i] = null;
                _roles[i] = FieldRoles.Of(tr, i, out _);
            }
        _tradeVolume = FirstOf(fields, FieldRole.Quantity, "cntg_vol", "last_cnqn", "pcas_vol", "evol");
        _accumulatedVolume = FirstOf(fields, FieldRole.Cumulative, "acml_vol", "tvol");
        if (_tradeVolume < 0 || _accumulatedVolume < 0) _tradeVolume = _accumulatedVolume = -1;
        (PreviousClose, Tick, _wholeKrw, _name) = LevelFor(tr, key, market.Master, random);
        Limits = LimitsOf(tr, key, PreviousClose, Tick, _wholeKrw);
        _level = PreviousClose + Random.Next(-20, 21) * Tick;
        _account = $"{10_000_000 + StableHash.Of(key) % 89_999_999:D8}01";
        // Day totals start where the day already is (a thousand steps in), so they stay above single trades.
        for (var i = 0; i < _roles.Length; i++)
            if (_roles[i] is FieldRole.Cumulative) _totals[i] = random.Next(100_000, 1_000_000);
    }

    protected TrDefinition Tr { get; }

    private int FirstOf(IReadOnlyList<FieldDefinition> fields, FieldRole role, params string[] names)
    {
        foreach (var name in names)
            for (var i = 0; i < fields.Count; i++)
                if (fields[i].Name == name && _roles[i] == role) return i;
        return -1;
    }

    /// <summary>The reference (previous close) of the walk: KRW for domestic stocks, else hundredths.</summary>
    protected long PreviousClose { get; }

    /// <summary>The walk's tick (in the units of <see cref="PreviousClose"/>).</summary>
    protected long Tick { get; }

    public override int MaxRecordBytes => _maxRecordBytes;

    public override void WriteRecord(ref RecordWriter writer, int secondsOfDay) => WriteRecord(ref writer, DateTime.UnixEpoch.AddSeconds(secondsOfDay));

    public override void WriteRecord(ref RecordWriter w, DateTime now)
    {
        var secondsOfDay = (int)now.TimeOfDay.TotalSeconds;
        Advance();
        // Quantities first, so a total can be written before or after the levels it sums (HDFSASP0 leads with them).
        for (var i = 0; i < _roles.Length; i++)
            if (_roles[i] == FieldRole.Quantity) _values[i] = Random.Next(1, 1_000);
        // KIS's day totals (cumulative volume, value and counts, open/high/low) start again each trading day.
        if (_rollover.NewDay(now)) StartDay();
        if (_localTime) _local = _calendar.ToMarketTime(new DateTimeOffset(now, KoreaTime.Offset)).DateTime;
        BeginRecord(now);
        for (var i = 0; i < _roles.Length; i++)
            if (!WriteDomainField(ref w, i, now)) WriteGenericField(ref w, i, now, secondsOfDay);
        EndRecord(now);
    }

    /// <summary>Called once per record after its fields (the paper venue fills derivative orders from trades here).</summary>
    protected virtual void EndRecord(DateTime now)
    {
    }

    /// <summary>The walk's price of the record being written (in the units of <see cref="PreviousClose"/>).</summary>
    protected long Level => _level;

    /// <summary>The record's own traded volume (0 for a TR without a trade volume field).</summary>
    protected long TradeVolume => _tradeVolume >= 0 ? _values[_tradeVolume] : 0;

    /// <summary>The walk's floor and ceiling: a stock's or a priced index future's KRX daily limits, the rules the venues
    /// apply (<see cref="KrxRules.StockDailyLimits"/>, <see cref="KrxRules.DerivativeDailyLimits"/>); for the other
    /// products (indices, options, stock futures, bonds, overseas …) ±30 % of the previous close on the walk's grid.</summary>
    protected (long Lower, long Upper) Limits { get; }

    private static (long Lower, long Upper) LimitsOf(TrDefinition tr, string key, long previousClose, long tick, bool wholeKrw)
        => wholeKrw ? KrxRules.StockDailyLimits(previousClose)
            : tr.KeyFormat == TrKeyFormat.DerivativeCode && KrxRules.DerivativeDailyLimits(key, previousClose) is { Upper: > 0 } futures ? futures
            : (Math.Max(tick, (previousClose * 7 / 10 + tick - 1) / tick * tick), previousClose * 13 / 10 / tick * tick);

    private void StartDay()
    {
        Array.Clear(_totals);
        _open = _high = _low = _level;
    }

    /// <summary>Called once per record before its fields: domain generators take their snapshot here.</summary>
    protected virtual void BeginRecord(DateTime now)
    {
    }

    /// <summary>Writes field <paramref name="index"/> when the domain model owns it; false leaves it to the generic writer.</summary>
    protected virtual bool WriteDomainField(ref RecordWriter w, int index, DateTime now) => false;

    private void Advance()
    {
        var (floor, ceiling) = Limits;
        // Small steps with a pull back to the previous close, so a long run stays plausible.
        var pull = _level > PreviousClose + 30 * Tick ? -1 : _level < PreviousClose - 30 * Tick ? 1 : 0;
        _level = Math.Clamp(_level + (Random.Next(-2, 3) + pull) * Tick, floor, ceiling);
        if (_wholeKrw) _level = KrxRules.RoundDownToStockTick(_level);
        if (!_opened)
        {
            _open = _high = _low = _level;
            _opened = true;
        }
        _high = Math.Max(_high, _level);
        _low = Math.Min(_low, _level);
    }

    private void WriteGenericField(ref RecordWriter w, int i, DateTime now, int secondsOfDay)
    {
        var field = Tr.Fields[i];
        switch (_roles[i])
        {
            case FieldRole.Key or FieldRole.KeyText: w.Ascii(_key); break;
            case FieldRole.Symbol: w.Ascii(Tr.KeyFormat == TrKeyFormat.OverseasSymbol && _key.Length > 4 ? _key.AsSpan(4) : _key); break;
            case FieldRole.Digits: w.Ascii("2"u8); break;
            case FieldRole.Time or FieldRole.TimeText: w.Time(secondsOfDay); break;
            // Overseas local date and time on the exchange's clock (New York: 14 hours behind KST, 13 in summer time).
            case FieldRole.LocalTime: w.Time((int)_local.TimeOfDay.TotalSeconds); break;
            case FieldRole.Date: w.Date(now); break;
            case FieldRole.LocalDate: w.Date(_local); break;
            case FieldRole.TradingDate: w.Date(_rollover.Day); break;
            case FieldRole.NoDate: w.Ascii("00000000"u8); break;
            case FieldRole.Sign: w.Sign(_level - PreviousClose); break;
            case FieldRole.YesNo: w.Ascii("N"u8); break;
            case FieldRole.SideCode: w.Ascii(Random.Next(2) == 0 ? "01"u8 : "02"u8); break;
            case FieldRole.Code: w.Ascii("0"u8); break;
            case FieldRole.Name: w.Text(_name); break;
            case FieldRole.OrderNumber: w.Padded(_market.NextOrderNumber(), 10); break;
            case FieldRole.Account: w.Text(_account); break;
            case FieldRole.OriginalOrderNumber or FieldRole.EmptyText: w.Empty(); break;
            case FieldRole.Price: WritePrice(ref w, field, _level); break;
            case FieldRole.Open: WritePrice(ref w, field, _open); break;
            case FieldRole.High: WritePrice(ref w, field, _high); break;
            case FieldRole.Low: WritePrice(ref w, field, _low); break;
            case FieldRole.PreviousClose: WritePrice(ref w, field, PreviousClose); break;
            case FieldRole.AskLevel: WritePrice(ref w, field, _level + _levels[i] * Tick); break;
            case FieldRole.BidLevel: WritePrice(ref w, field, Math.Max(Tick, _level - (_levels[i] - 1) * Tick)); break;
            case FieldRole.Change: WriteAmount(ref w, _level - ChangeReference(field.Name)); break;
            case FieldRole.ChangeRate: w.Fixed((_level - PreviousClose) * 10_000 / Math.Max(1, PreviousClose), 2); break;
            case FieldRole.Rate: w.Fixed(Random.Next(0, 20_000), 2); break;
            case FieldRole.Greek: w.Fixed(Random.Next(-10_000, 10_001), 4); break;
            case FieldRole.Decimal: w.Fixed(Random.Next(0, 1_000_000), 2); break;
            case FieldRole.Cumulative when i == _accumulatedVolume:
                _ = Random.Next(1, 1_000); // drawn as before, so the other fields' values stay those of the same seed
                w.Int(_totals[i] += _values[_tradeVolume]);
                break;
            case FieldRole.Cumulative: w.Int(_totals[i] += Random.Next(1, 1_000)); break;
            case FieldRole.CumulativeAmount: w.Int(_totals[i] += Random.Next(1, 1_000) * Math.Max(1, _wholeKrw ? _level : _level / 100)); break;
            // Below the day totals' steps, so a trade's volume stays under the day's.
            case FieldRole.SignedInteger: w.Int(Random.Next(-100_000, 100_001)); break;
            case FieldRole.Total:
            {
                long sum = 0;
                foreach (var m in _members[i]!) sum += _values[m];
                w.Int(sum);
                break;
            }
            default: w.Int(_values[i]); break;
        }
    }

    private long ChangeReference(string name)
        => name.Contains("hgpr", StringComparison.Ordinal) || name.Contains("high", StringComparison.Ordinal) ? _high
            : name.Contains("lwpr", StringComparison.Ordinal) || name.Contains("low", StringComparison.Ordinal) ? _low
            : name.Contains("oprc", StringComparison.Ordinal) || name.Contains("open", StringComparison.Ordinal) ? _open
            : PreviousClose;

    /// <summary>A price in the walk's units: whole KRW, or hundredths (notice prices: zero-padded with implied decimals).</summary>
    private void WritePrice(ref RecordWriter w, FieldDefinition field, long value)
    {
        if (field.ImpliedDecimals > 0) w.Padded(_wholeKrw ? value * 100 : value, 9);
        else WriteAmount(ref w, value);
    }

    private void WriteAmount(ref RecordWriter w, long value)
    {
        if (_wholeKrw) w.Int(value);
        else w.Fixed(value, 2);
    }

    /// <summary>The name a futures (1…) or options (2…, 3…) code goes by in the simulated feeds and notices.</summary>
    public static string DerivativeName(string code) => code.StartsWith('1') ? $"선물 {code}" : $"옵션 {code}";

    /// <summary>The level of the key's instrument: its previous close, tick, whether prices are whole KRW, and a name.</summary>
    private static (long Close, long Tick, bool WholeKrw, string Name) LevelFor(TrDefinition tr, string key, InstrumentMaster master, Random random)
    {
        switch (tr.KeyFormat)
        {
            case TrKeyFormat.StockCode:
            {
                var price = master.Stock(key).Price;
                return (price, KrxRules.StockTick(price), true, InstrumentMaster.StockName(key));
            }
            case TrKeyFormat.IndexCode:
                return (master.Index(key).PreviousClose, 1, false, $"지수 {key}");
            case TrKeyFormat.DerivativeCode when key[0] == '1':
            {
                // KRX's futures ticks by underlying (the code's 2nd-3rd digits): KOSDAQ150 0.10 point on its own index,
                // mini KOSPI200 0.02 and KOSPI200 (and the rest, which the simulator prices the same way) 0.05.
                var tick = KrxRules.FuturesTick(key);
                var level = master.Index(key.Length >= 3 && key[1..3] == "06" ? "1028" : "2001").PreviousClose;
                return (level / tick * tick, tick, false, DerivativeName(key));
            }
            case TrKeyFormat.DerivativeCode when key[0] is '2' or '3':
                // Premiums under 10 points, where KRX's KOSPI200 option tick is 0.01 (0.05 from 10): the walk stays under
                // 130 % of its previous close, so one tick holds all day.
                return (random.Next(100, 769), 1, false, DerivativeName(key));
            case TrKeyFormat.Isin:
                return (random.Next(9_500, 10_500) * 100L, 100, false, master.Bond(key).Name);
            case TrKeyFormat.OverseasSymbol:
                return (random.Next(1_000, 50_000), 1, false, key.Length > 4 ? key[4..] : key);
            case TrKeyFormat.HtsId:
            {
                var price = master.Stock("005930").Price;
                return (price, KrxRules.StockTick(price), !tr.Fields.Any(f => f.ImpliedDecimals > 0), InstrumentMaster.StockName("005930"));
            }
            default:
                return (random.Next(1_000, 50_000), 5, false, key);
        }
    }
}
