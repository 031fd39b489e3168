using System.Buffers;
using System.Text.Json;

namespace Kis.Realtime.Cli.Dashboard.Panels;

/// <summary>
/// One panel's state, owned by the panel and guarded by its one lock. Records update it at any rate; the publisher
/// takes a delta (what changed since the last one) and, for pages that just connected, a snapshot, on its 200 ms
/// tick — so the page's work does not grow with the record rate.
/// </summary>
internal abstract class Panel
{
    protected readonly Lock Gate = new();

    /// <summary>The SSE event name the page listens to.</summary>
    public abstract string Name { get; }

    /// <summary>The clock of panels that pace something by time (tests use a manual one).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Under <see cref="Gate"/>: anything to send since the last delta.</summary>
    protected abstract bool HasChanges { get; }

    /// <summary>Under <see cref="Gate"/>: the body of a delta; marks everything as published.</summary>
    protected abstract void WriteDelta(Utf8JsonWriter json);

    /// <summary>Under <see cref="Gate"/>: the whole state, for a page that just connected.</summary>
    protected abstract void WriteSnapshot(Utf8JsonWriter json);

    /// <summary>
    /// The delta (null when nothing changed) and, when <paramref name="snapshotWanted"/>, a snapshot taken after it
    /// under the same lock: a new page gets the snapshot, pages already in sync get the delta, and neither misses a change.
    /// </summary>
    public (byte[]? Delta, byte[]? Snapshot) Publish(bool snapshotWanted)
    {
        lock (Gate)
        {
            var delta = HasChanges ? Build(WriteDelta, snapshot: false) : null;
            var snapshot = snapshotWanted ? Build(WriteSnapshot, snapshot: true) : null;
            return (delta, snapshot);
        }
    }

    private static byte[] Build(Action<Utf8JsonWriter> body, bool snapshot)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteBoolean("snapshot", snapshot);
            body(json);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Seconds since midnight of a market time, the x axis of the charts.</summary>
    protected static int SecondOfDay(TimeOnly time) => (int)(time.Ticks / TimeSpan.TicksPerSecond);
}
