using System.Collections.Concurrent;
using Kis.Realtime.Simulator.Internal;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Metrics;
using Kis.Realtime.Simulator.WebSockets;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Simulator.Hosting;

/// <summary>The state shared by the REST and WebSocket sides: approval keys, live sessions, app-key slots, fault switches.</summary>
internal sealed class SimulatorHub : ISessionHost, IFaultTarget
{
    private readonly ConcurrentDictionary<long, SimSession> _sessions = new();
    private readonly ConcurrentDictionary<string, SimSession> _appKeySlots = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<OpspCode> _injectedFailures = new();
    private readonly KisEnvironment _environment;
    private long _nextSessionId;
    private volatile bool _refuseNewSessions;
    private volatile bool _stalled;

    public SimulatorHub(SimulatorOptions options)
    {
        Options = options;
        Logger = options.LoggerFactory.CreateLogger("Kis.Realtime.Simulator");
        UnlistedWarnings = new UnlistedCodeWarnings(options.TimeProvider);
        Approvals = new ApprovalKeyStore(options.TimeProvider, options.ApprovalKeyLifetime);
        AccessTokens = new AccessTokenStore(options.TimeProvider);
        Skips = new RecordSkips(Counters);
        // The state file first: a restart's market clock continues from the time it kept (issue 55, item 7).
        var (stateFile, saved) = options.StateFile is { } path ? Trading.VenueStateFile.Open(path) : (null, null);
        Market = new SimulatedMarket(options, Skips, Counters, saved?.MarketTime);
        Venue = new Trading.PaperVenue(Market, costs: options.Costs.ToCosts()); // reads the market's tape from now on
        if (saved is not null) RestoreOrRefuse(Venue, stateFile!, saved);
        StateFile = stateFile;
        RestoredState = saved;
        stateFile?.Keep(Venue, Market.Clock, options.TimeProvider, Logger);
        foreach (var credential in options.Credentials)
            foreach (var account in credential.Accounts ?? [])
                Venue.Bind(SimulatorCredential.NormalizeAccount(account)!, credential.AppKey, credential.HtsId); // validated
        Market.TradesWatched = TradesWatched; // an unwatched stock's trade paths catch its day up first (Stock.CatchUpIfUnwatched)
        Driver = options.DriveRestingOrders ? new MarketDriver(this) : null;
        _environment = options.Profile == SimulatorProfile.Paper ? KisEnvironment.Paper : KisEnvironment.Real;
    }

    /// <summary>Restores the venue from its state file; a state the venue cannot take (an order of an instrument this
    /// market does not list, numbers out of order) is the file's typed error, not a crash.</summary>
    private static void RestoreOrRefuse(Trading.PaperVenue venue, Trading.VenueStateFile file, Trading.VenueSnapshot saved)
    {
        try
        {
            venue.Restore(saved);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            file.Dispose(discard: true);
            throw new KisSimulatorStateException($"The state file {file.Path} cannot be used: {e.Message}. Move it away to start a new day, "
                + "or run with --no-state.", e);
        }
    }

    public SimulatorOptions Options { get; }
    public ILogger Logger { get; }
    public SimulatorTally Counters { get; } = new();
    public UnlistedCodeWarnings UnlistedWarnings { get; }
    public ApprovalKeyStore Approvals { get; }
    public AccessTokenStore AccessTokens { get; }
    public int ExpireApprovalKeys() => Approvals.ExpireAll();

    /// <summary>The skip fault's rules and log.</summary>
    public RecordSkips Skips { get; }

    /// <summary>The paper-trading venue: orders placed over KIS's order REST calls, their fills and notices.</summary>
    public Trading.PaperVenue Venue { get; }


