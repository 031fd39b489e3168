using System.Collections.Frozen;

namespace Kis.Realtime.Cli.Dashboard;

/// <summary>
/// The page's files, embedded in the assembly (EmbeddedResource <c>dashboard/NAME</c>): nothing is fetched from a CDN,
/// so the dashboard works with no internet. uPlot is vendored (see wwwroot/vendor/uplot/VENDORED.md).
/// </summary>
internal static class DashboardAssets
{
    private const string Prefix = "dashboard/";

    public sealed record Asset(string Name, byte[] Content, string ContentType);

    public static FrozenDictionary<string, Asset> All { get; } = Load();

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            var name = resource[Prefix.Length..];
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            assets[name] = new Asset(name, copy.ToArray(), ContentTypeOf(name));
        }
        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "text/plain; charset=utf-8",
    };
}
