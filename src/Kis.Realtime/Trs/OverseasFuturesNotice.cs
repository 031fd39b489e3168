using Kis.Realtime.Protocol;

namespace Kis.Realtime;

// Hand-written (not in views.json): Kind and Revision come from several raw codes (NoticeKindRule); generated views map one field each.
/// <summary>
/// HDFFF1C0 해외선물옵션 실시간주문내역통보 (order notices) and HDFFF2C0 해외선물옵션 실시간체결내역통보 (fill notices): your
/// overseas futures/options orders. Always encrypted. Both start with the same 23 fields (user_id first, as KIS's legacy
/// samples say; unverified against a live message); order notices go on with liquidation and validity fields, fill
/// notices with the fill. Properties of the other kind are null.
/// </summary>
public readonly record struct OverseasFuturesNotice : IKisRecord<OverseasFuturesNotice>
{
    /// <inheritdoc/>
    public static IReadOnlyList<TrDefinition> Trs { get; } = [KisTrs.HDFFF1C0, KisTrs.HDFFF2C0];

    /// <summary>True for HDFFF2C0 (a fill), false for HDFFF1C0 (an order event).</summary>
    public bool IsFill { get; init; }
    /// <summary>user_id 유저ID: the HTS ID.</summary>
    public string UserId { get; init; }
    /// <summary>acct_no 계좌번호.</summary>
    public string AccountNumber { get; init; }
    /// <summary>ord_dt 주문일자.</summary>
    public DateOnly? OrderDate { get; init; }
    /// <summary>odno 주문번호.</summary>
    public string OrderNumber { get; init; }
    /// <summary>orgn_ord_dt 원주문일자.</summary>
    public DateOnly? OriginalOrderDate { get; init; }
    /// <summary>orgn_odno 원주문번호.</summary>
    public string OriginalOrderNumber { get; init; }
    /// <summary>series 종목명: the series.</summary>
    public string Series { get; init; }
    /// <summary>rvse_cncl_dvsn_cd 정정취소구분코드, as sent.</summary>
    public string RevisionCode { get; init; }
    /// <summary>sll_buy_dvsn_cd 매도매수구분코드, as sent.</summary>
    public string SideCode { get; init; }
    /// <summary>cplx_ord_dvsn_cd 복합주문구분코드, as sent.</summary>
    public string ComplexOrderCode { get; init; }
    /// <summary>prce_tp 가격구분코드: price type code, as sent.</summary>
    public string PriceTypeCode { get; init; }
    /// <summary>fm_excg_rcit_dvsn_cd FM거래소접수구분코드, as sent.</summary>
    public string ExchangeReceiptCode { get; init; }
    /// <summary>ord_qty 주문수량.</summary>
    public long OrderQuantity { get; init; }
    /// <summary>fm_lmt_pric FMLIMIT가격: limit price.</summary>
    public decimal LimitPrice { get; init; }
    /// <summary>fm_stop_ord_pric FMSTOP주문가격: stop price.</summary>
    public decimal StopPrice { get; init; }
    /// <summary>tot_ccld_qty 총체결수량: filled so far.</summary>
    public long FilledQuantity { get; init; }
    /// <summary>tot_ccld_uv 총체결단가: average fill price so far.</summary>
    public decimal AverageFillPrice { get; init; }
    /// <summary>ord_remq 잔량: quantity still open.</summary>
    public long RemainingQuantity { get; init; }
    /// <summary>fm_ord_grp_dt FM주문그룹일자.</summary>
    public DateOnly? OrderGroupDate { get; init; }
    /// <summary>ord_grp_stno 주문그룹번호.</summary>
    public string OrderGroupNumber { get; init; }
    /// <summary>ord_dtl_dtime 주문상세일시, as sent.</summary>
    public string OrderDateTime { get; init; }
    /// <summary>oprt_dtl_dtime 조작상세일시, as sent.</summary>
    public string OperationDateTime { get; init; }
    /// <summary>work_empl 주문자.</summary>
    public string Orderer { get; init; }
    /// <summary>crcy_cd 통화코드: the currency, e.g. USD.</summary>
    public string Currency { get; init; }
    /// <summary>fuop_item_dvsn_cd 선물옵션종목구분코드, as sent.</summary>
    public string ProductTypeCode { get; init; }
    /// <summary>Order notices: lqd_yn 청산여부(Y/N).</summary>
    public bool? IsLiquidation { get; init; }
    /// <summary>Order notices: lqd_lmt_pric 청산LIMIT가격.</summary>
    public decimal? LiquidationLimitPrice { get; init; }
    /// <summary>Order notices: lqd_stop_pric 청산STOP가격.</summary>
    public decimal? LiquidationStopPrice { get; init; }
    /// <summary>Order notices: trd_cond 체결조건코드, as sent.</summary>
    public string? FillConditionCode { get; init; }
    /// <summary>Order notices: term_ord_vald_dtime 기간주문유효상세일시, as sent.</summary>
    public string? ValidUntil { get; init; }
    /// <summary>Order notices: spec_tp 계좌청산유형구분코드, as sent.</summary>
    public string? AccountLiquidationCode { get; init; }
    /// <summary>Order notices: ecis_rsvn_ord_yn 행사예약주문여부, as sent.</summary>
    public string? ExerciseReservationCode { get; init; }
    /// <summary>Order notices: auto_ord_dvsn_cd 자동주문 전략구분, as sent.</summary>
    public string? AutoOrderCode { get; init; }
    /// <summary>Fill notices: ccld_dt 체결일자.</summary>
    public DateOnly? FillDate { get; init; }
    /// <summary>Fill notices: ccno 체결번호.</summary>
    public string? FillNumber { get; init; }
    /// <summary>Fill notices: api_ccno API 체결번호.</summary>
    public string? ApiFillNumber { get; init; }
    /// <summary>Fill notices: ccld_qty 체결수량.</summary>
    public long? FillQuantity { get; init; }
    /// <summary>Fill notices: fm_ccld_pric FM체결가격.</summary>
    public decimal? FillPrice { get; init; }
    /// <summary>Fill notices: trst_fee 위탁수수료, in <see cref="Currency"/>.</summary>
    public decimal? Fee { get; init; }
    /// <summary>Fill notices: ord_mdia_online_yn 주문매체온라인여부, as sent.</summary>
    public string? OnlineOrderCode { get; init; }
    /// <summary>Fill notices: fm_ccld_amt FM체결금액, in <see cref="Currency"/>.</summary>
    public decimal? FillAmount { get; init; }

    string IKisRecord<OverseasFuturesNotice>.Key => UserId;

    /// <inheritdoc/>
    public static bool TryDecode(TrDefinition tr, ReadOnlySpan<byte> record, out OverseasFuturesNotice value, out DecodeError error)
    {
        var r = new TypedFieldReader(record);
        var fill = tr.TrId == KisTrs.HDFFF2C0.TrId;
        value = new OverseasFuturesNotice
        {
            IsFill = fill,
            UserId = r.Text(),
            AccountNumber = r.Text(),
            OrderDate = r.Date(),
            OrderNumber = r.Text(),
            OriginalOrderDate = r.Date(),
            OriginalOrderNumber = r.Text(),
            Series = r.Text(),
            RevisionCode = r.Text(),
            SideCode = r.Text(),
            ComplexOrderCode = r.Text(),
            PriceTypeCode = r.Text(),
            ExchangeReceiptCode = r.Text(),
            OrderQuantity = r.Int64(),
            LimitPrice = r.Decimal(),
            StopPrice = r.Decimal(),
            FilledQuantity = r.Int64(),
            AverageFillPrice = r.Decimal(),
            RemainingQuantity = r.Int64(),
            OrderGroupDate = r.Date(),
            OrderGroupNumber = r.Text(),
            OrderDateTime = r.Text(),
            OperationDateTime = r.Text(),
            Orderer = r.Text(),
        };
        if (fill)
        {
            value = value with
            {
                FillDate = r.Date(),
                FillNumber = r.Text(),
                ApiFillNumber = r.Text(),
                FillQuantity = r.Int64(),
                FillPrice = r.Decimal(),
                Currency = r.Text(),
                Fee = r.Decimal(),
                OnlineOrderCode = r.Text(),
                FillAmount = r.Decimal(),
                ProductTypeCode = r.Text(),
            };
        }
        else
        {
            value = value with
            {
                Currency = r.Text(),
                IsLiquidation = Codes.Yes(r.Char()),
                LiquidationLimitPrice = r.Decimal(),
                LiquidationStopPrice = r.Decimal(),
                FillConditionCode = r.Text(),
                ValidUntil = r.Text(),
                AccountLiquidationCode = r.Text(),
                ExerciseReservationCode = r.Text(),
                ProductTypeCode = r.Text(),
                AutoOrderCode = r.Text(),
            };
        }
        error = r.Error;
        return !error.IsError;
    }
}
