using System.Text.Json;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Simulator;
using static Kis.Realtime.Tests.Simulator.PaperVenueTests;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// Issue 42, item 4's last clause: `kisrt sim` takes several app keys, each owning its accounts from the start. Failed
/// before: the command line had one key, and an account belonged to whichever key used it first.
/// </summary>
public sealed class SimAccountsTests
{
    private const string KeyA = "PSsimKisRealtimeAccountAKey000000000", SecretA = "secret-of-key-a";
    private const string KeyB = "PSsimKisRealtimeAccountBKey000000000", SecretB = "secret-of-key-b";

    [Fact]
    public async Task Two_keys_on_the_command_line_each_trade_their_own_account_and_are_refused_on_the_other_s()
    {
        var options = SimCommand.OptionsFrom(SimCommand.Create().Parse(
        [
            "--account", $"{KeyA}:{SecretA}:50123456-01:alice01",
            "--account", $"{KeyB}:{SecretB}:70000001-01",
            "--no-state", // a test's venue starts a new day: never the user's state file
        ]));
        await using var sim = await KisSimulator.StartAsync(options with { DriveRestingOrders = false });
        var a = sim.Options.Credentials.Single(c => c.AppKey == KeyA);
        var b = sim.Options.Credentials.Single(c => c.AppKey == KeyB);
        Assert.Equal(("alice01", "simuser02"), (a.HtsId, b.HtsId));
        var tokenA = await PaperVenueMoneyTests.TokenAsync(sim, a);
        var tokenB = await PaperVenueMoneyTests.TokenAsync(sim, b);
        var bid = sim.Hub.Market.StockBookForOrders("005930").Touch().Bid;

        // B calls first on A's account: refused, not a claim (first use would have made it B's).
        var bOnA = await Order(b, tokenB, "50123456");
        var aOnA = await Order(a, tokenA, "50123456");
        var bOnB = await Order(b, tokenB, "70000001");
        var aOnB = await Order(a, tokenA, "70000001");

        Assert.Equal(("1", "OPSQ2000"), Code(bOnA));
        Assert.Equal("0", Code(aOnA).Item1);
        Assert.Equal("0", Code(bOnB).Item1);
        Assert.Equal(("1", "OPSQ2000"), Code(aOnB));
        Assert.Single(sim.Hub.Venue.View("5012345601").Orders);
        Assert.Single(sim.Hub.Venue.View("7000000101").Orders);

        Task<JsonElement> Order(SimulatorCredential credential, string token, string account)
            => PaperVenueMoneyTests.SendAsAsync(sim, credential, token, HttpMethod.Post, OrderEndpointsPaths.Cash, "TTTC0012U",
                JsonSerializer.Serialize(Buy(bid, 1, account, "005930")));
    }

    [Fact]
    public void A_bare_account_is_the_main_key_s_and_one_key_may_own_several()
    {
        var options = SimCommand.OptionsFrom(SimCommand.Create().Parse(
            ["--app-key", KeyA, "--app-secret", SecretA, "--account", "50123456", "--account", $"{KeyB}:{SecretB}:70000001-01", "--account",
                $"{KeyB}:{SecretB}:7000000201"]));
        Assert.Equal(["50123456"], options.Credentials.Single(c => c.AppKey == KeyA).Accounts);
        Assert.Equal(["70000001-01", "7000000201"], options.Credentials.Single(c => c.AppKey == KeyB).Accounts);
    }

    [Theory]
    [InlineData("5012345A-01", "'5012345A-01' is not an account number (12345678-01, 1234567801 or 12345678).")]
    [InlineData("K:S", "--account takes ACCOUNT (the --app-key's) or KEY:SECRET:ACCOUNT[:HTSID], not 2 ':'-separated parts.")]
    [InlineData("PSsimKisRealtimeDefaultAppKey0000000:other-secret:70000001-01",
        "app key PSsimKisRealtimeDefaultAppKey0000000 is given with two different secrets.")]
    public void A_bad_account_is_a_usage_error_in_the_option_s_words(string account, string expected)
    {
        var error = Assert.Throws<CliUsageException>(() => SimCommand.OptionsFrom(SimCommand.Create().Parse(["--account", account])));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("other-secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_account_given_to_two_keys_is_a_usage_error()
    {
        var error = Assert.Throws<CliUsageException>(() => SimCommand.OptionsFrom(SimCommand.Create().Parse(
            ["--account", "50123456", "--account", $"{KeyB}:{SecretB}:50123456-01"])));
        Assert.Contains("given to two app keys", error.Message, StringComparison.Ordinal);
    }

    private static (string?, string?) Code(JsonElement reply) => (reply.GetProperty("rt_cd").GetString(), reply.GetProperty("msg_cd").GetString());
}
