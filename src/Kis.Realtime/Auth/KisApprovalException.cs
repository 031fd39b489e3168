namespace Kis.Realtime;

/// <summary>Issuing a WebSocket approval key (<c>POST /oauth2/Approval</c>) failed. Never carries the secret.</summary>
public sealed class KisApprovalException : Exception
{
    /// <summary>Creates the exception.</summary>
    public KisApprovalException(string message, int? httpStatus = null, string? errorCode = null, Exception? inner = null)
        : base(message, inner)
    {
        HttpStatus = httpStatus;
        ErrorCode = errorCode;
    }

    /// <summary>The HTTP status of the failed request, when there was a response.</summary>
    public int? HttpStatus { get; }

    /// <summary>KIS's error code from the response body (e.g. <c>error_code</c>), when present.</summary>
    public string? ErrorCode { get; }
}
