using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Cli.Commands;

/// <summary>
/// <c>kisrt sim --app-keys N --app-keys-file PATH</c> and <c>--credentials-file PATH</c> (read by <see cref="CredentialsFile"/>,
/// as the gateway reads it): many app keys at once (a whole
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

    /// <summary>The credentials of a file in <see cref="Write"/>'s shape or the gateway's lines (<see cref="CredentialsFile"/>).</summary>
    public static IReadOnlyList<SimulatorCredential> Read(string path)
        => [.. CredentialsFile.Read(path, "--credentials-file")
            .Select((e, i) => new SimulatorCredential(e.AppKey, e.AppSecret, e.HtsId ?? $"simkey{i + 1:D3}"))];
}
