using System.Reflection;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// The simulator writes every field a typed view reads by that view property's meaning (issue 44, item 1): the field
/// table and each property's role are generated from tools/trs/views.json (<see cref="ViewFields"/>), and KIS's field
/// names are not restated in the simulator.
/// </summary>
public sealed class ViewRoleTests
{
    /// <summary>
    /// Every field a view reads is written by its property's role (views.json's simulator_roles; the generator stops
    /// when a property has none), the role fits the field's catalog type, and the generic writer uses it: a field
    /// StockTrade reads as <c>Price</c> is written as a price.
    /// </summary>
    [Fact]
    public void Every_field_a_view_reads_is_written_by_its_propertys_role()
    {
        var checkedFields = 0;
        foreach (var tr in KisTrs.All)
        {
            if (ViewFields.Of(tr.Id) is not { } view) continue;
            Assert.Contains(tr, ViewTrs[view.View]);
            for (var i = 0; i < tr.Fields.Count; i++)
            {
                var field = tr.Fields[i];
                if (i == tr.KeyField || !view.Fields.TryGetValue(field.Name, out var read)) continue;
                Assert.True(Fits(read.Role, field.Type), $"{view.View}.{read.Property} is {read.Role}, but {tr.Id}.{field.Name} is {field.Type}");
                Assert.Equal(read.Role, FieldRoles.Of(tr, i, out _));
                checkedFields++;
            }
        }
        Assert.True(checkedFields > 300, $"only {checkedFields} fields checked");
    }

    /// <summary>Every generated view's TRs, by view name.</summary>
    private static readonly Dictionary<string, IReadOnlyList<TrDefinition>> ViewTrs = typeof(StockTrade).Assembly.GetExportedTypes()
        .Where(t => t.IsValueType && t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IKisRecord<>)))
        .ToDictionary(t => t.Name, t => (IReadOnlyList<TrDefinition>)t.GetProperty("Trs", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!);

    [Theory]
    [InlineData("H0STCNT0", "stck_prpr", nameof(FieldRole.Price))]
    [InlineData("H0STCNT0", "acml_vol", nameof(FieldRole.Cumulative))]
    [InlineData("H0STNAV0", "hprc_nav", nameof(FieldRole.High))] // the name rules wrote ETF NAV's high and low as the current NAV
    [InlineData("HDFFF020", "vol", nameof(FieldRole.Cumulative))] // and overseas futures' day volume as a single trade's
    [InlineData("HDFFF020", "prev_diff_rate", nameof(FieldRole.ChangeRate))] // and its change rate as a price difference
    [InlineData("HDFSCNT0", "tymd", nameof(FieldRole.TradingDate))]
    [InlineData("HDFSCNT0", "bivl", nameof(FieldRole.Quantity))]
    public void A_field_gets_the_role_of_the_property_that_reads_it(string trId, string field, string expected)
    {
        var tr = KisTrs.All.Single(t => t.Id == trId);
        var index = tr.Fields.Select(f => f.Name).ToList().IndexOf(field);
        Assert.Equal(expected, FieldRoles.Of(tr, index, out _).ToString());
    }

    /// <summary>
    /// The stock model names StockTrade's properties through the enum generated from views.json (no hand list): every
    /// member is a property of StockTrade, and each field name maps to the property that reads it, by each TR's name.
    /// </summary>
    [Fact]
    public void The_stock_models_fields_are_StockTrade_properties()
    {
        var properties = typeof(StockTrade).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).ToHashSet();
        var members = Enum.GetValues<StockTradeProperty>().Where(f => f != StockTradeProperty.None).ToList();
        Assert.All(members, m => Assert.Contains(m.ToString(), properties));
        Assert.All(StockTradeStream.ByField.Values, p => Assert.Contains(p, members));
        Assert.Equal(StockTradeProperty.Price, StockTradeStream.ByField["stck_prpr"]);
        Assert.Equal(StockTradeProperty.Side, StockTradeStream.ByField["cntg_cls_code"]); // NXT's name of ccld_dvsn
        Assert.DoesNotContain(StockTradeProperty.None, StockTradeStream.ByField.Values);
    }

    /// <summary>Simulated trades decode with their view, the price inside the day's range and the volume inside the day's.</summary>
    [Fact]
    public void Simulated_trades_decode_as_their_views_say()
    {
        var market = new SimulatedMarket(SimulatorOptions.Default with
        {
            TimeProvider = new ManualTimeProvider(new DateTimeOffset(2026, 11, 23, 1, 30, 0, TimeSpan.Zero)), Seed = 5,
        });
        var now = new DateTime(2026, 11, 23, 10, 30, 0);
        AssertTrades<StockTrade, StockTradeAccessor>(market, now, t => (t.Low, t.High));
        AssertTrades<FuturesTrade, FuturesTradeAccessor>(market, now, t => (t.Low, t.High));
        AssertTrades<OptionsTrade, OptionsTradeAccessor>(market, now, t => (t.Low, t.High));
        AssertTrades<OverseasStockTrade, OverseasStockTradeAccessor>(market, now, t => (t.Low, t.High));
        AssertTrades<IndexTick, IndexTickAccessor>(market, now, t => (t.Low, t.High));
    }

    private static void AssertTrades<TView, TAccessor>(SimulatedMarket market, DateTime now, Func<TView, (decimal Low, decimal High)> range)
        where TView : struct, IKisRecord<TView> where TAccessor : ITradeAccessor<TView>
    {
        foreach (var tr in TView.Trs)
        {
            var stream = market.Get(tr, tr.KeyExample).Stream;
            var buffer = new byte[16 * 1024];
            for (var n = 0; n < 5; n++)
            {
                var w = new RecordWriter(buffer);
                var at = now.AddSeconds(n);
                if (!stream.HasRecordAt(at)) continue;
                stream.WriteRecord(ref w, at);
                var record = w.WrittenSpan;
                Assert.True(TView.TryDecode(tr, record, out var value, out var error), $"{tr.Id}: {error.Describe(tr)}");
                var (low, high) = range(value);
                var price = TAccessor.Price(value);
                Assert.True(price > 0 && low <= price && price <= high, $"{tr.Id}: price {price} outside {low}..{high}");
                Assert.InRange(TAccessor.Volume(value), 0, TAccessor.CumulativeVolume(value));
            }
        }
    }

    private static bool Fits(FieldRole role, FieldType type) => role switch
    {
        FieldRole.Time or FieldRole.LocalTime => type == FieldType.Time,
        FieldRole.Date or FieldRole.LocalDate or FieldRole.TradingDate or FieldRole.NoDate => type == FieldType.Date,
        FieldRole.Sign or FieldRole.YesNo or FieldRole.SideCode or FieldRole.Code => type == FieldType.Code,
        FieldRole.Price or FieldRole.Open or FieldRole.High or FieldRole.Low or FieldRole.PreviousClose or FieldRole.AskLevel
            or FieldRole.BidLevel or FieldRole.Change or FieldRole.ChangeRate or FieldRole.Rate or FieldRole.Greek or FieldRole.Decimal
            => type == FieldType.Decimal,
        FieldRole.Cumulative or FieldRole.SignedInteger or FieldRole.Total or FieldRole.Digits or FieldRole.Quantity => type == FieldType.Integer,
        // A KRW amount is an integer; an overseas amount is in the trading currency, a decimal.
        FieldRole.CumulativeAmount => type is FieldType.Integer or FieldType.Decimal,
        _ => type == FieldType.Text,
    };
}
