using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Kis.Realtime.Gateway.Wire;

/// <summary>
/// What the broker said when a connection (or an operation on one) failed, in the words an operator acts on: a wrong or
/// rotated password is "authentication refused for user X on vhost Y", not "the broker cannot be reached" (which sent
/// teams looking at the network while the gateway sat as a standby with no active beside it).
/// </summary>
internal static class BrokerFault
{
    /// <summary>The broker refused the credentials or the virtual host: retrying with the same ones cannot help.</summary>
    public static bool IsCredentialRefusal(Exception e) => Kind(e) is BrokerFaultKind.AuthenticationRefused or BrokerFaultKind.VirtualHostRefused;

    /// <summary>One phrase for a log line or the status: what the broker said, naming the user and the virtual host.</summary>
    public static string Describe(Exception e, KisGatewayEndpoint endpoint)
    {
        var user = endpoint.UserName;
        var vhost = VirtualHostOf(endpoint.AmqpUri);
        return Kind(e) switch
        {
            BrokerFaultKind.AuthenticationRefused => $"authentication refused for user {user} on vhost {vhost} (the broker refused the password)",
            BrokerFaultKind.VirtualHostRefused => $"access to vhost {vhost} refused for user {user} (no permissions on it)",
            BrokerFaultKind.PermissionRefused => $"no permission for user {user} on vhost {vhost}: {Detail(e)}",
            BrokerFaultKind.Unreachable => $"the broker cannot be reached ({Detail(e)})",
            _ => Detail(e),
        };
    }

    private static BrokerFaultKind Kind(Exception e)
    {
        for (var x = (Exception?)e; x is not null; x = x.InnerException)
        {
            switch (x)
            {
                case AuthenticationFailureException:
                    return BrokerFaultKind.AuthenticationRefused;
                case OperationInterruptedException { ShutdownReason.ReplyCode: Constants.NotAllowed }:
                    return BrokerFaultKind.VirtualHostRefused;
                case OperationInterruptedException { ShutdownReason.ReplyCode: Constants.AccessRefused }:
                    return BrokerFaultKind.PermissionRefused;
                case AggregateException aggregate when aggregate.InnerExceptions.Count > 0:
                    var inner = aggregate.InnerExceptions.Select(Kind).FirstOrDefault(k => k != BrokerFaultKind.Other);
                    if (inner != BrokerFaultKind.Other) return inner;
                    break;
            }
        }
        return e is BrokerUnreachableException or System.Net.Sockets.SocketException or ConnectFailureException
            ? BrokerFaultKind.Unreachable
            : BrokerFaultKind.Other;
    }

    /// <summary>The innermost message (the broker's reply text, or the socket's error), never the URI's password.</summary>
    private static string Detail(Exception e)
    {
        var x = e;
        while (x.InnerException is { } inner && x is BrokerUnreachableException or AggregateException) x = inner;
        if (x is OperationInterruptedException { ShutdownReason: { } reason }) return reason.ReplyText;
        return x.Message;
    }

    /// <summary>The virtual host of an AMQP URI as RabbitMQ.Client takes it ("/" when the path is empty or "/").</summary>
    internal static string VirtualHostOf(Uri amqpUri)
    {
        var path = amqpUri.AbsolutePath;
        return path.Length <= 1 ? "/" : Uri.UnescapeDataString(path[1..]);
    }

    private enum BrokerFaultKind
    {
        Other,
        Unreachable,
        AuthenticationRefused,
        VirtualHostRefused,
        PermissionRefused,
    }
}
