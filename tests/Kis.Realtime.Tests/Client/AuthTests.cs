using Kis.Realtime.Auth;
using Kis.Realtime.Simulator;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Client;

public sealed class AuthTests
{
    [Fact]
    public void Credential_never_prints_its_secret()
    {
        var c = new KisCredential("PSabcdefghijklmnopqrstuvwxyz0123456789", "super-secret-value-123");
        var text = c.ToString();
        Assert.DoesNotContain("super-secret", text);
        Assert.DoesNotContain("PSabcdefghijklmnop", text);
        Assert.Contains("PSab****", text);
        var options = KisRealtimeOptions.Default with { Credentials = [c] };
        Assert.DoesNotContain("super-secret", options.ToString());
        Assert.DoesNotContain("super-secret", new { c }.ToString());
    }

    [Fact]
    public void Options_are_validated_with_clear_errors()
    {
        Assert.Throws<ArgumentException>(() => new KisRealtimeClient(KisRealtimeOptions.Default));
        var c = new KisCredential("key", "secret");
        Assert.Throws<ArgumentException>(() => new KisRealtimeClient(KisRealtimeOptions.Default with { Credentials = [c, c] }));
        var e = Assert.Throws<ArgumentException>(() => new KisRealtimeClient(KisRealtimeOptions.Default with { Credentials = [new("key", "")] }));
        Assert.DoesNotContain("secret", e.Message.Replace("app secret", ""));
    }

    [Fact]
    public async Task Approval_key_is_cached_in_a_user_only_file_and_reused()
    {
        await using var sim = await StartSimAsync();
        var file = Path.Combine(Path.GetTempPath(), $"kisrt-test-{Guid.NewGuid():N}", "approval.json");
        try
        {
            var options = Options(sim) with { ApprovalKeyCacheFile = file };
            await using (var client = new KisRealtimeClient(options))
            {
                await client.ConnectAsync().WaitAsync(TestTimeout);
            }
            Assert.True(File.Exists(file));
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            Assert.DoesNotContain(SimulatorOptions.DefaultAppSecret, await File.ReadAllTextAsync(file));

            await using (var client = new KisRealtimeClient(options))
            {
                await using var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
                await ticks.NextAsync(); // the cached key is accepted
            }
            Assert.Equal(1, sim.Counters.ApprovalKeysIssued);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    [Fact]
    public async Task Approval_key_expires_after_its_lifetime()
    {
        await using var sim = await StartSimAsync();
        var time = new ManualTime(DateTimeOffset.UtcNow);
        using var provider = new ApprovalKeyProvider(sim.RestBaseUrl, null, time, NullLogger.Instance);
        var credential = DefaultCredential;
        var k1 = await provider.GetAsync(credential, null, CancellationToken.None);
        Assert.Equal(k1, await provider.GetAsync(credential, null, CancellationToken.None));
        time.Advance(ApprovalKeyProvider.Lifetime - TimeSpan.FromMinutes(1));
        Assert.Equal(k1, await provider.GetAsync(credential, null, CancellationToken.None));
        time.Advance(TimeSpan.FromMinutes(2));
        var k2 = await provider.GetAsync(credential, null, CancellationToken.None);
        Assert.NotEqual(k1, k2);
        Assert.NotEqual(k2, await provider.GetAsync(credential, k2, CancellationToken.None)); // rejected by the server: reissue
        Assert.Equal(3, provider.IssuedCount);
    }

    [Fact]
    public async Task Wrong_secret_gives_a_typed_error_without_the_secret()
    {
        await using var sim = await StartSimAsync();
        await using var client = new KisRealtimeClient(Options(sim, new KisCredential(SimulatorOptions.DefaultAppKey, "wrong-secret-xyz")));
        var e = await Assert.ThrowsAsync<KisApprovalException>(() => client.ConnectAsync());
        Assert.DoesNotContain("wrong-secret-xyz", e.ToString());
        Assert.NotNull(e.HttpStatus);
    }

    [Fact]
    public async Task Logs_never_contain_the_secret_or_the_approval_key()
    {
        await using var sim = await StartSimAsync();
        var sink = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(sink).SetMinimumLevel(LogLevel.Trace));
        await using (var client = new KisRealtimeClient(Options(sim) with { LoggerFactory = factory }))
        {
            await using var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
            await ticks.NextAsync();
            await sim.Faults.ExpireApprovalKeys();
            await sim.Faults.DropConnections();
            await UntilAsync(() => sim.Counters.ApprovalKeysIssued == 2, "a reissued key");
            await ticks.NextAsync();
        }
        Assert.NotEmpty(sink.Lines);
        var all = string.Join("\n", sink.Lines);
        Assert.DoesNotContain(SimulatorOptions.DefaultAppSecret, all);
        Assert.DoesNotContain(SimulatorOptions.DefaultAppKey, all);
        // The client closed its sessions. The simulator forgets one after its own side of the close, which can come
        // a moment after the client's DisposeAsync returns: wait for it rather than read the list once.
        await UntilAsync(() => sim.Sessions.Count == 0, "the simulator to see every session closed");
    }
}

/// <summary>A clock the test moves by hand (Microsoft.Extensions.TimeProvider.Testing is not available here).</summary>
internal sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;
    public override DateTimeOffset GetUtcNow() => _now;
    public void Advance(TimeSpan by) => _now += by;
}
