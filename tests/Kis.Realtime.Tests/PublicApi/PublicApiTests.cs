using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Kis.Realtime.Tests.PublicApi;

/// <summary>
/// The public surface of each package, checked against a baseline file beside this test, so it only changes on
/// purpose (the role Microsoft.CodeAnalysis.PublicApiAnalyzers plays; that package does not restore here). After an
/// intended change, run the tests with KIS_ACCEPT_PUBLIC_API=1 and commit the updated baseline.
/// </summary>
public class PublicApiTests
{
    [Theory]
    [InlineData("Kis.Realtime")]
    [InlineData("Kis.Realtime.Simulator")]
    [InlineData("Kis.Realtime.Extensions.Hosting")]
    [InlineData("Kis.Realtime.Gateway")]
    [InlineData("Kis.Realtime.Recording")]
    [InlineData("Kis.Realtime.PostgreSql")]
    [InlineData("Kis.Realtime.Gateway.PostgreSql")]
    public void Public_surface_matches_the_baseline(string assemblyName)
        => CheckBaseline(assemblyName);

    /// <summary>Issue 31 (11): replaying the PostgreSQL history must not drag in the gateway and RabbitMQ.Client; the
    /// gateway's sink is its own package (Kis.Realtime.Gateway.PostgreSql).</summary>
    [Fact]
    public void The_history_package_depends_on_neither_the_gateway_nor_RabbitMQ()
    {
        var references = Assembly.Load("Kis.Realtime.PostgreSql").GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.DoesNotContain("Kis.Realtime.Gateway", references);
        Assert.DoesNotContain("RabbitMQ.Client", references);
        Assert.Contains("Kis.Realtime.Gateway", Assembly.Load("Kis.Realtime.Gateway.PostgreSql").GetReferencedAssemblies().Select(a => a.Name));
    }

    private static void CheckBaseline(string assemblyName)
    {
        var assembly = Assembly.Load(assemblyName);
        var actual = PublicApiText.Describe(assembly);
        var baselinePath = Path.Combine(SourceDirectory(), assemblyName + ".txt");

        if (Environment.GetEnvironmentVariable("KIS_ACCEPT_PUBLIC_API") == "1")
        {
            File.WriteAllText(baselinePath, actual);
            return;
        }

        var expected = File.Exists(baselinePath) ? File.ReadAllText(baselinePath).ReplaceLineEndings("\n") : "";
        if (expected == actual) return;
        var expectedLines = expected.Split('\n').ToHashSet();
        var actualLines = actual.Split('\n').ToHashSet();
        var added = actualLines.Except(expectedLines).Order().Take(30);
        var removed = expectedLines.Except(actualLines).Order().Take(30);
        Assert.Fail($"The public API of {assemblyName} changed. If on purpose, run with KIS_ACCEPT_PUBLIC_API=1 and commit {baselinePath}.\n" +
                    $"Added:\n  {string.Join("\n  ", added)}\nRemoved:\n  {string.Join("\n  ", removed)}");
    }

    private static string SourceDirectory() => Path.Combine(Packaging.ReadmeSamples.RepositoryRoot(), "tests", "Kis.Realtime.Tests", "PublicApi");
}

