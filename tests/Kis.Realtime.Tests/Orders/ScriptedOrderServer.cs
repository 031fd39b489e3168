using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Orders;

/// <summary>What the scripted server does with one order call (order-cash / order-rvsecncl / futures order).</summary>
internal enum OrderReaction
{
    /// <summary>Places it and answers rt_cd 0 with its number.</summary>
    Answer,
    /// <summary>Places it, then closes the connection without a byte of answer (a reset after sending).</summary>
    PlaceThenDrop,
    /// <summary>Places it, then answers HTTP 500 without a KIS body (a gateway error after the order went through).</summary>
    PlaceThen500,
    /// <summary>Does not place it and answers HTTP 500 without a KIS body.</summary>
    Only500,
    /// <summary>Places it and never answers (the client times out).</summary>
    PlaceThenStall,
    /// <summary>Does not place it and never answers.</summary>
    OnlyStall,
    /// <summary>Refuses it for rate, as KIS does: HTTP 500 with rt_cd 1, msg_cd EGW00201.</summary>
    RefuseRate,
    /// <summary>Refuses it as a business refusal (rt_cd 1, APBK0919) whose message quotes the app secret.</summary>
    RefuseWithSecret,
    /// <summary>Does not place it and closes the connection (the request was lost before the server).</summary>
    OnlyDrop,
    /// <summary>Places it and holds its answer until <see cref="ScriptedOrderServer.ReleaseHeld"/> (a slow answer).</summary>
    PlaceThenHold,
    /// <summary>Answers HTTP 500 at once and places it only at <see cref="ScriptedOrderServer.ReleaseHeld"/> (an order queued
    /// behind the gateway, listed late).</summary>
    Only500ThenPlaceOnRelease,
}

/// <summary>
/// A KIS order server on 127.0.0.1 port 0 over raw sockets (HTTP/1.1, keep-alive), scripted per order call: it takes
/// stock orders, lists them in inquire-daily-ccld, issues tokens, and records every request with the time of
/// <see cref="Clock"/> at its arrival, so tests count what reached it (orders placed, requests per window).
/// </summary>
internal sealed class ScriptedOrderServer : IAsyncDisposable
{
    public const string AppSecret = "scripted-app-secret-0123456789";
    private static readonly TimeSpan Kst = TimeSpan.FromHours(9);

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Task _accepting;
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<int, OrderReaction> _script;
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly Lock _gate = new();
    private readonly List<PlacedOrder> _placed = [];
    private readonly List<AmendCall> _amendments = [];
    private readonly List<Action> _onRelease = [];
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _orderCalls;
    private long _nextNumber = 7_000;

    public ScriptedOrderServer(Func<int, OrderReaction> script, TimeProvider? clock = null)
    {
        _script = script;
        Clock = clock ?? TimeProvider.System;
        _listener.Start();
        _accepting = Task.Run(AcceptAsync);
    }

    public TimeProvider Clock { get; }
    public Uri BaseUrl => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>Every request: method, path, tr_id, the clock's time at arrival.</summary>
    public readonly ConcurrentQueue<(string Method, string Path, string TrId, DateTimeOffset At)> Requests = new();

    /// <summary>Orders placed (each order call placed at most one).</summary>
    public IReadOnlyList<PlacedOrder> Placed
    {
        get
        {
            lock (_gate) return [.. _placed];
        }
    }

    /// <summary>Order calls received (placed or not).</summary>
    public int OrderCalls => Volatile.Read(ref _orderCalls);

    /// <summary>Amendments and cancels taken (order-rvsecncl, always answered with a number of their own).</summary>
    public IReadOnlyList<AmendCall> Amendments
    {
        get
        {
            lock (_gate) return [.. _amendments];
        }
    }

    public sealed record AmendCall(string Number, string Original, bool Cancel, long Quantity, long Price);

    /// <summary>How long the token endpoint takes to answer (a slow first call of the day).</summary>
    public TimeSpan TokenDelay { get; init; }

    /// <summary>Sends the answers held by <see cref="OrderReaction.PlaceThenHold"/>.</summary>
    public void ReleaseHeld()
    {
        _release.TrySetResult();
        Action[] later;
        lock (_gate)
        {
            later = [.. _onRelease];
            _onRelease.Clear();
        }
        foreach (var place in later) place();
    }

    public int Count(string pathEnd) => Requests.Count(r => r.Path.EndsWith(pathEnd, StringComparison.Ordinal));

