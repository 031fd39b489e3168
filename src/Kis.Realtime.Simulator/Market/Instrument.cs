using Kis.Realtime.Protocol;

namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// One instrument's record source, shared by every session subscribed to it: each record is generated once, under the
/// instrument's lock, stamped with the market time (never earlier than the previous record), and sent to one session.
/// </summary>
internal sealed class Instrument(TrDefinition tr, string key, MarketStream stream, TradingHours hours)
{
    private readonly Lock _gate = new();
    private DateTime _lastTime;

    public TrDefinition Tr { get; } = tr;
    public string Key { get; } = key;
    public TradingHours Hours { get; } = hours;

    /// <summary>Upper bound of one record's size in bytes.</summary>
    public int MaxRecordBytes => stream.MaxRecordBytes;

    /// <summary>
    /// Writes up to <paramref name="count"/> records (fewer when the writer runs out of room or the instrument has
    /// nothing to say, see <see cref="MarketStream.HasRecordAt"/>) at market time <paramref name="now"/>; returns how many.
    /// </summary>
    public int WriteRecords(ref RecordWriter writer, int count, DateTime now)
    {
        lock (_gate)
        {
            if (now < _lastTime) now = _lastTime;
            _lastTime = now;
            var n = 0;
            while (n < count && writer.Remaining > stream.MaxRecordBytes && stream.HasRecordAt(now))
            {
                stream.WriteRecord(ref writer, now);
                n++;
            }
            return n;
        }
    }
}
