using System.Reflection;
using Kis.Realtime.Internal;

namespace Kis.Realtime.Tests.Trs;

/// <summary>
/// The trade accessors and gap detection's field table are generated from one entry per view (tools/trs/views.json,
/// 'trade'): for every TR of every trade view, the accessor names the TR a decoded value came from, and it counts as a
/// trade exactly when gap detection watches the TR, reading the same date, time, volume and cumulative volume.
/// </summary>
public class TradeAccessorTests
{
    private static IEnumerable<Type> LibraryAccessors() => typeof(ITradeAccessor<>).Assembly.GetExportedTypes()
        .Where(t => t.IsValueType && t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ITradeAccessor<>)))
        .OrderBy(t => t.Name, StringComparer.Ordinal);

    public static TheoryData<Type> Accessors() => [.. LibraryAccessors()];

    [Fact]
    public void There_is_an_accessor_for_every_trade_view_in_the_spec()
    {
        var spec = System.Text.Json.JsonDocument.Parse(File.ReadAllText(
            Path.Combine(Packaging.ReadmeSamples.RepositoryRoot(), "tools", "trs", "views.json")));
        var accessors = spec.RootElement.GetProperty("views").EnumerateArray()
            .Where(v => v.TryGetProperty("trade", out _)).Select(v => v.GetProperty("trade").GetProperty("accessor").GetString());
        Assert.Equal(accessors.Order(StringComparer.Ordinal), LibraryAccessors().Select(t => t.Name));
    }

    [Theory]
    [MemberData(nameof(Accessors))]
    public void Reads_what_gap_detection_reads_and_names_the_tr(Type accessor)
    {
        var view = accessor.GetInterfaces().Single(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ITradeAccessor<>))
            .GetGenericArguments()[0];
        var check = typeof(TradeAccessorTests).GetMethod(nameof(AssertAgree), BindingFlags.NonPublic | BindingFlags.Static)!;
        try
        {
            check.MakeGenericMethod(view, accessor).Invoke(null, null);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
        }
    }

    private static void AssertAgree<TView, TAccessor>() where TView : struct, IKisRecord<TView> where TAccessor : ITradeAccessor<TView>
    {
        foreach (var tr in TView.Trs)
        {
            var record = new GoldenRecord(tr).Bytes;
            Assert.True(TView.TryDecode(tr, record, out var value, out var error), $"{tr.Id}: {error.Describe(tr)}");
            Assert.Equal(tr.Id, TAccessor.TrId(value));
            var layout = TradeVolumeFields.For(tr);
            Assert.Equal(layout is not null, TAccessor.IsTrade(value));
            if (layout is null) continue;
            Assert.True(layout.TryRead(record, out var raw), tr.Id);
            Assert.Equal((raw.Date, raw.Time, raw.Volume, raw.Accumulated),
                (TAccessor.Date(value), TAccessor.Time(value), TAccessor.Volume(value), TAccessor.CumulativeVolume(value)));
        }
    }
}
