using System.Globalization;
using System.Text;
using System.Text.Json;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Cli.Commands;

/// <summary>Runs one <c>kisrt order</c> subcommand: resolves where to, asks before KIS's real server, prints the typed result.</summary>
internal static class OrderRun
{
    /// <summary>KIS's real REST host: orders there are real money.</summary>
    private const string RealHost = "openapi.koreainvestment.com";

    /// <summary>Exit codes: 0 accepted (or listed); 1 refused by the venue; 2 usage or not confirmed; 3 not sent, unknown, or the call failed.</summary>
    public static async Task<int> RunAsync(string action, OrderTarget target, OrderArgs args, ClientHost.Environment environment,
        TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        // A quantity is checked here, in the option's words, before anything is read or sent.
        if (args.Quantity is <= 0)
            throw new CliUsageException($"--qty must be at least 1, not {args.Quantity}" + (action == "place" ? "." : " (leave it out for all that is left)."));
        var configuration = CliSettings.BuildConfiguration(new Dictionary<string, string?>
        {
            ["Kis:AppKey"] = target.AppKey, ["Kis:AppSecret"] = target.AppSecret, ["Kis:Environment"] = target.Environment,
                ["Kis:RestBaseUrl"] = target.RestUrl,
        }, environment.GetVariable, environment.ConfigurationDirectory, environment.UserSecrets);
        var settings = CliSettings.From(configuration);
        var product = target.Product?.ToLowerInvariant() switch
        {
            null or "" or "stock" => KisProduct.Stock,
            "futures" or "futures-options" or "options" => KisProduct.FuturesOptions,
            _ => throw new CliUsageException($"--product must be stock or futures, not '{target.Product}'."),
        };
        var simulator = !settings.HasCredentials;
        var accountText = target.Account ?? environment.GetVariable("KIS_ACCOUNT") ?? (simulator ? "50123456-01" : null)
            ?? throw new CliUsageException("give the account: --account 12345678-01 or KIS_ACCOUNT.");
        var account = ParseAccount(accountText, "--account / KIS_ACCOUNT");
        if (action == "resume") return await OrderKill.ResumeAsync(environment, account, stdout); // a local switch: no server asked
        if (simulator && settings.RestUrl is null)
            throw new CliUsageException(
                "give the --rest-url of a running `kisrt sim` (no credentials needed), or KIS credentials (KIS_APP_KEY, KIS_APP_SECRET).");
        var futuresText = target.FuturesAccount ?? environment.GetVariable("KIS_FUTURES_ACCOUNT");
        var futuresAccount = futuresText is null ? account with { ProductCode = "03" } : ParseAccount(futuresText, "--futures-account / KIS_FUTURES_ACCOUNT");
        var options = new KisOrderOptions
        {
            Credential = simulator ? new KisCredential(SimulatorOptions.DefaultAppKey, SimulatorOptions.DefaultAppSecret) : new KisCredential(settings.AppKey!,
                settings.AppSecret!),
            Account = account,
            FuturesAccount = futuresAccount,
            Environment = settings.Environment,
            RestBaseUrl = settings.RestUrl,
            // One token a day per app key (KIS issues one a minute): kept between runs, readable by this user only.
            AccessTokenCacheFile = simulator ? null : environment.AccessTokenCacheFile,
            // Shared by every run and every program naming it: a number is claimed once, an earlier run's unknown order settled.
            // Not against a simulator on its default credentials: one started without its state file gives today's
            // numbers again, which a journal of an earlier simulator's run would take for claimed (accepted as UNKNOWN).
            JournalFolder = simulator ? null : Path.Combine(environment.DataDirectory, "orders"),
        };
        var real = settings.Environment == KisEnvironment.Real && options.EffectiveRestBaseUrl.Host.Equals(RealHost, StringComparison.OrdinalIgnoreCase);
        using var client = new KisOrderClient(options);
        try
        {
            if (action == "kill")
            {
                await ConfirmAsync(real, target.Yes, account, "kill switch: cancel every open order and refuse new `kisrt order` orders",
                    stdin, stderr, cancellationToken);
                // Without --product a kill switch covers the whole account: its stocks and its futures/options.
                KisProduct[] products = target.Product is null ? [KisProduct.Stock, KisProduct.FuturesOptions] : [product];
                return await OrderKill.KillAsync(environment, account, client, products, stdout, cancellationToken);
            }
            // What an earlier run left in flight or unknown is settled first: its order is not taken for this one's.
            if (action is "place" or "amend" or "cancel")
            {
                foreach (var earlier in await client.ReconcileJournalAsync(cancellationToken))
                    await stderr.WriteLineAsync($"an earlier run's order: {Describe(earlier)}");
            }
            // A new order or amendment while the account's kill switch is on: refused by the guard, never sent.
            IKisOrderVenue venue = action is "place" or "amend"
                && await OrderKill.GuardIfKilledAsync(environment, account, client, stderr, cancellationToken) is { } guard ? guard : client;
            return action switch
            {
                "list" => await ListAsync(client, product, args, stdout, cancellationToken),
                _ => await SendAsync(venue, action, product, args, real, target.Yes, account, stdin, stdout, stderr, cancellationToken),
            };
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(CliFailures.WithoutParameter(e));
        }
        catch (KisRestException e)
        {
            throw new CliRunException(e.Message, e);
        }
    }

