using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Internal;

/// <summary>
/// A JSON file of secrets (cached tokens) readable and writable by the current user only, replaced atomically. An
/// unreadable or unwritable file is logged (by name and error type, never its content) and treated as empty.
/// </summary>
internal static partial class SecretFile
{
    public static T? Read<T>(string? path, JsonTypeInfo<T> type, ILogger logger)
    {
        if (path is null || !File.Exists(path)) return default;
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), type);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            LogUnreadable(logger, path, e.GetType().Name);
            return default;
        }
    }

    public static void Write<T>(string? path, T value, JsonTypeInfo<T> type, ILogger logger)
    {
        if (path is null) return;
        // A temp name of this writer's own: processes sharing a home folder share the cache file, and one's move would
        // take away a shared temp file another was writing (FileNotFoundException). The last move wins, whole.
        var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (dir is not null) Directory.CreateDirectory(dir);
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(temp, options)) JsonSerializer.Serialize(stream, value, type);
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogUnwritable(logger, path, e.GetType().Name);
            TryDelete(temp);
        }
    }

    private static void TryDelete(string temp)
    {
        try
        {
            File.Delete(temp);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // nothing more to do: a stray temp file holds only what the cache would have
        }
    }

    [LoggerMessage(1111, LogLevel.Warning, "Secret cache file {File} could not be read ({Error}); issuing new keys or tokens")]
    private static partial void LogUnreadable(ILogger logger, string file, string error);

    [LoggerMessage(1112, LogLevel.Warning, "Secret cache file {File} could not be written ({Error})")]
    private static partial void LogUnwritable(ILogger logger, string file, string error);
}
