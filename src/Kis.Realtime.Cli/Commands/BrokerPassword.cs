using Kis.Realtime.Cli.Configuration;

namespace Kis.Realtime.Cli.Commands;

/// <summary>
/// The broker user's password from a file or the environment, put into the AMQP URI in memory only: a password given
/// on the command line (<c>--amqp amqp://user:PASSWORD@…</c>) is in every process listing. Never echoed.
/// </summary>
internal static class BrokerPassword
{
    /// <summary><paramref name="uri"/> with the password of <paramref name="file"/> (its first line) or <paramref name="variable"/>; unchanged without
    /// either.</summary>
    public static Uri Apply(Uri uri, string? file, string? variable)
    {
        string password;
        if (!string.IsNullOrEmpty(file))
        {
            if (!File.Exists(file)) throw new CliUsageException($"--amqp-password-file: no file {file}.");
            password = File.ReadLines(file).FirstOrDefault() ?? "";
            if (password.Length == 0) throw new CliUsageException($"--amqp-password-file: {file} is empty.");
        }
        else if (!string.IsNullOrEmpty(variable)) password = variable;
        else return uri;
        var user = uri.UserInfo;
        if (user.Length == 0) throw new CliUsageException("--amqp: the broker password was given apart: name its user in the URI (amqp://USER@host:5672/).");
        if (user.Contains(':')) throw new CliUsageException(
            "--amqp: the URI carries a password and one was given apart (file or KISRT_AMQP_PASSWORD): give it once, apart.");
        // user is as the URI escaped it; the password is escaped here, and RabbitMQ's client unescapes both.
        return new Uri($"{uri.Scheme}://{user}:{Uri.EscapeDataString(password)}@{uri.Authority}{uri.PathAndQuery}");
    }
}
