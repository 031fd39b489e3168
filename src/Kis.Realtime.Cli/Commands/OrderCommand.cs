using System.CommandLine;
using Kis.Realtime.Cli.Configuration;

namespace Kis.Realtime.Cli.Commands;

/// <summary>What <c>kisrt order</c>'s subcommands share: where the orders go and which account.</summary>
internal sealed record OrderTarget
{
    public string? AppKey { get; init; }
    public string? AppSecret { get; init; }
    public string? Environment { get; init; }
    public string? RestUrl { get; init; }
    public string? Account { get; init; }
    public string? FuturesAccount { get; init; }
    /// <summary>Stock (default) or futures (futures/options).</summary>
    public string? Product { get; init; }
    /// <summary>Sends to KIS's real server without asking.</summary>
    public bool Yes { get; init; }

    /// <summary>The app key masked, the secret never shown: a record's ToString ends up in test output and logs.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"AppKey = {Masked.Key(AppKey)}, AppSecret = {Masked.Secret(AppSecret)}, Environment = {Environment}, RestUrl = {RestUrl}, ");
        builder.Append($"Account = {Account}, FuturesAccount = {FuturesAccount}, Product = {Product}, Yes = {Yes}");
        return true;
    }
}

/// <summary>One order subcommand's own arguments.</summary>
internal sealed record OrderArgs
{
    public string? Code { get; init; }
    public string? Side { get; init; }
    public long? Quantity { get; init; }
    public decimal? Price { get; init; }
    public string? Kind { get; init; }
    public string? Exchange { get; init; }
    public string? OrderNumber { get; init; }
    public string? Filter { get; init; }
    public string? Format { get; init; }
}

