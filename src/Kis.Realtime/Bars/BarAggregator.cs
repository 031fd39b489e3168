using Kis.Realtime.Gaps;

namespace Kis.Realtime.Bars;

/// <summary>
/// Builds the bars of one instrument from its trades, fed one at a time in arrival order: time bars (aligned to KST
/// midnight), day bars, tick / volume / value bars. Specialised per trade view by <typeparamref name="TAccessor"/>: no
/// allocation per trade. After <see cref="Add"/> returns true, take the closed bars with <see cref="TryTakeClosed"/>;
/// at the end call <see cref="Complete"/> and take the rest. Rules: docs/bars.md. Not thread-safe: one feeder.
/// </summary>
/// <typeparam name="TTrade">The typed trade view (e.g. <see cref="Trs.StockTrade"/>).</typeparam>
/// <typeparam name="TAccessor">Its accessor (e.g. <see cref="StockTradeAccessor"/>).</typeparam>
public sealed partial class BarAggregator<TTrade, TAccessor>
    where TTrade : struct
    where TAccessor : ITradeAccessor<TTrade>
{
    private const int MaxTrs = 4;

    private readonly BarKind _kind;
    private readonly long _interval;
    private readonly decimal _threshold;
    private readonly BarOptions _options;
    private KstDayClock _clock;
    private string? _key;

    // The forming bar. Times are KST ticks: time bars hold the interval [_open, _close); others the first/last trade.
    private bool _forming;
    private long _open, _close;
    private decimal _o, _h, _l, _c, _value, _priceVolume;
    private long _volume;
    private int _count;
    private BarFlags _flags;

    // Closed bars not taken yet, then the empty intervals [_emptyNext, _emptyEnd) after them (made when taken).
    private readonly Queue<Bar> _ready = new();
    private long _emptyNext, _emptyEnd;
    private decimal _emptyPrice;
    private long _lastClosedEnd;
    private decimal _lastClosedPrice;
    private BarFlags _emptyFlags;

    // The last cumulative volume per TR: a key may be fed from several TRs (e.g. KRX and NXT trades of one stock).
    private readonly string?[] _trIds = new string?[MaxTrs];
    private readonly long[] _trAccumulated = new long[MaxTrs];
    private readonly long[] _trDay = new long[MaxTrs];

    /// <summary>An aggregator of <paramref name="spec"/> bars.</summary>
    public BarAggregator(BarSpec spec, BarOptions? options = null)
    {
        if (spec.Kind == 0) throw new ArgumentException("Use BarSpec's factories (BarSpec.Minutes(1) …).", nameof(spec));
        Spec = spec;
        _kind = spec.Kind;
        _interval = spec.Interval.Ticks;
        _threshold = spec.Threshold;
        _options = options ?? BarOptions.Default;
    }

    /// <summary>The bar spec.</summary>
    public BarSpec Spec { get; }
    /// <summary>The instrument (the first trade's key); null before the first trade.</summary>
    public string? Key => _key;
    /// <summary>Trades skipped: not trades (expected values) or outside <see cref="BarOptions.Sessions"/>.</summary>
    public long SkippedTrades { get; private set; }
    /// <summary>Trades older than the forming bar's interval, added to the forming bar (a closed bar never reopens).</summary>
    public long LateTrades { get; private set; }
    /// <summary>Gaps seen in the cumulative volume (each flags the bars around it <see cref="BarFlags.Gap"/>).</summary>
    public long Gaps { get; private set; }
    /// <summary>Volume missed in those gaps.</summary>
    public long MissingVolume { get; private set; }

    /// <summary>Adds one trade. Returns true when bars closed (take them with <see cref="TryTakeClosed"/>).</summary>
    /// <exception cref="InvalidOperationException">The trade is of another key than the first trade's.</exception>
    public bool Add(in TTrade trade)
    {
        if (!TAccessor.IsTrade(trade) || (TAccessor.Session(trade) & _options.Sessions) == 0)
        {
            SkippedTrades++;
            return false;
        }
        var key = TAccessor.Key(trade);
        if (!ReferenceEquals(key, _key)) CheckKey(key);
        var t = _clock.Ticks(TAccessor.Date(trade), TAccessor.Time(trade), _options.TradingDate, _options.TimeProvider);
        var price = TAccessor.Price(trade);
        var volume = TAccessor.Volume(trade);
        var gap = CheckVolume(TAccessor.TrId(trade), volume, TAccessor.AccumulatedVolume(trade), t);
        if (_seed is not null) ApplySeed(t, volume, TAccessor.AccumulatedVolume(trade));

        var closed = false;
        if (_kind <= BarKind.Day)
        {
            var start = t - t % _interval;
            if (_forming && start != _open)
            {
                if (start > _open)
                {
                    CloseForming(gap);
                    closed = true;
                }
                else LateTrades++;
            }
            if (!_forming)
            {
                closed |= QueueEmpties(start, gap);
                Begin(start, start + _interval, price);
            }
        }
        else
        {
            // Tick, volume and value bars never span two trading dates.
            if (_forming && t / TimeSpan.TicksPerDay != _open / TimeSpan.TicksPerDay)
            {
                CloseForming(gap);
                closed = true;
            }
            if (!_forming) Begin(t, t, price);
            if (t > _close) _close = t;
        }

        if (price > _h) _h = price;
        if (price < _l) _l = price;
        _c = price;
        _volume += volume;
        var priceVolume = price * volume;
        _priceVolume += priceVolume;
        _value += TAccessor.ValueIsPriceTimesVolume ? priceVolume : TAccessor.Value(trade);
        _count++;
        if (gap) _flags |= BarFlags.Gap;

        if (_kind > BarKind.Day && ThresholdReached())
        {
            CloseForming(false);
            closed = true;
        }
        return closed;
    }

    /// <summary>Forgets every trade, bar, seed and count, to be fed again from scratch (no allocation).</summary>
    public void Reset()
    {
        _clock = default;
        _key = null;
        _forming = false;
        _ready.Clear();
        _emptyNext = _emptyEnd = _lastClosedEnd = 0;
        Array.Clear(_trIds);
        _seed = null;
        _pendingFlags = BarFlags.None;
        SeedResult = default;
        SkippedTrades = LateTrades = Gaps = MissingVolume = 0;
    }

    /// <summary>Takes the oldest closed bar not taken yet.</summary>
    public bool TryTakeClosed(out Bar bar)
    {
        if (_ready.TryDequeue(out bar)) return true;
        if (_emptyNext < _emptyEnd)
        {
            bar = EmptyBar(_emptyNext);
            _emptyNext += _interval;
            return true;
        }
        bar = default;
        return false;
    }

    /// <summary>The forming bar (flagged <see cref="BarFlags.Forming"/>), if any.</summary>
    public bool TryGetForming(out Bar bar)
    {
        bar = _forming ? MakeBar(BarFlags.Forming) : default;
        return _forming;
    }

    /// <summary>
    /// Closes the forming time bar when <paramref name="now"/> has reached its end (a clock-driven close: without it a
    /// bar closes at the first trade of a later interval). Returns true when a bar closed.
    /// </summary>
    public bool CloseThrough(DateTimeOffset now)
    {
        if (!_forming || _kind > BarKind.Day || now.ToOffset(KstDayClock.Offset).Ticks < _close) return false;
        CloseForming(false);
        return true;
    }

    /// <summary>
    /// The trade stream ended: seeded bars not emitted yet and the forming bar (flagged <see cref="BarFlags.EndOfStream"/>)
    /// become closed bars to take with <see cref="TryTakeClosed"/>.
    /// </summary>
    public void Complete()
    {
        if (_seed is not null)
        {
            foreach (var b in _seed) _ready.Enqueue(b with { Flags = b.Flags | BarFlags.Seeded });
            SeedResult = new SeedResult { KeptBars = _seed.Count };
            _seed = null;
        }
        if (!_forming) return;
        MaterializeEmpties();
        _ready.Enqueue(MakeBar(BarFlags.EndOfStream));
        _forming = false;
    }

    private void CheckKey(string key)
    {
        if (_key is null) _key = key;
        else if (!string.Equals(key, _key, StringComparison.Ordinal))
            throw new InvalidOperationException($"This aggregator builds the bars of '{_key}', not '{key}': use one per key (ToBarsAsync routes by key).");
        else _key = key; // the same text in another string: remember it for the reference check
    }

    // Cumulative-volume check per TR: true when trades were missed between this TR's previous trade and this one.
    private bool CheckVolume(string trId, long volume, long accumulated, long t)
    {
        if (accumulated < 0) return false;
        var day = t / TimeSpan.TicksPerDay;
        var i = 0;
        while (i < MaxTrs && _trIds[i] is { } id && !ReferenceEquals(id, trId) && !string.Equals(id, trId, StringComparison.Ordinal)) i++;
        if (i == MaxTrs) return false; // more TRs than any instrument has: not checked
        if (_trIds[i] is null)
        {
            _trIds[i] = trId;
            _trAccumulated[i] = accumulated;
            _trDay[i] = day;
            return false;
        }
        var missing = CumulativeVolume.Missing(_trAccumulated[i], _trDay[i], accumulated, volume, day, out var reset);
        if (reset || accumulated > _trAccumulated[i])
        {
            _trAccumulated[i] = accumulated;
            _trDay[i] = day;
        }
        if (missing <= 0) return false;
        Gaps++;
        MissingVolume += missing;
        return true;
    }

    private bool ThresholdReached() => _kind switch
    {
        BarKind.Tick => _count >= _threshold,
        BarKind.Volume => _volume >= _threshold,
        _ => _value >= _threshold,
    };

    private void Begin(long open, long close, decimal price)
    {
        _forming = true;
        _open = open;
        _close = close;
        _o = _h = _l = _c = price;
        _volume = 0;
        _value = _priceVolume = 0;
        _count = 0;
        _flags = _pendingFlags;
        _pendingFlags = BarFlags.None;
    }

    private void CloseForming(bool gap)
    {
        MaterializeEmpties();
        _ready.Enqueue(MakeBar(gap ? BarFlags.Gap : BarFlags.None));
        _forming = false;
        _lastClosedEnd = _close;
        _lastClosedPrice = _c;
    }

    // Empty time bars from the last closed bar's end up to the interval starting at start (same trading date only).
    private bool QueueEmpties(long start, bool gap)
    {
        if (!_options.EmitEmptyBars || _kind != BarKind.Time || _lastClosedEnd == 0 || start <= _lastClosedEnd
            || start / TimeSpan.TicksPerDay != (_lastClosedEnd - 1) / TimeSpan.TicksPerDay)
            return false;
        MaterializeEmpties();
        _emptyNext = _lastClosedEnd;
        _emptyEnd = start;
        _emptyPrice = _lastClosedPrice;
        _emptyFlags = BarFlags.Empty | (gap ? BarFlags.Gap : BarFlags.None);
        return true;
    }

    // Closed bars keep their order even when the caller did not take the empty bars of an earlier close.
    private void MaterializeEmpties()
    {
        for (; _emptyNext < _emptyEnd; _emptyNext += _interval) _ready.Enqueue(EmptyBar(_emptyNext));
    }

    private Bar EmptyBar(long open) => new()
    {
        Key = _key!,
        OpenTime = KstDayClock.ToKst(open),
        CloseTime = KstDayClock.ToKst(open + _interval),
        Open = _emptyPrice,
        High = _emptyPrice,
        Low = _emptyPrice,
        Close = _emptyPrice,
        Vwap = _emptyPrice,
        Flags = _emptyFlags,
    };

    private Bar MakeBar(BarFlags flags) => new()
    {
        Key = _key!,
        OpenTime = KstDayClock.ToKst(_open),
        CloseTime = KstDayClock.ToKst(_close),
        Open = _o,
        High = _h,
        Low = _l,
        Close = _c,
        Volume = _volume,
        Value = _value,
        TradeCount = _count,
        Vwap = _volume == 0 ? _c : _priceVolume / _volume,
        Flags = _flags | flags,
    };
}
