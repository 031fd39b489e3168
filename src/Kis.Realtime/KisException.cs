namespace Kis.Realtime;

/// <summary>
/// The base of every exception the library throws for a KIS, gateway or consumer failure
/// (<see cref="KisConnectionException"/>, <see cref="KisApprovalException"/>, <see cref="KisSubscriptionException"/>,
/// <see cref="KisSlowConsumerException"/>): catch it to handle them all. It carries KIS's code where there is one.
/// Messages never carry a secret.
/// </summary>
public abstract class KisException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="errorCode">KIS's code as received (<c>msg_cd</c> such as <c>OPSP0002</c>, or <c>error_code</c>), if any.</param>
    /// <param name="httpStatus">The HTTP status of a failed REST request, if any.</param>
    /// <param name="inner">The cause.</param>
    protected KisException(string message, string? errorCode = null, int? httpStatus = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorCode = errorCode;
        HttpStatus = httpStatus;
    }

    /// <summary>KIS's code as received: a subscription's <c>msg_cd</c> (e.g. <c>OPSP0002</c>) or the approval answer's <c>error_code</c>; null when KIS sent
    /// none.</summary>
    public string? ErrorCode { get; }

    /// <summary>The HTTP status of a failed REST request (approval key), when there was a response.</summary>
    public int? HttpStatus { get; }
}
