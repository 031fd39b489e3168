using System.Text;
using System.Threading.Channels;
using Kis.Realtime.Cli.Dashboard.Panels;

namespace Kis.Realtime.Cli.Dashboard;

/// <summary>
/// Sends the panels to every open page as server-sent events, coalesced: every <see cref="Interval"/> (200 ms) each
/// panel that changed sends one delta, so a panel updates at most five times a second however fast records arrive,
/// and every panel's delta of a round arrives together, so the page lays out and paints once per round (measured:
/// the page's cost is mostly per frame — layout, paint, layerisation — not per event or per record); a
/// page that just connected gets a snapshot of every panel first. A page that cannot keep up (its queue of
/// <see cref="PageQueueCapacity"/> events is full) is disconnected rather than sent a gap; its EventSource reconnects
/// and starts again from a snapshot. So memory stays bounded on the server whatever the pages do.
/// </summary>
/// <param name="panels">Every panel, in the order their events go out.</param>
/// <param name="sample">Called once a second before the panels publish (the health panel reads its counters and CPU); may be null.</param>
/// <param name="time">The clock of the rounds.</param>
internal sealed class DashboardPublisher(IReadOnlyList<Panel> panels, Action? sample, TimeProvider time)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);
    public const int PageQueueCapacity = 256;
    private const int HealthEveryTicks = 5; // once a second: CPU and rates need a window

    /// <summary>One open page.</summary>
    public sealed class Page
    {
        internal Channel<byte[]> Queue { get; } = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(PageQueueCapacity)
        {
            SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait,
        });
        internal bool Synced { get; set; }
        public ChannelReader<byte[]> Events => Queue.Reader;
    }

    private readonly Lock _gate = new();
    private readonly List<Page> _pages = [];
    private long _ticks;

    public int PageCount { get { lock (_gate) return _pages.Count; } }

    public Page Open()
    {
        var page = new Page();
        lock (_gate) _pages.Add(page);
        return page;
    }

    public void Close(Page page)
    {
        lock (_gate) _pages.Remove(page);
        page.Queue.Writer.TryComplete();
    }

    public async Task RunAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop)) Tick();
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            lock (_gate)
            {
                foreach (var page in _pages) page.Queue.Writer.TryComplete();
                _pages.Clear();
            }
        }
    }

    /// <summary>One round: sample health once a second, then send each panel's delta (and snapshots to new pages).</summary>
    internal void Tick()
    {
        if (_ticks++ % HealthEveryTicks == 0) sample?.Invoke();
        Page[] pages;
        lock (_gate) pages = [.. _pages];
        var anyNew = pages.Any(p => !p.Synced);
        foreach (var panel in panels)
        {
            var (delta, snapshot) = panel.Publish(anyNew);
            var deltaEvent = delta is null ? null : Frame(panel.Name, delta);
            var snapshotEvent = snapshot is null ? null : Frame(panel.Name, snapshot);
            foreach (var page in pages)
            {
                var e = page.Synced ? deltaEvent : snapshotEvent;
                if (e is not null && !page.Queue.Writer.TryWrite(e)) Close(page); // too slow: reconnects to a snapshot
            }
        }
        foreach (var page in pages) page.Synced = true;
    }

    private static byte[] Frame(string name, byte[] json)
    {
        // JSON from Utf8JsonWriter has no raw newlines, so it is one SSE data line.
        var head = Encoding.UTF8.GetBytes($"event: {name}\ndata: ");
        var frame = new byte[head.Length + json.Length + 2];
        head.CopyTo(frame, 0);
        json.CopyTo(frame, head.Length);
        frame[^2] = (byte)'\n';
        frame[^1] = (byte)'\n';
        return frame;
    }
}
