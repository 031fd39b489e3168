namespace Kis.Realtime;

/// <summary>
/// A session could not be established: nothing listening (the WebSocket server or the REST server issuing the approval key), no WebSocket upgrade, a handshake
/// that failed or timed out.
/// Thrown by <see cref="KisRealtimeClient.ConnectAsync"/> (and a subscription's first <c>MoveNextAsync</c>) when the
/// first connection fails and <see cref="KisRealtimeOptions.RetryOnInitialConnect"/> is off. Later losses are
/// retried by the session and reported through <see cref="KisRealtimeClient.StateChanged"/>.
/// </summary>
public sealed class KisConnectionException : KisException
{
    /// <summary>Creates the exception.</summary>
    public KisConnectionException(Uri url, string reason, Exception? inner = null)
        : base($"Could not connect to {url}: {reason}", inner: inner)
    {
        Url = url;
        Reason = reason;
    }

    /// <summary>The WebSocket URL that was tried.</summary>
    public Uri Url { get; }

    /// <summary>What went wrong, in words (e.g. "connection refused", "timed out after 10 s").</summary>
    public string Reason { get; }
}

/// <summary>
/// A consumer in <see cref="KisFullMode.Wait"/> kept its buffer full longer than
/// <see cref="KisRealtimeOptions.SlowConsumerTimeout"/>; its subscription was ended so the session could go on.
/// </summary>
public sealed class KisSlowConsumerException : KisException
{
    /// <summary>Creates the exception.</summary>
    public KisSlowConsumerException(string trId, string trKey, TimeSpan timeout)
        : base($"The consumer of {trId} {trKey} kept its buffer full for {timeout.TotalSeconds:0.#} s and was ended so its session could go on.")
    {
        TrId = trId;
        TrKey = trKey;
    }

    /// <summary>The TR id.</summary>
    public string TrId { get; }

    /// <summary>The key.</summary>
    public string TrKey { get; }
}
