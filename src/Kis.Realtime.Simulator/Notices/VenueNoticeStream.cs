using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Trading;

namespace Kis.Realtime.Simulator.Notices;

/// <summary>
/// One subscription's notices of an HTS ID's paper orders (H0STCNI0/9 for stocks, H0IFCNI0/9 for futures and options),
/// from the subscription on (its own place in the venue's log: every subscription gets every notice): an event stream
/// (<see cref="MarketStream.IsEventDriven"/>), sent as each happens, whatever the market's hours (a pre-open order's
/// acceptance, a day order's expiry after the close). The layout is the market's notice layout
/// (<see cref="NoticeStream.WriteOrderEvent"/>, the one notice writer <see cref="OrderNotices"/>); the venue knows nothing of it.
/// </summary>
internal sealed class VenueNoticeStream : MarketStream
{
    private readonly PaperVenue _venue;
    private readonly NoticeStream _layout;
    private readonly NoticeReader _reader;

    public VenueNoticeStream(Random random, TrDefinition tr, string htsId, SimulatedMarket market, PaperVenue venue) : base(random)
    {
        _venue = venue;
        _layout = new NoticeStream(random, tr, htsId, market.Master, market, market.Clock.Now().Date);
        _reader = venue.OpenNotices(htsId, derivative: !tr.Id.StartsWith("H0STCNI", StringComparison.Ordinal));
    }

    public override int MaxRecordBytes => _layout.MaxRecordBytes;

    public override bool IsEventDriven => true;

    /// <summary>Only when an order of this HTS ID did something (asking also ends the venue's sessions that are over).</summary>
    public override bool HasRecordAt(DateTime now) => _venue.HasNotice(_reader, now);

    public override void WriteRecord(ref RecordWriter writer, int secondsOfDay)
    {
        var n = _venue.NextNotice(_reader)!;
        _layout.WriteOrderEvent(ref writer, n.Event, n.Account);
    }
}
