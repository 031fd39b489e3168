using System.Diagnostics.CodeAnalysis;
using Kis.Realtime.Protocol;

namespace Kis.Realtime;

/// <summary>The state of a KIS session (or of the client, summarising its sessions).</summary>
public enum KisConnectionState
{
    /// <summary>Not connected and not trying: before the first connect or after shutdown.</summary>
    Closed,
    /// <summary>Opening the first connection.</summary>
    Connecting,
    /// <summary>Connected; registrations are live.</summary>
    Connected,
    /// <summary>The connection was lost; waiting to reconnect or reconnecting (then every registration is replayed).</summary>
    Reconnecting,
    /// <summary>Gave up: the first connection failed and <see cref="KisRealtimeOptions.RetryOnInitialConnect"/> is off.</summary>
    Faulted,
}

/// <summary>A session changed state.</summary>
public sealed class KisStateChangedEventArgs : EventArgs
{
    /// <summary>A state change, as a session raises it (plumbing for the gateway's client, which raises its own).</summary>
    [Experimental("KISRT0001")]
    public KisStateChangedEventArgs(int sessionIndex, string appKey, KisConnectionState previous, KisConnectionState current,
        string? reason, OpspCode? code, TimeSpan? retryIn)
    {
        SessionIndex = sessionIndex;
        AppKey = appKey;
        Previous = previous;
        Current = current;
        Reason = reason;
        Code = code;
        RetryIn = retryIn;
    }

    /// <summary>Which session (index into <see cref="KisRealtimeOptions.Credentials"/>).</summary>
    public int SessionIndex { get; }

    /// <summary>The session's app key, masked.</summary>
    public string AppKey { get; }

    /// <summary>The state before.</summary>
    public KisConnectionState Previous { get; }

    /// <summary>The state now.</summary>
    public KisConnectionState Current { get; }

    /// <summary>Why, in words (e.g. "app key in use by another session (OPSP8996)").</summary>
    public string? Reason { get; }

    /// <summary>The KIS code behind the change, if any (e.g. <see cref="OpspCode.AppKeyInUse"/>).</summary>
    public OpspCode? Code { get; }

    /// <summary>When reconnecting: the delay before the next attempt.</summary>
    public TimeSpan? RetryIn { get; }

    /// <inheritdoc/>
    public override string ToString() =>
        $"session {SessionIndex} ({AppKey}): {Previous} -> " +
            $"{Current}{(Reason is null ? "" : $": {Reason}")}{(RetryIn is { } d ? $" (retry in {d.TotalSeconds:0.0} s)" : "")}";
}
