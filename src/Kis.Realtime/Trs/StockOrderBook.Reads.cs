using Kis.Realtime.Internal;
using Kis.Realtime.Protocol;

namespace Kis.Realtime;

// What each field of a stock book becomes, by its role; the order and the count of the reads are the TR's generated
// layout (StockOrderBookLayouts). Both reads check every field alike, so the levels alone fail where the whole decode fails.
public readonly partial record struct StockOrderBook
{
    /// <summary>The whole decode: the levels written in place into the book's inline arrays, the rest kept for the constructo_r.</summary>
    private ref struct FieldReads(ReadOnlySpan<byte> record, ref OrderBookLevels asks, ref OrderBookLevels bids) : IStockOrderBookFields
    {
        private TypedFieldReader _r = new(record);
        private ref OrderBookLevels _asks = ref asks;
        private ref OrderBookLevels _bids = ref bids;
        public int Levels;
        public string Code = "", Session = "", KrxMidSide = "", NxtMidSide = "";
        public string DealType = ""; // H0STOAA0 has none
        public TimeOnly At;
        public long TotalAsk, TotalBid, AfterHoursTotalAsk, AfterHoursTotalBid, ExpectedQty, ExpectedVol, Volume;
        public long TotalAskChange, TotalBidChange, AfterHoursTotalAskChange, AfterHoursTotalBidChange, KrxMidQty, NxtMidQty;
        public decimal Expected, ExpectedDiff, ExpectedRate, KrxMid, NxtMid;
        public PriceChangeSign ExpectedSign;
        public bool HasMids;

        public readonly DecodeError Error => _r.Error;

        public void Depth(int levels) => Levels = levels;
        public void StockCode() => Code = _r.Text();
        public void Time() => At = _r.Time();
        public void SessionCode() => Session = _r.Text();
        public void AskPrice(int level) => _asks[level] = new OrderBookLevel(_r.Decimal(), 0);
        public void BidPrice(int level) => _bids[level] = new OrderBookLevel(_r.Decimal(), 0);
        public void AskQuantity(int level) => _asks[level] = _asks[level] with { Quantity = _r.Int64() };
        public void BidQuantity(int level) => _bids[level] = _bids[level] with { Quantity = _r.Int64() };
        public void TotalAskQuantity() => TotalAsk = _r.Int64();
        public void TotalBidQuantity() => TotalBid = _r.Int64();
        public void AfterHoursTotalAskQuantity() => AfterHoursTotalAsk = _r.Int64();
        public void AfterHoursTotalBidQuantity() => AfterHoursTotalBid = _r.Int64();
        public void ExpectedPrice() => Expected = _r.Decimal();
        public void ExpectedQuantity() => ExpectedQty = _r.Int64();
        public void ExpectedVolume() => ExpectedVol = _r.Int64();
        public void ExpectedChange() => ExpectedDiff = _r.Decimal();
        public void ExpectedChangeSign() => ExpectedSign = CodeMapping.Sign(_r.Digit());
        public void ExpectedChangeRate() => ExpectedRate = _r.Decimal();
        public void CumulativeVolume() => Volume = _r.Int64();
        public void TotalAskQuantityChange() => TotalAskChange = _r.Int64();
        public void TotalBidQuantityChange() => TotalBidChange = _r.Int64();
        public void AfterHoursTotalAskQuantityChange() => AfterHoursTotalAskChange = _r.Int64();
        public void AfterHoursTotalBidQuantityChange() => AfterHoursTotalBidChange = _r.Int64();
        public void DealTypeCode() => DealType = _r.Text();
        public void KrxMidPrice() => (KrxMid, HasMids) = (_r.Decimal(), true);
        public void KrxMidQuantity() => KrxMidQty = _r.Int64();
        public void KrxMidSideCode() => KrxMidSide = _r.Text();
        public void NxtMidPrice() => NxtMid = _r.Decimal();
        public void NxtMidQuantity() => NxtMidQty = _r.Int64();
        public void NxtMidSideCode() => NxtMidSide = _r.Text();
    }

    /// <summary>The levels alone, prices as whole won; every other field read for its check only, text skipped.</summary>
    private ref struct LevelReads(ReadOnlySpan<byte> record, Span<long> askPrices, Span<long> askQuantities, Span<long> bidPrices,
        Span<long> bidQuantities) : IStockOrderBookFields
    {
        private TypedFieldReader _r = new(record);
        private readonly Span<long> _askPrices = askPrices, _askQuantities = askQuantities;
        private readonly Span<long> _bidPrices = bidPrices, _bidQuantities = bidQuantities;

        public readonly DecodeError Error => _r.Error;

        public readonly void Depth(int levels) { } // the spans are cleared beyond it by the caller
        public void StockCode() => _r.Skip();
        public void Time() => _r.Time();
        public void SessionCode() => _r.Skip();
        public void AskPrice(int level) => _askPrices[level] = _r.Int64();
        public void BidPrice(int level) => _bidPrices[level] = _r.Int64();
        public void AskQuantity(int level) => _askQuantities[level] = _r.Int64();
        public void BidQuantity(int level) => _bidQuantities[level] = _r.Int64();
        public void TotalAskQuantity() => _r.Int64();
        public void TotalBidQuantity() => _r.Int64();
        public void AfterHoursTotalAskQuantity() => _r.Int64();
        public void AfterHoursTotalBidQuantity() => _r.Int64();
        public void ExpectedPrice() => _r.Decimal();
        public void ExpectedQuantity() => _r.Int64();
        public void ExpectedVolume() => _r.Int64();
        public void ExpectedChange() => _r.Decimal();
        public void ExpectedChangeSign() => _r.Digit();
        public void ExpectedChangeRate() => _r.Decimal();
        public void CumulativeVolume() => _r.Int64();
        public void TotalAskQuantityChange() => _r.Int64();
        public void TotalBidQuantityChange() => _r.Int64();
        public void AfterHoursTotalAskQuantityChange() => _r.Int64();
        public void AfterHoursTotalBidQuantityChange() => _r.Int64();
        public void DealTypeCode() => _r.Skip();
        public void KrxMidPrice() => _r.Decimal();
        public void KrxMidQuantity() => _r.Int64();
        public void KrxMidSideCode() => _r.Skip();
        public void NxtMidPrice() => _r.Decimal();
        public void NxtMidQuantity() => _r.Int64();
        public void NxtMidSideCode() => _r.Skip();
    }
}
