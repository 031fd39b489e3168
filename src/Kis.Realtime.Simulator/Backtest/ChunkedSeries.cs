using System.Collections;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Kis.Realtime.Simulator.Backtest;

/// <summary>
/// A day's series (equity, prices, the venue's calls and fills) that only grows: values in chunks of
/// <see cref="ChunkLength"/>, each under the large object heap's 85,000 bytes. A <see cref="List{T}"/> of a day's
/// 50,000 equity points is copied into ever larger arrays on the large object heap, each allocation of which may start
/// a full collection; the chunks are never copied. Values, not objects: what the day keeps costs a collection one block
/// a chunk to move, not one object (and its strings) a row to trace.
/// </summary>
internal sealed class ChunkedSeries<T> : IReadOnlyList<T> where T : struct
{
    // Initialised in this order (ChunkLength and Mask read Shift).
    private static readonly int Shift = BitOperations.Log2((uint)Math.Max(1, 64 * 1024 / Unsafe.SizeOf<T>()));
    private static readonly int Mask = (1 << Shift) - 1;

    /// <summary>Values a chunk: the power of two that keeps a chunk within 64 KB (2,048 of 32 bytes).</summary>
    public static readonly int ChunkLength = 1 << Shift;
    private readonly List<T[]> _chunks = [];

    public int Count { get; private set; }

    public T this[int index] => At(index);

    /// <summary>The value at <paramref name="index"/>, to read or replace in place.</summary>
    public ref T At(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        return ref _chunks[index >> Shift][index & Mask];
    }

    /// <summary>The last value, to replace (there must be one).</summary>
    public ref T Last
    {
        get
        {
            if (Count == 0) throw new InvalidOperationException("The series is empty.");
            return ref At(Count - 1);
        }
    }

    public void Add(T value)
    {
        if (Count == _chunks.Count << Shift) _chunks.Add(new T[ChunkLength]);
        _chunks[Count >> Shift][Count & Mask] = value;
        Count++;
    }

    public IEnumerator<T> GetEnumerator() => Enumerate(Count);

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private IEnumerator<T> Enumerate(int count)
    {
        for (var i = 0; i < count; i++) yield return _chunks[i >> Shift][i & Mask];
    }

    /// <summary>The values there are now, as a list that values added later do not join (those there may still be replaced).</summary>
    public IReadOnlyList<T> Prefix() => new PrefixView(this, Count);

    private sealed class PrefixView(ChunkedSeries<T> series, int count) : IReadOnlyList<T>
    {
        public int Count => count;

        public T this[int index]
        {
            get
            {
                ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)count, nameof(index));
                return series[index];
            }
        }

        public IEnumerator<T> GetEnumerator() => series.Enumerate(count);

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}

/// <summary>
/// A list's rows as public values, each made when read: a backtest's result lists thousands of fills and calls that the
/// run kept as rows (<see cref="ChunkedSeries{T}"/>), and most results are summed or written once, not held.
/// </summary>
internal sealed class ProjectedList<TRow, T>(IReadOnlyList<TRow> rows, Func<TRow, T> project) : IReadOnlyList<T>
{
    public int Count => rows.Count;

    public T this[int index] => project(rows[index]);

    public IEnumerator<T> GetEnumerator()
    {
        foreach (var row in rows) yield return project(row);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