    private static KisAccount ParseAccount(string text, string what)
    {
        try
        {
            return KisAccount.Parse(text);
        }
        catch (FormatException e)
        {
            throw new CliUsageException($"{what}: {e.Message}");
        }
    }

    private static async Task<int> SendAsync(IKisOrderVenue client, string action, KisProduct product, OrderArgs args, bool real, bool yes,
        KisAccount account, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var exchange = ParseExchange(args.Exchange);
        string what;
        Func<Task<KisOrderResult>> send;
        switch (action)
        {
            case "place":
            {
                var side = args.Side?.ToLowerInvariant() switch
                {
                    "buy" or "b" => OrderSide.Buy, "sell" or "s" => OrderSide.Sell,
                    _ => throw new CliUsageException($"--side must be buy or sell, not '{args.Side}'."),
                };
                var kind = args.Kind is null ? (KisOrderKind?)null : ParseKind(args.Kind);
                var order = product == KisProduct.Stock
                    ? KisOrderRequest.Stock(args.Code!, side, args.Quantity ?? 0, args.Price, kind, exchange)
                    : KisOrderRequest.FuturesOptions(args.Code!, side, args.Quantity ?? 0, args.Price, kind);
                what = $"{side} {order.Quantity} {order.Code} " +
                    $"{order.Kind}{(order.Price > 0 ? $" @ {order.Price.ToString(CultureInfo.InvariantCulture)}" : "")}";
                send = () => client.PlaceAsync(order, cancellationToken);
                break;
            }
            case "amend":
            {
                var amend = new KisAmendRequest
                {
                    Product = product, OriginalOrderNumber = args.OrderNumber!, Quantity = args.Quantity, Price = args.Price ?? 0,
                    Kind = args.Kind is null ? KisOrderKind.Limit : ParseKind(args.Kind), Exchange = exchange,
                };
                what = $"amend order {amend.OriginalOrderNumber} to " +
                    $"{amend.Kind}{(amend.Price > 0 ? $" @ {amend.Price.ToString(CultureInfo.InvariantCulture)}" : "")}" +
                    (amend.Quantity is { } q ? $" for {q}" : " for all that is left");
                send = () => client.AmendAsync(amend, cancellationToken);
                break;
            }
            default:
            {
                var cancel = new KisCancelRequest { Product = product, OriginalOrderNumber = args.OrderNumber!, Quantity = args.Quantity, Exchange = exchange };
                what = $"cancel order {cancel.OriginalOrderNumber}" + (cancel.Quantity is { } q ? $" for {q}" : " (all that is left)");
                send = () => client.CancelAsync(cancel, cancellationToken);
                break;
            }
        }
        await ConfirmAsync(real, yes, account, what, stdin, stderr, cancellationToken);
        var result = await send();
        await stdout.WriteLineAsync(Describe(result));
        return result.Outcome switch
        {
            KisOrderOutcome.Accepted => CliFailures.Done,
            KisOrderOutcome.Refused => CliFailures.SomeInputFailed,
            _ => CliFailures.RunFailed,
        };
    }

    private static async Task ConfirmAsync(bool real, bool yes, KisAccount account, string what, TextReader stdin, TextWriter stderr,
        CancellationToken cancellationToken)
    {
        if (!real || yes) return;
        // Real money: say exactly what goes where, and take nothing but a yes.
        await stderr.WriteAsync($"KIS REAL server, account {Masked(account)}: {what}. Send? [y/N] ");
        await stderr.FlushAsync(cancellationToken);
        var answer = (await stdin.ReadLineAsync(cancellationToken))?.Trim().ToLowerInvariant();
        if (answer is not ("y" or "yes")) throw new CliUsageException("not confirmed: nothing was sent (answer y, or pass --yes).");
    }

    internal static string Masked(KisAccount account) => $"{account.Number[..4]}****-{account.ProductCode}";

    internal static string Describe(KisOrderResult result) => result.Outcome switch
    {
        KisOrderOutcome.Accepted => $"accepted {result.OrderNumber}" + (result.OrderTime is { } t ? $" at {t:HH:mm:ss}" : "") +
            (string.IsNullOrEmpty(result.Branch) ? "" : $" (branch {result.Branch})") + (result.Reconciled
                ? ", found in today's orders after the answer was lost" : "") +
            (string.IsNullOrEmpty(result.Message) ? "" : $": {result.Message}"),
        KisOrderOutcome.Refused => $"refused: {result.Refusal}",
        KisOrderOutcome.NotSent => $"not sent: {result.Problem}",
        _ => $"UNKNOWN (the order may exist; do not send it again before checking `kisrt order list`): {result.Problem}",
    };

