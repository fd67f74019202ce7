using System.Globalization;
using Tokenwise.Json;
using Tokenwise.Pipeline;

namespace Tokenwise.Routing.Routes;

/// <summary>
/// What one attempt on a deployment came to, for the route to decide whether to move on: success, a
/// failure a fallback may cure (and whether it counts against the deployment's health), or an answer
/// that goes back to the client as it is.
/// </summary>
public readonly record struct AttemptOutcome(GatewayResponse Response, FallbackTriggers Trigger, bool Unsupported, TimeSpan? RetryAfter, string What)
{
    /// <summary>Upstream error bodies are small; one larger than this is not searched for a context-length error.</summary>
    private const int MaxErrorBytes = 256 * 1024;

    // How providers say the prompt is over the window: OpenAI's code and message, Anthropic's and Gemini's messages.
    private static readonly byte[][] s_contextLengthMarkers =
    [
        "context_length_exceeded"u8.ToArray(),
        "maximum context length"u8.ToArray(),
        "prompt is too long"u8.ToArray(),
        "exceeds the maximum number of tokens"u8.ToArray(),
    ];

    public bool Succeeded => Response.Upstream is { IsSuccess: true };

    /// <summary>The deployment itself failed (rate limited, erroring, slow or unreachable), not the request.</summary>
    public bool CountsAgainstDeployment => Trigger is FallbackTriggers.RateLimit or FallbackTriggers.ServerError or FallbackTriggers.Timeout or FallbackTriggers.Connection;

    /// <summary>
    /// Classifies <paramref name="response"/>. A 400 or 413 is read to tell a context-length error from any
    /// other; when it is not one, the returned response replays the bytes read, so nothing is lost.
    /// </summary>
    public static async ValueTask<AttemptOutcome> ClassifyAsync(GatewayResponse response, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (response.Error is { } error)
        {
            return error.Code switch
            {
                "upstream_timeout" => new(response, FallbackTriggers.Timeout, false, null, "timed out"),
                "upstream_unavailable" => new(response, FallbackTriggers.Connection, false, null, "unreachable"),
                // Refused before anything was sent: this deployment cannot serve the request, another may.
                "translation_unavailable" or "responses_api_unavailable" or "unsupported_parameter" or "unsupported_endpoint" =>
                    new(response, FallbackTriggers.None, true, null, error.Code),
                _ => new(response, FallbackTriggers.None, false, null, error.Code ?? error.Type),
            };
        }

        var upstream = response.Upstream!;
        var status = upstream.StatusCode.ToString(CultureInfo.InvariantCulture);
        switch (upstream.StatusCode)
        {
            case >= 200 and < 300:
                return new(response, FallbackTriggers.None, false, null, status);
            case 429:
                return new(response, FallbackTriggers.RateLimit, false, ParseRetryAfter(upstream.RetryAfter, now), status);
            case >= 500:
                return new(response, FallbackTriggers.ServerError, false, ParseRetryAfter(upstream.RetryAfter, now), status);
            case 400 or 413:
                using (var body = new PooledBufferWriter(1024))
                {
                    try
                    {
                        // An error body cut short (too large, or the connection broke) is still relayed as far as it was read.
                        await body.ReadFromAsync(upstream.Body, MaxErrorBytes, upstream.ReadCancellation);
                    }
                    catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is OperationCanceledException or IOException)
                    {
                    }

                    var isContextLength = IsContextLength(body.WrittenSpan);
                    var replay = new UpstreamResponse(upstream.StatusCode, upstream.ContentType, new MemoryStream(body.WrittenSpan.ToArray(), writable: false))
                    {
                        RetryAfter = upstream.RetryAfter,
                        RequestId = upstream.RequestId,
                    };
                    upstream.Dispose();
                    return new(GatewayResponse.From(replay), isContextLength ? FallbackTriggers.ContextLength : FallbackTriggers.None, false, null,
                        isContextLength ? "context length exceeded" : status);
                }

            default:
                return new(response, FallbackTriggers.None, false, null, status);
        }
    }

    private static bool IsContextLength(ReadOnlySpan<byte> body)
    {
        Span<byte> lower = body.Length <= 4096 ? stackalloc byte[body.Length] : new byte[body.Length];
        for (var i = 0; i < body.Length; i++)
        {
            lower[i] = (byte)char.ToLowerInvariant((char)body[i]);
        }

        foreach (var marker in s_contextLengthMarkers)
        {
            if (lower.IndexOf(marker) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The longest wait a Retry-After is taken for: "1e20" or "Infinity" overflowed TimeSpan (a 500, and no fallback).</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromDays(1);

    /// <summary>Retry-After in seconds or as an HTTP date, at most <see cref="MaxRetryAfter"/>.</summary>
    private static TimeSpan? ParseRetryAfter(string? value, DateTimeOffset now)
    {
        if (value is null)
        {
            return null;
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            return TimeSpan.FromSeconds(Math.Min(seconds, MaxRetryAfter.TotalSeconds));
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? (at > now ? TimeSpan.FromTicks(Math.Min((at - now).Ticks, MaxRetryAfter.Ticks)) : TimeSpan.Zero)
            : null;
    }
}
