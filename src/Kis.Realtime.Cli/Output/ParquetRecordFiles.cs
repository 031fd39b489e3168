using System.Runtime.CompilerServices;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Cli.Output;

/// <summary>
/// <c>kisrt export --format parquet --out DIR</c>: one Parquet file per TR (<c>DIR/H0STCNT0.parquet</c> …), each with the
/// columns of that TR (<see cref="ParquetTrFile"/>). Rows collect per TR and go out as a row group every
/// <see cref="RowGroupRows"/> rows, so a day of millions of records is never held whole.
/// </summary>
internal sealed class ParquetRecordFiles : IRecordFiles
{
    /// <summary>The files, or null in the Native AOT build of kisrt (<see cref="ParquetFiles.Available"/>): the test is the
    /// feature switch itself, so the native compiler drops this branch and every Parquet type with it.</summary>
    public static IRecordFiles? TryCreate(string directory) => RuntimeFeature.IsDynamicCodeSupported ? new ParquetRecordFiles(directory) : null;

    /// <summary>Rows per row group (and at most this many rows of a TR held in memory).</summary>
    public const int RowGroupRows = 100_000;

    private readonly string _directory;
    private readonly Dictionary<TrId, ParquetTrFile> _files = new();

    private ParquetRecordFiles(string directory) => _directory = directory;

    public bool HasFullGroup { get; private set; }

    public bool Write(in OutputRecord record)
    {
        if (!_files.TryGetValue(record.Tr.TrId, out var file))
            _files[record.Tr.TrId] = file = new ParquetTrFile(record.Tr, Path.Combine(_directory, record.Tr.Id + ".parquet"));
        if (!file.Add(record)) return false;
        if (file.Rows >= RowGroupRows) HasFullGroup = true;
        return true;
    }

    public async ValueTask WriteFullGroupsAsync(CancellationToken cancellationToken)
    {
        foreach (var file in _files.Values)
            if (file.Rows >= RowGroupRows) await file.WriteGroupAsync(cancellationToken);
        HasFullGroup = false;
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        foreach (var file in _files.Values) await file.CompleteAsync(cancellationToken);
    }

    /// <summary>Rows go out as whole row groups (<see cref="WriteFullGroupsAsync"/>, <see cref="CompleteAsync"/>), not on a timer.</summary>
    public void Flush()
    {
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var file in _files.Values) await file.DisposeAsync();
        _files.Clear();
    }
}

/// <summary>A sink whose output is files written in groups (<c>kisrt export</c>): the caller writes full groups between records.</summary>
internal interface IRecordFiles : IRecordSink
{
    /// <summary>True when some file holds a full group that <see cref="WriteFullGroupsAsync"/> should write.</summary>
    bool HasFullGroup { get; }

    ValueTask WriteFullGroupsAsync(CancellationToken cancellationToken);

    /// <summary>Writes what is left and ends every file (a file is readable only once ended).</summary>
    ValueTask CompleteAsync(CancellationToken cancellationToken);
}
