using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Kis.Realtime.Tests.Source;

/// <summary>
/// Every record type of every package that holds a credential (app key, app secret, approval key, access token, a
/// password in a connection string or a broker URI) prints it masked: a record's generated <c>ToString</c> ends up in
/// test output and logs. Found by reflection, so a new record with a credential is checked without anyone listing it.
/// </summary>
public sealed partial class CredentialRecordPrintingTests
{
    private const string AppKey = "PSkeyQ7wz0123456789abcdef";
    private const string Secret = "Zq9xSecret-0123456789";
    private const string ConnectionString = "Host=127.0.0.1;Username=kisrt;Password=Zq9xPw01;Database=kisrt";
    private const string BrokerUri = "amqp://kisrt:Zq9xPw02@127.0.0.1:5672/";

    /// <summary>The leaked forms: the raw values, and any piece a mask must not show (the secrets' first characters).</summary>
    private static readonly string[] Forbidden = [AppKey, "Zq9x"];

    // Properties that hold the masked form already (their value never is a raw key).
    private static readonly HashSet<string> AlreadyMasked =
        ["GatewaySessionStatus.AppKey", "SimulatorSessionInfo.AppKey", "KisCredential.MaskedAppKey", "KisCredentialSettings.MaskedAppKey"];

    // Every package's assembly (kisrt is Kis.Realtime.Cli's).
    private static readonly string[] PackageAssemblies =
    [
        "Kis.Realtime", "kisrt", "Kis.Realtime.Simulator", "Kis.Realtime.Gateway", "Kis.Realtime.Gateway.Hosting",
        "Kis.Realtime.Recording", "Kis.Realtime.PostgreSql", "Kis.Realtime.Gateway.PostgreSql", "Kis.Realtime.Extensions.Hosting",
    ];

    // Key-like values: shown, if at all, as KisCredential.Mask shows them (first four characters and the length).
    [GeneratedRegex("AppKey|ApprovalKey|AccessToken", RegexOptions.IgnoreCase)] private static partial Regex KeyName();
    // Secrets: never shown, not even their first characters.
    [GeneratedRegex("Secret|Password", RegexOptions.IgnoreCase)] private static partial Regex SecretName();
    [GeneratedRegex("^(ConnectionString|Postgres)$", RegexOptions.IgnoreCase)] private static partial Regex ConnectionStringName();
    [GeneratedRegex("^(AmqpUri|Gateway|GatewayText|GatewayUri)$", RegexOptions.IgnoreCase)] private static partial Regex BrokerUriName();

    public static TheoryData<string> CredentialRecords()
    {
        var data = new TheoryData<string>();
        foreach (var type in CredentialRecordTypes()) data.Add(type.AssemblyQualifiedName!);
        return data;
    }

    [Fact]
    public void The_search_finds_the_records_known_to_hold_credentials()
    {
        var names = CredentialRecordTypes().Select(t => t.Name).ToHashSet();
        foreach (var known in new[] { "KisCredential", "ConnectionArgs", "OrderTarget", "CliSettings", "SimulatorCredential", "KisRealtimeOptions" })
            Assert.Contains(known, names);
    }

    [Theory]
    [MemberData(nameof(CredentialRecords))]
    public void A_record_holding_a_credential_prints_it_masked(string assemblyQualifiedName)
    {
        var type = Type.GetType(assemblyQualifiedName, throwOnError: true)!;
        var text = Build(type, depth: 0)!.ToString()!;
        foreach (var leaked in Forbidden) Assert.DoesNotContain(leaked, text);
        Assert.DoesNotContain("Zq9xPw", text);
        if (HoldsRawAppKey(type)) Assert.Contains(KisCredential.Mask(AppKey), text);
    }

    private static IEnumerable<Type> CredentialRecordTypes() =>
        PackageAssemblies.Select(Assembly.Load).SelectMany(a => a.GetTypes())
            .Where(t => IsRecord(t) && !t.IsAbstract && !t.ContainsGenericParameters && HoldsCredential(t, depth: 0))
            .OrderBy(t => t.FullName, StringComparer.Ordinal);

