using System.Diagnostics;

namespace Kis.Realtime.Benchmarks;

/// <summary>The whole-market harness's gateway side: a fleet of <c>kisrt gateway --fleet</c> processes or the one pooled process.</summary>
internal interface IWholeMarketGateways : IAsyncDisposable
{
    /// <summary>Completes once every registration is held: a line saying how.</summary>
    Task<string> HeldAsync();

    bool Exited { get; }

    IEnumerable<int> ProcessIds { get; }

    string LastStatus { get; }

    TimeSpan Cpu(Func<int, TimeSpan> read);
}

internal sealed class FleetGateways(WholeMarketFleet fleet, int registrations) : IWholeMarketGateways
{
    public WholeMarketFleet Fleet => fleet;

    public async Task<string> HeldAsync()
    {
        var clock = Stopwatch.StartNew();
        while (fleet.Registrations < registrations && !fleet.AnyExited && clock.Elapsed < TimeSpan.FromMinutes(5)) await Task.Delay(200);
        var held = clock.Elapsed;
        // The first process up takes every shard, then hands the excess to the others as they count each other.
        while (!(fleet.Balanced && fleet.Registrations == registrations) && !fleet.AnyExited && clock.Elapsed < TimeSpan.FromMinutes(5)) await Task.Delay(200);
        return $"{fleet.Registrations} of {registrations} registrations held in {held.TotalSeconds:0.0} s, balanced in {clock.Elapsed.TotalSeconds:0.0} s " +
               $"(status lines a second apart):\n  {fleet.Lines}";
    }

    public bool Exited => fleet.AnyExited;

    public IEnumerable<int> ProcessIds => fleet.ProcessIds;

    public string LastStatus => "\n  " + fleet.Lines;

    public TimeSpan Cpu(Func<int, TimeSpan> read) => fleet.Cpu(read);

    public ValueTask DisposeAsync() => fleet.DisposeAsync();
}

internal sealed class PooledGateway(Process gateway) : IWholeMarketGateways
{
    private volatile string _last = "";
    private Task? _log;

    public async Task<string> HeldAsync()
    {
        var held = await gateway.StandardOutput.ReadLineAsync() ?? "exited";
        _log = Task.Run(async () => { while (await gateway.StandardOutput.ReadLineAsync() is { } line) _last = line; });
        return held;
    }

    public bool Exited => gateway.HasExited;

    public IEnumerable<int> ProcessIds => [gateway.Id];

    public string LastStatus => _last;

    public TimeSpan Cpu(Func<int, TimeSpan> read) => read(gateway.Id);

    public async ValueTask DisposeAsync()
    {
        await gateway.StandardInput.DisposeAsync();
        await gateway.WaitForExitAsync();
        if (_log is not null) await _log;
        gateway.Dispose();
    }
}
