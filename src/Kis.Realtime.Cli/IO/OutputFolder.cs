using Kis.Realtime.Cli.Configuration;

namespace Kis.Realtime.Cli.IO;

/// <summary>Creates an output folder before anything connects, so a bad <c>--out</c> fails at once with one line.</summary>
internal static class OutputFolder
{
    public static void Create(string path)
    {
        if (File.Exists(path)) throw new CliRunException($"--out {path}: a file by that name exists; give a folder.");
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new CliRunException($"--out {path}: cannot create the folder: {e.Message}", e);
        }
    }
}
