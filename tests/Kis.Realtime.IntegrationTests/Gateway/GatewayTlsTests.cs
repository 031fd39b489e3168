using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// The gateway and a consumer over amqps:// to the TLS listener scripts/services.sh gives the local broker
/// (127.0.0.1:5671, a certificate signed by a self-signed CA it makes in /etc/rabbitmq/kisrt-tls).
/// </summary>
public class GatewayTlsTests
{
    private static readonly string CaFile = Environment.GetEnvironmentVariable("KISRT_TEST_AMQPS_CA") is { Length: > 0 } ca ? ca
        : "/etc/rabbitmq/kisrt-tls/ca.pem";
    private static readonly Uri TlsUri = new(Environment.GetEnvironmentVariable("KISRT_TEST_AMQPS") is { Length: > 0 } uri ? uri
        : "amqps://guest:guest@127.0.0.1:5671/");

    [RabbitFact]
    public async Task Gateway_and_consumer_talk_over_TLS_trusting_only_the_given_CA()
    {
        Assert.True(File.Exists(CaFile), $"{CaFile} missing: run scripts/services.sh (it makes the test CA and the broker's TLS listener)");
        await using var broker = await RabbitTestBroker.CreateAsync(); // cleanup of the namespace, over plain AMQP
        var endpoint = broker.Endpoint with { AmqpUri = TlsUri, CaCertificateFile = CaFile };
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(100) });
        await using var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
        {
            Client = Options(sim), Endpoint = endpoint, StreamMaxSegmentSizeBytes = 1024 * 1024, StreamMaxLengthBytes = 16L * 1024 * 1024,
        });
        await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with { Endpoint = endpoint });
        await using var ticks = consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001").GetAsyncEnumerator();
        Assert.True(await ticks.MoveNextAsync().AsTask().WaitAsync(TestTimeout));
        Assert.Equal("0001", ticks.Current.TrKey);

        // Without the CA the broker's certificate is not trusted: no connection (validation is never off).
        await using var untrusting = new KisGatewayClient(KisGatewayClientOptions.Default with { Endpoint = endpoint with { CaCertificateFile = null } });
        await Assert.ThrowsAsync<KisConnectionException>(() => untrusting.ConnectAsync().WaitAsync(TestTimeout));
        // A name the certificate does not carry is refused even with the CA; the certificate itself passes.
        var check = BrokerCertificate.TrustingOnly(CaFile);
        using var server = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(
            Path.Combine(Path.GetDirectoryName(CaFile)!, "server.pem"));
        Assert.True(check(this, server, null, System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(check(this, server, null, System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch));
        // Signed by another CA: refused.
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=localhost", key,
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var stranger = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        Assert.False(check(this, stranger, null, System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors));
    }

    [Fact]
    public void A_CA_file_without_amqps_is_a_clear_error()
    {
        var endpoint = KisGatewayEndpoint.Default with { CaCertificateFile = "/nonexistent/ca.pem" };
        Assert.Throws<ArgumentException>(() => endpoint.CreateFactory("test"));
    }
}
