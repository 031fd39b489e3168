using System.Text;
using Kis.Realtime.Simulator.Backtest;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Trading.Core;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// The backtest's notice records byte for byte: the layout the simulator's venue sends (and a strategy's
/// <see cref="KisOrderBook"/> reads), as the fields joined with <c>^</c> made them before they were written straight into
/// bytes. The expected lines are that earlier writer's output (82403af) for the same arguments: every kind, a market
/// order, an HTS ID outside ASCII, numbers wider than their padding and negative, and the futures/options layout. Since
/// issue 55 (1c) they are the one notice writer's (<see cref="OrderNotices"/>), fed the venue core's events.
/// </summary>
public sealed class BacktestNoticesTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 0, 5, 7, TimeSpan.Zero); // 09:05:07 KST
    private const string Account = "5000000001", DerivativeAccount = "5000000003";

    /// <summary>An event as the earlier writer's arguments gave it (field 16 as the kind reads it: the order's quantity
    /// for a fill, else what was filled).</summary>
    private static OrderEvent Event(OrderEventKind kind, long number, long original, string code, bool buy, bool market, long quantity, long price,
        long field16, long orderPrice, DateTimeOffset at, bool derivative = false)
        => new(kind, number, original, code, buy, market, derivative, quantity, price, field16, field16, orderPrice, at.ToOffset(KoreaTime.Offset).DateTime);

    // A test's notices all go into one batch, as a venue's step writes them: each must read back whole.
    private readonly BacktestNoticeBatch _batch = new();

    private string Text(Action<BacktestNoticeBatch> write)
    {
        write(_batch);
        return Encoding.UTF8.GetString(_batch[_batch.Count - 1]);
    }

    [Fact]
    public void Stock_notices_are_the_simulators_26_fields()
    {
        Assert.Equal("backtest^5000000001^0000000012^^02^0^00^0^005930^0000000003^000071000^090507^0^1^1^00950^0000000000^backtest^0^1^N^^10^00000000^" +
            "005930^000071000",
            Text(b => BacktestNotices.Write(b,
                Event(OrderEventKind.Accepted, 12, 0, "005930", true, false, 3, 71000, 0, 71000, At), "backtest", Account)));
        Assert.Equal("홍길동^5000000001^0000000012^^01^0^01^0^005930^0000000001^000070900^152907^0^2^2^00950^0000000003^backtest^0^1^Y^^10^00000000^005930^" +
            "000000000",
            Text(b => BacktestNotices.Write(b,
                Event(OrderEventKind.Filled, 12, 0, "005930", false, true, 1, 70900, 3, 0, At.AddHours(6.4)), "홍길동", Account)));
        Assert.Equal("backtest^5000000001^0000000013^0000000012^02^1^00^0^005930^0000000002^000071100^090507^0^1^1^00950^0000000001^backtest^0^1^N^^10^" +
            "00000000^005930^000071000",
            Text(b => BacktestNotices.Write(b,
                Event(OrderEventKind.Amended, 13, 12, "005930", true, false, 2, 71100, 1, 71000, At), "backtest", Account)));
        Assert.Equal("backtest^5000000001^0000000014^0000000012^02^2^00^0^005930^12345678901^0000000-5^090507^0^1^1^00950^123456789012^backtest^0^1^N^^10^" +
            "00000000^005930^000071000",
            Text(b => BacktestNotices.Write(b,
                Event(OrderEventKind.Cancelled, 14, 12, "005930", true, false, 12345678901, -5, 123456789012, 71000, At), "backtest", Account)));
    }

    [Fact]
    public void Futures_options_notices_are_the_simulators_22_fields()
    {
        Assert.Equal("backtest^5000000003^0000000015^^01^0^0^101W12^0000000002^000035025^090507^0^2^2^00950^000000002^backtest^101W12^^^^000035000",
            Text(b => BacktestNotices.Write(b,
                Event(OrderEventKind.Filled, 15, 0, "101W12", false, false, 2, 35025, 2, 35000, At, derivative: true), "backtest", DerivativeAccount)));
        Assert.Equal("backtest^5000000003^0000000016^0000000015^02^2^L^201W12350^0000000001^000000125^090507^0^1^1^00950^000000000^backtest^201W12350^^^^" +
            "000000130",
            Text(b => BacktestNotices.Write(b,
                Event(OrderEventKind.Cancelled, 16, 15, "201W12350", true, false, 1, 125, 0, 130, At, derivative: true), "backtest", DerivativeAccount)));
        Assert.Equal(OrderNotices.DerivativeFields, Text(b => BacktestNotices.Write(b,
                Event(OrderEventKind.Accepted, 1, 0, "101W12", true, false, 1, 35000, 0, 35000, At, derivative: true), "backtest",
                    DerivativeAccount)).Split('^').Length);
    }

    [Theory]
    [InlineData(0L, 10)]
    [InlineData(7L, 10)]
    [InlineData(1234567890L, 10)]
    [InlineData(12345678901L, 10)]
    [InlineData(-5L, 9)]
    [InlineData(long.MinValue, 10)]
    [InlineData(long.MaxValue, 25)]
    public void Numbers_are_padded_as_PadLeft_pads_them(long value, int width) =>
        Assert.Equal(value.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(width, '0'), BacktestNotices.Pad(value, width));

    [Fact]
    public void A_long_hts_id_is_written_whole()
    {
        var first = Text(b => BacktestNotices.Write(b,
                Event(OrderEventKind.Accepted, 1, 0, "005930", true, false, 1, 71000, 0, 71000, At), "backtest", Account));
        var htsId = new string('가', 2000); // 6,000 bytes: past the batch's first buffer, which grows
        var record = Text(b => BacktestNotices.Write(b,
                Event(OrderEventKind.Accepted, 1, 0, "005930", true, false, 1, 71000, 0, 71000, At), htsId, Account));
        Assert.Equal(htsId, record.Split('^')[0]);
        Assert.Equal(26, record.Split('^').Length);
        Assert.Equal(first, Encoding.UTF8.GetString(_batch[0])); // the notice before it moved with the buffer
        Assert.Equal(2, _batch.Count);
    }
}
