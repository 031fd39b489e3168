using System.Text;
using Kis.Realtime.Gateway.Wire;
using Kis.Realtime.Gateway;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Real broker users with the least-privilege permissions of scripts/rabbitmq-users.sh for one namespace: a gateway
/// user and two consumer users (alice, mallory), with unique names per test run, deleted afterwards. Needs root
/// (rabbitmqctl). Creating them takes a few seconds (one Erlang VM per rabbitmqctl call), so once per test class.
/// </summary>
public sealed class SecureBroker : IAsyncLifetime
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    public string Namespace => "sec" + _run;
    public string GatewayUser => "kisrt-test-gw-" + _run;
    public string Alice => "kisrt-test-alice-" + _run;
    public string Mallory => "kisrt-test-mallory-" + _run;
    private readonly Dictionary<string, string> _passwords = new();

    /// <summary>The endpoint of <paramref name="user"/> on this namespace (plain AMQP on loopback).</summary>
    public KisGatewayEndpoint EndpointOf(string user) => KisGatewayEndpoint.Default with
    {
        AmqpUri = new Uri($"amqp://{Uri.EscapeDataString(user)}:{_passwords[user]}@127.0.0.1:5672/"),
        Namespace = Namespace,
    };

    /// <summary>The endpoint of <paramref name="user"/> over TLS (amqps on 127.0.0.1:5671, trusting only the test CA), as
    /// docs/gateway-security.md deploys it.</summary>
    public KisGatewayEndpoint TlsEndpointOf(string user) => EndpointOf(user) with
    {
        AmqpUri = new Uri($"amqps://{Uri.EscapeDataString(user)}:{_passwords[user]}@127.0.0.1:5671/"),
        CaCertificateFile = Environment.GetEnvironmentVariable("KISRT_TEST_AMQPS_CA") is { Length: > 0 } ca ? ca : "/etc/rabbitmq/kisrt-tls/ca.pem",
    };

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable("KISRT_SKIP_RABBITMQ") == "1" && Environment.GetEnvironmentVariable("CI") != "true") return;
        // The three users at once: each is two rabbitmqctl calls, a second or more each.
        await Task.WhenAll(CreateAsync("gateway", GatewayUser), CreateAsync("consumer", Alice), CreateAsync("consumer", Mallory));
    }

    /// <summary>One more consumer user on this namespace (scripts/rabbitmq-users.sh consumer), deleted with the others.</summary>
    public Task CreateConsumerAsync(string user)
    {
        lock (_extra) _extra.Add(user);
        return CreateAsync("consumer", user);
    }

    /// <summary>Deletes <paramref name="user"/> as an operator would (scripts/rabbitmq-users.sh delete: rabbitmqctl delete_user).</summary>
    public async Task DeleteUserAsync(string user)
    {
        var result = await ChildProcess.RunAsync(Script, ["delete", user], TimeSpan.FromSeconds(120));
        if (result.ExitCode != 0) throw new InvalidOperationException($"scripts/rabbitmq-users.sh delete {user} failed ({result.ExitCode}): {result.Errors}");
    }

    private readonly List<string> _extra = new();

    private async Task CreateAsync(string role, string user)
    {
        var password = Guid.NewGuid().ToString("N");
        lock (_passwords) _passwords[user] = password;
        var result = await ChildProcess.RunAsync(Script, [role, user, "--namespace", Namespace], TimeSpan.FromSeconds(120),
            ("KISRT_RABBITMQ_PASSWORD", password));
        if (result.ExitCode != 0) throw new InvalidOperationException($"scripts/rabbitmq-users.sh {role} {user} failed ({result.ExitCode}): {result.Errors}");
    }

    public async Task DisposeAsync()
    {
        if (_passwords.Count == 0) return;
        await Task.WhenAll(new[] { GatewayUser, Alice, Mallory }.Concat(_extra)
            .Select(user => ChildProcess.RunAsync(Script, ["delete", user], TimeSpan.FromSeconds(120))));
    }

    internal static string Script => Path.Combine(RepositoryRoot, "scripts", "rabbitmq-users.sh");

    private static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "scripts", "rabbitmq-users.sh"))) return dir.FullName;
            throw new InvalidOperationException("scripts/rabbitmq-users.sh not found above " + AppContext.BaseDirectory);
        }
    }
}

/// <summary>
/// A hand-made requester (what an attacker writes): sends any body with any properties to the gateway's requests and
/// collects the replies on a server-named queue of its own.
/// </summary>
internal sealed class RawRequester : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly KisGatewayEndpoint _endpoint;
    private readonly Dictionary<string, TaskCompletionSource<byte[]>> _waiting = new();

    private RawRequester(IConnection connection, IChannel channel, KisGatewayEndpoint endpoint, string replyQueue)
    {
        (_connection, _channel, _endpoint, ReplyQueue) = (connection, channel, endpoint, replyQueue);
    }

    public string ReplyQueue { get; }

    private int _strays;

    /// <summary>Messages that came to this requester's reply queue without being an answer to one of its requests.</summary>
    public int Strays => Volatile.Read(ref _strays);

    /// <summary>Why the broker closed the channel (e.g. 406 for a user-id that is not the connection's), once it did.</summary>
    public TaskCompletionSource<ushort> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<RawRequester> ConnectAsync(KisGatewayEndpoint endpoint)
    {
        var connection = await endpoint.CreateFactory("kisrt-tests-raw-requester").CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var replies = await channel.QueueDeclareAsync(endpoint.NewReplyQueue(), false, true, true);
        var requester = new RawRequester(connection, channel, endpoint, replies.QueueName);
        channel.ChannelShutdownAsync += (_, e) => { requester.Closed.TrySetResult(e.ReplyCode); return Task.CompletedTask; };
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, d) =>
        {
            TaskCompletionSource<byte[]>? waiter;
            lock (requester._waiting) requester._waiting.Remove(d.BasicProperties.CorrelationId ?? "", out waiter);
            if (waiter is null) Interlocked.Increment(ref requester._strays);
            waiter?.TrySetResult(d.Body.ToArray());
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(replies.QueueName, true, consumer);
        return requester;
    }

    /// <summary>Sends <paramref name="body"/> and waits for the reply's bytes.</summary>
    public async Task<byte[]> AskRawAsync(byte[] body, string? userId, string? replyTo = null, TimeSpan? timeout = null)
    {
        var id = Guid.NewGuid().ToString("N");
        var waiter = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiting) _waiting[id] = waiter;
        await SendAsync(body, userId, replyTo ?? ReplyQueue, id);
        return await waiter.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(20));
    }

    /// <summary>Sends without waiting (e.g. with a reply_to that is not this requester's).</summary>
    public async Task SendAsync(byte[] body, string? userId, string replyTo, string? correlationId = null)
    {
        var properties = new BasicProperties { ReplyTo = replyTo, CorrelationId = correlationId ?? Guid.NewGuid().ToString("N"), UserId = userId };
        await _channel.BasicPublishAsync(_endpoint.RequestExchange, _endpoint.RequestQueue, false, properties, body);
    }

    public async Task<GatewayReply> AskAsync(GatewayRequest request, string? userId) => Reply(await AskRawAsync(GatewayJson.Serialize(request), userId));

    public static GatewayReply Reply(byte[] body) => GatewayJson.Deserialize<GatewayReply>(body)!;

    public static string Text(byte[] body) => Encoding.UTF8.GetString(body);

    public async ValueTask DisposeAsync()
    {
        try { await _connection.CloseAsync(); } catch (Exception) { /* closed by the broker already */ }
        _connection.Dispose();
    }
}
