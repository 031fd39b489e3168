namespace Kis.Realtime;

/// <summary>Which domestic derivatives market a futures/options TR covers (from the TR id).</summary>
public enum DerivativesMarket : byte
{
    /// <summary>H0IF…: index futures (지수선물), e.g. KOSPI200 futures 101W09.</summary>
    IndexFutures = 1,
    /// <summary>H0IO…: index options (지수옵션).</summary>
    IndexOptions = 2,
    /// <summary>H0CF…: commodity futures (상품선물): bonds, currencies.</summary>
    CommodityFutures = 3,
    /// <summary>H0ZF…: stock futures (주식선물).</summary>
    StockFutures = 4,
    /// <summary>H0ZO…: stock options (주식옵션).</summary>
    StockOptions = 5,
    /// <summary>H0MF…: KRX night-session futures (야간선물).</summary>
    NightFutures = 6,
    /// <summary>H0EU…: KRX night-session options (야간옵션).</summary>
    NightOptions = 7,
}
