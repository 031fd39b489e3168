namespace Kis.Realtime.Internal;

/// <summary>
/// A waiting record's place by one number on its TR's tape of one trading day (the cumulative volume it ends or starts
/// at, or its volume): the reorder buffer's lookup key. A cheap hash (no tuple, no decimal): it is taken on every arrival.
/// </summary>
internal readonly struct PendingKey(int tr, int day, long value) : IEquatable<PendingKey>
{
    private readonly long _value = value;
    private readonly int _tr = tr, _day = day;

    public bool Equals(PendingKey other) => _value == other._value && _day == other._day && _tr == other._tr;

    public override bool Equals(object? obj) => obj is PendingKey other && Equals(other);

    public override int GetHashCode() => unchecked((int)_value ^ (int)(_value >> 32) * 31 ^ _day * 397 ^ _tr << 28);

    /// <summary>The key in one number for <see cref="PendingIndex"/>'s multiplicative hash (the day and TR in the high bits).</summary>
    public long Mix() => unchecked(_value ^ ((long)(_day * 4 + _tr) << 40));
}

/// <summary>The waiting records under one <see cref="PendingKey"/>: a chain through their slots, in arrival order.</summary>
internal struct PendingChain
{
    public int First, Last, Count;
}

/// <summary>
/// Under one key: the chain of records ending at a cumulative volume (or, by volume, of that volume) and how many start
/// at it (only ever counted). One entry for both, as a record behind a hole starts where the one before it ends: the key
/// is found, not added.
/// </summary>
internal struct PendingChains
{
    public PendingChain Ends;
    public int Starts;

    public readonly bool IsEmpty => Ends.Count == 0 && Starts == 0;
}
