using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Kis.Realtime.Internal;

namespace Kis.Realtime.Tests.Client;

/// <summary>The cache file of approval keys and tokens, written by several processes that share a home folder.</summary>
public sealed class SecretFileTests
{
    private static readonly JsonTypeInfo<Dictionary<string, string>> Type =
        (JsonTypeInfo<Dictionary<string, string>>)JsonSerializerOptions.Default.GetTypeInfo(typeof(Dictionary<string, string>));

    [Fact]
    public async Task Writers_sharing_one_cache_file_never_fail_and_leave_it_whole()
    {
        // Two gateway processes of one user shared "approval-keys.json.tmp": one's move took the other's temp file away
        // ("could not be written (FileNotFoundException)"). Threads stand in for the processes: the file system is the same.
        var dir = Directory.CreateTempSubdirectory("kisrt-secretfile-");
        try
        {
            var path = Path.Combine(dir.FullName, "approval-keys.json");
            using var log = new CapturingLoggerProvider();
            var logger = log.CreateLogger("secrets");
            using var start = new Barrier(2);
            var writers = Enumerable.Range(0, 2).Select(w => Task.Run(() =>
            {
                start.SignalAndWait();
                for (var i = 0; i < 400; i++)
                    SecretFile.Write(path, new Dictionary<string, string> { ["writer"] = $"{w}", ["n"] = $"{i}" }, Type, logger);
            })).ToArray();
            await Task.WhenAll(writers);

            Assert.Empty(log.Lines);
            var last = SecretFile.Read(path, Type, logger);
            Assert.NotNull(last);
            Assert.Equal("399", last["n"]);
            Assert.Equal(["approval-keys.json"], dir.GetFiles().Select(f => f.Name)); // no temp file left behind
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
