using System.Security.Cryptography;
using System.Text;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Simulator;

public sealed class NoticeTests
{
    [Fact]
    public async Task Notices_are_encrypted_with_the_session_key_and_decrypt_with_an_independent_aes()
    {
        await using var sim = await Sim.StartAsync(o => o with { RandomNotices = true, Pace = MarketPace.FlatOut });
        await using var c = await Sim.ClientAsync(sim);
        var reply = await c.RequestAsync("H0IFCNI0", SimulatorOptions.DefaultHtsId);
        Assert.Equal(OpspCode.SubscribeSuccess, reply.Code);
        Assert.Equal("Y", reply.Encrypt);
        Assert.Equal(16, reply.Iv!.Length);
        Assert.Equal(32, reply.Key!.Length);

        using var aes = Aes.Create();
        aes.Key = Encoding.UTF8.GetBytes(reply.Key);
        var kinds = new HashSet<NoticeKind>();
        for (var i = 0; i < 200 && kinds.Count < 5; i++)
        {
            var frame = (await c.NextDataAsync("H0IFCNI0")).Data;
            var text = Encoding.ASCII.GetString(frame);
            Assert.StartsWith("1|H0IFCNI0|001|", text);
            var plain = aes.DecryptCbc(Convert.FromBase64String(text[15..]), Encoding.UTF8.GetBytes(reply.Iv), PaddingMode.PKCS7);
            Assert.True(FuturesOptionsNotice.TryDecode(KisTrs.FuturesOptionsNotices, plain, out var n, out var err), err.ToString());
            Assert.Equal(SimulatorOptions.DefaultHtsId, n.CustomerId);
            var fields = Encoding.UTF8.GetString(plain).Split('^');
            Assert.Equal(22, fields.Length);
            Assert.Matches("^[0-9]{10}$", fields[8]); // cntg_qty zero-padded
            Assert.Matches("^[0-9]{9}$", fields[9]);  // price: 9 digits, 2 implied decimals
            Assert.Matches("^[0-9]{9}$", fields[21]);
            Assert.Matches("^[0-9]{10}$", fields[2]);
            kinds.Add(n.Kind);
            switch (n.Kind)
            {
                case NoticeKind.Fill:
                    Assert.Equal("2", n.NoticeTypeCode);
                    Assert.True(n.FillQuantity > 0 && n.FillQuantity <= n.OrderQuantity);
                    break;
                case NoticeKind.AmendAccepted:
                case NoticeKind.CancelAccepted:
                    Assert.NotEqual("", n.OriginalOrderNumber);
                    break;
            }
        }
        Assert.Equal(5, kinds.Count); // fills, acceptances, amends, cancels and rejects all occur
    }

    [Fact]
    public async Task Every_notice_is_distinct_even_when_many_fall_in_one_second()
    {
        // A clock that stands still: every notice has the same time, the hardest case for telling fills apart.
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 23, 0, 30, 0, TimeSpan.Zero));
        await using var sim = await Sim.StartAsync(o => o with { RandomNotices = true, TimeProvider = clock, Pace = MarketPace.FlatOut });
        await using var c = await Sim.ClientAsync(sim);
        await c.SubscribeAsync("H0IFCNI0", SimulatorOptions.DefaultHtsId);
        using var session = new SessionRecords();
        await session.ReadUntilAsync(c, r => r.Count("H0IFCNI0") >= 3000);
        var notices = session.Of("H0IFCNI0").ToList();
        Assert.Equal(notices.Count, notices.Distinct().Count());
        Assert.Contains(notices, n => n.Split('^')[6] == "0"); // fills are among them
    }

    [Fact]
    public async Task Library_frame_decoder_decrypts_with_the_reply_keys()
    {
        await using var sim = await Sim.StartAsync(o => o with { RandomNotices = true, Pace = MarketPace.FlatOut });
        await using var c = await Sim.ClientAsync(sim);
        var reply = await c.RequestAsync("H0IFCNI0", SimulatorOptions.DefaultHtsId);
        using var decoder = new FrameDecoder();
        Assert.True(decoder.Learn(reply));
        var frame = (await c.NextDataAsync("H0IFCNI0")).Data;
        Assert.True(DataFrame.TryParse(frame, out var f, out _));
        Assert.True(decoder.TryOpen(f, out _, out var records, out var err), err.ToString());
        Assert.True(records.TryNext(out var r));
        Assert.True(FuturesOptionsNotice.TryDecode(KisTrs.FuturesOptionsNotices, r, out _, out err), err.ToString());
    }

    [Fact]
    public async Task Keys_are_fresh_per_session()
    {
        await using var sim = await Sim.StartAsync(o => o
            with { RandomNotices = true, AcceptAnyHtsId = true, Credentials = [new("K1aaaaaaaa", "S1", "a"), new("K2bbbbbbbb", "S2", "b")] });
        await using var c1 = await SimTestClient.ConnectAsync(sim, "/", await sim.IssueApprovalKeyAsync("K1aaaaaaaa", "S1"));
        await using var c2 = await SimTestClient.ConnectAsync(sim, "/", await sim.IssueApprovalKeyAsync("K2bbbbbbbb", "S2"));
        var r1 = await c1.RequestAsync("H0UPCNT0", "0001");
        var r1b = await c1.RequestAsync("H0IFCNI0", "anyone");
        var r2 = await c2.RequestAsync("H0UPCNT0", "0001");
        Assert.Equal(r1.Key, r1b.Key); // one key per session, every TR
        Assert.NotEqual(r1.Key, r2.Key);
        Assert.NotEqual(r1.Iv, r2.Iv);
    }

    [Fact]
    public async Task Paper_profile_offers_only_H0IFCNI9()
    {
        await using var sim = await Sim.StartAsync(o => o with { RandomNotices = true, Profile = SimulatorProfile.Paper, Pace = MarketPace.FlatOut });
        await using var c = await Sim.ClientAsync(sim);
        Assert.Equal(OpspCode.InvalidTrId, (await c.RequestAsync("H0IFCNI0", SimulatorOptions.DefaultHtsId)).Code);
        Assert.Equal(OpspCode.InvalidTrId, (await c.RequestAsync("H0UPCNT0", "0001")).Code);
        var reply = await c.RequestAsync("H0IFCNI9", SimulatorOptions.DefaultHtsId);
        Assert.Equal(OpspCode.SubscribeSuccess, reply.Code);
        using var decoder = new FrameDecoder();
        decoder.Learn(reply);
        var frame = (await c.NextDataAsync("H0IFCNI9")).Data;
        Assert.True(DataFrame.TryParse(frame, out var f, out _));
        Assert.True(f.Encrypted);
        Assert.True(decoder.TryOpen(f, out var tr, out _, out var err), err.ToString());
        Assert.Equal(KisTrs.FuturesOptionsNoticesPaper, tr);
    }
}
