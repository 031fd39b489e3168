using System.Text;

namespace Kis.Realtime.Cli.Hosting;

/// <summary>
/// Log lines held while the live table owns the terminal (a line written under it would tear the display): the
/// latest is shown in the table's status line, and all of them (the last <see cref="Capacity"/>) go to
/// <paramref name="target"/> once the table is gone. Outside <see cref="Hold"/>…<see cref="Release"/>, lines pass
/// straight through.
/// </summary>
internal sealed class HeldLog(TextWriter target) : TextWriter
{
    public const int Capacity = 200;

    private readonly Lock _gate = new();
    private readonly Queue<string> _lines = new();
    private readonly StringBuilder _partial = new();
    private long _overflow;
    private bool _holding;

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>The latest complete line, or null.</summary>
    public string? Latest { get; private set; }

    public override void Write(char value)
    {
        lock (_gate)
        {
            if (value == '\n') Complete();
            else if (value != '\r') _partial.Append(value);
        }
    }

    public override void WriteLine(string? value)
    {
        lock (_gate)
        {
            _partial.Append(value);
            Complete();
        }
    }

    private void Complete()
    {
        var line = _partial.ToString();
        _partial.Clear();
        Latest = line;
        if (!_holding)
        {
            target.WriteLine(line);
            return;
        }
        _lines.Enqueue(line);
        if (_lines.Count > Capacity)
        {
            _lines.Dequeue();
            _overflow++;
        }
    }

    /// <summary>From now on, lines are held.</summary>
    public void Hold()
    {
        lock (_gate) _holding = true;
    }

    /// <summary>Writes the held lines to the target (saying how many earlier ones were not kept); later lines pass through.</summary>
    public void Release()
    {
        lock (_gate)
        {
            _holding = false;
            if (_overflow > 0) target.WriteLine($"kisrt: ({_overflow:N0} earlier log lines not kept)");
            while (_lines.TryDequeue(out var line)) target.WriteLine(line);
            _overflow = 0;
        }
    }
}
