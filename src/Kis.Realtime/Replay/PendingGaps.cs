using Kis.Realtime.Protocol;

namespace Kis.Realtime;

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

    /// <summary>Reads one decoded record's gap fields, if its TR has them and gap detection is on (a record whose fields do not read is not checked, as in <see cref="GapCheck.Observe(ReadOnlySpan{byte}, DateTimeOffset, long)"/>).</summary>
    public void Read(TrDefinition tr, ReadOnlySpan<byte> record, DateTimeOffset receivedAt)
    {
        if (!ReferenceEquals(tr, _lastTr)) (_lastTr, _lastFields) = (tr, detectGaps ? TradeVolumeFields.For(tr) : null);
        if (_lastFields is null || !_lastFields.TryRead(record, out var trade)) return;
        if (_count == _entries.Length) Array.Resize(ref _entries, _count * 2);
        _entries[_count++] = new Entry(tr, trade, receivedAt);
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

/// <summary>One subscription's gap checks, one per TR it receives (a recording may hold the paper and the real id of one TR). One user: the subscriber's side.</summary>
internal sealed class GapChecks(ClientGaps gaps, string key)
{
    private readonly Dictionary<TrDefinition, GapCheck?> _checks = [];

    public GapCheck? Of(TrDefinition tr)
    {
        if (!_checks.TryGetValue(tr, out var check)) _checks[tr] = check = gaps.For(tr, key);
        return check;
    }
}
