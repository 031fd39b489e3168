using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Microsoft.Extensions.Logging.Abstractions;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// One broker user must not be able to take the KIS registrations every other user needs (issue 30, item 2): the app
/// key allows 41, a released registration lingers 30 s counted for nobody, so a user subscribing and unsubscribing in a
/// loop kept them all and everyone else got <c>limit</c>. Against the simulator, the broker side played by the test.
/// </summary>
public sealed class RegistrationFairnessTests
{
    private static readonly GatewayIdentity Mallory = new("mallory", "churn");
    private static readonly GatewayIdentity Alice = new("alice", "dashboard");

    private static string Key(int i) => (2000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_user_churning_over_every_key_cannot_make_another_users_subscribe_fail()
    {
        await using var fixture = await Fixture.StartAsync(o => o with { Linger = TimeSpan.FromMinutes(10) });
        var registrations = fixture.Registrations;

        // Mallory subscribes and releases 41 keys, one after the other: each lingers, counted today for nobody.
        var refused = 0;
        for (var i = 0; i < 41; i++)
        {
            try
            {
                await registrations.SubscribeAsync(Mallory, KisTrs.IndexTicks, Key(i), CancellationToken.None).WaitAsync(TestTimeout);
                Assert.True(registrations.Unsubscribe(Mallory, KisTrs.IndexTicks.Id, Key(i)));
            }
            catch (GatewayRefusalException e) when (e.Error == "quota")
            {
                refused++;
            }
        }
        // Her lingering registrations count against her share: half the app key's 41 by default.
        Assert.Equal(41 - 20, refused);

        // Alice still gets a key, and a second and third.
        for (var i = 0; i < 3; i++)
            await registrations.SubscribeAsync(Alice, KisTrs.IndexTicks, Key(100 + i), CancellationToken.None).WaitAsync(TestTimeout);
        Assert.Equal(3, registrations.Snapshot(out _).Count(r => r.State == "active"));
    }

    [Fact]
    public async Task A_sixth_user_arriving_when_five_under_their_share_hold_every_registration_gets_an_equal_share()
    {
        // The documented share (20 of 41 per user) let five users each under it take every registration: the sixth got
        // `limit` for as long as they renewed. Max-min fairness: the share shrinks as users arrive, to 41/6 here.
        await using var fixture = await Fixture.StartAsync(o => o);
        var registrations = fixture.Registrations;
        var users = Enumerable.Range(0, 6).Select(u => new GatewayIdentity("user" + u, "app")).ToArray();
        var next = 0;
        var keysOf = users.ToDictionary(u => u.User!, _ => new List<string>());
        for (var u = 0; u < 5; u++)
        {
            for (var k = 0; k < (u == 0 ? 9 : 8); k++)
            {
                var key = Key(next++);
                await registrations.SubscribeAsync(users[u], KisTrs.IndexTicks, key, CancellationToken.None).WaitAsync(TestTimeout);
                keysOf[users[u].User!].Add(key);
            }
        }
        Assert.Equal(41, registrations.Snapshot(out _).Count);

        // The newcomer asks for seven: each time the user holding the most yields its newest, until all hold 7 and it 6.
        var granted = 0;
        for (var k = 0; k < 7; k++)
        {
            try
            {
                await registrations.SubscribeAsync(users[5], KisTrs.IndexTicks, Key(100 + k), CancellationToken.None).WaitAsync(TestTimeout);
                granted++;
            }
            catch (KisSubscriptionLimitException)
            {
                // its seventh: nobody holds more than it would with it
            }
        }
        Assert.Equal(6, granted);
        Assert.Equal(6, registrations.Yielded);
        var held = users.Select(u => registrations.Renew(u).Count).ToArray();
        Assert.Equal([7, 7, 7, 7, 7, 6], held);
        // Who yielded what: user0 its ninth and eighth (newest first), users 1-4 their eighth.
        Assert.Equal(keysOf["user0"].Take(7), registrations.Renew(users[0]).Select(h => h.Split('.')[^1]).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(keysOf["user1"][7], string.Join(",", registrations.Renew(users[1])));

        // The equal split holds: a user that lost a key and asks for it again is not over anyone's share.
        await Assert.ThrowsAsync<KisSubscriptionLimitException>(() =>
            registrations.SubscribeAsync(users[0], KisTrs.IndexTicks, keysOf["user0"][8], CancellationToken.None).WaitAsync(TestTimeout));
        Assert.Equal(6, registrations.Yielded);
    }

    [Fact]
    public async Task With_every_registration_lingering_a_new_key_takes_the_place_of_the_oldest()
    {
        // A share of the whole key: one user may leave all 41 lingering, and a newcomer must still be served.
        await using var fixture = await Fixture.StartAsync(o => o with { Linger = TimeSpan.FromMinutes(10), MaxRegistrationShare = 1.0 });
        var registrations = fixture.Registrations;
        for (var i = 0; i < 41; i++)
        {
            await registrations.SubscribeAsync(Mallory, KisTrs.IndexTicks, Key(i), CancellationToken.None).WaitAsync(TestTimeout);
            Assert.True(registrations.Unsubscribe(Mallory, KisTrs.IndexTicks.Id, Key(i)));
        }

        await registrations.SubscribeAsync(Alice, KisTrs.IndexTicks, Key(100), CancellationToken.None).WaitAsync(TestTimeout);

        var table = registrations.Snapshot(out _);
        Assert.Equal(41, table.Count);
        Assert.DoesNotContain(table, r => r.Key == Key(0)); // the first released, evicted
        Assert.Contains(table, r => r.Key == Key(100) && r.State == "active");
        Assert.Equal(1, registrations.Evicted);
    }

    [Fact]
    public async Task Active_claims_of_one_user_are_bounded_by_the_share_and_the_rest_is_left_to_others()
    {
        await using var fixture = await Fixture.StartAsync(o => o with { MaxRegistrationShare = 0.25 });
        var registrations = fixture.Registrations;
        var held = 0;
        for (var i = 0; i < 41; i++)
        {
            try
            {
                await registrations.SubscribeAsync(Mallory, KisTrs.IndexTicks, Key(i), CancellationToken.None).WaitAsync(TestTimeout);
                held++;
            }
            catch (GatewayRefusalException e)
            {
                Assert.Equal("quota", e.Error);
                Assert.Contains("share", e.Message);
            }
        }
        Assert.Equal(10, held); // 41 × 0.25
        // A key Mallory holds already costs her nothing more under another consumer id of hers; a key someone else
        // holds counts against her share, as it would stay registered for her alone if they left.
        await registrations.SubscribeAsync(Mallory with { Consumer = "second" }, KisTrs.IndexTicks, Key(0), CancellationToken.None).WaitAsync(TestTimeout);
        await registrations.SubscribeAsync(Alice, KisTrs.IndexTicks, Key(50), CancellationToken.None).WaitAsync(TestTimeout);
        var error = await Assert.ThrowsAsync<GatewayRefusalException>(
            () => registrations.SubscribeAsync(Mallory, KisTrs.IndexTicks, Key(50), CancellationToken.None));
        Assert.Equal("quota", error.Error);
        // Releasing one makes room again once its linger ends or another user takes it up.
        Assert.True(registrations.Unsubscribe(Mallory, KisTrs.IndexTicks.Id, Key(1)));
        await registrations.SubscribeAsync(Alice, KisTrs.IndexTicks, Key(1), CancellationToken.None).WaitAsync(TestTimeout);
        await registrations.SubscribeAsync(Mallory, KisTrs.IndexTicks, Key(50), CancellationToken.None).WaitAsync(TestTimeout);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.1)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    public void A_share_outside_0_to_1_is_refused(double share)
    {
        var options = KisGatewayOptions.Default with { MaxRegistrationShare = share };
        Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
    }

    private sealed class Fixture : IAsyncDisposable
    {
        private readonly KisSimulator _sim;
        private readonly KisRealtimeClient _client;
        private readonly RecordPublisher _publisher;

        private Fixture(KisSimulator sim, KisRealtimeClient client, RecordPublisher publisher, RegistrationManager registrations)
        {
            _sim = sim;
            _client = client;
            _publisher = publisher;
            Registrations = registrations;
        }

        public RegistrationManager Registrations { get; }

        public static async Task<Fixture> StartAsync(Func<KisGatewayOptions, KisGatewayOptions> configure)
        {
            var sim = await StartSimAsync();
            var options = configure(KisGatewayOptions.Default with { Client = Options(sim) });
            options.Validate();
            var client = new KisRealtimeClient(options.Client);
            var publisher = new RecordPublisher(options, new StreamTopology(options), NullLogger.Instance);
            var registrations = new RegistrationManager(client, publisher, (tr, _) => Task.FromResult("test." + tr), options, "run1", NullLogger.Instance);
            return new Fixture(sim, client, publisher, registrations);
        }

        public async ValueTask DisposeAsync()
        {
            await Registrations.DisposeAsync();
            await _publisher.DisposeAsync();
            await _client.DisposeAsync();
            await _sim.DisposeAsync();
        }
    }
}
