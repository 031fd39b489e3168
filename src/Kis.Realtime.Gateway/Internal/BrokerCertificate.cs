using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>Validates the broker's TLS certificate against one private CA (a self-signed root) instead of the system's store.</summary>
internal static class BrokerCertificate
{
    /// <summary>
    /// A validation callback trusting only the CA in <paramref name="caFile"/> (PEM): the chain must end at it, the
    /// certificate must be valid now and carry the broker's name. Nothing is ever accepted without validation.
    /// </summary>
    /// <exception cref="ArgumentException">The file cannot be read as a PEM certificate.</exception>
    public static RemoteCertificateValidationCallback TrustingOnly(string caFile)
    {
        X509Certificate2 authority;
        try
        {
            authority = X509CertificateLoader.LoadCertificateFromFile(caFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new ArgumentException($"The CA certificate file '{caFile}' cannot be read: {e.Message}", nameof(caFile), e);
        }
        return (_, certificate, presentedChain, errors) =>
        {
            // A name mismatch or no certificate at all fails whatever the CA; only the chain is judged here against our root.
            if (certificate is null
                || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0) return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(authority);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // a private CA publishes no revocation list
            // Intermediates the broker sent may complete the chain; they are never trusted as roots.
            if (presentedChain is not null)
                foreach (var element in presentedChain.ChainElements) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            using var presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return chain.Build(presented);
        };
    }
}
