using System.Runtime.CompilerServices;
using System.Text;
using Kis.Realtime.Internal;
using Kis.Realtime.Protocol;

namespace Kis.Realtime;

/// <summary>
/// The client API over a recording (<see cref="KisRecordingSource"/>: <c>kisrt record</c> folders, the PostgreSQL raw
/// table): the same typed subscriptions as a live session, delivering the recorded records in received order, each
/// with its original receive time (<see cref="KisRecord.ReceivedAt"/>), as fast as possible or paced by
/// <see cref="KisReplayOptions.Speed"/>, from <see cref="KisReplayOptions.From"/> to <see cref="KisReplayOptions.To"/>.
/// An enumeration ends at the end of the recording (or To).
/// <para>
/// Each subscription reads its own cursor over the source from the start of the replay: it sees all of its records
/// whatever the order and the moment its loop starts, and what it yields depends on the recording alone
/// (deterministic). Memory is bounded: a cursor holds one message and its records at a time. Paced cursors share one
/// clock, anchored once (at the first paced read) to the recording's first message (or From), so the records of
/// different subscriptions come in received order as a live session would have delivered them.
/// </para>
/// <para>
/// Notices recorded encrypted are decrypted with the keys of the recorded subscribe replies of their session. A TR's
/// paper and real ids (H0IFCNI0 / H0IFCNI9 …) are the same subscription here: the recording says which it holds.
/// </para>
/// </summary>
public sealed class KisReplayClient : IKisRealtimeClient, IKisRawMessageSource
{
    private readonly KisRecordingSource _source;
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213",
        Justification = "Nothing to free (no timer, no wait handle); undisposed, a call racing disposal never meets ObjectDisposedException")]
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _stateGate = new(); // guards _state and _anchor's creation
    private KisConnectionState _state = KisConnectionState.Closed;
    private Task<ReplayAnchor>? _anchor;

    /// <summary>Creates a replay client; nothing is read until a subscription is enumerated.</summary>
    /// <param name="source">The recording.</param>
    /// <param name="options">Speed and window; null: <see cref="KisReplayOptions.Default"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (see <see cref="KisReplayOptions.Validate"/>).</exception>
    public KisReplayClient(KisRecordingSource source, KisReplayOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= KisReplayOptions.Default;
        options.Validate();
        _source = source;
        Options = options;
        var logger = (options.LoggerFactory
            ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger(typeof(KisReplayClient).FullName!);
        Gaps = new ClientGaps(options.DetectGaps, logger, options.TimeProvider, null);
    }

    /// <summary>This client's gap detection.</summary>
    internal ClientGaps Gaps { get; }

    /// <summary>
    /// Raised for every gap or overlap the recorded trade records show (<see cref="KisReplayOptions.DetectGaps"/>), from a
    /// task of its own: never on an enumeration's thread nor under a lock.
    /// </summary>
    public event Action<Kis.Realtime.VolumeGap>? GapDetected
    {
        add => Gaps.GapDetected += value;
        remove => Gaps.GapDetected -= value;
    }

    /// <summary>The options in effect.</summary>
    public KisReplayOptions Options { get; }

    /// <summary>The recording replayed.</summary>
    public KisRecordingSource Source => _source;

    internal ReplayCounters Counters { get; } = new();

    /// <summary>Closed before <see cref="ConnectAsync"/> and after disposal, Connected in between (a recording does not drop).</summary>
    public KisConnectionState State
    {
        get
        {
            lock (_stateGate) return _state;
        }
    }

    /// <summary>
    /// Counters of all subscriptions together: messages and records each cursor read (a message read by two
    /// subscriptions counts twice), records delivered, records of a subscribed TR not delivered (another key, outside
    /// From–To: <see cref="KisRealtimeStatistics.RecordsUnrouted"/>), and decode errors including lines or rows the
    /// source could not read.
    /// </summary>
    public KisRealtimeStatistics Statistics => Counters.Snapshot(_source.Skipped, _source.FirstSkipped, Gaps);

    /// <summary>Raised when <see cref="State"/> changes (not under any lock of the client).</summary>
    public event EventHandler<KisStateChangedEventArgs>? StateChanged;

    /// <summary>The HTS ID the notice helpers use when not given one (<see cref="KisReplayOptions.HtsId"/>).</summary>
    public string? HtsId => Options.HtsId;

    /// <summary>Checks that the recording can be read; optional (a subscription reads without it).</summary>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        await _source.CheckAsync(cancellationToken).ConfigureAwait(false);
        SetState(KisConnectionState.Connected, "recording " + _source.Description);
    }

    /// <summary>Any TR with a typed view: its recorded records of <paramref name="key"/>, in received order.</summary>
    /// <exception cref="ArgumentException">The key is malformed, or <typeparamref name="T"/> does not decode the TR.</exception>
    public IAsyncEnumerable<T> SubscribeAsync<T>(TrDefinition tr, string key, CancellationToken cancellationToken = default)
        where T : struct, IKisRecord<T>
    {
        var trIds = Resolve(tr, key);
        if (!T.Trs.Contains(tr))
            throw new ArgumentException($"{typeof(T).Name} does not decode {tr.Id}; it decodes {string.Join(", ", T.Trs.Select(t => t.Id))}.", nameof(tr));
        return ReplayAsync<T, TypedReplayDecoder<T>>(trIds, key, default, cancellationToken);
    }

    /// <summary>Any TR with a typed view: its recorded records of <paramref name="key"/>, each with its original receive time.</summary>
    /// <exception cref="ArgumentException">The key is malformed, or <typeparamref name="T"/> does not decode the TR.</exception>
    public IAsyncEnumerable<KisReceived<T>> SubscribeReceivedAsync<T>(TrDefinition tr, string key, CancellationToken cancellationToken = default)
        where T : struct, IKisRecord<T>
    {
        var trIds = Resolve(tr, key);
        if (!T.Trs.Contains(tr))
            throw new ArgumentException($"{typeof(T).Name} does not decode {tr.Id}; it decodes {string.Join(", ", T.Trs.Select(t => t.Id))}.", nameof(tr));
        return ReplayAsync<KisReceived<T>, ReceivedReplayDecoder<T>>(trIds, key, default, cancellationToken);
    }

    /// <summary>Any TR, raw: each recorded record's plain fields (copied), with its original receive time.</summary>
    /// <exception cref="ArgumentException">The key is malformed.</exception>
    public IAsyncEnumerable<KisRecord> SubscribeRecordsAsync(TrDefinition tr, string key, CancellationToken cancellationToken = default)
    {
        var trIds = Resolve(tr, key);
        return ReplayAsync<KisRecord, RawReplayDecoder>(trIds, key, new RawReplayDecoder(key), cancellationToken);
    }

    /// <summary>
    /// Every recorded message from From to To, in received order (paced like the subscriptions): replies, PINGPONG and
    /// data frames as received. A record stored by a record sink (the gateway's) comes as the one-record frame
    /// <c>0|TR|001|record</c>, plain.
    /// </summary>
    public async IAsyncEnumerable<RawMessage> ReadRawMessagesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var linked = Link(cancellationToken, out var token);
        var query = new ReplayQuery(Options.From, Options.To);
        await foreach (var message in _source.ReadAsync(query, token).ConfigureAwait(false))
        {
            if (message.ReceivedAt < (Options.From ?? DateTimeOffset.MinValue)) continue;
            if (message.ReceivedAt > (Options.To ?? DateTimeOffset.MaxValue)) continue; // a clock step back may bring later ones in range
            Counters.Message(message.Data.Length);
            await PaceAsync(message.ReceivedAt, token).ConfigureAwait(false);
            Counters.Delivered();
            yield return new RawMessage(message.ReceivedAt, message.Session, message.IsStoredRecord ? Frame(message) : message.Data.ToArray());
        }
    }

    /// <summary>Ends every enumeration (they stop with <see cref="OperationCanceledException"/>) and closes the client.</summary>
    public ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested) return ValueTask.CompletedTask;
        _disposed.Cancel();
        Gaps.Dispose();
        SetState(KisConnectionState.Closed, "disposed");
        return ValueTask.CompletedTask;
    }

    private IAsyncEnumerable<TOut> ReplayAsync<TOut, TDecoder>(IReadOnlySet<string> trIds, string key, TDecoder decoder,
        CancellationToken cancellationToken)
        where TDecoder : struct, IReplayDecoder<TOut> =>
        Options.Speed is null
            ? new DecodedAheadRecords<TOut, TDecoder>(this, trIds, key, decoder, cancellationToken)
            : PacedAsync<TOut, TDecoder>(trIds, key, decoder, cancellationToken);

    /// <summary>Paced: decoded on the subscriber's thread, a message at a time, each waiting for the replay clock.</summary>
    private async IAsyncEnumerable<TOut> PacedAsync<TOut, TDecoder>(IReadOnlySet<string> trIds, string key, TDecoder decoder,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where TDecoder : struct, IReplayDecoder<TOut>
    {
        using var linked = Link(cancellationToken, out var token);
        using var cursor = new ReplayCursor<TOut, TDecoder>(this, trIds, key, decoder);
        Counters.SubscriptionStarted();
        try
        {
            await foreach (var message in _source.ReadAsync(new ReplayQuery(Options.From, Options.To, trIds), token).ConfigureAwait(false))
            {
                var count = cursor.Take(message);
                if (count == 0) continue;
                cursor.FlushCounters(); // a waiting replay's statistics are exact
                await PaceAsync(message.ReceivedAt, token).ConfigureAwait(false);
                for (var i = 0; i < count; i++)
                {
                    cursor.Delivered();
                    yield return cursor.Batch[i];
                }
            }
        }
        finally
        {
            Counters.SubscriptionEnded();
        }
    }

    private IReadOnlySet<string> Resolve(TrDefinition tr, string key)
    {
        ArgumentNullException.ThrowIfNull(tr);
        ArgumentNullException.ThrowIfNull(key);
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        if (!tr.IsValidKey(key)) throw new ArgumentException($"'{key}' is not a valid {tr.Id} key ({tr.KeyFormat}).", nameof(key));
        // The recording holds whichever id its server used: H0IFCNI0 on the real server, H0IFCNI9 on paper.
        return new HashSet<string>(StringComparer.Ordinal)
        {
            tr.Id, KisTrs.ForEnvironment(tr, KisEnvironment.Paper).Id, KisTrs.ForEnvironment(tr, KisEnvironment.Real).Id,
        };
    }

    /// <summary>Paced: waits until the shared replay clock reaches <paramref name="receivedAt"/>; unpaced: returns at once.</summary>
    private ValueTask PaceAsync(DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        if (Options.Speed is not { } speed) return ValueTask.CompletedTask;
        return PaceSlowAsync(receivedAt, speed, cancellationToken);
    }

    private async ValueTask PaceSlowAsync(DateTimeOffset receivedAt, double speed, CancellationToken cancellationToken)
    {
        var anchor = await AnchorAsync(cancellationToken).ConfigureAwait(false);
        var clock = Options.TimeProvider;
        var due = TimeSpan.FromTicks((long)((receivedAt - anchor.RecordedStart).Ticks / speed));
        var wait = due - clock.GetElapsedTime(anchor.WallStart);
        if (wait > TimeSpan.Zero) await Task.Delay(wait, clock, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ReplayAnchor> AnchorAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource<ReplayAnchor>? mine = null;
        Task<ReplayAnchor> anchor;
        lock (_stateGate)
        {
            if (_anchor is null)
            {
                mine = new TaskCompletionSource<ReplayAnchor>(TaskCreationOptions.RunContinuationsAsynchronously);
                _anchor = mine.Task;
            }
            anchor = _anchor;
        }
        if (mine is not null)
        {
            // The source is read outside the lock; a failure reaches every paced cursor.
            try
            {
                mine.SetResult(await FindAnchorAsync(_disposed.Token).ConfigureAwait(false));
            }
            catch (Exception e)
            {
                mine.SetException(e);
            }
        }
        return await anchor.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The recording's first message (or From) is replayed at the moment the first paced cursor starts.</summary>
    private async Task<ReplayAnchor> FindAnchorAsync(CancellationToken cancellationToken)
    {
        var start = Options.From;
        if (start is null)
            await foreach (var message in _source.ReadAsync(new ReplayQuery(null, Options.To), cancellationToken).ConfigureAwait(false))
            {
                start = message.ReceivedAt;
                break;
            }
        return new ReplayAnchor(start ?? DateTimeOffset.MinValue, Options.TimeProvider.GetTimestamp());
    }

    internal CancellationTokenSource Link(CancellationToken cancellationToken, out CancellationToken token)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        token = linked.Token;
        return linked;
    }

    private void SetState(KisConnectionState state, string reason)
    {
        KisConnectionState previous;
        lock (_stateGate)
        {
            previous = _state;
            if (previous == state) return;
            _state = state;
        }
        StateChanged?.Invoke(this, new KisStateChangedEventArgs(0, "replay", previous, state, reason, null, null));
    }

    private static byte[] Frame(in RecordedMessage message)
    {
        var header = $"0|{message.TrId}|001|";
        var frame = new byte[header.Length + message.Data.Length];
        Encoding.ASCII.GetBytes(header, frame);
        message.Data.Span.CopyTo(frame.AsSpan(header.Length));
        return frame;
    }

    private readonly record struct ReplayAnchor(DateTimeOffset RecordedStart, long WallStart);
}
