using System.Runtime.CompilerServices;
using Parquet.Schema;

namespace Kis.Realtime.Cli.Output;

/// <summary>
/// <c>kisrt bars --format parquet --out FILE</c>: the closed bars as one Parquet file, typed for the people who load it
/// (pandas, DuckDB, Polars): keys and TR ids as strings (<c>005930</c> stays <c>005930</c>), prices and values as
/// decimal(38, 6) (one type in every file, whatever the market), volume int64, open and close times as UTC timestamps
/// (microseconds) with the market's time zone beside them (<c>time_zone</c>, an IANA name, also in the file's metadata)
/// so a file across a summer-time change loads as instants, and flags as text (<c>gap;end_of_stream</c>, as the CSV).
/// One schema for every bar view. Bars are kept in memory and written when the command ends.
/// </summary>
internal sealed class ParquetBarFile : IClosedBarFile
{
    /// <summary>
    /// The file, or null in the Native AOT build of kisrt (<see cref="ParquetFiles.Available"/>). The test is the
    /// feature switch itself, not a call to a method that returns it, so the native compiler drops the branch for sure.
    /// </summary>
    public static IClosedBarFile? TryCreate(string path) => RuntimeFeature.IsDynamicCodeSupported ? new ParquetBarFile(path) : null;

    // Wide enough for any KRW traded value and a US price to 4 places; one type for every market and file.
    private const int Precision = 38, Scale = 6;

    private static readonly DataField TrId = new DataField<string>("tr_id");
    private static readonly DataField Key = new DataField<string>("key");
    private static readonly DataField Interval = new DataField<string>("interval");
    private static readonly DataField OpenTime = Instant("open_time");
    private static readonly DataField CloseTime = Instant("close_time");
    private static readonly DataField TimeZone = new DataField<string>("time_zone");
    private static readonly DataField Open = Price("open"), High = Price("high"), Low = Price("low"), Close = Price("close");
    private static readonly DataField Volume = new DataField<long>("volume");
    private static readonly DataField Value = Price("value");
    private static readonly DataField TradeCount = new DataField<int>("trade_count");
    private static readonly DataField Vwap = Price("vwap");
    private static readonly DataField Flags = new DataField<string>("flags");

    /// <summary>The columns, in order (the CSV's, with <c>time_zone</c> after the times).</summary>
    public static readonly ParquetSchema Schema = new(TrId, Key, Interval, OpenTime, CloseTime, TimeZone, Open, High, Low, Close, Volume, Value,
        TradeCount, Vwap, Flags);

    private readonly string _path;
    private readonly List<(string TrId, string Interval, string Zone, Bar Bar)> _bars = [];

    private ParquetBarFile(string path) => _path = path;

    private static DecimalDataField Price(string name) => ParquetFiles.Decimal(name, Precision, Scale);

    private static DateTimeDataField Instant(string name) => ParquetFiles.Instant(name);

    public void Add(string trId, BarSpec spec, in Bar bar) =>
        _bars.Add((trId, spec.ToString(), MarketCalendar.For(trId, bar.Key).TimeZoneId, bar));

    /// <summary>Writes the file (replacing one there).</summary>
    public async Task WriteAsync(CancellationToken cancellationToken)
    {
        await using var stream = File.Create(_path);
        await using var writer = await ParquetFiles.CreateWriterAsync(Schema, stream, "bars", new Dictionary<string, string>
        {
            ["kisrt.times"] = "open_time and close_time are UTC instants; time_zone is the market's clock (bars are aligned to it)",
        }, cancellationToken);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(TrId, Strings(b => b.TrId));
        await group.WriteAsync(Key, Strings(b => b.Bar.Key));
        await group.WriteAsync(Interval, Strings(b => b.Interval));
        await group.WriteAsync<DateTime>(OpenTime, Column(b => b.Bar.OpenTime.UtcDateTime), cancellationToken: cancellationToken);
        await group.WriteAsync<DateTime>(CloseTime, Column(b => b.Bar.CloseTime.UtcDateTime), cancellationToken: cancellationToken);
        await group.WriteAsync(TimeZone, Strings(b => b.Zone));
        await group.WriteAsync<decimal>(Open, Column(b => b.Bar.Open), cancellationToken: cancellationToken);
        await group.WriteAsync<decimal>(High, Column(b => b.Bar.High), cancellationToken: cancellationToken);
        await group.WriteAsync<decimal>(Low, Column(b => b.Bar.Low), cancellationToken: cancellationToken);
        await group.WriteAsync<decimal>(Close, Column(b => b.Bar.Close), cancellationToken: cancellationToken);
        await group.WriteAsync<long>(Volume, Column(b => b.Bar.Volume), cancellationToken: cancellationToken);
        await group.WriteAsync<decimal>(Value, Column(b => b.Bar.Value), cancellationToken: cancellationToken);
        await group.WriteAsync<int>(TradeCount, Column(b => b.Bar.TradeCount), cancellationToken: cancellationToken);
        await group.WriteAsync<decimal>(Vwap, Column(b => Math.Round(b.Bar.Vwap, 4)), cancellationToken: cancellationToken);
        await group.WriteAsync(Flags, Strings(b => string.Join(';', BarWriter.FlagNames(b.Bar.Flags))));
    }

    private string[] Strings(Func<(string TrId, string Interval, string Zone, Bar Bar), string> cell) => [.. _bars.Select(cell)];

    private ReadOnlyMemory<T> Column<T>(Func<(string TrId, string Interval, string Zone, Bar Bar), T> cell) => _bars.Select(cell).ToArray();
}

/// <summary>A file of closed bars written when the command ends (<c>--format parquet</c>).</summary>
internal interface IClosedBarFile
{
    void Add(string trId, BarSpec spec, in Bar bar);

    Task WriteAsync(CancellationToken cancellationToken);
}