    private static async Task<int> ListAsync(KisOrderClient client, KisProduct product, OrderArgs args, TextWriter stdout, CancellationToken cancellationToken)
    {
        var filter = args.Filter?.ToLowerInvariant() switch
        {
            null or "" or "all" => KisOrderFilter.All, "filled" => KisOrderFilter.Filled, "unfilled" or "open" => KisOrderFilter.Unfilled,
            _ => throw new CliUsageException($"--filter must be all, filled or unfilled, not '{args.Filter}'."),
        };
        var format = args.Format?.ToLowerInvariant() ?? "table";
        if (format is not ("table" or "jsonl")) throw new CliUsageException($"--format must be table or jsonl, not '{args.Format}'.");
        var rows = await client.GetOrdersAsync(product, filter, args.Code, cancellationToken);
        if (format == "jsonl")
        {
            foreach (var row in rows) await stdout.WriteLineAsync(Json(row));
            return CliFailures.Done;
        }
        await stdout.WriteLineAsync(
            $"{"order",-10} {"original",-10} {"time",-8} {"code",-9} {"side",-4} {"qty",8} {"price",12} {"filled",8} {"average",12} {"left",8}");
        foreach (var r in rows)
        {
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{r.OrderNumber,-10} {r.OriginalOrderNumber ?? "",-10} {r.Time:HH:mm:ss} {r.Code,-9} " +
                $"{(r.Side == OrderSide.Buy ? "buy" : r.Side == OrderSide.Sell ? "sell" : "?"),-4} {r.Quantity,8} {r.Price,12:0.##} {r.FilledQuantity,8} " +
                $"{r.AveragePrice,12:0.##} {r.RemainingQuantity,8}"));
        }
        await stdout.WriteLineAsync($"{rows.Count} order(s)");
        return CliFailures.Done;
    }

    private static string Json(KisOrderRow row)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("order", row.OrderNumber);
            if (row.OriginalOrderNumber is { } original) json.WriteString("original", original);
            json.WriteString("date", row.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            json.WriteString("time", row.Time.ToString("HH:mm:ss", CultureInfo.InvariantCulture));
            json.WriteString("product", row.Product == KisProduct.Stock ? "stock" : "futures");
            json.WriteString("code", row.Code);
            json.WriteString("side", row.Side == OrderSide.Buy ? "buy" : row.Side == OrderSide.Sell ? "sell" : "unknown");
            json.WriteNumber("quantity", row.Quantity);
            json.WriteNumber("price", row.Price);
            json.WriteNumber("filled", row.FilledQuantity);
            json.WriteNumber("average_price", row.AveragePrice);
            json.WriteNumber("remaining", row.RemainingQuantity);
            json.WriteNumber("cancelled", row.CancelledQuantity);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static KisStockExchange ParseExchange(string? text) => text?.ToLowerInvariant() switch
    {
        null or "" or "krx" => KisStockExchange.Krx, "nxt" => KisStockExchange.Nxt, "sor" => KisStockExchange.Sor,
        _ => throw new CliUsageException($"--exchange must be krx, nxt or sor, not '{text}'."),
    };

    /// <summary>The kinds by their CLI names (KIS's ORD_DVSN in the docs).</summary>
    internal static readonly IReadOnlyDictionary<string, KisOrderKind> Kinds = new Dictionary<string, KisOrderKind>(StringComparer.OrdinalIgnoreCase)
    {
        ["limit"] = KisOrderKind.Limit, ["market"] = KisOrderKind.Market, ["conditional-limit"] = KisOrderKind.ConditionalLimit,
        ["best-limit"] = KisOrderKind.BestLimit, ["priority-limit"] = KisOrderKind.PriorityLimit, ["pre-market"] = KisOrderKind.PreMarketOffHours,
        ["after-market"] = KisOrderKind.AfterMarketOffHours, ["single-price"] = KisOrderKind.OffHoursSinglePrice, ["ioc-limit"] = KisOrderKind.IocLimit,
        ["fok-limit"] = KisOrderKind.FokLimit, ["ioc-market"] = KisOrderKind.IocMarket, ["fok-market"] = KisOrderKind.FokMarket,
        ["ioc-best"] = KisOrderKind.IocBestLimit, ["fok-best"] = KisOrderKind.FokBestLimit, ["midpoint"] = KisOrderKind.Midpoint,
        ["stop-limit"] = KisOrderKind.StopLimit, ["midpoint-ioc"] = KisOrderKind.MidpointIoc, ["midpoint-fok"] = KisOrderKind.MidpointFok,
    };

    private static KisOrderKind ParseKind(string text)
        => Kinds.TryGetValue(text, out var kind) ? kind
            : throw new CliUsageException($"--kind: '{text}' is not an order kind ({string.Join(", ", Kinds.Keys)}).");
}
