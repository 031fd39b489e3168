using Kis.Realtime.Simulator.Rules;
using Kis.Realtime.Simulator.Tape;

namespace Kis.Realtime.Simulator.Backtest;

/// <summary>
/// The instruments a backtest follows, by code (<see cref="RecordedInstrument"/>): one is made when the venue first
/// hears of its code (an order, a call, a record). Not thread-safe: the venue's lock guards it; <see cref="Count"/>
/// alone is read without it (the driver checks it at every message).
/// </summary>
internal sealed class RecordedInstruments
{
    private readonly Dictionary<string, RecordedInstrument> _byCode = new(StringComparer.Ordinal);
    private int _count; // _byCode.Count, written under the venue's lock, read without it

    /// <summary>How many codes the venue follows.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The instrument of <paramref name="code"/>, made at its first mention.</summary>
    public RecordedInstrument Get(string code)
    {
        if (!_byCode.TryGetValue(code, out var instrument))
        {
            _byCode[code] = instrument = new RecordedInstrument();
            Volatile.Write(ref _count, _byCode.Count);
        }
        return instrument;
    }

    /// <summary>The codes followed, in the order first heard of.</summary>
    public string[] Codes() => [.. _byCode.Keys];

    /// <summary>The instruments by code, in code order.</summary>
    public IEnumerable<KeyValuePair<string, RecordedInstrument>> ByCode() => _byCode.OrderBy(i => i.Key, StringComparer.Ordinal);
}

/// <summary>
/// One instrument's market as a backtest's recording shows it: the latest book (kept as received, decoded when an
/// order needs it; what the venue's arriving orders took is gone from it until the next), the last trade and its side,
/// the day's limits, the tape's totals, whether a call is in force. Prices are whole KRW for a stock, hundredths of a
/// point for futures/options.
/// </summary>
internal sealed class RecordedInstrument
{
    /// <summary>Book levels a side kept (KRX stocks show 10, futures/options 5).</summary>
    public const int Levels = 10;

    public readonly BookLevel[] Asks = new BookLevel[Levels], Bids = new BookLevel[Levels];
    public int AskCount, BidCount;
    public long Last, Lower, Upper, TapeVolume, TapeTrades;
    private Int128 _tapeValue; // price × volume summed exactly (a trade's decimal multiply and add were a tenth of a trade's venue time)
    private long _limitsClose; // the previous close Lower and Upper were set from (0: none)
    private string _code = ""; // a futures/options code's (its limits are the code's rule)

    /// <summary>The tape's traded value: price × volume over its trades (hundredths × volume for futures/options).</summary>
    public decimal TapeValue => (decimal)_tapeValue;

    /// <summary>A trade on the tape.</summary>
    public void AddToTape(long price, long volume)
    {
        TapeVolume += volume;
        _tapeValue += (Int128)price * volume;
        TapeTrades++;
    }
    /// <summary>Futures/options: prices in hundredths; the contract multiplier (1 for a stock).</summary>
    public bool Derivative;
    public long Multiplier = 1;
    public TradeSide LastSide;
    /// <summary>A call is in force: books cross nothing and the next trade is its print (<see cref="KrxCalls"/>).</summary>
    public bool InCall;
    private byte[] _book = new byte[1024];
    private int _bookLength;
    private TrDefinition? _bookTr;

    /// <summary>Keeps the latest book as received (decoded by <see cref="DecodeBook"/> when an order needs it).</summary>
    public void Keep(TrDefinition tr, ReadOnlySpan<byte> record)
    {
        if (record.Length > _book.Length) _book = new byte[record.Length * 2];
        record.CopyTo(_book);
        _bookLength = record.Length;
        _bookTr = tr;
    }

    /// <summary>Decodes the book kept, if any is new, into the levels (what earlier paper orders took from the old one is gone).</summary>
    public void DecodeBook()
    {
        if (_bookTr is null) return;
        if (_bookTr.KeyFormat == TrKeyFormat.DerivativeCode)
        {
            if (DerivativesOrderBook.TryDecode(_bookTr, _book.AsSpan(0, _bookLength), out var levels, out _))
            {
                AskCount = Copy(levels.Asks, Asks, 100);
                BidCount = Copy(levels.Bids, Bids, 100);
            }
        }
        else if (StockBookLevels.TryDecode(_bookTr, _book.AsSpan(0, _bookLength), Asks, out var asks, Bids, out var bids))
            (AskCount, BidCount) = (asks, bids);
        _bookTr = null;
    }

    /// <summary>A stock book decoded already (<see cref="PreparedBlock"/>): its levels replace the ones kept.</summary>
    public void KeepDecoded(ReadOnlySpan<BookLevel> asks, ReadOnlySpan<BookLevel> bids)
    {
        asks.CopyTo(Asks);
        bids.CopyTo(Bids);
        (AskCount, BidCount) = (asks.Length, bids.Length);
        _bookTr = null;
    }

    /// <summary>KRX's daily limits from the previous close (<see cref="KrxRules.StockDailyLimits"/>; a future's
    /// <see cref="KrxRules.FuturesDailyLimits"/>; none known for an option).</summary>
    public void SetLimits(long previousClose)
    {
        if (previousClose == _limitsClose) return; // every trade carries it; it changes once a day
        _limitsClose = previousClose;
        (Lower, Upper) = Derivative ? KrxRules.DerivativeDailyLimits(_code, previousClose) : KrxRules.StockDailyLimits(previousClose);
    }

    /// <summary>Marks a futures/options code: its multiplier (the rules') and its code, which its limits follow.</summary>
    public void MarkDerivative(string code)
    {
        if (Derivative) return;
        Derivative = true;
        _code = code;
        _limitsClose = 0; // limits set before are a stock's: set again at the next trade
        Multiplier = KrxRules.Multiplier(code);
    }

    /// <summary>A book's levels into the engine's (<paramref name="scale"/>: 100 for futures/options, held in hundredths).</summary>
    private static int Copy(in OrderBookLevels levels, BookLevel[] into, int scale)
    {
        var n = 0;
        for (var i = 0; i < OrderBookLevels.MaxDepth; i++)
            if (levels[i].Price > 0) into[n++] = new BookLevel((long)(levels[i].Price * scale), levels[i].Quantity);
        return n;
    }
}
