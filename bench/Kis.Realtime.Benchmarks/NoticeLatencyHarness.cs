using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/Kis.Realtime.Benchmarks -- notice-latency [seconds] [orders/s]</c> (issue 42,
/// "Done when": notice latency p99 under 1 s at 10 orders a second through <c>kisrt sim</c>). Starts <c>kisrt sim</c> as
/// a child process, subscribes its stock notices (H0STCNI0) with the library's client, and places orders over KIS's
/// order-cash REST call at a steady rate (default 10/s for 30 s), alternately a market buy of one share (filled at once:
/// an acceptance and a fill notice) and a limit buy under the market (it rests: an acceptance notice). Each order's
/// latency is the time from its REST answer to its notice's arrival at the client (negative when the notice came
/// first: the venue publishes it before answering), measured on this process's one stopwatch.
/// </summary>
internal static class NoticeLatencyHarness
{
    private const string Code = "005930", Account = "50123456";

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 30;
        var rate = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 10;
        await using var sim = await SimProcess.StartAsync(Path.Combine(AppContext.BaseDirectory, "kisrt.dll"));
        using var http = new HttpClient(new HttpClientHandler { UseProxy = false }) { BaseAddress = new Uri(sim.RestUrl + "/") };
        var token = await TokenAsync(http);

        var clock = Stopwatch.StartNew();
        var arrivals = new ConcurrentDictionary<(string Order, NoticeKind Kind), double>();
        await using var client = new KisRealtimeClient(KisRealtimeOptions.Default with
        {
            Credentials = [new KisCredential(SimulatorOptions.DefaultAppKey, SimulatorOptions.DefaultAppSecret)],
            HtsId = SimulatorOptions.DefaultHtsId,
            WebSocketUrl = new Uri(sim.WebSocketUrl),
            RestBaseUrl = new Uri(sim.RestUrl),
        });
        using var stop = new CancellationTokenSource();
        var reading = Task.Run(async () =>
        {
            await foreach (var notice in client.SubscribeStockNoticesAsync().WithCancellation(stop.Token))
                arrivals.TryAdd((notice.OrderNumber.TrimStart('0'), notice.Kind), clock.Elapsed.TotalMilliseconds);
        });

        // Warm-up until a notice arrives (the subscription is live), and the price a limit buy rests under.
        var warmUp = Stopwatch.StartNew();
        while (true)
        {
            var (order, _) = await PlaceAsync(http, token, market: true, 0);
            await Task.Delay(500);
            if (arrivals.ContainsKey((order, NoticeKind.Fill))) break;
            if (warmUp.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException("no notice came in 60 s: " + sim.Output);
        }
        var lastPrice = await LastFillPriceAsync(http, token);
        var restingPrice = Math.Floor(lastPrice * 0.97m / 1000) * 1000; // on every KRX tick grid up to 500,000 KRW
        arrivals.Clear();

        Console.WriteLine($"notice latency through kisrt sim: {rate:0.#} orders/s for {seconds:0} s (market buy / limit buy at {restingPrice:0} " +
            $"alternately), load {LoadAverage()}");
        var placed = new List<Task<(string Order, double Sent, double Answered, bool Market)>>();
        var count = (int)(seconds * rate);
        var start = clock.Elapsed;
        for (var i = 0; i < count; i++)
        {
            var due = start + TimeSpan.FromSeconds(i / rate);
            if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
            var market = i % 2 == 0;
            placed.Add(Task.Run(async () =>
            {
                var sent = clock.Elapsed.TotalMilliseconds;
                var (order, _) = await PlaceAsync(http, token, market, market ? 0 : restingPrice);
                return (order, sent, clock.Elapsed.TotalMilliseconds, market);
            }));
        }
        var orders = await Task.WhenAll(placed);
        var waitEnd = clock.Elapsed + TimeSpan.FromSeconds(10);
        while (clock.Elapsed < waitEnd
            && orders.Any(o => !arrivals.ContainsKey((o.Order, NoticeKind.OrderAccepted)) || (o.Market && !arrivals.ContainsKey((o.Order, NoticeKind.Fill)))))
            await Task.Delay(100);
        await stop.CancelAsync();
        try { await reading; } catch (OperationCanceledException) { }

        Report("acceptance notice after the REST answer",
            orders.Select(o => arrivals.TryGetValue((o.Order, NoticeKind.OrderAccepted), out var at) ? at - o.Answered : (double?)null), orders.Length);
        Report("acceptance notice after the REST request",
            orders.Select(o => arrivals.TryGetValue((o.Order, NoticeKind.OrderAccepted), out var at) ? at - o.Sent : (double?)null), orders.Length);
        var markets = orders.Where(o => o.Market).ToList();
        Report("fill notice after the REST answer (market buys)",
            markets.Select(o => arrivals.TryGetValue((o.Order, NoticeKind.Fill), out var at) ? at - o.Answered : (double?)null), markets.Count);
        Report("REST answer after the request", orders.Select(o => (double?)(o.Answered - o.Sent)), orders.Length);
        Console.WriteLine($"  load average after: {LoadAverage()}");
        return 0;
    }

    private static void Report(string what, IEnumerable<double?> latencies, int expected)
    {
        var got = latencies.Where(l => l is not null).Select(l => l!.Value).Order().ToList();
        if (got.Count == 0)
        {
            Console.WriteLine($"  {what}: none of {expected} arrived");
            return;
        }
        double P(double q) => got[Math.Min(got.Count - 1, (int)Math.Ceiling(q * got.Count) - 1)];
        Console.WriteLine($"  {what}: p50 {P(0.50),7:0.0} ms  p99 {P(0.99),7:0.0} ms  max {got[^1],7:0.0} ms  ({got.Count} of " +
            $"{expected}{(got.Count < expected ? ", MISSING " + (expected - got.Count) : "")})");
    }

    private static async Task<string> TokenAsync(HttpClient http)
    {
        using var response = await http.PostAsJsonAsync("oauth2/tokenP", new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["appkey"] = SimulatorOptions.DefaultAppKey, ["appsecret"] = SimulatorOptions.DefaultAppSecret,
        });
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>A buy of one share as KIS's order_cash sample sends it; the order number without its leading zeros.</summary>
    private static async Task<(string Order, JsonElement Reply)> PlaceAsync(HttpClient http, string token, bool market, decimal price)
    {
        var body = new Dictionary<string, string>
        {
            ["CANO"] = Account, ["ACNT_PRDT_CD"] = "01", ["PDNO"] = Code, ["ORD_DVSN"] = market ? "01" : "00", ["ORD_QTY"] = "1",
            ["ORD_UNPR"] = price.ToString("0", CultureInfo.InvariantCulture), ["EXCG_ID_DVSN_CD"] = "KRX", ["SLL_TYPE"] = "", ["CNDT_PRIC"] = "",
        };
        using var request = Request(HttpMethod.Post, "uapi/domestic-stock/v1/trading/order-cash", "TTTC0012U", token);
        request.Content = JsonContent.Create(body);
        using var response = await http.SendAsync(request);
        var reply = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        if (reply.GetProperty("rt_cd").GetString() != "0") throw new InvalidOperationException("order refused: " + reply);
        return (reply.GetProperty("output").GetProperty("ODNO").GetString()!.TrimStart('0'), reply);
    }

    private static async Task<decimal> LastFillPriceAsync(HttpClient http, string token)
    {
        using var request = Request(HttpMethod.Get, $"uapi/domestic-stock/v1/trading/inquire-balance?CANO={Account}&ACNT_PRDT_CD=01&AFHR_FLPR_YN=N&OFL_YN=&" +
            $"INQR_DVSN=02&UNPR_DVSN=01&FUND_STTL_ICLD_YN=N&FNCG_AMT_AUTO_RDPT_YN=N&PRCS_DVSN=00&CTX_AREA_FK100=&CTX_AREA_NK100=", "TTTC8434R", token);
        using var response = await http.SendAsync(request);
        var reply = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var position = reply.GetProperty("output1").EnumerateArray().First(p => p.GetProperty("pdno").GetString() == Code);
        return decimal.Parse(position.GetProperty("prpr").GetString()!, CultureInfo.InvariantCulture);
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string trId, string token)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("authorization", $"Bearer {token}");
        request.Headers.Add("appkey", SimulatorOptions.DefaultAppKey);
        request.Headers.Add("appsecret", SimulatorOptions.DefaultAppSecret);
        request.Headers.Add("tr_id", trId);
        request.Headers.Add("custtype", "P");
        return request;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    /// <summary><c>kisrt sim</c> as a child process on free ports, its URLs read from what it prints.</summary>
    private sealed class SimProcess : IAsyncDisposable
    {
        private static readonly Regex Url = new(@"^\s*(WebSocket|REST base) URL\s*:\s*(\S+)", RegexOptions.CultureInvariant);
        private readonly Process _process;
        private readonly System.Text.StringBuilder _output = new();

        private SimProcess(Process process) => _process = process;

        public string WebSocketUrl { get; private set; } = "";
        public string RestUrl { get; private set; } = "";

        public string Output
        {
            get { lock (_output) return _output.ToString(); }
        }

        public static async Task<SimProcess> StartAsync(string kisrt)
        {
            var start = new ProcessStartInfo("dotnet", [kisrt, "sim", "--ws-port", "0", "--rest-port", "0"])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
                WorkingDirectory = Directory.CreateTempSubdirectory("kisrt-sim-bench-").FullName,
            };
            foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("KIS_", StringComparison.Ordinal)
                || k.StartsWith("KISRT_", StringComparison.Ordinal)).ToList())
                start.Environment.Remove(name);
            var child = new SimProcess(Process.Start(start)!);
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            child._process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (child._output) child._output.AppendLine(e.Data);
                if (Url.Match(e.Data) is { Success: true } m)
                {
                    if (m.Groups[1].Value == "WebSocket") child.WebSocketUrl = m.Groups[2].Value;
                    else child.RestUrl = m.Groups[2].Value;
                    if (child.WebSocketUrl.Length > 0 && child.RestUrl.Length > 0) ready.TrySetResult();
                }
            };
            child._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (child._output) child._output.AppendLine(e.Data); };
            child._process.BeginOutputReadLine();
            child._process.BeginErrorReadLine();
            await Task.WhenAny(ready.Task, child._process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(120)));
            if (!ready.Task.IsCompleted) throw new InvalidOperationException("kisrt sim did not start: " + child.Output);
            return child;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }
}
