using System.Collections.Concurrent;
using System.Text;

namespace Tokenwise.Testing;

/// <summary>The streams a fake upstream is writing right now, and the plumbing every fake shares around a request.</summary>
internal sealed class FakeStreams
{
    // Counts releases, so a release that comes before the stream reaches its hold is not lost.
    private readonly SemaphoreSlim _held = new(0);
    private int _active;

    /// <summary>Streams being written right now; 0 once every stream ended or was abandoned by its caller.</summary>
    public int Active => Volatile.Read(ref _active);

    /// <summary>Waits until no stream is being written, or the timeout passes; returns the count left.</summary>
    public async Task<int> WaitForNoneAsync(TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (Active > 0 && DateTime.UtcNow < until)
        {
            await Task.Delay(10);
        }

        return Active;
    }

    /// <summary>
    /// Answers with a server-sent-event stream written by <paramref name="write"/>, counted while it runs;
    /// a caller that goes away ends it quietly (exactly what cancellation tests look for).
    /// </summary>
    public async Task WriteAsync(HttpContext http, string contentType, Func<Task> write)
    {
        http.Response.ContentType = contentType;
        Interlocked.Increment(ref _active);
        try
        {
            await write();
        }
        catch (OperationCanceledException)
        {
            // The caller went away.
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }
    }

    /// <summary>
    /// Plays the cues that apply at a stream's cue point (each fake picks where): <c>hold</c> waits until the
    /// test calls <see cref="ReleaseHeld"/> (or the caller goes away), then the stream goes on, so a test sees
    /// what reached the client while the upstream was mid-stream; <c>stream-error</c> writes
    /// <paramref name="errorEvent"/> (the dialect's error event) and ends the stream; <c>stall</c> and
    /// <c>broken</c> as <see cref="FakeCue.CutStreamAsync"/> plays them. True: write nothing more.
    /// </summary>
    public async Task<bool> PlayStreamCueAsync(HttpContext http, string? cue, ReadOnlyMemory<byte> errorEvent)
    {
        switch (cue)
        {
            case "hold":
                await _held.WaitAsync(http.RequestAborted);
                return false;
            case "stream-error":
                await http.Response.Body.WriteAsync(errorEvent, http.RequestAborted);
                return true;
            default:
                return await FakeCue.CutStreamAsync(http, cue);
        }
    }

    /// <summary>Lets one stream held by <c>#fake:hold</c> go on.</summary>
    public void ReleaseHeld() => _held.Release();

    /// <summary>Reads a request's body and, when <paramref name="received"/> is given, records it with its headers.</summary>
    public static async Task<(byte[] Bytes, string Text)> ReadAsync(HttpContext http, ConcurrentQueue<ReceivedRequest>? received, string path)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer);
        var bytes = buffer.ToArray();
        var text = Encoding.UTF8.GetString(bytes);
        received?.Enqueue(new ReceivedRequest(path, text,
            http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), http.Request.Protocol));
        return (bytes, text);
    }
}
