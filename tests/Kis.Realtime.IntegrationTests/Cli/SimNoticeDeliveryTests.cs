using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// Issue 42, item 2 through <c>kisrt sim</c> as a process: orders placed over REST at 10 a second each get their
/// acceptance notice on the WebSocket. A regression guard against notices paced like a market feed (they once came a
/// median 52 s late); no timing is asserted but a generous 10 s per notice (the measured figures are the
/// <c>notice-latency</c> harness's, docs/simulator.md).
/// </summary>
[Collection(Gateway.KisrtProcessCollection.Name)] // one kisrt process test at a time, beside the tests that wait
public sealed partial class SimNoticeDeliveryTests
{
    private static readonly TimeSpan PerNotice = TimeSpan.FromSeconds(10);

    [GeneratedRegex(@"^\s*(WebSocket|REST base) URL\s*:\s*(\S+)")]
    private static partial Regex UrlLine();

    [Fact]
    public async Task Every_acceptance_notice_of_orders_at_ten_a_second_arrives()
    {
        await using var sim = await SimChild.StartAsync();
        using var http = new HttpClient(new HttpClientHandler { UseProxy = false }) { BaseAddress = new Uri(sim.RestUrl + "/") };
        var token = await TokenAsync(http);
        var clock = Stopwatch.StartNew();
        var accepted = new ConcurrentDictionary<string, TimeSpan>();
        var arrived = new SemaphoreSlim(0);
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
                if (notice.Kind == NoticeKind.OrderAccepted && accepted.TryAdd(notice.OrderNumber.TrimStart('0'), clock.Elapsed))
                    arrived.Release();
        });

        // The subscription is live once a first order's notice comes (orders before it are not reported to it).
        var live = Stopwatch.StartNew();
        while (true)
        {
            var first = await PlaceAsync(http, token);
            if (await arrived.WaitAsync(TimeSpan.FromSeconds(5)) && accepted.ContainsKey(first)) break;
            Assert.True(live.Elapsed < TimeSpan.FromSeconds(90), "no notice subscription came up: " + sim.Output);
        }

        var answered = new List<(string Order, TimeSpan At)>();
        var start = clock.Elapsed;
        for (var i = 0; i < 50; i++)
        {
            var due = start + TimeSpan.FromMilliseconds(100 * i);
            if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed); // the rate, not synchronisation
            answered.Add((await PlaceAsync(http, token), clock.Elapsed));
        }
        foreach (var (order, at) in answered)
            while (!accepted.ContainsKey(order) && clock.Elapsed < at + PerNotice)
                await arrived.WaitAsync(at + PerNotice - clock.Elapsed + TimeSpan.FromMilliseconds(1));
        await stop.CancelAsync();
        await reading.ContinueWith(_ => { }, TaskScheduler.Default);

        var late = answered.Where(o => !accepted.TryGetValue(o.Order, out var at) || at - o.At > PerNotice)
            .Select(o => $"{o.Order}: {(accepted.TryGetValue(o.Order, out var at) ? $"{(at - o.At).TotalSeconds:0.0} s" : "never")}").ToList();
        Assert.True(late.Count == 0,
            $"{late.Count} of {answered.Count} acceptance notices not within {PerNotice.TotalSeconds} s: {string.Join(", ", late.Take(10))}");
    }

    internal static async Task<string> TokenAsync(HttpClient http)
    {
        using var response = await http.PostAsJsonAsync("oauth2/tokenP", new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["appkey"] = SimulatorOptions.DefaultAppKey, ["appsecret"] = SimulatorOptions.DefaultAppSecret,
        });
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>A market buy of one share as KIS's order_cash sample sends it; its order number without leading zeros.</summary>
    private static async Task<string> PlaceAsync(HttpClient http, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "uapi/domestic-stock/v1/trading/order-cash")
        {
            Content = JsonContent.Create(new Dictionary<string, string>
            {
                ["CANO"] = "50123456", ["ACNT_PRDT_CD"] = "01", ["PDNO"] = "005930", ["ORD_DVSN"] = "01", ["ORD_QTY"] = "1",
                ["ORD_UNPR"] = "0", ["EXCG_ID_DVSN_CD"] = "KRX", ["SLL_TYPE"] = "", ["CNDT_PRIC"] = "",
            }),
        };
        request.Headers.TryAddWithoutValidation("authorization", $"Bearer {token}");
        request.Headers.Add("appkey", SimulatorOptions.DefaultAppKey);
        request.Headers.Add("appsecret", SimulatorOptions.DefaultAppSecret);
        request.Headers.Add("tr_id", "TTTC0012U");
        request.Headers.Add("custtype", "P");
        using var response = await http.SendAsync(request);
        var reply = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(reply.GetProperty("rt_cd").GetString() == "0", reply.ToString());
        return reply.GetProperty("output").GetProperty("ODNO").GetString()!.TrimStart('0');
    }

    /// <summary><c>kisrt sim</c> on free ports as a child process (kisrt.dll beside the tests), its URLs read from what it prints.</summary>
    internal sealed class SimChild : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly System.Text.StringBuilder _output = new();

        private SimChild(Process process) => _process = process;

        public string WebSocketUrl { get; private set; } = "";
        public string RestUrl { get; private set; } = "";

        public string Output
        {
            get { lock (_output) return _output.ToString(); }
        }

        /// <summary>Starts it with <paramref name="options"/> (none: <c>--no-state</c>).</summary>
        public static async Task<SimChild> StartAsync(params string[] options)
        {
            if (options.Length == 0) options = ["--no-state"];
            // As RecordKillTests starts kisrt: resolved with the test assembly's own dependency manifest.
            var folder = AppContext.BaseDirectory;
            var tests = Path.Combine(folder, typeof(SimNoticeDeliveryTests).Assembly.GetName().Name!);
            var start = new ProcessStartInfo(DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in (string[])["exec", "--depsfile", tests + ".deps.json", "--runtimeconfig", tests + ".runtimeconfig.json",
                         Path.Combine(folder, "kisrt.dll"), "sim", .. options, "--ws-port", "0", "--rest-port", "0"])
                start.ArgumentList.Add(arg);
            foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("KIS_", StringComparison.Ordinal)
                || k.StartsWith("KISRT_", StringComparison.Ordinal)).ToList())
                start.Environment.Remove(name);
            var child = new SimChild(new Process { StartInfo = start });
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            child._process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (child._output) child._output.AppendLine(e.Data);
                if (UrlLine().Match(e.Data) is not { Success: true } url) return;
                if (url.Groups[1].Value == "WebSocket") child.WebSocketUrl = url.Groups[2].Value;
                else child.RestUrl = url.Groups[2].Value;
                if (child.WebSocketUrl.Length > 0 && child.RestUrl.Length > 0) ready.TrySetResult();
            };
            child._process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null) lock (child._output) child._output.AppendLine(e.Data);
            };
            child._process.Start();
            child._process.BeginOutputReadLine();
            child._process.BeginErrorReadLine();
            await Task.WhenAny(ready.Task, child._process.WaitForExitAsync()).WaitAsync(TimeSpan.FromSeconds(120));
            Assert.True(ready.Task.IsCompleted, "kisrt sim did not print its URLs: " + child.Output);
            return child;
        }

        /// <summary>SIGKILL: no clean stop, no last save.</summary>
        public async Task KillAsync()
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
        }

        private static string DotnetHost()
        {
            if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
            var self = Environment.ProcessPath;
            return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        }
    }
}
