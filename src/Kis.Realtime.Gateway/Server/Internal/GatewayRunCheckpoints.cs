using System.Diagnostics.CodeAnalysis;
using Kis.Realtime.Gateway.Wire;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// Plumbing (KISRT0001) for the gateway's history writer (Kis.Realtime.Gateway.PostgreSql): reads the checkpoints the
/// gateway journals on its runs stream, as the gateway itself reads them back.
/// </summary>
[Experimental("KISRT0001")]
public static class GatewayRunCheckpoints
{
    /// <summary>The largest checkpoint message the gateway writes; a longer message on the stream is not one.</summary>
    public const int MaxBytes = RunJournal.MaxCheckpointBytes;

    /// <summary>A checkpoint, or null when <paramref name="body"/> is not the gateway's checkpoint JSON.</summary>
    public static GatewayCheckpoint? Parse(ReadOnlySpan<byte> body) => RunJournal.Parse(body);
}
