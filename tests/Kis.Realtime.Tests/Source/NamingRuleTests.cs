using System.Text.RegularExpressions;
using Kis.Realtime.Tests.Gateway;
using Kis.Realtime.Tests.Packaging;

namespace Kis.Realtime.Tests.Source;

/// <summary>
/// The naming rules of docs/development.md ("Style") are build errors, not editor hints: a probe project built with the
/// repository's own .editorconfig and Directory.Build.* (copied beside it, since they are found by walking up from the
/// project) gets IDE1006 on exactly the lines marked below: each rule broken once, and the names the rules allow (an
/// internal <c>_counter</c>, a private static readonly <c>Shared</c>) not reported. It fails if the
/// <c>dotnet_diagnostic.IDE1006.severity</c> line, EnforceCodeStyleInBuild or a naming rule goes (about 10 s: one
/// restore and build of one file).
/// </summary>
public sealed partial class NamingRuleTests
{
    private const string Probe = """
        namespace Probe;

        public interface Bad { }                                  // IDE1006: interfaces I…
        public interface IGood { }
        public class lowerClass { }                               // IDE1006: types PascalCase
        public struct lowerStruct { }                             // IDE1006
        public enum lowerEnum { A }                               // IDE1006
        public delegate void lowerDelegate();                     // IDE1006
        public sealed class Generic<X> { }                        // IDE1006: type parameters T…
        public sealed class Generic2<TGood> { }

        public sealed class Fields
        {
            private int count;                                    // IDE1006: private fields _camelCase
            private static int total;                             // IDE1006: static ones too
            private const int limit = 1;                          // IDE1006: constants PascalCase
            public const int publicLimit = 2;                     // IDE1006: whatever their access
            private static readonly int shared = 3;               // IDE1006: static readonly PascalCase
            internal static readonly int internalShared = 4;      // IDE1006
            private int _count;
            private static int _total;
            private const int Limit = 1;
            private static readonly int Shared = 3;
            internal int _counter;

            public Fields() => (count, total, _count, _total, _counter) = (1, 2, 3, 4, 5);

            public int lowerProperty => count + total + limit + shared + _count + _total + Limit + Shared;  // IDE1006
            public event EventHandler? lowerEvent;                // IDE1006: events PascalCase
            public void lowerMethod() { }                         // IDE1006: methods PascalCase
            public int Sum(int Bad) => Bad + local();             // IDE1006: parameters camelCase
            private int Local() { return localFunction(); int localFunction() => _counter; }  // IDE1006: local functions
            private int local() => 0;                             // IDE1006
            public void Raise() => lowerEvent?.Invoke(this, EventArgs.Empty);
            public int UseLocal() => Local();
        }
        """;

    [Fact]
    public async Task The_build_reports_IDE1006_on_every_name_that_breaks_a_rule_and_on_no_other()
    {
        var work = Path.Combine(Path.GetTempPath(), "kis-naming-probe", Guid.NewGuid().ToString("N"));
        try
        {
            var root = ReadmeSamples.RepositoryRoot();
            foreach (var file in new[] { ".editorconfig", "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json" })
                File.Copy(Path.Combine(root, file), Path.Combine(Directory.CreateDirectory(work).FullName, file));
            var project = Directory.CreateDirectory(Path.Combine(work, "probe")).FullName;
            await File.WriteAllTextAsync(Path.Combine(project, "Probe.csproj"), "<Project Sdk=\"Microsoft.NET.Sdk\" />\n");
            await File.WriteAllTextAsync(Path.Combine(project, "Probe.cs"), Probe + "\n");

            var output = await Build(project);
            var expected = Probe.Split('\n').Select((line, i) => (line, number: i + 1))
                .Where(l => l.line.Contains("// IDE1006", StringComparison.Ordinal)).Select(l => l.number).ToHashSet();
            var reported = Ide1006().Matches(output).Select(m => int.Parse(m.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture))
                .ToHashSet();
            Assert.True(expected.SetEquals(reported),
                $"IDE1006 expected on lines {string.Join(",", expected.Order())}, reported on {string.Join(",", reported.Order())}:\n{output}");
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    [GeneratedRegex(@"Probe\.cs\((?<line>\d+),\d+\): error IDE1006")]
    private static partial Regex Ide1006();

    private static async Task<string> Build(string project)
    {
        var build = await ChildProcess.RunInAsync(project, "dotnet", ["build", "-v", "q", "-clp:ErrorsOnly", "--nologo"], TimeSpan.FromMinutes(10),
            ("DOTNET_CLI_TELEMETRY_OPTOUT", "1"), ("DOTNET_NOLOGO", "1"));
        return build.Output + build.Errors;
    }
}
