using System.Text.Json;
using Kis.Realtime.Gateway.Wire;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// What a taking-over run announces per key from the previous run's checkpoint and its read of the streams (issue 61:
/// at the open's burst a whole-market read back could not find illiquid keys within its bound, so a kill's gaps were
/// announced as of unknown extent). The forward read now starts where the checkpoint's confirms end, so a key it does
/// not meet ends where the checkpoint says.
/// </summary>
public sealed class PreviousRunTests
{
    private const string Tr = "H0STCNT0";
    private static readonly HashSet<string> NoTrs = new(StringComparer.Ordinal);

    private static GatewayCheckpoint Checkpoint(long? confirmedThrough, params GatewayCheckpointKey[] keys) =>
        new("run-b", 1_000_000, 5_000_000, [], keys) { ConfirmedThrough = confirmedThrough };

    private static StreamTails Tails(bool covered, params (string Key, StreamTailRecord Record)[] found) =>
        new(found.ToDictionary(f => (Tr, f.Key), f => f.Record), NoTrs, 0, covered ? new HashSet<string>([Tr], StringComparer.Ordinal) : NoTrs);

    private static JsonElement Announce(PreviousRun previous, string key) =>
        JsonDocument.Parse(previous.AnnouncementOf(Tr, key)).RootElement;

    [Fact]
    public void A_key_the_covering_read_did_not_meet_ends_where_the_checkpoint_says()
    {
        var previous = new PreviousRun(Checkpoint(4_000_000, new GatewayCheckpointKey(Tr, "005930", 41, 3_900_000)), "run-c", 6_000_000,
            Tails(covered: true));

        var announcement = Announce(previous, "005930");

        Assert.Equal(41, announcement.GetProperty("previous_stream_seq").GetInt64());
        Assert.Equal("run-b", announcement.GetProperty("previous_stream_run").GetString());
        Assert.False(announcement.TryGetProperty("previous_stream_unknown", out _));
    }

    [Fact]
    public void Without_a_covering_read_the_same_key_is_a_gap_of_unknown_extent()
    {
        var previous = new PreviousRun(Checkpoint(4_000_000, new GatewayCheckpointKey(Tr, "005930", 41, 3_900_000)), "run-c", 6_000_000,
            Tails(covered: false));

        var announcement = Announce(previous, "005930");

        Assert.True(announcement.GetProperty("previous_stream_unknown").GetBoolean());
        Assert.False(announcement.TryGetProperty("previous_stream_seq", out _));
        Assert.Equal(41, announcement.GetProperty("previous_seq").GetInt64()); // the checkpoint's confirmed record, a lower bound
    }

    [Fact]
    public void A_record_the_read_found_wins_over_the_checkpoint()
    {
        var previous = new PreviousRun(Checkpoint(4_000_000, new GatewayCheckpointKey(Tr, "005930", 41, 3_900_000)), "run-c", 6_000_000,
            Tails(covered: true, ("005930", new StreamTailRecord(44, 4_200_000, "run-b"))));

        Assert.Equal(44, Announce(previous, "005930").GetProperty("previous_stream_seq").GetInt64());
    }

    [Fact]
    public void A_found_record_below_the_checkpoints_own_confirm_is_a_gap_of_unknown_extent_never_a_wrong_seq()
    {
        // Issue 72, finding 4: a read that ended before the stream's end (key 000270: found 1426, checkpoint 3191, the
        // stream held 1-3796) was announced as the key's last record. The checkpoint proves the stream holds 3191.
        var previous = new PreviousRun(Checkpoint(4_000_000, new GatewayCheckpointKey(Tr, "000270", 3191, 3_900_000)), "run-c", 6_000_000,
            Tails(covered: true, ("000270", new StreamTailRecord(1426, 2_100_000, "run-b"))));

        var announcement = Announce(previous, "000270");

        Assert.False(announcement.TryGetProperty("previous_stream_seq", out _), announcement.ToString());
        Assert.True(announcement.GetProperty("previous_stream_unknown").GetBoolean());
        Assert.Equal(3191, announcement.GetProperty("previous_seq").GetInt64()); // the checkpoint's confirm: a lower bound
        Assert.Equal((null, false), previous.OnStream(Tr, "000270"));
    }

