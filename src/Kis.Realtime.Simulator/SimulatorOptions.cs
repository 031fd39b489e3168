using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kis.Realtime.Simulator;

/// <summary>Which KIS server the simulator imitates.</summary>
public enum SimulatorProfile
{
    /// <summary>실전: every TR of the table whose environments include the real server (the 60 of KIS's catalog).</summary>
    Real,
    /// <summary>모의: the TRs the paper server offers (H0IFCNI9, H0STCNI9, H0GSCNI9 for notices; H0STCNT0, H0STASP0 …).</summary>
    Paper,
}

/// <summary>Which heartbeat answers keep a session alive.</summary>
[Flags]
public enum PingAnswer
{
    /// <summary>None (every session is closed at the second ping).</summary>
    None = 0,
    /// <summary>The PINGPONG text echoed back as a text frame (what python-kis does).</summary>
    TextEcho = 1,
    /// <summary>A WebSocket pong control frame with any payload (what every one of KIS's own samples sends).</summary>
    PongFrame = 2,
    /// <summary>Either answer (the live server's behaviour, docs/kis-protocol.md §4; the default).</summary>
    Any = TextEcho | PongFrame,
}

/// <summary>An app key the simulator accepts, with its secret and the account holder's HTS ID (for notices).</summary>
/// <param name="AppKey">The app key (36 characters at KIS; any non-empty text here).</param>
/// <param name="AppSecret">The app secret (sent as <c>secretkey</c>). Never printed.</param>
/// <param name="HtsId">The HTS ID whose notices this app key may subscribe.</param>
public sealed record SimulatorCredential(string AppKey, string AppSecret, string HtsId)
{
    /// <summary>
    /// Account numbers this app key owns from the start (KIS issues an app key per account): <c>12345678-01</c> or
    /// <c>1234567801</c> for one account, <c>12345678</c> for every product code of that account number. A call on them
    /// with another app key is refused (<c>OPSQ2000</c>), even as the first call; their notices go to
    /// <see cref="HtsId"/>. An account named by no credential belongs to the app key that first uses it.
    /// </summary>
    public IReadOnlyList<string> Accounts { get; init; } = [];

    /// <summary><paramref name="account"/> as the venue keys it (8 or 10 ASCII digits, no dash); null when it is not an
    /// account number.</summary>
    internal static string? NormalizeAccount(string? account)
    {
        if (account is null) return null;
        var digits = account.Length == 11 && account[8] == '-' ? account.Remove(8, 1) : account;
        return digits.Length is 8 or 10 && digits.All(char.IsAsciiDigit) ? digits : null;
    }

    /// <inheritdoc/>
    public override string ToString() => $"SimulatorCredential {{ AppKey = {KisCredential.Mask(AppKey)}, AppSecret = ***, HtsId = {HtsId} }}";
}

/// <summary>What the simulator's one market clock follows.</summary>
public enum MarketClockMode
{
    /// <summary>
    /// A trading day that starts at KRX's open (09:00 KST; 10:00 on a late open such as a year's first trading day) when
    /// the simulator starts and runs <see cref="SimulatorOptions.ClockSpeed"/>
    /// times real time; demo days run 08:00–20:00 back to back, weekdays only (Friday night is followed by Monday morning). Data flows at once.
    /// </summary>
    Demo,
    /// <summary>
    /// The wall clock in KST with the real sessions: each TR sends only in its trading hours (index, bonds and KRX stocks
    /// 09:00–15:30, NXT 08:00–20:00 with its breaks, futures/options 08:45–15:45, expected trades in the auctions,
    /// night derivatives 18:00–06:00, US stocks 04:00–20:00 New York time), nothing on weekends; PINGPONG goes on regardless. For
    /// testing a client's off-hours behaviour.
    /// </summary>
    Live,
}

