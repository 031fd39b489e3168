using Kis.Realtime.Simulator.Rules;

namespace Kis.Realtime.Simulator.Backtest;

/// <summary>
/// Moves a backtest's simulated time one recorded message at a time: first the order calls due by then reach the
/// venue, then the message's records move the market (the venue's engine) and go to the strategy's subscriptions, and
/// after each step the pump runs dry. Also keeps the equity and price series of the report (one point a simulated
/// second, and one at each fill).
/// </summary>
internal sealed class BacktestDriver(BacktestPump pump, BacktestClient client, BacktestVenue venue)
{
    private byte[][] _followed = [];
    private readonly MarketTimeline _timeline = new();
    private int _clientVersion = -1, _venueCodes = -1;
    private DateOnly? _day;
    private long _lastSampleSecond = long.MinValue, _fillsSampled;

    public DateTimeOffset Now { get; private set; }

    /// <summary>Records read from the recording (every TR, followed or not).</summary>
    public long Records { get; private set; }

    /// <summary>The account's value over time.</summary>
    public ChunkedSeries<(DateTimeOffset Time, decimal Equity)> Equity { get; } = new();

    /// <summary>Each followed code's last trade price over time (one a second).</summary>
    public Dictionary<string, ChunkedSeries<(DateTimeOffset Time, long Price, long Low, long High)>> Prices { get; } = new(StringComparer.Ordinal);

    /// <summary>Steps to message <paramref name="index"/> of <paramref name="block"/> (its pure work done: <see cref="PreparedBlock.Prepare"/>).</summary>
    public void Step(PreparedBlock block, int index)
    {
        ref readonly var message = ref block.Message(index);
        var kind = block.KindOf(index);
        // The venue's clock is the market's, from the records' own stamps (MarketTimeline), not the receive time: a
        // recording received at 07:00 or on a Sunday trades as it was made.
        if (kind is PreparedBlock.Kind.Stored or PreparedBlock.Kind.Frame)
            foreach (ref readonly var record in block.RecordsOf(index)) _timeline.Observe(record.Stamp, message.ReceivedAt);
        var at = _timeline.At(message.ReceivedAt);
        // Each call reaches the venue at its own time: the equity row of its fill is stamped then, not at the message before.
        while (venue.ArriveDue(at, out var arrived))
        {
            Now = arrived;
            Settle();
        }
        var day = KoreaTime.DateOf(at);
        if (_day is { } previous && previous != day) EndDay(at);
        _day = day;
        Now = at;
        _venueAtNow = false;
        switch (kind)
        {
            case PreparedBlock.Kind.Stored or PreparedBlock.Kind.Frame:
                foreach (ref readonly var record in block.RecordsOf(index)) Record(block, record, at);
                break;
            case PreparedBlock.Kind.Undecodable:
                // A frame that does not decode (a line cut mid-message by a killed recorder) is counted with its place, never passed over.
                var (error, tr) = block.ErrorOf(index);
                Undecodable(message.Source, error, tr);
                break;
        }
        // The strategy's calls are sent at the message's time: the market call that reached the venue moved its clock
        // (in the same lock), else it is moved here.
        if (!_venueAtNow && venue.SetTime(at) is { } expired) client.Notices(expired, at);
        pump.RunUntilIdle();
    }

    private void Undecodable(in RecordingLocation source, DecodeError error, TrDefinition? tr)
    {
        client.Counters.DecodeError();
        client.Counters.FirstUndecodable.Add(source, error.Describe(tr));
    }

    // Whether the venue's clock is at this step's message already (set by a trade or book that reached it).
    private bool _venueAtNow;

    /// <summary>
    /// The recording ended: as at a market's close, the calls on their way arrive, what is left of every order expires
    /// (its notice still reaches the strategy), then the data subscriptions end; calls made after that are answered and
    /// expire too, and the notice subscriptions end last.
    /// </summary>
    public void Finish()
    {
        ArriveAll();
        EndDay(Now);
        client.EndAll(f => !IsNotice(f.Tr));
        pump.RunUntilIdle();
        ArriveAll();
        EndDay(Now);
        client.EndAll(_ => true);
        pump.RunUntilIdle();
    }

    private void ArriveAll()
    {
        while (venue.NextArrival is { } next)
        {
            Now = next;
            venue.ArriveDue(next, out _);
            Settle();
        }
    }

    private void EndDay(DateTimeOffset next)
    {
        client.Notices(venue.EndDay(next), Now);
        Settle();
    }

    private void Settle()
    {
        pump.RunUntilIdle();
        SampleFills();
    }

