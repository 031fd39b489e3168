namespace Kis.Realtime.Gateway;

/// <summary>
/// <see cref="KisGatewayAudit"/> could not finish: the broker ended a stream's read before its end (the connection closed,
/// the consumer cancelled: the stream deleted, its node gone). What was read is not judged, so no partial read passes for a
/// clean audit; <c>kisrt gateway audit</c> exits 3. Run it again.
/// </summary>
public sealed class KisGatewayAuditIncompleteException : KisException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="stream">The stream whose read the broker ended; null for the namespace's list of streams.</param>
    /// <param name="messagesRead">Messages read from it before.</param>
    /// <param name="cause">What the broker said or did.</param>
    /// <param name="inner">The cause, when an operation failed.</param>
    public KisGatewayAuditIncompleteException(string? stream, long messagesRead, string cause, Exception? inner = null)
        : base($"audit incomplete: the broker ended the read of {(stream is null ? "the namespace's list of streams" : "stream " + stream)} after " +
               $"{messagesRead} messages ({cause}); nothing was judged, run it again", inner: inner)
    {
        Stream = stream;
        MessagesRead = messagesRead;
    }

    /// <summary>The stream whose read the broker ended; null for the namespace's list of streams.</summary>
    public string? Stream { get; }

    /// <summary>Messages read from <see cref="Stream"/> before the broker ended the read.</summary>
    public long MessagesRead { get; }
}
