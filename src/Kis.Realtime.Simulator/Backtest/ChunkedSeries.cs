using System.Collections;

namespace Kis.Realtime.Simulator.Backtest;

/// <summary>
/// A day's series (equity, prices) that only grows: points in chunks of <see cref="ChunkLength"/>, each under the large
/// object heap's 85,000 bytes. A <see cref="List{T}"/> of a day's 50,000 equity points is copied into ever larger arrays
/// on the large object heap, each allocation of which may start a full collection; the chunks are never copied.
/// </summary>
internal sealed class ChunkedSeries<T> : IReadOnlyList<T> where T : struct
{
    /// <summary>Points a chunk: 2,048 of 32 bytes is 64 KB.</summary>
    public const int ChunkLength = 2048;
    private readonly List<T[]> _chunks = [];

    public int Count { get; private set; }

    public T this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
            return _chunks[index / ChunkLength][index % ChunkLength];
        }
    }

    /// <summary>The last point, to replace (there must be one).</summary>
    public ref T Last
    {
        get
        {
            if (Count == 0) throw new InvalidOperationException("The series is empty.");
            return ref _chunks[(Count - 1) / ChunkLength][(Count - 1) % ChunkLength];
        }
    }

    public void Add(T point)
    {
        if (Count == _chunks.Count * ChunkLength) _chunks.Add(new T[ChunkLength]);
        _chunks[Count / ChunkLength][Count % ChunkLength] = point;
        Count++;
    }

    public IEnumerator<T> GetEnumerator()
    {
        for (var i = 0; i < Count; i++) yield return _chunks[i / ChunkLength][i % ChunkLength];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
