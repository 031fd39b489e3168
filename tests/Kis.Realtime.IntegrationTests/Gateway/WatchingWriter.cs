namespace Kis.Realtime.Tests.Gateway;

/// <summary>A writer that signals when a line containing a text is written (the gateway's status writer is shared between threads).</summary>
internal sealed class WatchingWriter(string wanted) : StringWriter
{
    public TaskCompletionSource Seen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override void WriteLine(string? value)
    {
        lock (this) base.WriteLine(value);
        if (value?.Contains(wanted) == true) Seen.TrySetResult();
    }

    public override Task WriteLineAsync(string? value)
    {
        WriteLine(value);
        return Task.CompletedTask;
    }

    public override string ToString()
    {
        lock (this) return base.ToString();
    }
}
