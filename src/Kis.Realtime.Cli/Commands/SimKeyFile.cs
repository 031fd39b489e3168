using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Cli.Commands;

/// <summary>
/// <c>kisrt sim --app-keys N --app-keys-file PATH</c> and <c>--credentials-file PATH</c>: many app keys at once (a whole
/// market needs 132, 41 registrations each). The file has the library's configuration shape
/// (<c>{"Kis":{"Credentials":[{"AppKey":…,"AppSecret":…,"HtsId":…}]}}</c>, what <c>AddKisRealtime</c> reads), so the
/// program that connects reads the same file. Generated secrets are random, written user-only (mode 600) and never printed.
/// </summary>
internal static class SimKeyFile
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary><paramref name="count"/> new credentials: 36-character app keys (KIS's length), random secrets, HTS IDs simkey001 ….</summary>
    public static IReadOnlyList<SimulatorCredential> Generate(int count)
    {
        if (count is < 1 or > 10_000) throw new CliUsageException($"--app-keys must be 1 to 10000, not {count}.");
        return [.. Enumerable.Range(1, count).Select(i =>
            new SimulatorCredential($"PSsim{i:D4}" + RandomNumberGenerator.GetString(Alphabet, 27), RandomNumberGenerator.GetString(Alphabet, 64),
                $"simkey{i:D3}"))];
    }

    /// <summary>Writes <paramref name="credentials"/> to <paramref name="path"/>, readable by the user only.</summary>
    public static void Write(string path, IReadOnlyList<SimulatorCredential> credentials)
    {
        var list = new JsonArray([.. credentials.Select(c =>
            (JsonNode)new JsonObject { ["AppKey"] = c.AppKey, ["AppSecret"] = c.AppSecret, ["HtsId"] = c.HtsId })]);
        var text = new JsonObject { ["Kis"] = new JsonObject { ["Credentials"] = list } }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using (var stream = new FileStream(path, options))
            using (var writer = new StreamWriter(stream)) writer.Write(text);
            // An existing file keeps its mode on FileMode.Create: narrow it, the secrets are in it now.
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliUsageException($"--app-keys-file: cannot write {path}: {e.Message}");
        }
    }

    /// <summary>The credentials of a file in <see cref="Write"/>'s shape.</summary>
    public static IReadOnlyList<SimulatorCredential> Read(string path)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new CliUsageException($"--credentials-file: cannot read {path}: {e.Message}");
        }
        if (root?["Kis"]?["Credentials"] is not JsonArray list || list.Count == 0)
            throw new CliUsageException($"--credentials-file: {path} has no Kis.Credentials list ([{{\"AppKey\":…,\"AppSecret\":…}}]).");
        return [.. list.Select((item, i) =>
        {
            var key = item?["AppKey"]?.GetValue<string>();
            var secret = item?["AppSecret"]?.GetValue<string>();
            // The message names the entry, never a secret.
            if (string.IsNullOrEmpty(key) || string.IsNullOrEmpty(secret))
                throw new CliUsageException($"--credentials-file: entry {i} of {path} needs an AppKey and an AppSecret.");
            return new SimulatorCredential(key, secret, item?["HtsId"]?.GetValue<string>() ?? $"simkey{i + 1:D3}");
        })];
    }
}
