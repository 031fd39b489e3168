using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Client;

/// <summary>A loopback listener that reads each request (head and body, bounded) and answers it with given bytes.</summary>
internal sealed class RawHttpPeer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Task _accepting;
    private readonly Func<string, string> _answer;
    public readonly ConcurrentQueue<string> Requests = new();

    public RawHttpPeer(Func<string, string> answer)
    {
        _answer = answer;
        _listener.Start();
        _accepting = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/");

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped (InvalidOperationException: stopped before the first accept)
            }
            using (socket)
            {
                try
                {
                    var request = await ReadRequestAsync(socket);
                    Requests.Enqueue(request);
                    await socket.SendAsync(Encoding.UTF8.GetBytes(_answer(request)));
                    socket.Shutdown(SocketShutdown.Both);
                }
                catch (SocketException)
                {
                    // the client hung up first
                }
            }
        }
    }

    /// <summary>The head and as much of the body as Content-Length says (at most 64 KiB in all).</summary>
    private static async Task<string> ReadRequestAsync(Socket socket)
    {
        var buffer = new byte[64 * 1024];
        var used = 0;
        while (used < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(used));
            if (n == 0) break;
            used += n;
            var text = Encoding.UTF8.GetString(buffer, 0, used);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0) continue;
            var length = text[..end].Split("\r\n").Select(h => h.Split(':', 2)).Where(h => h.Length == 2
                && h[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                .Select(h => int.Parse(h[1].Trim(), System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
            if (Encoding.UTF8.GetByteCount(text) - (end + 4) >= length) return text;
        }
        return Encoding.UTF8.GetString(buffer, 0, used);
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _accepting.WaitAsync(TestTimeout);
    }
}
