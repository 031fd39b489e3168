using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Trading;

namespace Kis.Realtime.Simulator.Notices;

/// <summary>
/// One HTS ID's notices of the paper venue's orders (H0STCNI0/9 for stocks, H0IFCNI0/9 for futures and options), from
/// the stream's creation on: an event stream (<see cref="MarketStream.IsEventDriven"/>), sent as each happens, whatever
/// the market's hours (a pre-open order's acceptance, a day order's expiry after the close). The layout is the
/// market's notice layout (<see cref="NoticeStream.WriteOrderEvent"/>); the venue knows nothing of it.
/// </summary>
internal sealed class VenueNoticeStream : MarketStream
{
    private readonly PaperVenue _venue;
    private readonly NoticeStream _layout;
    private readonly string _htsId;
    private readonly bool _derivative;
    private int _position;

    public VenueNoticeStream(Random random, TrDefinition tr, string htsId, SimulatedMarket market, PaperVenue venue) : base(random)
    {
        _venue = venue;
        _htsId = htsId;
        _derivative = !tr.Id.StartsWith("H0STCNI", StringComparison.Ordinal);
        _layout = new NoticeStream(random, tr, htsId, market.Master, market, market.Clock.Now().Date);
        _position = venue.NoticeCount;
    }

    public override int MaxRecordBytes => _layout.MaxRecordBytes;

    public override bool IsEventDriven => true;

    /// <summary>Only when an order of this HTS ID did something (asking also ends the venue's sessions that are over).</summary>
    public override bool HasRecordAt(DateTime now) => _venue.HasNotice(_htsId, _derivative, _position, now);

    public override void WriteRecord(ref RecordWriter writer, int secondsOfDay)
    {
        var n = _venue.NextNotice(_htsId, _derivative, ref _position)!;
        var kind = n.Kind switch
        {
            PaperNoticeKind.Filled => OrderEventKind.Filled,
            PaperNoticeKind.Amended => OrderEventKind.Amended,
            PaperNoticeKind.Cancelled => OrderEventKind.Cancelled,
            PaperNoticeKind.Refused => OrderEventKind.Refused,
            _ => OrderEventKind.Accepted,
        };
        _layout.WriteOrderEvent(ref writer, new OrderEvent(kind, n.Account, n.Number, n.Original, n.Code, n.Buy, n.Quantity, n.Price,
            n.OrderQuantity, n.FilledSoFar, n.OrderPrice, n.At, n.IsMarket));
    }
}