    public sealed record PlacedOrder(string Number, string Code, bool Buy, long Quantity, long Price, DateTimeOffset At);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
            {
                return;
            }
            _connections.Add(Task.Run(() => ServeAsync(socket)));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var _ = socket;
        var buffer = new List<byte>();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var request = await ReadRequestAsync(socket, buffer);
                if (request is null) return;
                var reply = Handle(request.Value.Head, request.Value.Body);
                if (reply is null) return; // dropped: closed without an answer
                if (reply == Stall)
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                    return;
                }
                if (reply.StartsWith(Slow, StringComparison.Ordinal))
                {
                    await Task.Delay(TokenDelay, _stop.Token); // the scenario: a slow token endpoint, not synchronisation
                    reply = reply[Slow.Length..];
                }
                if (reply.StartsWith(Held, StringComparison.Ordinal))
                {
                    await _release.Task.WaitAsync(_stop.Token);
                    reply = reply[Held.Length..];
                }
                await socket.SendAsync(Encoding.UTF8.GetBytes(reply));
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // the client hung up, or the server stops
        }
    }

    private const string Stall = "stall";
    private const string Held = "held:";
    private const string Slow = "slow:";

    private string? Handle(string head, string body)
    {
        var lines = head.Split("\r\n");
        var parts = lines[0].Split(' ');
        var (method, target) = (parts[0], parts[1]);
        var path = target.Split('?')[0];
        var query = target.Contains('?') ? target[(target.IndexOf('?') + 1)..] : "";
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).Where(h => h.Length == 2)
            .ToDictionary(h => h[0].Trim().ToLowerInvariant(), h => h[1].Trim());
        var trId = headers.GetValueOrDefault("tr_id", "");
        Requests.Enqueue((method, path, trId, Clock.GetUtcNow()));
        if (path == "/oauth2/tokenP")
            return Slow + Json(200, new JsonObject { ["access_token"] = "scripted-token", ["token_type"] = "Bearer", ["expires_in"] = 86400 });
        if (path.EndsWith("/inquire-daily-ccld", StringComparison.Ordinal)) return Json(200, DailyOrders(query));
        if (path.EndsWith("/order-rvsecncl", StringComparison.Ordinal)) return AmendOrCancel(JsonNode.Parse(body)!.AsObject());
        if (!path.EndsWith("/order-cash", StringComparison.Ordinal)) return Json(404,
            new JsonObject { ["rt_cd"] = "1", ["msg_cd"] = "TEST0404", ["msg1"] = "not scripted" });

        var call = Interlocked.Increment(ref _orderCalls) - 1;
        var reaction = _script(call);
        var order = JsonNode.Parse(body)!.AsObject();
        PlacedOrder? Place()
        {
            var placed = new PlacedOrder(Interlocked.Increment(ref _nextNumber).ToString("D10", CultureInfo.InvariantCulture), (string)order["PDNO"]!,
                trId.EndsWith("0012U", StringComparison.Ordinal), long.Parse((string)order["ORD_QTY"]!, CultureInfo.InvariantCulture),
                long.Parse((string)order["ORD_UNPR"]!, CultureInfo.InvariantCulture), Clock.GetUtcNow());
            lock (_gate) _placed.Add(placed);
            return placed;
        }
        switch (reaction)
        {
            case OrderReaction.Answer:
                var accepted = Place()!;
                return Json(200, new JsonObject
                {
                    ["rt_cd"] = "0", ["msg_cd"] = "APBK0013", ["msg1"] = "주문 전송 완료 되었습니다.",
                    ["output"] = new JsonObject { ["KRX_FWDG_ORD_ORGNO"] = "91252", ["ODNO"] = accepted.Number,
                        ["ORD_TMD"] = ToKst(accepted.At).ToString("HHmmss", CultureInfo.InvariantCulture) },
                });
            case OrderReaction.PlaceThenDrop:
                Place();
                return null;
            case OrderReaction.OnlyDrop:
                return null;
            case OrderReaction.PlaceThenHold:
                var held = Place()!;
                return Held + Json(200, new JsonObject
                {
                    ["rt_cd"] = "0", ["msg_cd"] = "APBK0013", ["msg1"] = "주문 전송 완료 되었습니다.",
                    ["output"] = new JsonObject { ["KRX_FWDG_ORD_ORGNO"] = "91252", ["ODNO"] = held.Number, ["ORD_TMD"] = KstTime(held.At) },
                });
            case OrderReaction.PlaceThen500:
                Place();
                return Raw(500, "text/html", "<html>502 Bad Gateway</html>");
            case OrderReaction.Only500ThenPlaceOnRelease:
                lock (_gate) _onRelease.Add(() => Place());
                return Raw(500, "text/html", "<html>502 Bad Gateway</html>");
            case OrderReaction.Only500:
                return Raw(500, "text/html", "<html>502 Bad Gateway</html>");
            case OrderReaction.PlaceThenStall:
                Place();
                return Stall;
            case OrderReaction.OnlyStall:
                return Stall;
            case OrderReaction.RefuseRate:
                return Json(500, new JsonObject { ["rt_cd"] = "1", ["msg_cd"] = "EGW00201", ["msg1"] = "초당 거래건수를 초과하였습니다." });
            default:
                return Json(200, new JsonObject { ["rt_cd"] = "1", ["msg_cd"] = "APBK0919", ["msg1"] = $"주문가능금액을 초과 했습니다 ({AppSecret})" });
        }
    }

    /// <summary>An amendment or cancel, taken as it is (the tests judge what reached the server, not the matching).</summary>
    private string AmendOrCancel(JsonObject call)
    {
        var taken = new AmendCall(Interlocked.Increment(ref _nextNumber).ToString("D10", CultureInfo.InvariantCulture), (string)call["ORGN_ODNO"]!,
            (string)call["RVSE_CNCL_DVSN_CD"]! == "02", long.Parse((string)call["ORD_QTY"]!, CultureInfo.InvariantCulture),
            long.Parse((string)call["ORD_UNPR"]!, CultureInfo.InvariantCulture));
        lock (_gate) _amendments.Add(taken);
        return Json(200, new JsonObject
        {
            ["rt_cd"] = "0", ["msg_cd"] = "APBK0013", ["msg1"] = "주문 전송 완료 되었습니다.",
            ["output"] = new JsonObject { ["KRX_FWDG_ORD_ORGNO"] = "91252", ["ODNO"] = taken.Number, ["ORD_TMD"] = KstTime(Clock.GetUtcNow()) },
        });
    }

    private static DateTimeOffset ToKst(DateTimeOffset t) => t.ToOffset(Kst);

    private static string KstTime(DateTimeOffset t) => ToKst(t).ToString("HHmmss", CultureInfo.InvariantCulture);

    private JsonObject DailyOrders(string query)
    {
        var code = query.Split('&').Select(p => p.Split('=', 2)).FirstOrDefault(p => p[0] == "PDNO")?[1] ?? "";
        var rows = new JsonArray();
        foreach (var o in Placed.Where(o => code.Length == 0 || o.Code == code).OrderByDescending(o => o.Number, StringComparer.Ordinal))
        {
            rows.Add((JsonNode)new JsonObject
            {
                ["ord_dt"] = ToKst(o.At).ToString("yyyyMMdd", CultureInfo.InvariantCulture), ["ord_gno_brno"] = "91252", ["odno"] = o.Number,
                    ["orgn_odno"] = "",
                ["sll_buy_dvsn_cd"] = o.Buy ? "02" : "01", ["pdno"] = o.Code, ["prdt_name"] = "",
                    ["ord_qty"] = o.Quantity.ToString(CultureInfo.InvariantCulture),
                ["ord_unpr"] = o.Price.ToString(CultureInfo.InvariantCulture), ["ord_tmd"] = ToKst(o.At).ToString("HHmmss", CultureInfo.InvariantCulture),
                ["tot_ccld_qty"] = "0", ["avg_prvs"] = "0", ["cnc_cfrm_qty"] = "0", ["rmn_qty"] = o.Quantity.ToString(CultureInfo.InvariantCulture),
            });
        }
        return new JsonObject { ["rt_cd"] = "0", ["msg_cd"] = "KIOK0000", ["msg1"] = "조회가 완료되었습니다", ["output1"] = rows, ["output2"] = new JsonObject(),
            ["ctx_area_fk100"] = "", ["ctx_area_nk100"] = "" };
    }

    private string Json(int status, JsonObject body) => Raw(status, "application/json; charset=utf-8",
        body.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));

    /// <summary>An answer stamped with the server's clock in its Date header, as an HTTP server's are.</summary>
    private string Raw(int status, string type, string body)
        => $"HTTP/1.1 {status} {(status == 200 ? "OK" : "Error")}\r\nDate: {Clock.GetUtcNow().ToString("r", CultureInfo.InvariantCulture)}\r\n" +
            $"Content-Type: {type}\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\ntr_cont: D\r\nConnection: keep-alive\r\n\r\n{body}";

    /// <summary>One request (head, body) from the connection's bytes; null when the client closed it.</summary>
    private async Task<(string Head, string Body)?> ReadRequestAsync(Socket socket, List<byte> pending)
    {
        var chunk = new byte[16 * 1024];
        while (true)
        {
            var bytes = pending.ToArray();
            var text = Encoding.UTF8.GetString(bytes);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                var head = text[..end];
                var length = head.Split("\r\n").Select(h => h.Split(':', 2)).Where(h => h.Length == 2
                    && h[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                    .Select(h => int.Parse(h[1].Trim(), CultureInfo.InvariantCulture)).FirstOrDefault();
                var headBytes = Encoding.UTF8.GetByteCount(head) + 4;
                if (bytes.Length - headBytes >= length)
                {
                    pending.Clear();
                    pending.AddRange(bytes[(headBytes + length)..]);
                    return (head, Encoding.UTF8.GetString(bytes, headBytes, length));
                }
            }
            var n = await socket.ReceiveAsync(chunk, _stop.Token);
            if (n == 0) return null;
            pending.AddRange(chunk.AsSpan(0, n).ToArray());
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting.WaitAsync(TestTimeout);
        await Task.WhenAll(_connections).WaitAsync(TestTimeout);
        _stop.Dispose();
    }
}