    private static bool IsRecord(Type type) =>
        type.GetMethod("PrintMembers", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public) is not null;

    private static PropertyInfo[] Properties(Type type) =>
        type.GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract").ToArray();

    private static CredentialKind Kind(PropertyInfo property)
    {
        if (AlreadyMasked.Contains($"{property.DeclaringType!.Name}.{property.Name}")) return CredentialKind.None;
        var name = property.Name;
        // Where a secret is kept (a token cache file) is no secret.
        if (name.EndsWith("File", StringComparison.Ordinal) || name.EndsWith("Path", StringComparison.Ordinal)) return CredentialKind.None;
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        var tokenValue = name == "Value" && property.DeclaringType!.Name.EndsWith("Token", StringComparison.Ordinal);
        if (type == typeof(string) && (KeyName().IsMatch(name) || tokenValue)) return CredentialKind.Key;
        if (type == typeof(string) && SecretName().IsMatch(name)) return CredentialKind.Secret;
        if (type == typeof(string) && ConnectionStringName().IsMatch(name)) return CredentialKind.ConnectionString;
        if ((type == typeof(string) || type == typeof(Uri)) && BrokerUriName().IsMatch(name)) return CredentialKind.BrokerUri;
        return CredentialKind.None;
    }

    private static bool HoldsRawAppKey(Type type) =>
        Properties(type).Any(p => Kind(p) == CredentialKind.Key && p.Name.Contains("AppKey", StringComparison.Ordinal));

    private static bool HoldsCredential(Type type, int depth) =>
        depth < 3 && Properties(type).Any(p => Kind(p) != CredentialKind.None || ElementHoldsCredential(p.PropertyType, depth));

    private static bool ElementHoldsCredential(Type type, int depth)
    {
        var element = ElementType(type) ?? type;
        return PackageAssemblies.Contains(element.Assembly.GetName().Name) && IsRecord(element)
            && HoldsCredential(element, depth + 1);
    }

    private static Type? ElementType(Type type)
    {
        if (type.IsArray) return type.GetElementType();
        if (type.IsGenericType && type.GetGenericArguments().Length == 1 && typeof(IEnumerable).IsAssignableFrom(type)) return type.GetGenericArguments()[0];
        return null;
    }

    /// <summary>An instance with every credential set to a known value and every other member to something printable.</summary>
    private static object? Build(Type type, int depth)
    {
        var instance = type.GetConstructor(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, Type.EmptyTypes) is { } parameterless
            ? parameterless.Invoke(null)
            : RuntimeHelpers.GetUninitializedObject(type);
        foreach (var property in Properties(type))
        {
            if (property.SetMethod is not { } setter) continue;
            var value = Value(property, depth);
            if (value is not null) setter.Invoke(instance, [value]);
        }
        return instance;
    }

    private static object? Value(PropertyInfo property, int depth)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        switch (Kind(property))
        {
            case CredentialKind.Key: return AppKey;
            case CredentialKind.Secret: return Secret;
            case CredentialKind.ConnectionString: return ConnectionString;
            case CredentialKind.BrokerUri: return type == typeof(Uri) ? new Uri(BrokerUri) : BrokerUri;
        }
        if (type == typeof(string)) return "x";
        if (type == typeof(Uri)) return new Uri("http://127.0.0.1:1/");
        if (ElementType(type) is { } element && !type.IsAssignableFrom(typeof(string)))
        {
            var array = Array.CreateInstance(element, ElementHoldsCredential(type, depth) ? 1 : 0);
            if (array.Length == 1) array.SetValue(Build(element, depth + 1), 0);
            return type.IsAssignableFrom(array.GetType()) ? array : null;
        }
        if (depth < 3 && ElementHoldsCredential(type, depth)) return Build(type, depth + 1);
        return null;
    }

    private enum CredentialKind { None, Key, Secret, ConnectionString, BrokerUri }
}
