using System.Net.WebSockets;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>Every OPSP row a server can produce, provoked by a request (or, for server-internal errors, by the fault hook).</summary>
public sealed class OpspReplyTests
{
    private static string Request(string approvalKey, string trId = "H0UPCNT0", string trKey = "0001", string trType = "1", string custType = "P")
        => $$$$"""{"header":{"approval_key":"{{{{approvalKey}}}}","custtype":"{{{{custType}}}}","tr_type":"{{{{trType}}}}","content-type":"utf-8"},"bod""" +
            $$$$"""y":{"input":{"tr_id":"{{{{trId}}}}","tr_key":"{{{{trKey}}}}"}}}""";

    private static async Task<WsReceived> SendRawAsync(SimTestClient c, string text)
    {
        await c.SendTextAsync(text);
        return await c.NextAsync(m => m.IsControl && !m.Text.Contains("PINGPONG"));
    }

    public static TheoryData<string, string> JsonErrors(string k) => new()
    {
        { "not json at all", "OPSP9999" },
        { "[1,2]", "OPSP9999" },
        { """{"body":{"input":{"tr_id":"H0UPCNT0","tr_key":"0001"}}}""", "OPSP9998" },
        { $$$$"""{"header":{"approval_key":"{{{{k}}}}","custtype":"P","tr_type":"1"}}""", "OPSP9992" },
        { $$$$"""{"header":{"approval_key":"{{{{k}}}}","custtype":"P","tr_type":"1"},"body":{}}""", "OPSP9991" },
        { $$$$"""{"header":{"approval_key":"{{{{k}}}}","custtype":"P","tr_type":"1"},"body":{"input":{"tr_id":"H0UPCNT0"}}}""", "OPSP9990" },
        { $$$$"""{"header":{"approval_key":"{{{{k}}}}","custtype":"P","tr_type":"1"},"body":{"input":{"tr_id":"H0UPCNT0","tr_key":1}}}""", "OPSP8993" },
        { $$$$"""{"header":{"approval_key":"{{{{k}}}}","custtype":"P","tr_type":"3"},"body":{"input":{"tr_id":"H0UPCNT0","tr_key":"0001"}}}""", "OPSP8997" },
        { $$$$"""{"header":{"approval_key":"{{{{k}}}}","custtype":"P"},"body":{"input":{"tr_id":"H0UPCNT0","tr_key":"0001"}}}""", "OPSP8997" },
        { $$$$"""{"header":{"approval_key":"{{{{k}}}}","tr_type":"1"},"body":{"input":{"tr_id":"H0UPCNT0","tr_key":"0001"}}}""", "OPSP9997" },
        { $$$$"""{"header":{"approval_key":"{{{{k}}}}","custtype":"X","tr_type":"1"},"body":{"input":{"tr_id":"H0UPCNT0","tr_key":"0001"}}}""", "OPSP8998" },
    };

    [Fact]
    public async Task Json_errors_are_checked_in_the_servers_order()
    {
        await using var sim = await Sim.StartAsync();
        await using var c = await Sim.ClientAsync(sim);
        foreach (var row in JsonErrors(c.ApprovalKey!))
        {
            var (text, code) = ((string)row[0], (string)row[1]);
            var m = await SendRawAsync(c, text);
            var body = m.Json.GetProperty("body");
            Assert.True(code == body.GetProperty("msg_cd").GetString(), $"{text} → {m.Text}");
            Assert.Equal("9", body.GetProperty("rt_cd").GetString());
            Assert.Equal("(null)", m.Json.GetProperty("header").GetProperty("tr_id").GetString());
            Assert.StartsWith("JSON PARSING ERROR", body.GetProperty("msg1").GetString());
        }
        Assert.Equal(WebSocketState.Open, c.State); // errors never end the session
    }

