using Kis.Realtime.Protocol;

namespace Kis.Realtime.Cli.Output;

/// <summary>One decoded record on its way to an output: its TR, subscription key, receive time and plain fields.</summary>
internal readonly record struct OutputRecord(TrDefinition Tr, string TrKey, DateTimeOffset ReceivedAt, ReadOnlyMemory<byte> Record);

/// <summary>Where <c>kisrt stream</c> and <c>kisrt record</c> put records.</summary>
internal interface IRecordSink : IAsyncDisposable
{
    /// <summary>
    /// Writes one record; false when it was not written because a field does not read as its type (the caller counts
    /// it as a decode error). Sinks are used from one task: no locking.
    /// </summary>
    bool Write(in OutputRecord record);

    /// <summary>Pushes buffered output to its destination (called at least once a second while streaming).</summary>
    void Flush();
}
