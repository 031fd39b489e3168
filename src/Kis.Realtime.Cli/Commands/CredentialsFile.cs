using System.Text.Json;
using System.Text.Json.Nodes;
using Kis.Realtime.Cli.Configuration;

namespace Kis.Realtime.Cli.Commands;

/// <summary>
/// The one app-keys file of the CLI: what <c>kisrt sim --app-keys-file</c> writes, and what <c>kisrt sim
/// --credentials-file</c> and <c>kisrt gateway --credentials-file</c> read. Two shapes are read: the library's
/// configuration (<c>{"Kis":{"Credentials":[{"AppKey":…,"AppSecret":…,"HtsId":…}]}}</c>, what <c>AddKisRealtime</c>
/// reads; the file starts with <c>{</c>) or one <c>APPKEY APPSECRET</c> a line (<c>#</c> comments). An error names the
/// entry, never a secret.
/// </summary>
internal static class CredentialsFile
{
    /// <summary>One entry: the HTS ID only in the configuration shape, when given.</summary>
    internal sealed record Entry(string AppKey, string AppSecret, string? HtsId)
    {
        /// <summary>Secrets masked: a record's ToString ends up in test output and logs.</summary>
        private bool PrintMembers(System.Text.StringBuilder builder)
        {
            builder.Append($"AppKey = {Masked.Key(AppKey)}, AppSecret = {Masked.Secret(AppSecret)}, HtsId = {HtsId}");
            return true;
        }
    }

    /// <summary>The entries of <paramref name="path"/> (at least one, no app key twice); <paramref name="option"/> names the option in errors.</summary>
    public static IReadOnlyList<Entry> Read(string path, string option)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliUsageException($"{option}: cannot read {path}: {e.Message}");
        }
        var entries = text.TrimStart().StartsWith('{') ? FromJson(text, path, option) : FromLines(text, option);
        if (entries.Count == 0) throw new CliUsageException($"{option}: {path} lists no app key.");
        if (entries.DistinctBy(c => c.AppKey).Count() != entries.Count)
            throw new CliUsageException($"{option}: an app key is listed twice (KIS allows one session per key).");
        return entries;
    }

    private static List<Entry> FromLines(string text, string option)
    {
        var entries = new List<Entry>();
        var lines = text.Split('\n').Select(l => (l.IndexOf('#') is var hash and >= 0 ? l[..hash] : l).Trim()).Where(l => l.Length > 0);
        foreach (var (line, number) in lines.Select((l, i) => (l, i + 1)))
        {
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2) throw new CliUsageException($"{option}: entry {number} is not `APPKEY APPSECRET`.");
            entries.Add(new Entry(parts[0], parts[1], null));
        }
        return entries;
    }

    private static List<Entry> FromJson(string text, string path, string option)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            // JsonException's message may quote the text around the error: a secret.
            throw new CliUsageException($"{option}: {path} is not JSON (the configuration shape {{\"Kis\":{{\"Credentials\":[…]}}}}).");
        }
        if (root?["Kis"]?["Credentials"] is not JsonArray list)
            throw new CliUsageException($"{option}: {path} has no Kis.Credentials list ([{{\"AppKey\":…,\"AppSecret\":…}}]).");
        return [.. list.Select((item, i) =>
        {
            string? key = null, secret = null, htsId = null;
            try
            {
                (key, secret, htsId) = (item?["AppKey"]?.GetValue<string>(), item?["AppSecret"]?.GetValue<string>(), item?["HtsId"]?.GetValue<string>());
            }
            catch (InvalidOperationException)
            {
                // a value that is not a string: refused below, without quoting it
            }
            if (string.IsNullOrEmpty(key) || string.IsNullOrEmpty(secret))
                throw new CliUsageException($"{option}: entry {i + 1} of {path} needs an AppKey and an AppSecret (strings).");
            return new Entry(key, secret, htsId);
        })];
    }
}
