using System.Globalization;
using System.Text.Json;
using Kis.Realtime.Internal;

namespace Kis.Realtime;

public sealed partial class KisOrderClient
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<KisOrderRow>> GetOrdersAsync(KisProduct product, KisOrderFilter filter = KisOrderFilter.All, string? code = null,
        CancellationToken cancellationToken = default)
    {
        if (code is not null) KisOrderWire.ValidateCode(product, code);
        var account = AccountOf(product);
        var today = Today();
        var fill = filter switch { KisOrderFilter.Filled => "01", KisOrderFilter.Unfilled => "02", _ => "00" };
        var rows = new List<KisOrderRow>();
        if (product == KisProduct.Stock)
        {
            await foreach (var page in _transport.PagesAsync(KisOrderWire.StockOrders, "TTTC0081R", "100", (fk, nk) =>
                $"CANO={account.Number}&ACNT_PRDT_CD={account.ProductCode}&INQR_STRT_DT={today}&INQR_END_DT={today}&SLL_BUY_DVSN_CD=00" +
                $"&INQR_DVSN=00&PDNO={code}&CCLD_DVSN={fill}&ORD_GNO_BRNO=&ODNO=&INQR_DVSN_3=00&INQR_DVSN_1=&EXCG_ID_DVSN_CD=ALL" +
                $"&CTX_AREA_FK100={fk}&CTX_AREA_NK100={nk}", "Today's stock orders", cancellationToken).ConfigureAwait(false))
            {
                foreach (var r in KisOrderWire.Rows(page, "output1"))
                {
                    rows.Add(new KisOrderRow
                    {
                        Product = product, OrderNumber = KisOrderWire.Text(r, "odno") ?? "", OriginalOrderNumber = KisOrderWire.Original(r),
                        Branch = KisOrderWire.Text(r, "ord_gno_brno") ?? "", Code = KisOrderWire.Text(r, "pdno") ?? "",
                        Name = KisOrderWire.Text(r, "prdt_name") ?? "", Side = KisOrderWire.Side(r), Quantity = KisOrderWire.Long(r, "ord_qty"),
                        Price = KisOrderWire.Decimal(r, "ord_unpr"), FilledQuantity = KisOrderWire.Long(r, "tot_ccld_qty"),
                        AveragePrice = KisOrderWire.Decimal(r, "avg_prvs"), RemainingQuantity = KisOrderWire.Long(r, "rmn_qty"),
                        CancelledQuantity = KisOrderWire.Long(r, "cnc_cfrm_qty"), Date = KisOrderWire.Date(KisOrderWire.Text(r, "ord_dt")),
                        Time = KisOrderWire.Time(KisOrderWire.Text(r, "ord_tmd")) ?? default,
                    });
                }
            }
            return Filtered(rows, filter);
        }
        await foreach (var page in _transport.PagesAsync(KisOrderWire.FuturesOrders, "TTTO5201R", "200", (fk, nk) =>
            $"CANO={account.Number}&ACNT_PRDT_CD={account.ProductCode}&STRT_ORD_DT={today}&END_ORD_DT={today}&SLL_BUY_DVSN_CD=00" +
            $"&CCLD_NCCS_DVSN={fill}&SORT_SQN=DS&STRT_ODNO=&PDNO={code}&MKET_ID_CD=&CTX_AREA_FK200={fk}&CTX_AREA_NK200={nk}",
            "Today's futures/options orders", cancellationToken).ConfigureAwait(false))
        {
            foreach (var r in KisOrderWire.Rows(page, "output1"))
            {
                rows.Add(new KisOrderRow
                {
                    Product = product, OrderNumber = KisOrderWire.Text(r, "odno") ?? "", OriginalOrderNumber = KisOrderWire.Original(r),
                    Branch = KisOrderWire.Text(r, "ord_gno_brno") ?? "", Code = KisOrderWire.Text(r, "pdno") ?? "",
                    Name = KisOrderWire.Text(r, "prdt_name") ?? "", Side = KisOrderWire.Side(r), Quantity = KisOrderWire.Long(r, "ord_qty"),
                    Price = KisOrderWire.Decimal(r, "ord_idx"), FilledQuantity = KisOrderWire.Long(r, "tot_ccld_qty"),
                    AveragePrice = KisOrderWire.Decimal(r, "avg_idx"), RemainingQuantity = KisOrderWire.Long(r, "qty"),
                    Date = KisOrderWire.Date(KisOrderWire.Text(r, "ord_dt")), Time = KisOrderWire.Time(KisOrderWire.Text(r, "ord_tmd")) ?? default,
                });
            }
        }
        return Filtered(rows, filter);
    }

    /// <summary>The filter applied here too: a venue that ignores CCLD_DVSN lists every order.</summary>
    private static List<KisOrderRow> Filtered(List<KisOrderRow> rows, KisOrderFilter filter) => filter switch
    {
        KisOrderFilter.Filled => rows.FindAll(r => r.FilledQuantity > 0),
        KisOrderFilter.Unfilled => rows.FindAll(r => r.RemainingQuantity > 0),
        _ => rows,
    };

    /// <inheritdoc />
    public async Task<KisBalance> GetBalanceAsync(KisProduct product, CancellationToken cancellationToken = default)
    {
        var account = AccountOf(product);
        var positions = new List<KisPosition>();
        JsonElement summary = default;
        if (product == KisProduct.Stock)
        {
            await foreach (var page in _transport.PagesAsync(KisOrderWire.StockBalance, "TTTC8434R", "100", (fk, nk) =>
                $"CANO={account.Number}&ACNT_PRDT_CD={account.ProductCode}&AFHR_FLPR_YN=N&OFL_YN=&INQR_DVSN=02&UNPR_DVSN=01" +
                $"&FUND_STTL_ICLD_YN=N&FNCG_AMT_AUTO_RDPT_YN=N&PRCS_DVSN=00&CTX_AREA_FK100={fk}&CTX_AREA_NK100={nk}",
                "The stock balance", cancellationToken).ConfigureAwait(false))
            {
                foreach (var r in KisOrderWire.Rows(page, "output1"))
                {
                    if (KisOrderWire.Long(r, "hldg_qty") == 0) continue;
                    positions.Add(new KisPosition
                    {
                        Code = KisOrderWire.Text(r, "pdno") ?? "", Name = KisOrderWire.Text(r, "prdt_name") ?? "",
                        Quantity = KisOrderWire.Long(r, "hldg_qty"), OrderableQuantity = KisOrderWire.Long(r, "ord_psbl_qty"),
                        AveragePrice = KisOrderWire.Decimal(r, "pchs_avg_pric"), CurrentPrice = KisOrderWire.Decimal(r, "prpr"),
                        Value = KisOrderWire.Decimal(r, "evlu_amt"), ProfitLoss = KisOrderWire.Decimal(r, "evlu_pfls_amt"),
                    });
                }
                summary = KisOrderWire.Summary(page); // the totals of the last page
            }
            return new KisBalance
            {
                Product = product, Cash = KisOrderWire.Decimal(summary, "dnca_tot_amt"), PositionsValue = KisOrderWire.Decimal(summary, "scts_evlu_amt"),
                TotalValue = KisOrderWire.Decimal(summary, "tot_evlu_amt"), Positions = positions,
            };
        }
        await foreach (var page in _transport.PagesAsync(KisOrderWire.FuturesBalance, "CTFO6118R", "200", (fk, nk) =>
            $"CANO={account.Number}&ACNT_PRDT_CD={account.ProductCode}&MGNA_DVSN=01&EXCC_STAT_CD=1&CTX_AREA_FK200={fk}&CTX_AREA_NK200={nk}",
            "The futures/options balance", cancellationToken).ConfigureAwait(false))
        {
            foreach (var r in KisOrderWire.Rows(page, "output1"))
            {
                var contracts = KisOrderWire.Long(r, "cblc_qty");
                if (contracts == 0) continue;
                var sold = (KisOrderWire.Text(r, "sll_buy_dvsn_name") ?? "").Contains("매도", StringComparison.Ordinal) || KisOrderWire.Text(r,
                    "sll_buy_dvsn_cd") == "01";
                positions.Add(new KisPosition
                {
                    Code = KisOrderWire.Text(r, "shtn_pdno") is { Length: > 0 } shortCode ? shortCode : KisOrderWire.Text(r, "pdno") ?? "",
                    Name = KisOrderWire.Text(r, "prdt_name") ?? "", Quantity = sold ? -contracts : contracts,
                    OrderableQuantity = KisOrderWire.Long(r, "lqd_psbl_qty"), AveragePrice = KisOrderWire.Decimal(r, "ccld_avg_unpr1"),
                    CurrentPrice = KisOrderWire.Decimal(r, "idx_clpr"), Value = KisOrderWire.Decimal(r, "evlu_amt"),
                    ProfitLoss = KisOrderWire.Decimal(r, "evlu_pfls_amt"),
                });
            }
            summary = KisOrderWire.Summary(page);
        }
        return new KisBalance
        {
            Product = product, Cash = KisOrderWire.Decimal(summary, "dnca_cash"), PositionsValue = KisOrderWire.Decimal(summary, "evlu_amt_smtl"),
            TotalValue = KisOrderWire.Decimal(summary, "prsm_dpast"), Positions = positions,
        };
    }

    /// <inheritdoc />
    public async Task<KisBuyingPower> GetBuyingPowerAsync(KisProduct product, string code, OrderSide side = OrderSide.Buy, decimal price = 0,
        CancellationToken cancellationToken = default)
    {
        KisOrderWire.ValidateCode(product, code);
        if (price < 0) throw new ArgumentException("A price cannot be negative.", nameof(price));
        var account = AccountOf(product);
        string query;
        string path, trId, what;
        if (product == KisProduct.Stock)
        {
            (path, trId, what) = (KisOrderWire.StockBuyingPower, "TTTC8908R", $"Buying power for {code}");
            query = $"CANO={account.Number}&ACNT_PRDT_CD={account.ProductCode}&PDNO={code}&ORD_UNPR={KisOrderWire.StockPrice(price)}" +
                $"&ORD_DVSN={(price > 0 ? "00" : "01")}&CMA_EVLU_AMT_ICLD_YN=N&OVRS_ICLD_YN=N";
        }
        else
        {
            (path, trId, what) = (KisOrderWire.FuturesBuyingPower, "TTTO5105R", $"Orderable quantity of {code}");
            query = $"CANO={account.Number}&ACNT_PRDT_CD={account.ProductCode}&PDNO={code}&PRDT_TYPE_CD=301" +
                $"&SLL_BUY_DVSN_CD={(side == OrderSide.Sell ? "01" : "02")}&UNIT_PRICE={KisOrderWire.FuturesPrice(price)}" +
                $"&ORD_DVSN_CD={(price > 0 ? "01" : "02")}";
        }
        var page = await _transport.InquireAsync(new OrderRestCall(path, trId, query, null, what), cancellationToken).ConfigureAwait(false);
        using (page)
        {
            var output = page.RootElement.TryGetProperty("output", out var o) ? o : default;
            return product == KisProduct.Stock
                ? new KisBuyingPower
                {
                    Cash = KisOrderWire.Decimal(output, "ord_psbl_cash"), Quantity = KisOrderWire.Long(output, "nrcvb_buy_qty"),
                    MaxQuantity = KisOrderWire.Long(output, "max_buy_qty"), Price = KisOrderWire.Decimal(output, "psbl_qty_calc_unpr"),
                }
                : new KisBuyingPower
                {
                    Quantity = KisOrderWire.Long(output, "ord_psbl_qty"), MaxQuantity = KisOrderWire.Long(output, "tot_psbl_qty"), Price = price,
                };
        }
    }

    /// <summary>The server's day (KST) as its answers tell it; this machine's before any answer.</summary>
    private string Today()
        => (_transport.Clock.Now() ?? _options.TimeProvider.GetUtcNow()).ToOffset(KoreaTime.Offset).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
}
