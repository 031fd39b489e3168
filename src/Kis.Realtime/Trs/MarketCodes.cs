namespace Kis.Realtime;

/// <summary>Which domestic stock market a feed covers.</summary>
public enum StockVenue : byte
{
    /// <summary>Korea Exchange (KRX): H0STCNT0, H0STASP0, H0STANC0, H0STMKO0.</summary>
    Krx = 1,
    /// <summary>Nextrade (NXT): H0NXCNT0, H0NXASP0, H0NXANC0, H0NXMKO0.</summary>
    Nxt = 2,
    /// <summary>KRX and NXT combined (통합): H0UNCNT0, H0UNASP0, H0UNANC0, H0UNMKO0.</summary>
    Unified = 3,
}

/// <summary>ccld_dvsn / cntg_cls_code (체결구분) of a stock trade: which side's order took liquidity.</summary>
public enum TradeSide : byte
{
    /// <summary>Empty or any other code.</summary>
    Unknown = 0,
    /// <summary>1 매수(+): a buy order hit the ask.</summary>
    Buy = 1,
    /// <summary>3 장전: pre-open (auction) trade.</summary>
    PreOpen = 3,
    /// <summary>5 매도(-): a sell order hit the bid.</summary>
    Sell = 5,
}

/// <summary>vi_cls_code / ovtm_vi_cls_code (VI적용구분코드): whether a volatility interruption is in force.</summary>
public enum ViStatus : byte
{
    /// <summary>Empty field.</summary>
    None = 0,
    /// <summary>N: no VI (해제).</summary>
    Released = 1,
    /// <summary>1: static VI (정적).</summary>
    Static = 2,
    /// <summary>2: dynamic VI (동적).</summary>
    Dynamic = 3,
    /// <summary>3: static and dynamic VI.</summary>
    StaticAndDynamic = 4,
    /// <summary>Any other code.</summary>
    Unknown = 255,
}