/// <summary>
/// <c>kisrt order place|amend|cancel|list|kill|resume</c>: orders by hand through the library's typed order API
/// (<see cref="KisOrderClient"/>), against a running <c>kisrt sim</c> (its <c>--rest-url</c>, no credentials needed) or
/// KIS (credentials; the real server asks before sending unless <c>--yes</c>).
/// </summary>
internal static class OrderCommand
{
    public static Command Create()
    {
        var command = new Command("order",
            "Place, amend, cancel and list orders by hand: against a running `kisrt sim` (give its --rest-url) or KIS (credentials; the real server asks for " +
            "confirmation).");
        command.Subcommands.Add(Place());
        command.Subcommands.Add(Amend());
        command.Subcommands.Add(Cancel());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Kill());
        command.Subcommands.Add(Resume());
        return command;
    }

    private sealed class TargetOptions
    {
        private readonly Option<string?> _appKey = new("--app-key") { Description = "KIS app key (or KIS_APP_KEY); none: the simulator's default credentials" };
        private readonly Option<string?> _appSecret = new("--app-secret") { Description = "KIS app secret (or KIS_APP_SECRET; prefer the variable or user " +
            "secrets)" };
        private readonly Option<string?> _env = new("--env") { Description = "real or paper (or KIS_ENV): the tr_ids and KIS's address" };
        private readonly Option<string?> _restUrl = new("--rest-url") { Description = "REST base URL (or KIS_REST_URL): a `kisrt sim`'s, or KIS's when unset" };
        private readonly Option<string?> _account = new("--account") { Description = "account 12345678-01 (or KIS_ACCOUNT); the simulator's 50123456-01 by " +
            "default against a simulator" };
        private readonly Option<string?> _futuresAccount = new("--futures-account") { Description = "futures/options account (or KIS_FUTURES_ACCOUNT); " +
            "default: --account's number with product code 03" };
        private readonly Option<string?> _product = new("--product") { Description = "stock (default) or futures (KRX futures and options)" };
        private readonly Option<bool> _yes = new("--yes") { Description = "send to KIS's real server without asking" };

        /// <param name="sends">place, amend and cancel send an order (and take --yes); list only reads.</param>
        public void AddTo(Command command, bool sends = true)
        {
            foreach (var option in new Option[] { _appKey, _appSecret, _env, _restUrl, _account, _futuresAccount, _product }) command.Options.Add(option);
            if (sends) command.Options.Add(_yes);
        }

        public OrderTarget Read(ParseResult parse) => new()
        {
            AppKey = parse.GetValue(_appKey), AppSecret = parse.GetValue(_appSecret), Environment = parse.GetValue(_env),
            RestUrl = parse.GetValue(_restUrl), Account = parse.GetValue(_account), FuturesAccount = parse.GetValue(_futuresAccount),
            Product = parse.GetValue(_product), Yes = parse.GetValue(_yes),
        };
    }

    private static Command Place()
    {
        var target = new TargetOptions();
        var code = new Option<string>("--code") { Description = "stock code (005930) or futures/options short code (101W09)", Required = true };
        var side = new Option<string>("--side") { Description = "buy or sell", Required = true };
        var quantity = new Option<long>("--qty") { Description = "shares or contracts", Required = true };
        var price = new Option<decimal?>("--price") { Description = "limit price; none: a market order (unless --kind says otherwise)" };
        var kind = new Option<string?>("--kind") { Description = "order kind: limit, market, conditional-limit, best-limit, priority-limit, pre-market, " +
            "after-market, single-price, ioc-limit, fok-limit, ioc-market, fok-market, ioc-best, fok-best, midpoint, stop-limit, midpoint-ioc, midpoint-fok" };
        var exchange = new Option<string?>("--exchange") { Description = "stocks: krx (default), nxt or sor" };
        var command = new Command("place", "Place a new order.") { code, side, quantity, price, kind, exchange };
        target.AddTo(command);
        command.SetAction((parse, ct) => OrderRun.RunAsync("place", target.Read(parse), new OrderArgs
        {
            Code = parse.GetValue(code), Side = parse.GetValue(side), Quantity = parse.GetValue(quantity), Price = parse.GetValue(price),
            Kind = parse.GetValue(kind), Exchange = parse.GetValue(exchange),
        }, ClientHost.Environment.Process, Console.In, Console.Out, Console.Error, ct));
        return command;
    }

    private static Command Amend()
    {
        var target = new TargetOptions();
        var order = new Option<string>("--order") { Description = "the order's number (ODNO)", Required = true };
        var price = new Option<decimal?>("--price") { Description = "the new price" };
        var quantity = new Option<long?>("--qty") { Description = "how much to amend; none: all that is left" };
        var kind = new Option<string?>("--kind") { Description = "the new kind (default limit)" };
        var exchange = new Option<string?>("--exchange") { Description = "stocks: the order's exchange, krx (default), nxt or sor" };
        var command = new Command("amend", "Amend a working order's price, kind or quantity.") { order, price, quantity, kind, exchange };
        target.AddTo(command);
        command.SetAction((parse, ct) => OrderRun.RunAsync("amend", target.Read(parse), new OrderArgs
        {
            OrderNumber = parse.GetValue(order), Price = parse.GetValue(price), Quantity = parse.GetValue(quantity), Kind = parse.GetValue(kind),
            Exchange = parse.GetValue(exchange),
        }, ClientHost.Environment.Process, Console.In, Console.Out, Console.Error, ct));
        return command;
    }

    private static Command Cancel()
    {
        var target = new TargetOptions();
        var order = new Option<string>("--order") { Description = "the order's number (ODNO)", Required = true };
        var quantity = new Option<long?>("--qty") { Description = "how much to cancel; none: all that is left" };
        var exchange = new Option<string?>("--exchange") { Description = "stocks: the order's exchange, krx (default), nxt or sor" };
        var command = new Command("cancel", "Cancel what is left of a working order.") { order, quantity, exchange };
        target.AddTo(command);
        command.SetAction((parse, ct) => OrderRun.RunAsync("cancel", target.Read(parse), new OrderArgs
        {
            OrderNumber = parse.GetValue(order), Quantity = parse.GetValue(quantity), Exchange = parse.GetValue(exchange),
        }, ClientHost.Environment.Process, Console.In, Console.Out, Console.Error, ct));
        return command;
    }

    private static Command Kill()
    {
        var target = new TargetOptions();
        var command = new Command("kill",
            "Kill switch: cancel every open order of the account (stocks and futures/options unless --product), reporting each, " +
            "and refuse new `kisrt order place` and `amend` for it until `kisrt order resume`.");
        target.AddTo(command);
        command.SetAction((parse, ct) => OrderRun.RunAsync("kill", target.Read(parse), new OrderArgs(), ClientHost.Environment.Process,
            Console.In, Console.Out, Console.Error, ct));
        return command;
    }

    private static Command Resume()
    {
        var target = new TargetOptions();
        var command = new Command("resume", "Turn the account's kill switch off: `kisrt order place` and `amend` send again.");
        target.AddTo(command, sends: false);
        command.SetAction((parse, ct) => OrderRun.RunAsync("resume", target.Read(parse), new OrderArgs(), ClientHost.Environment.Process,
            Console.In, Console.Out, Console.Error, ct));
        return command;
    }

    private static Command List()
    {
        var target = new TargetOptions();
        var filter = new Option<string?>("--filter") { Description = "all (default), filled or unfilled" };
        var code = new Option<string?>("--code") { Description = "only this code's orders" };
        var format = new Option<string?>("--format") { Description = "table (default) or jsonl" };
        var command = new Command("list", "List today's orders with their fills.") { filter, code, format };
        target.AddTo(command, sends: false);
        command.SetAction((parse, ct) => OrderRun.RunAsync("list", target.Read(parse), new OrderArgs
        {
            Filter = parse.GetValue(filter), Code = parse.GetValue(code), Format = parse.GetValue(format),
        }, ClientHost.Environment.Process, Console.In, Console.Out, Console.Error, ct));
        return command;
    }
}
