namespace Kis.Realtime;

/// <summary>
/// A KIS REST call failed: no answer, an HTTP error, a KIS error code (<c>rt_cd</c> ≠ 0), a redirect (refused: a
/// request carries secrets), an answer over the size limit or one that could not be read. Never carries the app
/// secret or the access token.
/// </summary>
public sealed class KisRestException : Exception
{
    /// <summary>Creates the exception.</summary>
    public KisRestException(string message, int? httpStatus = null, string? errorCode = null, Exception? inner = null)
        : base(message, inner)
    {
        HttpStatus = httpStatus;
        ErrorCode = errorCode;
    }

    /// <summary>The HTTP status of the answer, when there was one.</summary>
    public int? HttpStatus { get; }

    /// <summary>KIS's error code (<c>msg_cd</c> or <c>error_code</c>, e.g. <c>EGW00123</c>), when the answer had one.</summary>
    public string? ErrorCode { get; }
}
