namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// The record generator of one instrument (TR, key), owned by its <see cref="Instrument"/> (which serialises access and
/// stamps the market time). Its random state comes only from the seed, the TR id and the key, so the same seed and the
/// same sequence of requests give the same records whatever the pace.
/// </summary>
internal abstract class MarketStream
{
    protected MarketStream(Random random) => Random = random;

    protected Random Random { get; }

    /// <summary>Upper bound of one record's size in bytes (the caller keeps this much room).</summary>
    public abstract int MaxRecordBytes { get; }

    /// <summary>Writes the next record (advancing the state) at market time <paramref name="secondsOfDay"/> (KST).</summary>
    public abstract void WriteRecord(ref RecordWriter writer, int secondsOfDay);

    /// <summary>Writes the next record at market time <paramref name="now"/> (KST, date included); generators that need
    /// the date (the catalog's date fields) override this one.</summary>
    public virtual void WriteRecord(ref RecordWriter writer, DateTime now) => WriteRecord(ref writer, (int)now.TimeOfDay.TotalSeconds);

    /// <summary>
    /// False when the instrument has nothing to say at <paramref name="now"/> (a stock's trades during a VI, a market
    /// status that has not changed): the caller then sends no record, and no frame if none.
    /// </summary>
    public virtual bool HasRecordAt(DateTime now) => true;

    /// <summary>
    /// True for a stream whose records are events that happened (the paper venue's notices): a session sends each as
    /// soon as it exists, whatever the market pace, and the pace never asks it for one.
    /// </summary>
    public virtual bool IsEventDriven => false;

    /// <summary>
    /// Records waiting to be sent (a unified trade feed's share of the trades other feeds made): the instrument then
    /// sends up to a whole frame of them whatever the pace asked, so the feed keeps up with the market.
    /// </summary>
    public virtual int Backlog => 0;

    /// <summary>
    /// The market time of a record this stream still owes although its hours are over at <paramref name="now"/> (KRX's
    /// closing print, when the clock jumped past its whole window); null when it owes none.
    /// </summary>
    public virtual DateTime? OwedAt(DateTime now) => null;

    /// <summary>
    /// True when there is a generator for the TR: every TR of the library's table (the 60 of KIS's catalog and the
    /// paper ids of its notice TRs), by a domain model or by <see cref="GenericStream"/> from its field table.
    /// </summary>
    public static bool CanGenerate(TrDefinition tr) => KisTrs.TryGet(tr.TrId, out var known) && known == tr;
}

/// <summary>A hash that is the same in every process (string.GetHashCode is randomised per process).</summary>
internal static class StableHash
{
    public static int Combine(int seed, string a, string b)
    {
        var h = 2166136261u ^ (uint)seed;
        h = Mix(h, a);
        h = (h ^ 0xFF) * 16777619u;
        h = Mix(h, b);
        return (int)(h & 0x7FFFFFFF);
    }

    public static int Of(string text) => (int)(Mix(2166136261u, text) & 0x7FFFFFFF);

    private static uint Mix(uint h, string text)
    {
        foreach (var c in text) h = (h ^ c) * 16777619u;
        return h;
    }
}
