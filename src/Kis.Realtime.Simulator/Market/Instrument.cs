using Kis.Realtime.Simulator.Metrics;
namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// One instrument's record source, shared by every session subscribed to it: each record is generated once, under the
/// instrument's lock, stamped with the market time (never earlier than the previous record), and goes on the
/// instrument's tape, which every subscribed session sends whole (Instrument.Tape.cs). An expected-trade, NAV or bond
/// index TR (<see cref="SendsOnChange"/>) sends no record identical to its previous one: KIS publishes those as they
/// change, so a pace that asks again with nothing changed (the same second, the same book) gets nothing, counted in
/// <see cref="SimulatorCounters.UnchangedRecordsNotSent"/>.
/// </summary>
internal sealed partial class Instrument(TrDefinition tr, string key, MarketStream stream, TradingHours hours, RecordSkips? skips = null,
    int maxRecordsPerFrame = 999, Random? pace = null, SimulatorTally? counters = null)
{
    private readonly Lock _gate = new();
    private DateTime _lastTime;
    private long _generated;
    private readonly bool _onChange = SendsOnChange(tr);
    private byte[] _previous = [];
    private int _previousLength = -1; // -1: no record yet

    /// <summary>
    /// The TRs published as a computed value changes, never an unchanged record again: the expected trades (예상체결:
    /// KRX, NXT and unified stocks, KRX after-hours, index, ELW, stock futures and options, night options), an ETF's NAV
    /// (H0STNAV0) and the bond indices (H0BICNT0). Their records carry no traded volume, so an unchanged value in the same
    /// second would be a byte-identical repeat.
    /// </summary>
    public static bool SendsOnChange(TrDefinition tr)
        => tr == KisTrs.H0STANC0 || tr == KisTrs.H0NXANC0 || tr == KisTrs.H0UNANC0 || tr == KisTrs.H0STOAC0 || tr == KisTrs.H0UPANC0
           || tr == KisTrs.H0EWANC0 || tr == KisTrs.H0ZFANC0 || tr == KisTrs.H0ZOANC0 || tr == KisTrs.H0EUANC0
           || tr == KisTrs.H0STNAV0 || tr == KisTrs.H0BICNT0;

    public TrDefinition Tr { get; } = tr;
    public string Key { get; } = key;
    public TradingHours Hours { get; } = hours;

    /// <summary>This instrument's share of a market-wide pace (<see cref="InstrumentMaster.ActivityShare"/>).</summary>
    public double ActivityShare { get; init; }

    /// <summary>The pace of the instrument's tape, shared by its subscribers (seeded per TR and key).</summary>
    public TapePace Pace { get; } = new(pace ?? new Random(0));

    /// <summary>The market time of a record owed although the hours are over (see <see cref="MarketStream.OwedAt"/>).</summary>
    public DateTime? OwedAt(DateTime now)
    {
        lock (_gate) return stream.OwedAt(now);
    }

    /// <summary>The generator behind the instrument (the paper venue reads a derivative's quote from it).</summary>
    public MarketStream Stream => stream;

    /// <summary>See <see cref="MarketStream.IsEventDriven"/>.</summary>
    public bool IsEventDriven => stream.IsEventDriven;

    /// <summary>True when the stream has a record at <paramref name="now"/> (an event-driven stream: one waits).</summary>
    public bool HasRecordAt(DateTime now)
    {
        lock (_gate) return stream.HasRecordAt(Hours.RecordTime(now < _lastTime ? _lastTime : now));
    }

    /// <summary>Upper bound of one record's size in bytes.</summary>
    public int MaxRecordBytes => stream.MaxRecordBytes;

    /// <summary>
    /// Writes up to <paramref name="count"/> records (more when the stream has a backlog, fewer when the writer runs out of room or the instrument has
    /// nothing to say, see <see cref="MarketStream.HasRecordAt"/>) at market time <paramref name="now"/>; returns how many.
    /// </summary>
    public int WriteRecords(ref RecordWriter writer, int count, DateTime now)
    {
        lock (_gate) return WriteRecordsLocked(ref writer, count, now);
    }

    private int WriteRecordsLocked(ref RecordWriter writer, int count, DateTime now)
    {
        if (now < _lastTime) now = _lastTime;
        _lastTime = now;
        // On the market's own trading day (demo mode: a US or night feed's demo day, see TradingHours.RecordTime).
        now = Hours.RecordTime(now);
        var n = 0;
        // A backlog (trades made by the stock's other feeds) goes out in as few frames as the frame size allows.
        count = Math.Max(count, Math.Min(stream.Backlog, maxRecordsPerFrame));
        // A record withheld by the skip fault (it still happened: later cumulative figures include it) takes its
        // place in the frame, so a frame may carry fewer than asked, or none.
        for (var made = 0; made < count && writer.Remaining > stream.MaxRecordBytes && stream.HasRecordAt(now); made++)
        {
            var mark = writer.Mark();
            stream.WriteRecord(ref writer, now);
            var record = writer.WrittenSpan[(mark.Position + (mark.First ? 0 : 1))..];
            if (_onChange && IsRepeat(record))
            {
                writer.Rewind(mark);
                if (counters is not null) Interlocked.Increment(ref counters._unchangedRecordsNotSent);
                continue;
            }
            _generated++;
            if (skips is { Active: true } && skips.TrySkip(Tr.Id, Key, _generated, now, record))
            {
                writer.Rewind(mark);
                continue;
            }
            n++;
        }
        return n;
    }

    /// <summary>True when <paramref name="record"/> is the previous record again; else it becomes the previous one. Under the lock.</summary>
    private bool IsRepeat(ReadOnlySpan<byte> record)
    {
        if (_previousLength >= 0 && record.SequenceEqual(_previous.AsSpan(0, _previousLength))) return true;
        if (_previous.Length < record.Length) _previous = new byte[record.Length * 2];
        record.CopyTo(_previous);
        _previousLength = record.Length;
        return false;
    }
}
