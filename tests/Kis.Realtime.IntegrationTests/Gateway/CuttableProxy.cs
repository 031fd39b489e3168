using System.Net;
using System.Net.Sockets;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// A TCP proxy on 127.0.0.1:0 in front of the broker that a test can cut: <see cref="CutAsync"/> closes every
/// connection and refuses new ones until <see cref="Resume"/>. What a broker restart does to its clients, without
/// stopping the broker other tests use. <see cref="Partition"/> drops bytes silently; <see cref="Delay"/> holds them
/// until <see cref="Heal"/>.
/// </summary>
internal sealed partial class CuttableProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly EndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<(TcpClient Client, TcpClient Server)> _pairs = new();
    private readonly Task _accepting;
    private bool _cut;
    private bool _silent; // see Partition
    // Completed while the broker's bytes flow to the clients; a pending one holds them back (see HoldReplies).
    private TaskCompletionSource _replies = Flowing();
    private (byte[] Bytes, TaskCompletionSource Held)? _holdAfter; // see HoldRepliesAfterClientSends
    // Completed while bytes flow both ways; a pending one holds every byte and close until Heal (see Delay).
    private TaskCompletionSource _flow = Flowing();

    public CuttableProxy(Uri target)
    {
        _target = new DnsEndPoint(target.Host, target.Port);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections accepted and passed on so far.</summary>
    public int Accepted { get; private set; }

    /// <summary>Connections reset at once while cut.</summary>
    public int Refused { get { lock (_gate) return _refused; } }
    private int _refused;

    public Uri Rewrite(Uri uri) => new UriBuilder(uri) { Host = "127.0.0.1", Port = Port }.Uri;

    public Task CutAsync()
    {
        List<(TcpClient, TcpClient)> pairs;
        lock (_gate)
        {
            _cut = true;
            pairs = _pairs.ToList();
            _pairs.Clear();
        }
        foreach (var (client, server) in pairs)
        {
            try
            {
                client.Client?.Close(0); // RST, as a dying broker's host would
            }
            catch (ObjectDisposedException)
            {
                // Closed by its pipe meanwhile.
            }
            client.Dispose();
            server.Dispose();
        }
        // Only now: what was held back goes into closed sockets, never to the clients.
        TaskCompletionSource held, named;
        lock (_gate) (held, named, _holdNamed) = (_replies, _namedReplies, null);
        held.TrySetResult();
        named.TrySetResult();
        Heal();
        return Task.CompletedTask;
    }

    public void Resume()
    {
        lock (_gate) _cut = _silent = false;
    }

    /// <summary>A network partition: every byte either way is dropped, the connections stay open, and new ones are refused,
    /// so each side notices only by its heartbeats (a cut-off machine, not a closed socket). <see cref="Resume"/> ends it.</summary>
    public void Partition()
    {
        lock (_gate) _silent = true;
    }

    /// <summary>A partition that will heal: every byte either way is held (in order, none lost), the connections stay
    /// open, a side that closes its end is seen closing only at the heal, and new connections are accepted but held too.
    /// <see cref="Heal"/> lets it all through; what the far side refused meanwhile (a connection it closed) is lost there.</summary>
    public void Delay()
    {
        lock (_gate)
            if (_flow.Task.IsCompleted) _flow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Ends <see cref="Delay"/>: the held bytes and closes go on, in order.</summary>
    public void Heal()
    {
        lock (_gate) _flow.TrySetResult();
    }

    private Task Flow()
    {
        lock (_gate) return _flow.Task;
    }

    private bool Silent
    {
        get { lock (_gate) return _silent; }
    }

    /// <summary>The broker's bytes stop reaching the clients (what the clients send still reaches the broker): a
    /// publisher's records are stored, their confirms never arrive. <see cref="CutAsync"/> ends the hold.</summary>
    public void HoldReplies()
    {
        lock (_gate)
            if (_replies.Task.IsCompleted) _replies = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Once a client has sent <paramref name="bytes"/> (a basic.consume with them among its arguments) and the broker has
    /// answered with its basic.consume-ok, holds every later byte from the broker as <see cref="HoldReplies"/> does: the
    /// consumer is registered, its deliveries do not reach it until <see cref="ReleaseReplies"/> (a broker slow to begin a
    /// stream consumer's deliveries).</summary>
    public void HoldDeliveriesAfterConsumeWith(byte[] bytes)
    {
        lock (_gate) _armOnClientBytes = Marker(bytes);
    }

    private byte[]? _armOnClientBytes;
    private byte[]? _holdAfterMethod;
    private static readonly byte[] ConsumeOk = [0, 60, 0, 21]; // class basic (60), method consume-ok (21)

    /// <summary>Where in a chunk from the broker the awaited method frame ends (the hold begins there); -1 when not in it.</summary>
    private int HoldPoint(ReadOnlySpan<byte> chunk)
    {
        lock (_gate)
        {
            if (_holdAfterMethod is not { } method) return -1;
            // A method frame: type 1, channel (2), size (4), payload (class, method, ...), end 0xCE.
            for (var i = chunk.IndexOf(method); i >= 7; i = chunk[(i + 1)..].IndexOf(method) is var next and >= 0 ? i + 1 + next : -1)
            {
                if (chunk[i - 7] != 1) continue;
                var end = i + System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(chunk[(i - 4)..]) + 1;
                if (end > chunk.Length) return -1; // split across reads: not handled (the frames here are small)
                _holdAfterMethod = null;
                if (_replies.Task.IsCompleted) _replies = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return end;
            }
            return -1;
        }
    }

    /// <summary>Ends <see cref="HoldReplies"/> without a cut: the held replies go on, in order.</summary>
    public void ReleaseReplies()
    {
        lock (_gate)
        {
            _replies.TrySetResult();
            _namedReplies.TrySetResult();
            _holdNamed = null;
        }
    }

    /// <summary>Once a client has sent <paramref name="bytes"/> (across reads too), holds the broker's replies as
    /// <see cref="HoldReplies"/> does: the request reached the server, its answer never reaches the client. Completes when held.</summary>
    public Task HoldRepliesAfterClientSends(byte[] bytes)
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate) _holdAfter = (Marker(bytes), held);
        return held.Task;
    }

    /// <summary>Once the broker has sent <paramref name="bytes"/> (a delivery's body; across reads too) to a client, passes that
    /// chunk on and closes the connection (FIN, so what was passed on is read first): a broker ending a consumer's connection
    /// mid-read, at a moment the test knows.</summary>
    public void CloseAfterBrokerSends(byte[] bytes)
    {
        lock (_gate) _closeAfter = Marker(bytes);
    }

    private byte[]? _closeAfter;

    /// <summary>How much of a pipe's last read is kept for the next (<see cref="Seen"/>): the longest marker less one byte.</summary>
    private const int Tail = 1023;

    /// <summary>Whether <paramref name="marker"/> ends in this read: <paramref name="window"/> is the previous read's last
    /// <paramref name="carried"/> bytes and this read (a marker split across two reads under load was never seen), never
    /// one that lay wholly in the previous read.</summary>
    private static bool Seen(ReadOnlySpan<byte> window, int carried, byte[] marker) =>
        window[Math.Max(0, carried - (marker.Length - 1))..].IndexOf(marker) >= 0;

    private static byte[] Marker(byte[] bytes)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytes.Length, Tail + 1);
        return bytes;
    }

    private bool CloseNow(ReadOnlySpan<byte> window, int carried)
    {
        lock (_gate)
        {
            if (_closeAfter is not { } bytes || !Seen(window, carried, bytes)) return false;
            _closeAfter = null;
            return true;
        }
    }

    /// <summary>Called with each chunk a client sends, before it is passed on.</summary>
    private void ClientSent(ReadOnlySpan<byte> window, int carried)
    {
        lock (_gate)
        {
            if (_armOnClientBytes is { } arm && Seen(window, carried, arm)) (_armOnClientBytes, _holdAfterMethod) = (null, ConsumeOk);
            if (_holdAfter is not var (bytes, held) || !Seen(window, carried, bytes)) return;
            _holdAfter = null;
            if (_replies.Task.IsCompleted) _replies = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            held.TrySetResult();
        }
    }

    private static TaskCompletionSource Flowing()
    {
        var flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        flowing.SetResult();
        return flowing;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            bool refuse;
            lock (_gate)
            {
                refuse = _cut || _silent;
                if (refuse) _refused++;
            }
            if (refuse)
            {
                client.Client.Close(0);
                continue;
            }
            var server = new TcpClient();
            try
            {
                await server.ConnectAsync(((DnsEndPoint)_target).Host, ((DnsEndPoint)_target).Port, _stop.Token);
            }
            catch (Exception)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }
            lock (_gate)
            {
                _pairs.Add((client, server));
                Accepted++;
            }
            _ = PipeAsync(client, server, fromBroker: false);
            _ = PipeAsync(server, client, fromBroker: true);
        }
    }

    private async Task PipeAsync(TcpClient from, TcpClient to, bool fromBroker)
    {
        var buffer = new byte[64 * 1024];
        var window = new byte[Tail + buffer.Length]; // the previous read's tail, then this read: markers split across reads
        var carried = 0;
        try
        {
            var source = from.GetStream();
            var sink = to.GetStream();
            int read;
            var opening = fromBroker ? null : new OpeningBytes(); // the client's first bytes: its connection's name
            while ((read = await source.ReadAsync(buffer, _stop.Token)) > 0)
            {
                if (opening?.Add(buffer.AsSpan(0, read)) is { } name) Named(from, name);
                if (Silent) continue; // partitioned: lost on the way
                if (fromBroker && HoldPoint(buffer.AsSpan(0, read)) is var hold and >= 0)
                {
                    await sink.WriteAsync(buffer.AsMemory(0, hold), _stop.Token); // the frame itself; the rest waits below
                    buffer.AsSpan(hold, read - hold).CopyTo(buffer);
                    read -= hold;
                }
                if (fromBroker)
                {
                    Task replies;
                    lock (_gate) replies = RepliesTo(to);
                    await replies.WaitAsync(_stop.Token);
                }
                buffer.AsSpan(0, read).CopyTo(window.AsSpan(carried));
                if (!fromBroker) ClientSent(window.AsSpan(0, carried + read), carried);
                await Flow().WaitAsync(_stop.Token);
                await sink.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                if (fromBroker && CloseNow(window.AsSpan(0, carried + read), carried))
                {
                    to.Client.Shutdown(SocketShutdown.Send);
                    from.Dispose(); // the broker's side: the client's next bytes fail its pipe, which closes both
                    return;
                }
                var keep = Math.Min(Tail, carried + read);
                window.AsSpan(carried + read - keep, keep).CopyTo(window);
                carried = keep;
            }
        }
        catch (Exception)
        {
            // Cut or closed.
        }
        try
        {
            await Flow().WaitAsync(_stop.Token); // delayed: the other side learns of the close only at the heal
        }
        catch (OperationCanceledException)
        {
            // disposing
        }
        var client = fromBroker ? to : from;
        lock (_gate)
        {
            _pairs.RemoveAll(p => p.Client == client); // closed: no longer open (OpenNames), nothing left to cut
            _names.Remove(client);
        }
        from.Dispose();
        to.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await CutAsync();
        try { await _accepting; } catch (Exception) { /* stopping */ }
        _stop.Dispose();
    }
}