/// <summary>How fast the market generator sends.</summary>
public enum MarketPaceMode
{
    /// <summary>Human pace: every subscription gets its first data within about 1–2 s, then a frame every second or so.</summary>
    Demo,
    /// <summary>A fixed number of records per second per instrument (TR and key), however many sessions subscribe to it.</summary>
    Rate,
    /// <summary>As fast as the connection takes them (benchmarks).</summary>
    FlatOut,
    /// <summary>No generated data at all (e.g. when only replaying a file).</summary>
    Off,
    /// <summary>
    /// A market-wide rate spread over the instruments by their activity (<see cref="SimulatorOptions.Universe"/>'s Zipf-like
    /// shares, half on trades, half on books), with the open's burst: <see cref="MarketPace.OpenBurstRecordsPerSecond"/> for
    /// <see cref="MarketPace.OpenBurstLength"/> from 09:00 on the market clock, <see cref="MarketPace.RecordsPerSecond"/>
    /// after. The rates are what every instrument of the universe subscribed together makes; a subscriber of some gets their share.
    /// </summary>
    MarketWide,
}

/// <summary>How fast the market generator sends; use <see cref="Demo"/>, <see cref="FlatOut"/>, <see cref="Off"/> or <see cref="PerSecond"/>.</summary>
/// <param name="Mode">The pacing mode.</param>
/// <param name="RecordsPerSecond">For <see cref="MarketPaceMode.Rate"/>: records per second per instrument (TR and key); for
/// <see cref="MarketPaceMode.MarketWide"/>: the steady rate of the whole universe.</param>
public sealed record MarketPace(MarketPaceMode Mode, double RecordsPerSecond = 0)
{
    /// <summary>For <see cref="MarketPaceMode.MarketWide"/>: the whole universe's rate during the open's burst.</summary>
    public double OpenBurstRecordsPerSecond { get; init; }

    /// <summary>For <see cref="MarketPaceMode.MarketWide"/>: how long the burst lasts from 09:00 on the market clock.</summary>
    public TimeSpan OpenBurstLength { get; init; }

    /// <summary>
    /// A market-wide day profile: <paramref name="steadyPerSecond"/> records a second across the whole universe (e.g. 20,000),
    /// <paramref name="openBurstPerSecond"/> (e.g. 100,000) for <paramref name="openBurstLength"/> (default one minute) from
    /// the 09:00 open on the market clock; each instrument makes its activity share of it (see <see cref="MarketPaceMode.MarketWide"/>).
    /// </summary>
    public static MarketPace MarketWide(double steadyPerSecond, double? openBurstPerSecond = null, TimeSpan? openBurstLength = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steadyPerSecond);
        var burst = openBurstPerSecond ?? steadyPerSecond;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst, nameof(openBurstPerSecond));
        var length = openBurstLength ?? TimeSpan.FromMinutes(1);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, TimeSpan.Zero, nameof(openBurstLength));
        return new MarketPace(MarketPaceMode.MarketWide, steadyPerSecond) { OpenBurstRecordsPerSecond = burst, OpenBurstLength = length };
    }

    /// <summary>For <see cref="MarketPaceMode.MarketWide"/>: the whole universe's rate at market time <paramref name="marketNow"/>.</summary>
    internal double MarketRateAt(DateTime marketNow)
    {
        var sinceOpen = marketNow.TimeOfDay - KrxOpen;
        return sinceOpen >= TimeSpan.Zero && sinceOpen < OpenBurstLength ? OpenBurstRecordsPerSecond : RecordsPerSecond;
    }

    /// <summary>KRX's regular open (09:00), a time of day on the market clock: from the one calendar, not a constant of its own.</summary>
    private static readonly TimeSpan KrxOpen = MarketCalendar.KrxStocks.Sessions.First(s => s.Kind == TradingSessions.Regular).Start;

    /// <summary>Human pace (the default).</summary>
    public static MarketPace Demo { get; } = new(MarketPaceMode.Demo);

    /// <summary>As fast as possible, in multi-record frames.</summary>
    public static MarketPace FlatOut { get; } = new(MarketPaceMode.FlatOut);

    /// <summary>No generated data.</summary>
    public static MarketPace Off { get; } = new(MarketPaceMode.Off);

    /// <summary>A fixed rate per instrument (records per second, &gt; 0; every subscribed session gets each record). High rates go
    /// out as multi-record frames.</summary>
    public static MarketPace PerSecond(double recordsPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(recordsPerSecond);
        return new MarketPace(MarketPaceMode.Rate, recordsPerSecond);
    }
}