    private void Record(PreparedBlock block, in PreparedRecord prepared, DateTimeOffset at)
    {
        Records++;
        var tr = prepared.Tr;
        var key = block.Key(prepared);
        var record = block.Bytes(prepared);
        if (ReferenceEquals(tr, KisTrs.H0STCNT0))
        {
            // A KRX trade's fields were found once, for the venue's four and the gap checks' four.
            var ends = block.TradeEnds(prepared);
            StockTrade(key, block.TradeValues(prepared), at);
            ref readonly var trade = ref block.Trade(prepared, out var decoded);
            Route(tr, key, record, ends, at, decoded, trade);
            return;
        }
        if (ReferenceEquals(tr, KisTrs.H0STASP0)) StockBook(block, prepared, key, record, at);
        else if (KrxRules.IsDerivativeMarket(tr)) DerivativeMarket(tr, key, record, at);
        Route(tr, key, record, default, at, false, System.Runtime.CompilerServices.Unsafe.NullRef<StockTrade>()); // read only when decoded
    }

    /// <summary>The record to the feeds that follow its TR and key, through their gap checks (<paramref name="ends"/>:
    /// its field ends, when found already; <paramref name="trade"/>: its StockTrade when <paramref name="decoded"/> ahead).</summary>
    private void Route(TrDefinition tr, ReadOnlySpan<byte> key, ReadOnlySpan<byte> record, ReadOnlySpan<int> ends, DateTimeOffset at,
        bool decoded, in StockTrade trade)
    {
        if (FeedsOf(tr) is not { } feeds) return;
        byte[]? copy = null;
        foreach (var feed in feeds)
        {
            if (tr.KeyField >= 0
                && !(feed.IgnoresKeyCase ? System.Text.Ascii.EqualsIgnoreCase(key, feed.KeyBytes) : key.SequenceEqual(feed.KeyBytes))) continue;
            if (feed.GapChecks?.Of(tr) is { } gaps)
            {
                if (ends.IsEmpty) gaps.Observe(record, at);
                else gaps.Observe(record, ends, at);
            }
            feed.Offer(tr, record, at, ref copy, decoded, trade);
        }
    }

    // The feeds of each TR read (null: none), as the client had them at _routedVersion: asked again only when a
    // subscription starts or ends, not under the client's lock at every record.
    private readonly Dictionary<TrDefinition, List<BacktestFeed>?> _routes = new(ReferenceEqualityComparer.Instance);
    private int _routedVersion = -1;

    private List<BacktestFeed>? FeedsOf(TrDefinition tr)
    {
        var version = client.Version;
        if (version != _routedVersion)
        {
            _routes.Clear();
            _routedVersion = version;
            (_recent0, _recent1) = (default, default);
        }
        // A day's records alternate between a few TRs (a trade, its book): two remembered lookups answer most of them.
        if (ReferenceEquals(tr, _recent0.Tr)) return _recent0.Feeds;
        if (ReferenceEquals(tr, _recent1.Tr)) return _recent1.Feeds;
        if (!_routes.TryGetValue(tr, out var feeds)) _routes[tr] = feeds = client.FeedsOf(tr.Id);
        (_recent1, _recent0) = (_recent0, (tr, feeds));
        return feeds;
    }

    private (TrDefinition? Tr, List<BacktestFeed>? Feeds) _recent0, _recent1;

    /// <summary>A KRX trade of a followed code moves the venue's market (and may fill resting orders).</summary>
    private void StockTrade(ReadOnlySpan<byte> key, in TradeFields.Values trade, DateTimeOffset at)
    {
        if (Followed(key) is not { } code) return;
        // The four fields the venue needs (read ahead, in place).
        if (!trade.Valid) return;
        var notices = venue.OnTrade(at, code, trade.Price, trade.Volume, trade.Price - trade.Change, trade.Side, out var equity);
        _venueAtNow = true;
        Sample(code, trade.Price, at, equity);
        if (notices is null) return;
        client.Notices(notices, at);
        SampleFills();
    }

    /// <summary>A KRX book of a followed code moves the venue's market (and may fill resting orders).</summary>
    private void StockBook(PreparedBlock block, in PreparedRecord prepared, ReadOnlySpan<byte> key, ReadOnlySpan<byte> record, DateTimeOffset at)
    {
        if (Followed(key) is not { } code) return;
        var notices = block.TryGetBook(prepared, out var asks, out var bids)
            ? venue.OnStockBook(at, code, block.IsCallBook(prepared) || KrxCalls.InCallWindow(at), asks, bids)
            : venue.OnBook(at, code, prepared.Tr, record); // not decodable: kept as it is, as the venue's own books
        _venueAtNow = true;
        if (notices is null) return;
        client.Notices(notices, at);
        SampleFills();
    }

