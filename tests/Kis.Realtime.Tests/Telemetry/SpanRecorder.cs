using System.Collections.Concurrent;
using System.Diagnostics;

namespace Kis.Realtime.Tests.Telemetry;

/// <summary>
/// Records the library's spans in one test's own trace: a listener on the library's source, and a root activity (the
/// current one from here on) that the spans started after it belong to. Other tests, and a gateway's own KIS client,
/// trace on the same static source at the same time, in other traces: <see cref="Mine"/> leaves them out.
/// </summary>
internal sealed class SpanRecorder : IDisposable
{
    private const string TestSourceName = "Kis.Realtime.Tests.Spans";
    private static readonly ActivitySource TestSource = new(TestSourceName);
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener;
    private readonly Activity _root;

    public SpanRecorder()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is KisRealtimeClient.ActivitySourceName or TestSourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
        _root = TestSource.StartActivity("test") ?? throw new InvalidOperationException("the test source is not listened to");
    }

    /// <summary>The library's spans of this test's trace stopped so far.</summary>
    public List<Activity> Mine() =>
        _spans.Where(a => a.TraceId == _root.TraceId && a.Source.Name == KisRealtimeClient.ActivitySourceName).ToList();

    public void Dispose()
    {
        _root.Dispose();
        _listener.Dispose();
    }
}
