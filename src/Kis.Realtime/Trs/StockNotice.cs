using Kis.Realtime.Internal;
using Kis.Realtime.Protocol;

namespace Kis.Realtime;

// The field reads are generated (StockNoticeFields, views.json's readers); what stays here is meaning: Kind and Revision
// come from several raw codes (NoticeKindRule), which generated views, one field per property, cannot say.
/// <summary>
/// H0STCNI0 (real) / H0STCNI9 (paper) 국내주식 실시간체결통보: an order or fill notice for the account holder's domestic
/// stock orders. Always encrypted on the wire. <see cref="Kind"/> follows KIS's rule: cntg_yn 2 is a fill, otherwise
/// rctf_cls 1 an amendment, 2 a cancellation, rfus_yn 1 a rejection, else an accepted order. Prices are read as sent
/// (no implied decimals: unlike the futures notices, no KIS example shows any).
/// </summary>
public readonly record struct StockNotice : IKisRecord<StockNotice>
{
    /// <inheritdoc/>
    public static IReadOnlyList<TrDefinition> Trs { get; } = [KisTrs.H0STCNI0, KisTrs.H0STCNI9];

    /// <summary>What this notice reports.</summary>
    public NoticeKind Kind { get; init; }
    /// <summary>cust_id 고객 ID: the customer (HTS) id.</summary>
    public string CustomerId { get; init; }
    /// <summary>acnt_no 계좌번호: account number (leading zeros kept).</summary>
    public string AccountNumber { get; init; }
    /// <summary>oder_no 주문번호: order number.</summary>
    public string OrderNumber { get; init; }
    /// <summary>ooder_no 원주문번호: original order number (amendments and cancellations).</summary>
    public string OriginalOrderNumber { get; init; }
    /// <summary>seln_byov_cls 매도매수구분: sell (01) or buy (02).</summary>
    public OrderSide Side { get; init; }
    /// <summary>rctf_cls 접수구분: new, amend or cancel.</summary>
    public OrderRevision Revision { get; init; }
    /// <summary>oder_kind 주문종류: order type code (00 limit, 01 market …), as sent.</summary>
    public string OrderTypeCode { get; init; }
    /// <summary>oder_cond 주문조건: order condition code (0 none, 1 IOC, 2 FOK), as sent.</summary>
    public string OrderConditionCode { get; init; }
    /// <summary>stck_shrn_iscd 종목코드: the stock code.</summary>
    public string StockCode { get; init; }
    /// <summary>cntg_qty 체결수량: the filled quantity for fills, else the order's quantity.</summary>
    public long Quantity { get; init; }
    /// <summary>cntg_unpr 체결단가: the fill price for fills, else the order's price.</summary>
    public decimal Price { get; init; }
    /// <summary>stck_cntg_hour 주식체결시간: time of the fill or of the order event.</summary>
    public TimeOnly Time { get; init; }
    /// <summary>rfus_yn 거부여부: true when the order was rejected (1 or Y).</summary>
    public bool IsRejected { get; init; }
    /// <summary>cntg_yn 체결여부: true for a fill (2), false for an order/amend/cancel/reject notice (1).</summary>
    public bool IsFill { get; init; }
    /// <summary>acpt_yn 접수여부: acceptance state.</summary>
    public AcceptanceStatus Acceptance { get; init; }
    /// <summary>brnc_no 지점번호: branch number.</summary>
    public string BranchNumber { get; init; }
    /// <summary>oder_qty 주문수량: the order's quantity.</summary>
    public long OrderQuantity { get; init; }
    /// <summary>acnt_name 계좌명: account holder's name.</summary>
    public string AccountName { get; init; }
    /// <summary>ord_cond_prc 호가조건가격: order condition price (stop orders).</summary>
    public decimal OrderConditionPrice { get; init; }
    /// <summary>ord_exg_gb 주문거래소 구분: the exchange the order went to, as sent.</summary>
    public string OrderExchangeCode { get; init; }
    /// <summary>popup_yn 체결정보 표시: KIS's "show a popup" flag, as sent.</summary>
    public string PopupCode { get; init; }
    /// <summary>crdt_cls 신용거래구분: credit (margin) type code, as sent.</summary>
    public string CreditTypeCode { get; init; }
    /// <summary>crdt_loan_date 신용대출일자: credit loan date; null when empty or 00000000.</summary>
    public DateOnly? CreditLoanDate { get; init; }
    /// <summary>cntg_isnm40 체결종목명40: the stock's name.</summary>
    public string StockName { get; init; }
    /// <summary>oder_prc 주문가격: the order price.</summary>
    public decimal OrderPrice { get; init; }

    /// <summary>Fills only: the quantity filled by this fill.</summary>
    public long? FillQuantity => Kind == NoticeKind.Fill ? Quantity : null;
    /// <summary>Fills only: the fill price.</summary>
    public decimal? FillPrice => Kind == NoticeKind.Fill ? Price : null;

    string IKisRecord<StockNotice>.Key => CustomerId;

    /// <summary>KIS's rule for what a stock notice reports, from its raw codes.</summary>
    public static NoticeKind ClassifyKind(ReadOnlySpan<byte> fillFlag, ReadOnlySpan<byte> revision, ReadOnlySpan<byte> rejected)
        => NoticeKindRule.Classify(fill: fillFlag.SequenceEqual("2"u8), revision, rejected);

    /// <inheritdoc/>
    public static bool TryDecode(TrDefinition tr, ReadOnlySpan<byte> record, out StockNotice value, out DecodeError error)
    {
        var r = new TypedFieldReader(record);
        var f = new StockNoticeFields(ref r);
        value = new StockNotice
        {
            Kind = ClassifyKind(f.FillCode, f.RevisionCode, f.RejectedCode),
            CustomerId = f.CustomerId,
            AccountNumber = f.AccountNumber,
            OrderNumber = f.OrderNumber,
            OriginalOrderNumber = f.OriginalOrderNumber,
            Side = NoticeCodes.Side(f.SideCode),
            Revision = NoticeCodes.Revision(f.RevisionCode),
            OrderTypeCode = f.OrderTypeCode,
            OrderConditionCode = f.OrderConditionCode,
            StockCode = f.StockCode,
            Quantity = f.Quantity,
            Price = f.Price,
            Time = f.Time,
            IsRejected = NoticeKindRule.IsYes(f.RejectedCode),
            IsFill = f.FillCode.SequenceEqual("2"u8),
            Acceptance = NoticeCodes.Acceptance(f.AcceptanceCode),
            BranchNumber = f.BranchNumber,
            OrderQuantity = f.OrderQuantity,
            AccountName = f.AccountName,
            OrderConditionPrice = f.OrderConditionPrice,
            OrderExchangeCode = f.OrderExchangeCode,
            PopupCode = f.PopupCode,
            CreditTypeCode = f.CreditTypeCode,
            CreditLoanDate = f.CreditLoanDate,
            StockName = f.StockName,
            OrderPrice = f.OrderPrice,
        };
        error = r.Error;
        return !error.IsError;
    }
}