    [Fact]
    public void A_found_record_of_an_earlier_run_than_the_checkpoints_confirm_is_unknown_too()
    {
        // The read met only an earlier run's record of the key, though the checkpoint confirms a later run's on the stream.
        var previous = new PreviousRun(Checkpoint(4_000_000, new GatewayCheckpointKey(Tr, "000270", 12, 3_900_000)), "run-c", 6_000_000,
            Tails(covered: true, ("000270", new StreamTailRecord(900, 1_000_000, "run-a"))));
        Assert.Equal((null, false), previous.OnStream(Tr, "000270"));

        // A carried-on record (run a's 17, from run b's start) and a read that found run a's 12: short as well.
        var carried = new GatewayCheckpointKey(Tr, "000660", 17, 2_000_000) { Run = "run-a" };
        var shortRead = new PreviousRun(Checkpoint(4_000_000, carried), "run-c", 6_000_000,
            Tails(covered: true, ("000660", new StreamTailRecord(12, 1_900_000, "run-a"))));
        Assert.Equal((null, false), shortRead.OnStream(Tr, "000660"));
    }

    [Fact]
    public void A_found_record_of_a_later_run_than_the_checkpoint_stands()
    {
        // A run after the checkpoint's published the key and died before its own first checkpoint: its record is the last.
        var previous = new PreviousRun(Checkpoint(4_000_000, new GatewayCheckpointKey(Tr, "000270", 3191, 3_900_000)), "run-c", 6_000_000,
            Tails(covered: true, ("000270", new StreamTailRecord(5, 9_000_000, "run-x"))));
        Assert.Equal((new StreamTailRecord(5, 9_000_000, "run-x"), true), previous.OnStream(Tr, "000270"));
    }

    [Fact]
    public void A_record_carried_on_from_an_earlier_run_is_stated_as_that_runs_and_not_as_the_previous_runs_confirm()
    {
        // Run b held the key without a record of its own: its checkpoint carries run a's last record on.
        var carried = new GatewayCheckpointKey(Tr, "000660", 17, 2_000_000) { Run = "run-a" };
        var none = new GatewayCheckpointKey(Tr, "035720", 0, 0) { Run = "run-a" }; // run a's start found none on the stream
        var previous = new PreviousRun(Checkpoint(4_000_000, carried, none), "run-c", 6_000_000, Tails(covered: true));

        var announcement = Announce(previous, "000660");
        Assert.Equal(17, announcement.GetProperty("previous_stream_seq").GetInt64());
        Assert.Equal("run-a", announcement.GetProperty("previous_stream_run").GetString());
        Assert.False(announcement.TryGetProperty("previous_seq", out _));

        var empty = Announce(previous, "035720");
        Assert.False(empty.TryGetProperty("previous_stream_seq", out _));
        Assert.False(empty.TryGetProperty("previous_stream_unknown", out _));
        Assert.Equal((null, true), previous.OnStream(Tr, "035720"));
    }

    [Fact]
    public void A_checkpoint_before_confirmed_through_never_counts_as_covered()
    {
        // A writer without the field: the read starts at its checkpoint, which says nothing of the records it had not confirmed.
        var previous = new PreviousRun(Checkpoint(null, new GatewayCheckpointKey(Tr, "005930", 41, 3_900_000)), "run-c", 6_000_000,
            Tails(covered: false));

        Assert.Equal((null, false), previous.OnStream(Tr, "005930"));
    }

    [Fact]
    public void The_checkpoint_field_and_a_carried_runs_name_travel_in_the_json()
    {
        var checkpoint = Checkpoint(4_000_000, new GatewayCheckpointKey(Tr, "005930", 3, 1) { Run = "run-a" });
        var json = GatewayJson.Serialize(checkpoint);
        var back = GatewayJson.Deserialize<GatewayCheckpoint>(json)!;

        Assert.Equal(4_000_000, back.ConfirmedThrough);
        Assert.Equal("run-a", Assert.Single(back.Keys).Run);
        Assert.Contains("\"confirmed_through\":4000000", System.Text.Encoding.UTF8.GetString(json), StringComparison.Ordinal);
    }
}
