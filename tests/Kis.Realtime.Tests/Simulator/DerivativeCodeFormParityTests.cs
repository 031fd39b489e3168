namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 73 (leftovers, item 5): the library takes a futures/options code in KRX's newer, letter-first form
/// (<c>A0166000</c>, as KIS's master files list them) as well as the older <c>1</c>–<c>4</c> form; the simulator prices
/// the older form only, since the protocol material it follows (docs/kis-protocol.md, the catalog: <c>101W09</c>,
/// <c>101W9000</c>) documents no other layout. An order in the newer form is refused alike on both venues by the venue
/// core's product rule (<c>APBK0505</c>, naming the codes simulated), where paper's endpoint refused it first as a
/// malformed body (<c>APBK0634</c>, "SHTN_PDNO … required") and the backtest with <c>APBK0505</c>.
/// </summary>
public sealed class DerivativeCodeFormParityTests
{
    private sealed record Outcome(bool Accepted, string? Code, string? Message);

    [Theory]
    [InlineData("A0166000")] // a KOSPI200 future, June 2026
    [InlineData("B0166180")] // a KOSPI200 call
    [InlineData("A01606")]
    public async Task A_code_in_KRXs_newer_form_is_refused_alike_as_a_backtest_and_on_paper_saying_why(string code)
    {
        var t0 = VenueParityTests.T0;
        byte[] recording =
        [
            .. ReplayVenueTests.Line(t0, FuturesVenueParityTests.Book(t0, ask: 350.05m, bid: 350.00m)),
            .. ReplayVenueTests.Line(t0, FuturesVenueParityTests.Trade(t0, 350.05m, 2)),
            .. ReplayVenueTests.Line(t0.AddMinutes(1), FuturesVenueParityTests.Trade(t0.AddMinutes(1), 350.00m, 1)),
        ];
        var (backtest, paper) = await VenueParity.OnBothAsync<Outcome>(recording, KisProduct.FuturesOptions, FuturesVenueParityTests.Code,
            FuturesVenueParityTests.Account, async (orders, into, ct) =>
            {
                var answer = await orders.PlaceAsync(KisOrderRequest.FuturesOptions(code, OrderSide.Buy, 1, 350.05m), ct);
                into.Add(new Outcome(answer.IsAccepted, answer.Refusal?.MessageCode, answer.Refusal?.Message));
            });

        Assert.Equal(backtest, paper);
        var refused = Assert.Single(backtest);
        Assert.Equal((false, "APBK0505"), (refused.Accepted, refused.Code));
        Assert.StartsWith($"PDNO {code}: only KOSPI200", refused.Message, StringComparison.Ordinal);
    }
}
