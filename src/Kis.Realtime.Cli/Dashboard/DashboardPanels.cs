using Kis.Realtime.Cli.Dashboard.Panels;

namespace Kis.Realtime.Cli.Dashboard;

/// <summary>The panels the records feed (the health and subscriptions panels are created with the client).</summary>
internal sealed class DashboardPanels
{
    public IndexPanel Index { get; } = new();
    public ProgramPanel Program { get; } = new();
    public NoticePanel Notices { get; } = new();
    public TapePanel Tape { get; } = new();
    public BookPanel Book { get; } = new();
    public CandlePanel Candles { get; } = new();

    public IEnumerable<Panel> All => [Index, Program, Notices, Tape, Book, Candles];
}
