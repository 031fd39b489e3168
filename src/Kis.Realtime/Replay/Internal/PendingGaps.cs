using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Kis.Realtime.Protocol;

#pragma warning disable CS1591 // Plumbing (KISRT0001) for the sibling packages: the type's summary says what it is for.
namespace Kis.Realtime.Internal;

/// <summary>
/// The gap fields of the trades one parallel decoding worker decoded into one batch, in recording order. Gap detection
/// compares each trade with the one before, so the checks cannot run on the workers: the worker reads the fields (the
/// costly part), and the subscriber's side checks them batch after batch (<see cref="CheckAll"/>), in order.
/// </summary>
internal sealed class PendingGaps(bool detectGaps)
{
    private Entry[] _entries = new Entry[64];
    private int _count;
    private TrDefinition? _lastTr;
    private TradeVolumeFields? _lastFields;

    /// <summary>
    /// Reads one decoded record's gap fields, if its TR has them and gap detection is on (a record whose fields do not
    /// read is not checked, as in <see cref="GapCheck.Observe(ReadOnlySpan{byte}, DateTimeOffset, long)"/>).
    /// </summary>
    public void Read<T>(TrDefinition tr, ReadOnlySpan<byte> record, DateTimeOffset receivedAt, in T decoded)
    {
        if (!ReferenceEquals(tr, _lastTr)) (_lastTr, _lastFields) = (tr, detectGaps ? TradeVolumeFields.For(tr) : null);
        if (_lastFields is null) return;
        // typeof(T) is a constant to the JIT: for other views this test and the cast are compiled away.
        if (!(typeof(T) == typeof(StockTrade) && FromView(Unsafe.As<T, StockTrade>(ref Unsafe.AsRef(in decoded)), out var trade))
            && !_lastFields.TryRead(record, out trade))
            return;
        if (_count == _entries.Length) Array.Resize(ref _entries, _count * 2);
        _entries[_count++] = new Entry(tr, trade, receivedAt);
    }

    /// <summary>
    /// A decoded stock trade's gap fields (its TRs' are its Time, BusinessDate, Volume and CumulativeVolume), without
    /// reading the record a second time. The typed reader reads an empty field as 0 (or no date), where the check
    /// skips the trade; so only values an empty field cannot give are taken from the view, the rest from the record.
    /// </summary>
    internal static bool FromView(in StockTrade view, out TradeVolume trade)
    {
        if (view is { Volume: > 0, CumulativeVolume: > 0, BusinessDate: { } date } && view.Time != default)
        {
            trade = new TradeVolume(date, view.Time, view.Volume, view.CumulativeVolume);
            return true;
        }
        trade = default;
        return false;
    }

    /// <summary>Checks the trades read, in order, with <paramref name="checks"/>' check of each one's TR; then forgets them.</summary>
    public void CheckAll(GapChecks checks)
    {
        for (var i = 0; i < _count; i++)
        {
            ref readonly var entry = ref _entries[i];
            checks.Of(entry.Tr)?.Observe(entry.Trade, entry.ReceivedAt);
        }
        _count = 0;
    }

    private readonly record struct Entry(TrDefinition Tr, TradeVolume Trade, DateTimeOffset ReceivedAt);
}

/// <summary>One subscription's gap checks, one per TR it receives (a recording may hold the paper and the real id of one TR). One user: the subscriber's
/// side.</summary>
[Experimental("KISRT0001")]
public sealed class GapChecks(ClientGaps gaps, string key)
{
    private readonly Dictionary<TrDefinition, GapCheck?> _checks = [];

    public GapCheck? Of(TrDefinition tr)
    {
        if (!_checks.TryGetValue(tr, out var check)) _checks[tr] = check = gaps.For(tr, key);
        return check;
    }
}
