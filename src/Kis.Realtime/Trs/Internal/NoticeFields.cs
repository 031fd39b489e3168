using System.Runtime.CompilerServices;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Internal;

/// <summary>
/// The six fields every order-notice TR opens with (cust_id, acnt_no, oder_no, ooder_no, seln_byov_cls, rctf_cls),
/// read here once for the stock and overseas-stock notices; each then reads its own codes. A ref struct, inlined into
/// each decoder, so the reads stay as direct as when written out (bench `notice-cpu`). FuturesOptionsNotice reads the
/// same fields written out: through these its larger decode measured slower.
/// </summary>
internal readonly ref struct NoticeHead
{
    public readonly string CustomerId;
    public readonly string AccountNumber;
    public readonly string OrderNumber;
    public readonly string OriginalOrderNumber;
    public readonly OrderSide Side;
    /// <summary>rctf_cls as sent: <see cref="NoticeKindRule"/> reads it raw.</summary>
    public readonly ReadOnlySpan<byte> RevisionCode;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public NoticeHead(ref TypedFieldReader r)
    {
        CustomerId = r.Text();
        AccountNumber = r.Text();
        OrderNumber = r.Text();
        OriginalOrderNumber = r.Text();
        Side = NoticeCodes.Side(r.Digit());
        RevisionCode = r.Raw();
    }

    public OrderRevision Revision => NoticeCodes.Revision(RevisionCode);
}

/// <summary>
/// The four fields that follow each notice's product code (cntg_qty, cntg_unpr, stck_cntg_hour, rfus_yn): what the
/// notice reports depends on them and on the head's revision code (<see cref="NoticeKindRule"/>).
/// </summary>
internal readonly ref struct NoticeEvent
{
    public readonly long Quantity;
    public readonly decimal Price;
    public readonly TimeOnly Time;
    /// <summary>rfus_yn as sent.</summary>
    public readonly ReadOnlySpan<byte> RejectedCode;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public NoticeEvent(ref TypedFieldReader r, int priceImpliedDecimals)
    {
        Quantity = r.Int64();
        Price = r.Decimal(priceImpliedDecimals);
        Time = r.Time();
        RejectedCode = r.Raw();
    }

    public bool IsRejected => NoticeKindRule.IsYes(RejectedCode);
}
