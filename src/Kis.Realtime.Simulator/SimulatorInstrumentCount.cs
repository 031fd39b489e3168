namespace Kis.Realtime.Simulator;

/// <summary>
/// What one instrument (TR and key) of the simulator's market made since it was first subscribed (<see cref="KisSimulator.Instruments"/>,
/// <c>GET /sim/status</c>): the count a whole-market run checks its consumers against.
/// </summary>
/// <param name="TrId">The TR (e.g. <c>H0STCNT0</c>).</param>
/// <param name="Key">The key (e.g. <c>005930</c>).</param>
/// <param name="RecordsMade">Records the instrument put on its tape, each sent to every subscriber.</param>
/// <param name="RecordsUnsent">Of those, records its slowest subscriber has not sent yet (0 once every subscriber caught up).</param>
public sealed record SimulatorInstrumentCount(string TrId, string Key, long RecordsMade, long RecordsUnsent);
