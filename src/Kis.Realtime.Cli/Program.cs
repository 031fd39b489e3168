using Kis.Realtime.Cli;

// First: a Ctrl+C while the runtime is still loading the rest must already be the command's stop.
using var stopSignals = Kis.Realtime.Cli.Hosting.StopSignals.Install();

// Socket completions run on the socket engine's thread instead of hopping to the thread pool: one context switch less
// per received batch (about 12% of `kisrt stream`'s CPU at 1,250 records/s, issue 8). Safe here because nothing in
// kisrt or the library blocks a socket thread (no sync-over-async). Read once, when the first socket is made; a
// setting of the user's own wins.
const string InlineSocketCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
if (Environment.GetEnvironmentVariable(InlineSocketCompletions) is null)
    Environment.SetEnvironmentVariable(InlineSocketCompletions, "1");

// The C heap's free pages back to the system every few seconds (Hosting/NativeHeapTrim.cs: 3.5 MiB of a stream's 60).
using var nativeHeapTrim = Kis.Realtime.Cli.Hosting.NativeHeapTrim.Start();

return await KisrtApp.RunAsync(args, stop: stopSignals.Token);