/// <summary>
/// Simulator settings: an immutable record; start from <see cref="Default"/> and change what you need with <c>with</c>.
/// </summary>
public sealed record SimulatorOptions
{
    /// <summary>The default app key (public: the simulator is a test double, not a secret store).</summary>
    public const string DefaultAppKey = "PSsimKisRealtimeDefaultAppKey0000000";

    /// <summary>The default app secret.</summary>
    public const string DefaultAppSecret = "simulator-default-app-secret-not-a-real-secret";

    /// <summary>The default HTS ID (notices for it are accepted with the default app key).</summary>
    public const string DefaultHtsId = "simuser01";

    /// <summary>Profile Real, free ports, the default credential, seed 1, ping every 100 s (pong frame or text echo), demo pace and clock.</summary>
    public static SimulatorOptions Default { get; } = new();

    /// <summary>Which server to imitate.</summary>
    public SimulatorProfile Profile { get; init; } = SimulatorProfile.Real;

    /// <summary>WebSocket port on 127.0.0.1; 0 picks a free port (see <see cref="KisSimulator.WebSocketUrl"/>).</summary>
    public int WebSocketPort { get; init; }

    /// <summary>REST port on 127.0.0.1 (approval key and the <c>/sim</c> control endpoint); 0 picks a free port.</summary>
    public int RestPort { get; init; }

    /// <summary>Accepted credentials.</summary>
    public IReadOnlyList<SimulatorCredential> Credentials { get; init; } =
        [new SimulatorCredential(DefaultAppKey, DefaultAppSecret, DefaultHtsId)];

    /// <summary>Notices accept any well-formed HTS ID instead of only the app key's own.</summary>
    public bool AcceptAnyHtsId { get; init; }

    /// <summary>
    /// Stock and day-session futures/options notices (H0STCNI0/9, H0IFCNI0/9) made up at random (a demo with nobody to
    /// place orders). Off by default: those notices then report the orders placed over the simulator's order
    /// REST calls (docs/simulator.md), and nothing else. Night-session (H0MFCNI0, H0EUCNI0) and overseas notices, whose
    /// orders the venue does not take, are made up at random either way.
    /// </summary>
    public bool RandomNotices { get; init; }

    /// <summary>
    /// Where the paper venue keeps its state across restarts (accounts, cash, positions, open orders, the order-number
    /// sequence and the market clock; docs/simulator.md): read at start, written atomically while it changes and at
    /// stop. Null (the library's default): kept in memory only, every start a new day. <c>kisrt sim</c> keeps one by
    /// default. A file that cannot be used stops the start with <see cref="KisSimulatorStateException"/>.
    /// </summary>
    public string? StateFile { get; init; }

    /// <summary>
    /// True (the default): where paper orders rest and no session subscribes to the instrument's trades or books, the
    /// simulator's clock makes the market trade it anyway (a trade and a book every half second), so resting orders
    /// fill whether or not anyone watches. False: the market trades only as the sessions' feeds (or a test) ask, and
    /// a test that makes every trade itself knows each one.
    /// </summary>
    public bool DriveRestingOrders { get; init; } = true;

    /// <summary>
    /// What the paper venue charges each fill: commission, and securities transaction tax on stock sells, at the same
    /// rates and by the same rule as a backtest (<see cref="KisBacktestOptions"/>'s defaults). Default: KIS's and KRX's
    /// rates as docs/backtest.md sources them.
    /// </summary>
    public KisTradingCosts Costs { get; init; } = KisTradingCosts.Default;

