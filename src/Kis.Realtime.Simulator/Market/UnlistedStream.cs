namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// The feed of a code no market lists (<see cref="SimulatedMarket.IsUnlisted"/>): subscribed like any other, it never
/// has a record, as KIS sends nothing for a code nobody trades. Made-up trades here would let a typo look like data.
/// </summary>
internal sealed class UnlistedStream(Random random) : MarketStream(random)
{
    public override int MaxRecordBytes => 0;

    public override bool HasRecordAt(DateTime now) => false;

    public override void WriteRecord(ref RecordWriter writer, int secondsOfDay)
        => throw new InvalidOperationException("an unlisted code has no records");
}
