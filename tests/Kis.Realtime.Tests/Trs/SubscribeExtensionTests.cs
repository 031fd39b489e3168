using Kis.Realtime.Trs;

namespace Kis.Realtime.Tests.Trs;

/// <summary>The typed subscribe methods pick the TR per venue, market and environment. Subscriptions are lazy: nothing connects here.</summary>
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

    [Fact]
    public async Task Typed_subscriptions_pick_the_tr_for_venue_market_and_environment()
    {
        await using var real = Client(KisEnvironment.Real);
        Assert.Equal("H0STCNT0", real.SubscribeStockTradesAsync("005930").Tr.Id);
        Assert.Equal("H0NXCNT0", real.SubscribeStockTradesAsync("005930", StockVenue.Nxt).Tr.Id);
        Assert.Equal("H0UNASP0", real.SubscribeStockOrderBooksAsync("005930", StockVenue.Unified).Tr.Id);
        Assert.Equal("H0NXANC0", real.SubscribeStockExpectedTradesAsync("005930", StockVenue.Nxt).Tr.Id);
        Assert.Equal("H0UNMKO0", real.SubscribeMarketStatusAsync("005930", StockVenue.Unified).Tr.Id);
        Assert.Equal("H0STCNI0", real.SubscribeStockNoticesAsync().Tr.Id);
        Assert.Equal("myhts01", real.SubscribeStockNoticesAsync().TrKey);
        Assert.Equal("H0GSCNI0", real.SubscribeOverseasStockNoticesAsync("other01").Tr.Id);
        Assert.Equal("HDFSCNT0", real.SubscribeOverseasStockTradesAsync("DNASAAPL").Tr.Id);
        Assert.Equal("HDFSASP0", real.SubscribeOverseasStockOrderBooksAsync("DNASAAPL").Tr.Id);
        Assert.Equal("H0ZFCNT0", real.SubscribeFuturesTradesAsync("111W08", DerivativesMarket.StockFutures).Tr.Id);
        Assert.Equal("H0EUCNT0", real.SubscribeOptionsTradesAsync("201W08427", DerivativesMarket.NightOptions).Tr.Id);
        Assert.Equal("H0ZOASP0", real.SubscribeDerivativesOrderBooksAsync("239W08090", DerivativesMarket.StockOptions).Tr.Id);
        Assert.Equal("H0STNAV0", real.SubscribeEtfNavAsync("069500").Tr.Id);
        Assert.Equal("H0EWCNT0", real.SubscribeElwTradesAsync("57LA24").Tr.Id);
        Assert.Throws<ArgumentOutOfRangeException>(() => real.SubscribeFuturesTradesAsync("101W09", DerivativesMarket.IndexOptions));
        Assert.Throws<ArgumentException>(() => real.SubscribeOverseasStockTradesAsync("AAPL"));
        Assert.Throws<ArgumentException>(() => real.SubscribeStockTradesAsync("5930"));

        await using var paper = Client(KisEnvironment.Paper);
        Assert.Equal("H0STCNI9", paper.SubscribeStockNoticesAsync().Tr.Id);
        Assert.Equal("H0GSCNI9", paper.SubscribeOverseasStockNoticesAsync().Tr.Id);
        Assert.Equal("H0STCNT0", paper.SubscribeStockTradesAsync("005930").Tr.Id); // offered on paper under the same id
        Assert.Throws<ArgumentException>(() => paper.SubscribeStockTradesAsync("005930", StockVenue.Nxt)); // real only
    }
}
