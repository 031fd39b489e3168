using System.Runtime.CompilerServices;
using Parquet;
using Parquet.Schema;

namespace Kis.Realtime.Cli.Output;

/// <summary>
/// What every Parquet file of kisrt shares (<c>bars --format parquet</c>, <c>export --format parquet</c>): the gate that
/// keeps Parquet.Net out of the native build, the column types a person loading the file relies on, and the writer.
/// </summary>
internal static class ParquetFiles
{
    /// <summary>
    /// False in the Native AOT build of kisrt: Parquet.Net is not trim- or AOT-safe, so the native compiler must never
    /// reach it. <see cref="RuntimeFeature.IsDynamicCodeSupported"/> is a constant false there; every Parquet type is
    /// reached only behind it (<c>Available ? new ParquetX(…) : null</c>), which removes them from the native binary.
    /// </summary>
    public static bool Available => RuntimeFeature.IsDynamicCodeSupported;

    /// <summary>The one line the native build answers a Parquet request with (before any input is read).</summary>
    public static string NotInNativeBuild(string option) => $"{option} is not in the native (AOT) build of kisrt; the .NET tool build has it.";

    /// <summary>A decimal column written as fixed bytes, which every reader (pandas, DuckDB, Polars, Hive) understands.</summary>
    public static DecimalDataField Decimal(string name, int precision, int scale, bool nullable = false) =>
        new(name, precision, scale, forceByteArrayEncoding: true, isNullable: nullable);

    /// <summary>A UTC instant (loads as a time-zone-aware timestamp, so a file across a summer-time change stays instants).</summary>
    public static DateTimeDataField Instant(string name, DateTimeTimeUnit unit = DateTimeTimeUnit.Micros) =>
        new(name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: unit);

    /// <summary>Starts a file of <paramref name="schema"/> with kisrt's metadata (<c>kisrt.view</c> and the rest).</summary>
    public static async Task<ParquetWriter> CreateWriterAsync(ParquetSchema schema, Stream stream, string view, IReadOnlyDictionary<string, string> metadata,
        CancellationToken cancellationToken)
    {
        var writer = await ParquetWriter.CreateAsync(schema, stream, cancellationToken: cancellationToken);
        var all = new Dictionary<string, string>(metadata) { ["kisrt.view"] = view };
        writer.CustomMetadata = all;
        return writer;
    }
}
