using System.Globalization;
using System.Text;
using Kis.Realtime.Benchmarks;
using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Gateway.Wire;
using RabbitMQ.Client;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// <c>kisrt gateway audit</c>'s reading of a stream message: headers a foreign or broken publisher wrote (a record count far
/// beyond the body, a receive time outside any real day) are counted malformed, never sized into memory or thrown out of the audit.
/// </summary>
public sealed class GatewayAuditDecoderTests
{
    private const string Tr = "H0STCNT0";
    private static readonly long Morning = GatewayWire.ToUnixMicroseconds(new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.FromHours(9)));
    private static readonly long Until = Morning + 3_600_000_000L;

    private static byte[] Trade(long accumulated)
    {
        var fields = Encoding.ASCII.GetString(SyntheticRecording.Record(KisTrs.H0STCNT0, "005930", 1)).Split('^');
        for (var i = 0; i < fields.Length; i++)
            if (KisTrs.H0STCNT0.Fields[i].Type == Kis.Realtime.Protocol.FieldType.Date) fields[i] = "20261124";
        fields[KisTrs.H0STCNT0.IndexOf("cntg_vol")] = "10";
        fields[KisTrs.H0STCNT0.IndexOf("acml_vol")] = accumulated.ToString(CultureInfo.InvariantCulture);
        return Encoding.ASCII.GetBytes(string.Join('^', fields));
    }

    private static BasicProperties Single(long seq, long receivedAt, long? count = null, string? offsets = null)
    {
        var headers = new Dictionary<string, object?>
        {
            [GatewayWire.TrKeyHeader] = "005930", [GatewayWire.RunHeader] = "a", [GatewayWire.SequenceHeader] = seq,
            [GatewayWire.ReceivedAtHeader] = receivedAt,
        };
        if (count is { } c) headers[GatewayWire.CountHeader] = c;
        if (offsets is not null) headers[GatewayWire.ReceivedOffsetsHeader] = offsets;
        return new BasicProperties { Headers = headers };
    }

    [Fact]
    public void A_record_count_far_beyond_the_body_is_malformed_before_anything_is_sized_by_it()
    {
        var audit = new GatewayStreamAudit(Tr);

        Assert.True(GatewayAuditDecoder.Take(audit, Single(1, Morning, count: int.MaxValue), Trade(10), Until));
        Assert.True(GatewayAuditDecoder.Take(audit, Single(1, Morning, count: long.MaxValue), Trade(10), Until));

        Assert.Equal((2L, 0L), (audit.Counts.Malformed, audit.Counts.Records));
    }

    [Theory]
    [InlineData(-70_000_000_000_000_000L, null)] // year -250: no DateTimeOffset holds it
    [InlineData(0L, null)] // 1970: no KIS session
    [InlineData(long.MinValue, null)]
    [InlineData(4_200_000_000_000_000L, null)] // year 2103
    [InlineData(null, "0,9223372036854775000")] // the offset overflows the message's time
    [InlineData(null, "0,-70000000000000000")]
    public void A_receive_time_outside_any_real_day_is_malformed_and_never_thrown(long? receivedAt, string? offsets)
    {
        var audit = new GatewayStreamAudit(Tr);
        Assert.True(GatewayAuditDecoder.Take(audit, Single(1, Morning), Trade(10), Until)); // a trade the next is checked against

        var hostile = offsets is null ? Single(2, receivedAt!.Value) : Single(2, Morning, count: 2, offsets: offsets);
        var body = offsets is null ? Trade(20) : [.. Trade(20), GatewayWire.RecordSeparator, .. Trade(30)];
        Assert.True(GatewayAuditDecoder.Take(audit, hostile, body, Until));

        Assert.Equal((1L, 1L), (audit.Counts.Malformed, audit.Counts.Records));
    }
}
