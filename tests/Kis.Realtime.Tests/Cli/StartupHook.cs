using System.Collections.Concurrent;
using System.Diagnostics;

// A .NET startup hook (DOTNET_STARTUP_HOOKS=this test assembly): loaded into a kisrt child process before its Main,
// it writes the assemblies that process loaded, each with the stack that loaded it, to the file named by
// KISRT_TEST_ASSEMBLY_LIST when the process exits, and the native libraries it has mapped to KISRT_TEST_NATIVE_LIST.
// Only the base library is used here: loading this assembly into kisrt must not load xunit or any other dependency of
// the tests.

/// <summary>Found by the runtime by its name, in no namespace (StreamLoadedAssembliesTests).</summary>
internal static class StartupHook
{
    public const string ListVariable = "KISRT_TEST_ASSEMBLY_LIST";
    public const string NativeListVariable = "KISRT_TEST_NATIVE_LIST";
    public const string Separator = "\n\u001e\n";

    private static readonly ConcurrentDictionary<string, string> LoadedBy = new(StringComparer.Ordinal);

    public static void Initialize()
    {
        if (Environment.GetEnvironmentVariable(ListVariable) is not { Length: > 0 } path) return;
        AppDomain.CurrentDomain.AssemblyLoad += (_, e) =>
            LoadedBy.TryAdd(e.LoadedAssembly.GetName().Name ?? "", new StackTrace(1, false).ToString());
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            var entries = new List<string>();
            foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
            {
                var name = assembly.GetName().Name ?? "";
                entries.Add(name + "\n" + (LoadedBy.TryGetValue(name, out var stack) ? stack : "(before the hook)"));
            }
            File.WriteAllText(path, string.Join(Separator, entries));
            if (Environment.GetEnvironmentVariable(NativeListVariable) is { Length: > 0 } nativePath)
            {
                // /proc/self/maps: address perms offset device inode path; a shared library's path holds ".so".
                var libraries = File.ReadLines("/proc/self/maps").Select(line => line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
                    .Where(fields => fields.Length == 6 && fields[5].Contains(".so", StringComparison.Ordinal))
                    .Select(fields => fields[5].Trim()).Distinct();
                File.WriteAllLines(nativePath, libraries);
            }
        };
    }
}
