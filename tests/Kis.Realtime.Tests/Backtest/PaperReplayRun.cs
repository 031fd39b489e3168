using Kis.Realtime.Samples;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// The sample strategy on paper, as the parity tests compare it with its backtest: <c>kisrt sim --replay</c> of a
/// raw.log on a manual clock, stepped by <see cref="SteppedReplay"/>, the strategy over the library's client and order
/// client as a user runs it (or another strategy given to <see cref="StartAsync"/>), account <see cref="Account"/>-01.
/// Disposing ends the strategy, the clients and the simulator.
/// </summary>
internal sealed class PaperReplayRun : IAsyncDisposable
{
    public const string Account = "50123456";

    private readonly CancellationTokenSource _stop = new();
    private readonly KisRealtimeClient _client;
    private readonly SteppedClient _stepped;
    private readonly Task _run;

    private PaperReplayRun(KisSimulator sim, SteppedReplay replay, KisRealtimeClient client, KisOrderClient orders,
        Func<IKisRealtimeClient, IKisOrderVenue, CancellationToken, Task>? strategy)
    {
        (Sim, Replay, _client, Orders) = (sim, replay, client, orders);
        _stepped = new SteppedClient(client, ct => SteppedReplay.Until(() => orders.Book.NoticesApplied >= replay.NoticeCount, "the notices applied"));
        _run = (strategy ?? Strategy.RunAsync)(_stepped, orders, _stop.Token);
    }

    public KisSimulator Sim { get; }
    public SteppedReplay Replay { get; }
    public KisOrderClient Orders { get; }
    public MeanReversionStrategy Strategy { get; } = new();

    /// <summary>Starts the simulator replaying <paramref name="rawLog"/> and the strategy on it (nothing served yet):
    /// <see cref="Strategy"/>, or <paramref name="strategy"/> when given (it must follow the notices into the order
    /// client's book and subscribe to the trades: the replay starts at those two subscriptions).</summary>
    public static async Task<PaperReplayRun> StartAsync(string rawLog,
        Func<IKisRealtimeClient, IKisOrderVenue, CancellationToken, Task>? strategy = null)
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 27, 1, 0, 0, TimeSpan.Zero));
        var sim = await StartSimAsync(o => o with
        {
            ReplayFile = rawLog, ReplaySpeed = 1, ReplayStartAfterSubscriptions = 2, Pace = MarketPace.Off,
            RandomNotices = false, Profile = SimulatorProfile.Real, TimeProvider = clock,
            PingInterval = TimeSpan.FromDays(2), // on the manual clock: no PINGPONG while the test moves it by hours
        });
        var replay = new SteppedReplay(sim, clock, rawLog, SimulatorOptions.DefaultHtsId);
        replay.Open();
        var client = new KisRealtimeClient(Options(sim) with { LivenessTimeout = TimeSpan.FromMinutes(5) });
        var orders = new KisOrderClient(new KisOrderOptions
        {
            Credential = DefaultCredential, Account = new KisAccount(Account, "01"), RestBaseUrl = sim.RestBaseUrl, Environment = KisEnvironment.Real,
        });
        return new PaperReplayRun(sim, replay, client, orders, strategy);
    }

    /// <summary>Serves every frame of the recording, each once the strategy is done with the ones before.</summary>
    public Task ServeAllAsync(TimeSpan timeout) => Replay.RunAsync(_stepped, () => Orders.Book.NoticesApplied).WaitAsync(timeout);

    /// <summary>Ends the strategy (it must end without an error).</summary>
    public async Task StopStrategyAsync()
    {
        await _stop.CancelAsync();
        await _run.WaitAsync(TestTimeout);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _run.WaitAsync(TestTimeout);
        }
        catch (OperationCanceledException)
        {
            // stopped here, not by StopStrategyAsync
        }
        Orders.Dispose();
        await _client.DisposeAsync();
        await Sim.DisposeAsync();
        _stop.Dispose();
    }
}
