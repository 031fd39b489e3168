using System.Text.RegularExpressions;
using Kis.Realtime.Gateway;

namespace Kis.Realtime.Tests.Gateway;

public class RequestGuardTests
{
    [Theory]
    [InlineData("amq.gen-JzTY20BRgKO-HjmUJj0wLg", true)]
    [InlineData("amq.rabbitmq.reply-to.g1h2AA5yZXBseUA2ODQ5NDY4NQAAAB8AAAAAZ+Ve3A==.Ckz+bQuEKXQfIxsQ6UXGvQ==", true)]
    [InlineData("kis.H0UPCNT0", false)]
    [InlineData("kis.requests", false)]
    [InlineData("amq.gen-", false)]
    [InlineData("amq.gen-a b", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Only_a_queue_the_broker_names_for_its_requester_is_a_reply_queue(string? replyTo, bool valid)
        => Assert.Equal(valid, RequestGuard.IsReplyQueue(replyTo));

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
