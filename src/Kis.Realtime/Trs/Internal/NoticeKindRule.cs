namespace Kis.Realtime.Internal;

/// <summary>
/// KIS's one rule for what an order notice reports, shared by every notice TR (stock, futures/options, overseas): a
/// fill (each TR flags it its own way: the stock notices' cntg_yn 2, the futures/options notices' oder_kind2 0), else
/// the revision code (rctf_cls 1 amend, 2 cancel), else the refusal flag (rfus_yn 1 or Y), else an accepted order.
/// </summary>
internal static class NoticeKindRule
{
    public static NoticeKind Classify(bool fill, ReadOnlySpan<byte> revision, ReadOnlySpan<byte> rejected)
        => fill ? NoticeKind.Fill
            : revision.SequenceEqual("1"u8) ? NoticeKind.AmendAccepted
            : revision.SequenceEqual("2"u8) ? NoticeKind.CancelAccepted
            : IsYes(rejected) ? NoticeKind.Rejected
            : NoticeKind.OrderAccepted;

    /// <summary>A one-character flag that says yes: 1 or Y.</summary>
    public static bool IsYes(ReadOnlySpan<byte> code) => code.Length == 1 && code[0] is (byte)'1' or (byte)'Y';
}
