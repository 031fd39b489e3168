using System.CommandLine;
using Kis.Realtime.Cli.Configuration;

namespace Kis.Realtime.Cli.Commands;

/// <summary>The broker options <c>kisrt gateway</c>, its <c>status</c> and <c>audit</c> share.</summary>
internal static partial class GatewayCommand
{
    internal static Option<string?> AmqpOption() => new("--amqp")
    {
        Description = "RabbitMQ URI (or KISRT_AMQP); default amqp://guest:guest@127.0.0.1:5672/. Name the user only (amqp://USER@host:5672/) and give " +
                      "the password with --amqp-password-file or KISRT_AMQP_PASSWORD: on the command line every `ps` shows it",
    };

    internal static Option<string?> PasswordFileOption() => new("--amqp-password-file")
    {
        Description = "a file holding the broker user's password (or KISRT_AMQP_PASSWORD_FILE; KISRT_AMQP_PASSWORD the password itself), for an --amqp URI " +
            "without one",
    };

    /// <summary>The --amqp-node values, each a host and port (nothing else: the URI's user and vhost apply to every node).</summary>
    private static string[] ClusterNodes(string[]? nodes)
    {
        foreach (var node in nodes ?? [])
            if (!Uri.TryCreate("amqp://" + node, UriKind.Absolute, out var parsed) || parsed.UserInfo.Length > 0 || parsed.PathAndQuery != "/"
                || node.EndsWith('/'))
                throw new CliUsageException($"--amqp-node: '{(node.Length > 60 ? node[..60] + "…" : node)}' is not host:port.");
        return nodes ?? [];
    }

    internal static Option<string?> NamespaceOption() => new("--namespace") { Description = "prefix of the gateway's queues and exchange (default kis)" };
}