    /// <summary>
    /// The instrument behind a subscription: the venue's notices of an HTS ID (stocks H0STCNI0/9, day futures/options
    /// H0IFCNI0/9, unless the options make them up at random), else the market's.
    /// </summary>
    public Instrument Instrument(TrDefinition tr, string key)
        => Options.RandomNotices || !SimulatedMarket.IsVenueNotice(tr) ? Market.Get(tr, key)
            : new Instrument(tr, key, new Notices.VenueNoticeStream(new Random(StableHash.Combine(Options.Seed, tr.Id, key)), tr, key, Market, Venue),
                TradingHours.Venue, Skips, Options.MaxRecordsPerFrame);

    /// <summary>The venue's state file (null: <see cref="SimulatorOptions.StateFile"/> not given).</summary>
    public Trading.VenueStateFile? StateFile { get; }

    /// <summary>The state the venue continued from (null: a new day).</summary>
    public Trading.VenueSnapshot? RestoredState { get; }

    /// <summary>Keeps the market trading where paper orders rest unwatched (null when the options turn it off).</summary>
    public MarketDriver? Driver { get; }

    /// <summary>True when a live session subscribes to (<paramref name="tr"/>, <paramref name="key"/>).</summary>
    public bool IsSubscribed(TrDefinition tr, string key) => _sessions.Values.Any(s => s.IsSubscribed(tr, key));

    /// <summary>True when a live session subscribes to one of the stock's trade feeds (H0STCNT0, H0NXCNT0, H0UNCNT0):
    /// its trades are made as that feed asks. Lock-free (the stock asks under its lock).</summary>
    public bool TradesWatched(string code)
    {
        foreach (var (_, s) in _sessions)
            if (s.IsSubscribed(KisTrs.H0STCNT0, code) || s.IsSubscribed(KisTrs.H0NXCNT0, code) || s.IsSubscribed(KisTrs.H0UNCNT0, code)) return true;
        return false;
    }

    /// <summary>The one market every session and subscription shares.</summary>
    public SimulatedMarket Market { get; }
    public bool RefuseNewSessions { get => _refuseNewSessions; set => _refuseNewSessions = value; }
    public bool IsStalled => _stalled;

    public IReadOnlyCollection<SimSession> Sessions => [.. _sessions.Values.OrderBy(s => s.Id)];

    /// <summary>True when this profile's server offers the TR (its table entry names the environment) and a generator exists.</summary>
    public bool Offers(TrDefinition tr) => tr.IsOfferedOn(_environment) && MarketStream.CanGenerate(tr);

    public long NextSessionId() => Interlocked.Increment(ref _nextSessionId);

    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next change of the session set or of any session's subscriptions.</summary>
    public Task NextChange => Volatile.Read(ref _changed).Task;

    /// <summary>Signals waiters of <see cref="NextChange"/>.</summary>
    public bool TryValidateApproval(string? approvalKey, out SimulatorCredential credential) => Approvals.TryValidate(approvalKey, out credential);

    public void NotifyChanged() => Interlocked.Exchange(ref _changed,
        new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public void Add(SimSession session)
    {
        _sessions[session.Id] = session;
        NotifyChanged();
    }

    public void Remove(SimSession session)
    {
        _sessions.TryRemove(session.Id, out _);
        session.ReleaseAppKey();
        NotifyChanged();
    }

    /// <summary>Claims the one live-session slot of an app key; false when another live session holds it (OPSP8996).</summary>
    public bool TryClaimAppKey(string appKey, SimSession session)
        => _appKeySlots.TryAdd(appKey, session) || (_appKeySlots.TryGetValue(appKey, out var holder) && holder == session);

    public void ReleaseAppKey(string appKey, SimSession session)
        => _appKeySlots.TryRemove(new KeyValuePair<string, SimSession>(appKey, session));

    public void InjectFailures(OpspCode code, int count)
    {
        for (var i = 0; i < count; i++) _injectedFailures.Enqueue(code);
    }

    public bool TryTakeInjectedFailure(out OpspCode code) => _injectedFailures.TryDequeue(out code);

    public int SetStalled(bool stalled)
    {
        _stalled = stalled;
        var sessions = Sessions;
        foreach (var s in sessions) s.SetStalled(stalled);
        return sessions.Count;
    }
}
