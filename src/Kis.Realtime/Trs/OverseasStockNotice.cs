using Kis.Realtime.Internal;
using Kis.Realtime.Protocol;

namespace Kis.Realtime;

// Hand-written (not in views.json): Kind and Revision come from several raw codes (NoticeKindRule); generated views map one field each.
/// <summary>
/// H0GSCNI0 (real) / H0GSCNI9 (paper) 해외주식 실시간체결통보: an order or fill notice for the account holder's overseas
/// stock orders. Always encrypted on the wire. <see cref="Kind"/> follows the stock notices' rule (cntg_yn 2 fill, else
/// rctf_cls 1 amend, 2 cancel, rfus_yn 1 rejected, else accepted). Prices are in the market's currency, as sent.
/// </summary>
public readonly record struct OverseasStockNotice : IKisRecord<OverseasStockNotice>
{
    /// <inheritdoc/>
    public static IReadOnlyList<TrDefinition> Trs { get; } = [KisTrs.H0GSCNI0, KisTrs.H0GSCNI9];

    /// <summary>What this notice reports.</summary>
    public NoticeKind Kind { get; init; }
    /// <summary>cust_id 고객 ID.</summary>
    public string CustomerId { get; init; }
    /// <summary>acnt_no 계좌번호.</summary>
    public string AccountNumber { get; init; }
    /// <summary>oder_no 주문번호.</summary>
    public string OrderNumber { get; init; }
    /// <summary>ooder_no 원주문번호.</summary>
    public string OriginalOrderNumber { get; init; }
    /// <summary>seln_byov_cls 매도매수구분: sell (01) or buy (02).</summary>
    public OrderSide Side { get; init; }
    /// <summary>rctf_cls 정정구분: new, amend or cancel.</summary>
    public OrderRevision Revision { get; init; }
    /// <summary>oder_kind2 주문종류2: order type code, as sent.</summary>
    public string OrderTypeCode { get; init; }
    /// <summary>stck_shrn_iscd 주식 단축 종목코드: the ticker.</summary>
    public string Ticker { get; init; }
    /// <summary>cntg_qty 체결수량: the filled quantity for fills, else the order's quantity.</summary>
    public long Quantity { get; init; }
    /// <summary>cntg_unpr 체결단가: the fill price for fills, else the order's price.</summary>
    public decimal Price { get; init; }
    /// <summary>stck_cntg_hour 주식 체결 시간.</summary>
    public TimeOnly Time { get; init; }
    /// <summary>rfus_yn 거부여부: true when rejected (1 or Y).</summary>
    public bool IsRejected { get; init; }
    /// <summary>cntg_yn 체결여부: true for a fill (2).</summary>
    public bool IsFill { get; init; }
    /// <summary>acpt_yn 접수여부.</summary>
    public AcceptanceStatus Acceptance { get; init; }
    /// <summary>brnc_no 지점번호.</summary>
    public string BranchNumber { get; init; }
    /// <summary>oder_qty 주문 수량.</summary>
    public long OrderQuantity { get; init; }
    /// <summary>acnt_name 계좌명.</summary>
    public string AccountName { get; init; }
    /// <summary>cntg_isnm 체결종목명: the stock's name.</summary>
    public string StockName { get; init; }
    /// <summary>oder_cond 해외종목구분: overseas product type code, as sent.</summary>
    public string ProductTypeCode { get; init; }
    /// <summary>debt_gb 담보유형코드: collateral type code, as sent.</summary>
    public string CollateralTypeCode { get; init; }
    /// <summary>debt_date 담보대출일자: collateral loan date; null when empty or 00000000.</summary>
    public DateOnly? CollateralLoanDate { get; init; }
    /// <summary>start_tm 분할매수/매도 시작시간: start of a time-split order, as sent (format undocumented).</summary>
    public string SplitStartTime { get; init; }
    /// <summary>end_tm 분할매수/매도 종료시간: end of a time-split order, as sent.</summary>
    public string SplitEndTime { get; init; }
    /// <summary>tm_div_tp 시간분할타입유형: time-split type code, as sent.</summary>
    public string SplitTypeCode { get; init; }
    /// <summary>cntg_unpr12 체결단가12: the fill price with more decimals (appended by KIS in 2026-01).</summary>
    public decimal PrecisePrice { get; init; }

    string IKisRecord<OverseasStockNotice>.Key => CustomerId;

    /// <inheritdoc/>
    public static bool TryDecode(TrDefinition tr, ReadOnlySpan<byte> record, out OverseasStockNotice value, out DecodeError error)
    {
        var r = new TypedFieldReader(record);
        var f = new OverseasStockNoticeFields(ref r);
        value = new OverseasStockNotice
        {
            Kind = StockNotice.ClassifyKind(f.FillCode, f.RevisionCode, f.RejectedCode),
            CustomerId = f.CustomerId,
            AccountNumber = f.AccountNumber,
            OrderNumber = f.OrderNumber,
            OriginalOrderNumber = f.OriginalOrderNumber,
            Side = NoticeCodes.Side(f.SideCode),
            Revision = NoticeCodes.Revision(f.RevisionCode),
            OrderTypeCode = f.OrderTypeCode,
            Ticker = f.Ticker,
            Quantity = f.Quantity,
            Price = f.Price,
            Time = f.Time,
            IsRejected = NoticeKindRule.IsYes(f.RejectedCode),
            IsFill = f.FillCode.SequenceEqual("2"u8),
            Acceptance = NoticeCodes.Acceptance(f.AcceptanceCode),
            BranchNumber = f.BranchNumber,
            OrderQuantity = f.OrderQuantity,
            AccountName = f.AccountName,
            StockName = f.StockName,
            ProductTypeCode = f.ProductTypeCode,
            CollateralTypeCode = f.CollateralTypeCode,
            CollateralLoanDate = f.CollateralLoanDate,
            SplitStartTime = f.SplitStartTime,
            SplitEndTime = f.SplitEndTime,
            SplitTypeCode = f.SplitTypeCode,
            PrecisePrice = f.PrecisePrice,
        };
        error = r.Error;
        return !error.IsError;
    }
}
