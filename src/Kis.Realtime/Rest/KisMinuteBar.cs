namespace Kis.Realtime;

/// <summary>
/// One minute of a stock's trades from KIS's REST minute chart (주식당일분봉조회, <c>inquire-time-itemchartprice</c>).
/// </summary>
/// <param name="Time">The minute's start in KST (offset +09:00), from <c>stck_bsop_date</c> and <c>stck_cntg_hour</c>.</param>
/// <param name="Open">The minute's first trade price (<c>stck_oprc</c>).</param>
/// <param name="High">Its highest trade price (<c>stck_hgpr</c>).</param>
/// <param name="Low">Its lowest trade price (<c>stck_lwpr</c>).</param>
/// <param name="Close">Its last trade price (<c>stck_prpr</c>).</param>
/// <param name="Volume">The shares traded in the minute (<c>cntg_vol</c>).</param>
/// <param name="CumulativeTradeValue">The day's traded value (KRW) up to the end of the minute (<c>acml_tr_pbmn</c>).</param>
public readonly record struct KisMinuteBar(DateTimeOffset Time, decimal Open, decimal High, decimal Low, decimal Close, long Volume, long CumulativeTradeValue);
