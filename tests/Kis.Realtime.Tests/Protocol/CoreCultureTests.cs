using System.Buffers;
using System.Text;
using System.Text.Json;
using Kis.Realtime.Formatting;
using Kis.Realtime.Internal;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Tests.Simulator;
using static Kis.Realtime.Tests.HostileCulture;

namespace Kis.Realtime.Tests.Protocol;

/// <summary>
/// The core library runs in its consumer's culture; what it reads from KIS and writes to KIS must not change with it
/// (docs/development.md, "Culture"). Each path runs under the invariant culture and under <see cref="HostileCulture"/>
/// (decimal comma, U+2212 minus) and must write the same bytes.
/// </summary>
public sealed class CoreCultureTests
{
    private static readonly KisAccount Account = new("50123456", "01");

    [Fact]
    public void Records_of_every_TR_decode_to_the_same_JSON_in_every_culture()
    {
        var json = SameUnderBoth(DecodeAll);
        Assert.True(json.Length > 10_000, $"only {json.Length} characters decoded");
        Assert.Contains(".", json, StringComparison.Ordinal); // implied decimals are applied: there are fractions to get wrong
    }

    [Fact]
    public void Order_bodies_send_prices_and_quantities_the_same_in_every_culture()
    {
        // Futures prices have two decimals ("0.00" in the current culture would send "342,55" under a decimal comma).
        var futures = SameUnderBoth(() => Body(KisOrderWire.PlaceBody(Account, KisOrderRequest.FuturesOptions("101W9000", OrderSide.Buy, 2, 342.55m))));
        Assert.Contains("\"UNIT_PRICE\":\"342.55\"", futures, StringComparison.Ordinal);
        var stock = SameUnderBoth(() => Body(KisOrderWire.PlaceBody(Account, KisOrderRequest.Stock("005930", OrderSide.Sell, 1_500, 71_000m))));
        Assert.Contains("\"ORD_UNPR\":\"71000\"", stock, StringComparison.Ordinal);
        Assert.Contains("\"ORD_QTY\":\"1500\"", stock, StringComparison.Ordinal);
        var amend = SameUnderBoth(() => Body(KisOrderWire.AmendCancelBody(Account, KisProduct.FuturesOptions, cancel: false, "0000123456", "06010",
            quantity: 1, KisOrderKind.Limit, 1.05m, KisStockExchange.Krx)));
        Assert.Contains("1.05", amend, StringComparison.Ordinal);
    }

    [Fact]
    public void A_subscription_request_is_the_same_in_every_culture()
    {
        var request = SameUnderBoth(() => Encoding.UTF8.GetString(
            SubscriptionRequest.ToBytes("approval-key", CustomerType.Personal, RequestType.Subscribe, "H0STCNT0", "005930")));
        Assert.Contains("\"tr_type\":\"1\"", request, StringComparison.Ordinal);
    }

    private static string Body(Dictionary<string, string> body) => JsonSerializer.Serialize(body);

    /// <summary>Every TR's records at its example key for 20 simulated seconds, decoded as kisrt decode prints them.</summary>
    private static string DecodeAll()
    {
        var market = new SimulatedMarket(SimulatorOptions.Default with
        {
            TimeProvider = new ManualTimeProvider(new DateTimeOffset(2026, 11, 23, 1, 30, 0, TimeSpan.Zero)), Seed = 5,
        });
        var now = new DateTime(2026, 11, 23, 10, 30, 0, DateTimeKind.Unspecified);
        var buffer = new byte[64 * 1024];
        var output = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(output, RecordJson.WriterOptions))
        {
            json.WriteStartArray();
            foreach (var tr in KisTrs.All)
            {
                var stream = market.Get(tr, tr.KeyExample).Stream;
                for (var n = 0; n < 20; n++)
                {
                    if (!stream.HasRecordAt(now.AddSeconds(n))) continue;
                    var w = new RecordWriter(buffer);
                    stream.WriteRecord(ref w, now.AddSeconds(n));
                    Assert.True(RecordJson.TryValidate(tr, w.WrittenSpan, out var error), $"{tr.Id}: {error.Describe(tr)}");
                    RecordJson.Write(json, tr, w.WrittenSpan, tr.KeyExample, new DateTimeOffset(now.AddSeconds(n), TimeSpan.FromHours(9)));
                }
            }
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }
}
