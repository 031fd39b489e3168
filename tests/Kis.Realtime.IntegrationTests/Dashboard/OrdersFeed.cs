using System.Text;
using System.Text.Json;
using Kis.Realtime.Cli.Dashboard;

namespace Kis.Realtime.Tests.Dashboard;

/// <summary>
/// The notices panel's orders table as a page receives it: a page opened on the dashboard's publisher, its snapshot then
/// its deltas applied as dashboard.js applies them (a delta without "orders" leaves the table as it was).
/// </summary>
internal sealed class OrdersFeed : IAsyncDisposable
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(45); // generous: the machine running CI is shared

    private readonly DashboardPublisher _publisher;
    private readonly DashboardPublisher.Page _page;
    private readonly Task _reading;
    private readonly Lock _gate = new();
    private Dictionary<string, string[]> _rows = new(StringComparer.Ordinal);
    private List<string> _order = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public OrdersFeed(DashboardPublisher publisher)
    {
        _publisher = publisher;
        _page = publisher.Open();
        _reading = Task.Run(ReadAsync);
    }

    /// <summary>The order numbers as the table lists them (newest first).</summary>
    public IReadOnlyList<string> Order { get { lock (_gate) return [.. _order]; } }

    /// <summary>Orders the table dropped to stay within its capacity.</summary>
    public long Dropped { get; private set; }

    private async Task ReadAsync()
    {
        await foreach (var frame in _page.Events.ReadAllAsync())
        {
            var lines = Encoding.UTF8.GetString(frame).Split('\n');
            if (lines[0] != "event: notices") continue;
            using var json = JsonDocument.Parse(lines[1]["data: ".Length..]);
            if (!json.RootElement.TryGetProperty("orders", out var orders)) continue;
            var rows = orders.GetProperty("rows").EnumerateArray().Select(r => r.EnumerateArray().Select(c => c.GetString()!).ToArray()).ToList();
            TaskCompletionSource changed;
            lock (_gate)
            {
                _rows = rows.ToDictionary(r => r[1], StringComparer.Ordinal); // [updated, order, …]
                _order = [.. rows.Select(r => r[1])];
                Dropped = orders.GetProperty("dropped").GetInt64();
                changed = _changed;
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            changed.TrySetResult();
        }
    }

    /// <summary>The table (order number → cells) once <paramref name="condition"/> holds for it.</summary>
    public async Task<IReadOnlyDictionary<string,
        string[]>> WaitAsync(Func<IReadOnlyDictionary<string, string[]>, bool> condition, string what, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? DefaultWait);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (condition(_rows)) return _rows;
                changed = _changed.Task;
            }
            if (_reading.IsCompleted) throw new InvalidOperationException($"the page was closed while waiting for {what}", _reading.Exception);
            try
            {
                await Task.WhenAny(changed, _reading).WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                lock (_gate) throw new TimeoutException(
                    $"Timed out waiting for {what}; the table: {string.Join(" | ", _order.Select(o => string.Join(",", _rows[o])))}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _publisher.Close(_page);
        await _reading;
    }
}
