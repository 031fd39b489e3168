using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Kis.Realtime.Simulator;
using Xunit.Abstractions;
using static Kis.Realtime.Tests.Cli.SimNoticeDeliveryTests;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// Issue 73, finding 1 through <c>kisrt sim</c> as a process: killed with SIGKILL at a random moment while four clients
/// place orders, it must come back with every order it acknowledged (the paper venue's journal is on disk before an
/// answer) and never give a number twice, across several kills of one state file.
/// </summary>
[Collection(Gateway.KisrtProcessCollection.Name)] // one kisrt process test at a time, beside the tests that wait
public sealed class SimKillTests(ITestOutputHelper output)
{
    private const int Kills = 3, Clients = 4;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Killed_at_random_moments_the_simulator_keeps_every_acknowledged_order_and_never_reuses_a_number()
    {
        var stateFile = Path.Combine(CliTestKit.EmptyDirectory(), "sim-state.json");
        var acknowledged = new ConcurrentDictionary<long, int>(); // number → the run that got it
        var random = new Random();
        for (var run = 0; run < Kills; run++)
        {
            await using var sim = await SimChild.StartAsync("--state-file", stateFile);
            using var http = Http(sim);
            var token = await TokenAsync(http);
            AssertAllListed(acknowledged, await ListedAsync(http, token), sim);

            // Orders from several clients at once until the kill, which comes after a random number of answers.
            var target = random.Next(1, 60);
            var (answered, killing) = (0, 0);
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var stop = new CancellationTokenSource();
            var clients = Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
            {
                while (Volatile.Read(ref killing) == 0)
                {
                    long number;
                    try
                    {
                        number = await PlaceAsync(http, token, stop.Token);
                    }
                    catch (Exception) when (Volatile.Read(ref killing) == 1)
                    {
                        return; // in flight at the kill: never acknowledged
                    }
                    Assert.True(acknowledged.TryAdd(number, run), $"run {run}: order number {number} was given before (run {acknowledged[number]})");
                    if (Interlocked.Increment(ref answered) >= target) reached.TrySetResult();
                }
            })).ToList();
            await Task.WhenAny(reached.Task, Task.WhenAll(clients)).WaitAsync(Timeout);
            Assert.True(reached.Task.IsCompleted, "the clients stopped before the kill: " + sim.Output);
            Volatile.Write(ref killing, 1); // what fails from here on is the kill's doing
            await sim.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(clients).WaitAsync(Timeout);
            output.WriteLine($"run {run}: killed after {Volatile.Read(ref answered)} acknowledged orders (target {target})");
        }

        await using var last = await SimChild.StartAsync("--state-file", stateFile);
        using var lastHttp = Http(last);
        var lastToken = await TokenAsync(lastHttp);
        AssertAllListed(acknowledged, await ListedAsync(lastHttp, lastToken), last);
        var next = await PlaceAsync(lastHttp, lastToken, CancellationToken.None);
        Assert.True(next > acknowledged.Keys.Max(), $"order number {next} after the kills is not above every acknowledged one ({acknowledged.Keys.Max()})");
    }

    private static HttpClient Http(SimChild sim) => new(new HttpClientHandler { UseProxy = false }) { BaseAddress = new Uri(sim.RestUrl + "/") };

    private static void AssertAllListed(ConcurrentDictionary<long, int> acknowledged, HashSet<long> listed, SimChild sim)
    {
        var lost = acknowledged.Keys.Where(n => !listed.Contains(n)).Order().ToList();
        Assert.True(lost.Count == 0,
            $"{lost.Count} of {acknowledged.Count} acknowledged orders lost by a kill: {string.Join(", ", lost.Take(10))}\n{sim.Output}");
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string token, string trId)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("authorization", $"Bearer {token}");
        request.Headers.Add("appkey", SimulatorOptions.DefaultAppKey);
        request.Headers.Add("appsecret", SimulatorOptions.DefaultAppSecret);
        request.Headers.Add("tr_id", trId);
        request.Headers.Add("custtype", "P");
        return request;
    }

    /// <summary>A market buy of one share (KIS's order_cash sample's body); the number it was acknowledged with.</summary>
    private static async Task<long> PlaceAsync(HttpClient http, string token, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Post, "uapi/domestic-stock/v1/trading/order-cash", token, "TTTC0012U");
        request.Content = JsonContent.Create(new Dictionary<string, string>
        {
            ["CANO"] = "50123456", ["ACNT_PRDT_CD"] = "01", ["PDNO"] = "005930", ["ORD_DVSN"] = "01", ["ORD_QTY"] = "1",
            ["ORD_UNPR"] = "0", ["EXCG_ID_DVSN_CD"] = "KRX", ["SLL_TYPE"] = "", ["CNDT_PRIC"] = "",
        });
        using var response = await http.SendAsync(request, cancellationToken);
        var reply = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement;
        Assert.True(reply.GetProperty("rt_cd").GetString() == "0", reply.ToString());
        return long.Parse(reply.GetProperty("output").GetProperty("ODNO").GetString()!, NumberStyles.None, CultureInfo.InvariantCulture);
    }

    /// <summary>The order numbers inquire-daily-ccld lists for the account. It asks for no date and the simulator lists every
    /// order of the account with the day it was placed, so a run across KST midnight, restarted on the next day, loses none
    /// (<c>SimRestartAcrossMidnightTests</c>).</summary>
    private static async Task<HashSet<long>> ListedAsync(HttpClient http, string token)
    {
        using var request = Request(HttpMethod.Get, "uapi/domestic-stock/v1/trading/inquire-daily-ccld?CANO=50123456&ACNT_PRDT_CD=01", token, "TTTC0081R");
        using var response = await http.SendAsync(request);
        var reply = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(reply.GetProperty("rt_cd").GetString() == "0", reply.ToString());
        return [.. reply.GetProperty("output1").EnumerateArray()
            .Select(o => long.Parse(o.GetProperty("odno").GetString()!, NumberStyles.None, CultureInfo.InvariantCulture))];
    }
}
