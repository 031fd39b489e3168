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

    /// <summary>The broker refused the user something (credentials, the vhost, an object's permission): a person must
    /// change the user or its permissions, so a start fails with one line (exit 4) instead of retrying for ever.</summary>
    public static bool IsRefusal(Exception e) => Kind(e) is BrokerFaultKind.AuthenticationRefused or BrokerFaultKind.VirtualHostRefused
        or BrokerFaultKind.PermissionRefused;

    /// <summary>
    /// A fault of the broker or of the way to it that a later try may not meet: the connection or a channel closed under an
    /// operation (320 CONNECTION_FORCED, 541 INTERNAL_ERROR, a missed heartbeat, a node restarting), the broker unreachable,
    /// a socket or an operation timing out. A refusal (<see cref="IsRefusal"/>) and a broker's answer that the request
    /// itself is wrong (404, 406: it would be wrong again) are not.
    /// </summary>
    public static bool IsTransient(Exception e)
    {
        if (IsRefusal(e)) return false;
        for (var x = (Exception?)e; x is not null; x = x.InnerException)
        {
            switch (x)
            {
                case OperationInterruptedException { ShutdownReason.ReplyCode: Constants.NotFound or Constants.PreconditionFailed }:
                    return false;
                case OperationInterruptedException or AlreadyClosedException or BrokerUnreachableException or ConnectFailureException
                    or System.Net.Sockets.SocketException or IOException or TimeoutException or RabbitMQ.Client.Exceptions.ProtocolViolationException:
                    return true;
            }
        }
        return false;
    }

    /// <summary>
    /// <paramref name="e"/> as the broker fault it is when it is a cancellation nobody asked for (<paramref name="asked"/>
    /// not cancelled): RabbitMQ.Client 7.2 ends an operation the broker did not answer within its continuation timeout
    /// as cancelled (see <see cref="BrokerChannels"/>), so it becomes a <see cref="TimeoutException"/>; else <paramref name="e"/>.
    /// </summary>
    public static Exception Unasked(Exception e, CancellationToken asked) =>
        e is OperationCanceledException && !asked.IsCancellationRequested ? new TimeoutException("the broker did not answer in time", e) : e;

    /// <summary>Any exception of the broker's client library or of the way to the broker (what a broker call site may meet).</summary>
    public static bool IsBrokerFault(Exception e) => e is RabbitMQClientException or OperationInterruptedException or AlreadyClosedException
        or System.Net.Sockets.SocketException or IOException || IsTransient(e);

    /// <summary>One phrase for a log line or the status: what the broker said, naming the user and the virtual host.</summary>
    public static string Describe(Exception e, string user, Uri amqpUri)
    {
        var vhost = VirtualHostOf(amqpUri);
        return Kind(e) switch
        {
            BrokerFaultKind.AuthenticationRefused => $"authentication refused for user {user} on vhost {vhost} (the broker refused the password)",
            BrokerFaultKind.VirtualHostRefused => $"access to vhost {vhost} refused for user {user} (no permissions on it; {Fix(user, vhost)})",
            BrokerFaultKind.PermissionRefused => $"no permission for user {user} on vhost {vhost}: {Detail(e)} ({Fix(user, vhost)})",
            BrokerFaultKind.Unreachable => $"the broker cannot be reached ({Detail(e)})",
            _ => Detail(e),
        };
    }

    /// <summary>What gives the user its permissions: the project's script, or rabbitmqctl by hand.</summary>
    private static string Fix(string user, string vhost) =>
        $"give it the gateway's permissions: scripts/rabbitmq-users.sh, or rabbitmqctl set_permissions -p {vhost} {user} (docs/gateway-security.md)";

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
