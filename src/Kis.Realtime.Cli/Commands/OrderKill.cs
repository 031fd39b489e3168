using System.Globalization;
using Kis.Realtime.Cli.Configuration;

namespace Kis.Realtime.Cli.Commands;

/// <summary>
/// <c>kisrt order kill</c> and <c>resume</c>: the library's <see cref="KisRiskGuard"/> kill switch as far as a
/// command-line process can hold it. A process sees no notices, so the guard knows no order of its own: kill asks the
/// venue for every open order and cancels each through the guard (cancels always pass), reporting each. What outlives
/// the process is a file per account in kisrt's data folder: while it is there, <c>kisrt order place</c> and
/// <c>amend</c> go through a guard whose kill switch is on and are refused before anything is sent. Orders sent by any
/// other program (your strategy, HTS, MTS) are not stopped by it: the kill switch of a strategy is its own guard's.
/// </summary>
internal static class OrderKill
{
    /// <summary>The file that holds the kill switch on for <paramref name="account"/> (both its stock and futures products).</summary>
    public static string FileOf(ClientHost.Environment environment, KisAccount account) =>
        Path.Combine(environment.DataDirectory, $"order-kill-switch-{account.Number}.txt");

    /// <summary>When the kill switch of the account went on; null while it is off.</summary>
    public static DateTimeOffset? Since(ClientHost.Environment environment, KisAccount account)
    {
        var file = FileOf(environment, account);
        if (!File.Exists(file)) return null;
        var text = File.ReadAllText(file).Trim();
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var since)
            ? since : File.GetLastWriteTimeUtc(file);
    }

    /// <summary>
    /// A guard in front of <paramref name="client"/> whose kill switch is on (the account's file is there), or null.
    /// Its kill cancels nothing: a new process has let no order through it.
    /// </summary>
    public static async Task<KisRiskGuard?> GuardIfKilledAsync(ClientHost.Environment environment, KisAccount account, KisOrderClient client,
        TextWriter stderr, CancellationToken cancellationToken)
    {
        if (Since(environment, account) is not { } since) return null;
        await stderr.WriteLineAsync($"kisrt: the kill switch of account {OrderRun.Masked(account)} is on since {since:yyyy-MM-dd HH:mm:ss} UTC " +
            "(`kisrt order kill`): new orders and amendments are refused here; `kisrt order resume` turns it off.");
        var guard = new KisRiskGuard(client, new KisRiskLimits());
        await guard.KillAsync(cancellationToken);
        return guard;
    }

    /// <summary>Kill: the switch on, then every open order of the products asked for cancelled and reported. Exit 0 when every cancel was accepted.</summary>
    public static async Task<int> KillAsync(ClientHost.Environment environment, KisAccount account, KisOrderClient client, IReadOnlyList<KisProduct> products,
        TextWriter stdout, CancellationToken cancellationToken)
    {
        // On first: an order placed by another `kisrt order` while the cancels go out is refused, not left working.
        var file = FileOf(environment, account);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture) + Environment.NewLine, cancellationToken);
        var guard = new KisRiskGuard(client, new KisRiskLimits());
        await guard.KillAsync(cancellationToken);
        int open = 0, cancelled = 0, refused = 0, unknown = 0;
        foreach (var product in products)
        {
            foreach (var row in await client.GetOrdersAsync(product, KisOrderFilter.Unfilled, cancellationToken: cancellationToken))
            {
                if (row.RemainingQuantity <= 0) continue;
                open++;
                var result = await guard.CancelAsync(new KisCancelRequest { Product = product, OriginalOrderNumber = row.OrderNumber }, cancellationToken);
                var side = row.Side == OrderSide.Buy ? "buy" : row.Side == OrderSide.Sell ? "sell" : "?";
                await stdout.WriteLineAsync($"cancel {row.OrderNumber} ({row.Code} {side} {row.RemainingQuantity} left): {OrderRun.Describe(result)}");
                _ = result.Outcome switch
                {
                    KisOrderOutcome.Accepted => cancelled++,
                    KisOrderOutcome.Refused => refused++,
                    _ => unknown++,
                };
            }
        }
        await stdout.WriteLineAsync($"kill switch on for account {OrderRun.Masked(account)}: {open} open order(s), {cancelled} cancelled, {refused} refused, " +
            $"{unknown} unknown; `kisrt order place` and `amend` refuse new orders until `kisrt order resume`");
        return unknown > 0 ? CliFailures.RunFailed : refused > 0 ? CliFailures.SomeInputFailed : CliFailures.Done;
    }

    /// <summary>Resume: the switch off (the file removed).</summary>
    public static async Task<int> ResumeAsync(ClientHost.Environment environment, KisAccount account, TextWriter stdout)
    {
        var file = FileOf(environment, account);
        var was = File.Exists(file);
        File.Delete(file);
        await stdout.WriteLineAsync(was ? $"kill switch off for account {OrderRun.Masked(account)}: new orders are sent again"
            : $"the kill switch of account {OrderRun.Masked(account)} was not on");
        return CliFailures.Done;
    }
}