/// <summary>One sorted line per public type and member, with signatures; compiler-generated members left out.</summary>
internal static class PublicApiText
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    public static string Describe(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes())
        {
            lines.Add(TypeLine(type));
            if (type.IsEnum)
            {
                lines.AddRange(Enum.GetNames(type).Select(n => $"{Name(type)}.{n} = {Convert.ToInt64(Enum.Parse(type, n))}"));
                continue;
            }
            foreach (var member in type.GetMembers(Declared))
                if (MemberLine(type, member) is { } line) lines.Add(line);
        }
        lines.Sort(StringComparer.Ordinal);
        return string.Join("\n", lines) + "\n";
    }

    private static string TypeLine(Type t)
    {
        var kind = t.IsEnum ? "enum" : t.IsInterface ? "interface" : t.IsValueType ? (t.IsByRefLike ? "ref struct" : "struct")
            : t.IsSubclassOf(typeof(Delegate)) ? "delegate" : t.IsAbstract && t.IsSealed ? "static class" : t.IsAbstract ? "abstract class"
            : t.IsSealed ? "sealed class" : "class";
        var bases = new List<string>();
        if (t.BaseType is { } b && b != typeof(object) && b != typeof(ValueType) && b != typeof(Enum)) bases.Add(Name(b));
        bases.AddRange(t.GetInterfaces().Where(i => i.IsPublic || i.IsNestedPublic).Select(Name).Order(StringComparer.Ordinal));
        return $"{kind} {Name(t)}{(bases.Count > 0 ? " : " + string.Join(", ", bases) : "")}";
    }

    private static string? MemberLine(Type owner, MemberInfo member)
    {
        if (member.Name.Contains('<') || member.Name.Contains('$') || member.IsDefined(typeof(CompilerGeneratedAttribute))) return null;
        var prefix = Name(owner) + ".";
        switch (member)
        {
            case ConstructorInfo c when Visible(c):
                return $"{prefix}.ctor({Parameters(c)})";
            case MethodInfo m when Visible(m) && !m.IsSpecialName || m is { IsSpecialName: true, Name: var n } && n.StartsWith("op_") && Visible(m):
                var method = (MethodInfo)member;
                var generic = method.IsGenericMethodDefinition ? "<" + string.Join(", ", method.GetGenericArguments().Select(a => a.Name)) + ">" : "";
                return $"{prefix}{Modifiers(method)}{method.Name}{generic}({Parameters(method)}) -> {Name(method.ReturnType)}";
            case PropertyInfo p when (p.GetMethod is { } g && Visible(g)) || (p.SetMethod is { } s && Visible(s)):
                var set = p.SetMethod is { } setter && Visible(setter)
                    ? setter.ReturnParameter.GetRequiredCustomModifiers().Any(x => x.Name == "IsExternalInit") ? " init;" : " set;" : "";
                var get = p.GetMethod is { } getter && Visible(getter) ? " get;" : "";
                var isStatic = (p.GetMethod ?? p.SetMethod)!.IsStatic ? "static " : "";
                return $"{prefix}{isStatic}{p.Name} {{{get}{set} }} -> {Name(p.PropertyType)}";
            case FieldInfo f when f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly:
                var constant = f.IsLiteral ? $" = {f.GetRawConstantValue()}" : "";
                return $"{prefix}{(f.IsLiteral ? "const " : f.IsStatic ? "static " : "")}{(f.IsInitOnly ? "readonly " : "")}{f.Name} -> {Name(f.FieldType)}{constant}";
            case EventInfo e when e.AddMethod is { } add && Visible(add):
                return $"{prefix}event {e.Name} -> {Name(e.EventHandlerType!)}";
            case Type nested:
                return null; // exported on its own
            default:
                return null;
        }
    }

    private static bool Visible(MethodBase m) => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly;

    private static string Modifiers(MethodInfo m) => (m.IsStatic ? "static " : "") + (m.IsAbstract && !m.DeclaringType!.IsInterface ? "abstract " : m.IsVirtual && !m.IsFinal && !m.DeclaringType!.IsInterface ? "virtual " : "");

    private static string Parameters(MethodBase m) => string.Join(", ", m.GetParameters().Select(p =>
        $"{(p.IsOut ? "out " : p.ParameterType.IsByRef ? (p.IsIn ? "in " : "ref ") : "")}{Name(p.ParameterType)} {p.Name}{(p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : "")}"));

    private static string Name(Type t)
    {
        if (t.IsByRef) return Name(t.GetElementType()!);
        if (t.IsArray) return Name(t.GetElementType()!) + "[]";
        if (t.IsGenericParameter) return t.Name;
        var name = t.IsNested ? Name(t.DeclaringType!) + "." + t.Name : t.Namespace + "." + t.Name;
        if (!t.IsGenericType) return name;
        var tick = name.IndexOf('`');
        return (tick < 0 ? name : name[..tick]) + "<" + string.Join(", ", t.GetGenericArguments().Select(Name)) + ">";
    }
}