    [Fact]
    public async Task Success_reply_has_KIS_shape_with_iv_and_key_for_every_TR()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        await using var c = await Sim.ClientAsync(sim, "/tryitout/H0UPCNT0");
        var m = await SendRawAsync(c, Request(c.ApprovalKey!));
        Assert.Matches("""^\{"header":\{"tr_id":"H0UPCNT0","tr_key":"0001","encrypt":"N"\},"body":\{"rt_cd":"0","msg_cd":"OPSP0000","msg1":"SUBSCRIBE """ +
            """SUCCESS","output":\{"iv":"[A-Za-z0-9]{16}","key":"[A-Za-z0-9]{32}"\}\}\}$""", m.Text);
        m = await SendRawAsync(c, Request(c.ApprovalKey!, trType: "2"));
        Assert.Equal("OPSP0001", m.Json.GetProperty("body").GetProperty("msg_cd").GetString());
        Assert.Equal("0", m.Json.GetProperty("body").GetProperty("rt_cd").GetString());
        Assert.Equal("UNSUBSCRIBE SUCCESS", m.Json.GetProperty("body").GetProperty("msg1").GetString());
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/tryitout")]
    [InlineData("/tryitout/H0IFCNI0")]
    [InlineData("//tryitout")]
    [InlineData("/anything/else")]
    public async Task Any_path_accepts_sessions_as_KIS_ignores_it(string path)
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        await using var c = await Sim.ClientAsync(sim, path);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0UPCNT0", "0001")).Code);
    }

    [Fact]
    public async Task Unknown_or_missing_approval_key_gets_OPSP0011_without_header()
    {
        await using var sim = await Sim.StartAsync();
        await using var c = await SimTestClient.ConnectAsync(sim);
        var m = await SendRawAsync(c, Request("062f61cb-c756-4b8f-9fab-92113c6fbea4"));
        Assert.Matches("""^\{"body":\{"rt_cd":"1","msg_cd":"OPSP0011","msg1":"invalid approval : [^"]+"\}\}$""", m.Text);
        Assert.DoesNotContain("92113c6fbea4", m.Text[..^4]); // the key is masked, not echoed whole
        m = await SendRawAsync(c, Request(""));
        Assert.Equal("""{"body":{"rt_cd":"1","msg_cd":"OPSP0011","msg1":"invalid approval : NOT FOUND"}}""", m.Text);
    }

    [Fact]
    public async Task Expired_approval_keys_get_OPSP0011_on_the_next_subscribe()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        await using var c = await Sim.ClientAsync(sim);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0UPCNT0", "0001")).Code);
        Assert.Equal(1, await sim.Faults.ExpireApprovalKeys());
        var reply = await c.RequestAsync("H0UPCNT0", "1001");
        Assert.Equal(OpspCode.InvalidApproval, reply.Code);
        Assert.Null(reply.TrId);
        c.ApprovalKey = await sim.IssueApprovalKeyAsync(); // reissue once, as a client should
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0UPCNT0", "1001")).Code);
    }

    [Fact]
    public async Task A_live_session_older_than_its_approval_key_still_releases_but_cannot_subscribe()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 21, 0, 30, 0, TimeSpan.Zero));
        await using var sim = await Sim.StartAsync(o => o with { TimeProvider = clock, Pace = MarketPace.Off, PingInterval = TimeSpan.FromDays(30) });
        await using var c = await Sim.ClientAsync(sim);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0UPCNT0", "0001")).Code);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0UPCNT0", "1001")).Code);
        clock.Advance(TimeSpan.FromHours(25)); // the key is past its 24 h; the session is still up

        Assert.Equal(OpspCode.UnsubscribeSuccess, (await c.RequestAsync("H0UPCNT0", "0001", trType: "2")).Code);
        Assert.Equal(OpspCode.InvalidApproval, (await c.RequestAsync("H0UPCNT0", "2001")).Code);
        await sim.Faults.ExpireApprovalKeys(); // forgotten keys alike
        Assert.Equal(OpspCode.UnsubscribeSuccess, (await c.RequestAsync("H0UPCNT0", "1001", trType: "2")).Code);
        Assert.Equal(2, sim.Counters.Replies("OPSP0001"));
    }

    [Fact]
    public async Task The_first_request_of_a_session_is_checked_even_when_it_is_a_release()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        await using var c = await SimTestClient.ConnectAsync(sim, "/", "unknown-approval-key");
        Assert.Equal(OpspCode.InvalidApproval, (await c.RequestAsync("H0UPCNT0", "0001", trType: "2")).Code);
        Assert.Equal("", sim.Sessions.Single().AppKey); // not bound
    }

    [Fact]
    public async Task Approval_keys_expire_after_their_lifetime()
    {
        await using var sim = await Sim.StartAsync(o => o with { ApprovalKeyLifetime = TimeSpan.FromTicks(1) });
        await using var c = await Sim.ClientAsync(sim);
        Assert.Equal(OpspCode.InvalidApproval, (await c.RequestAsync("H0UPCNT0", "0001")).Code);
    }

    [Theory]
    [InlineData("H0XXXXX0", "0001")]
    [InlineData("H0STCNI9", "simuser01")] // a paper-server TR the real server does not offer
    [InlineData("PINGPONX", "0001")]
    public async Task Unknown_tr_id_gets_OPSP8991(string trId, string key)
    {
        await using var sim = await Sim.StartAsync();
        await using var c = await Sim.ClientAsync(sim);
        var m = await SendRawAsync(c, Request(c.ApprovalKey!, trId, key));
        Assert.Equal($$$$"""{"header":{"tr_id":"{{{{trId}}}}","tr_key":"{{{{key}}}}","encrypt":"N"},"body":{"rt_cd":"1","msg_cd":"OPSP8991","msg1":"SUBSCRI""" +
            $$$$"""BE ERROR : invalid tr_id"}}""", m.Text);
    }

    [Theory]
    [InlineData("H0UPCNT0", "12345")]
    [InlineData("H0UPCNT0", "")]
    [InlineData("H0BJCNT0", "005930")]
    [InlineData("H0NXPGM0", "KR103502GD31")]
    [InlineData("H0IFCNI0", "bad id!")]
    public async Task Malformed_tr_key_gets_OPSP8992(string trId, string key)
    {
        await using var sim = await Sim.StartAsync();
        await using var c = await Sim.ClientAsync(sim);
        var reply = await c.RequestAsync(trId, key);
        Assert.Equal(OpspCode.InvalidTrKey, reply.Code);
        Assert.Equal("1", reply.RtCd);
        Assert.Equal(trId, reply.TrId);
    }

    [Fact]
    public async Task Wrong_hts_id_gets_OPSP0017_with_rt_cd_9_and_null_tr_id()
    {
        await using var sim = await Sim.StartAsync();
        await using var c = await Sim.ClientAsync(sim);
        var m = await SendRawAsync(c, Request(c.ApprovalKey!, "H0IFCNI0", "someoneelse"));
        Assert.Equal("""{"header":{"tr_id":"(null)"},"body":{"rt_cd":"9","msg_cd":"OPSP0017","msg1":"ERROR : htsid가잘못되었습니다"}}""", m.Text);
    }

    [Fact]
    public async Task Any_hts_id_is_accepted_when_configured()
    {
        await using var sim = await Sim.StartAsync(o => o with { AcceptAnyHtsId = true });
        await using var c = await Sim.ClientAsync(sim);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0IFCNI0", "someoneelse")).Code);
    }

    [Fact]
    public async Task Already_subscribed_gets_OPSP0002_and_unknown_unsubscribe_OPSP0003_without_header()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        await using var c = await Sim.ClientAsync(sim);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0UPCNT0", "0001")).Code);
        var again = await c.RequestAsync("H0UPCNT0", "0001");
        Assert.Equal(OpspCode.AlreadySubscribed, again.Code);
        Assert.Equal("H0UPCNT0", again.TrId);
        Assert.Equal("0001", again.TrKey);
        var m = await SendRawAsync(c, Request(c.ApprovalKey!, "H0UPCNT0", "1001", trType: "2"));
        Assert.Equal("""{"body":{"rt_cd":"1","msg_cd":"OPSP0003","msg1":"UNSUBSCRIBE ERROR(not found!)"}}""", m.Text);
        Assert.Equal(OpspCode.UnsubscribeSuccess, (await c.RequestAsync("H0UPCNT0", "0001", "2")).Code);
        Assert.Equal(OpspCode.UnsubscribeNotFound, (await c.RequestAsync("H0UPCNT0", "0001", "2")).Code);
    }

    [Fact]
    public async Task The_42nd_registration_gets_OPSP0008_counting_all_TRs_together()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        await using var c = await Sim.ClientAsync(sim);
        for (var i = 0; i < 20; i++) Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0UPCNT0", $"{i:D4}")).Code);
        for (var i = 0; i < 20; i++) Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0UNPGM0", $"{i:D6}")).Code);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0IFCNI0", SimulatorOptions.DefaultHtsId)).Code);
        Assert.Equal(41, sim.Sessions.Single().Subscriptions.Count);
        var full = await c.RequestAsync("H0BJCNT0", "KR103502GD31");
        Assert.Equal(OpspCode.MaxSubscribeOver, full.Code);
        Assert.Equal("MAX SUBSCRIBE OVER", full.Msg1);
        // Releasing one makes room again.
        Assert.Equal(OpspCode.UnsubscribeSuccess, (await c.RequestAsync("H0UPCNT0", "0000", "2")).Code);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0BJCNT0", "KR103502GD31")).Code);
    }

    [Theory]
    [InlineData(OpspCode.SubscribeInternalError)]
    [InlineData(OpspCode.MciSendFailed)]
    [InlineData(OpspCode.InvalidAppKeyWarning)]
    [InlineData(OpspCode.JsonPersonalSecKeyNotFound)]
    [InlineData(OpspCode.JsonAppSecretNotFound)]
    [InlineData(OpspCode.ResourceNotAvailable)]
    [InlineData(OpspCode.JsonInternalError)]
    [InlineData(OpspCode.JsonInvalidAppKey)]
    [InlineData(OpspCode.JsonResourceNotAvailable)]
    [InlineData(OpspCode.JsonAppKey)]
    public async Task Server_internal_errors_are_provoked_through_the_fault_hook(OpspCode code)
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        await using var c = await Sim.ClientAsync(sim);
        sim.Faults.FailNextRequests(code);
        var reply = await c.RequestAsync("H0UPCNT0", "0001");
        Assert.Equal(code, reply.Code);
        Assert.Equal(code.DefaultMessage(), reply.Msg1);
        Assert.False(reply.IsSuccess);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0UPCNT0", "0001")).Code); // only the next one
        Assert.Equal(1, sim.Counters.Replies(code.ToMsgCd()));
    }

    [Fact]
    public async Task Second_session_for_the_same_app_key_gets_OPSP8996_and_is_closed()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        await using var first = await Sim.ClientAsync(sim);
        Assert.Equal(OpspCode.SubscribeSuccess, (await first.RequestAsync("H0UPCNT0", "0001")).Code);
        await using var second = await Sim.ClientAsync(sim);
        var m = await SendRawAsync(second, Request(second.ApprovalKey!));
        Assert.Equal("""{"header":{"tr_id":"(null)","tr_key":"","encrypt":"N"},"body":{"rt_cd":"9","msg_cd":"OPSP8996","msg1":"ALREADY IN USE appkey"}}""",
            m.Text);
        Assert.NotNull(await second.Closed.WaitAsync(SimTestClient.Timeout));
        Assert.Equal(1, sim.Counters.SessionsRefused);
        Assert.Equal(OpspCode.SubscribeSuccess, (await first.RequestAsync("H0UPCNT0", "1001")).Code); // the first is untouched
    }

    public enum EndKind { Close, Abort, PingTimeout }

    [Theory]
    [InlineData(EndKind.Close)]
    [InlineData(EndKind.Abort)]
    [InlineData(EndKind.PingTimeout)]
    public async Task The_app_key_slot_is_released_when_the_session_ends(EndKind how)
    {
        await using var sim = await Sim.StartAsync(o => o
            with { Pace = MarketPace.Off, PingInterval = TimeSpan.FromMilliseconds(how == EndKind.PingTimeout ? 200 : 100_000) });
        var first = await Sim.ClientAsync(sim, echo: false);
        Assert.Equal(OpspCode.SubscribeSuccess, (await first.RequestAsync("H0UPCNT0", "0001")).Code);
        switch (how)
        {
            case EndKind.Close: await first.CloseAsync(); break;
            case EndKind.Abort: await first.DisposeAsync(); break;
            case EndKind.PingTimeout: await first.Closed.WaitAsync(SimTestClient.Timeout); break;
        }
        await Sim.SessionsAsync(sim, s => s.Count == 0);
        await using var second = await Sim.ClientAsync(sim);
        Assert.Equal(OpspCode.SubscribeSuccess, (await second.RequestAsync("H0UPCNT0", "0001")).Code);
        await first.DisposeAsync();
    }

    [Fact]
    public async Task Refused_sessions_get_OPSP8996_until_turned_off()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        sim.Faults.RefuseNewSessions(true);
        await using (var c = await Sim.ClientAsync(sim))
        {
            var reply = await c.RequestAsync("H0UPCNT0", "0001");
            Assert.Equal(OpspCode.AppKeyInUse, reply.Code);
            Assert.Equal("9", reply.RtCd);
            await c.Closed.WaitAsync(SimTestClient.Timeout);
        }
        sim.Faults.RefuseNewSessions(false);
        await using var ok = await Sim.ClientAsync(sim);
        Assert.Equal(OpspCode.SubscribeSuccess, (await ok.RequestAsync("H0UPCNT0", "0001")).Code);
    }

    [Fact]
    public void Every_OPSP_row_is_covered_by_a_test_here()
    {
        // Rows provoked by requests above, plus the fault-hook theory: together they are the whole table.
        OpspCode[] provoked =
        [
            OpspCode.SubscribeSuccess, OpspCode.UnsubscribeSuccess, OpspCode.AlreadySubscribed, OpspCode.UnsubscribeNotFound,
            OpspCode.MaxSubscribeOver, OpspCode.InvalidApproval, OpspCode.InvalidHtsId, OpspCode.InvalidTrId, OpspCode.InvalidTrKey,
            OpspCode.JsonInvalidTrKey, OpspCode.AppKeyInUse, OpspCode.JsonInvalidTrType, OpspCode.JsonInvalidCustType,
            OpspCode.JsonTrKeyNotFound, OpspCode.JsonInputNotFound, OpspCode.JsonBodyNotFound, OpspCode.JsonCustTypeNotFound,
            OpspCode.JsonHeaderNotFound, OpspCode.JsonInvalidFormat,
            OpspCode.SubscribeInternalError, OpspCode.MciSendFailed, OpspCode.InvalidAppKeyWarning, OpspCode.JsonPersonalSecKeyNotFound,
            OpspCode.JsonAppSecretNotFound, OpspCode.ResourceNotAvailable, OpspCode.JsonInternalError, OpspCode.JsonInvalidAppKey,
            OpspCode.JsonResourceNotAvailable, OpspCode.JsonAppKey,
        ];
        Assert.Empty(OpspCodes.All.Except(provoked));
    }
}
