using Kis.Realtime.Cli.Configuration;

namespace Kis.Realtime.Cli.IO;

/// <summary>Creates an output folder before anything connects, so a bad <c>--out</c> fails at once with one line.</summary>
internal static class OutputFolder
{
    /// <summary>Creates <paramref name="path"/>; true when this call made it (it did not exist before).</summary>
    public static bool Create(string path)
    {
        if (File.Exists(path)) throw new CliRunException($"--out {path}: a file by that name exists; give a folder.");
        var existed = Directory.Exists(path);
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new CliRunException($"--out {path}: cannot create the folder: {e.Message}", e);
        }
        return !existed;
    }

    /// <summary>
    /// Removes a folder <see cref="Create"/> made when the run ended before writing into it (Ctrl+C while connecting):
    /// an empty folder left behind looks like a recording that lost everything. A folder the user had is kept.
    /// </summary>
    public static void RemoveIfUnused(string? path, bool created)
    {
        if (path is null || !created) return;
        try
        {
            if (Directory.Exists(path) && !Directory.EnumerateFileSystemEntries(path).Any()) Directory.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // best effort: the folder stays, which is what happened before
        }
    }
}
