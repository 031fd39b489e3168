namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Tests that depend on real-time heartbeats (sub-second PINGPONG intervals, in the simulator and client tests) run alone:
/// on a 2-core machine, flat-out tests running in parallel can delay a socket read by more than an interval.
/// </summary>
[CollectionDefinition("Simulator timing", DisableParallelization = true)]
public sealed class TimingCollection;