    /// <summary>Seed of the market generator: the same seed and subscriptions give the same records.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Interval between PINGPONG messages; a session that has not answered the previous one by then is closed.</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>
    /// Which heartbeat answers count. Default <see cref="PingAnswer.Any"/>: a pong frame or a text echo, as the live
    /// server accepts both; tests make one strict with <see cref="PingAnswer.TextEcho"/> or <see cref="PingAnswer.PongFrame"/>.
    /// </summary>
    public PingAnswer AcceptedPingAnswers { get; init; } = PingAnswer.Any;

    /// <summary>The market clock: <see cref="MarketClockMode.Demo"/> (default) or <see cref="MarketClockMode.Live"/>.</summary>
    public MarketClockMode Clock { get; init; } = MarketClockMode.Demo;

    /// <summary>
    /// Demo (and scenario) clock speed: market seconds per real second (1 = real time, 60 = a minute a second). Ignored
    /// when live without <see cref="MarketStart"/>.
    /// </summary>
    public double ClockSpeed { get; init; } = 1.0;

    /// <summary>
    /// A scenario's start: the market clock starts at this instant and runs <see cref="ClockSpeed"/> times real time on
    /// the real (live) hours of every TR, weekends closed, whatever <see cref="Clock"/> says. So a test runs a US session
    /// across KST midnight (and a summer-time change), the night derivatives session across midnight or NXT's
    /// after-market in seconds (e.g. 2026-03-09 22:25 +09:00 at speed 600). Null (the default): no scenario.
    /// </summary>
    public DateTimeOffset? MarketStart { get; init; }

    /// <summary>Generator pace: how often each subscription is sent records (the market clock says whether it may).</summary>
    public MarketPace Pace { get; init; } = MarketPace.Demo;

    /// <summary>Which stocks the market lists: the small table (default) or the whole KRX (<see cref="SimulatorUniverse.KrxAll"/>).</summary>
    public SimulatorUniverse Universe { get; init; } = SimulatorUniverse.Small;

    /// <summary>Maximum records per multi-record frame (1..999); bursts and fast paces are split into frames of at most this many.</summary>
    public int MaxRecordsPerFrame { get; init; } = 100;

    /// <summary>
    /// A file of recorded messages to serve, in <see cref="Kis.Realtime.Formatting.RawMessageLine"/>'s line format
    /// (<c>&lt;ISO-8601 UTC&gt;\t&lt;escaped message&gt;</c>, as <c>kisrt record</c> writes it); only its data frames are
    /// replayed. Null for none. The paper venue trades against the recording's KRX stock trades and books, on the
    /// recording's clock (docs/simulator.md, "Replay: the recording is the market"). The generator keeps feeding other
    /// subscriptions alongside unless <see cref="Pace"/> is <see cref="MarketPace.Off"/> (what a pure replay wants).
    /// </summary>
    public string? ReplayFile { get; init; }

    /// <summary>Replay pace: 1.0 = original timing, 2.0 = twice as fast, 0 = as fast as possible.</summary>
    public double ReplaySpeed { get; init; } = 1.0;

    /// <summary>
    /// A stepped replay (<c>kisrt sim --replay FILE --step</c>): the next recorded frame is served only when a client asks
    /// (<c>POST /sim/step?frames=N</c>), and the market clock stays at the last frame's time in between, so a strategy
    /// over REST, however slow its answers, meets the market a backtest shows it (docs/simulator.md). Takes the place of
    /// <see cref="ReplaySpeed"/>.
    /// </summary>
    public bool ReplayStep { get; init; }

    /// <summary>Replay to every connected session (true) or only to sessions holding a subscription (false, the default).</summary>
    public bool ReplayToAllSessions { get; init; }

    /// <summary>
    /// 0 (the default): the replay starts as soon as a receiving session is there. N: it also waits until the sessions
    /// hold N subscriptions together, so a client that subscribes to N TRs and keys sees every one of them from the
    /// recording's first frame (a deterministic replay).
    /// </summary>
    public int ReplayStartAfterSubscriptions { get; init; }

