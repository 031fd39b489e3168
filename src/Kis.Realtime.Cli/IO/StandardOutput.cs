using Microsoft.Win32.SafeHandles;

namespace Kis.Realtime.Cli.IO;

/// <summary>Standard output as a stream that reports a closed reader.</summary>
internal static class StandardOutput
{
    /// <summary>EPIPE on Linux and macOS: the reading end of the pipe is closed (<c>kisrt stream | head -1</c>).</summary>
    private const int BrokenPipe = 32;

    /// <summary>
    /// Standard output, unbuffered. On Unix, when it is a pipe or socket, a stream over file descriptor 1 itself: the
    /// console's own stream (<see cref="Console.OpenStandardOutput()"/>) pretends a write to a closed pipe succeeded,
    /// so a run whose reader has gone (<c>| head -1</c>) would go on writing into nothing until its end.
    /// </summary>
    /// <remarks>
    /// A file (<c>&gt; out.jsonl 2&gt;&amp;1</c>) keeps the console's stream: a FileStream writes at its own position
    /// and would overwrite what standard error wrote into the same file. A file never has a reader that leaves.
    /// </remarks>
    public static Stream Open()
    {
        if (OperatingSystem.IsWindows()) return Console.OpenStandardOutput();
        FileStream descriptor;
        try
        {
            descriptor = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return Console.OpenStandardOutput(); // closed or not writable: the console's stream says so its own way
        }
        if (!descriptor.CanSeek) return descriptor;
        descriptor.Dispose();
        return Console.OpenStandardOutput();
    }

    /// <summary>True when <paramref name="e"/> (or what it wraps) says the reader of the output has gone.</summary>
    public static bool IsClosedByReader(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is IOException { HResult: BrokenPipe }) return true;
        return false;
    }
}
