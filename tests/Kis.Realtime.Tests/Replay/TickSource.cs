using System.Runtime.CompilerServices;
using Kis.Realtime.Benchmarks;

namespace Kis.Realtime.Tests.Replay;

/// <summary>
/// A recording of index ticks without end (0001, one a tick apart), counting what is pulled and whether its reader was
/// closed; it fails with "disk gone" at tick <c>failAfter</c>, and yields now and then unless every tick is to be ready
/// at once (so a decoder's slots fill to their message limit).
/// </summary>
internal sealed class TickSource(int? failAfter = null, bool alwaysReady = false) : KisRecordingSource
{
    public static readonly DateTimeOffset Start = new(2026, 11, 23, 0, 30, 0, TimeSpan.Zero);

    private int _pulled;
    private volatile bool _disposed;

    public int Pulled => Volatile.Read(ref _pulled);
    public bool Disposed => _disposed;
    public override string Description => "ticks";

    public static byte[] Tick(int n) => SyntheticRecording.Frame(KisTrs.IndexTicks, SyntheticRecording.Record(KisTrs.IndexTicks, "0001", n));

    public override async IAsyncEnumerable<RecordedMessage> ReadAsync(ReplayQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        try
        {
            for (var i = 0; ; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (i == failAfter) throw new IOException("disk gone");
                Interlocked.Increment(ref _pulled);
                yield return new RecordedMessage(Start.AddTicks(i), 0, Tick(i));
                if (!alwaysReady && i % 1024 == 0) await Task.Yield();
            }
        }
        finally
        {
            _disposed = true;
        }
    }
}
