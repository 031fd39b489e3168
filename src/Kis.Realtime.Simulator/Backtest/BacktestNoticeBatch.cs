namespace Kis.Realtime.Simulator.Backtest;

/// <summary>
/// Notice records the venue wrote under its lock, one after the other in one reused buffer: handed out after the lock
/// (on the driver's thread, which is the only one whose calls write notices) and copied on by the feeds, so a notice is
/// not an array of its own, and a batch not a list. The venue keeps two and swaps them: the one handed out stays as it
/// is until the venue's next batch.
/// </summary>
internal sealed class BacktestNoticeBatch
{
    private byte[] _bytes = new byte[4096];
    private readonly List<int> _ends = [];

    public int Count => _ends.Count;

    private int Length => _ends.Count == 0 ? 0 : _ends[^1];

    /// <summary>Notice <paramref name="index"/>'s record.</summary>
    public ReadOnlySpan<byte> this[int index]
    {
        get
        {
            var start = index == 0 ? 0 : _ends[index - 1];
            return _bytes.AsSpan(start, _ends[index] - start);
        }
    }

    /// <summary>Room for a record of at most <paramref name="bound"/> bytes, after the last one (<see cref="Commit"/> keeps it).</summary>
    public Span<byte> Reserve(int bound)
    {
        var length = Length;
        if (_bytes.Length - length < bound) Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, length + bound));
        return _bytes.AsSpan(length, bound);
    }

    /// <summary>Keeps the <paramref name="written"/> bytes written into the last <see cref="Reserve"/> as a record.</summary>
    public void Commit(int written) => _ends.Add(Length + written);

    public void Clear() => _ends.Clear();
}
