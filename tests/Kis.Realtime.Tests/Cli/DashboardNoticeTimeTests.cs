using System.Text.Json;
using Kis.Realtime.Cli.Dashboard.Panels;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// The dashboard's notices panel gives every futures/options notice its time, as it does a stock notice's. Failed
/// before: an accepted, amended or cancelled H0IFCNI0 order showed an empty time cell (only fills and refusals had one),
/// so the built-in simulator's own notices on a first `kisrt dashboard` read as undated.
/// </summary>
public sealed class DashboardNoticeTimeTests
{
    [Theory]
    [InlineData(NoticeKind.OrderAccepted, "accepted")]
    [InlineData(NoticeKind.AmendAccepted, "amended")]
    [InlineData(NoticeKind.CancelAccepted, "cancelled")]
    [InlineData(NoticeKind.Fill, "fill")]
    [InlineData(NoticeKind.Rejected, "rejected")]
    public void A_futures_notice_row_has_its_time_whatever_its_kind(NoticeKind kind, string shown)
    {
        var notices = new NoticePanel();
        notices.Add("H0IFCNI0", new FuturesOptionsNotice
        {
            CustomerId = "simuser01", AccountNumber = "5012345603", OrderNumber = "0000001087", OriginalOrderNumber = "",
            ProductCode = "101W09", OrderKindCode = "", Side = OrderSide.Buy, Kind = kind, Quantity = 2, Price = 352.5m, Time = new TimeOnly(9, 0, 3),
            NoticeTypeCode = kind == NoticeKind.Fill ? "2" : "1", BranchNumber = "00950", AccountName = "", ProductName = "",
            OrderCondition = "", OrderGroup = "", OrderGroupSequence = "", OrderQuantityField = 2,
        });

        var row = JsonDocument.Parse(notices.Publish(snapshotWanted: false).Delta!).RootElement.GetProperty("rows")[0];
        Assert.Equal(["09:00:03", shown], row.EnumerateArray().Take(2).Select(cell => cell.GetString()));
    }
}