    /// <summary>
    /// A KRX day-session futures/options trade or book of a followed code: as a stock's, in hundredths of a point (the
    /// typed views read the trade: a derivatives market is rarely the hot path a stock's tape is).
    /// </summary>
    private void DerivativeMarket(TrDefinition tr, ReadOnlySpan<byte> key, ReadOnlySpan<byte> record, DateTimeOffset at)
    {
        if (Followed(key) is not { } code) return;
        BacktestNoticeBatch? notices;
        if (ReferenceEquals(tr, KisTrs.H0IFASP0) || ReferenceEquals(tr, KisTrs.H0IOASP0)) notices = venue.OnBook(at, code, tr, record);
        else
        {
            decimal price, change;
            long volume;
            if (ReferenceEquals(tr, KisTrs.H0IFCNT0))
            {
                if (!FuturesTrade.TryDecode(tr, record, out var trade, out _)) return;
                (price, change, volume) = (trade.Price, trade.Change, trade.Volume);
            }
            else
            {
                if (!OptionsTrade.TryDecode(tr, record, out var trade, out _)) return;
                (price, change, volume) = (trade.Price, trade.Change, trade.Volume);
            }
            var hundredths = (long)(price * 100);
            if (hundredths <= 0) return;
            notices = venue.OnDerivativeTrade(at, code, hundredths, volume, hundredths - (long)(change * 100), out var equity);
            Sample(code, hundredths, at, equity);
        }
        _venueAtNow = true;
        if (notices is null) return;
        client.Notices(notices, at);
        SampleFills();
    }

    /// <summary>The code of a followed stock (one of the driver's own strings), or null.</summary>
    private string? Followed(ReadOnlySpan<byte> code)
    {
        if (client.Version != _clientVersion || venue.CodeCount != _venueCodes)
        {
            _clientVersion = client.Version;
            _venueCodes = venue.CodeCount;
            _followedCodes = [.. client.Feeds.Where(f => !IsNotice(f.Tr)).Select(f => f.Key).Concat(venue.Codes()).Distinct()];
            _followed = [.. _followedCodes.Select(System.Text.Encoding.UTF8.GetBytes)];
        }
        for (var i = 0; i < _followed.Length; i++)
            if (code.SequenceEqual(_followed[i])) return _followedCodes[i];
        return null;
    }

    private string[] _followedCodes = [];

    private void Sample(string code, long price, DateTimeOffset at, decimal equity)
    {
        var second = at.UtcTicks / TimeSpan.TicksPerSecond;
        if (!ReferenceEquals(code, _sampledCode)) // most trades are of the code sampled last (one of Followed's strings)
        {
            if (!_priceSeries.TryGetValue(code, out _sampled))
            {
                _priceSeries[code] = _sampled = new PriceSeries();
                Prices[code] = _sampled.Points;
            }
            _sampledCode = code;
        }
        var series = _sampled!;
        // The second's last trade, and its lowest and highest (the report draws the range: fills within a second sit on it).
        if (series.LastSecond == second)
        {
            ref var last = ref series.Points.Last;
            last = (at, price, Math.Min(last.Low, price), Math.Max(last.High, price));
        }
        else series.Points.Add((at, price, price, price));
        series.LastSecond = second;
        if (second == _lastSampleSecond) Equity.Last = (at, equity);
        else Equity.Add((at, equity));
        _lastSampleSecond = second;
    }

    /// <summary>A code's price points, a second's last trade with its low and high (<see cref="Prices"/>), and the second of its last one.</summary>
    private sealed class PriceSeries
    {
        public ChunkedSeries<(DateTimeOffset Time, long Price, long Low, long High)> Points { get; } = new();
        public long LastSecond { get; set; } = long.MinValue;
    }

    private readonly Dictionary<string, PriceSeries> _priceSeries = new(StringComparer.Ordinal);
    private string? _sampledCode;
    private PriceSeries? _sampled;

    private void SampleFills()
    {
        var fills = venue.FillCount;
        if (fills == _fillsSampled) return;
        _fillsSampled = fills;
        Equity.Add((Now, venue.Equity()));
        _lastSampleSecond = long.MinValue; // the next trade starts a point of its own
    }

    private static bool IsNotice(TrDefinition tr) => tr.Encrypted;
}
