using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Cutting some connections only: each connection is known by the name its client gives the broker (AMQP's
/// <c>connection_name</c> client property, the RabbitMQ client's <c>ClientProvidedName</c>, e.g. <c>kisrt-gateway-election</c>),
/// so a test can close one kind of a process's connections (its election's) and leave the rest (its publishers) open.
/// </summary>
internal sealed partial class CuttableProxy
{
    private readonly Dictionary<TcpClient, string> _names = new(); // under _gate: a client side's connection name, once sent

    /// <summary>The names of the connections open now, as their clients gave them (tests: what a cut will hit).</summary>
    public IReadOnlyList<string> OpenNames()
    {
        lock (_gate) return [.. _pairs.Select(p => _names.GetValueOrDefault(p.Client, "?"))];
    }

    /// <summary>Resets (RST to the client, close to the broker) every open connection whose name starts with
    /// <paramref name="prefix"/>; new ones pass as before. Returns how many were cut.</summary>
    public int CutNamed(string prefix)
    {
        List<(TcpClient Client, TcpClient Server)> cut;
        lock (_gate)
        {
            cut = [.. _pairs.Where(p => _names.TryGetValue(p.Client, out var name) && name.StartsWith(prefix, StringComparison.Ordinal))];
            foreach (var pair in cut) _pairs.Remove(pair);
        }
        foreach (var (client, server) in cut)
        {
            try
            {
                client.Client?.Close(0); // RST: the client's reads fail at once, as on a reset connection
            }
            catch (ObjectDisposedException)
            {
                // Closed by its pipe meanwhile.
            }
            client.Dispose();
            server.Dispose(); // the broker sees the connection close: its consumers (an election's) end now
        }
        return cut.Count;
    }

    /// <summary>Every open connection reset, new ones passing at once: a broker connection reset, not an outage.</summary>
    public async Task ResetAsync()
    {
        await CutAsync();
        Resume();
    }

    /// <summary>The broker's bytes to connections whose name starts with one of <paramref name="prefixes"/> stop reaching
    /// them (their requests still reach the broker): a publisher's records are stored, their confirms never arrive, the other
    /// connections unaffected. <see cref="ReleaseReplies"/> or a cut ends the hold.</summary>
    public void HoldRepliesTo(params string[] prefixes)
    {
        lock (_gate)
        {
            _holdNamed = prefixes;
            if (_namedReplies.Task.IsCompleted) _namedReplies = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    private string[]? _holdNamed; // under _gate: see HoldRepliesTo
    private TaskCompletionSource _namedReplies = Flowing();

    /// <summary>What the broker's bytes to <paramref name="client"/> wait for (under _gate).</summary>
    private Task RepliesTo(TcpClient client) =>
        _holdNamed is { } prefixes && _names.TryGetValue(client, out var name) && prefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal))
            ? Task.WhenAll(_replies.Task, _namedReplies.Task)
            : _replies.Task;

    private void Named(TcpClient client, string name)
    {
        lock (_gate) _names[client] = name;
    }

    /// <summary>A client's first bytes until its connection.start-ok's <c>connection_name</c> is in them (or 16 kB passed).</summary>
    private sealed class OpeningBytes
    {
        private static readonly byte[] Key = [.. "\u000Fconnection_nameS"u8];
        private readonly MemoryStream _bytes = new();
        private bool _done;

        /// <summary>The name, the first time it is complete in what was read; else null.</summary>
        public string? Add(ReadOnlySpan<byte> read)
        {
            if (_done) return null;
            _bytes.Write(read);
            var all = _bytes.GetBuffer().AsSpan(0, (int)_bytes.Length);
            var at = all.IndexOf(Key);
            if (at < 0 || all.Length < at + Key.Length + 4)
            {
                _done = all.Length > 16 * 1024;
                return null;
            }
            var length = BinaryPrimitives.ReadInt32BigEndian(all[(at + Key.Length)..]);
            var start = at + Key.Length + 4;
            if (all.Length < start + length) return null;
            _done = true;
            return Encoding.UTF8.GetString(all.Slice(start, length));
        }
    }
}
