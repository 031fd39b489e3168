using System.CommandLine;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Cli.Output;

namespace Kis.Realtime.Cli.Commands;

/// <summary>What <c>kisrt export</c> was asked.</summary>
internal sealed record ExportArgs
{
    /// <summary>The recording: a <c>kisrt record --out</c> folder.</summary>
    public required string Replay { get; init; }

    /// <summary>The folder the files go into (one per TR); must be new or empty.</summary>
    public required string Out { get; init; }

    /// <summary>parquet (default), csv or jsonl.</summary>
    public string? Format { get; init; }

    /// <summary>TR ids or aliases to export; empty: every TR recorded.</summary>
    public IReadOnlyList<string> Trs { get; init; } = [];
}

/// <summary>
/// <c>kisrt export --replay DIR --out OUT [--format parquet|csv|jsonl] [--tr TR …]</c>: a recording's records as one file
/// per TR, decoded the way <c>kisrt record</c> decodes them (the key is the record's first field; notices decrypted with
/// the keys of their session's replies). A bad line is reported with its place (<c>2026-11-23/raw.log:7</c>) and why,
/// and counted; the rest of the recording is exported.
/// </summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var replay = new Option<string>("--replay") { Description = "the recording: a `kisrt record --out` folder", Required = true };
        var output = new Option<string>("--out") { Description = "the folder to write, one file per TR (new or empty)", Required = true };
        var format = new Option<string?>("--format")
        {
            Description = "parquet (default: typed columns, keys as strings, UTC receive times with the market's zone), csv or jsonl",
        };
        var trs = new Option<string[]>("--tr")
        {
            Description = "only this TR (id or alias, e.g. H0STCNT0 or stock); repeat for more", AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("export", "Export a recording's records to files, one per TR: Parquet (typed), CSV or JSON Lines.")
        {
            replay, output, format, trs,
        };
        command.SetAction((parse, ct) => RunAsync(new ExportArgs
        {
            Replay = parse.GetValue(replay)!, Out = parse.GetValue(output)!, Format = parse.GetValue(format), Trs = parse.GetValue(trs) ?? [],
        }, Console.Error, ct));
        return command;
    }

    /// <summary>Exports; 0 when every line was exported or was a control message, 1 when some could not be (each reported).</summary>
    public static async Task<int> RunAsync(ExportArgs args, TextWriter stderr, CancellationToken cancellationToken)
    {
        var format = (args.Format ?? "parquet").ToLowerInvariant();
        if (format is not ("parquet" or "csv" or "jsonl")) throw new CliUsageException($"--format must be parquet, csv or jsonl, not '{args.Format}'.");
        if (format == "parquet" && !ParquetFiles.Available)
            throw new CliUsageException(ParquetFiles.NotInNativeBuild("--format parquet") + " Or export with --format csv or jsonl.");
        var trIds = TrIdsOf(args.Trs);
        var folder = OpenRecording(args.Replay);
        CheckOutput(args.Out);

        Directory.CreateDirectory(args.Out);
        IRecordSink sink = format switch
        {
            "parquet" => ParquetRecordFiles.TryCreate(args.Out)!, // null only where refused above
            "csv" => CsvSink.ToDirectory(args.Out),
            _ => new PerTrJsonLinesSink(args.Out, m => stderr.WriteLine("kisrt export: " + m)),
        };
        using var export = new RecordExport(sink, stderr);
        await using (sink)
        {
            await foreach (var message in folder.ReadAsync(new ReplayQuery(TrIds: trIds), cancellationToken))
            {
                export.Add(message, trIds);
                if (sink is IRecordFiles { HasFullGroup: true } files) await files.WriteFullGroupsAsync(cancellationToken);
            }
            if (sink is IRecordFiles done) await done.CompleteAsync(cancellationToken);
        }

        // Lines the folder could not read at all (no receive time, too long) are its own count, located alike.
        foreach (var skipped in folder.FirstSkipped) export.Tell(skipped.Location, skipped.Reason);
        var bad = export.Failed + folder.Skipped;
        var byTr = string.Join(", ", export.PerTr.Select(kv => $"{kv.Key} {kv.Value:N0}"));
        await stderr.WriteLineAsync($"kisrt export: {export.Records:N0} records{(byTr.Length > 0 ? $" ({byTr})" : "")} from {export.Messages:N0} " +
            $"messages of {args.Replay} into {args.Out} ({format}, one file per TR); " +
            (bad == 0 ? "every line exported or a control message" : $"{bad:N0} lines or records could not be exported (reported above)"));
        return bad == 0 ? CliFailures.Done : CliFailures.SomeInputFailed;
    }

    private static HashSet<string>? TrIdsOf(IReadOnlyList<string> trs)
    {
        if (trs.Count == 0) return null;
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var text in trs)
        {
            if (!SubscriptionSpec.TryResolve(text, out var tr)) throw new CliUsageException($"--tr: unknown TR '{text}'; `kisrt trs` lists them.");
            ids.Add(tr.Id);
            if (tr.PaperId is { } paper) ids.Add(paper); // a recording of the paper server holds the paper id
        }
        return ids;
    }

    private static KisRecordingFolder OpenRecording(string directory)
    {
        if (File.Exists(directory))
            throw new CliUsageException(
                $"--replay {directory} is a file, not a recording: give the folder of `kisrt record --out` (it holds yyyy-MM-dd/raw.log).");
        if (!Directory.Exists(directory)) throw new CliUsageException($"--replay {directory}: no such folder (give a `kisrt record --out` folder).");
        var folder = new KisRecordingFolder(directory);
        if (folder.Days().Count == 0)
            throw new CliUsageException(
                $"--replay {directory} is not a recording: it holds no yyyy-MM-dd/{RecordCommand.RawFileName} (give a `kisrt record --out` folder).");
        return folder;
    }

    /// <summary>A new or empty folder: CSV and JSON Lines files append, so an export over an old one would double it.</summary>
    private static void CheckOutput(string directory)
    {
        if (File.Exists(directory)) throw new CliUsageException($"--out {directory} is a file: give a folder (one file per TR goes into it).");
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
            throw new CliUsageException($"--out {directory} is not empty: give a new or empty folder (an export never mixes with older files).");
    }
}
