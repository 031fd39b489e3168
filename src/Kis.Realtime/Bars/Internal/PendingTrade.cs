namespace Kis.Realtime.Internal;

// What a bar takes from a trade, read once on arrival: the reorder buffer keeps this (tens of bytes, no references),
// not the trade view. Tr: its TR's slot (-1: none checked); Value only when TAccessor.ValueIsPriceTimesVolume is false.
internal readonly record struct TradeFacts(int Tr, decimal Price, long Volume, decimal Value, TradingSessions Session);

// A waiting record: what bars take from its trade, and its place.
internal struct PendingTrade
{
    public TradeFacts Trade;
    public long Received, Utc, Local, Accumulated, Volume;
    public int Tr, Day;
    public bool Behind; // behind the tape when it came (and no repeat, no gap's trade): corrupt unless its volume fills a hole
    public bool Indexed; // in the cumulative-volume hash: not in its tape's order, or not at an end of it (PendingRecords.cs)
    public long Arrival; // its place in arrival order
    // Its neighbours (-1: none) among the waiting records of its TR and day ending at its acml_vol, and of its volume,
    // in arrival order.
    public int NextEnd, PreviousEnd, NextVolume, PreviousVolume;
    // A run (PendingRecords.Runs.cs): how many records continue this one in the run store, from RunFrom; and the
    // receive time it is kept under in the receive order (its run's first record's, the earliest received).
    public int RunCount;
    public long RunFrom, RunReceived;
}

// The order in which due records go on: by bar, TR and arrival (time and day bars), or by arrival alone.
internal readonly record struct ReleaseKey(long Bar, int Tr, long Arrival) : IComparable<ReleaseKey>
{
    public int CompareTo(ReleaseKey other) =>
        Bar != other.Bar ? Bar.CompareTo(other.Bar) : Tr != other.Tr ? Tr.CompareTo(other.Tr) : Arrival.CompareTo(other.Arrival);
}

// A record in a run store: what goes on from it and what finds it, no more. Its TR and volume are its trade's, and a
// run's own fields (links, run counts) are its head slot's: a stored record is about 100 bytes, not a slot's 150, and a
// run's records are written on arrival and read back seconds later, out of cache (a reversed day's: 1 M of them).
internal readonly struct RunRecord(in PendingTrade p, long arrival)
{
    public readonly TradeFacts Trade = p.Trade;
    public readonly long Received = p.Received, Utc = p.Utc, Local = p.Local, Accumulated = p.Accumulated, Arrival = arrival;
    public readonly int Day = p.Day;

    public int Tr => Trade.Tr;
    public long Volume => Trade.Volume;
    public TradeIdentity Identity => new(Accumulated, Trade.Volume, Trade.Price, Local);

    // As it waited before joining (never behind the tape: those join no run); Enter sets its place and links.
    public PendingTrade ToPending() => new()
    {
        Trade = Trade, Received = Received, Utc = Utc, Local = Local, Accumulated = Accumulated, Volume = Trade.Volume,
        Tr = Trade.Tr, Day = Day, Arrival = Arrival,
    };
}
