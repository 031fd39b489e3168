using System.Net;
using System.Text;
using System.Text.Json;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Simulator;

public sealed class ApprovalTests
{
    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(KisSimulator sim, string json)
    {
        using var http = new HttpClient { BaseAddress = sim.RestBaseUrl };
        using var response = await http.PostAsync("/oauth2/Approval", new StringContent(json, Encoding.UTF8, "application/json"));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        return (response.StatusCode, body);
    }

    [Fact]
    public async Task Valid_credentials_get_a_uuid_like_approval_key()
    {
        await using var sim = await Sim.StartAsync();
        var (status, body) = await PostAsync(sim,
            $$"""{"grant_type":"client_credentials","appkey":"{{SimulatorOptions.DefaultAppKey}}","secretkey":"{{SimulatorOptions.DefaultAppSecret}}"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        var key = body.GetProperty("approval_key").GetString();
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", key);
        Assert.Equal(1, sim.Counters.ApprovalKeysIssued);
    }

    [Theory]
    [InlineData("not json", HttpStatusCode.BadRequest, "EGW00002")]
    [InlineData("""{"appkey":"x","secretkey":"y"}""", HttpStatusCode.BadRequest, "EGW00101")]
    [InlineData("""{"grant_type":"password","appkey":"x","secretkey":"y"}""", HttpStatusCode.BadRequest, "EGW00101")]
    [InlineData("""{"grant_type":"client_credentials","secretkey":"y"}""", HttpStatusCode.BadRequest, "EGW00102")]
    [InlineData("""{"grant_type":"client_credentials","appkey":"PSsimKisRealtimeDefaultAppKey0000000"}""", HttpStatusCode.BadRequest, "EGW00104")]
    [InlineData("""{"grant_type":"client_credentials","appkey":"unknown","secretkey":"y"}""", HttpStatusCode.Forbidden, "EGW00103")]
    [InlineData("""{"grant_type":"client_credentials","appkey":"PSsimKisRealtimeDefaultAppKey0000000","secretkey":"wrong"}""", HttpStatusCode.Forbidden,
        "EGW00105")]
    public async Task Bad_requests_get_a_non_200_json_error_with_code_and_message(string json, HttpStatusCode expected, string code)
    {
        await using var sim = await Sim.StartAsync();
        var (status, body) = await PostAsync(sim, json);
        Assert.Equal(expected, status);
        Assert.Equal(code, body.GetProperty("error_code").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error_description").GetString()));
        Assert.Equal(1, sim.Counters.ApprovalRequestsRejected);
    }

    [Fact]
    public async Task Configured_credentials_replace_the_default()
    {
        await using var sim = await Sim.StartAsync(o => o with { Credentials = [new SimulatorCredential("MYKEY123456", "MYSECRET", "me01")] });
        await Assert.ThrowsAsync<InvalidOperationException>(() => sim.IssueApprovalKeyAsync());
        Assert.NotEmpty(await sim.IssueApprovalKeyAsync("MYKEY123456", "MYSECRET"));
    }

    [Fact]
    public void Expired_keys_are_pruned_when_a_new_key_is_issued()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 21, 0, 30, 0, TimeSpan.Zero));
        var store = new Kis.Realtime.Simulator.Hosting.ApprovalKeyStore(clock, TimeSpan.FromHours(24));
        var credential = new SimulatorCredential("PSabcdefghijklmnop", "secret", "me01");
        var old1 = store.Issue(credential);
        store.Issue(credential);
        clock.Advance(TimeSpan.FromHours(20));
        var young = store.Issue(credential);
        Assert.Equal(3, store.Count);
        clock.Advance(TimeSpan.FromHours(5)); // the first two are 25 h old, never presented again
        var fresh = store.Issue(credential);
        Assert.Equal(2, store.Count);
        Assert.False(store.TryValidate(old1, out _));
        Assert.True(store.TryValidate(young, out _));
        Assert.True(store.TryValidate(fresh, out _));
    }

    [Fact]
    public void Secrets_are_masked_in_ToString()
    {
        var c = new SimulatorCredential("PSabcdefghijklmnop", "supersecret", "me01");
        Assert.DoesNotContain("supersecret", c.ToString());
        Assert.DoesNotContain("PSabcdefghijklmnop", c.ToString());
    }
}
