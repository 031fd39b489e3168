using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Kis.Realtime.Cli.Hosting;

/// <summary>
/// kisrt's gen0 budget is 1 MB (Kis.Realtime.Cli.csproj: set for <c>kisrt stream</c>'s resident memory); a backtest
/// allocates about 2 KB an order and keeps its rows, so at 1 MB it spent 10–15 % of its CPU in gen0 collections over a
/// 1,000,000-record day (docs/performance.md). The runtime reads the budget once, at start, for the whole process: a
/// native <c>kisrt backtest</c> runs itself once more with the runtime's own variable set (<see cref="Variable"/>), its
/// standard streams inherited and its exit code returned. A budget the user set is left as it is (and nothing re-runs);
/// under <c>dotnet kisrt.dll</c> a second start would cost more than it saves, so it runs as it was started.
/// </summary>
internal static class BacktestGcBudget
{
    /// <summary>The runtime's variable for the largest gen0 budget (GCgen0MaxBudget).</summary>
    public const string Variable = "DOTNET_GCgen0MaxBudget";

    /// <summary>64 MiB, in the hexadecimal the runtime reads: about 30,000 orders of a backtest between two gen0 collections.</summary>
    public const string Budget = "0x4000000";

    /// <summary>Whether <paramref name="args"/> is a backtest that should run with <see cref="Budget"/>: a native kisrt whose budget nobody set.</summary>
    public static bool Applies(string[] args, string? budgetSet, bool native)
        => native && budgetSet is null && args is ["backtest", ..] && !args.Contains("--help") && !args.Contains("-h");

    /// <summary>Runs this executable with <paramref name="args"/> and the budget; its exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false }; // standard streams inherited
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment[Variable] = Budget;
        using var child = Process.Start(start)!;
        // Ctrl-C and Ctrl-\ reach the child too (one process group): this one waits for its exit code. A TERM sent to
        // this one is passed on, so the backtest stops as it would have.
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, static context => context.Cancel = true);
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, static context => context.Cancel = true);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            _ = Kill(child.Id, SigTerm);
        });
        await child.WaitForExitAsync();
        return child.ExitCode;
    }

    private const int SigTerm = 15;

    [DllImport("libc.so.6", EntryPoint = "kill", ExactSpelling = true)]
    private static extern int Kill(int pid, int signal);
}
