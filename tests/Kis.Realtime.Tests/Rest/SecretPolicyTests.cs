using Kis.Realtime.Internal;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Simulator;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kis.Realtime.Tests.Rest;

/// <summary>One cache key (app key + secret hash) and one redaction for approval keys, tokens and REST errors.</summary>
public sealed class SecretPolicyTests
{
    [Fact]
    public async Task A_token_issued_for_one_secret_is_never_handed_out_for_another()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        using var http = new RestHttp(null, TimeProvider.System, TimeSpan.FromSeconds(10), 64 * 1024);
        var tokens = new AccessTokenProvider(http, sim.RestBaseUrl, null, TimeProvider.System, NullLogger.Instance);
        var good = new KisCredential(SimulatorOptions.DefaultAppKey, SimulatorOptions.DefaultAppSecret);
        Assert.False(string.IsNullOrEmpty(await tokens.GetAsync(good, null, default)));

        // Same app key, another (wrong) secret: the server must be asked, and it refuses.
        var e = await Assert.ThrowsAsync<KisRestException>(async () => await tokens.GetAsync(good with { AppSecret = "another-secret-5678" }, null, default));
        Assert.Equal("EGW00105", e.ErrorCode);
        Assert.DoesNotContain("another-secret-5678", e.ToString());
    }

    [Theory]
    // KIS's own words are never masked, and the parentheses stay as the server wrote them.
    [InlineData("유효하지 않은 AppSecret입니다. (invalid secretkey)", "유효하지 않은 AppSecret입니다. (invalid secretkey)")]
    [InlineData("유효하지 않은 token 입니다. (invalid token)", "유효하지 않은 token 입니다. (invalid token)")]
    // The secret, the app key and the token themselves are, wherever they appear.
    [InlineData("bad appsecret: s3cr3t-value-1234 (echoed)", "bad appsecret: **** (echoed)")]
    [InlineData("token tok-abc-0001 refused for PSappkey0001", "token **** refused for ****")]
    public void Server_text_masks_only_the_secrets_themselves(string text, string expected) =>
        Assert.Equal(expected, Redaction.ServerText(text, "s3cr3t-value-1234", "PSappkey0001", "tok-abc-0001"));
}
