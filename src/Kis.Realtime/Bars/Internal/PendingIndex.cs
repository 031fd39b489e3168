using System.Runtime.CompilerServices;

namespace Kis.Realtime.Internal;

/// <summary>
/// The reorder buffer's lookups (by the cumulative volume a waiting record ends or starts at, or by its volume): its
/// <see cref="PendingChains"/> under each <see cref="PendingKey"/>, in an open-addressed table (linear probing, keys in the
/// entries, a removal shifts back the entries after it). One probe finds a key most often: a Dictionary reads a bucket
/// and then an entry, and every waiting record costs several of these lookups. Arrays only: once grown it allocates nothing.
/// </summary>
internal sealed class PendingIndex
{
    private Entry[] _entries = new Entry[16];
    private int _shift = 64 - 4; // log2 of the capacity, as the hash's shift
    private int _count;

    /// <summary>Keys held.</summary>
    public int Count => _count;

    /// <summary>The chains under <paramref name="key"/>, added empty when absent. Valid until the next add or removal.</summary>
    public ref PendingChains GetOrAdd(PendingKey key)
    {
        if (2 * (_count + 1) > _entries.Length) Grow();
        var mask = _entries.Length - 1;
        for (var i = Home(key); ; i = (i + 1) & mask)
        {
            ref var e = ref _entries[i];
            if (!e.Used)
            {
                e = new Entry { Key = key, Used = true };
                _count++;
                return ref e.Chains;
            }
            if (e.Key.Equals(key)) return ref e.Chains;
        }
    }

    /// <summary>The chains under <paramref name="key"/>, or a null reference when absent.</summary>
    public ref PendingChains Find(PendingKey key)
    {
        var mask = _entries.Length - 1;
        for (var i = Home(key); ; i = (i + 1) & mask)
        {
            ref var e = ref _entries[i];
            if (!e.Used) return ref Unsafe.NullRef<PendingChains>();
            if (e.Key.Equals(key)) return ref e.Chains;
        }
    }

    /// <summary>Removes <paramref name="key"/> (which must be held); the entries probing past it move back.</summary>
    public void Remove(PendingKey key)
    {
        var mask = _entries.Length - 1;
        var hole = Home(key);
        while (!_entries[hole].Key.Equals(key)) hole = (hole + 1) & mask;
        for (var j = (hole + 1) & mask; _entries[j].Used; j = (j + 1) & mask)
        {
            // An entry may fill the hole when the hole lies on its probe path: from its home to where it is.
            var home = Home(_entries[j].Key);
            if (((j - home) & mask) >= ((j - hole) & mask))
            {
                _entries[hole] = _entries[j];
                hole = j;
            }
        }
        _entries[hole] = default;
        _count--;
    }

    public void Clear()
    {
        if (_count == 0) return;
        Array.Clear(_entries);
        _count = 0;
    }

    // Fibonacci hashing: cumulative volumes are consecutive numbers, which it spreads over the table.
    private int Home(PendingKey key) => (int)((ulong)key.Mix() * 0x9E3779B97F4A7C15UL >> _shift);

    private void Grow()
    {
        var old = _entries;
        _entries = new Entry[old.Length * 2];
        _shift--;
        var mask = _entries.Length - 1;
        foreach (ref readonly var e in old.AsSpan())
        {
            if (!e.Used) continue;
            var i = Home(e.Key);
            while (_entries[i].Used) i = (i + 1) & mask;
            _entries[i] = e;
        }
    }

    private struct Entry
    {
        public PendingKey Key;
        public bool Used;
        public PendingChains Chains;
    }
}
