namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Keeps every core busy while a test runs (issue 72: the gateway's accounting broke only under load, and load is what the
/// open brings): one spinning thread a core, at normal priority, until disposed. The test's own processes compete with them
/// as with a loaded machine's other work; its waits stay conditions with generous timeouts.
/// </summary>
internal sealed class BusyCores : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Thread> _threads = [];
    private long _spins;

    public BusyCores(int? threads = null)
    {
        for (var i = 0; i < (threads ?? Environment.ProcessorCount); i++)
        {
            var thread = new Thread(Spin) { IsBackground = true, Name = $"busy-core-{i}" };
            thread.Start();
            _threads.Add(thread);
        }
    }

    /// <summary>Rounds of work done so far: proof the threads ran.</summary>
    public long Spins => Interlocked.Read(ref _spins);

    private void Spin()
    {
        var token = _stop.Token;
        var x = 1UL;
        while (!token.IsCancellationRequested)
        {
            for (var i = 0; i < 100_000; i++) x = x * 6364136223846793005UL + 1442695040888963407UL; // work the JIT cannot drop
            if (x == 0) Console.Write(""); // keeps x alive
            Interlocked.Increment(ref _spins);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        foreach (var thread in _threads) thread.Join();
        _stop.Dispose();
    }
}