    /// <summary>Approval key lifetime (KIS: 24 hours).</summary>
    public TimeSpan ApprovalKeyLifetime { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Clock for heartbeats, pacing, approval-key expiry, PINGPONG timestamps and the market clock.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where the simulator logs (secrets are masked). Default: nowhere.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public void Validate()
    {
        if (WebSocketPort is < 0 or > 65535) throw new ArgumentException("WebSocketPort must be 0..65535.", nameof(WebSocketPort));
        if (RestPort is < 0 or > 65535) throw new ArgumentException("RestPort must be 0..65535.", nameof(RestPort));
        if (PingInterval <= TimeSpan.Zero) throw new ArgumentException("PingInterval must be positive.", nameof(PingInterval));
        if (MaxRecordsPerFrame is < 1 or > 999) throw new ArgumentException("MaxRecordsPerFrame must be 1..999.", nameof(MaxRecordsPerFrame));
        if (ReplaySpeed < 0 || double.IsNaN(ReplaySpeed)) throw new ArgumentException("ReplaySpeed must be ≥ 0.", nameof(ReplaySpeed));
        if (ReplayStep && ReplayFile is null) throw new ArgumentException("ReplayStep steps a replay: set ReplayFile too.", nameof(ReplayStep));
        if (ReplayStartAfterSubscriptions < 0) throw new ArgumentException("ReplayStartAfterSubscriptions must be ≥ 0.", nameof(ReplayStartAfterSubscriptions));
        if (!Enum.IsDefined(Clock)) throw new ArgumentException("Clock must be Demo or Live.", nameof(Clock));
        if (!(ClockSpeed > 0) || double.IsInfinity(ClockSpeed)) throw new ArgumentException("ClockSpeed must be a positive number.", nameof(ClockSpeed));
        if (Pace is null) throw new ArgumentException("Pace is required.", nameof(Pace));
        if (Pace.Mode is MarketPaceMode.Rate or MarketPaceMode.MarketWide && !(Pace.RecordsPerSecond > 0))
            throw new ArgumentException("A rate pace needs RecordsPerSecond > 0.", nameof(Pace));
        if (Pace.Mode == MarketPaceMode.MarketWide && !(Pace.OpenBurstRecordsPerSecond > 0))
            throw new ArgumentException("A market-wide pace needs OpenBurstRecordsPerSecond > 0.", nameof(Pace));
        if (!Enum.IsDefined(Universe)) throw new ArgumentException("Universe must be Small or KrxAll.", nameof(Universe));
        if (Credentials is null) throw new ArgumentException("Credentials are required.", nameof(Credentials));
        if (Costs is null) throw new ArgumentException("Costs are required.", nameof(Costs));
        Costs.Validate();
        foreach (var c in Credentials)
            if (string.IsNullOrEmpty(c.AppKey) || string.IsNullOrEmpty(c.AppSecret))
                throw new ArgumentException("Every credential needs an app key and an app secret.", nameof(Credentials));
        ValidateAccounts();
        if (TimeProvider is null) throw new ArgumentException("TimeProvider is required.", nameof(TimeProvider));
        if (LoggerFactory is null) throw new ArgumentException("LoggerFactory is required.", nameof(LoggerFactory));
    }

    /// <summary>Each credential's accounts are account numbers, and no account (or account number of one) is two app
    /// keys'.</summary>
    private void ValidateAccounts()
    {
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var credential in Credentials)
            foreach (var given in credential.Accounts ?? [])
            {
                if (SimulatorCredential.NormalizeAccount(given) is not { } account)
                    throw new ArgumentException($"'{given}' is not an account number (12345678-01, 1234567801 or 12345678).", nameof(Credentials));
                foreach (var (other, owner) in owners)
                    if (owner != credential.AppKey
                        && (account.StartsWith(other, StringComparison.Ordinal) || other.StartsWith(account, StringComparison.Ordinal)))
                        throw new ArgumentException($"Account {given} is given to two app keys; an account belongs to one.", nameof(Credentials));
                owners[account] = credential.AppKey;
            }
    }
}

