using System.Text.Json;
using Kis.Realtime.Protocol;
using static Kis.Realtime.Tests.Protocol.DocumentedFrames;

namespace Kis.Realtime.Tests.Protocol;

public class ControlMessageTests
{
    [Fact]
    public void Success_reply_carries_code_and_cipher_key()
    {
        var json = """{"header":{"tr_id":"H0UPCNT0","tr_key":"0001","encrypt":"N"},"body":{"rt_cd":"0","msg_cd":"OPSP0000","msg1":"SUBSCRIBE """ +
            """SUCCESS","output":{"iv":"0123456789abcdef","key":"abcdefghijklmnopabcdefghijklmnop"}}}""";
        Assert.True(ControlMessage.TryParse(Utf8(json), out var m));
        Assert.Equal(ControlMessageKind.Reply, m.Kind);
        Assert.True(m.IsSuccess);
        Assert.Equal(OpspCode.SubscribeSuccess, m.Code);
        Assert.Equal("H0UPCNT0", m.TrId);
        Assert.Equal("0001", m.TrKey);
        Assert.Equal("N", m.Encrypt);
        Assert.Equal("0123456789abcdef", m.Iv);
        Assert.Equal("abcdefghijklmnopabcdefghijklmnop", m.Key);
        Assert.DoesNotContain(m.Key!, m.ToString());
    }

    [Theory]
    [InlineData("""{"header":{"tr_id":"(null)","tr_key":"","encrypt":"N"},"body":{"rt_cd":"9","msg_cd":"OPSP8996","msg1":"ALREADY IN USE appkey"}}""",
        OpspCode.AppKeyInUse, null, null, "9")]
    [InlineData("""{"body":{"rt_cd":"1","msg_cd":"OPSP0011","msg1":"invalid approval : 062f61cb-c756-4b8f-9fab-92113c6fbea4"}}""", OpspCode.InvalidApproval,
        null, null, "1")]
    [InlineData("""{"header":{"tr_id":"H0STASP0","tr_key":"005930","encrypt":"N"},"body":{"rt_cd":"1","msg_cd":"OPSP0011","msg1":"invalid appkey : NOT """ +
        """FOUND"}}""", OpspCode.InvalidApproval, "H0STASP0", "005930", "1")]
    [InlineData("""{"body":{"rt_cd":"1","msg_cd":"OPSP0003","msg1":"UNSUBSCRIBE ERROR(not found!)"}}""", OpspCode.UnsubscribeNotFound, null, null, "1")]
    [InlineData("""{"header":{"tr_id":"(null)"},"body":{"rt_cd":"9","msg_cd":"OPSP0017","msg1":"ERROR : htsid가잘못되었습니다"}}""", OpspCode.InvalidHtsId, null, null,
        "9")]
    public void Live_server_error_replies_parse_with_their_quirks(string json, OpspCode code, string? trId, string? trKey, string rtCd)
    {
        Assert.True(ControlMessage.TryParse(Utf8(json), out var m));
        Assert.Equal(ControlMessageKind.Reply, m.Kind);
        Assert.False(m.IsSuccess);
        Assert.Equal(code, m.Code);
        Assert.Equal(trId, m.TrId);
        Assert.Equal(trKey, m.TrKey);
        Assert.Equal(rtCd, m.RtCd);
        Assert.False(m.HasCipherKey);
        Assert.DoesNotContain("062f61cb-c756-4b8f-9fab-92113c6fbea4", m.ToString()); // an echoed approval key is masked
    }

    [Fact]
    public void Pingpong_is_recognised()
    {
        Assert.True(ControlMessage.TryParse(Utf8("""{"header":{"tr_id":"PINGPONG","datetime":"20261121093000"}}"""), out var m));
        Assert.Equal(ControlMessageKind.PingPong, m.Kind);
        Assert.Equal("20261121093000", m.DateTime);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("[1,2]")]
    [InlineData("not json")]
    [InlineData("{\"header\":")]
    [InlineData("")]
    public void Malformed_json_is_rejected_without_exception(string json)
        => Assert.False(ControlMessage.TryParse(Utf8(json), out _));

    [Fact]
    public void Unknown_shapes_and_odd_value_types_are_tolerated()
    {
        Assert.True(ControlMessage.TryParse(Utf8("""{"x":[1,{"y":2}],"body":{"rt_cd":0,"msg_cd":"OPSP0000","output":null}}"""), out var m));
        Assert.Equal("0", m.RtCd);
        Assert.True(m.IsSuccess);
        Assert.True(ControlMessage.TryParse(Utf8("""{"hello":"world"}"""), out var other));
        Assert.Equal(ControlMessageKind.Other, other.Kind);
    }

    [Fact]
    public void Every_opsp_code_round_trips_through_its_wire_form()
    {
        Assert.Equal(29, OpspCodes.All.Count);
        foreach (var code in OpspCodes.All)
        {
            Assert.True(OpspCodes.TryParse(code.ToMsgCd(), out var parsed));
            Assert.Equal(code, parsed);
            Assert.False(string.IsNullOrEmpty(code.DefaultMessage()));
        }
        Assert.Equal("OPSP8996", OpspCode.AppKeyInUse.ToMsgCd());
        Assert.False(OpspCodes.TryParse("OPSPxxxx", out _));
        Assert.False(OpspCodes.TryParse("EGW00123", out _));
        Assert.True(OpspCode.MciSendFailed.IsTransient());
        Assert.False(OpspCode.MaxSubscribeOver.IsTransient());
    }

    [Fact]
    public void Subscribe_request_has_kis_shape()
    {
        var bytes = SubscriptionRequest.ToBytes("approval-123", CustomerType.Personal, RequestType.Subscribe, "H0UPCNT0", "0001");
        using var doc = JsonDocument.Parse(bytes);
        var header = doc.RootElement.GetProperty("header");
        Assert.Equal("approval-123", header.GetProperty("approval_key").GetString());
        Assert.Equal("P", header.GetProperty("custtype").GetString());
        Assert.Equal("1", header.GetProperty("tr_type").GetString());
        Assert.Equal("utf-8", header.GetProperty("content-type").GetString());
        var input = doc.RootElement.GetProperty("body").GetProperty("input");
        Assert.Equal("H0UPCNT0", input.GetProperty("tr_id").GetString());
        Assert.Equal("0001", input.GetProperty("tr_key").GetString());

        var release = SubscriptionRequest.ToBytes("k", CustomerType.Corporate, RequestType.Unsubscribe, "H0IFCNI0", "abcd1234");
        using var doc2 = JsonDocument.Parse(release);
        Assert.Equal("2", doc2.RootElement.GetProperty("header").GetProperty("tr_type").GetString());
        Assert.Equal("B", doc2.RootElement.GetProperty("header").GetProperty("custtype").GetString());
    }
}
