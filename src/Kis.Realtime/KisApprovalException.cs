namespace Kis.Realtime;

/// <summary>Issuing a WebSocket approval key (<c>POST /oauth2/Approval</c>) failed: KIS refused the credentials or answered with an error.
/// <see cref="KisException.HttpStatus"/> and <see cref="KisException.ErrorCode"/> say how. Never carries the secret.
/// An approval server that cannot be reached gives <see cref="KisConnectionException"/>.</summary>
public sealed class KisApprovalException : KisException
{
    /// <summary>Creates the exception.</summary>
    public KisApprovalException(string message, int? httpStatus = null, string? errorCode = null, Exception? inner = null)
        : base(message, errorCode, httpStatus, inner)
    {
    }
}
