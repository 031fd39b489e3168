namespace Kis.Realtime.Gateway;

/// <summary>
/// The broker refused this gateway's credentials at start: authentication (a wrong or rotated password, an unknown user)
/// or access to the virtual host. Retrying with the same credentials cannot help; <c>kisrt gateway</c> exits 4.
/// </summary>
public sealed class KisBrokerRefusedException : KisException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What the broker said, naming the user and the virtual host (never the password).</param>
    /// <param name="inner">The cause.</param>
    public KisBrokerRefusedException(string message, Exception? inner = null) : base(message, inner: inner)
    {
    }
}
