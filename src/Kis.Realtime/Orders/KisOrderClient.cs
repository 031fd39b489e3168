using System.Net;
using Kis.Realtime.Internal;
using Kis.Realtime.Retry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kis.Realtime;

/// <summary>
/// The order venue of KIS's REST API (the real or the paper server, <c>kisrt sim</c>, the in-process simulator):
/// <see cref="IKisOrderVenue"/> over KIS's order calls, with typed results and refusals. An order is never sent twice:
/// KIS has no client order id, so an order call whose answer is lost (timeout, reset, HTTP 5xx) is reconciled against
/// today's orders and the notices in <see cref="IKisOrderVenue.Book"/>, and reported <see cref="KisOrderOutcome.Unknown"/>
/// when that finds no single order that is it; only a call KIS refused (EGW00201 for rate, an expired token) or one that
/// never left (no connection) is sent again. KIS's limits are kept before sending: REST calls per second per app key
/// (20 real, 2 paper) and token issues (1 a second, one token a day reused through
/// <see cref="KisOrderOptions.AccessTokenCacheFile"/>). Thread-safe; never shows a secret.
/// </summary>
public sealed partial class KisOrderClient : IKisOrderVenue, IDisposable
{
    /// <summary>How much earlier than the server's time of sending, as estimated, its order time may be and the order still be ours.</summary>
    private static readonly TimeSpan ClockTolerance = TimeSpan.FromSeconds(5);

    private readonly KisOrderOptions _options;
    private readonly KisOrderTransport _transport; // HTTP, tokens, rate limits and the server's clock
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _branches = new(StringComparer.Ordinal);
    private readonly OrderClaims _claims;
    private readonly OrderClaims _futuresClaims;

