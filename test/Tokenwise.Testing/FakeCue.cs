using System.Globalization;

namespace Tokenwise.Testing;

/// <summary>
/// The cues the fake upstreams share, written into a prompt as <c>#fake:NAME</c> so they travel through
/// the gateway untouched: finding them, <c>slow-MS</c>, and the cues that cut a stream short.
/// </summary>
internal static class FakeCue
{
    private const string Marker = "#fake:";

    /// <summary>
    /// The first cue, for the cues that replace or end an answer (errors, slow, stall, broken). A cue written
    /// <c>#fake:NAME@MODEL</c> applies only to requests for MODEL, so one prompt can make one deployment of a
    /// route fail and another answer; cues for other models are passed over.
    /// </summary>
    public static string? First(string body, string? model = null)
    {
        var at = body.IndexOf(Marker, StringComparison.Ordinal);
        while (at >= 0)
        {
            var start = at + Marker.Length;
            var end = start;
            while (end < body.Length && (char.IsAsciiLetterOrDigit(body[end]) || body[end] == '-'))
            {
                end++;
            }

            var name = body[start..end];
            if (end >= body.Length || body[end] != '@')
            {
                return name;
            }

            var modelStart = end + 1;
            var modelEnd = modelStart;
            while (modelEnd < body.Length && (char.IsAsciiLetterOrDigit(body[modelEnd]) || body[modelEnd] is '-' or '.' or '_' or ':'))
            {
                modelEnd++;
            }

            if (model is not null && body.AsSpan(modelStart, modelEnd - modelStart).SequenceEqual(model))
            {
                return name;
            }

            at = body.IndexOf(Marker, modelEnd, StringComparison.Ordinal);
        }

        return null;
    }

    /// <summary>Whether the cue <paramref name="name"/> is present anywhere (answer-shaping cues combine).</summary>
    public static bool Has(string body, string name) => body.Contains(Marker + name, StringComparison.Ordinal);

    /// <summary>Plays <c>slow-MS</c>: waits MS milliseconds (or until the caller goes away).</summary>
    public static Task DelayIfSlowAsync(HttpContext http, string? cue) =>
        cue?.StartsWith("slow-", StringComparison.Ordinal) == true
            ? Task.Delay(int.Parse(cue.AsSpan(5), CultureInfo.InvariantCulture), http.RequestAborted)
            : Task.CompletedTask;

    /// <summary>
    /// Plays the cues that cut a stream short at this point: <c>broken</c> drops the connection (true: write
    /// nothing more), <c>stall</c> sends nothing until the caller goes away (which throws). Any other cue: false.
    /// </summary>
    public static async Task<bool> CutStreamAsync(HttpContext http, string? cue)
    {
        switch (cue)
        {
            case "broken":
                // A reset discards data the peer has not read yet; give the caller time to read what was sent.
                await Task.Delay(200, http.RequestAborted);
                http.Abort();
                return true;
            case "stall":
                await Task.Delay(Timeout.Infinite, http.RequestAborted);
                return true;
            default:
                return false;
        }
    }
}
