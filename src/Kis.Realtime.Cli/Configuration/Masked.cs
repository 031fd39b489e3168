using Kis.Realtime.PostgreSql.Internal;

namespace Kis.Realtime.Cli.Configuration;

/// <summary>
/// How kisrt's records print what they hold of a credential (a record's ToString ends up in test output and logs): an app
/// key the one way <see cref="KisCredential.Mask"/> does, a secret never, a connection string or broker URI without its password.
/// </summary>
internal static class Masked
{
    public static string Key(string? appKey) => appKey is null ? "" : KisCredential.Mask(appKey);

    public static string Secret(string? secret) => secret is null ? "" : "****";

    /// <summary>host:port/database of an Npgsql connection string: its password and user never.</summary>
    public static string ConnectionString(string? connectionString)
    {
        if (connectionString is null) return "";
        try
        {
            return PostgresRecorder.Describe(connectionString);
        }
        catch (ArgumentException)
        {
            return "(not a connection string)";
        }
    }

    /// <summary>A broker URI with its password replaced by ***.</summary>
    public static string BrokerUri(string? uri) => uri is null ? ""
        : !Uri.TryCreate(uri, UriKind.Absolute, out var parsed) ? "(not a URI)"
        : parsed.UserInfo.Contains(':') ? new UriBuilder(parsed) { Password = "***" }.Uri.ToString() : uri;
}
