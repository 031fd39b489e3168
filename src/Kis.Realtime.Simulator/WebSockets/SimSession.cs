using System.Security.Cryptography;
using Kis.Realtime.Simulator.Internal;
using Kis.Realtime.Simulator.Market;
using Microsoft.AspNetCore.Http;

namespace Kis.Realtime.Simulator.WebSockets;

/// <summary>
/// One WebSocket session: a receive loop (requests, PINGPONG echoes, control frames) and a send loop that is the only
/// writer of the socket (replies, pings, fault frames and generated data, in that priority). Replies are queued before
/// a new subscription becomes visible to the send loop, so a SUBSCRIBE SUCCESS always precedes its first data frame.
/// </summary>
internal sealed partial class SimSession : IAsyncDisposable, IFrameListener
{
    /// <summary>KIS's limit: 41 registrations per session, all TRs together.</summary>
    public const int MaxRegistrations = 41;

    private const string KeyAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    private readonly ISessionHost _hub;
    private readonly HttpContext _context;
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213", Justification = "Kestrel's connection stream: the server owns it")]
    private readonly Stream _stream;
    private readonly ControlFrameQueue _control = new();
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213",
        Justification = "Nothing to free (no timer, no wait handle); undisposed, a call racing disposal never meets ObjectDisposedException")]
    private readonly CancellationTokenSource _cts = new();
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SessionSubscriptions _subscriptions = new();
    private readonly string _iv, _key;
    private readonly TimeProvider _time;
    private readonly SendScheduler _scheduler;
    private readonly PingHeartbeat _heartbeat;
    private SimulatorCredential? _credential;
    private volatile bool _stalled;
    private TaskCompletionSource _unstalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _closing;
    private int _tapeWake;
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213",
        Justification = "Disposed when the session ends (RunAsync), not by DisposeAsync")]
    private SessionSendBuffer? _sendBuffer;
    private string _endReason = "connection ended";

    internal long _frames, _records, _bytes, _pingsSent, _pingsAnswered, _requests;

    public SimSession(ISessionHost hub, HttpContext context, Stream stream, long id)
    {
        _hub = hub;
        _context = context;
        _stream = stream;
        _time = hub.Options.TimeProvider;
        Id = id;
        Path = context.Request.Path.Value ?? "/";
        ConnectedAt = _time.GetUtcNow();
        // Fresh per session, the same for every TR of the session (as KIS: keys die with the session).
        _iv = RandomNumberGenerator.GetString(KeyAlphabet, 16);
        _key = RandomNumberGenerator.GetString(KeyAlphabet, 32);
        _stalled = hub.IsStalled;
        _scheduler = new SendScheduler(hub);
        _heartbeat = new PingHeartbeat(_time, hub.Options.PingInterval);
    }

    public long Id { get; }
    public string Path { get; }
    public DateTimeOffset ConnectedAt { get; }
    public string? AppKey => _credential?.AppKey;

    /// <summary>Completes when the session has ended (connection closed or aborted).</summary>
    public Task Completion => _completed.Task;

    public SimulatorSessionInfo Snapshot()
    {
        var subs = _subscriptions.Current;
        return new SimulatorSessionInfo
        {
            Id = Id,
            AppKey = _credential is null ? "" : KisCredential.Mask(_credential.AppKey), // empty until bound
            Path = Path,
            ConnectedAt = ConnectedAt,
            Subscriptions = [.. subs.Select(s => new SimulatorSubscription(s.Tr.Id, s.Key))],
            FramesSent = Interlocked.Read(ref _frames),
            RecordsSent = Interlocked.Read(ref _records),
            BytesSent = Interlocked.Read(ref _bytes),
            PingsSent = Interlocked.Read(ref _pingsSent),
            PingsAnswered = Interlocked.Read(ref _pingsAnswered),
            Requests = Interlocked.Read(ref _requests),
            Stalled = _stalled,
        };
    }

    public bool HasSubscriptions => _subscriptions.Current.Length > 0;

    /// <summary>True when this session subscribes to (<paramref name="tr"/>, <paramref name="key"/>).</summary>
    public bool IsSubscribed(TrDefinition tr, string key) => _subscriptions.Contains(tr, key);

    /// <summary>How many subscriptions the session holds (a snapshot).</summary>
    public int SubscriptionCount => _subscriptions.Current.Length;

    public async Task RunAsync()
    {
        var ct = _cts.Token;
        _sendBuffer = new SessionSendBuffer(_key, _iv, _hub.Options.MaxRecordsPerFrame);
        using var pingTimer = _time.CreateTimer(static s => ((SimSession)s!).OnPingTimer(), this,
            _hub.Options.PingInterval, _hub.Options.PingInterval);
        var receive = Task.Run(() => ReceiveLoopAsync(ct), CancellationToken.None);
        var send = Task.Run(() => SendLoopAsync(ct), CancellationToken.None);
        try
        {
            var first = await Task.WhenAny(receive, send).ConfigureAwait(false);
            if (first == send && !receive.IsCompleted)
            {
                // We sent a close frame: give the client a moment to answer it (RFC 6455), then drop the connection.
                await Task.WhenAny(receive, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None)).ConfigureAwait(false);
            }
            else if (first == receive && _closing && !send.IsCompleted)
            {
                // A close is queued (the client's close echo, or ours after OPSP8996): let the send loop flush it.
                await Task.WhenAny(send, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None)).ConfigureAwait(false);
            }
        }
        finally
        {
            await _cts.CancelAsync().ConfigureAwait(false);
            if (!receive.IsCompleted || !send.IsCompleted) _context.Abort();
            try
            {
                await Task.WhenAll(receive, send).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Cancellation and I/O failures are how sessions end (the reason is recorded); anything else is a bug: log it.
                foreach (var loop in new[] { receive, send })
                    if (loop.Exception?.GetBaseException() is { } ex and not OperationCanceledException and not IOException)
                    {
                        _endReason = "failed: " + ex.GetType().Name;
                        Log.SessionFailed(_hub.Logger, Id, ex);
                    }
            }
            _subscriptions.LeaveTapes();
            _sendBuffer.Dispose();
            Log.SessionEnded(_hub.Logger, Id, _endReason);
            _completed.TrySetResult();
        }
    }

    // ---------------------------------------------------------------- receive

    private async Task ReceiveLoopAsync(CancellationToken ct)
    {
        using var reader = new WebSocketFrameReader(_stream, 1 << 20, requireMask: true);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var message = await reader.ReceiveAsync(ct).ConfigureAwait(false);
                if (message.IsEndOfStream)
                {
                    if (!_closing) _endReason = "client disconnected without a close frame";
                    return;
                }
                if (_stalled && message.Opcode != WebSocketOpcode.Close)
                {
                    // Stalled: hold the message until unstalled (the server "stops answering").
                    await _unstalled.Task.WaitAsync(ct).ConfigureAwait(false);
                }

                switch (message.Opcode)
                {
                    case WebSocketOpcode.Close:
                        if (!_closing)
                        {
                            _closing = true;
                            _endReason = "closed by client";
                            ReleaseAppKey(); // the session ends with the client's close: its app key is free for the next one now
                            var status = message.Payload.Length >= 2 ? message.Payload[..2].ToArray() : [0x03, 0xE8];
                            _control.Enqueue(WebSocketFraming.BuildFrame(WebSocketOpcode.Close, status), closeAfter: true);
                            _unstalled.TrySetResult();
                        }
                        return;
                    case WebSocketOpcode.Ping:
                        _control.Enqueue(WebSocketFraming.BuildFrame(WebSocketOpcode.Pong, message.Payload.Span));
                        break;
                    case WebSocketOpcode.Pong:
                        if ((_hub.Options.AcceptedPingAnswers & PingAnswer.PongFrame) != 0) PingAnswered();
                        break;
                    case WebSocketOpcode.Text:
                    case WebSocketOpcode.Binary:
                        if (RequestParser.IsPingPong(message.Payload.Span))
                        {
                            if ((_hub.Options.AcceptedPingAnswers & PingAnswer.TextEcho) != 0) PingAnswered();
                            break;
                        }
                        if (!HandleRequest(message.Payload)) return;
                        break;
                }
            }
        }
        catch (WebSocketFrameException ex)
        {
            Log.ProtocolError(_hub.Logger, Id, ex.Message);
            BeginClose((int)ex.CloseStatus, ex.Message);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (IOException)
        {
            if (!_closing) _endReason = "connection lost";
        }
    }

    /// <summary>Validates and applies one request; false when the session must stop reading (it is being closed).</summary>
    private bool HandleRequest(ReadOnlyMemory<byte> message)
    {
        if (_closing) return false;
        Interlocked.Increment(ref _requests);
        Interlocked.Increment(ref _hub.Counters._requests);

        if (!RequestParser.TryParse(message, out var request, out var parseError))
        {
            Reply(ReplyHeader.NullTrId, null, null, false, "9", parseError, null, null);
            return true;
        }
        var typeText = request.IsSubscribe ? "subscribe" : "unsubscribe";

        // docs/kis-protocol.md §2: the approval key is checked when a session subscribes. A release on a live (bound) session
        // is not checked, so a graceful shutdown of a session older than the key's 24 h still gets OPSP0001. The first
        // request of a connection is checked whatever its type: it is what binds the session to an app key.
        if (request.IsSubscribe || _credential is null)
        {
            if (!_hub.TryValidateApproval(request.ApprovalKey, out var credential))
            {
                var shown = string.IsNullOrEmpty(request.ApprovalKey) ? "NOT FOUND" : KisCredential.Mask(request.ApprovalKey);
                Reply(ReplyHeader.None, null, null, false, "1", OpspCode.InvalidApproval, $"invalid approval : {shown}", typeText);
                return true;
            }
            if (_credential is null && !TryBind(credential, typeText)) return false;
        }
        // Bound by now: the first request of a session always goes through the check above.

        if (_hub.TryTakeInjectedFailure(out var injected))
        {
            Reply(ReplyHeader.Full, request.TrId, request.TrKey, false, "1", injected, null, typeText);
            return true;
        }

        if (request.TrId is null || !KisTrs.TryGet(request.TrId, out var tr) || !_hub.Offers(tr))
        {
            Reply(ReplyHeader.Full, request.TrId ?? "", request.TrKey, false, "1", OpspCode.InvalidTrId, null, typeText);
            return true;
        }
        if (!tr.IsValidKey(request.TrKey))
        {
            Reply(ReplyHeader.Full, tr.Id, request.TrKey, tr.Encrypted, "1", OpspCode.InvalidTrKey, null, typeText);
            return true;
        }

        if (request.IsSubscribe)
        {
            if (tr.KeyFormat == TrKeyFormat.HtsId && !_hub.Options.AcceptAnyHtsId
                && !string.Equals(request.TrKey, _credential!.HtsId, StringComparison.OrdinalIgnoreCase))
            {
                Reply(ReplyHeader.NullTrIdOnly, null, null, false, "9", OpspCode.InvalidHtsId, null, typeText);
                return true;
            }
            Subscribe(tr, request.TrKey, typeText);
        }
        else
        {
            Unsubscribe(tr, request.TrKey, typeText);
        }
        return true;
    }

    /// <summary>Binds the session to the app key of its first valid request; false (OPSP8996, closing) when the slot is taken.</summary>
    private bool TryBind(SimulatorCredential credential, string typeText)
    {
        if (_hub.RefuseNewSessions || !_hub.TryClaimAppKey(credential.AppKey, this))
        {
            Log.AppKeyInUse(_hub.Logger, Id, KisCredential.Mask(credential.AppKey));
            Interlocked.Increment(ref _hub.Counters._sessionsRefused);
            Reply(ReplyHeader.NullTrId, null, null, false, "9", OpspCode.AppKeyInUse, null, typeText);
            BeginClose(1008, "ALREADY IN USE appkey");
            return false;
        }
        _credential = credential;
        return true;
    }

    private void Subscribe(TrDefinition tr, string key, string typeText)
    {
        // A stock's trades subscribed for: the day it owes while unwatched is made first, outside the session's lock.
        if (tr == KisTrs.H0STCNT0 || tr == KisTrs.H0NXCNT0 || tr == KisTrs.H0UNCNT0)
        {
            _hub.Market.CatchUpBeforeWatched(key, _hub.Market.Clock.Now());
            _hub.Market.Tape.Flush(); // the paper venue's resting orders meet those trades
        }
        // Only this (the receive) loop changes the subscriptions: nothing comes between the checks and the add.
        if (_subscriptions.Contains(tr, key))
        {
            Reply(ReplyHeader.Full, tr.Id, key, tr.Encrypted, "1", OpspCode.AlreadySubscribed, null, typeText);
            return;
        }
        if (_subscriptions.Current.Length >= MaxRegistrations)
        {
            Reply(ReplyHeader.Full, tr.Id, key, tr.Encrypted, "1", OpspCode.MaxSubscribeOver, null, typeText);
            return;
        }
        var instrument = _hub.Instrument(tr, key);
        // Joined at the tape's head: the session sends every record the instrument makes from now on.
        var reader = instrument.IsEventDriven ? null : instrument.JoinTape(this, _time.GetTimestamp(), _time.TimestampFrequency);
        // The reply is queued before the subscription becomes visible to the send loop.
        Reply(ReplyHeader.Full, tr.Id, key, tr.Encrypted, "0", OpspCode.SubscribeSuccess, null, typeText, withKeys: true);
        _subscriptions.Add(new SessionSubscription(tr, key, instrument, reader));
        // Wake the send loop again: it may have drained the reply and gone back to sleep before the new
        // subscription became visible.
        _control.Wake();
        _hub.NotifyChanged();
        if (_hub.Market.IsSilent(tr, key))
        {
            // Subscribed (KIS checks only the key's form) but silent: the log says why, outside the session's lock.
            Interlocked.Increment(ref _hub.Counters._unlistedSubscriptions);
            if (_hub.UnlistedWarnings.TryWarn(key, out var unnamed))
                Log.UnlistedCode(_hub.Logger, Id, tr.Id, key, string.Join(", ", InstrumentMaster.ListedShortCodes.Take(4)),
                    unnamed == 0 ? "" : $" ({unnamed:N0} more unlisted code(s) subscribed since the last such warning, not named: " +
                        $"at most {UnlistedCodeWarnings.PerMinute} a minute)");
        }
    }

    private void Unsubscribe(TrDefinition tr, string key, string typeText)
    {
        if (!_subscriptions.TryRemove(tr, key))
        {
            Reply(ReplyHeader.None, null, null, false, "1", OpspCode.UnsubscribeNotFound, null, typeText, logKey: key, logTr: tr.Id);
            return;
        }
        Reply(ReplyHeader.Full, tr.Id, key, tr.Encrypted, "0", OpspCode.UnsubscribeSuccess, null, typeText);
        _hub.NotifyChanged();
    }

    private void Reply(ReplyHeader header, string? trId, string? trKey, bool encrypted, string rtCd, OpspCode code, string? msg1,
        string? typeText, bool withKeys = false, string? logTr = null, string? logKey = null)
    {
        var payload = Replies.Build(header, trId, trKey, encrypted, rtCd, code, msg1, withKeys ? _iv : null, withKeys ? _key : null);
        _hub.Counters.CountReply(code.ToMsgCd());
        Log.Request(_hub.Logger, Id, typeText ?? "request", trId ?? logTr, trKey ?? logKey, code.ToMsgCd());
        Enqueue(payload);
    }

    /// <summary>Another subscriber put a frame on a tape this session reads: wake the send loop (once until it looks).</summary>
    void IFrameListener.TapeAppended()
    {
        if (Interlocked.Exchange(ref _tapeWake, 1) == 0) _control.Wake();
    }

    public void ReleaseAppKey()
    {
        if (_credential is not null) _hub.ReleaseAppKey(_credential.AppKey, this);
    }

    public async ValueTask DisposeAsync()
    {
        await AbortAsync().ConfigureAwait(false);
    }
}
