using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Kis.Realtime.Tests.Hosting;

/// <summary>
/// Every value of <see cref="KisRealtimeOptions"/> that configuration can express is a key of
/// <see cref="KisRealtimeSettings"/>, bound and validated like the others (RawMessageCapacity was not: a configured
/// value was silently ignored, a bad one never reported).
/// </summary>
public class SettingsBindingTests
{
    private static KisRealtimeSettings Bind(Dictionary<string, string?> values, out ServiceProvider provider)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>(values)
        {
            ["Kis:AppKey"] = "PSbindingAppKey00000000000000000000",
            ["Kis:AppSecret"] = "binding-secret-value",
        }).Build();
        provider = new ServiceCollection().AddKisRealtime(configuration.GetSection("Kis")).BuildServiceProvider();
        return provider.GetRequiredService<IOptions<KisRealtimeSettings>>().Value;
    }

    [Fact]
    public void The_raw_message_capacity_and_the_other_capacities_are_bound_from_configuration()
    {
        var settings = Bind(new()
        {
            ["Kis:RawMessageCapacity"] = "5000",
            ["Kis:SubscriptionCapacity"] = "700",
            ["Kis:MaxRegistrationsPerSession"] = "20",
            ["Kis:MaxMessageSize"] = "65536",
            ["Kis:DetectGaps"] = "false",
        }, out var provider);
        using (provider)
        {
            var options = settings.ToOptions();
            Assert.Equal(5000, options.RawMessageCapacity);
            Assert.Equal(700, options.SubscriptionCapacity);
            Assert.Equal(20, options.MaxRegistrationsPerSession);
            Assert.Equal(65536, options.MaxMessageSize);
            Assert.False(options.DetectGaps);
        }
    }

    [Theory]
    [InlineData("Kis:RawMessageCapacity", "0", "RawMessageCapacity")]
    [InlineData("Kis:RawMessageCapacity", "-5", "RawMessageCapacity")]
    [InlineData("Kis:MaxRegistrationsPerSession", "0", "MaxRegistrationsPerSession")]
    [InlineData("Kis:MaxMessageSize", "0", "MaxMessageSize")]
    public void A_bad_capacity_fails_validation_naming_it(string key, string value, string expected)
    {
        var e = Assert.Throws<OptionsValidationException>(() => Bind(new() { [key] = value }, out var provider).ToString());
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("binding-secret-value", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_option_configuration_can_express_has_a_setting()
    {
        // Objects only code can give (a handler, a logger factory, a clock, a meter factory) come from the container.
        Type[] configurable = [typeof(int), typeof(bool), typeof(string), typeof(Uri), typeof(TimeSpan)];
        var settings = typeof(KisRealtimeSettings).GetProperties().Select(p => p.Name).ToHashSet();
        var missing = typeof(KisRealtimeOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is not null)
            .Where(p => p.GetCustomAttribute<System.Diagnostics.CodeAnalysis.ExperimentalAttribute>() is null) // plumbing for sibling packages
            .Where(p => (Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType) is var t && (t.IsEnum || configurable.Contains(t)))
            .Select(p => p.Name)
            .Where(name => !settings.Contains(name))
            .ToList();
        Assert.True(missing.Count == 0, $"KisRealtimeSettings lacks: {string.Join(", ", missing)}");
    }
}
