using Kis.Realtime.Cli.Dashboard.Panels;

namespace Kis.Realtime.Cli.Dashboard;

/// <summary>The panels the records feed (the health and subscriptions panels are created with the client).</summary>
internal sealed class DashboardPanels
{
    public IndexPanel Index { get; } = new();
    public ProgramPanel Program { get; } = new();
    public NoticePanel Notices { get; } = new();
    // The tape's trades give each stock its previous close, which the book's prices are coloured against.
    private readonly PreviousCloses _previousCloses = new();

    public DashboardPanels()
    {
        Tape = new TapePanel(_previousCloses);
        Book = new BookPanel(_previousCloses);
    }

    public TapePanel Tape { get; }
    public BookPanel Book { get; }
    public CandlePanel Candles { get; } = new();

    public IEnumerable<Panel> All => [Index, Program, Notices, Tape, Book, Candles];
}
