using System.Text.Json;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Cli.Dashboard.Panels;
using Kis.Realtime.Cli.Output;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Cli.Dashboard;

/// <summary>Where a TR's records go on the page.</summary>
internal enum PanelKind { Index, Program, Notices, Tape, Book, Other }

/// <summary>
/// The dashboard's subscriptions, chosen on the command line and on the page: one pump per subscription feeding its
/// panel, and its state (pending, live, refused, failed) shown on the page. A refused subscription (for example a TR
/// the server does not offer, OPSP8991) stays listed with KIS's reason until it is removed; nothing crashes.
/// Also the "subscriptions" panel itself. With a <paramref name="observer"/> (reading through a gateway), records are
/// taken raw and decoded here, so the observer sees each one's receipt time (latency) and any decode failure.
/// </summary>
internal sealed class DashboardSubscriptions(IKisRealtimeClient client, CliSettings settings, DashboardPanels panels, IRecordObserver? observer = null)
    : Panel, IAsyncDisposable
{
    private sealed class Entry(int id, SubscriptionSpec spec, PanelKind panel)
    {
        public int Id { get; } = id;
        public SubscriptionSpec Spec { get; } = spec;
        public PanelKind Panel { get; } = panel;
        public CancellationTokenSource Stop { get; } = new();
        public Task Pump { get; set; } = Task.CompletedTask;
        public string State { get; set; } = "pending";   // under the panel's lock
        public string Message { get; set; } = "";        // under the panel's lock
        public long Records;                              // interlocked
        public long PublishedRecords = -1;                // under the panel's lock: the count the pages last got
        public KisRecord? Latest;                         // volatile: the other panel's last record, described when published
    }

    private readonly List<Entry> _entries = [];
    private int _nextId;
    private long _version, _published = -1;
    private long _publishedAt = long.MinValue;
    // Record counts alone go out once a second, and only the counts that moved (a refused or idle subscription is not
    // sent again and again); a change of the set or of a state sends the whole list on the next tick.
    private static readonly TimeSpan CountsEvery = TimeSpan.FromSeconds(1);

    public override string Name => "subscriptions";

    protected override bool HasChanges => _version != _published
        || ((_publishedAt == long.MinValue || Clock.GetElapsedTime(_publishedAt) >= CountsEvery) && _entries.Any(CountMoved));

    private static bool CountMoved(Entry e) => Interlocked.Read(ref e.Records) != e.PublishedRecords;

    public static PanelKind PanelOf(TrDefinition tr) =>
        IndexTick.Trs.Contains(tr) ? PanelKind.Index
        : ProgramTrade.Trs.Contains(tr) ? PanelKind.Program
        : FuturesOptionsNotice.Trs.Contains(tr) || StockNotice.Trs.Contains(tr) ? PanelKind.Notices
        : StockTrade.Trs.Contains(tr) ? PanelKind.Tape
        : StockOrderBook.Trs.Contains(tr) ? PanelKind.Book
        : PanelKind.Other;

    /// <summary>Parses <c>TR:KEY</c> as <c>--sub</c> does and subscribes; a usage error names what is wrong.</summary>
    public SubscriptionSpec Add(string text)
    {
        if (!SubscriptionSpec.TryParse(text.Trim(), settings.HtsId, settings.Environment, out var spec, out var error))
            throw new CliUsageException(error);
        if (!spec.Tr.IsOfferedOn(settings.Environment))
            throw new CliUsageException($"{spec.Tr.Id} is not offered on the {settings.Environment.ToString().ToLowerInvariant()} server.");
        Add(spec);
        return spec;
    }

    public void Add(SubscriptionSpec spec)
    {
        Entry entry;
        lock (Gate)
        {
            if (_entries.Any(e => e.Spec == spec)) return;
            entry = new Entry(++_nextId, spec, PanelOf(spec.Tr));
            _entries.Add(entry);
            _version++;
        }
        entry.Pump = Task.Run(() => PumpAsync(entry));
    }

    /// <summary>Ends a subscription (its registration is released) and forgets it. False if there is no such id.</summary>
    public async Task<bool> RemoveAsync(int id)
    {
        Entry? entry;
        lock (Gate) entry = _entries.FirstOrDefault(e => e.Id == id);
        if (entry is null) return false;
        await entry.Stop.CancelAsync();
        await entry.Pump;
        lock (Gate)
        {
            _entries.Remove(entry);
            _version++;
        }
        entry.Stop.Dispose();
        return true;
    }

    private void SetState(Entry entry, string state, string message = "")
    {
        lock (Gate)
        {
            entry.State = state;
            entry.Message = message;
            _version++;
        }
    }

    private void Arrived(Entry entry)
    {
        if (Interlocked.Increment(ref entry.Records) == 1) SetState(entry, "live");
    }

    private async Task PumpAsync(Entry entry)
    {
        var tr = entry.Spec.Tr;
        var key = entry.Spec.Key;
        var stop = entry.Stop.Token;
        try
        {
            switch (entry.Panel)
            {
                case PanelKind.Index:
                    await PumpAsync<IndexTick>(entry, r => panels.Index.Add(tr.Id, r));
                    break;
                case PanelKind.Program:
                    await PumpAsync<ProgramTrade>(entry, r => panels.Program.Add(tr.Id, r));
                    break;
                case PanelKind.Notices when StockNotice.Trs.Contains(tr):
                    await PumpAsync<StockNotice>(entry, r => panels.Notices.Add(tr.Id, r));
                    break;
                case PanelKind.Notices:
                    await PumpAsync<FuturesOptionsNotice>(entry, r => panels.Notices.Add(tr.Id, r));
                    break;
                case PanelKind.Tape:
                    await PumpAsync<StockTrade>(entry, r =>
                    {
                        panels.Tape.Add(r);
                        panels.Candles.Add(tr.Id, r); // the same trades, as 1-minute candles
                    });
                    break;
                case PanelKind.Book:
                    await PumpAsync<StockOrderBook>(entry, r => panels.Book.Add(tr.Id, r));
                    break;
                default:
                    await foreach (var r in client.SubscribeRecordsAsync(tr, key, stop))
                    {
                        observer?.Delivered(r);
                        Arrived(entry);
                        Volatile.Write(ref entry.Latest, r);
                    }
                    break;
            }
            SetState(entry, "ended", "the subscription ended (the client is closing)");
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            SetState(entry, "stopped");
        }
        catch (KisSubscriptionException e)
        {
            SetState(entry, "refused", e.Message);
        }
        catch (Exception e) when (CliFailures.Describe(e) is { } failure)
        {
            SetState(entry, "failed", failure.Message);
        }
    }

    private async Task PumpAsync<T>(Entry entry, Action<T> show) where T : struct, IKisRecord<T>
    {
        var (tr, key, stop) = (entry.Spec.Tr, entry.Spec.Key, entry.Stop.Token);
        if (observer is null)
        {
            await foreach (var r in client.SubscribeAsync<T>(tr, key, stop)) { Arrived(entry); show(r); }
            return;
        }
        await foreach (var record in client.SubscribeRecordsAsync(tr, key, stop))
        {
            observer.Delivered(record);
            Arrived(entry);
            if (T.TryDecode(record.Tr, record.Data.Span, out var value, out _)) show(value);
            else observer.DecodeFailed(record); // counted on the health panel
        }
    }

    protected override void WriteDelta(Utf8JsonWriter json)
    {
        if (_version != _published)
        {
            WriteList(json, markPublished: true);
        }
        else
        {
            // {"counts":[{"id":1,"records":120,"latest":"…"}]}: the page updates those rows and keeps the rest.
            json.WriteStartArray("counts");
            foreach (var e in _entries.Where(CountMoved))
            {
                json.WriteStartObject();
                json.WriteNumber("id", e.Id);
                WriteCount(json, e, markPublished: true);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        _published = _version;
        _publishedAt = Clock.GetTimestamp();
    }

    /// <param name="markPublished">A delta's (every synced page gets it); a snapshot goes to one new page only.</param>
    private static void WriteCount(Utf8JsonWriter json, Entry e, bool markPublished)
    {
        var records = Interlocked.Read(ref e.Records);
        json.WriteNumber("records", records);
        if (Volatile.Read(ref e.Latest) is { } latest)
        {
            var (time, summary) = RecordSummary.Describe(latest.Tr, latest.Data.Span);
            json.WriteString("latest", $"{time} {summary}");
        }
        if (markPublished) e.PublishedRecords = records;
    }

    protected override void WriteSnapshot(Utf8JsonWriter json) => WriteList(json, markPublished: false);

    private void WriteList(Utf8JsonWriter json, bool markPublished)
    {
        json.WriteStartArray("subscriptions");
        foreach (var e in _entries)
        {
            json.WriteStartObject();
            json.WriteNumber("id", e.Id);
            json.WriteString("spec", e.Spec.ToString());
            json.WriteString("tr", e.Spec.Tr.Id);
            json.WriteString("key", e.Spec.Key);
            json.WriteString("name", e.Spec.Tr.Description);
            json.WriteString("panel", e.Panel.ToString().ToLowerInvariant());
            json.WriteString("state", e.State);
            json.WriteString("message", e.Message);
            WriteCount(json, e, markPublished);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    public async ValueTask DisposeAsync()
    {
        List<Entry> entries;
        lock (Gate) entries = [.. _entries];
        foreach (var e in entries) await e.Stop.CancelAsync();
        await Task.WhenAll(entries.Select(e => e.Pump));
        foreach (var e in entries) e.Stop.Dispose();
    }
}
