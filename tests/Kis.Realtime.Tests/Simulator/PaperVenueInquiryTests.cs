using System.Net;
using static Kis.Realtime.Tests.Client.ClientTestKit;
using static Kis.Realtime.Tests.Simulator.PaperVenueTests;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>Issue 42, item 10: the inquiries a strategy needs beside the orders, and KIS's shape for what is not simulated.</summary>
public sealed class PaperVenueInquiryTests
{
    private const string Code = "005930";

    [Fact]
    public async Task Inquire_psbl_rvsecncl_lists_what_is_left_to_amend_and_inquire_psbl_sell_what_a_sell_may_take()
    {
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false });
        var token = await MinuteChartTests.TokenAsync(sim);
        var book = sim.Hub.Market.StockBookForOrders(Code);
        var resting = await PostAsync(sim, token, OrderEndpointsPaths.Cash, "TTTC0012U", Buy(book.LowerLimit, 7, code: Code));
        var number = resting.GetProperty("output").GetProperty("ODNO").GetString();
        var market = Buy(0, 3, code: Code);
        (market["ORD_DVSN"], market["ORD_UNPR"]) = ("01", "0");
        Assert.Equal("0", (await PostAsync(sim, token, OrderEndpointsPaths.Cash, "TTTC0012U", market)).GetProperty("rt_cd").GetString());

        var open = await GetAsync(sim, token, "/uapi/domestic-stock/v1/trading/inquire-psbl-rvsecncl", "TTTC0084R",
            "CANO=50123456&ACNT_PRDT_CD=01&CTX_AREA_FK100=&CTX_AREA_NK100=&INQR_DVSN_1=0&INQR_DVSN_2=0");
        var row = Assert.Single(open.GetProperty("output").EnumerateArray());
        Assert.Equal((number, "7", "7"),
            (row.GetProperty("odno").GetString(), row.GetProperty("ord_qty").GetString(), row.GetProperty("psbl_qty").GetString()));

        var sell = await GetAsync(sim, token, "/uapi/domestic-stock/v1/trading/inquire-psbl-sell", "TTTC8408R", $"CANO=50123456&ACNT_PRDT_CD=01&PDNO={Code}");
        Assert.Equal(("3", "3"),
            (sell.GetProperty("output").GetProperty("cblc_qty").GetString(), sell.GetProperty("output").GetProperty("ord_psbl_qty").GetString()));
    }

    [Fact]
    public async Task An_endpoint_the_simulator_does_not_serve_answers_in_KIS_s_error_shape_naming_it()
    {
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false });
        var token = await MinuteChartTests.TokenAsync(sim);
        const string path = "/uapi/domestic-stock/v1/trading/inquire-period-profit";

        var (status, reply) = await SendAsync(sim, token, HttpMethod.Get, path + "?CANO=50123456", "TTTC8708R", null);

        Assert.Equal((HttpStatusCode.NotFound, "1", "OPSQ0002"), (status, reply.GetProperty("rt_cd").GetString(), reply.GetProperty("msg_cd").GetString()));
        Assert.Contains($"GET {path} is not simulated", reply.GetProperty("msg1").GetString());
    }
}
