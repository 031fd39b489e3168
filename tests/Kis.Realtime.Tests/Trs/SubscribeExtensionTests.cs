
namespace Kis.Realtime.Tests.Trs;

/// <summary>The typed subscribe extensions (on IKisRealtimeClient) pick the TR per venue, market and environment. Subscriptions are lazy: nothing connects
/// here.</summary>
public class SubscribeExtensionTests
{
    private static KisRealtimeClient Client(KisEnvironment environment) => new(KisRealtimeOptions.Default with
    {
        Credentials = [new KisCredential("PSsimKisRealtimeDefaultAppKey0000000", "not-a-secret")],
        Environment = environment,
        HtsId = "myhts01",
        WebSocketUrl = new Uri("ws://127.0.0.1:9/"),
        RestBaseUrl = new Uri("http://127.0.0.1:9/"),
    });

    // On a direct client the extensions' IAsyncEnumerable is the client's KisSubscription, which knows its TR.
    private static string Tr<T>(IAsyncEnumerable<T> subscription) => Assert.IsType<KisSubscription<T>>(subscription).Tr.Id;
    private static string Key<T>(IAsyncEnumerable<T> subscription) => Assert.IsType<KisSubscription<T>>(subscription).TrKey;

    [Fact]
    public async Task Typed_subscriptions_pick_the_tr_for_venue_market_and_environment()
    {
        await using var real = Client(KisEnvironment.Real);
        Assert.Equal("H0STCNT0", Tr(real.SubscribeStockTradesAsync("005930")));
        Assert.Equal("H0NXCNT0", Tr(real.SubscribeStockTradesAsync("005930", StockVenue.Nxt)));
        Assert.Equal("H0UNASP0", Tr(real.SubscribeStockOrderBooksAsync("005930", StockVenue.Unified)));
        Assert.Equal("H0NXANC0", Tr(real.SubscribeStockExpectedTradesAsync("005930", StockVenue.Nxt)));
        Assert.Equal("H0UNMKO0", Tr(real.SubscribeMarketStatusAsync("005930", StockVenue.Unified)));
        Assert.Equal("H0STCNI0", Tr(real.SubscribeStockNoticesAsync()));
        Assert.Equal("myhts01", Key(real.SubscribeStockNoticesAsync()));
        Assert.Equal("H0GSCNI0", Tr(real.SubscribeOverseasStockNoticesAsync("other01")));
        Assert.Equal("HDFSCNT0", Tr(real.SubscribeOverseasStockTradesAsync("DNASAAPL")));
        Assert.Equal("HDFSASP0", Tr(real.SubscribeOverseasStockOrderBooksAsync("DNASAAPL")));
        Assert.Equal("H0ZFCNT0", Tr(real.SubscribeFuturesTradesAsync("111W08", DerivativesMarket.StockFutures)));
        Assert.Equal("H0EUCNT0", Tr(real.SubscribeOptionsTradesAsync("201W08427", DerivativesMarket.NightOptions)));
        Assert.Equal("H0ZOASP0", Tr(real.SubscribeDerivativesOrderBooksAsync("239W08090", DerivativesMarket.StockOptions)));
        Assert.Equal("H0STNAV0", Tr(real.SubscribeEtfNavAsync("069500")));
        Assert.Equal("H0EWCNT0", Tr(real.SubscribeElwTradesAsync("57LA24")));
        Assert.Throws<ArgumentOutOfRangeException>(() => real.SubscribeFuturesTradesAsync("101W09", DerivativesMarket.IndexOptions));
        Assert.Throws<ArgumentException>(() => real.SubscribeOverseasStockTradesAsync("AAPL"));
        Assert.Throws<ArgumentException>(() => real.SubscribeStockTradesAsync("5930"));

        await using var paper = Client(KisEnvironment.Paper);
        Assert.Equal("H0STCNI9", Tr(paper.SubscribeStockNoticesAsync()));
        Assert.Equal("H0GSCNI9", Tr(paper.SubscribeOverseasStockNoticesAsync()));
        Assert.Equal("H0STCNT0", Tr(paper.SubscribeStockTradesAsync("005930"))); // offered on paper under the same id
        Assert.Throws<ArgumentException>(() => paper.SubscribeStockTradesAsync("005930", StockVenue.Nxt)); // real only
    }
}
