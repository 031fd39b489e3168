using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Kis.Realtime.Internal;

/// <summary>
/// One line of an account's order journal (<see cref="OrderJournalFile"/>). <c>await</c>: a call is about to be sent, with
/// the terms that find its order; <c>lost</c>: its answer was lost (no longer in flight); <c>claim</c>: it holds order
/// <see cref="Number"/>; <c>close</c>: it placed nothing (refused, not sent); <c>adopt</c>: <see cref="Owner"/> takes over
/// the unresolved call of a handle that is gone.
/// </summary>
internal sealed record JournalLine(string Op, string Id)
{
    public string? Owner { get; init; }
    public KisProduct Product { get; init; }
    public string? Code { get; init; }
    public OrderSide Side { get; init; }
    public long Quantity { get; init; }
    public decimal Price { get; init; }
    public KisOrderKind Kind { get; init; }
    public string? Original { get; init; }
    public bool Cancel { get; init; }
    public DateTimeOffset? Local { get; init; }
    public DateTimeOffset? Floor { get; init; }
    public string? Number { get; init; }
    public string? Branch { get; init; }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("op", Op);
        w.WriteString("id", Id);
        if (Owner is not null) w.WriteString("owner", Owner);
        if (Op == "await")
        {
            w.WriteString("product", Product.ToString());
            if (Code is not null) w.WriteString("code", Code);
            w.WriteString("side", Side.ToString());
            w.WriteNumber("qty", Quantity);
            w.WriteString("price", Price.ToString(CultureInfo.InvariantCulture));
            w.WriteString("kind", Kind.ToString());
            if (Original is not null) w.WriteString("original", Original);
            w.WriteBoolean("cancel", Cancel);
            if (Local is { } local) w.WriteString("local", local);
            if (Floor is { } floor) w.WriteString("floor", floor);
        }
        if (Number is not null) w.WriteString("number", Number);
        if (Branch is not null) w.WriteString("branch", Branch);
        w.WriteEndObject();
    }

    /// <summary>A line read back; null when it is not one (the caller names the line in a typed error).</summary>
    public static JournalLine? Read(ReadOnlySpan<byte> utf8)
    {
        try
        {
            using var doc = JsonDocument.Parse(utf8.ToArray());
            var r = doc.RootElement;
            string? S(string name) => r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            if (S("op") is not { } op || S("id") is not { Length: > 0 } id) return null;
            if (op is not ("await" or "lost" or "claim" or "close" or "adopt")) return null;
            var line = new JournalLine(op, id) { Owner = S("owner"), Number = S("number"), Branch = S("branch") };
            if (op != "await") return op is "claim" && line.Number is null || op is "adopt" && line.Owner is null ? null : line;
            return line with
            {
                Product = Enum.Parse<KisProduct>(S("product") ?? ""), Code = S("code"), Side = Enum.Parse<OrderSide>(S("side") ?? ""),
                Quantity = r.GetProperty("qty").GetInt64(), Price = decimal.Parse(S("price") ?? "", NumberStyles.Number, CultureInfo.InvariantCulture),
                Kind = Enum.Parse<KisOrderKind>(S("kind") ?? ""), Original = S("original"), Cancel = r.GetProperty("cancel").GetBoolean(),
                Local = r.TryGetProperty("local", out var l) ? l.GetDateTimeOffset() : null,
                Floor = r.TryGetProperty("floor", out var f) ? f.GetDateTimeOffset() : null,
            };
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException or InvalidOperationException or KeyNotFoundException
            or OverflowException)
        {
            return null;
        }
    }
}

/// <summary>
/// An account's order journal on disk: JSON lines appended by every handle of the account on this machine, one file a
/// day. Each use opens it exclusively (<see cref="FileShare.None"/>: a lock between processes and within one), reads
/// what other handles appended since the last use, appends and fsyncs, and closes it: never held across an HTTP call.
/// A last line without its newline (a writer killed mid-line) is cut off before the next append; any other line that
/// cannot be read is an <see cref="InvalidDataException"/> naming the file and line. Not thread-safe: its owner
/// (<see cref="OrderClaims"/>) serializes the uses.
/// </summary>
internal sealed class OrderJournalFile(string path)
{
    /// <summary>How long another handle may keep the file before a use gives up (each use holds it for milliseconds).</summary>
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(15);

    private long _offset;
    private long _lines;

    public string Path { get; } = path;

    /// <summary>Opens the file exclusively, reads the lines appended since the last use (to <paramref name="apply"/>),
    /// appends <paramref name="append"/>'s lines (fsync'd) and closes it.</summary>
    public async Task UseAsync(Action<JournalLine> apply, Func<IReadOnlyList<JournalLine>> append)
    {
        using var file = await OpenAsync().ConfigureAwait(false);
        var tornAt = ReadNew(file, apply);
        var lines = append();
        if (lines.Count == 0) return;
        var buffer = new ArrayBufferWriter<byte>(256 * lines.Count);
        foreach (var line in lines)
        {
            using (var writer = new Utf8JsonWriter(buffer)) line.Write(writer);
            buffer.Write("\n"u8);
        }
        if (tornAt is { } torn) file.SetLength(torn); // a writer killed mid-line: its half line goes
        file.Position = _offset;
        try
        {
            file.Write(buffer.WrittenSpan);
            file.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            TryCut(file); // a part written (a full disk) must not be read back as lines that were never acknowledged
            throw;
        }
        _offset += buffer.WrittenCount;
        _lines += lines.Count;
    }

    /// <summary>Applies the whole lines after <see cref="_offset"/>; where a torn last line starts, if there is one.</summary>
    private long? ReadNew(FileStream file, Action<JournalLine> apply)
    {
        var length = file.Length;
        if (length < _offset)
            throw new InvalidDataException($"The order journal {Path} is shorter than when it was last read: it was cut or replaced by something else.");
        if (length == _offset) return null;
        var bytes = new byte[length - _offset];
        file.Position = _offset;
        file.ReadExactly(bytes);
        var start = 0;
        while (true)
        {
            var end = Array.IndexOf(bytes, (byte)'\n', start);
            if (end < 0) return start < bytes.Length ? _offset : null;
            var line = JournalLine.Read(bytes.AsSpan(start, end - start))
                ?? throw new InvalidDataException($"The order journal {Path} cannot be read at line {_lines + 1}: not an order journal line.");
            apply(line);
            _lines++;
            _offset += end + 1 - start;
            start = end + 1;
        }
    }

    private void TryCut(FileStream file)
    {
        try
        {
            file.SetLength(_offset);
        }
        catch (IOException)
        {
            // What stays is a torn last line, cut at the next use, or whole lines read back as they are.
        }
    }

    private async Task<FileStream> OpenAsync()
    {
        var waited = Stopwatch.StartNew();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
            }
            catch (IOException e) when (e is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException))
            {
                if (waited.Elapsed >= LockWait)
                    throw new IOException($"The order journal {Path} stayed in use by another handle for {LockWait.TotalSeconds:0} s: {e.Message}", e);
                // Another handle has it for a moment: waited out in real time (the options' clock may be a test's, stopped).
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(50, 1 << Math.Min(attempt, 6)))).ConfigureAwait(false);
            }
        }
    }
}
