using System.Buffers;
using Kis.Realtime.Benchmarks;
using Kis.Realtime.Formatting;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// Issue 73, item 5: one recording's bytes received at another hour. <see cref="BacktestRecording.Write"/>'s day (KRX
/// trades and books stamped from 09:00 KST on Monday 2026-11-23, received as they were stamped), every line's receive
/// time moved so the first is received at <see cref="Receipts"/>' time; the messages are the same bytes.
/// </summary>
internal static class MarketTimeRecording
{
    /// <summary>The recording's own first receive time (09:00 KST, as its first stamp).</summary>
    public static readonly DateTimeOffset Original = new(2026, 11, 23, 9, 0, 0, KoreaTime.Offset);

    /// <summary>When the shifted copies are first received: before KRX's pre-open, in the session, after the close, and on a Sunday
    /// afternoon (KST).</summary>
    public static readonly TheoryData<string> Receipts = ["2026-11-23T07:00:00+09:00", "2026-11-23T10:00:00+09:00", "2026-11-23T16:00:00+09:00",
        "2026-11-22T16:03:00+09:00"];

    /// <summary>Writes the original day (<paramref name="trades"/> trades) into <paramref name="original"/> and a copy first
    /// received at <paramref name="firstReceived"/> into <paramref name="shifted"/>; returns the copy's raw.log.</summary>
    public static string WriteShifted(string original, string shifted, int trades, DateTimeOffset firstReceived)
    {
        BacktestRecording.Write(original, trades);
        var shift = firstReceived - Original;
        var scratch = new ArrayBufferWriter<byte>(4096);
        using (var copy = new SyntheticRecording(shifted))
            foreach (var line in File.ReadAllLines(BacktestRecording.RawLog(original)))
            {
                if (line.Length == 0) continue;
                var message = RawMessageLine.Parse(System.Text.Encoding.UTF8.GetBytes(line), scratch, out var receivedAt);
                copy.Add(receivedAt!.Value + shift, message);
            }
        return RawLog(shifted, firstReceived);
    }

    /// <summary>The raw.log of a copy first received at <paramref name="firstReceived"/> (its receive day's file).</summary>
    public static string RawLog(string directory, DateTimeOffset firstReceived)
        => Path.Combine(directory, KoreaTime.DateOf(firstReceived).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), "raw.log");

    public static DateTimeOffset Parse(string receipt) => DateTimeOffset.Parse(receipt, System.Globalization.CultureInfo.InvariantCulture);
}
