using System.Diagnostics.CodeAnalysis;
using System.Collections.Concurrent;
using Kis.Realtime.Protocol;
using static Kis.Realtime.Protocol.FieldSeparators;

namespace Kis.Realtime.Internal;

/// <summary>
/// Where a trade TR carries what gap detection reads: the trade's time (and date when there is one), its own volume and
/// the day's cumulative volume. Read straight from the record's <c>^</c>-separated fields, without decoding the rest, so
/// every source (a direct session, a gateway, a recording) checks raw and typed subscriptions the same way, cheaply.
/// </summary>
/// <remarks>
/// Its own scan rather than <see cref="TypedFieldReader"/>: it reads four fields far apart by index (the field ends from
/// <see cref="FieldSeparators"/>, then four parses) and parses them strictly (<see cref="FieldParsers"/>: an empty or
/// malformed volume is no trade), where the typed reader reads every field in order and takes an empty number as 0.
/// </remarks>
[Experimental("KISRT0001")]
public sealed partial class TradeVolumeFields
{
    // Which TRs and which of their fields: generated into TradeVolumeFields.g.cs from the 'trade' entries of
    // tools/trs/views.json (the fields the trade views' time, date, volume and cumulative volume read).

    private static readonly ConcurrentDictionary<TrDefinition, TradeVolumeFields?> Layouts = new();

    private readonly int _time, _date, _volume, _accumulated, _last;

    private TradeVolumeFields(int time, int date, int volume, int accumulated)
    {
        (_time, _date, _volume, _accumulated) = (time, date, volume, accumulated);
        _last = Math.Max(Math.Max(time, date), Math.Max(volume, accumulated));
    }

    /// <summary>The layout of <paramref name="tr"/>; null when it is not a trade TR with a cumulative volume.</summary>
    public static TradeVolumeFields? For(TrDefinition tr) => Layouts.GetOrAdd(tr, Create);

    private static TradeVolumeFields? Create(TrDefinition tr)
    {
        if (FieldNames(tr.Id) is not { } names) return null;
        var (time, volume, accumulated) = (tr.IndexOf(names.Time), tr.IndexOf(names.Volume), tr.IndexOf(names.Cumulative));
        var date = names.Date is null ? -1 : tr.IndexOf(names.Date);
        // A definition built by hand with the same id but other fields: no layout rather than a wrong one.
        return time < 0 || volume < 0 || accumulated < 0 || (names.Date is not null && date < 0)
            ? null
            : new TradeVolumeFields(time, date, volume, accumulated);
    }

    /// <summary>How many field ends <see cref="TryRead(ReadOnlySpan{byte}, ReadOnlySpan{int}, out TradeVolume)"/> reads.</summary>
    public int EndsRead => _last + 1;

    /// <summary>Reads the four fields; false when the record is too short or one of them does not parse.</summary>
    [System.Runtime.CompilerServices.SkipLocalsInit] // the field ends are written before they are read: no zeroing per trade
    public bool TryRead(ReadOnlySpan<byte> record, out TradeVolume trade)
    {
        Span<int> ends = stackalloc int[_last + 1];
        return TryRead(record, ends[..FieldSeparators.FieldEnds(record, ends)], out trade);
    }

    /// <summary>
    /// Reads the four fields from the record's field ends found already (<see cref="FieldSeparators.FieldEnds"/>, as many
    /// as it found, into a span of at least <see cref="EndsRead"/>): a caller that scans the record for fields of its own
    /// (the backtest's venue) scans it once for both.
    /// </summary>
    public bool TryRead(ReadOnlySpan<byte> record, ReadOnlySpan<int> ends, out TradeVolume trade)
    {
        trade = default;
        DateOnly? date = null;
        if (ends.Length <= _last) return false; // fewer fields than the layout reads
        if (!FieldParsers.TryParseTime(Field(record, ends, _time), out var time)
            || !FieldParsers.TryParseInt64(Field(record, ends, _volume), out var volume)
            || !FieldParsers.TryParseInt64(Field(record, ends, _accumulated), out var accumulated)
            || (_date >= 0 && !FieldParsers.TryParseDate(Field(record, ends, _date), out date)))
            return false;
        trade = new TradeVolume(date, time, volume, accumulated);
        return true;
    }
}

/// <summary>What gap detection reads from one trade: its date (null: the TR has none), time, volume and the day's cumulative volume.</summary>
[Experimental("KISRT0001")]
public readonly record struct TradeVolume(DateOnly? Date, TimeOnly Time, long Volume, long Accumulated);
