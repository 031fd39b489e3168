using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Tests.Client;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// What <c>kisrt record</c> keeps of secrets: approval keys are masked in recorded replies whatever their shape
/// (KIS echoes the rejected key in OPSP0011), and the files (raw.log holds each session's notice key and iv; the
/// decoded files may hold decrypted notices) are readable by their owner only.
/// </summary>
public class RecorderSecretsTests
{
    private const string Record = "0001^090001^2600.00^2^32.68^63952^1650684^439^10335^1.26^2615.72^2624.82^2610.00^23.86^2^32.96^2^18.14^2^0.92^1.27^0.70^" +
        "0^670^72^177^0^0^0^19";

    [Fact]
    public async Task An_approval_key_of_any_shape_echoed_in_OPSP0011_is_masked_in_raw_log_and_the_files_are_owner_only()
    {
        var shapes = 0;
        await using var server = ScriptedKisServer.Start(async c =>
        {
            var (_, trId, trKey) = await c.ReceiveRequestAsync() ?? throw new IOException("closed");
            // KIS's own wording, with the key the client sent (the first one issued).
            await c.SendTextAsync($"{{\"header\":{{\"tr_id\":\"{trId}\",\"tr_key\":\"{trKey}\",\"encrypt\":\"N\"}},\"body\":{{\"rt_cd\":\"1\"," +
                $"\"msg_cd\":\"OPSP0011\",\"msg1\":\"invalid approval : {c.Server.IssuedKeys.First()}\"}}}}");
            (_, trId, trKey) = await c.ReceiveRequestAsync() ?? throw new IOException("closed");
            await c.ReplyAsync(trId, trKey);
            await c.SendTextAsync("0|H0UPCNT0|001|" + Record);
            await c.ServeUntilClosedAsync();
        });
        // Not UUID-shaped: masked only if the client masks the keys it knows, not a pattern.
        server.NewApprovalKey = () => $"KeyOfAnotherShape.{Interlocked.Increment(ref shapes)}.zzzz";

        var dir = EmptyDirectory();
        var stderr = new StringWriter();
        var connection = Scripted(server, "index:0001");
        var exit = await RecordCommand.RunAsync(connection, dir, count: 1, duration: null, Env(), stderr, default).WaitAsync(CliTimeout);
        Assert.Equal(0, exit);
        Assert.Equal(2, server.IssuedKeys.Count); // OPSP0011 made the client ask for a new one

        var day = Assert.Single(Directory.GetDirectories(dir));
        var raw = await File.ReadAllTextAsync(Path.Combine(day, RecordCommand.RawFileName));
        Assert.Contains("OPSP0011", raw);
        foreach (var key in server.IssuedKeys) Assert.DoesNotContain(key, raw); // failed before: the reply was recorded verbatim
        Assert.DoesNotContain(server.IssuedKeys, key => stderr.ToString().Contains(key));
        Assert.Contains("abcdefghijklmnopabcdefghijklmnop", raw); // the notice key stays: kisrt decode needs it for recorded notices

        if (!OperatingSystem.IsWindows())
            foreach (var file in Directory.GetFiles(day))
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file)); // failed before: 0644
    }

    [Fact]
    public async Task Approval_keys_are_cached_user_only_in_the_environments_cache_folder_and_reused_by_the_next_run()
    {
        await using var server = ScriptedKisServer.Start(async c =>
        {
            var (_, trId, trKey) = await c.ReceiveRequestAsync() ?? throw new IOException("closed");
            await c.ReplyAsync(trId, trKey);
            await c.SendTextAsync("0|H0UPCNT0|001|" + Record);
            await c.ServeUntilClosedAsync();
        });
        var caches = EmptyDirectory();

        for (var run = 0; run < 2; run++)
        {
            var exit = await RecordCommand.RunAsync(Scripted(server, "index:0001"), EmptyDirectory(), count: 1, duration: null,
                Env(cacheDirectory: caches), new StringWriter(), default).WaitAsync(CliTimeout);
            Assert.Equal(0, exit);
        }

        // Failed before: the cache was the user's own file (LocalApplicationData/kisrt), shared by every test and run, so a
        // key cached for one scripted server reached another that reused its port and never issued it (a run that
        // reconnected until its timeout).
        var cache = Path.Combine(caches, "approval-keys.json");
        Assert.True(File.Exists(cache));
        Assert.Single(server.IssuedKeys); // the second run reused the cached key
        Assert.Contains(server.IssuedKeys.Single(), await File.ReadAllTextAsync(cache));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cache));
    }
}
