using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Cli.Commands;

/// <summary>
/// <c>kisrt sim</c>'s credentials: the main one (<c>--app-key</c>, <c>--app-secret</c>, <c>--hts-id</c>) and every
/// <c>--account</c>, each account owned by its app key from the start (issue 42, item 4: KIS issues an app key per
/// account, so a program trading two accounts holds two keys).
/// </summary>
internal static class SimCredentials
{
    /// <summary>
    /// The credentials <paramref name="accounts"/> name: <c>ACCOUNT</c> is the main key's,
    /// <c>KEY:SECRET:ACCOUNT[:HTSID]</c> another key's (repeated with the same key and secret for its other accounts).
    /// A key given without an HTS ID gets one of its own (simuser02, simuser03 …), so its notices are its own.
    /// </summary>
    public static IReadOnlyList<SimulatorCredential> From(string? appKey, string? appSecret, string? htsId, IReadOnlyList<string>? accounts)
    {
        var main = new SimulatorCredential(
            appKey ?? SimulatorOptions.DefaultAppKey, appSecret ?? SimulatorOptions.DefaultAppSecret, htsId ?? SimulatorOptions.DefaultHtsId);
        var keys = new List<(string Key, string Secret, string? HtsId, List<string> Accounts)> { (main.AppKey, main.AppSecret, main.HtsId, []) };
        foreach (var given in accounts ?? [])
        {
            var parts = given.Split(':');
            var (key, secret, account, hts) = parts.Length switch
            {
                1 => (main.AppKey, main.AppSecret, parts[0], null),
                3 => (parts[0], parts[1], parts[2], null),
                4 => (parts[0], parts[1], parts[2], parts[3]),
                _ => throw new CliUsageException(
                    $"--account takes ACCOUNT (the --app-key's) or KEY:SECRET:ACCOUNT[:HTSID], not {parts.Length} ':'-separated parts."),
            };
            if (key.Length == 0 || secret.Length == 0 || hts is { Length: 0 })
                throw new CliUsageException("--account: the app key, secret and HTS ID must not be empty (KEY:SECRET:ACCOUNT[:HTSID]).");
            // The account's form is checked with the other options (SimulatorOptions.Validate), in the same words.
            var index = keys.FindIndex(k => k.Key == key);
            if (index < 0)
            {
                keys.Add((key, secret, hts, [account]));
                continue;
            }
            var known = keys[index];
            // The secret is never echoed: the message names the key only.
            if (known.Secret != secret) throw new CliUsageException($"--account: app key {key} is given with two different secrets.");
            if (hts is not null && known.HtsId is not null && known.HtsId != hts)
                throw new CliUsageException($"--account: app key {key} is given with two HTS IDs ({known.HtsId}, {hts}).");
            known.Accounts.Add(account);
            keys[index] = known with { HtsId = known.HtsId ?? hts };
        }

        var used = keys.Where(k => k.HtsId is not null).Select(k => k.HtsId!).ToHashSet(StringComparer.Ordinal);
        var next = 2;
        return [.. keys.Select(k => new SimulatorCredential(k.Key, k.Secret, k.HtsId ?? NextHtsId()) { Accounts = [.. k.Accounts] })];

        string NextHtsId()
        {
            string id;
            do id = $"simuser{next++:00}"; while (!used.Add(id));
            return id;
        }
    }

    /// <summary>The startup lines that name each credential: its key, whether its secret is the public default, its HTS
    /// ID and accounts (no secret of the user's is printed).</summary>
    public static IEnumerable<string> Describe(IReadOnlyList<SimulatorCredential> credentials, bool anyHtsId)
    {
        foreach (var credential in credentials)
        {
            yield return $"  app key       : {credential.AppKey}";
            yield return credential.AppSecret == SimulatorOptions.DefaultAppSecret
                ? $"  app secret    : {credential.AppSecret}   (the documented simulator default)"
                : "  app secret    : (as given on the command line)";
            yield return $"  HTS ID        : {credential.HtsId}{(anyHtsId ? " (any HTS ID accepted)" : "")}";
            yield return credential.Accounts.Count == 0
                ? "  accounts      : any account number it uses first"
                : $"  accounts      : {string.Join(", ", credential.Accounts)} (this key's only), and any other it uses first";
        }
    }
}
