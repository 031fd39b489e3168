using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>A received WebSocket message.</summary>
public sealed record WsReceived(WebSocketMessageType Type, byte[] Data)
{
    public string Text => Encoding.UTF8.GetString(Data);
    public bool IsControl => Data.Length > 0 && Data[0] == (byte)'{';
    public bool IsData => Data.Length > 0 && Data[0] is (byte)'0' or (byte)'1';
    public JsonElement Json => JsonDocument.Parse(Data).RootElement;
}

/// <summary>
/// A plain <see cref="ClientWebSocket"/> (keep-alive off, as KIS needs) with a background receive loop feeding a
/// channel, so tests await real messages with a timeout guard instead of sleeping. The channel is bounded: a client its
/// test does not read stops reading the socket, as a real slow client does, so a flat-out simulator waits for it instead
/// of filling the test host's memory (an unbounded buffer here once let a stuck test grow the host to 23 GB).
/// </summary>
internal sealed class SimTestClient : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly ClientWebSocket _ws = new();
    /// <summary>Messages received and not yet read that stop the receive loop, unless a test says otherwise.</summary>
    public const int DefaultBuffered = 10_000;

    private readonly Channel<WsReceived> _messages;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<WebSocketCloseStatus?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _loop = Task.CompletedTask;

    /// <summary>Completes with the close status when the server closes (null when the connection was dropped).</summary>
    public Task<WebSocketCloseStatus?> Closed => _closed.Task;

    /// <summary>Answer PINGPONG automatically (as a correct client does).</summary>
    public bool EchoPingPong { get; set; }

    public int PingsSeen;

    public string? ApprovalKey { get; set; }

    private SimTestClient(int buffered) =>
        _messages = Channel.CreateBounded<WsReceived>(new BoundedChannelOptions(buffered) { SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

    /// <param name="buffered">Messages received and not yet read that stop the receive loop (and so the socket).</param>
    public static async Task<SimTestClient> ConnectAsync(KisSimulator sim, string path = "/", string? approvalKey = null, int buffered = DefaultBuffered)
    {
        var c = new SimTestClient(buffered) { ApprovalKey = approvalKey };
        c._ws.Options.KeepAliveInterval = TimeSpan.Zero;
        using var cts = new CancellationTokenSource(Timeout);
        // Concatenated, not new Uri(base, path): "//tryitout" would otherwise be read as a host name.
        await c._ws.ConnectAsync(new Uri(KisSimulator.Display(sim.WebSocketUrl) + path), cts.Token);
        c._loop = Task.Run(c.ReceiveLoop);
        return c;
    }

    private async Task ReceiveLoop()
    {
        var buffer = new byte[1 << 16];
        var message = new MemoryStream();
        try
        {
            while (true)
            {
                var r = await _ws.ReceiveAsync(buffer, CancellationToken.None);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    _closed.TrySetResult(r.CloseStatus);
                    try { await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None); } catch (WebSocketException) { }
                    break;
                }
                message.Write(buffer, 0, r.Count);
                if (!r.EndOfMessage) continue;
                var data = message.ToArray();
                message.SetLength(0);
                if (data.Length > 0 && data[0] == (byte)'{' && ControlMessage.TryParse(data, out var cm) && cm.Kind == ControlMessageKind.PingPong)
                {
                    Interlocked.Increment(ref PingsSeen);
                    if (EchoPingPong) await _ws.SendAsync(data, WebSocketMessageType.Text, true, CancellationToken.None);
                }
                await _messages.Writer.WriteAsync(new WsReceived(r.MessageType, data), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            _closed.TrySetResult(null);
        }
        finally
        {
            _messages.Writer.TryComplete();
        }
    }

    public Task SendTextAsync(string text) => _ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    public Task SubscribeAsync(string trId, string trKey, string trType = "1", string? approvalKey = null)
        => _ws.SendAsync(SubscriptionRequest.ToBytes(approvalKey ?? ApprovalKey ?? "", CustomerType.Personal,
            trType == "1" ? RequestType.Subscribe : RequestType.Unsubscribe, trId, trKey), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>The next message (PINGPONG included).</summary>
    public async Task<WsReceived> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Timeout);
        return await _messages.Reader.ReadAsync(cts.Token);
    }

    /// <summary>The next message matching <paramref name="match"/>, skipping others.</summary>
    public async Task<WsReceived> NextAsync(Func<WsReceived, bool> match, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Timeout);
        while (true)
        {
            var m = await _messages.Reader.ReadAsync(cts.Token);
            if (match(m)) return m;
        }
    }

    /// <summary>The next JSON reply that is not a PINGPONG.</summary>
    public async Task<ControlMessage> NextReplyAsync(TimeSpan? timeout = null)
    {
        var m = await NextAsync(x => x.IsControl && ControlMessage.TryParse(x.Data, out var c) && c.Kind != ControlMessageKind.PingPong, timeout);
        ControlMessage.TryParse(m.Data, out var reply);
        return reply;
    }

    /// <summary>Subscribes and returns the reply.</summary>
    public async Task<ControlMessage> RequestAsync(string trId, string trKey, string trType = "1")
    {
        await SubscribeAsync(trId, trKey, trType);
        return await NextReplyAsync();
    }

    public async Task<WsReceived> NextDataAsync(string? trId = null, TimeSpan? timeout = null)
        => await NextAsync(m => m.IsData && (trId is null || Encoding.ASCII.GetString(m.Data, 2, 8) == trId), timeout);

    public Task CloseAsync() => _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);

    public WebSocketState State => _ws.State;

    public async ValueTask DisposeAsync()
    {
        _ws.Abort();
        _stop.Cancel(); // a loop waiting for room in the channel
        try { await _loop.WaitAsync(Timeout); } catch (Exception) { }
        _ws.Dispose(); // (_stop is not disposed: a test may dispose a client twice)
    }
}
