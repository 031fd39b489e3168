using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Orders;

/// <summary>
/// Issue 73: the order client refuses a product code of no form KIS takes before anything is sent (it took any five to
/// twelve letters and digits for futures/options), typed: an <see cref="ArgumentException"/> naming <c>code</c> and the
/// rule. The codes KIS's own samples and KRX list still go: stocks and ETFs (005930, 069500, KRX's letter-bearing codes
/// such as 0088M0), an ETN in KIS's seven-character form (Q500001), futures as six or eight characters (101W09, 101V06,
/// 101W9000), options as eight or nine (201W9350, 201W08427), a spread (401W3W6S), and KRX's newer letter-first
/// short codes (A01606, A0166000, B0166180) that KIS's master files list.
/// </summary>
public sealed class OrderCodeValidationTests
{
    [Theory]
    [InlineData("005930")]
    [InlineData("069500")]
    [InlineData("0088M0")]
    [InlineData("Q500001")]
    public async Task A_stock_code_of_KIS_s_forms_is_sent(string code)
    {
        await using var server = new ScriptedOrderServer(_ => OrderReaction.Answer);
        using var client = new KisOrderClient(OrderAmbiguityTests.Options(server));

        var result = await client.PlaceAsync(KisOrderRequest.Stock(code, OrderSide.Buy, 1, 70_000)).WaitAsync(TestTimeout);

        Assert.True(result.IsAccepted, result.ToString());
    }

    [Theory]
    [InlineData("5930")] // too short
    [InlineData("0059300")] // seven characters that are no ETN's
    [InlineData("A005930")] // the HTS's prefixed form
    [InlineData("00593a")] // KRX's codes have no lower case
    [InlineData("AAPL")] // an overseas symbol: not an order-cash code
    [InlineData("05-930")]
    public async Task A_stock_code_of_no_form_KIS_takes_is_refused_before_sending(string code)
    {
        await using var server = new ScriptedOrderServer(_ => OrderReaction.Answer);
        using var client = new KisOrderClient(OrderAmbiguityTests.Options(server));

        var e = await Assert.ThrowsAsync<ArgumentException>(() => client.PlaceAsync(KisOrderRequest.Stock(code, OrderSide.Buy, 1, 70_000)));

        Assert.Equal("code", e.ParamName);
        Assert.Contains("six", e.Message, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Theory]
    [InlineData("101W09")]
    [InlineData("101V06")]
    [InlineData("101W9000")]
    [InlineData("111W9000")] // a stock future
    [InlineData("201W9350")]
    [InlineData("301W9350")]
    [InlineData("201W08427")]
    [InlineData("401W3W6S")]
    [InlineData("A01606")] // KRX's letter-first short codes (KIS's fo_idx_code.mst lists this form)
    [InlineData("A0166000")] // KOSPI200 future, June 2026
    [InlineData("B0166180")] // a KOSPI200 call
    [InlineData("A6566000")] // 3-year treasury future
    [InlineData("B09F1A03")] // KOSPI200 weekly call
    [InlineData("B0Z66001")] // a stock option
    public void A_futures_or_options_code_of_KRX_s_forms_is_taken(string code)
    {
#pragma warning disable KISRT0001 // the request's own check, which PlaceAsync runs first
        KisOrderRequest.FuturesOptions(code, OrderSide.Buy, 1, 3.50m).Validate();
#pragma warning restore KISRT0001
    }

    [Theory]
    [InlineData("12345")] // five characters
    [InlineData("101W9000ABCD")] // twelve
    [InlineData("101w09")] // lower case
    [InlineData("501W9000")] // no KRX derivative starts with 5
    [InlineData("101W13")] // month 13
    [InlineData("201W09")] // six characters: a future's form only
    [InlineData("101W09350")] // nine: an option's form only
    [InlineData("201W13427")] // month 13
    [InlineData("005930")] // a stock's code
    [InlineData("A0166")] // letter-first, five characters
    [InlineData("A016600")] // letter-first, seven
    [InlineData("a0166000")] // letter-first, lower case
    [InlineData("A01-6000")]
    public async Task A_futures_or_options_code_of_no_form_KRX_lists_is_refused_before_sending(string code)
    {
        await using var server = new ScriptedOrderServer(_ => OrderReaction.Answer);
        using var client = new KisOrderClient(OrderAmbiguityTests.Options(server) with { FuturesAccount = new KisAccount("50123456", "03") });

        var e = await Assert.ThrowsAsync<ArgumentException>(() => client.PlaceAsync(KisOrderRequest.FuturesOptions(code, OrderSide.Buy, 1, 3.50m)));
        var inquiry = await Assert.ThrowsAsync<ArgumentException>(
            () => client.GetBuyingPowerAsync(KisProduct.FuturesOptions, code, OrderSide.Buy, 3.50m));

        Assert.Equal(("code", "code"), (e.ParamName, inquiry.ParamName));
        Assert.Contains("101W09", e.Message, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }
}
