namespace Kis.Realtime.Gateway.Internal;

/// <summary>A record as it came off the stream, copied out of the broker's buffer.</summary>
internal readonly record struct StreamRecord(byte[] Body, long ReceivedAtMicros, long Offset);
