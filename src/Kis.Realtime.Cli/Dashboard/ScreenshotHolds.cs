using System.Diagnostics;

namespace Kis.Realtime.Cli.Dashboard;

/// <summary>
/// The page's own "every panel shows live data" for a picture. Headless chromium's <c>--screenshot</c> shoots at the
/// page's load event, before a live page's first events, so a page opened with <c>?screenshot</c> holds its load
/// event on an image (<c>GET /screenshot-hold/ID</c>) that is answered when the page says it is ready
/// (<c>POST /screenshot-hold/ID</c>), or after <see cref="MaxHold"/>. One owner, one lock; bounded for a hostile page.
/// </summary>
internal sealed class ScreenshotHolds
{
    public static readonly TimeSpan MaxHold = TimeSpan.FromSeconds(120);
    private const int MaxPending = 16;

    /// <summary>A transparent 1×1 GIF: the image the page waits for.</summary>
    public static ReadOnlySpan<byte> Pixel =>
    [
        (byte)'G', (byte)'I', (byte)'F', (byte)'8', (byte)'9', (byte)'a', 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0x21, 0xF9, 4, 1, 0, 0, 0, 0,
        0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3B,
    ];

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Hold> _holds = []; // under _gate
    private readonly Stopwatch _since = Stopwatch.StartNew();
    private readonly TaskCompletionSource<TimeSpan> _firstReady = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A page's held image, answered when the page releases it.</summary>
    private sealed class Hold
    {
        public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Completes with the time since start when a held page first said it shows every panel live.</summary>
    public Task<TimeSpan> FirstReady => _firstReady.Task;

    /// <summary>A page id as the page makes them (letters and digits, at most 32).</summary>
    public static bool IsValidId(string? id) => id is { Length: > 0 and <= 32 } && id.All(char.IsAsciiLetterOrDigit);

    /// <summary>Waits until <paramref name="id"/> is released, <see cref="MaxHold"/> passes or the page goes; false when
    /// too many holds are pending (refused).</summary>
    public async Task<bool> HoldAsync(string id, CancellationToken cancellationToken)
    {
        Hold? hold;
        lock (_gate) hold = Entry(id);
        if (hold is null) return false;
        try
        {
            await hold.Released.Task.WaitAsync(MaxHold, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // answered anyway: a page that never fills still loads, and the caller says the picture was not ready
        }
        finally
        {
            lock (_gate) _holds.Remove(id);
        }
        return true;
    }

    /// <summary>The page <paramref name="id"/> shows every panel live: its held image is answered. False when no image of
    /// that page is held (a stray release takes no slot and does not count as a ready page).</summary>
    public bool Release(string id)
    {
        Hold? hold;
        lock (_gate) _holds.TryGetValue(id, out hold);
        if (hold is null) return false;
        hold.Released.TrySetResult();
        _firstReady.TrySetResult(_since.Elapsed);
        return true;
    }

    // The page asks for its image as it parses (seconds before it can be ready to release it). Under _gate.
    private Hold? Entry(string id)
    {
        if (_holds.TryGetValue(id, out var hold)) return hold;
        if (_holds.Count >= MaxPending) return null;
        return _holds[id] = new Hold();
    }
}
