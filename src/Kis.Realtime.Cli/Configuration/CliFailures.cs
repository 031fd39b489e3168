using System.Net.WebSockets;

namespace Kis.Realtime.Cli.Configuration;

/// <summary>The run failed for a reason outside the command line (network, approval key, files): one line, exit code 3.</summary>
internal sealed class CliRunException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The exit codes the README promises, and the one line each failure prints.</summary>
internal static class CliFailures
{
    public const int Done = 0;
    public const int SomeInputFailed = 1;
    public const int Usage = 2;
    public const int RunFailed = 3;
    /// <summary>The broker refused the gateway's credentials at start (authentication, virtual host): a person must fix them,
    /// a restart with the same ones cannot help (a supervisor: systemd's RestartPreventExitStatus=4).</summary>
    public const int BrokerRefused = 4;
    /// <summary><c>kisrt gateway audit</c> found records missing that the streams do not state, or a wrong announcement.</summary>
    public const int AuditFound = 5;

    /// <summary>
    /// Maps an exception that ended a command to its exit code and the one line that says what to fix; null for an
    /// exception that is a bug (it should crash with its stack trace, not be dressed up as a user error).
    /// </summary>
    public static (int ExitCode, string Message)? Describe(Exception e) => e switch
    {
        CliUsageException => (Usage, e.Message),
        CliRunException => (RunFailed, e.Message),
        Kis.Realtime.Gateway.KisBrokerRefusedException => (BrokerRefused, $"{Sentence(e.Message)} Check the user and password (--amqp, " +
            "--amqp-password-file, KISRT_AMQP_PASSWORD) and the user's permissions on the vhost; restarting with the same credentials cannot help."),
        // Read, not judged: never a verdict, and not a refusal (running it again can help).
        Kis.Realtime.Gateway.KisGatewayAuditIncompleteException => (RunFailed, Sentence(e.Message)),
        // A broker fault no call site typed (each should): still one line, a refusal with the exit code of refusals.
        _ when RefusedPassword(e) => (BrokerRefused, "RabbitMQ refused the user's password. Check the user and password (--amqp, " +
            "--amqp-password-file, KISRT_AMQP_PASSWORD); restarting with the same credentials cannot help."),
        RabbitMQ.Client.Exceptions.OperationInterruptedException { ShutdownReason.ReplyCode: RabbitMQ.Client.Constants.AccessRefused
            or RabbitMQ.Client.Constants.NotAllowed } refused => (BrokerRefused, $"RabbitMQ refused: {Sentence(refused.ShutdownReason!.ReplyText)} " +
            "Give the user its permissions on the vhost (scripts/rabbitmq-users.sh, or rabbitmqctl set_permissions; docs/gateway-security.md)."),
        RabbitMQ.Client.Exceptions.RabbitMQClientException => (RunFailed, $"RabbitMQ: {Sentence(e.Message)} Check the broker (rabbitmqctl status) " +
            "and its log."),
        Kis.Realtime.Simulator.KisSimulatorStateException => (RunFailed, e.Message),
        KisConnectionException or WebSocketException => (RunFailed, ConnectionFailed(e)),
        KisApprovalException approval => (RunFailed, ApprovalFailed(approval)),
        KisRestException => (RunFailed, e.Message),
        InvalidDataException => (RunFailed, e.Message), // a damaged file of ours (an order journal): it names the file and line
        FileNotFoundException or DirectoryNotFoundException => (RunFailed, $"{e.Message} Check the path."),
        UnauthorizedAccessException => (RunFailed, $"{e.Message} Check the file's permissions."),
        IOException or System.Net.Sockets.SocketException or System.Net.Http.HttpRequestException or TimeoutException
            or Npgsql.NpgsqlException => (RunFailed, e.Message),
        KisSubscriptionException or KisSlowConsumerException => (SomeInputFailed, e.Message),
        _ => null,
    };

    /// <summary>The broker refused the password: RabbitMQ.Client's <c>AuthenticationFailureException</c> among the inner exceptions.</summary>
    private static bool RefusedPassword(Exception e)
    {
        for (var x = (Exception?)e; x is not null; x = x.InnerException)
            if (x is RabbitMQ.Client.Exceptions.AuthenticationFailureException) return true;
        return false;
    }

    /// <summary>An argument's message without .NET's " (Parameter 'Quantity')": a name the command line does not use.</summary>
    public static string WithoutParameter(ArgumentException e) =>
        e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;

    /// <summary>The first connection failed: name the URL and the setting that chose it.</summary>
    public static string ConnectionFailed(Exception e)
    {
        // The approval (REST) server comes first: its URL is a different setting.
        if (e is KisConnectionException { InnerException: KisApprovalException approval } rest)
            return $"could not reach the approval server {rest.Url}: {Sentence(approval.Message)} Check --rest-url / KIS_REST_URL and the network.";
        var what = e is KisConnectionException c ? $"could not connect to {c.Url}: {c.Reason}" : Uncapitalise(e.Message);
        // A gateway client (gateway status, dashboard --gateway) talks to RabbitMQ: KIS's URL settings play no part.
        if (e is KisConnectionException { Url.Scheme: "amqp" or "amqps" })
            return $"{Sentence(what)} Check that RabbitMQ and `kisrt gateway` are running at this broker URI, with this --namespace.";
        return $"{Sentence(what)} Check that the server is running and --ws-url / KIS_WS_URL (KIS itself: leave it unset).";
    }

    /// <summary>The text as one sentence ending in exactly one closing mark (a reason may end in one already).</summary>
    public static string Sentence(string text)
    {
        // A question or an exclamation already ends the sentence ("is `kisrt gateway` running?", not "running?.").
        var trimmed = text.TrimEnd();
        return trimmed.EndsWith('?') || trimmed.EndsWith('!') ? trimmed : trimmed.TrimEnd('.') + ".";
    }

    /// <summary>The approval key could not be issued: the server's code and message (never the secret) and what to check.</summary>
    public static string ApprovalFailed(KisApprovalException e)
    {
        var hint = e.HttpStatus switch
        {
            null => "Check --rest-url / KIS_REST_URL and the network.",
            401 or 403 => "Check the app key and app secret (KIS_APP_KEY / KIS_APP_SECRET, --app-key / --app-secret).",
            >= 500 => "KIS's approval service is failing; try again later.",
            _ => "Check the app key, app secret and --rest-url / KIS_REST_URL.",
        };
        return $"approval key refused or unavailable: {Sentence(e.Message)} {hint}";
    }

    private static string Uncapitalise(string text) =>
        text.Length > 1 && char.IsUpper(text[0]) && char.IsLower(text[1]) ? char.ToLowerInvariant(text[0]) + text[1..] : text;
}
