using System.Globalization;
using System.Runtime.CompilerServices;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Trading;
using Kis.Realtime.Simulator.Trading.Rules;
using Kis.Realtime.Tests.Simulator;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// Drives <c>kisrt sim --replay</c> (the in-process simulator replaying a raw.log on a <see cref="ManualTimeProvider"/>)
/// one recorded frame at a time, as a backtest steps its simulated time: the clock moves to the next frame's receive time
/// only once the strategy has done everything the frames so far made it do (read each trade, placed its orders and had
/// them answered, applied every notice the venue issued). A strategy then meets, on paper, the market a backtest at
/// zero latency shows it: its order reaches the venue at the time of the trade it answers, before the next record.
/// </summary>
internal sealed class SteppedReplay(KisSimulator sim, ManualTimeProvider clock, string rawLog, string htsId)
{
    private readonly List<(DateTimeOffset At, bool Trade)> _frames = [.. Frames(rawLog)];
    private readonly List<PaperNotice> _notices = [];
    private NoticeReader? _reader;

    /// <summary>Every notice the venue issued for the HTS ID's stock orders since <see cref="Open"/>, in order.</summary>
    public IReadOnlyList<PaperNotice> Notices
    {
        get
        {
            Drain();
            lock (_notices) return [.. _notices];
        }
    }

    /// <summary>Starts reading the venue's notices (before the strategy's first order).</summary>
    public void Open() => _reader = sim.Hub.Venue.OpenNotices(htsId, derivative: false);

    /// <summary>The last frame's receive time.</summary>
    public DateTimeOffset LastFrameAt => _frames[^1].At;

    /// <summary>Serves every frame, waiting after each until <paramref name="strategy"/> is done with it and with the
    /// notices so far (<paramref name="applied"/>: how many the strategy's order book applied).</summary>
    public async Task RunAsync(SteppedClient strategy, Func<long> applied)
    {
        var origin = clock.GetUtcNow(); // the replay's start (no frame moved the clock yet)
        long trades = 0;
        for (var i = 0; i < _frames.Count; i++)
        {
            var target = origin + (_frames[i].At - _frames[0].At);
            if (target > clock.GetUtcNow()) clock.Advance(target - clock.GetUtcNow());
            var frame = i + 1;
            await Until(() => sim.Counters.ReplayFramesSent >= frame, $"frame {frame} sent");
            if (_frames[i].Trade) trades++;
            var seen = trades;
            await Until(() => strategy.TradesHandled >= seen && applied() >= NoticeCount, $"the strategy done with frame {frame}");
        }
        await sim.ReplayCompletion.WaitAsync(ClientTestKitTimeout);
    }

    /// <summary>Moves the market clock on past <paramref name="kst"/> (KST): the venue's day orders expire.</summary>
    public void AdvanceMarketTo(DateTime kst)
    {
        var marketNow = sim.Hub.Market.Clock.Now();
        if (kst > marketNow) clock.Advance(kst - marketNow);
    }

    /// <summary>Notices issued so far.</summary>
    public long NoticeCount
    {
        get
        {
            Drain();
            lock (_notices) return _notices.Count;
        }
    }

    private void Drain()
    {
        if (_reader is null) return;
        lock (_notices)
            while (sim.Hub.Venue.NextNotice(_reader) is { } notice) _notices.Add(notice);
    }

    private static readonly TimeSpan ClientTestKitTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Polls every millisecond (a step waits for a few): 1,000 frames wait 10 s at the usual 10 ms.</summary>
    internal static async Task Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + ClientTestKitTimeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for {what}.");
            await Task.Delay(1);
        }
    }

    /// <summary>Each data line's receive time and whether it is a KRX trade.</summary>
    internal static IEnumerable<(DateTimeOffset At, bool Trade)> Frames(string rawLog)
    {
        foreach (var line in File.ReadLines(rawLog))
        {
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab <= 0) continue;
            var message = line[(tab + 1)..];
            if (!message.StartsWith("0|", StringComparison.Ordinal) && !message.StartsWith("1|", StringComparison.Ordinal)) continue;
            yield return (DateTimeOffset.Parse(line[..tab], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                message.StartsWith("0|H0STCNT0|", StringComparison.Ordinal));
        }
    }
}

/// <summary>
/// A client that passes everything through, and hands the strategy each KRX trade only after <paramref name="beforeTrade"/>
/// (the paper run: once the strategy's book applied the notices the venue issued on that trade, as a backtest delivers
/// them first); <see cref="TradesHandled"/> counts the trades the strategy finished with (it asked for the next).
/// </summary>
internal sealed class SteppedClient(IKisRealtimeClient inner, Func<CancellationToken, Task> beforeTrade) : IKisRealtimeClient
{
    private long _asked;

    /// <summary>Trades the strategy read and finished with.</summary>
    public long TradesHandled => Math.Max(0, Interlocked.Read(ref _asked) - 1);

    public KisConnectionState State => inner.State;
    public KisRealtimeStatistics Statistics => inner.Statistics;
    public string? HtsId => inner.HtsId;

    public event EventHandler<KisStateChangedEventArgs>? StateChanged
    {
        add => inner.StateChanged += value;
        remove => inner.StateChanged -= value;
    }

    public Task ConnectAsync(CancellationToken cancellationToken = default) => inner.ConnectAsync(cancellationToken);

    public IAsyncEnumerable<T> SubscribeAsync<T>(TrDefinition tr, string key, CancellationToken cancellationToken = default)
        where T : struct, IKisRecord<T>
        => ReferenceEquals(tr, KisTrs.H0STCNT0) ? Stepped(inner.SubscribeAsync<T>(tr, key, cancellationToken), cancellationToken)
            : inner.SubscribeAsync<T>(tr, key, cancellationToken);

    public IAsyncEnumerable<KisRecord> SubscribeRecordsAsync(TrDefinition tr, string key, CancellationToken cancellationToken = default)
        => inner.SubscribeRecordsAsync(tr, key, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private async IAsyncEnumerable<T> Stepped<T>(IAsyncEnumerable<T> source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var trades = source.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            Interlocked.Increment(ref _asked); // the strategy asks for the next: it is done with the one before
            if (!await trades.MoveNextAsync()) yield break;
            await beforeTrade(cancellationToken);
            yield return trades.Current;
        }
    }
}
