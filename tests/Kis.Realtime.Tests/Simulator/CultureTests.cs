using System.Globalization;
using System.Text;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Trading.Engine;
using Kis.Realtime.Simulator.Trading.Rules;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// The libraries run in their consumer's culture; what they write for a machine or a log must not change with it. The
/// test host is invariant (InvariantGlobalization, as every app of the repository), so no named culture exists here: a
/// clone of the invariant culture with de-DE's decimal comma and dot grouping, sv-SE's minus sign (U+2212) and dots as
/// date and time separators stands in for one.
/// </summary>
public sealed class CultureTests
{
    [Fact]
    public void The_foreign_culture_formats_differently()
    {
        Assert.Equal("\u22121,5", HostileCulture.Under(HostileCulture.Create(), () => (-1.5m).ToString()));
    }

    [Fact]
    public void A_paper_order_prints_the_same_in_every_culture()
    {
        // A calendar spread's price can be negative (hundredths of a point).
        var order = new PaperOrderRequest("50123456-01", "hts", "101W12", true, OrderKind.Limit, 3, -125, Derivative: true);
        var invariant = HostileCulture.Under(CultureInfo.InvariantCulture, order.ToString);
        Assert.Contains("Price = -125,", invariant);
        Assert.Equal(invariant, HostileCulture.Under(HostileCulture.Create(), order.ToString));
    }

    [Fact]
    public void Simulated_records_and_decode_errors_are_the_same_in_every_culture()
    {
        var invariant = HostileCulture.Under(CultureInfo.InvariantCulture, Dump);
        Assert.True(invariant.Length > 10_000, $"only {invariant.Length} characters written");
        Assert.Equal(invariant, HostileCulture.Under(HostileCulture.Create(), Dump));
    }

    /// <summary>Every TR's records at its example key for 20 simulated seconds, and a decode error described.</summary>
    private static string Dump()
    {
        var market = new SimulatedMarket(SimulatorOptions.Default with
        {
            TimeProvider = new ManualTimeProvider(new DateTimeOffset(2026, 11, 23, 1, 30, 0, TimeSpan.Zero)), Seed = 5,
        });
        var now = new DateTime(2026, 11, 23, 10, 30, 0, DateTimeKind.Unspecified);
        var buffer = new byte[64 * 1024];
        var text = new StringBuilder();
        foreach (var tr in KisTrs.All)
        {
            var stream = market.Get(tr, tr.KeyExample).Stream;
            for (var n = 0; n < 20; n++)
            {
                if (!stream.HasRecordAt(now.AddSeconds(n))) continue;
                var w = new RecordWriter(buffer);
                stream.WriteRecord(ref w, now.AddSeconds(n));
                text.Append(tr.Id).Append(' ').AppendLine(Encoding.UTF8.GetString(w.WrittenSpan));
            }
        }
        var tooFew = new DecodeError(DecodeErrorKind.TooFewFields, RecordIndex: 1, Detail: 3);
        return text.AppendLine(tooFew.Describe(KisTrs.All[0])).ToString();
    }
}
