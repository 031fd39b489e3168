namespace Kis.Realtime;

/// <summary>One message exactly as received from a session (data frame or JSON control message, PINGPONG included).</summary>
/// <param name="ReceivedAt">When it arrived (UTC, from the client's <see cref="TimeProvider"/>).</param>
/// <param name="SessionIndex">Which session (index into <see cref="KisRealtimeOptions.Credentials"/>).</param>
/// <param name="Data">The message bytes, copied.</param>
public readonly record struct RawMessage(DateTimeOffset ReceivedAt, int SessionIndex, ReadOnlyMemory<byte> Data);
