namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Tests that assert on heartbeat timing (200 ms intervals) run alone: on a 2-core machine, flat-out tests running in
/// parallel can delay a socket read by more than an interval.
/// </summary>
[CollectionDefinition("Simulator timing", DisableParallelization = true)]
public sealed class TimingCollection;
