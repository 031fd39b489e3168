using System.Text.RegularExpressions;
using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Gateway;

namespace Kis.Realtime.Tests.Gateway;

public class RequestGuardTests
{
    [Theory]
    [InlineData("kis.reply.alice.4f1c0d2e9a6b4c0f8e2d1a3b5c7d9e0f", "alice", true)]
    [InlineData("amq.rabbitmq.reply-to.g1h2AA5yZXBseUA2ODQ5NDY4NQAAAB8AAAAAZ+Ve3A==.Ckz+bQuEKXQfIxsQ6UXGvQ==", "alice", true)]
    [InlineData("kis.reply.alice.4f1c0d2e", "mallory", false)] // another user's queue
    [InlineData("kis.reply.a.b.x", "a", false)] // user a.b's queue, not a's: the suffix has no dot
    [InlineData("kis.reply.a.b.x", "a.b", true)]
    [InlineData("kis.reply.alice.", "alice", false)]
    [InlineData("kis.reply.alice.x", null, false)] // no user-id: nobody's
    [InlineData("kis2.reply.alice.x", "alice", false)] // another namespace
    [InlineData("amq.gen-JzTY20BRgKO-HjmUJj0wLg", "alice", false)] // server-named: anyone with the management tag sees it
    [InlineData("kis.H0UPCNT0", "alice", false)]
    [InlineData("kis.requests", "alice", false)]
    [InlineData("amq.rabbitmq.reply-to.a b", "alice", false)]
    // Issue 58: only the form the broker issues; these fail RabbitMQ 3.10's decoder and it closes the publisher's connection.
    [InlineData("amq.rabbitmq.reply-to.AAAA.BBBB", "alice", false)]
    [InlineData("amq.rabbitmq.reply-to.g1h2AA5yZXBseUA2ODQ5NDY4NQAAAB8AAAAAZ+Ve3A==", "alice", false)] // no key
    [InlineData("amq.rabbitmq.reply-to.g1h2AA5yZXBseUA2ODQ5NDY4NQAAAB8AAAAAZ+Ve3A==.AAAA", "alice", false)] // a key of 3 bytes
    [InlineData("amq.rabbitmq.reply-to.g1h2AA5yZXBseUA2ODQ5NDY4NQAAAB8AAAAA.Ckz+bQuEKXQfIxsQ6UXGvQ==", "alice", false)] // pid cut short
    [InlineData("amq.rabbitmq.reply-to.g1h2AA5yZXBseUA2ODQ5NDY4NQAAAB8AAAAAZ+Ve3A==.Ckz+bQuEKXQfIxsQ6UXGvQ==.x", "alice", false)]
    [InlineData("amq.rabbitmq.reply-to.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.Ckz+bQuEKXQfIxsQ6UXGvQ==", "alice", false)] // not a pid term
    [InlineData("amq.rabbitmq.reply-to.g1h2AA1yZXBseUA5MjQ4ODg0AAAC1AAAAABrCTq9.IsghLz5tOdt2VbwvhuBLBQ==", "alice", true)] // as 3.10.8 issued it
    [InlineData("", "alice", false)]
    [InlineData(null, "alice", false)]
    public void Only_a_reply_queue_the_requesting_user_owns_gets_an_answer(string? replyTo, string? user, bool valid)
        => Assert.Equal(valid, RequestGuard.IsReplyQueueOf(replyTo, user, KisGatewayEndpoint.Default));

    [Fact]
    public void A_clients_reply_queue_is_named_for_its_user_and_owned_by_it()
    {
        var endpoint = KisGatewayEndpoint.Default with { AmqpUri = new Uri("amqp://team.a:pw@host/"), Namespace = "ns" };
        var queue = endpoint.NewReplyQueue();
        Assert.StartsWith("ns.reply.team.a.", queue, StringComparison.Ordinal);
        Assert.True(RequestGuard.IsReplyQueueOf(queue, "team.a", endpoint));
        Assert.False(RequestGuard.IsReplyQueueOf(queue, "team", endpoint));
    }

    [Fact]
    public void Logged_ids_are_bounded_and_printable()
    {
        var logged = RequestGuard.ForLog(new string('x', 1_000_000) + "\n");
        Assert.True(logged.Length < 100, logged);
        Assert.Equal("a?b", RequestGuard.ForLog("a\nb"));
    }

    [Fact]
    public void Every_TR_id_matches_the_stream_names_the_permission_script_grants()
    {
        // scripts/rabbitmq-users.sh grants the streams as {ns}\.[A-Z0-9]+: a TR id outside it would be unreadable.
        Assert.All(KisTrs.All, tr => Assert.Matches(new Regex("^[A-Z0-9]+$"), tr.Id));
    }

    [Fact]
    public void The_user_id_of_an_endpoint_is_its_uris_user()
    {
        Assert.Equal("guest", KisGatewayEndpoint.Default.UserName);
        Assert.Equal("a b", (KisGatewayEndpoint.Default with { AmqpUri = new Uri("amqp://a%20b:pw@host/") }).UserName);
    }
}