    /// <summary>Creates the client (no call is made until a method needs one).</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public KisOrderClient(KisOrderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = options.LoggerFactory?.CreateLogger("Kis.Realtime.Orders") ?? NullLogger.Instance;
        _transport = new KisOrderTransport(options, _logger);
        var restBase = options.EffectiveRestBaseUrl;
        // One journal per account and server: the stock account's, and the futures account's when it is another.
        _claims = new OrderClaims(options.JournalFolder, JournalKey(restBase, options.Account), options.TimeProvider, _logger);
        _futuresClaims = options.FuturesAccount is { } futures && futures != options.Account
            ? new OrderClaims(options.JournalFolder, JournalKey(restBase, futures), options.TimeProvider, _logger) : _claims;
    }

    /// <summary>The folder name of an account's journal at a server: host, port and account, nothing else.</summary>
    private static string JournalKey(Uri server, KisAccount account)
    {
        var host = new string([.. server.Host.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '_')]);
        return $"{host}_{server.Port}_{account.Number}-{account.ProductCode}";
    }

    private OrderClaims ClaimsOf(KisProduct product) => product == KisProduct.Stock ? _claims : _futuresClaims;

    /// <inheritdoc />
    public KisOrderBook Book { get; } = new();

    /// <summary>The environment whose tr_ids the calls carry.</summary>
    public KisEnvironment Environment => _options.Environment;

    /// <summary>Access tokens issued over HTTP by this client (not served from its cache or file).</summary>
    public int AccessTokensIssued => _transport.AccessTokensIssued;

    /// <summary>REST calls sent (tokens not included).</summary>
    public long Requests => _transport.Requests;

    internal RestRateLimiter RateLimiter => _transport.RateLimiter;

    /// <summary>Test seam: awaited when an order call's answer names its number, before the number is claimed.</summary>
    internal Func<Task>? BeforeClaimForTest { get; set; }

    private KisAccount AccountOf(KisProduct product) => product == KisProduct.Stock ? _options.Account : _options.FuturesAccount ?? _options.Account;

    /// <inheritdoc />
    public async Task<KisOrderResult> PlaceAsync(KisOrderRequest order, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        order.Validate();
        var path = order.Product == KisProduct.Stock ? KisOrderWire.StockOrder : KisOrderWire.FuturesOrder;
        var call = new OrderRestCall(path, KisOrderWire.PlaceTrId(order.Product, order.Side), null,
            KisOrderWire.PlaceBody(AccountOf(order.Product), order), $"Placing a {order.Side} of {order.Quantity} {order.Code}");
        return await OrderCallAsync(call, new PendingCall(order.Product, order, null, false), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<KisOrderResult> AmendAsync(KisAmendRequest amend, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(amend);
        if (amend.Quantity is <= 0) throw new ArgumentException("An amendment's quantity must be positive (null: all that is left).", nameof(amend));
        KisOrderWire.ValidatePrice(amend.Product, amend.Kind, amend.Price, null);
        var branch = await BranchAsync(amend.Product, amend.OriginalOrderNumber, amend.Branch, cancellationToken).ConfigureAwait(false);
        var call = new OrderRestCall(KisOrderWire.AmendCancelPath(amend.Product), KisOrderWire.AmendCancelTrId(amend.Product), null,
            KisOrderWire.AmendCancelBody(AccountOf(amend.Product), amend.Product, false, amend.OriginalOrderNumber, branch, amend.Quantity,
                amend.Kind, amend.Price, amend.Exchange), $"Amending order {amend.OriginalOrderNumber}");
        return await OrderCallAsync(call, new PendingCall(amend.Product, null, amend.OriginalOrderNumber, false), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<KisOrderResult> CancelAsync(KisCancelRequest cancel, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cancel);
        if (cancel.Quantity is <= 0) throw new ArgumentException("A cancel's quantity must be positive (null: all that is left).", nameof(cancel));
        var branch = await BranchAsync(cancel.Product, cancel.OriginalOrderNumber, cancel.Branch, cancellationToken).ConfigureAwait(false);
        var call = new OrderRestCall(KisOrderWire.AmendCancelPath(cancel.Product), KisOrderWire.AmendCancelTrId(cancel.Product), null,
            KisOrderWire.AmendCancelBody(AccountOf(cancel.Product), cancel.Product, true, cancel.OriginalOrderNumber, branch, cancel.Quantity,
                KisOrderKind.Limit, 0, cancel.Exchange), $"Cancelling order {cancel.OriginalOrderNumber}");
        return await OrderCallAsync(call, new PendingCall(cancel.Product, null, cancel.OriginalOrderNumber, true), cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> BranchAsync(KisProduct product, string original, string? given, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(original);
        if (given is not null || product != KisProduct.Stock) return given ?? "";
        lock (_gate)
            if (_branches.TryGetValue(KisOrderWire.Normalize(original), out var known)) return known;
        // Not ours (placed by another program or an earlier run): its branch is in today's orders.
        var rows = await GetOrdersAsync(product, KisOrderFilter.All, null, cancellationToken).ConfigureAwait(false);
        return rows.FirstOrDefault(r => KisOrderWire.Normalize(r.OrderNumber) == KisOrderWire.Normalize(original))?.Branch ?? "";
    }

    /// <summary>
    /// An order call, sent at most once unless KIS refused it outright: its typed result, reconciled when the answer
    /// was lost. The caller's cancellation stops the wait for a slot, never a call already on its way. Written down in
    /// the account's claims (the journal) before it is sent: a call that cannot be written down is not sent.
    /// </summary>
    private async Task<KisOrderResult> OrderCallAsync(OrderRestCall call, PendingCall pending, CancellationToken cancellationToken)
    {
        var claims = ClaimsOf(pending.Product);
        try
        {
            // While its answer is awaited, and until the number it names is claimed, no reconciling of a twin call (same
            // terms) of any handle may take the order it placed; it stops awaiting before reconciling itself, so twins
            // never wait on each other.
            await claims.BeginAsync(pending, _transport.Clock.Latest).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            LogJournalRefused(_logger, call.What, e.Message);
            return new KisOrderResult
            {
                Outcome = KisOrderOutcome.NotSent, Problem = $"{call.What}: the order journal could not be written ({e.Message}): not sent",
            };
        }
        KisOrderResult? result = null;
        var trace = new OrderCallTrace { Pending = pending };
        try
        {
            return result = await SendOrderAsync(call, trace, claims, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // An exception before any attempt (the caller cancelled the wait for a token or a slot): nothing left.
            await claims.FinishAsync(pending, result?.Outcome ?? (trace.Attempts == 0 ? KisOrderOutcome.NotSent : null)).ConfigureAwait(false);
        }
    }

    private async Task<KisOrderResult> SendOrderAsync(OrderRestCall call, OrderCallTrace trace, OrderClaims claims, CancellationToken cancellationToken)
    {
        var pending = trace.Pending!;
        OrderRestAnswer answer;
        try
        {
            answer = await _transport.CallAsync(call, trace, order: true, cancellationToken).ConfigureAwait(false);
        }
        catch (KisRestException e) when (!trace.Sending || NeverLeft(e))
        {
            return new KisOrderResult { Outcome = KisOrderOutcome.NotSent, Problem = e.Message, Attempts = trace.Attempts };
        }
        catch (KisRestException e)
        {
            await claims.LostAsync(pending).ConfigureAwait(false);
            LogAnswerLost(_logger, call.What, e.Message);
            return await ReconcileCoreAsync(pending, $"{e.Message} (the order may have been taken)", trace.Attempts, cancellationToken)
                .ConfigureAwait(false);
        }
        using (answer.Body)
            return await AnsweredAsync(call, pending, answer, trace.Attempts, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An order call's answer: accepted (its number claimed), refused, or reconciled when it does not say.</summary>
    private async Task<KisOrderResult> AnsweredAsync(OrderRestCall call, PendingCall pending, OrderRestAnswer answer, int attempts,
        CancellationToken cancellationToken)
    {
        var root = answer.Body?.RootElement ?? default;
        var rtCd = KisOrderWire.Text(root, "rt_cd");
        var msgCd = KisOrderWire.Text(root, "msg_cd");
        var message = _transport.Redact(KisOrderWire.Text(root, "msg1"));
        if (rtCd == "0" && answer.Status == HttpStatusCode.OK)
        {
            var output = root.TryGetProperty("output", out var o) ? o : default;
            var number = KisOrderWire.Text(output, "ODNO");
            if (string.IsNullOrEmpty(number))
            {
                await ClaimsOf(pending.Product).LostAsync(pending).ConfigureAwait(false);
                return await ReconcileCoreAsync(pending, $"{call.What}: KIS answered rt_cd 0 without an order number", attempts, cancellationToken)
                    .ConfigureAwait(false);
            }
            var branch = KisOrderWire.Text(output, "KRX_FWDG_ORD_ORGNO") ?? KisOrderWire.Text(output, "ORD_GNO_BRNO") ?? "";
            var time = KisOrderWire.Time(KisOrderWire.Text(output, "ORD_TMD"));
            if (time is { } stamped) _transport.Clock.ObserveOrderTime(stamped);
            if (BeforeClaimForTest is { } hook) await hook().ConfigureAwait(false);
            // The claim and the end of the wait are one step: no twin's reconciling can slip between them.
            if (await TryClaimAsync(pending, number, branch).ConfigureAwait(false) is { } claimed)
                return Accepted(pending, claimed.Number, claimed.Branch, time, $"{msgCd} {message}".Trim(), attempts, false);
            // Another call of ours already holds this number (reconciling took it): this answer may not be a second
            // acceptance of it, so what this call placed is looked for again.
            var held = $"{call.What}: KIS answered order {number}, which another call of this account already holds";
            LogAnswerLost(_logger, call.What, held);
            return await ReconcileCoreAsync(pending, held, attempts, cancellationToken).ConfigureAwait(false);
        }
        if (rtCd is { Length: > 0 } && msgCd is { Length: > 0 })
            return Refused(new KisRefusal(rtCd, msgCd, message, (int)answer.Status), attempts);
        if ((int)answer.Status is >= 400 and < 500)
            return Refused(new KisRefusal("", $"HTTP{(int)answer.Status}", "the server refused the call without a KIS code", (int)answer.Status), attempts);
        var problem = answer.Body is null ? $"{call.What}: HTTP {(int)answer.Status}, the answer is not JSON"
            : $"{call.What}: HTTP {(int)answer.Status} without KIS's rt_cd";
        LogAnswerLost(_logger, call.What, problem);
        await ClaimsOf(pending.Product).LostAsync(pending).ConfigureAwait(false);
        return await ReconcileCoreAsync(pending, $"{problem} (the order may have been taken)", attempts, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The call never reached the server: no connection, no name, no TLS, or refused before sending.</summary>
    private static bool NeverLeft(KisRestException e) => e.InnerException switch
    {
        HttpRequestException h => h.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
            or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError,
        null => e.HttpStatus is null && e.Message.Contains("refused before sending", StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>
    /// Takes an order number for one call, across every handle of the account that shares the journal (this client
    /// alone without one): what it holds, or null when another call already holds the number. The call stops awaiting
    /// its answer in the same step.
    /// </summary>
    private async Task<(string Number, string Branch)?> TryClaimAsync(PendingCall pending, string number, string branch)
    {
        var claim = await ClaimsOf(pending.Product).ClaimAsync(pending, number, branch).ConfigureAwait(false);
        if (claim.Kind == OrderClaims.ClaimKind.Taken) return null;
        if (claim.Branch.Length > 0)
            lock (_gate) _branches[KisOrderWire.Normalize(claim.Number)] = claim.Branch;
        return (claim.Number, claim.Branch);
    }

    /// <summary>The accepted result of a call whose number it has claimed (<see cref="TryClaimAsync"/>).</summary>
    private KisOrderResult Accepted(PendingCall pending, string number, string branch, TimeOnly? time, string? message, int attempts, bool reconciled)
    {
        // A cancel's own number is no order: its handle follows the order it cancels.
        var followed = pending.Cancel ? pending.Original! : number;
        return new KisOrderResult
        {
            Outcome = KisOrderOutcome.Accepted, OrderNumber = number, Branch = branch, OrderTime = time, Message = message,
            Attempts = attempts, Reconciled = reconciled, Handle = Book.Handle(followed, pending.Product),
        };
    }

    private static KisOrderResult Refused(KisRefusal refusal, int attempts)
        => new() { Outcome = KisOrderOutcome.Refused, Refusal = refusal, Attempts = attempts };

    /// <summary>Releases the HTTP clients it created (not a handler given in the options).</summary>
    public void Dispose()
    {
        _transport.Dispose();
        _claims.Dispose();
        if (!ReferenceEquals(_futuresClaims, _claims)) _futuresClaims.Dispose();
    }

    [LoggerMessage(1131, LogLevel.Warning, "{What}: the answer was lost ({Problem}); reconciling against today's orders before anything else")]
    private static partial void LogAnswerLost(ILogger logger, string what, string problem);



    [LoggerMessage(1134, LogLevel.Warning, "{What}: outcome unknown after reconciling: {Problem}")]
    private static partial void LogUnknown(ILogger logger, string what, string problem);

    [LoggerMessage(1137, LogLevel.Error, "{What}: not sent, the order journal could not be written ({Problem})")]
    private static partial void LogJournalRefused(ILogger logger, string what, string problem);
}
