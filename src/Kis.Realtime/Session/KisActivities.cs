using System.Diagnostics;

namespace Kis.Realtime.Session;

/// <summary>
/// The library's tracing: one <see cref="ActivitySource"/> named <see cref="SourceName"/> with spans for the rare,
/// slow steps a trace should show — connect, reconnect, approval key, subscribe — never one per record. Attributes
/// carry no secret (the app key is masked) and no server text.
/// </summary>
internal static class KisActivities
{
    /// <summary>The source's name, for <c>AddSource("Kis.Realtime")</c>.</summary>
    public const string SourceName = "Kis.Realtime";

    public const string Connect = "kis.realtime.connect";
    public const string Reconnect = "kis.realtime.reconnect";
    public const string Approval = "kis.realtime.approval";
    public const string Subscribe = "kis.realtime.subscribe";

    public static readonly ActivitySource Source = new(SourceName, typeof(KisActivities).Assembly.GetName().Version?.ToString());

    /// <summary>Starts a span of <paramref name="session"/> when someone listens (null otherwise: no cost).</summary>
    public static Activity? Start(string name, int session, ActivityKind kind = ActivityKind.Client)
    {
        var activity = Source.StartActivity(name, kind);
        activity?.SetTag("kis.session", session);
        return activity;
    }

    /// <summary>Marks the span failed with the exception's type only (its message may quote a server).</summary>
    public static void Fail(Activity? activity, Exception e)
    {
        if (activity is null) return;
        activity.SetTag("error.type", e.GetType().FullName);
        activity.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
    }

    /// <summary>Marks the span failed with KIS's code (e.g. <c>OPSP0008</c>).</summary>
    public static void Fail(Activity? activity, string? code)
    {
        if (activity is null) return;
        activity.SetTag("error.type", code ?? "refused");
        activity.SetStatus(ActivityStatusCode.Error, code);
    }
}
