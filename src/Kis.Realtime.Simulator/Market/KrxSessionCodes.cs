using Kis.Realtime.Simulator.Rules;

namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// KIS's <c>hour_cls_code</c> 시간 구분 코드 of a domestic stock book (H0STASP0 …) and expected trade (H0STANC0 …) for the
/// phase of KRX's day it was made in: <c>0</c> the continuous session; <c>B</c> the pre-open call's expected price (장전
/// 예상); <c>C</c> an expected price after 09:00, a VI's call (9시 이후의 예상가, VI 발동); <c>A</c> the closing call's (장후
/// 예상); KIS's <c>D</c> (after-hours single-price expected) is for the after-hours books the simulator does not send on
/// these TRs. NXT has no calls: its books are always <c>0</c>. The backtest and the paper venue under a replay read the
/// same code (<see cref="Rules.KrxCalls"/>): a simulator recording's calls are known by their code, as KIS's are.
/// </summary>
internal static class KrxSessionCodes
{
    /// <summary>The code of <paramref name="book"/>'s venue at market time <paramref name="now"/> (KST).</summary>
    public static ReadOnlySpan<byte> Of(StockBook book, DateTime now)
    {
        if (!book.HasAuctions) return "0"u8;
        var second = (int)now.TimeOfDay.TotalSeconds;
        var hours = KrxDayHours.On(now);
        if (second < hours.RegularOpen) return "B"u8;
        if (second >= hours.ClosingAuctionStart && second < hours.ClosingAuctionEnd) return "A"u8;
        return book.IsInterrupted(now) ? "C"u8 : "0"u8;
    }
}
